// `correlate` against captures whose every packet's fate is known: fixtures/correlate/gen_pairs.py
// (scapy) decides loss, delay, clock offset, NAT, TTL, DSCP, duplicates, retransmissions and
// reordering, and writes the numbers the JSON must hold (NAME.truth.json). Every number is
// compared exactly.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { PcapngWriter } from '../test-support/capture.js';
import { join } from 'node:path';
import { correlate, exportFingerprints, type CorrelateResult } from '../src/analyses/correlate/index.js';
import { CORRELATE_RULES, renderCorrelateRulesMarkdown } from '../src/analyses/correlate/findings.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'correlate');

interface Truth {
  window: number;
  trueOffsetNs: number;
  clock: { a: string; b: string; offset: number; uncertainty: number };
  nodes: Record<string, string[]>;
  paths: Record<string, unknown>[];
  findings: string[];
}

async function run(name: string): Promise<{ truth: Truth; r: CorrelateResult }> {
  const truth = JSON.parse(readFileSync(join(DIR, `${name}.truth.json`), 'utf8')) as Truth;
  const r = await correlate(
    [{ name: `${name}.a`, file: join(DIR, `${name}.a.pcap`) }, { name: `${name}.b`, file: join(DIR, `${name}.b.pcap`) }],
    { windowS: truth.window },
  );
  return { truth, r };
}

/** The contract's fields of a path (the truth has no fields beyond them). */
function pick(p: CorrelateResult['paths'][number]) {
  return {
    from: p.from, to: p.to, class: p.class, tunnel: p.tunnel, sent: p.sent, received: p.received, lost: p.lost,
    duplicated: p.duplicated, reordered: p.reordered, receivedNotSeenSent: p.receivedNotSeenSent,
    delay: p.delay === null ? null : { p50: p.delay.p50, p90: p.delay.p90, p99: p.delay.p99, max: p.delay.max, min: p.delay.min },
    lostBySize: p.lostBySize, lostByProtocol: p.lostByProtocol, lostByTime: p.lostByTime, bursts: p.bursts,
    rewrites: {
      outerSrc: p.rewrites.outerSrc, outerDst: p.rewrites.outerDst, outerSrcPort: p.rewrites.outerSrcPort,
      ttlDecrement: p.rewrites.ttlDecrement, dscp: p.rewrites.dscp, ecn: p.rewrites.ecn, mssClamp: p.rewrites.mssClamp,
    },
  };
}

describe.each(['nat-pair', 'mtu-blackhole', 'encap-drop', 'syn-burst', 'link-flap', 'mss-clamp'])('correlate %s (scapy ground truth)', (name) => {
  it('nodes, clock, every path number and the findings match what the generator did', async () => {
    const { truth, r } = await run(name);
    expect(Object.fromEntries(r.nodes.map((n) => [n.name, n.addresses]))).toEqual(truth.nodes);
    expect(r.clock).toHaveLength(1);
    const c = r.clock[0];
    expect({ a: c.a, b: c.b, offset: c.offset, uncertainty: c.uncertainty }).toEqual(truth.clock);
    // The generator gives the smallest delay each way the same value, so the estimate is the truth.
    expect(c.offset).toBe(truth.trueOffsetNs / 1e9);
    expect(r.paths.map(pick)).toEqual(truth.paths);
    expect(r.paths.every((p) => p.delay === null || (p.delay.exact && p.delay.clockCorrected))).toBe(true);
    expect([...new Set(r.findings.map((f) => f.rule))].sort()).toEqual([...truth.findings].sort());
  });
});

describe('correlate: why packets were lost (syn-burst)', () => {
  it('all SYNs of one flow, one RST, a burst of 10 UDP packets; MSS clamped both ways', async () => {
    const { r } = await run('syn-burst');
    const ab = r.paths.find((x) => x.from === 'syn-burst.a')!, ba = r.paths.find((x) => x.from === 'syn-burst.b')!;
    // gen_pairs.py syn_burst(): 7 flows with one SYN each plus flow 2's three lost attempts.
    expect(ab.lostByProtocol.find((x) => x.tcpFlags === 'SYN')).toEqual({ protocol: 6, tcpFlags: 'SYN', sent: 10, lost: 3 });
    expect(ab.lostByProtocol.find((x) => x.tcpFlags === 'RST')).toEqual({ protocol: 6, tcpFlags: 'RST', sent: 1, lost: 1 });
    expect(ab.lostByProtocol.find((x) => x.protocol === 17)).toEqual({ protocol: 17, tcpFlags: null, sent: 150, lost: 10 });
    // UDP every 20 ms from 250.5 ms: 1510.5 .. 1690.5 ms are lost. Buckets are one window (0.2 s)
    // from the overlap start, 203 ms (B's clock +3 ms, plus the window): 1403-1603 ms and 1603-1803 ms.
    // The other losses: flow 2's SYNs at 1000, 2000, 3000 ms, flow 5's RST at 2070 ms, flow 6's data at 2407 ms.
    // The longest run: the 10 UDP packets sent at 1510.5 .. 1690.5 ms, i.e. 1.3075 .. 1.4875 s after the overlap start.
    expect(ab.bursts).toEqual({ runs: 6, longest: 10, longestStart: 1.3075, longestEnd: 1.4875 });
    expect(ab.lostByTime.filter((b) => b.lost > 0).map((b) => [b.start, b.lost])).toEqual([[0.6, 1], [1.2, 5], [1.4, 5], [1.6, 1], [1.8, 1], [2.2, 1], [2.6, 1]]);
    expect(ab.rewrites.mssClamp).toEqual([{ from: 1460, to: 1410, packets: 7 }]);
    expect(ba.rewrites.mssClamp).toEqual([{ from: 8960, to: 1410, packets: 7 }]);
    // PATH_LOSS carries the breakdowns as evidence.
    const loss = r.findings.find((f) => f.rule === 'PATH_LOSS' && f.evidence.from === 'syn-burst.a')!;
    expect(loss.evidence).toMatchObject({ bursts: { runs: 6, longest: 10 }, lostByProtocol: ab.lostByProtocol });
    // The burst and the clamp are findings of their own (gen_pairs.py: 10 consecutive UDP lost; 7 SYNs / SYN-ACKs clamped each way).
    const burst = r.findings.filter((f) => f.rule === 'PATH_LOSS_BURST');
    expect(burst.map((f) => [f.evidence.from, f.count, f.severity])).toEqual([['syn-burst.a', 10, 'warning']]);
    const clamp = r.findings.filter((f) => f.rule === 'PATH_MSS_CLAMP');
    expect(clamp.map((f) => [f.evidence.from, f.count, f.evidence.mssClamp])).toEqual([
      ['syn-burst.a', 7, [{ from: 1460, to: 1410, packets: 7 }]], ['syn-burst.b', 7, [{ from: 8960, to: 1410, packets: 7 }]]]);
  });
});

describe('correlate findings carry their evidence', () => {
  it('PATH_LOSS_BURST (link-flap): the longest run, when it ran, and the frame it starts at', async () => {
    const { truth, r } = await run('link-flap');
    const tp = truth.paths.find((p) => p.from === 'link-flap.a') as { bursts: unknown; lostByTime: { lost: number }[] };
    const f = r.findings.filter((x) => x.rule === 'PATH_LOSS_BURST');
    expect(f).toHaveLength(1);
    // gen_pairs.py link_flap(): 30 packets sent 1200..1490 ms lost; the overlap starts at 201 ms.
    expect(tp.bursts).toEqual({ runs: 4, longest: 30, longestStart: 0.999, longestEnd: 1.289 });
    expect(f[0].evidence).toMatchObject({ from: 'link-flap.a', to: 'link-flap.b', bursts: tp.bursts, lostByTime: tp.lostByTime.filter((x) => x.lost > 0) });
    expect(f[0].count).toBe(30);
    // `tshark -r link-flap.a.pcap -T fields -e frame.number -e frame.time_relative`: frame 145 at
    // 1.200000000 s is the first packet of the flap; frame 62 at 0.650000000 s (i = 40) is the path's first
    // loss, a scattered one.
    expect(f[0].firstFrame).toBe(145);
    expect(r.paths.find((p) => p.from === 'link-flap.a')!.firstLostFrame).toBe(62);
    // Scattered single losses alone (nat-pair: longest run 1) are no burst.
    expect((await run('nat-pair')).r.findings.some((x) => x.rule === 'PATH_LOSS_BURST')).toBe(false);
  });

  it('PATH_MSS_CLAMP (mss-clamp): each way, with the clamp as evidence, and no other finding', async () => {
    const { r } = await run('mss-clamp');
    // gen_pairs.py mss_clamp(): six connections, every SYN and SYN-ACK clamped from 1460 to 1360.
    expect(r.findings.map((f) => [f.rule, f.severity, f.evidence.from, f.count, f.evidence.mssClamp])).toEqual([
      ['PATH_MSS_CLAMP', 'info', 'mss-clamp.a', 6, [{ from: 1460, to: 1360, packets: 6 }]],
      ['PATH_MSS_CLAMP', 'info', 'mss-clamp.b', 6, [{ from: 1460, to: 1360, packets: 6 }]],
    ]);
  });

  it('PATH_MTU_BLACKHOLE names the largest size that arrived and the smallest that did not', async () => {
    const { r } = await run('mtu-blackhole');
    const f = r.findings.find((x) => x.rule === 'PATH_MTU_BLACKHOLE')!;
    // Generator: outer IP = 20 + 8 + 8 + 14 + 20 + L4 (TCP 20, UDP/ICMP 8) + payload; lost when > 1450.
    // Largest delivered: 1300-byte TCP payload = 1390; smallest lost: 1390-byte UDP payload = 1468.
    expect(f.evidence).toMatchObject({ largestDelivered: 1390, smallestLost: 1468, lostBelow: 0 });
    const p = r.paths.find((x) => x.from === 'mtu-blackhole.a')!;
    expect(f.count).toBe(p.lost);
    expect(f.severity).toBe('error');
  });

  it('UNDERLAY_DROPS_ENCAP compares with the plain packets between the same nodes', async () => {
    const { r } = await run('encap-drop');
    const f = r.findings.find((x) => x.rule === 'UNDERLAY_DROPS_ENCAP')!;
    expect(f.evidence).toMatchObject({ from: 'encap-drop.a', to: 'encap-drop.b', sent: 100, lost: 100, plain: { class: 'underlay', sent: 30, received: 30 } });
  });

  it('PATH_NAT lists the rewritten outer addresses each way', async () => {
    const { r } = await run('nat-pair');
    const nat = r.findings.filter((x) => x.rule === 'PATH_NAT');
    expect(nat.map((f) => [f.evidence.from, (f.evidence.outerSrc as { from: string; to: string }[]).map((x) => `${x.from}>${x.to}`), (f.evidence.outerDst as { from: string; to: string }[]).map((x) => `${x.from}>${x.to}`)]))
      .toEqual([['nat-pair.a', ['10.0.0.1>198.51.100.1'], []], ['nat-pair.b', [], ['198.51.100.1>10.0.0.1']]]);
  });
});

describe('correlate rules documentation', () => {
  it('the README holds every rule with its cause and fix, as the catalogue renders them', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    expect(readme.includes(renderCorrelateRulesMarkdown())).toBe(true);
    expect(CORRELATE_RULES.map((r) => r.id)).toEqual(['PATH_LOSS', 'PATH_MTU_BLACKHOLE', 'UNDERLAY_DROPS_ENCAP', 'PATH_NAT', 'PATH_ASYMMETRIC', 'PATH_LOSS_BURST', 'PATH_MSS_CLAMP', 'CLOCK_UNCERTAIN']);
  });
});

describe('correlate: copies of a packet at several capture points of one node', () => {
  it('count once (a two-interface pcapng of node A gives the same numbers as the single capture)', async () => {
    // nat-pair.a.pcap re-written as a pcapng with two interfaces (eth0, bond0, nanoseconds), every
    // packet recorded on both, the second copy 3 us later: a bond and its slave, or tcpdump -i any.
    const b = readFileSync(join(DIR, 'nat-pair.a.pcap'));
    const w = new PcapngWriter().idb(1, { name: 'eth0', tsresol: 9 }).idb(1, { name: 'bond0', tsresol: 9 });
    for (let o = 24; o + 16 <= b.length;) {
      const incl = b.readUInt32LE(o + 8);
      const ts = BigInt(b.readUInt32LE(o)) * 1_000_000_000n + BigInt(b.readUInt32LE(o + 4));
      const data = b.subarray(o + 16, o + 16 + incl);
      w.epb(0, ts, data);
      w.epb(1, ts + 3000n, data);
      o += 16 + incl;
    }
    const dir = mkdtempSync(join(tmpdir(), 'tunnelscope-copies-'));
    try {
      const file = join(dir, 'nat-pair.a.pcapng');
      writeFileSync(file, w.bytes());
      const truth = JSON.parse(readFileSync(join(DIR, 'nat-pair.truth.json'), 'utf8')) as Truth;
      const r = await correlate([{ name: 'nat-pair.a', file }, { name: 'nat-pair.b', file: join(DIR, 'nat-pair.b.pcap') }], { windowS: truth.window });
      expect(r.nodes[0].packets).toBe(2 * (await run('nat-pair')).r.nodes[0].packets);
      expect(r.paths.map(pick)).toEqual(truth.paths);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('correlate: fingerprint files (--export) stand in for captures', () => {
  it('carry the protocol, TCP kind and MSS (syn-burst: same numbers as the captures)', async () => {
    const truth = JSON.parse(readFileSync(join(DIR, 'syn-burst.truth.json'), 'utf8')) as Truth;
    const dir = mkdtempSync(join(tmpdir(), 'tunnelscope-prints-'));
    try {
      const fa = join(dir, 'a.tsfp'), fb = join(dir, 'b.tsfp');
      await exportFingerprints(join(DIR, 'syn-burst.a.pcap'), fa, 'syn-burst.a');
      await exportFingerprints(join(DIR, 'syn-burst.b.pcap'), fb, 'syn-burst.b');
      const r = await correlate([{ name: 'syn-burst.a', file: fa }, { name: 'syn-burst.b', file: fb }], { windowS: truth.window });
      expect(r.paths.map(pick)).toEqual(truth.paths);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('give the same numbers as the captures, alone or mixed with a capture', async () => {
    const truth = JSON.parse(readFileSync(join(DIR, 'nat-pair.truth.json'), 'utf8')) as Truth;
    const dir = mkdtempSync(join(tmpdir(), 'tunnelscope-prints-'));
    try {
      const fa = join(dir, 'a.tsfp'), fb = join(dir, 'b.tsfp');
      const ta = await exportFingerprints(join(DIR, 'nat-pair.a.pcap'), fa, 'nat-pair.a');
      await exportFingerprints(join(DIR, 'nat-pair.b.pcap'), fb, 'nat-pair.b');
      // Every record of the capture is counted; the ARP markers carry no IP and leave no fingerprint.
      expect(ta.packets - ta.sightings).toBe(2);
      for (const files of [[fa, fb], [fa, join(DIR, 'nat-pair.b.pcap')]]) {
        const r = await correlate([{ name: 'nat-pair.a', file: files[0] }, { name: 'nat-pair.b', file: files[1] }], { windowS: truth.window });
        expect(Object.fromEntries(r.nodes.map((n) => [n.name, n.addresses]))).toEqual(truth.nodes);
        expect({ offset: r.clock[0].offset, uncertainty: r.clock[0].uncertainty }).toEqual({ offset: truth.clock.offset, uncertainty: truth.clock.uncertainty });
        expect(r.paths.map(pick)).toEqual(truth.paths);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
