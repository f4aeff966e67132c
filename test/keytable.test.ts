// KeyTable deletion (backward shift, no tombstones) and entry reuse, checked against a JS Map
// holding the same keys: after any mix of inserts and deletes every remaining key is found at the
// entry it was given, every deleted key is absent, and live entries never move.
import { describe, expect, it } from 'vitest';
import { KeyTable } from '../src/util/keytable.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s; };
}

describe('KeyTable', () => {
  it('delete keeps every other key reachable and reuses entry numbers', () => {
    const t = new KeyTable(3, 16);
    const model = new Map<string, number>();
    const next = rng(7);
    const key = new Uint32Array(3);
    const name = (k: Uint32Array) => `${k[0]},${k[1]},${k[2]}`;
    // A small key space so inserts and deletes hit the same keys and probe runs wrap around.
    for (let step = 0; step < 20000; step++) {
      key[0] = next() % 300; key[1] = 7; key[2] = next() % 3;
      const n = name(key);
      if (next() % 3 === 0 && model.has(n)) {
        t.delete(model.get(n)!);
        model.delete(n);
        expect(t.find(key)).toBe(-1);
      } else {
        const e = t.findOrInsert(key);
        if (model.has(n)) { expect(t.inserted).toBe(false); expect(e).toBe(model.get(n)); }
        else { expect(t.inserted).toBe(true); model.set(n, e); }
      }
      expect(t.size).toBe(model.size);
    }
    for (const [n, e] of model) {
      const [a, b, c] = n.split(',').map(Number);
      expect(t.find(Uint32Array.of(a, b, c))).toBe(e);
      expect(t.alive[e]).toBe(1);
    }
    // Entry numbers stay below the most keys ever live at once (the free list reuses them).
    expect(t.used).toBeLessThanOrEqual(900);
    expect(new Set(model.values()).size).toBe(model.size);
  });
});
