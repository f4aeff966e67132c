// The benchmark's capture generator (bench/gen-mix.ts): tshark, an independent dissector, must
// find the requested traffic shares and flow count in what it writes, BGP messages must parse
// cleanly, and the same options must give the same bytes. Not timed.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generate, type GenOptions } from '../bench/gen-mix.js';
import { runTshark, tsharkPath } from './helpers/tshark.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-mix-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function gen(name: string, o: Omit<GenOptions, 'out'>): { file: string; result: ReturnType<typeof generate> } {
  const file = join(dir, name);
  return { file, result: generate({ ...o, out: file }) };
}

describe('gen-mix determinism', () => {
  it('same options give the same bytes; another seed or flow count gives other bytes', () => {
    const o = { packets: 20_000, flows: 700, bgpShare: 0.05, seed: 42 };
    const a = gen('a.pcap', o);
    const b = gen('b.pcap', o);
    const c = gen('c.pcap', { ...o, seed: 43 });
    const d = gen('d.pcap', { ...o, flows: 900 });
    expect(a.result.packets).toBe(20_000);
    expect(sha256(a.file)).toBe(sha256(b.file));
    expect(sha256(c.file)).not.toBe(sha256(a.file));
    expect(sha256(d.file)).not.toBe(sha256(a.file));
  });
});

const TSHARK = tsharkPath() !== null;
if (!TSHARK) console.warn('bench-mix.test: tshark not installed, skipping the tshark checks of the generated mix');

// Two option sets: the default proportions scaled down, and more BGP with more flows.
const CASES = [
  { packets: 20_000, flows: 700, bgpShare: 0.05, seed: 7 },
  { packets: 20_000, flows: 1500, bgpShare: 0.12, seed: 8 },
];

describe.skipIf(!TSHARK)('gen-mix as tshark reads it', () => {
  for (const o of CASES) {
    it(`${o.packets} packets, ${o.flows} flows, BGP share ${o.bgpShare}`, async () => {
      const { file } = gen(`mix-${o.seed}.pcap`, o);
      // Frame by frame, the fields behind the display filters `vxlan`, `ip.proto==4`, `gre`,
      // `bgp` and `tcp.port==179`, in one tshark pass.
      const run = await runTshark(file,
        ['frame.protocols', 'ip.proto', 'tcp.port', 'tcp.stream', 'udp.stream', 'bgp.type', '_ws.malformed'],
        { decodeAs: ['udp.port==8472,vxlan'] });
      expect(run.exitCode).toBe(0);
      const frames = run.frames;
      expect(frames.length).toBe(o.packets);

      let vxlan = 0, ipip = 0, gre = 0, bgpPort = 0, bgpPdu = 0, updates = 0, opens = 0, malformed = 0;
      const conversations = new Set<string>();
      for (const f of frames) {
        const layers = (f.fields.get('frame.protocols')?.[0] ?? '').split(':');
        if (layers.includes('vxlan')) vxlan++;
        if (f.fields.get('ip.proto')!.includes('4')) ipip++;
        if (layers.includes('gre')) gre++;
        if (f.fields.get('tcp.port')!.includes('179')) bgpPort++;
        if (layers.includes('bgp')) bgpPdu++;
        const types = f.fields.get('bgp.type')!;
        updates += types.filter((t) => t === '2').length;
        opens += types.filter((t) => t === '1').length;
        if (f.fields.get('_ws.malformed')!.length > 0) malformed++;
        // A flow is the innermost transport conversation: the TCP stream, or for UDP the last
        // (innermost) UDP stream.
        const tcp = f.fields.get('tcp.stream')!;
        const udp = f.fields.get('udp.stream')!;
        if (tcp.length > 0) conversations.add(`t${tcp[tcp.length - 1]}`);
        else if (udp.length > 0) conversations.add(`u${udp[udp.length - 1]}`);
      }
      const n = o.packets;
      const rest = (1 - o.bgpShare) / 0.95; // the other shares scale with what BGP leaves
      expect(vxlan / n).toBeCloseTo(0.40 * rest, 2);
      expect(ipip / n).toBeCloseTo(0.20 * rest, 2);
      expect(gre / n).toBeCloseTo(0.05 * rest, 2);
      expect(bgpPort / n).toBeCloseTo(o.bgpShare, 2);
      // Every BGP data segment holds a message; the ACKs in between hold none.
      expect(bgpPdu).toBeGreaterThan(bgpPort * 0.4);
      expect(bgpPdu).toBeLessThan(bgpPort * 0.6);
      // About 40 % of the BGP packets carry an UPDATE; several sessions, each with two OPENs.
      expect(updates / bgpPort).toBeGreaterThan(0.35);
      expect(updates / bgpPort).toBeLessThan(0.45);
      expect(opens).toBeGreaterThanOrEqual(2 * 4);
      expect(opens % 2).toBe(0);
      expect(malformed).toBe(0);
      // The requested data flows plus the BGP sessions (about nine), within 1 %.
      expect(Math.abs(conversations.size - (o.flows + opens / 2))).toBeLessThanOrEqual(o.flows * 0.01);
    });
  }
});
