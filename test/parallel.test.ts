// Several files on worker threads give the same document as one thread. Workers run compiled
// code, so this test uses dist/ (built by `npm install` and by `pretest`).
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const DIST = new URL('../dist/src/index.js', import.meta.url);
const built = existsSync(DIST);
if (!built) console.warn('parallel: dist/ is not built (run npm run build); skipping the worker-thread test');

const FILES = ['fixtures/sample/node-mix.pcap', 'fixtures/kernel-vxlan-any-sll2.pcap', 'fixtures/vxlan-4789.pcap',
  'fixtures/vxlan-4789.pcapng', 'fixtures/gre.pcap', 'fixtures/ipip.pcap', 'fixtures/bgp/bird-sessions.pcap',
  'fixtures/cni/calico-bgp.pcap', 'fixtures/lint/vxlan-nonstandard-port.trigger.pcap'].filter((f) => existsSync(f));

describe.skipIf(!built)('analysis on worker threads', () => {
  it('merges per-file flow tables and counters into the same document as a single thread', async () => {
    const { analyze } = await import(DIST.href);
    const one = await analyze(FILES, { workers: 1 });
    const many = await analyze(FILES, { workers: 3, parallelThreshold: 0 });
    // Flow ids are numbering, not content: compare flows without them.
    const strip = (d: { topFlows: { id: number; copyFlows: number[] }[] }) =>
      ({ ...d, topFlows: d.topFlows.map(({ id, copyFlows, ...rest }) => ({ ...rest, linked: copyFlows.length })) });
    expect(strip(many)).toEqual(strip(one));
    expect(one.summary.files.map((f: { name: string }) => f.name)).toEqual(FILES);
    // BGP runs on the main thread from the packets the workers forward: same sessions and routes.
    expect(many.bgp.summary.messages).toBeGreaterThan(0);
    expect(many.podCidrs.filter((c: { source: string }) => c.source === 'bgp').length).toBeGreaterThan(0);
    expect(one.summary.packets).toBe(one.summary.files.reduce((n: number, f: { packets: number }) => n + f.packets, 0));
  });

  it('splits one file over two threads by analysis (core here, BGP/lint/CNI on a worker) with the same result', async () => {
    const { analyze } = await import(DIST.href);
    const file = existsSync('fixtures/cni/calico-bgp.pcap') ? 'fixtures/cni/calico-bgp.pcap' : FILES[0];
    const one = await analyze(file, { workers: 1 });
    // splitBy: one file is cut into ranges of records by default (test/split.test.ts covers that).
    const split = await analyze(file, { parallelThreshold: 0, splitBy: 'analyses' });
    expect(split).toEqual(one);
    expect(Object.keys(split)).toEqual(Object.keys(one));
  });
});
