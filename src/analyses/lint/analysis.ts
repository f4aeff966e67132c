// The lint analysis: walks each decoded packet once and hands the events (a VXLAN packet, a Geneve
// packet, ICMP path-MTU messages, ARP, ...) to the rule modules (src/analyses/lint/rules/*.ts, listed in
// src/analyses/lint/rules/index.ts). Each module keeps its own numeric state (no allocation per packet) and
// writes its findings in finish(); this file builds every finding object, in one place.
import type { AnalysisContext, PacketAnalysis } from '../../engine/analysis.js';
import type { CaptureRecord } from '../../reader/record.js';
import { Proto, TrafficClass, u16, type PacketState, type TrafficClassId } from '../../../dissectors/packet.js';
import { VXLAN_FLAG_I, VXLAN_HEADER_LEN, VXLAN_IANA_PORT, vxlanFlags, vxlanReservedSet } from '../../../dissectors/vxlan.js';
import { ETH_TYPE, ETHERTYPE_MIN } from '../../../dissectors/ethernet.js';
import { icmpIsFragNeeded } from '../../../dissectors/icmp.js';
import { icmpv6IsPacketTooBig } from '../../../dissectors/icmpv6.js';
import { udpDstPort, udpSrcPort, UDP_HEADER_LEN } from '../../../dissectors/udp.js';
import { PACKET_OUTGOING } from '../../../dissectors/sll.js';
import { plausibleVxlanInner, tunnelPort, udpBindings } from '../tunnel.js';
import { captureDirection } from '../overhead.js';
import { RULES, SEVERITY_RANK, type RuleIndex, type Severity } from './rules.js';
import { DEFAULT_THRESHOLDS, ruleSettings, type LintThresholds, type RuleOverride, type RuleSettings } from './config.js';
import type { BgpInput, FindingDraft } from './bgp.js';
import { RuleCounts, TunnelView, type FindingSink, type LintEnv, type RuleCountsState, type RuleModule } from './rule.js';
import { RULE_MODULES } from './rules/index.js';
import { attachLintFilters, contextFromPortTable } from '../findings/filters.js';

export interface LintOptions {
  /** Ports given with --vxlan-port: decoded as VXLAN and expected as VXLAN ports, next to 4789 (always expected). */
  vxlanPorts?: readonly number[];
  /** Ports given with --geneve-port (decoded as Geneve). */
  genevePorts?: readonly number[];
  /** Expected VNIs (inclusive ranges); VXLAN_VNI_UNEXPECTED only runs when given. */
  vnis?: ReadonlyArray<readonly [number, number]>;
  thresholds?: Partial<LintThresholds>;
  /** Per-rule overrides (config file "rules"). */
  rules?: Record<string, RuleOverride>;
  /** Source of BGP sessions for the BGP rules (the 'bgp' analysis' result, adapted); null/absent: not evaluated. */
  bgp?: () => BgpInput | null;
}

export interface Finding {
  rule: string;
  severity: Severity;
  message: string;
  count: number;
  firstFrame: number;
  evidence: Record<string, unknown>;
}

export interface LintResult {
  findings: Finding[];
  summary: { error: number; warning: number; info: number };
  /** Rules that could not be evaluated on this input, and why. */
  notEvaluated: { rule: string; reason: string }[];
  thresholds: LintThresholds;
  expected: { vxlanPorts: number[]; vnis: string[] | null };
}

/** What a worker thread hands back (plain data and typed arrays): the rule counts and each module's state, in RULE_MODULES order. */
export interface LintState {
  counts: RuleCountsState;
  files: string[];
  modules: unknown[];
}

export const IANA_VXLAN_PORT = VXLAN_IANA_PORT;

type HookName = 'onPathMtu' | 'onArp' | 'onVxlan' | 'onNotVxlan' | 'onGeneve' | 'onGre' | 'onUnboundUdp' | 'onEncap';

export class LintAnalysis implements PacketAnalysis<LintResult> {
  readonly name = 'lint';
  readonly settings: RuleSettings;
  readonly thresholds: LintThresholds;
  private readonly env: LintEnv;
  private readonly counts: RuleCounts;
  private readonly modules: RuleModule[];
  private files: string[] = [];
  private readonly tunnel = new TunnelView();

  // The modules' handlers for each event, bound once: the per-packet loops call plain functions
  // from an array (a module's hook read through RuleModule would be a megamorphic property load).
  private readonly pathMtuHooks: NonNullable<RuleModule['onPathMtu']>[];
  private readonly arpHooks: NonNullable<RuleModule['onArp']>[];
  private readonly vxlanHooks: NonNullable<RuleModule['onVxlan']>[];
  private readonly notVxlanHooks: NonNullable<RuleModule['onNotVxlan']>[];
  private readonly geneveHooks: NonNullable<RuleModule['onGeneve']>[];
  private readonly greHooks: NonNullable<RuleModule['onGre']>[];
  private readonly unboundUdpHooks: NonNullable<RuleModule['onUnboundUdp']>[];
  private readonly encapHooks: NonNullable<RuleModule['onEncap']>[];

  constructor(opts: LintOptions = {}) {
    this.settings = ruleSettings(opts.rules);
    this.thresholds = { ...DEFAULT_THRESHOLDS, ...(opts.thresholds ?? {}) };
    // --vxlan-port adds expected ports; the IANA port stays standard.
    const expectedPortList = [...new Set([IANA_VXLAN_PORT, ...(opts.vxlanPorts ?? [])])].sort((a, b) => a - b);
    const expectedPort = new Uint8Array(65536);
    for (const p of expectedPortList) expectedPort[p] = 1;
    const bgp = opts.bgp ?? null;
    let bgpInput: BgpInput | null | undefined;
    this.env = {
      settings: this.settings,
      thresholds: this.thresholds,
      tables: udpBindings(opts),
      expectedPort,
      expectedPortList,
      vnis: opts.vnis && opts.vnis.length > 0 ? opts.vnis : null,
      bgp: () => (bgpInput === undefined ? (bgpInput = bgp ? bgp() : null) : bgpInput),
      key: new Uint32Array(16),
    };
    this.counts = new RuleCounts(this.settings.enabled);
    this.modules = RULE_MODULES.map((make) => make(this.env, this.counts));
    const having = <H extends HookName>(hook: H): NonNullable<RuleModule[H]>[] =>
      this.modules.filter((m) => m[hook] !== undefined).map((m) => (m[hook] as (...a: unknown[]) => void).bind(m) as NonNullable<RuleModule[H]>);
    this.pathMtuHooks = having('onPathMtu');
    this.arpHooks = having('onArp');
    this.vxlanHooks = having('onVxlan');
    this.notVxlanHooks = having('onNotVxlan');
    this.geneveHooks = having('onGeneve');
    this.greHooks = having('onGre');
    this.unboundUdpHooks = having('onUnboundUdp');
    this.encapHooks = having('onEncap');
  }

  onPacket(r: CaptureRecord, st: PacketState, ctx: AnalysisContext): void {
    const frame = r.frame, file = ctx.fileIndex;
    if (this.files[file] === undefined) this.files[file] = ctx.fileName;
    const f = ctx.facts;
    const outgoing = st.pktType === PACKET_OUTGOING || r.direction === 2;
    const n = st.count;
    // Layers that do not depend on the class: ARP, ICMP errors.
    for (let i = 0; i < n; i++) {
      if (st.quoted[i]) break;
      const k = st.kind[i];
      if (k === Proto.ARP) {
        { const hs = this.arpHooks; for (let h = 0; h < hs.length; h++) hs[h](r, st, i, file); }
        break;
      }
      if (k === Proto.ICMP) {
        if (icmpIsFragNeeded(st, i)) { const hs = this.pathMtuHooks; for (let h = 0; h < hs.length; h++) hs[h](st, i, 4, frame, file); }
        break;
      }
      if (k === Proto.ICMPV6) {
        if (icmpv6IsPacketTooBig(st, i)) { const hs = this.pathMtuHooks; for (let h = 0; h < hs.length; h++) hs[h](st, i, 6, frame, file); }
        break;
      }
    }

    const t = st.tunnel;
    if (t >= 0) {
      const tk = st.kind[t];
      const p = this.tunnel;
      p.st = st;
      p.t = t;
      p.frame = frame;
      p.file = file;
      p.outgoing = outgoing;
      const udp = t - 1 >= 0 && st.kind[t - 1] === Proto.UDP ? t - 1 : -1;
      p.udp = udp;
      if (tk === Proto.VXLAN) {
        if (udp >= 0) {
          p.sport = udpSrcPort(st, udp);
          p.port = tunnelPort(this.env.tables, st, udp, Proto.VXLAN);
          if (!this.vxlanIsReal(st, t, p.port, frame, file)) return;
          { const hs = this.vxlanHooks; for (let h = 0; h < hs.length; h++) hs[h](p); }
        }
      } else if (tk === Proto.GENEVE) {
        p.sport = udp >= 0 ? udpSrcPort(st, udp) : 0;
        p.port = udp >= 0 ? tunnelPort(this.env.tables, st, udp, Proto.GENEVE) : 6081;
        { const hs = this.geneveHooks; for (let h = 0; h < hs.length; h++) hs[h](p); }
      } else if (tk === Proto.GRE) {
        p.sport = 0;
        p.port = 0;
        { const hs = this.greHooks; for (let h = 0; h < hs.length; h++) hs[h](p); }
      }
      if (f.cls >= TrafficClass.VXLAN) {
        const direction = captureDirection(st.pktType, r.direction);
        { const hs = this.encapHooks; for (let h = 0; h < hs.length; h++) hs[h](f, f.cls as TrafficClassId, direction, frame, file); }
      }
      return;
    }
    // Not tunnelled: UDP on a VXLAN port that did not decode, or VXLAN on a port not bound to it.
    const l4 = st.l4;
    if (l4 >= 0 && st.kind[l4] === Proto.UDP && !f.outerFragmented && f.fragment === 0) {
      const sport = udpSrcPort(st, l4), dport = udpDstPort(st, l4);
      const bound = this.env.tables.udp(sport, dport);
      if (bound === Proto.VXLAN) {
        const port = this.env.tables.udpPortOf(Proto.VXLAN, sport, dport);
        // A payload that the snaplen cut before the VXLAN header and inner Ethernet header ended
        // cannot be judged: not the sender's fault. A datagram short on the wire is.
        const payload = st.end[l4] - st.off[l4] - UDP_HEADER_LEN;
        const cutShort = st.snapCut && st.end[l4] >= st.capEnd && payload < VXLAN_HEADER_LEN + 14;
        // The decoder declines VXLAN on 8472/6784 when the header or inner frame is implausible
        // (dissectors/vxlan.ts plausibleVxlan), not only when the payload is too short.
        if (!cutShort) { const hs = this.notVxlanHooks; for (let h = 0; h < hs.length; h++) hs[h](port, payload < VXLAN_HEADER_LEN + 14, frame, file); }
      } else if (bound === Proto.NONE) {
        { const hs = this.unboundUdpHooks; for (let h = 0; h < hs.length; h++) hs[h](st, l4, dport, frame, file); }
      }
    }
  }

  /**
   * False when a packet the decoder took for VXLAN is not VXLAN after all (too short, an 802.3
   * length where the inner EtherType should be, or a bad header in front of an implausible frame):
   * then VXLAN_PORT_NOT_VXLAN counts it and no other tunnel rule applies.
   */
  private vxlanIsReal(st: PacketState, t: number, port: number, frame: number, file: number): boolean {
    const end = st.end[t];
    if (st.snapCut && end >= st.capEnd) return true; // the frame was cut by snaplen inside the VXLAN payload
    const b = st.buf, inner = st.off[t] + VXLAN_HEADER_LEN;
    const headerOk = (vxlanFlags(st, t) & VXLAN_FLAG_I) !== 0 && !vxlanReservedSet(st, t);
    const short = inner + 14 > end;
    const lengthField = !short && u16(b, inner + ETH_TYPE) < ETHERTYPE_MIN;
    if (short || lengthField || (!headerOk && !plausibleVxlanInner(b, inner, end))) {
      { const hs = this.notVxlanHooks; for (let h = 0; h < hs.length; h++) hs[h](port, short, frame, file); }
      return false;
    }
    return true;
  }

  // ---- parallel runs ----------------------------------------------------------------------

  /** Plain-data state for another thread; the main thread merges the states in file order. */
  exportState(): LintState {
    return { counts: this.counts.exportState(), files: [...this.files], modules: this.modules.map((m) => m.exportState()) };
  }

  mergeState(s: LintState): void {
    this.counts.mergeState(s.counts);
    s.files.forEach((f, i) => { if (f !== undefined && f !== null) this.files[i] = f; });
    this.modules.forEach((m, i) => m.mergeState(s.modules[i]));
  }

  // ---- results ----------------------------------------------------------------------------

  finish(): LintResult {
    const findings: Finding[] = [];
    const notEvaluated: { rule: string; reason: string }[] = [];
    const sink: FindingSink = {
      // The one place a finding object is built.
      add: (rule: RuleIndex, d: FindingDraft) => {
        if (!this.settings.enabled[rule] || d.count <= 0) return;
        const evidence = { ...d.evidence };
        const fileIdx = this.counts.firstFile[rule];
        if (this.files.length > 1 && this.files[fileIdx] !== undefined) evidence.firstFile = this.files[fileIdx];
        findings.push({ rule: RULES[rule].id, severity: this.settings.severity[rule], message: d.message, count: d.count, firstFrame: d.firstFrame, evidence });
      },
      notEvaluated: (rule: RuleIndex, reason: string) => {
        notEvaluated.push({ rule: RULES[rule].id, reason });
      },
    };
    for (const m of this.modules) m.finish(sink, this.counts);
    attachLintFilters(findings, contextFromPortTable(this.env.tables.udpPort));
    findings.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.firstFrame - b.firstFrame || a.rule.localeCompare(b.rule));
    const summary = { error: 0, warning: 0, info: 0 };
    for (const x of findings) summary[x.severity]++;
    const vnis = this.env.vnis;
    return {
      findings, summary, notEvaluated, thresholds: { ...this.thresholds },
      expected: { vxlanPorts: [...this.env.expectedPortList], vnis: vnis ? vnis.map(([a, b]) => (a === b ? String(a) : `${a}-${b}`)) : null },
    };
  }
}
