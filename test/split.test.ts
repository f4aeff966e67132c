// One file cut into ranges of whole records, each range decoded on its own thread (issue 11): the
// merged document equals one thread's, cuts land on record boundaries even when packet bytes
// look like record headers, and a cut that is not a boundary is caught (the file is then read
// whole). Workers run compiled code, so the analyses come from dist/. Not timed.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FRAMING_COST, planSplit, partShares, RESYNC_CHAIN, STREAM_COST } from '../src/reader/split.js';
import { writePcap, pcapRecord, type PcapRecord } from '../test-support/capture.js';
import { generate } from '../bench/gen-mix.js';

const DIST = new URL('../dist/src/index.js', import.meta.url);
const built = existsSync(DIST);
if (!built) console.warn('split: dist/ is not built (run npm run build); skipping the worker-thread tests');

const dir = mkdtempSync(join(tmpdir(), 'split-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T0 = 1_700_000_000;

/** `n` bytes of 0xff with, from `at`, `chain` fake record headers each followed by 40 bytes (times near `sec`). */
function payloadWithFakeHeaders(n: number, at: number, chain: number, sec: number): Uint8Array {
  const b = new Uint8Array(n).fill(0xff);
  let o = at;
  for (let i = 0; i < chain && o + 16 + 40 <= n; i++) {
    b.set(pcapRecord({ sec, frac: 1000 * i, data: new Uint8Array(40) }), o);
    o += 16 + 40;
  }
  return b;
}

/** Writes a pcap of records and returns its path and the offsets where its records start. */
function pcapFile(name: string, records: PcapRecord[]): { file: string; boundaries: Set<number> } {
  const file = join(dir, name);
  writeFileSync(file, writePcap(records));
  const boundaries = new Set<number>();
  let o = 24;
  for (const r of records) {
    boundaries.add(o);
    o += 16 + r.data.length;
  }
  return { file, boundaries };
}

type Doc = Record<string, unknown>;
async function sequentialAndSplit(file: string, workers: number): Promise<{ one: Doc; split: Doc; cuts: number[] | undefined }> {
  const { analyze, runAnalyses } = await import(DIST.href);
  const one = await analyze(file, { workers: 1, quiet: true });
  const split = await analyze(file, { workers, parallelThreshold: 0, quiet: true });
  const run = await runAnalyses([file], { workers, parallelThreshold: 0, quiet: true });
  return { one, split, cuts: run.cuts };
}

describe('planSplit (record boundaries without reading from the start)', () => {
  it('skips fake record headers inside packets: a chain of fewer than RESYNC_CHAIN does not pass', () => {
    // Every packet carries three plausible headers (a chain of 3) early in its bytes: scanning
    // from any guessed offset meets one of them long before the next real record header.
    const records: PcapRecord[] = [];
    for (let i = 0; i < 400; i++) records.push({ sec: T0 + i, frac: 0, data: payloadWithFakeHeaders(1000 + (i % 7) * 13, 8, 3, T0 + i) });
    const { file, boundaries } = pcapFile('fake3.pcap', records);
    for (const parts of [2, 3, 4]) {
      const plan = planSplit(file, parts);
      expect(plan).not.toBeNull();
      expect(plan!.starts.length).toBe(parts);
      for (const s of plan!.starts.slice(1)) expect(boundaries.has(s)).toBe(true);
    }
    expect(RESYNC_CHAIN).toBeGreaterThan(3);
  });

  it('gives part 0 less (its thread also runs BGP) and each later part a little less than the one before (its thread first frames the part before it)', () => {
    // The model in partShares' comment, by hand for 3 parts.
    const x = [1, 1 + STREAM_COST - FRAMING_COST, 1 + STREAM_COST - FRAMING_COST * (1 + STREAM_COST - FRAMING_COST)];
    const sum = x[0] + x[1] + x[2];
    const s = partShares(3);
    s.forEach((v, i) => expect(v).toBeCloseTo(x[i] / sum, 12));
    expect(s.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(s[0]).toBeLessThan(s[1]);
    expect(s[1]).toBeGreaterThan(s[2]);
    expect(partShares(1)).toEqual([1]);
  });

  it('does not cut gzip files or files that are no capture', () => {
    const gz = join(dir, 'x.pcap.gz');
    writeFileSync(gz, Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, ...new Array(200).fill(0)]));
    expect(planSplit(gz, 2)).toBeNull();
    const txt = join(dir, 'x.txt');
    writeFileSync(txt, 'hello world, not a capture at all '.repeat(20));
    expect(planSplit(txt, 2)).toBeNull();
  });
});

describe.skipIf(!built)('one file decoded in ranges on worker threads', () => {
  const FIXTURES = ['fixtures/sample/node-mix.pcap', 'fixtures/vxlan-4789.pcapng', 'fixtures/cni/calico-bgp.pcap',
    'fixtures/bgp/bird-sessions.pcap', 'fixtures/kernel-vxlan-any-sll2.pcap', 'fixtures/lint/vxlan-nonstandard-port.trigger.pcap',
    // An ARP storm across the cut: ARP_BROADCAST_STORM and the L2 peak count the window on both sides.
    'fixtures/lint/arp-broadcast-storm.trigger.pcap'].filter((f) => existsSync(f));

  it.each(FIXTURES)('%s: two threads give the same document as one', async (file) => {
    const { one, split, cuts } = await sequentialAndSplit(file, 2);
    expect(cuts?.length).toBe(2);
    expect(split).toEqual(one);
  });

  it('a generated node mix (VXLAN, IP-in-IP, NVGRE, BGP) in 2 and 3 ranges gives the same document as one thread', async () => {
    const file = join(dir, 'mix.pcap');
    generate({ packets: 20_000, flows: 600, bgpShare: 0.05, seed: 11, out: file });
    for (const workers of [2, 3]) {
      const { one, split, cuts } = await sequentialAndSplit(file, workers);
      expect(cuts?.length).toBe(workers);
      expect(split).toEqual(one);
    }
  });

  it('packets full of fake record headers: cut on real boundaries, same document and frame numbers', async () => {
    const records: PcapRecord[] = [];
    for (let i = 0; i < 300; i++) records.push({ sec: T0 + i, frac: 0, data: payloadWithFakeHeaders(900 + (i % 5) * 17, 8, 3, T0 + i) });
    const { file, boundaries } = pcapFile('fake-analyze.pcap', records);
    const { one, split, cuts } = await sequentialAndSplit(file, 3);
    expect(cuts?.length).toBe(3);
    for (const c of cuts!.slice(1)) expect(boundaries.has(c)).toBe(true);
    expect(split).toEqual(one);
  });

  it('a cut fooled by a long fake chain is caught when the part before it is framed: the file is read whole', async () => {
    // Every packet is 8 bytes and then fake records up to its end, so a fake chain runs on into
    // the real records after it: the planner cannot tell it from a boundary. Packets 10 µs apart
    // leave no pause for the cut to move to.
    const fakes = 30;
    const records: PcapRecord[] = [];
    for (let i = 0; i < 200; i++) records.push({ sec: T0, frac: 10 * i, data: payloadWithFakeHeaders(8 + 56 * fakes, 8, fakes, T0) });
    const { file, boundaries } = pcapFile('fake-long.pcap', records);
    const plan = planSplit(file, 2);
    expect(plan).not.toBeNull();
    expect(boundaries.has(plan!.starts[1])).toBe(false);
    const { one, split, cuts } = await sequentialAndSplit(file, 2);
    expect(cuts).toBeUndefined();
    expect(split).toEqual(one);
    expect((one.summary as { packets: number }).packets).toBe(200);
  });
});
