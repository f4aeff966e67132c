// Lint rules against their fixtures: each rule fires on its trigger capture with the count and
// first frame the generator built in (fixtures/lint/expected.json), and stays silent on its clean
// twin. Plus options, the config file, the BGP rules against their input interface, and the docs.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLint, type LintRunOptions } from '../src/commands/lint.js';
// Findings also carry filters (src/analyses/findings/filters.ts, test/finding-filters.test.ts); these tests pin what the rule found.
import { ruleEvidence } from '../src/analyses/findings/filters.js';
import { RULES, renderRulesMarkdown } from '../src/analyses/lint/rules.js';
import { LintConfigError, parseVniRanges, validateConfig } from '../src/analyses/lint/config.js';
import { bgpHoldTimeFinding, bgpInputFrom, bgpNotificationFinding, type BgpInput } from '../src/analyses/lint/bgp.js';

const ROOT = join(import.meta.dirname, '..');
const LINT = join(ROOT, 'fixtures', 'lint');
const CNI = join(ROOT, 'fixtures', 'cni');

interface Expect { rule: string; fires: boolean; options: string[]; count?: number; firstFrame?: number; note: string }
const EXPECTED: Record<string, Expect> = JSON.parse(readFileSync(join(LINT, 'expected.json'), 'utf8'));

/** The command-line options the fixture is meant to run with, as runLint options. */
function options(args: string[]): LintRunOptions {
  const o: LintRunOptions = { vxlanPorts: [], vnis: [] };
  for (let i = 0; i < args.length; i += 2) {
    const [flag, v] = [args[i], args[i + 1]];
    if (flag === '--vni') o.vnis!.push(...parseVniRanges([v]));
    else if (flag === '--vxlan-port') o.vxlanPorts!.push(Number(v));
    else if (flag === '--mtu') o.mtu = Number(v);
    else throw new Error(`fixture option ${flag} not handled`);
  }
  return o;
}

async function lint(file: string, o: LintRunOptions = {}) {
  return (await runLint([file], o)).lint;
}

describe('every rule has a trigger fixture and a clean twin', () => {
  it('expected.json covers all rules', () => {
    const rules = new Set(Object.values(EXPECTED).map((e) => e.rule));
    for (const r of RULES) {
      expect(rules.has(r.id), r.id).toBe(true);
      const entries = Object.values(EXPECTED).filter((e) => e.rule === r.id);
      expect(entries.some((e) => e.fires), `${r.id} trigger`).toBe(true);
      expect(entries.some((e) => !e.fires), `${r.id} clean twin`).toBe(true);
    }
  });

  for (const [name, e] of Object.entries(EXPECTED)) {
    it(`${name}: ${e.rule} ${e.fires ? `fires (count ${e.count}, first frame ${e.firstFrame})` : 'stays silent'}`, async () => {
      const res = await lint(join(LINT, name), options(e.options));
      const found = res.findings.filter((f) => f.rule === e.rule);
      // runLint runs the BGP analysis, so every rule is judged here: "not evaluated" is a failure,
      // not a way out (it used to return early for the BGP rules and pass without checking them).
      expect(res.notEvaluated.find((n) => n.rule === e.rule), `${e.rule} not evaluated`).toBeUndefined();
      if (!e.fires) {
        expect(found, JSON.stringify(found)).toHaveLength(0);
        return;
      }
      expect(found).toHaveLength(1);
      const f = found[0];
      expect(f.count).toBe(e.count);
      expect(f.firstFrame).toBe(e.firstFrame);
      expect(f.severity).toBe(RULES.find((r) => r.id === e.rule)!.severity);
      expect(f.message.length).toBeGreaterThan(10);
      expect(f.message).not.toContain('\n');
      expect(Object.keys(f).sort()).toEqual(['count', 'evidence', 'firstFrame', 'message', 'rule', 'severity']);
    });
  }
});

describe('rule details and options', () => {
  it('--vxlan-port makes 8472 expected; the tool-collision note stays', async () => {
    const res = await lint(join(LINT, 'vxlan-nonstandard-port.trigger.pcap'), { vxlanPorts: [8472] });
    expect(res.findings.map((f) => f.rule)).toEqual(['VXLAN_WELL_KNOWN_PORT_COLLISION']);
    const def = await lint(join(LINT, 'vxlan-nonstandard-port.trigger.pcap'));
    const f = def.findings.find((x) => x.rule === 'VXLAN_NONSTANDARD_PORT')!;
    expect(ruleEvidence(f.evidence)).toEqual({ ports: { 8472: 4 }, expectedPorts: [4789] });
  });

  // This used to expect 4789 flagged under --vxlan-port 8472. Issue 10 item 8: an expected-port list
  // says which ports are expected, it does not make the IANA port (RFC 7348) wrong.
  it('an expected port list adds to 4789: VXLAN on 4789 stays standard, other ports are flagged', async () => {
    const res = await lint(join(LINT, 'vxlan-nonstandard-port.clean.pcap'), { vxlanPorts: [8472] });
    expect(res.findings.find((f) => f.rule === 'VXLAN_NONSTANDARD_PORT')).toBeUndefined();
    expect(res.expected.vxlanPorts).toEqual([4789, 8472]);
    const mixed = await lint(join(LINT, 'vxlan-nonstandard-port.expected-list.pcap'), { vxlanPorts: [8472] });
    const f = mixed.findings.find((x) => x.rule === 'VXLAN_NONSTANDARD_PORT')!;
    expect(ruleEvidence(f.evidence)).toEqual({ ports: { 6784: 2 }, expectedPorts: [4789, 8472] });
    expect(f.message).toContain('VXLAN on UDP 6784, expected 4789, 8472');
    // The config file has no port setting: switching the rule's severity there changes nothing about which ports count.
    const cfg = validateConfig({ rules: { VXLAN_NONSTANDARD_PORT: { severity: 'error' } } });
    const viaConfig = await lint(join(LINT, 'vxlan-nonstandard-port.expected-list.pcap'), { vxlanPorts: [8472], config: cfg });
    expect(viaConfig.findings.find((x) => x.rule === 'VXLAN_NONSTANDARD_PORT')).toMatchObject({ severity: 'error', count: 2, evidence: { ports: { 6784: 2 } } });
  });

  it('the heuristic names the --vxlan-port to add, and goes quiet once it is added', async () => {
    const res = await lint(join(LINT, 'vxlan-heuristic-unbound-port.trigger.pcap'));
    const f = res.findings.find((x) => x.rule === 'VXLAN_HEURISTIC_UNBOUND_PORT')!;
    expect(f.message).toContain('--vxlan-port 9999');
    expect(f.evidence).toMatchObject({ ports: { 9999: 4 }, vnis: { 9999: [77] } });
    const added = await lint(join(LINT, 'vxlan-heuristic-unbound-port.trigger.pcap'), { vxlanPorts: [9999] });
    expect(added.findings).toEqual([]);
  });

  it('--vni ranges', async () => {
    const file = join(LINT, 'vxlan-vni-unexpected.trigger.pcap');
    expect((await lint(file, { vnis: parseVniRanges(['4000-5000']) })).findings.filter((f) => f.rule === 'VXLAN_VNI_UNEXPECTED')).toEqual([]);
    const f = (await lint(file, { vnis: parseVniRanges(['4096,1']) })).findings.find((x) => x.rule === 'VXLAN_VNI_UNEXPECTED')!;
    expect(ruleEvidence(f.evidence)).toEqual({ vnis: { 4097: 2 }, expected: ['4096', '1'] });
    const none = await lint(file);
    expect(none.notEvaluated.map((n) => n.rule)).toContain('VXLAN_VNI_UNEXPECTED');
    expect(() => parseVniRanges(['5-1'])).toThrow(LintConfigError);
    expect(() => parseVniRanges(['x'])).toThrow(LintConfigError);
    expect(() => parseVniRanges(['16777216'])).toThrow(LintConfigError);
  });

  it('--mtu moves the MTU rules; super-frames and outgoing TCP are never counted', async () => {
    expect((await lint(join(LINT, 'encap-mtu-exceeded.trigger.pcap'), { mtu: 9000 })).findings).toEqual([]);
    const f = (await lint(join(LINT, 'encap-mtu-exceeded.trigger.pcap'))).findings.find((x) => x.rule === 'ENCAP_MTU_EXCEEDED')!;
    expect(f.evidence).toMatchObject({ mtu: 1500, largest: 1650, byClass: { vxlan: 2 } });
    const clean = await runLint([join(LINT, 'encap-mtu-exceeded.clean.pcap')]);
    expect(clean.lint.findings).toEqual([]);
  });

  it('ENCAP_DF_INNER_TOO_BIG counts the fragmented outer packet once and names the largest inner size', async () => {
    const res = await lint(join(LINT, 'encap-df-inner-too-big.trigger.pcap'));
    const f = res.findings.find((x) => x.rule === 'ENCAP_DF_INNER_TOO_BIG')!;
    expect(ruleEvidence(f.evidence)).toEqual({ mtu: 1500, largestInner: 1500, outerFragmented: 1 });
    expect(res.findings.find((x) => x.rule === 'ENCAP_OUTER_FRAGMENTED')?.count).toBe(1);
  });

  it('ARP storm threshold from --arp-storm-rate and from the config thresholds', async () => {
    const file = join(LINT, 'arp-broadcast-storm.trigger.pcap');
    const f = (await lint(file)).findings.find((x) => x.rule === 'ARP_BROADCAST_STORM')!;
    expect(f.evidence).toMatchObject({ peakPerSecond: 150, threshold: 100, broadcasts: 150 });
    expect((await lint(file, { arpStormRate: 150 })).findings).toEqual([]);
    const viaConfig = await lint(file, { config: { thresholds: { arpStormRate: 149 } } });
    expect(viaConfig.findings.find((x) => x.rule === 'ARP_BROADCAST_STORM')?.count).toBe(1);
  });

  it('checksum evidence: verified, wrong, offloaded and skipped packets', async () => {
    const t = (await lint(join(LINT, 'vxlan-bad-outer-checksum.trigger.pcap'))).findings[0];
    expect(t.evidence).toMatchObject({ verified: 1, bad: 2, notChecked: 1, senders: [{ ip: '192.168.56.12', packets: 2, firstFrame: 3 }] });
    const c = await runLint([join(LINT, 'vxlan-bad-outer-checksum.clean.pcap')]);
    expect(c.lint.findings).toEqual([]);
  });

  it('a wrong outer checksum is named by its encapsulation, with advice for that device; the old name still covers VXLAN', async () => {
    const g = await lint(join(LINT, 'geneve-bad-outer-checksum.trigger.pcap'));
    expect(g.findings.map((f) => f.rule)).toEqual(['GENEVE_BAD_OUTER_CHECKSUM']);
    const gf = g.findings[0];
    expect(gf.message).toMatch(/^2 received Geneve packets with a wrong outer UDP checksum/);
    expect(gf.message).toContain('<geneve device>');
    expect(gf.message).not.toMatch(/vxlan|flannel/i);
    expect(gf.evidence).toMatchObject({ verified: 1, bad: 2, senders: [{ ip: '192.168.56.12', packets: 2, firstFrame: 2 }] });
    const v = await lint(join(LINT, 'vxlan-bad-outer-checksum.trigger.pcap'));
    expect(v.findings.map((f) => f.rule)).toEqual(['VXLAN_BAD_OUTER_CHECKSUM']);
    expect(v.findings[0].message).toContain('<vxlan device>');
    // A config written for the old rule name keeps working for VXLAN, and does not touch Geneve.
    const cfg = validateConfig({ rules: { VXLAN_BAD_OUTER_CHECKSUM: { enabled: false } } });
    expect((await lint(join(LINT, 'vxlan-bad-outer-checksum.trigger.pcap'), { config: cfg })).findings).toEqual([]);
    expect((await lint(join(LINT, 'geneve-bad-outer-checksum.trigger.pcap'), { config: cfg })).findings.map((f) => f.rule)).toEqual(['GENEVE_BAD_OUTER_CHECKSUM']);
  });

  it('real kernel VXLAN captures (local checksum offload on veth) raise no checksum finding', async () => {
    for (const f of [join(CNI, 'calico-vxlan.pcap'), join(CNI, 'flannel-vxlan.pcap'), join(ROOT, 'fixtures', 'kernel-vxlan-calico-4789.pcap'),
      join(ROOT, 'fixtures', 'kernel-vxlan-flannel-8472.pcap'), join(ROOT, 'fixtures', 'kernel-vxlan-any-sll2.pcap')]) {
      const res = await lint(f);
      expect(res.findings.filter((x) => x.rule === 'VXLAN_BAD_OUTER_CHECKSUM'), f).toEqual([]);
    }
  });

  it('identity-style VNIs (Cilium, Weave) are not judged by VNI_PER_VTEP_INCONSISTENT', async () => {
    for (const f of ['cilium-vxlan.pcap', 'weave-fastdp.pcap']) {
      const res = await lint(join(CNI, f));
      expect(res.findings.filter((x) => x.rule === 'VNI_PER_VTEP_INCONSISTENT')).toEqual([]);
    }
    const t = (await lint(join(LINT, 'vni-per-vtep-inconsistent.trigger.pcap'))).findings[0];
    expect(t.evidence).toMatchObject({ pairs: [{ a: '192.168.56.13', b: '192.168.56.14', port: 4789, vnis: { 2: 2 }, clusterVni: 1 }] });
  });

  it('findings are ordered by severity, then first frame; the summary counts them', async () => {
    const res = await lint(join(LINT, 'vxlan-port-not-vxlan.trigger.pcap'));
    const ranks = res.findings.map((f) => ({ error: 3, warning: 2, info: 1 })[f.severity]);
    expect([...ranks].sort((a, b) => b - a)).toEqual(ranks);
    expect(res.summary).toEqual({
      error: res.findings.filter((f) => f.severity === 'error').length,
      warning: res.findings.filter((f) => f.severity === 'warning').length,
      info: res.findings.filter((f) => f.severity === 'info').length,
    });
  });
});

describe('config file', () => {
  it('switches a rule off and changes a severity', async () => {
    const file = join(LINT, 'vxlan-nonstandard-port.trigger.pcap');
    const base = await lint(file);
    expect(base.findings.map((f) => [f.rule, f.severity])).toEqual([['VXLAN_NONSTANDARD_PORT', 'warning'], ['VXLAN_WELL_KNOWN_PORT_COLLISION', 'info']]);
    const cfg = validateConfig({ rules: { VXLAN_NONSTANDARD_PORT: { severity: 'error' }, VXLAN_WELL_KNOWN_PORT_COLLISION: { enabled: false } } });
    const res = await lint(file, { config: cfg });
    expect(res.findings.map((f) => [f.rule, f.severity])).toEqual([['VXLAN_NONSTANDARD_PORT', 'error']]);
    expect(res.summary).toEqual({ error: 1, warning: 0, info: 0 });
  });

  it('rejects unknown rules, severities, keys and thresholds', () => {
    expect(() => validateConfig({ rules: { NOPE: {} } })).toThrow(/unknown rule 'NOPE'/);
    expect(() => validateConfig({ rules: { VXLAN_VNI_ZERO: { severity: 'fatal' } } })).toThrow(/severity/);
    expect(() => validateConfig({ rules: { VXLAN_VNI_ZERO: { enabled: 'no' } } })).toThrow(/enabled/);
    expect(() => validateConfig({ rules: { VXLAN_VNI_ZERO: { level: 'error' } } })).toThrow(/unknown key/);
    expect(() => validateConfig({ thresholds: { mtu: 10 } })).toThrow(/mtu/);
    expect(() => validateConfig({ thresholds: { speed: 1 } })).toThrow(/unknown threshold/);
    expect(() => validateConfig({ rule: {} })).toThrow(/unknown key/);
    expect(() => validateConfig([])).toThrow(LintConfigError);
    expect(validateConfig({ thresholds: { mtu: 9001, entropyMinFlows: 8 } })).toEqual({ thresholds: { mtu: 9001, entropyMinFlows: 8 } });
  });
});

describe('BGP rules against their input interface', () => {
  const input: BgpInput = {
    sessions: [
      { peers: ['10.0.0.1', '10.0.0.2'], asns: [64512, 64512], holdTimes: [9, 6], firstFrame: 1, openFrame: 5, notifications: [] },
      { peers: ['10.0.0.1', '10.0.0.3'], asns: [64512, 64512], holdTimes: [90, 90], firstFrame: 2, openFrame: 7, notifications: [{ frame: 40, from: '10.0.0.3', code: 6, subcode: 2 }] },
      { peers: ['10.0.0.1', '10.0.0.4'], holdTimes: [90, null], notifications: [{ frame: 30, code: 4, subcode: 0 }] },
    ],
  };

  it('BGP_NOTIFICATION: one finding over all sessions, first frame the earliest NOTIFICATION', () => {
    const d = bgpNotificationFinding(input)!;
    expect(d.count).toBe(2);
    expect(d.firstFrame).toBe(30);
    expect(d.message).toContain('Cease');
    expect(d.message).toContain('Hold Timer Expired');
    expect(bgpNotificationFinding({ sessions: [input.sessions[0]] })).toBeNull();
  });

  it('BGP_HOLD_TIME_MISMATCH: sessions whose OPENs differ; an unseen OPEN is no mismatch', () => {
    const d = bgpHoldTimeFinding(input)!;
    expect(d.count).toBe(1);
    expect(d.firstFrame).toBe(5);
    expect(ruleEvidence(d.evidence)).toEqual({ sessions: [{ peers: ['10.0.0.1', '10.0.0.2'], holdTimes: [9, 6], negotiated: 6 }] });
    expect(bgpHoldTimeFinding({ sessions: [input.sessions[1], input.sessions[2]] })).toBeNull();
  });

  it('runs on the BGP analysis by default, on any BGP source given, and is "not evaluated" without one', async () => {
    const file = join(LINT, 'bgp-notification.trigger.pcap');
    expect((await lint(file, { bgp: null })).notEvaluated.map((n) => n.rule)).toEqual(['BGP_NOTIFICATION', 'BGP_HOLD_TIME_MISMATCH', 'VXLAN_VNI_UNEXPECTED']);
    const def = await lint(file);
    expect(def.notEvaluated.map((n) => n.rule)).toEqual(['VXLAN_VNI_UNEXPECTED']);
    expect(ruleEvidence(def.findings.find((f) => f.rule === 'BGP_NOTIFICATION')!.evidence)).toEqual({
      sessions: [{ peers: ['192.168.56.11', '192.168.56.12'], notifications: [{ frame: 9, from: '192.168.56.12', code: 4, subcode: 0, name: 'Hold Timer Expired' }] }],
    });
    const fake = { name: 'bgp', onPacket() {}, finish: () => ({ sessions: [] }) };
    const res = await lint(file, { bgp: { analysis: fake, input: () => input } });
    expect(res.findings.map((f) => f.rule).sort()).toEqual(['BGP_HOLD_TIME_MISMATCH', 'BGP_NOTIFICATION']);
    expect(res.notEvaluated.map((n) => n.rule)).toEqual(['VXLAN_VNI_UNEXPECTED']);
  });

  it('bgpInputFrom adapts session results with per-side OPENs and notifications', () => {
    const r = bgpInputFrom({
      sessions: [{
        a: { ip: '10.0.0.1', open: { asn: 64512, holdTime: 90, frame: 4 }, notifications: [{ frame: 9, errorCode: 4, errorSubcode: 0 }] },
        b: { ip: '10.0.0.2', open: { asn: 64512, holdTime: 240, frame: 5 } },
        firstFrame: 1,
        routes: [{ prefix: '10.244.1.0/26', nextHop: '10.0.0.1' }],
      }],
    })!;
    expect(r.sessions[0]).toMatchObject({ peers: ['10.0.0.1', '10.0.0.2'], asns: [64512, 64512], holdTimes: [90, 240], openFrame: 5 });
    expect(r.sessions[0].notifications).toEqual([{ frame: 9, from: '10.0.0.1', code: 4, subcode: 0, name: null }]);
    expect(r.routes).toEqual([{ prefix: '10.244.1.0/26', nextHop: '10.0.0.1', from: null, frame: null }]);
    expect(bgpInputFrom(null)).toBeNull();
    expect(bgpInputFrom({ peers: 1 })).toBeNull();
  });
});

describe('real kernel MTU problems (fixtures/lint/make-kernel-mtu.sh, expected-kernel.json)', () => {
  const K: Record<string, { fires: Record<string, number>; firesWithMtu1400?: Record<string, number>; silent: string[];
    overhead?: { exceeded: number; superFrames: number } }> = JSON.parse(readFileSync(join(LINT, 'expected-kernel.json'), 'utf8'));
  for (const [file, e] of Object.entries(K)) {
    it(file, async () => {
      const res = await lint(join(LINT, file));
      if (e.overhead) {
        // `overhead` reaches the same MTU verdict as lint (tshark's counts, written by make-kernel-mtu.sh).
        const { analyze } = await import('../src/engine/analyze.js');
        const doc = await analyze(join(LINT, file));
        expect(doc.overhead.exceeded.reduce((n, x) => n + x.packets, 0)).toBe(e.overhead.exceeded);
        expect(doc.overhead.superFrames.reduce((n, x) => n + x.packets, 0)).toBe(e.overhead.superFrames);
      }
      for (const [rule, count] of Object.entries(e.fires)) expect(res.findings.find((f) => f.rule === rule)?.count, rule).toBe(count);
      for (const rule of e.silent) expect(res.findings.find((f) => f.rule === rule), rule).toBeUndefined();
      if (e.firesWithMtu1400) {
        const low = await lint(join(LINT, file), { mtu: 1400 });
        for (const [rule, count] of Object.entries(e.firesWithMtu1400)) expect(low.findings.find((f) => f.rule === rule)?.count, rule).toBe(count);
      }
    });
  }
});

describe('BGP rules on real BIRD sessions (fixtures/bgp, expectations from its README)', () => {
  it('the Cease on shutdown and the hold-time mismatches of the configured 9/6/12/7 s', async () => {
    const res = await lint(join(ROOT, 'fixtures', 'bgp', 'bird-sessions.pcap'));
    const n = res.findings.find((f) => f.rule === 'BGP_NOTIFICATION')!;
    expect(n.count).toBe(1);
    expect(n.message).toContain('Cease');
    const h = res.findings.find((f) => f.rule === 'BGP_HOLD_TIME_MISMATCH')!;
    // Every session pairs two different configured hold times: 9/6, 9/12, 6/12, 9/7 (IPv4 and IPv6 where both exist).
    expect(h.count).toBe(6);
    const pairs = (h.evidence.sessions as { holdTimes: number[]; negotiated: number }[]).map((s) => [...s.holdTimes].sort((a, b) => a - b).join('/'));
    expect(pairs.sort()).toEqual(['12/6', '12/9', '6/9', '6/9', '7/9', '7/9'].map((p) => p.split('/').map(Number).sort((a, b) => a - b).join('/')).sort());
  });
});

describe('docs', () => {
  it('the README holds the rendered rules section (cause and fix for every rule)', () => {
    const doc = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(doc.includes(renderRulesMarkdown())).toBe(true);
    for (const r of RULES) {
      expect(doc).toContain(`### ${r.id}`);
      expect(r.cause.length).toBeGreaterThan(40);
      expect(r.fix.length).toBeGreaterThan(20);
    }
  });
});

describe('parallel runs: exportState/mergeState give the sequential result', () => {
  async function analyses(files: string[], base = 0) {
    const { PacketDecoder } = await import('../dissectors/decoder.js');
    const { PacketFacts, extractFacts } = await import('../src/analyses/facts.js');
    const { forEachRecord } = await import('../src/reader/capture.js');
    const { LintAnalysis } = await import('../src/analyses/lint/analysis.js');
    const { L2Analysis } = await import('../src/analyses/cni/l2.js');
    const { CniAnalysis } = await import('../src/analyses/cni/analysis.js');
    const decoder = new PacketDecoder();
    const lint = new LintAnalysis({ vnis: [[1, 1]] });
    const l2 = new L2Analysis();
    const cni = new CniAnalysis({ l2 });
    const own = new CniAnalysis();
    const facts = new PacketFacts();
    for (let i = 0; i < files.length; i++) {
      const ctx = { fileIndex: base + i, fileName: files[i], facts, capturePoint: 0 };
      await forEachRecord(files[i], (r) => {
        const st = decoder.decode(r.buf, r.offset, r.caplen, r.len, r.linktype);
        extractFacts(st, r.len, facts);
        ctx.capturePoint = (base + i) * 65536 + r.interfaceId;
        for (const a of [l2, cni, own, lint]) a.onPacket(r, st, ctx);
      });
    }
    return { lint, l2, cni, own };
  }

  for (const set of [
    ['vxlan-mixed-ports.trigger.pcap', 'vni-per-vtep-inconsistent.trigger.pcap', 'vxlan-src-port-no-entropy.trigger.pcap'],
    ['arp-broadcast-storm.trigger.pcap', 'vxlan-bad-outer-checksum.trigger.pcapng', 'geneve-critical-option.trigger.pcap', 'icmp-frag-needed.trigger.pcap'],
    ['../cni/cilium-vxlan.pcap', '../cni/calico-pod-side.pcap', '../cni/flannel-host-gw.pcap', 'encap-df-inner-too-big.trigger.pcap'],
  ]) {
    it(set.join(' + '), async () => {
      const files = set.map((f) => join(LINT, f));
      const seq = await analyses(files);
      const merged = await analyses([]);
      for (let i = 0; i < files.length; i++) {
        const part = await analyses([files[i]], i);
        merged.lint.mergeState(structuredClone(part.lint.exportState()));
        merged.l2.mergeState(structuredClone(part.l2.exportState()));
        merged.cni.mergeState(structuredClone(part.cni.exportState()));
        merged.own.mergeState(structuredClone(part.own.exportState()));
      }
      expect(merged.lint.finish()).toEqual(seq.lint.finish());
      expect(merged.l2.finish()).toEqual(seq.l2.finish());
      expect(merged.cni.finish()).toEqual(seq.cni.finish());
      expect(merged.own.finish()).toEqual(seq.own.finish());
      expect(merged.own.l2Result()).toEqual(seq.own.l2Result());
    });
  }
});
