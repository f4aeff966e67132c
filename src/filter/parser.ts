// The parser: tokens to an AST. Grammar (precedence low to high, as Wireshark's grammar.lemon):
//   expr    := and ( ('or' | '||') and )*
//   and     := unary ( ('and' | '&&') unary )*
//   unary   := ('not' | '!') unary | primary
//   primary := '(' expr ')' | FIELD | FIELD CMP VALUE | FIELD 'in' '{' item (','? item)* '}'
//   item    := VALUE | VALUE '..' VALUE
// Fields and values keep their columns so the compiler can point at a bad one.
import { FilterError, tokenize, type Token } from './lexer.js';

export interface Word { text: string; column: number; length: number }

export type FilterNode =
  | { type: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { type: 'not'; expr: FilterNode }
  | { type: 'present'; field: Word }
  | { type: 'compare'; op: string; field: Word; value: Word }
  | { type: 'in'; field: Word; items: { lo: Word; hi: Word | null }[] };

export function parseFilter(src: string): FilterNode {
  const toks = tokenize(src);
  let p = 0;
  const peek = (): Token => toks[p];
  const fail = (t: Token, msg: string): never => {
    throw new FilterError(msg, t.column, t.kind === 'end' ? 1 : t.length);
  };
  const word = (t: Token): Word => ({ text: t.text, column: t.column, length: t.length });

  function expr(): FilterNode {
    let left = and();
    while (peek().kind === 'or') { p++; left = { type: 'or', left, right: and() }; }
    return left;
  }
  function and(): FilterNode {
    let left = unary();
    while (peek().kind === 'and') { p++; left = { type: 'and', left, right: unary() }; }
    return left;
  }
  function unary(): FilterNode {
    if (peek().kind === 'not') { p++; return { type: 'not', expr: unary() }; }
    return primary();
  }
  function primary(): FilterNode {
    const t = peek();
    if (t.kind === '(') {
      p++;
      const e = expr();
      if (peek().kind !== ')') fail(peek(), peek().kind === 'end' ? "missing ')'" : `expected ')' here`);
      p++;
      return e;
    }
    if (t.kind !== 'word') fail(t, t.kind === 'end' ? 'the expression ends too early' : `expected a field or protocol name here, not '${t.text}'`);
    p++;
    const field = word(t);
    const next = peek();
    if (next.kind === 'cmp') {
      p++;
      const v = peek();
      if (v.kind !== 'word') fail(v, v.kind === 'end' ? `a value must follow '${next.text}'` : `expected a value after '${next.text}', not '${v.text}'`);
      p++;
      return { type: 'compare', op: next.text, field, value: word(v) };
    }
    if (next.kind === 'in') {
      p++;
      if (peek().kind !== '{') fail(peek(), "expected '{' after 'in'");
      p++;
      const items: { lo: Word; hi: Word | null }[] = [];
      for (;;) {
        const it = peek();
        if (it.kind === '}') { if (items.length === 0) fail(it, 'an empty set'); p++; break; }
        if (it.kind === ',' && items.length > 0) { p++; continue; }
        if (it.kind !== 'word') fail(it, it.kind === 'end' ? "missing '}'" : `expected a value in the set, not '${it.text}'`);
        p++;
        const dots = it.text.indexOf('..');
        if (dots > 0 && dots < it.text.length - 2) {
          items.push({
            lo: { text: it.text.slice(0, dots), column: it.column, length: dots },
            hi: { text: it.text.slice(dots + 2), column: it.column + dots + 2, length: it.text.length - dots - 2 },
          });
        } else {
          items.push({ lo: word(it), hi: null });
        }
      }
      return { type: 'in', field, items };
    }
    return { type: 'present', field };
  }

  const root = expr();
  if (peek().kind !== 'end') {
    const t = peek();
    fail(t, t.kind === 'word' ? `'${t.text}' was unexpected here (missing 'and'/'or' or an operator?)` : `'${t.text}' was unexpected here`);
  }
  return root;
}
