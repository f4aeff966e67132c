// src/render/json.ts: `analyze --json` is written in pieces as it is serialised; their
// concatenation must be exactly what JSON.stringify(value, null, 2) gives (the JSON output is a contract).
import { describe, expect, it } from 'vitest';
import { jsonPieces } from '../src/render/json.js';

const joined = (v: unknown) => [...jsonPieces(v)].join('');

class Point {
  constructor(readonly x: number, readonly y: number) {}
}

describe('jsonPieces', () => {
  it('joins to JSON.stringify(value, null, 2) for the shapes a document holds', () => {
    const long = Array.from({ length: 200 }, (_, i) => ({ prefix: `10.${i}.0.0/16`, nextHop: i % 3 ? null : '192.0.2.1', path: [i, i + 1], ok: i % 2 === 0 }));
    const values: unknown[] = [
      { a: 1, b: 'two', c: [1, 2, 3], d: { e: null, f: [] , g: {} } },
      { routes: long, events: long.slice(0, 65), exactlySlice: long.slice(0, 64), oneMore: long.slice(0, 129) },
      // members JSON.stringify leaves out, or writes as null inside arrays (long and short ones)
      { u: undefined, f: () => 1, s: Symbol('x'), kept: 1, arr: [undefined, () => 1, Symbol('y'), 2] },
      { arr: Array.from({ length: 130 }, (_, i) => (i % 5 === 0 ? undefined : i % 7 === 0 ? () => i : i)) },
      { onlyOmitted: { u: undefined }, emptyArr: [], emptyObj: {} },
      // long arrays inside long arrays, and of scalars
      { nested: Array.from({ length: 70 }, (_, i) => Array.from({ length: 66 }, (_, j) => ({ i, j }))) },
      Array.from({ length: 300 }, (_, i) => i * 1.5),
      // strings JSON escapes: newlines and controls must not be taken for layout
      { text: 'line\nbreak\t"quoted" \\ \u0001 \u009b \u202e é 日本', key: { 'with\nnewline': 'v' } },
      // numbers JSON writes as null, and -0
      { nan: NaN, inf: -Infinity, zero: -0, big: 1e21, small: 5e-7 },
      // not plain objects: written whole, as JSON.stringify writes them
      { date: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)), map: new Map([[1, 2]]), set: new Set([1]), point: new Point(1, 2), bytes: new Uint8Array([1, 2]) },
      Object.assign(Object.create(null) as object, { nullProto: true, list: Array.from({ length: 80 }, (_, i) => ({ i })) }),
      // holes in a long array are null
      { sparse: (() => { const a: unknown[] = new Array(100); a[3] = 'x'; a[99] = { y: 1 }; return a; })() },
      'a string', 42, null, true, [], {},
    ];
    for (const v of values) expect(joined(v)).toBe(JSON.stringify(v, null, 2));
  });

  it('cuts a long array into several pieces (what keeps the memory down)', () => {
    const pieces = [...jsonPieces({ list: Array.from({ length: 1000 }, (_, i) => ({ i })) })];
    expect(pieces.length).toBeGreaterThan(1000 / 64);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(64 * 40);
  });
});
