// The compiler: an AST to one predicate over (record, decoded state), built from closures once.
// Evaluating it reads numbers from the state's typed arrays and the packet bytes: no allocation,
// no string per packet. Semantics follow tshark 4.0 for repeated fields (a packet with an outer
// and an inner IP header has two ip.src values):
//   `f == v`, `<`, `>`, `<=`, `>=`, `in {…}`: true when ANY value of f matches;
//   `f != v`: true when f is present and NO value equals v (tshark 4.0's "all not equal");
//   `f ~= v` (any_ne): true when any value differs;  bare `f`: f is present.
import type { CaptureRecord } from '../reader/record.js';
import type { PacketState } from '../../dissectors/packet.js';
import { CLASS_NAME } from '../../dissectors/packet.js';
import { FilterError } from './lexer.js';
import { parseFilter, type FilterNode, type Word } from './parser.js';
import { lookupField, fieldNames, type FilterEnv, type LayerField, type FrameField, type ValueType } from './fields.js';
import { parseIpv4, parseIpv6, parseMac, parseNumber } from './literals.js';

export type Predicate = (r: CaptureRecord, st: PacketState) => boolean;

export interface CompiledFilter {
  /** The expression as given. */
  text: string;
  test: Predicate;
  /** The predicate reads env.facts: extract them before calling it. */
  needsFacts: boolean;
  /** The predicate reads env.bgpLayers: BGP must be reassembled for every packet. */
  needsBgp: boolean;
}

/** A test of one value (the state is passed for IPv6, whose value is an offset into st.buf). */
type ValueTest = (v: number, st: PacketState) => boolean;

/** Compiles `src` against `env`; throws FilterError (with the column) for any mistake. */
export function compileFilter(src: string, env: FilterEnv): CompiledFilter {
  if (src.trim() === '') throw new FilterError('the filter is empty', 0, 1);
  const ast = parseFilter(src);
  const flags = { facts: false, bgp: false };
  const test = node(ast, env, flags);
  return { text: src, test, needsFacts: flags.facts, needsBgp: flags.bgp };
}

function node(n: FilterNode, env: FilterEnv, flags: { facts: boolean; bgp: boolean }): Predicate {
  switch (n.type) {
    case 'and': {
      const a = node(n.left, env, flags), b = node(n.right, env, flags);
      return (r, st) => a(r, st) && b(r, st);
    }
    case 'or': {
      const a = node(n.left, env, flags), b = node(n.right, env, flags);
      return (r, st) => a(r, st) || b(r, st);
    }
    case 'not': {
      const a = node(n.expr, env, flags);
      return (r, st) => !a(r, st);
    }
    case 'present':
      return present(n.field, env, flags);
    case 'compare':
    case 'in':
      return comparison(n, env, flags);
  }
}

function unknownField(w: Word): FilterError {
  const near = suggest(w.text);
  return new FilterError(`unknown field or protocol '${w.text}'${near ? ` (did you mean '${near}'?)` : ''}`, w.column, w.length);
}

/** The closest known name by edit distance, when close enough to be a typo. */
function suggest(name: string): string | null {
  let best: string | null = null, bestD = Infinity;
  for (const c of [...fieldNames(), 'bgp', 'bgp.type']) {
    const d = editDistance(name, c);
    if (d < bestD) { bestD = d; best = c; }
  }
  return bestD <= Math.max(1, Math.floor(name.length / 4)) ? best : null;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

const BGP_TYPE = 'bgp.type';

/** Some BGP message completing in this packet passes `test` (messages lost in a capture gap are not in the packet). */
function bgpAny(env: FilterEnv, r: CaptureRecord, test: ValueTest | null, st: PacketState): boolean {
  const layers = env.bgpLayers(r.frame);
  if (layers === null) return false;
  for (let k = 0; k < layers.length; k++) {
    const l = layers[k];
    if ('lost' in l) continue;
    if (test === null || test(l.typeCode, st)) return true;
  }
  return false;
}

function present(w: Word, env: FilterEnv, flags: { facts: boolean; bgp: boolean }): Predicate {
  if (w.text === 'bgp' || w.text === BGP_TYPE) {
    flags.bgp = true;
    return (r, st) => bgpAny(env, r, null, st);
  }
  if (w.text === 'frame') return () => true;
  const f = lookupField(w.text);
  if (!f) throw unknownField(w);
  if (f.kind === 'protocol') {
    const match = f.match;
    return (_r, st) => {
      for (let i = 0; i < st.count; i++) if (match(st, i)) return true;
      return false;
    };
  }
  return anyValue(f, () => true, env, flags);
}

/** True when some value of `f` passes `test`. */
function anyValue(f: LayerField | FrameField, test: ValueTest, env: FilterEnv, flags: { facts: boolean; bgp: boolean }): Predicate {
  if (f.kind === 'frame') {
    if (f.facts) flags.facts = true;
    const get = f.get;
    return (r, st) => {
      const v = get(r, st, env);
      return v === v && test(v, st);
    };
  }
  const { match, get, pick, count } = f;
  const fixed = f.slots;
  const slots = count ?? (() => fixed);
  if (pick) {
    return (_r, st) => {
      const i = pick(st);
      if (i < 0 || i >= st.count || !match(st, i)) return false;
      for (let k = 0, n = slots(st, i); k < n; k++) {
        const v = get(st, i, k);
        if (v === v && test(v, st)) return true;
      }
      return false;
    };
  }
  return (_r, st) => {
    for (let i = 0; i < st.count; i++) {
      if (!match(st, i)) continue;
      for (let k = 0, n = slots(st, i); k < n; k++) {
        const v = get(st, i, k);
        if (v === v && test(v, st)) return true;
      }
    }
    return false;
  };
}

function comparison(n: Extract<FilterNode, { type: 'compare' | 'in' }>, env: FilterEnv, flags: { facts: boolean; bgp: boolean }): Predicate {
  const w = n.field;
  let any: (test: ValueTest) => Predicate;
  let type: ValueType;
  if (w.text === BGP_TYPE) {
    flags.bgp = true;
    type = 'uint';
    any = (test) => (r, st) => bgpAny(env, r, test, st);
  } else {
    const f = lookupField(w.text);
    if (!f) throw unknownField(w);
    if (f.kind === 'protocol') {
      const at = n.type === 'in' ? 'in' : n.op;
      throw new FilterError(`'${w.text}' is a protocol: it can only be tested for presence, not with '${at}'`, w.column, w.length);
    }
    type = f.type;
    any = (test) => anyValue(f, test, env, flags);
  }
  if (n.type === 'in') {
    if ((type === 'uint' || type === 'float') && n.items.every((it) => it.hi === null) && n.items.length > 4) {
      // A long list of numbers (frame.number in {…} from a finding's evidence): one hash lookup.
      const set = new Set(n.items.map((it) => numberLiteral(it.lo, type)));
      return any((v) => set.has(v));
    }
    const tests = n.items.map((it) => (it.hi === null ? valueTest('==', it.lo, type) : rangeTest(it.lo, it.hi, type)));
    return any((v, st) => {
      for (let k = 0; k < tests.length; k++) if (tests[k](v, st)) return true;
      return false;
    });
  }
  if (n.op === '!=') {
    // tshark 4.0: present, and no value equal.
    const eq = any(valueTest('==', n.value, type));
    const has = any(() => true);
    return (r, st) => has(r, st) && !eq(r, st);
  }
  if (n.op === '~=') {
    const eq = valueTest('==', n.value, type);
    return any((v, st) => !eq(v, st));
  }
  return any(valueTest(n.op, n.value, type));
}

function rangeTest(lo: Word, hi: Word, type: ValueType): ValueTest {
  if (type !== 'uint' && type !== 'float') {
    throw new FilterError(`a range 'a..b' needs a numeric field`, lo.column, lo.length + hi.length + 2);
  }
  const a = numberLiteral(lo, type), b = numberLiteral(hi, type);
  return (v) => v >= a && v <= b;
}

function numberLiteral(w: Word, type: ValueType): number {
  const v = parseNumber(w.text, type === 'float');
  if (v === null) throw new FilterError(`'${w.text}' is not a ${type === 'float' ? 'number' : 'whole number'}`, w.column, w.length);
  return v;
}

function ordered(op: string, lit: number): ValueTest {
  switch (op) {
    case '==': return (v) => v === lit;
    case '<': return (v) => v < lit;
    case '>': return (v) => v > lit;
    case '<=': return (v) => v <= lit;
    case '>=': return (v) => v >= lit;
  }
  throw new Error(`operator ${op}`);
}

/** The test `value OP literal` for a field of `type`; the literal is parsed here, once. */
function valueTest(op: string, w: Word, type: ValueType): ValueTest {
  const bad = (what: string) => new FilterError(`'${w.text}' is not ${what}`, w.column, w.length);
  switch (type) {
    case 'uint':
    case 'float':
      return ordered(op, numberLiteral(w, type));
    case 'bool': {
      const t = w.text.toLowerCase();
      const lit = t === '1' || t === 'true' ? 1 : t === '0' || t === 'false' ? 0 : NaN;
      if (lit !== lit) throw bad('a boolean (1, 0, true, false)');
      return ordered(op, lit);
    }
    case 'mac': {
      const lit = parseMac(w.text);
      if (lit === null) throw bad('a MAC address (aa:bb:cc:dd:ee:ff)');
      return ordered(op, lit);
    }
    case 'class': {
      const lit = CLASS_NAME.indexOf(w.text.toLowerCase());
      if (lit < 0) throw bad(`a traffic class (${CLASS_NAME.join(', ')})`);
      if (op !== '==') throw new FilterError(`classes are compared with '==', '!=' or 'in'`, w.column, w.length);
      return ordered(op, lit);
    }
    case 'ipv4': {
      const net = parseIpv4(w.text);
      if (net === null) throw bad('an IPv4 address or CIDR');
      if (net.prefix < 32) {
        if (op !== '==') throw new FilterError(`a CIDR can only be compared with '==', '!=' or 'in'`, w.column, w.length);
        if (net.prefix === 0) return () => true;
        const shift = 32 - net.prefix;
        const want = net.addr >>> shift;
        return (v) => v >>> shift === want;
      }
      return ordered(op, net.addr);
    }
    case 'ipv6': {
      const net = parseIpv6(w.text);
      if (net === null) throw bad('an IPv6 address or prefix');
      if (net.prefix < 128 && op !== '==') throw new FilterError(`a prefix can only be compared with '==', '!=' or 'in'`, w.column, w.length);
      const want = net.bytes, bits = net.prefix;
      const full = bits >> 3, rest = bits & 7, mask = (0xff << (8 - rest)) & 0xff;
      if (op === '==') {
        return (o, st) => {
          const b = st.buf;
          for (let k = 0; k < full; k++) if (b[o + k] !== want[k]) return false;
          return rest === 0 || (b[o + full] & mask) === (want[full] & mask);
        };
      }
      // Ordering: byte by byte, as Wireshark compares FT_IPv6 values.
      const cmp = (o: number, b: Uint8Array) => {
        for (let k = 0; k < 16; k++) if (b[o + k] !== want[k]) return b[o + k] - want[k];
        return 0;
      };
      const ord = ordered(op, 0);
      return (o, st) => ord(cmp(o, st.buf), st);
    }
  }
}
