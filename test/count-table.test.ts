// CountTable (src/util/tables.ts): counts, first frame/file, the key limit and merging, checked
// against a plain Map model on seeded random key streams (bursts, alternation, growth past the
// initial size, and a full table).
import { describe, expect, it } from 'vitest';
import { CountTable } from '../src/util/tables.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Model { count: number; first: number; firstFile: number; order: number }

function run(width: number, max: number, keys: number[][], files: number[] = []): { t: CountTable; model: Map<string, Model>; dropped: number } {
  const t = new CountTable(width, max, 4);
  const model = new Map<string, Model>();
  const scratch = new Uint32Array(16);
  let dropped = 0;
  keys.forEach((k, frame) => {
    const file = files[frame] ?? 0;
    scratch.set(k);
    scratch[width] = 0xdeadbeef; // words past `width` must not matter
    const e = t.add(scratch, frame + 1, file);
    const id = k.join(',');
    let m = model.get(id);
    if (!m && model.size >= max) {
      dropped++;
      expect(e).toBe(-1);
      return;
    }
    if (!m) model.set(id, (m = { count: 0, first: frame + 1, firstFile: file, order: model.size }));
    m.count++;
    expect(e).toBe(m.order);
  });
  return { t, model, dropped };
}

function expectSame(t: CountTable, model: Map<string, Model>, dropped: number): void {
  expect(t.size).toBe(model.size);
  expect(t.dropped).toBe(dropped);
  for (const [id, m] of model) {
    const e = m.order;
    expect([...t.keyOf(e)].join(',')).toBe(id);
    expect(t.counts[e]).toBe(m.count);
    expect(t.first[e]).toBe(m.first);
    expect(t.firstFile[e]).toBe(m.firstFile);
  }
}

describe('CountTable', () => {
  it('counts bursts, alternation and random keys like a Map (width 9, IPv4-style keys with zero words)', () => {
    const r = rng(7);
    const keys: number[][] = [];
    const pair = (a: number, b: number) => [4 | (1 << 8), 0xc0a80a00 + a, 0, 0, 0, 0xc0a80a00 + b, 0, 0, 0];
    for (let i = 0; i < 5000; i++) {
      const mode = i % 3;
      if (mode === 0) keys.push(pair(11, 1 + Math.floor(r() * 8))); // node to 8 peers
      else if (mode === 1) keys.push(pair(1 + Math.floor(r() * 8), 11)); // and back
      else keys.push(pair(Math.floor(r() * 3000), Math.floor(r() * 3000))); // many pairs: the index grows
    }
    const { t, model, dropped } = run(9, 1 << 16, keys);
    expect(model.size).toBeGreaterThan(1000);
    expectSame(t, model, dropped);
    expect(t.find(Uint32Array.from(pair(11, 1)))).toBe(model.get(pair(11, 1).join(','))!.order);
    expect(t.find(Uint32Array.from(pair(99999, 1)))).toBe(-1);
  });

  it('stops adding keys at max and counts the rest as dropped; known keys still count', () => {
    const keys = [[1], [2], [1], [3], [4], [2], [5], [1]];
    const { t, model, dropped } = run(1, 2, keys);
    expect(dropped).toBe(3); // 3, 4 and 5 arrive after 1 and 2 filled the table
    expectSame(t, model, dropped);
  });

  it('mergeState adds counts and keeps the first frame and file of the table merged into', () => {
    const a = run(2, 100, [[1, 1], [2, 2], [1, 1]], [0, 0, 0]).t;
    const b = run(2, 100, [[2, 2], [3, 3], [3, 3]], [1, 1, 1]).t;
    const map = a.mergeState(b.exportState());
    expect([...map]).toEqual([1, 2]);
    expect(a.size).toBe(3);
    expect([...a.counts.subarray(0, 3)]).toEqual([2, 2, 2]);
    expect([...a.first.subarray(0, 3)]).toEqual([1, 2, 2]);
    expect([...a.firstFile.subarray(0, 3)]).toEqual([0, 0, 1]);
    expect(a.sorted()).toEqual([0, 1, 2]);
  });
});
