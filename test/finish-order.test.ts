// Declared dependencies between analyses (PacketAnalysis.dependsOn, src/engine/driver.ts finishAll): an
// analysis' finish() runs after those of the analyses it reads, whatever their order in the run,
// and the results keep the run's order (the order of the document's sections).
import { describe, expect, it } from 'vitest';
import { finishAll } from '../src/engine/driver.js';
import type { PacketAnalysis } from '../src/engine/analysis.js';
import { createLintSet } from '../src/analyses/lint/index.js';

function recorded(a: PacketAnalysis, order: string[]): PacketAnalysis {
  const finish = a.finish.bind(a);
  a.finish = () => { order.push(a.name); return finish(); };
  return a;
}

const stub = (name: string, dependsOn?: string[]): PacketAnalysis => ({ name, dependsOn, onPacket() {}, finish: () => `${name} result` });

describe('finishAll', () => {
  it('finishes each analysis after the ones it depends on, and keeps the results in the run order', () => {
    const order: string[] = [];
    const run = [recorded(stub('c', ['b']), order), recorded(stub('a'), order), recorded(stub('b', ['a', 'absent']), order)];
    const results = finishAll(run);
    expect(order).toEqual(['a', 'b', 'c']);
    expect(Object.keys(results)).toEqual(['c', 'a', 'b']);
    expect(results.c).toBe('c result');
  });

  it('refuses a cycle', () => {
    expect(() => finishAll([stub('a', ['b']), stub('b', ['a'])])).toThrow(/cycle/);
  });

  it('the standard set: BGP and L2 finish before lint and CNI even when listed after them', () => {
    const set = createLintSet();
    const order: string[] = [];
    // Each finish() counted once per analysis: lint and CNI read BGP through its cached result.
    const reversed = [...set.analyses].reverse().map((a) => recorded(a, order));
    expect(reversed.map((a) => a.name)).toEqual(['lint', 'cni', 'l2', 'bgp']);
    finishAll(reversed);
    expect(order.indexOf('bgp')).toBeLessThan(order.indexOf('lint'));
    expect(order.indexOf('bgp')).toBeLessThan(order.indexOf('cni'));
    expect(order.indexOf('l2')).toBeLessThan(order.indexOf('cni'));
  });
});
