// The lexer of the display-filter language: a subset of Wireshark's (doc/wireshark-filter.adoc).
// Field names and literals (addresses, numbers, CIDRs, MACs, names) are all "words": runs of
// letters, digits and `_ . : / -`, told apart by the parser from where they stand, as Wireshark's
// own scanner does with its "unparsed" tokens. Every token keeps its column for error messages.

/** A mistake in a filter expression, with the 0-based column and length of the text it is about. */
export class FilterError extends Error {
  constructor(message: string, readonly column: number, readonly length = 1) {
    super(message);
  }
}

export type TokenKind =
  | 'word' | 'and' | 'or' | 'not' | 'in' | 'cmp' | '(' | ')' | '{' | '}' | ',' | 'end';

export interface Token {
  kind: TokenKind;
  /** The text as written (for `cmp`, the operator normalised: == != ~= < > <= >=). */
  text: string;
  column: number;
  length: number;
}

const WORD_CHAR = /[A-Za-z0-9_.:/-]/;
const KEYWORD_CMP: Record<string, string> = {
  eq: '==', ne: '!=', any_ne: '~=', lt: '<', gt: '>', le: '<=', ge: '>=',
};
/** Operators of Wireshark's language that this subset does not implement: said so by name. */
const UNSUPPORTED_WORDS = new Set(['contains', 'matches', 'xor', 'bitwise_and', 'all_eq', 'any_eq', 'all_ne']);

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const push = (kind: TokenKind, text: string, column: number, length: number) => out.push({ kind, text, column, length });
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { i++; continue; }
    const two = src.slice(i, i + 2);
    if (two === '&&') { push('and', '&&', i, 2); i += 2; continue; }
    if (two === '||') { push('or', '||', i, 2); i += 2; continue; }
    if (two === '==' || two === '!=' || two === '<=' || two === '>=' || two === '~=') {
      if (src[i + 2] === '=') throw new FilterError(`'${two}=' is not supported (use '${two}')`, i, 3);
      push('cmp', two, i, 2); i += 2; continue;
    }
    if (c === '<' || c === '>') { push('cmp', c, i, 1); i++; continue; }
    if (c === '!') { push('not', '!', i, 1); i++; continue; }
    if (c === '(' || c === ')' || c === '{' || c === '}' || c === ',') { push(c, c, i, 1); i++; continue; }
    if (c === '=') throw new FilterError(`'=' is not an operator (use '==')`, i, 1);
    if (c === '"' || c === "'") throw new FilterError('strings are not supported: no field of this subset is a string', i, 1);
    if (c === '&' || c === '|') throw new FilterError(`'${c}' is not an operator (use '${c}${c}')`, i, 1);
    if (!WORD_CHAR.test(c)) throw new FilterError(`unexpected character '${c}'`, i, 1);
    let j = i;
    while (j < src.length && WORD_CHAR.test(src[j])) j++;
    const w = src.slice(i, j);
    const lower = w.toLowerCase();
    if (lower === 'and') push('and', w, i, j - i);
    else if (lower === 'or') push('or', w, i, j - i);
    else if (lower === 'not') push('not', w, i, j - i);
    else if (lower === 'in') push('in', w, i, j - i);
    else if (KEYWORD_CMP[lower] !== undefined) push('cmp', KEYWORD_CMP[lower], i, j - i);
    else if (UNSUPPORTED_WORDS.has(lower)) throw new FilterError(`'${w}' is not supported by tunnelscope's filters`, i, j - i);
    else push('word', w, i, j - i);
    i = j;
  }
  push('end', '', src.length, 1);
  return out;
}
