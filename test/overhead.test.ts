// Overhead accounting against header sizes laid down by the RFCs, offload super-frames, and the
// flow table cap.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze, runAnalyses } from '../src/engine/analyze.js';
import { runLint } from '../src/commands/lint.js';
import { CaptureDirection, MAX_JUMBO_MTU, MtuVerdict, captureDirection, mtuVerdict } from '../src/analyses/overhead.js';
import { CORPUS_DIR } from '../test-support/shared.js';

// Outer IPv4 20 / IPv6 40, UDP 8, VXLAN 8, inner Ethernet 14 (RFC 7348); GRE 4 + key 4 (RFC 2890);
// IP-in-IP: the outer IP header only.
const VXLAN_V4 = 20 + 8 + 8 + 14;
const VXLAN_V6 = 40 + 8 + 8 + 14;
const NVGRE_V4 = 20 + 8 + 14;
const IPIP_V4 = 20;

function fit(doc: Awaited<ReturnType<typeof analyze>>, cls: string, family: number) {
  return doc.overhead.encapsulations.filter((e) => e.class === cls && e.outerFamily === family);
}

describe('largest inner packet that fits the MTU', () => {
  it('VXLAN over IPv4: 50 header bytes, 1450 on a 1500 MTU', async () => {
    const doc = await analyze('fixtures/vxlan-4789.pcap');
    expect(fit(doc, 'vxlan', 4).map((e) => [e.overheadBytes, e.maxInnerPacket])).toEqual([[VXLAN_V4, 1500 - VXLAN_V4]]);
  });
  it('VXLAN over IPv6: 70 header bytes, and the MTU option moves the fit', async () => {
    const doc = await analyze('fixtures/vxlan-ipv6-outer.pcap', { mtu: 9000 });
    const v6 = fit(doc, 'vxlan', 6);
    expect(v6.length).toBeGreaterThan(0);
    expect(v6[0].overheadBytes).toBe(VXLAN_V6);
    expect(v6[0].maxInnerPacket).toBe(9000 - VXLAN_V6);
  });
  it('NVGRE over IPv4: 42 header bytes', async () => {
    const doc = await analyze('fixtures/nvgre.pcap');
    expect(fit(doc, 'nvgre', 4).map((e) => e.overheadBytes)).toEqual([NVGRE_V4]);
  });
  it('IPv4-in-IPv4: 20 header bytes, 1480 on a 1500 MTU', async () => {
    const doc = await analyze('fixtures/ipip.pcap');
    const e = fit(doc, 'ipip', 4).find((x) => x.overheadBytes === IPIP_V4);
    expect(e?.maxInnerPacket).toBe(1480);
  });
  it('Geneve counts its options (4-byte units) as overhead', async () => {
    const doc = await analyze('fixtures/geneve.pcap');
    const sizes = fit(doc, 'geneve', 4).map((e) => e.overheadBytes).sort((a, b) => a - b);
    // Without options Geneve costs the same as VXLAN; with options, multiples of 4 more; carrying
    // IPv4 directly (protocol 0x0800, as GCP does) there is no inner Ethernet: 14 less.
    expect(sizes).toContain(VXLAN_V4);
    expect(sizes).toContain(VXLAN_V4 - 14);
    expect(sizes.some((s) => s > VXLAN_V4)).toBe(true);
    for (const s of sizes) expect((s - VXLAN_V4) % 4 === 0 || (s - (VXLAN_V4 - 14)) % 4 === 0).toBe(true);
  });
});

const GSO = ['tcpdump__gso-ipv4-vxlan-ipv4.pcap', 'tcpdump__bigtcp-ipv4-vxlan-ipv4.pcap'].map((f) => join(CORPUS_DIR, 'real', f));
const haveGso = GSO.every((f) => existsSync(f));
if (!haveGso) console.warn('overhead: corpus GSO/BIG TCP captures absent; skipping the super-frame test');

describe.skipIf(!haveGso)('offload super-frames', () => {
  it('are reported as super-frames, never as MTU violations', async () => {
    for (const f of GSO) {
      const doc = await analyze(f);
      expect(doc.overhead.exceeded, f).toEqual([]);
      expect(doc.overhead.superFrames.reduce((n, s) => n + s.packets, 0), f).toBe(1);
    }
  });
});

describe('flow table cap', () => {
  it('evicts the oldest-idle flows, reports how many, and keeps every packet in the class totals', async () => {
    const file = 'fixtures/sample/node-mix.pcap';
    const full = await runAnalyses([file], { standard: false });
    const want = full.flows.finish();
    const capped = await runAnalyses([file], { standard: false, maxFlows: 10 });
    const got = capped.flows.finish();
    expect(got.evictedFlows).toBeGreaterThan(0);
    expect(got.liveFlows).toBeLessThanOrEqual(10);
    const totals = (s: typeof want) => Object.fromEntries(s.classes.map((c) => [c.class, [c.packets, c.bytes, c.overheadBytes]]));
    expect(totals(got)).toEqual(totals(want));
  });
});

describe('one MTU verdict for overhead and lint (src/analyses/overhead.ts mtuVerdict, README overhead section)', () => {
  const { FITS, EXCEEDED, SUPER_ZERO_LENGTH, SUPER_ABOVE_JUMBO, SUPER_TCP_OFFLOAD } = MtuVerdict;
  const { UNKNOWN, INCOMING, OUTGOING, OTHER_HOST } = CaptureDirection;
  const TCP = 6, UDP = 17, ICMP = 1;
  // VXLAN over IPv4 adds 50 bytes (RFC 7348): outer = inner + 50.
  const vx = (inner: number, transport: number, dir: number, mtu = 1500, zero = false) => mtuVerdict(inner + VXLAN_V4, inner, mtu, zero, transport, true, dir);

  it('inner equal to the MTU in a tunnel is an MTU violation, in every direction (the pod-MTU misconfiguration)', () => {
    for (const dir of [UNKNOWN, INCOMING, OUTGOING, OTHER_HOST]) {
      expect(vx(1500, TCP, dir)).toBe(EXCEEDED);
      expect(vx(1500, UDP, dir)).toBe(EXCEEDED);
    }
    expect(vx(1450, TCP, UNKNOWN)).toBe(FITS);
    expect(vx(1451, TCP, UNKNOWN)).toBe(EXCEEDED);
    expect(vx(8950, TCP, UNKNOWN, 9000)).toBe(FITS);
    expect(vx(9000, TCP, OUTGOING, 9000)).toBe(EXCEEDED);
  });

  it('just above the MTU: TCP is offload where TSO/GSO or GRO runs, not on another host\'s tunnel traffic; ICMP and UDP are violations', () => {
    for (const dir of [UNKNOWN, INCOMING, OUTGOING]) expect(vx(1501, TCP, dir)).toBe(SUPER_TCP_OFFLOAD);
    expect(vx(1501, TCP, OTHER_HOST)).toBe(EXCEEDED);
    expect(vx(1501, ICMP, OUTGOING)).toBe(EXCEEDED);
    expect(vx(3000, UDP, OUTGOING)).toBe(EXCEEDED);
    // Plain (untunnelled) TCP over the MTU on another host: GRO still merges it.
    expect(mtuVerdict(3000, 3000, 1500, false, TCP, false, OTHER_HOST)).toBe(SUPER_TCP_OFFLOAD);
  });

  it('far above (64 KiB GSO, above any jumbo MTU) and IP length 0 (BIG TCP) are super-frames wherever captured', () => {
    for (const dir of [UNKNOWN, INCOMING, OUTGOING, OTHER_HOST]) {
      expect(vx(64000, TCP, dir)).toBe(SUPER_ABOVE_JUMBO);
      expect(vx(MAX_JUMBO_MTU, UDP, dir)).toBe(SUPER_ABOVE_JUMBO);
      expect(vx(1500, TCP, dir, 1500, true)).toBe(SUPER_ZERO_LENGTH);
    }
    // Just inside the jumbo range another host's tunnelled TCP is still judged as a violation.
    expect(vx(MAX_JUMBO_MTU - VXLAN_V4, TCP, OTHER_HOST)).toBe(EXCEEDED);
    expect(vx(20000, ICMP, INCOMING)).toBe(EXCEEDED);
  });

  it('capture direction from SLL packet type and pcapng epb_flags', () => {
    expect(captureDirection(4, 0)).toBe(OUTGOING);
    expect(captureDirection(-1, 2)).toBe(OUTGOING);
    expect(captureDirection(0, 0)).toBe(INCOMING);
    expect(captureDirection(-1, 1)).toBe(INCOMING);
    expect(captureDirection(3, 0)).toBe(OTHER_HOST);
    expect(captureDirection(-1, 0)).toBe(UNKNOWN);
  });

  // What make-lint.py built each frame to be (fixtures/lint/expected-mtu.json); the old code called
  // the six 1550-byte frames of encap-mtu-inner-1500.pcap super-frames in `overhead` while lint
  // flagged them.
  const LINT = join(import.meta.dirname, '..', 'fixtures', 'lint');
  const EXPECTED: Record<string, { exceeded: number[]; dfTooBig: number[]; super: Record<string, number[]> }> =
    JSON.parse(readFileSync(join(LINT, 'expected-mtu.json'), 'utf8'));
  for (const [file, e] of Object.entries(EXPECTED)) {
    it(`${file}: overhead and lint agree with the frames as built`, async () => {
      const doc = await analyze(join(LINT, file));
      const lint = (await runLint([join(LINT, file)])).lint;
      const supers = Object.values(e.super).flat().sort((a, b) => a - b);
      const exceeded = doc.overhead.exceeded.find((x) => x.class === 'vxlan');
      expect(exceeded?.packets ?? 0).toBe(e.exceeded.length);
      expect(exceeded?.firstFrame).toBe(e.exceeded[0]);
      const sup = doc.overhead.superFrames.find((x) => x.class === 'vxlan');
      expect(sup?.packets ?? 0).toBe(supers.length);
      if (supers.length) expect(sup?.firstFrame).toBe(supers[0]);
      for (const [kind, words] of [['zero', 'with IP length 0'], ['jumbo', 'larger than any jumbo MTU'], ['tcp', 'TCP whose inner packet']] as const) {
        const n = e.super[kind]?.length ?? 0;
        if (n) expect(sup?.reason).toContain(`${n} ${words}`);
        else expect(sup?.reason ?? '').not.toContain(words);
      }
      const mtu = lint.findings.find((f) => f.rule === 'ENCAP_MTU_EXCEEDED');
      expect(mtu?.count).toBe(e.exceeded.length);
      expect(mtu?.firstFrame).toBe(e.exceeded[0]);
      const df = lint.findings.find((f) => f.rule === 'ENCAP_DF_INNER_TOO_BIG');
      expect(df?.count).toBe(e.dfTooBig.length);
      expect(df?.firstFrame).toBe(e.dfTooBig[0]);
      expect(mtu?.evidence.skippedZeroLength).toBe(e.super.zero?.length ?? 0);
      expect(mtu?.evidence.skippedAboveJumbo).toBe(e.super.jumbo?.length ?? 0);
      expect(mtu?.evidence.skippedTcpOffload).toBe(e.super.tcp?.length ?? 0);
    });
  }
});
