// CNI fingerprint and L2 evidence against captures whose CNI is known from how they were made
// (fixtures/cni/expected-kernel.json from make-kernel.sh, expected-scapy.json from make-cni.py).
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eth, geneve, ipv4, udp } from '../test-support/bytes.js';
import { writePcap } from '../test-support/capture.js';
import { runLint } from '../src/commands/lint.js';
import { CniAnalysis } from '../src/analyses/cni/analysis.js';
import { L2Analysis } from '../src/analyses/cni/l2.js';
import { fingerprint, type CniEvidence } from '../src/analyses/cni/fingerprint.js';
import { PacketDecoder } from '../dissectors/decoder.js';
import { PacketFacts, extractFacts } from '../src/analyses/facts.js';
import { forEachRecord } from '../src/reader/capture.js';
import type { BgpInput } from '../src/analyses/lint/bgp.js';
import type { AnalysisContext } from '../src/engine/analysis.js';

const CNI = join(import.meta.dirname, '..', 'fixtures', 'cni');

interface Expect { verdict: string; mode?: string; status?: string; candidates?: string[]; made: string; vnis?: number[]; tunnelsSeen?: Record<string, number> }
const EXPECTED: Record<string, Expect> = {
  ...JSON.parse(readFileSync(join(CNI, 'expected-kernel.json'), 'utf8')),
  ...JSON.parse(readFileSync(join(CNI, 'expected-scapy.json'), 'utf8')),
};

async function run(file: string) {
  return runLint([join(CNI, file)]);
}

/** Runs a CniAnalysis (with its own L2) over one capture, with an optional BGP source. */
async function cniOnly(file: string, bgp?: () => BgpInput | null) {
  const path = file.startsWith('/') ? file : join(CNI, file);
  const decoder = new PacketDecoder();
  const cni = new CniAnalysis({ bgp });
  const facts = new PacketFacts();
  const ctx: AnalysisContext = { fileIndex: 0, fileName: file, facts, capturePoint: 0 };
  await forEachRecord(path, (r) => {
    const st = decoder.decode(r.buf, r.offset, r.caplen, r.len, r.linktype);
    extractFacts(st, r.len, facts);
    cni.onPacket(r, st, ctx);
  });
  return { cni: cni.finish(), l2: cni.l2Result() };
}

describe('each CNI fixture is named as it was made', () => {
  for (const [file, e] of Object.entries(EXPECTED)) {
    it(`${file}: ${e.verdict}${e.mode ? ` (${e.mode})` : ''}${e.status && e.status !== 'identified' ? `, ${e.status}` : ''}`, async () => {
      const { cni } = await run(file);
      expect(cni.verdict, cni.reason).toBe(e.verdict);
      if (e.status) expect(cni.status).toBe(e.status);
      if (e.verdict !== 'unknown') {
        expect(cni.status).toBe('identified');
        if (e.mode) expect(cni.mode).toBe(e.mode);
        expect(cni.confidence).toBeGreaterThanOrEqual(0.4);
        expect(['high', 'medium', 'low']).toContain(cni.level);
        const top = cni.candidates[0];
        expect(top.cni).toBe(e.verdict);
        expect(top.evidence.length).toBeGreaterThan(0);
        // Every verdict carries facts with counts.
        expect(top.evidence.some((f) => (f.packets ?? f.count ?? 0) > 0)).toBe(true);
      } else {
        // Never a guess presented as fact: no verdict, no confidence, but the candidates are listed.
        expect(cni.confidence).toBe(0);
        expect(cni.level).toBeNull();
        expect(cni.candidates.map((c) => c.cni).sort()).toEqual([...(e.candidates ?? [])].sort());
      }
    });
  }
});

describe('the reason says what was seen', () => {
  // Issue 10 item 10: a capture whose tunnels table lists GRE, ERSPAN, NVGRE, IP-in-IP and VXLAN used
  // to get "no CNI signature in the capture (no tunnels, ...)". Counts are make-cni.py's.
  for (const [file, e] of Object.entries(EXPECTED).filter(([, x]) => x.tunnelsSeen)) {
    it(`${file}: tunnels seen but no CNI signature`, async () => {
      const { cni } = await run(file);
      expect(Object.fromEntries(cni.facts.tunnelsSeen.map((t) => [t.tunnel, t.packets]))).toEqual(e.tunnelsSeen);
      expect(cni.reason).not.toContain('no tunnels');
      expect(cni.reason).toMatch(/^tunnels seen \(GRE 12 packets, ERSPAN 3, .*\) but no CNI signature matches them/);
      for (const [tunnel, n] of Object.entries(e.tunnelsSeen!)) expect(cni.reason).toMatch(new RegExp(`${tunnel} ${n}\\b`));
    });
  }

  it('a capture without tunnels still says so', async () => {
    const { cni } = await run('thin-underlay.pcap');
    expect(cni.facts.tunnelsSeen).toEqual([]);
    expect(cni.reason).toContain('no tunnels');
  });
});

describe('fingerprint facts', () => {
  it('Cilium: the identity VNIs the script configured, one per inner source', async () => {
    const { cni } = await run('cilium-vxlan.pcap');
    const p = cni.facts.vxlan.find((x) => x.port === 8472)!;
    expect(p.vnis.map((v) => v.vni).sort((a, b) => a - b)).toEqual(EXPECTED['cilium-vxlan.pcap'].vnis);
    expect(p.innerSourcesWithSeveralVnis).toBe(0);
    expect(p.innerSources).toBe(4);
    expect(cni.candidates[0].evidence.map((f) => f.fact).join('\n')).toContain('VNI 2');
  });

  it('Weave: per-direction VNIs on 6784', async () => {
    const { cni } = await run('weave-fastdp.pcap');
    expect(cni.facts.vxlan[0].port).toBe(6784);
    expect(cni.facts.vxlan[0].vnis.map((v) => v.vni).sort((a, b) => a - b)).toEqual(EXPECTED['weave-fastdp.pcap'].vnis);
  });

  it('flannel: VNI 1 on 8472 between one VTEP pair, inner 10.244.0.0/16', async () => {
    const { cni } = await run('flannel-vxlan.pcap');
    expect(cni.facts.vxlan).toHaveLength(1);
    expect(cni.facts.vxlan[0]).toMatchObject({ port: 8472, vnis: [{ vni: 1 }], vtepPairs: 1, innerPrefixes: ['10.244.0.0/16'] });
  });

  it('OVN: option class 0x0102 counted per packet', async () => {
    const { cni } = await run('ovn-geneve.pcap');
    expect(cni.facts.geneve[0]).toMatchObject({ port: 6081, optionClasses: { '0x0102': 12 }, ovnOptionPackets: 12, noOptionPackets: 0 });
    expect(cni.candidates[0].caveats.join(' ')).toContain('Kube-OVN');
  });

  it('Geneve inner sources are counted per VNI, not per option class', async () => {
    // One inner source (10.1.0.5) on VNI 7, once with an OVN option (class 0x0102) and once
    // without: one VNI. The same source on VNI 8 makes it a source on several VNIs.
    const frame = (vni: number, options: { cls: number; type: number; data: number[] }[]) =>
      eth({ type: 0x0800 }, ipv4({ src: '192.168.1.1', dst: '192.168.1.2', protocol: 17 }, udp({ src: 40000, dst: 6081 },
        geneve({ protocol: 0x6558, vni, options }, eth({ type: 0x0800 }, ipv4({ src: '10.1.0.5', dst: '10.1.1.5', protocol: 17 }, udp({ src: 1000, dst: 2000 }, [1, 2, 3, 4])))))));
    const opt = [{ cls: 0x0102, type: 0x80, data: [0, 0, 0, 1] }];
    const dir = mkdtempSync(join(tmpdir(), 'cni-geneve-'));
    try {
      const one = join(dir, 'one.pcap'), two = join(dir, 'two.pcap');
      writeFileSync(one, writePcap([{ sec: 1, frac: 0, data: frame(7, opt) }, { sec: 2, frac: 0, data: frame(7, []) }]));
      writeFileSync(two, writePcap([{ sec: 1, frac: 0, data: frame(7, opt) }, { sec: 2, frac: 0, data: frame(8, opt) }]));
      const a = (await cniOnly(one)).cni.facts.geneve[0];
      expect(a).toMatchObject({ port: 6081, innerSources: 1, innerSourcesWithSeveralVnis: 0 });
      const b = (await cniOnly(two)).cni.facts.geneve[0];
      expect(b).toMatchObject({ port: 6081, innerSources: 1, innerSourcesWithSeveralVnis: 1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('WireGuard ports land in the encryption list with who uses them', async () => {
    const c = (await run('wireguard-cilium.pcap')).cni;
    expect(c.encryption).toEqual([{ kind: 'wireguard', port: 51871, packets: 12, firstFrame: 1, usedBy: 'Cilium (WireGuard port 51871)' }]);
    const w = (await run('wireguard-51820.pcap')).cni;
    expect(w.encryption[0].usedBy).toContain('Calico');
    expect(w.encryption[0].usedBy).toContain('flannel');
  });

  it('mixed capture: both CNIs strong, verdict unknown, reason names both', async () => {
    const { cni } = await run('mixed-flannel-calico.pcap');
    expect(cni.status).toBe('mixed');
    expect(cni.reason).toMatch(/flannel/);
    expect(cni.reason).toMatch(/Calico/);
    // Both CNIs are candidates (every() of none would pass).
    expect(cni.candidates.length).toBeGreaterThanOrEqual(2);
    expect(cni.candidates.every((c) => c.confidence >= 0.6)).toBe(true);
  });

  it('routed pod blocks: each /24 behind one node MAC, the node address from ARP', async () => {
    const { cni } = await run('flannel-host-gw.pcap');
    const r = cni.facts.routed!;
    expect(r.consistent).toBe(true);
    expect(r.betweenNodes).toBe(true);
    expect(r.blocks.map((b) => [b.block, b.nodeIp])).toEqual([
      ['10.244.1.0/24', '192.168.56.11'], ['10.244.2.0/24', '192.168.56.12'], ['10.244.3.0/24', '192.168.56.13'],
    ]);
    expect(cni.facts.durationS).toBeGreaterThanOrEqual(90);
    expect(cni.facts.tcp179.packets).toBe(0);
  });

  it('Calico BGP with the BGP analysis\' facts (AS 64512, /26 blocks): high confidence', async () => {
    // The sessions and routes make-cni.py built into calico-bgp.pcap.
    const bgp: BgpInput = {
      sessions: [
        { peers: ['192.168.56.11', '192.168.56.12'], asns: [64512, 64512], holdTimes: [240, 240], firstFrame: 7, notifications: [] },
        { peers: ['192.168.56.11', '192.168.56.13'], asns: [64512, 64512], holdTimes: [240, 240], firstFrame: 16, notifications: [] },
        { peers: ['192.168.56.12', '192.168.56.13'], asns: [64512, 64512], holdTimes: [240, 240], firstFrame: 25, notifications: [] },
      ],
      routes: [{ prefix: '10.244.1.0/26' }, { prefix: '10.244.2.64/26' }, { prefix: '10.244.3.128/26' }],
    };
    const without = (await cniOnly('calico-bgp.pcap')).cni;
    const withBgp = (await cniOnly('calico-bgp.pcap', () => bgp)).cni;
    expect(without.verdict).toBe('calico');
    expect(withBgp.verdict).toBe('calico');
    expect(withBgp.mode).toBe('bgp');
    expect(withBgp.confidence).toBeGreaterThan(without.confidence);
    expect(withBgp.level).toBe('high');
    const facts = withBgp.candidates[0].evidence.map((f) => f.fact).join('\n');
    expect(facts).toContain('AS 64512');
    expect(facts).toContain('/26 prefixes');
    expect(withBgp.facts.routed!.blocksInBgpRoutes).toBe(3);
    expect(withBgp.facts.bgp).toMatchObject({ sessions: 3, asns: [64512], prefixLengths: { '/26': 3 } });
  });
});

describe('fingerprint decisions on synthetic evidence', () => {
  const empty = (): CniEvidence => ({
    packets: 100, durationS: 10, vxlan: [], geneve: [], ipip: { packets: 0, firstFrame: 0, pairs: 0, innerPrefixes: [] },
    gre: { packets: 0, firstFrame: 0 }, nvgre: { packets: 0, firstFrame: 0 }, wireguard: [], tcp179: { packets: 0, pairs: 0, firstFrame: 0 },
    bgp: null, routed: null, routedByPodCidr: { packets: 0, firstFrame: 0 }, proxyArpMac: null,
  });
  const port = (p: number, vnis: number[], packets = 50) => ({
    port: p, packets, firstFrame: 1, vnis: vnis.map((vni) => ({ vni, packets: packets / vnis.length })), vtepPairs: 1,
    innerSources: Math.max(2, vnis.length), innerSourcesWithSeveralVnis: 0, innerPrefixes: [], gbpPackets: 0,
  });

  it('no signature: unknown with no candidates', () => {
    const r = fingerprint(empty());
    expect(r).toMatchObject({ verdict: 'unknown', status: 'unknown', candidates: [] });
  });

  it('thin evidence lowers the confidence: one packet of flannel VXLAN stays medium at most', () => {
    const e = empty();
    e.vxlan = [port(8472, [1], 1)];
    const r = fingerprint(e);
    expect(r.candidates[0].confidence).toBe(0.4);
    expect(r.candidates[0].level).toBe('low');
  });

  it('Calico VXLAN plus the proxy-ARP MAC combine into one Calico candidate', () => {
    const e = empty();
    e.vxlan = [port(4789, [4096])];
    e.proxyArpMac = { frames: 3, arpAnswers: 1, firstFrame: 2 };
    const r = fingerprint(e);
    expect(r.verdict).toBe('calico');
    expect(r.mode).toBe('vxlan');
    expect(r.confidence).toBeGreaterThan(0.8);
    expect(r.candidates).toHaveLength(1);
  });

  it('an unusual VXLAN VNI on 8472 is ambiguous between flannel and Cilium', () => {
    const e = empty();
    e.vxlan = [port(8472, [42])];
    const r = fingerprint(e);
    expect(r.verdict).toBe('unknown');
    expect(r.status).toBe('ambiguous');
    expect(r.candidates.map((c) => c.cni).sort()).toEqual(['cilium', 'flannel']);
  });

  it('IP-in-IP with BGP AS 64512 is Calico at high confidence', () => {
    const e = empty();
    e.ipip = { packets: 40, firstFrame: 5, pairs: 2, innerPrefixes: ['10.244.0.0/16'] };
    e.bgp = { sessions: 1, asns: [64512], prefixes: ['10.244.1.0/26'], prefixLengths: { '/26': 1 }, firstFrame: 1 };
    const r = fingerprint(e);
    expect(r).toMatchObject({ verdict: 'calico', mode: 'ipip', level: 'high' });
  });
});

describe('L2 evidence', () => {
  it('Calico pod side: the proxy-ARP MAC answers for 169.254.1.1', async () => {
    const { l2, cni } = await run('calico-pod-side.pcap');
    expect(l2.calicoProxyArpMac).not.toBeNull();
    expect(l2.calicoProxyArpMac!.arpAnswers).toBeGreaterThanOrEqual(1);
    expect(l2.bindings.some((b) => b.mac === 'ee:ee:ee:ee:ee:ee' && b.ip === '169.254.1.1' && b.sources.includes('arp'))).toBe(true);
    expect(l2.hints.map((h) => h.kind)).toContain('calico-proxy-arp-mac');
    expect(cni.verdict).toBe('calico');
  });

  it('routed traffic: a node MAC with its ARP-bound node IP and the pod address it forwards', async () => {
    const { l2 } = await run('flannel-host-gw.pcap');
    const n1 = l2.bindings.find((b) => b.ip === '192.168.56.11')!;
    expect(n1.mac).toBe('52:54:00:56:00:11');
    expect(n1.sources).toContain('arp');
    expect(l2.arp).toMatchObject({ requests: 3, replies: 3, broadcasts: 3 });
    const m = l2.macs.find((x) => x.mac === '52:54:00:56:00:11')!;
    expect(m).toMatchObject({ ips: 2, announcedIps: 1, trafficOnlyIps: 1, label: null });
    expect([...m.sampleIps].sort()).toEqual(['10.244.1.5', '192.168.56.11']);
  });

  it('overlay bindings (inner Ethernet) are kept apart from the underlay', async () => {
    const { l2 } = await run('weave-fastdp.pcap');
    const inner = l2.bindings.filter((b) => b.scope === 'overlay');
    expect(inner.map((b) => `${b.mac} ${b.ip}`).sort()).toEqual(['02:32:00:00:00:02 10.32.0.2', '02:44:00:00:00:01 10.44.0.1']);
    const underlay = l2.bindings.filter((b) => b.scope === 'underlay');
    expect(underlay.length).toBeGreaterThan(0);
    expect(underlay.every((b) => b.ip.startsWith('192.168.100.'))).toBe(true);
  });

  it('ARP storm capture: peak broadcast rate', async () => {
    const { l2 } = await runLint([join(CNI, '..', 'lint', 'arp-broadcast-storm.trigger.pcap')]);
    expect(l2.arp.peakBroadcastsPerSecond).toBe(150);
    expect(l2.links[0].macs).toBe(4);
  });

  it('many IPs behind one MAC and IP conflicts are hinted', () => {
    const l2 = new L2Analysis({ manyIps: 3 });
    // Drive it with hand-built ARP frames: one MAC answering for three IPs, and an IP claimed by two MACs.
    const decoder = new PacketDecoder();
    const facts = new PacketFacts();
    const ctx: AnalysisContext = { fileIndex: 0, fileName: 'x', facts, capturePoint: 1 };
    const arp = (mac: number[], ip: number[]) => new Uint8Array([
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, ...mac, 0x08, 0x06,
      0, 1, 8, 0, 6, 4, 0, 2, ...mac, ...ip, 0, 0, 0, 0, 0, 0, 10, 0, 0, 1,
    ]);
    const frames = [
      arp([2, 0, 0, 0, 0, 1], [10, 0, 0, 11]), arp([2, 0, 0, 0, 0, 1], [10, 0, 0, 12]), arp([2, 0, 0, 0, 0, 1], [10, 0, 0, 13]),
      arp([2, 0, 0, 0, 0, 2], [10, 0, 0, 20]), arp([2, 0, 0, 0, 0, 3], [10, 0, 0, 20]),
    ];
    frames.forEach((f, i) => {
      const r = { frame: i + 1, buf: f, offset: 0, caplen: f.length, len: f.length, tsSec: 1, tsNsec: i, linktype: 1, interfaceId: 0, direction: 0 };
      const st = decoder.decode(f, 0, f.length, f.length, 1);
      extractFacts(st, f.length, facts);
      l2.onPacket(r as never, st, ctx);
    });
    const res = l2.finish();
    expect(res.macs[0]).toMatchObject({ mac: '02:00:00:00:00:01', ips: 3, announcedIps: 3, label: 'proxy-arp-or-ipvlan' });
    expect(res.ipConflicts).toEqual([{ ip: '10.0.0.20', macs: ['02:00:00:00:00:02', '02:00:00:00:00:03'] }]);
    expect(res.hints.map((h) => h.kind).sort()).toEqual(['ip-claimed-by-several-macs', 'many-ips-behind-one-mac']);
    expect(res.arp).toMatchObject({ packets: 5, replies: 5, broadcasts: 5 });
  });
});
