// The benchmark's correlate pair (bench/gen-mix.ts writeCorrelatePair): two nodes' captures made
// from the mix, node B missing a seeded 1% of node A's packets. correlate must count exactly the
// packets the generator dropped inside the captures' common span, and tshark (an independent
// reader) gives that span and A's packets toward B. Not timed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generate, writeCorrelatePair } from '../bench/gen-mix.js';
import { correlate } from '../src/analyses/correlate/index.js';
import { tsharkPath } from './helpers/tshark.js';

const dir = mkdtempSync(join(tmpdir(), 'corr-pair-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const TSHARK = tsharkPath();
if (TSHARK === null) console.warn('correlate-bench-pair.test: tshark not installed, skipping');

/** Microseconds since the epoch of every frame, with the outer IP source (tshark). */
function frames(file: string): { us: number; src: string; vxlan: boolean }[] {
  const out = execFileSync(TSHARK!, ['-r', file, '-d', 'udp.port==8472,vxlan', '-T', 'fields', '-E', 'occurrence=f',
    '-e', 'frame.time_epoch', '-e', 'ip.src', '-e', 'vxlan.vni'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return out.trim().split('\n').map((line) => {
    const [t, src, vni] = line.split('\t');
    const [sec, frac] = t!.split('.');
    return { us: Number(sec) * 1e6 + Number((frac ?? '0').padEnd(6, '0').slice(0, 6)), src: src ?? '', vxlan: (vni ?? '') !== '' };
  });
}

describe.skipIf(TSHARK === null)('bench correlate pair', () => {
  it('correlate finds every packet the generator dropped inside the common span, and no other loss', async () => {
    const mix = join(dir, 'mix.pcap'), fa = join(dir, 'p.a.pcap'), fb = join(dir, 'p.b.pcap');
    generate({ packets: 20_000, flows: 700, bgpShare: 0.05, seed: 42, out: mix });
    const pair = writeCorrelatePair(mix, fa, fb);
    expect(pair.lostAB).toBe(pair.droppedUs.length);
    expect(pair.lostAB).toBeGreaterThan(0);
    const a = frames(fa), b = frames(fb);
    expect(a.length).toBe(pair.packetsA);
    expect(b.length).toBe(pair.packetsB);
    const W = 10_000; // --window 0.01 in microseconds
    const lo = Math.max(a[0]!.us, b[0]!.us) + W, hi = Math.min(a[a.length - 1]!.us, b[b.length - 1]!.us) - W;
    const inSpan = (us: number) => us >= lo && us <= hi;
    const sent = a.filter((f) => f.vxlan && f.src === '192.168.10.11' && inSpan(f.us)).length;
    const lost = pair.droppedUs.filter(inSpan).length;
    expect(lost).toBeGreaterThan(0);
    const r = await correlate([{ name: 'a', file: fa }, { name: 'b', file: fb }], { windowS: 0.01 });
    const ab = r.paths.filter((p) => p.from === 'a'), ba = r.paths.filter((p) => p.from === 'b');
    expect(ab.reduce((n, p) => n + p.sent, 0)).toBe(sent);
    expect(ab.reduce((n, p) => n + p.lost, 0)).toBe(lost);
    expect(ba.reduce((n, p) => n + p.lost, 0)).toBe(0);
    // The breakdowns add up to the same loss.
    for (const p of ab) {
      expect(p.lostByTime.reduce((n, x) => n + x.lost, 0)).toBe(p.lost);
      expect(p.lostByProtocol.reduce((n, x) => n + x.lost, 0)).toBe(p.lost);
    }
  });
});
