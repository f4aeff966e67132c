// The lint analysis: per-packet checks on the decoded state (numeric counters only, no
// allocation) and, in finish(), the findings with counts, first frame and evidence.
import type { AnalysisContext, PacketAnalysis } from '../analysis.js';
import type { CaptureRecord } from '../reader/record.js';
import { DecodeTables } from '../dissector.js';
import { ALL_DISSECTORS } from '../registry.js';
import { Proto, TrafficClass, u16, u32, type PacketState } from '../packet.js';
import { VXLAN_FLAG_G, VXLAN_FLAG_I, VXLAN_HEADER_LEN, vxlanReservedBitsSet } from '../../dissectors/vxlan.js';
import { GENEVE_BASE_LEN, GENEVE_FLAG_C, GENEVE_FLAGS, GENEVE_OPT_CRITICAL, GENEVE_OPT_HEADER_LEN } from '../../dissectors/geneve.js';
import { GRE_FLAG_K, GRE_PROTO_TEB } from '../../dissectors/gre.js';
import { ETH_DST } from '../../dissectors/ethernet.js';
import { ARP_SPA, ARP_THA, ARP_HLEN, ARP_PLEN } from '../../dissectors/arp.js';
import { IPV4_DST, IPV4_SRC } from '../../dissectors/ipv4.js';
import { R, RULES, SEVERITY_RANK, type Severity } from './rules.js';
import { DEFAULT_THRESHOLDS, ruleSettings, type LintThresholds, type RuleOverride, type RuleSettings } from './config.js';
import { CSUM_BAD, CSUM_OK, CSUM_PARTIAL, udpChecksumStatus } from './checksum.js';
import { plausibleVxlanInner } from './vxlan.js';
import { captureDirection, MtuVerdict, mtuVerdict } from '../overhead.js';
import { bgpHoldTimeFinding, bgpNotificationFinding, type BgpInput, type FindingDraft } from './bgp.js';
import { attachLintFilters, contextFromPortTable } from '../findings/filters.js';
import { CountTable, type CountTableState, compareWords, countsObject, growF64, growI32, growU8, ipFamily, ipText, ipWords, ipv4Text, mix32, RateWindow } from './tables.js';

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

const LINT_TABLES = ['heuristicVnis', 'unexpectedVnis', 'iFlagSenders', 'reservedFlags', 'critOptions', 'icmpMtus', 'icmpSenders',
  'csumSenders', 'geneveCsumSenders', 'greTebNoKey', 'arpSenders'] as const;
type LintTableName = (typeof LINT_TABLES)[number];
const LINT_SCALARS = ['notVxlanShort', 'notVxlanInner', 'critFlagMismatch', 'mtuMax', 'mtuSkippedSuper', 'mtuSkippedAboveJumbo', 'mtuSkippedTcpOffload', 'mtuInnerFits', 'dfMax',
  'dfFragmentedOuter', 'icmpV4', 'icmpV6'] as const;
type LintScalarName = (typeof LINT_SCALARS)[number];

/** What a worker thread hands back (plain data and typed arrays). */
export interface LintState {
  count: Float64Array; first: Float64Array; firstFile: Int32Array; files: string[];
  vxlanPortPkts: [number, number][]; notVxlanPortPkts: [number, number][]; heuristicPortPkts: [number, number][];
  tables: Record<LintTableName, CountTableState>;
  scalars: Record<LintScalarName, number>;
  fragClasses: Float64Array; mtuClasses: Float64Array; csum: Float64Array;
  arpRate: { peak: number; peakStart: number; total: number };
  pairs: CountTableState;
  pairPorts: Int32Array; pairPortPkts: Float64Array; pairPortFirst: Float64Array; pairVnis: Int32Array; pairVniPkts: Float64Array;
  pairVniOverflow: Float64Array; pairSport: Int32Array; pairMultiSport: Uint8Array; pairFlows: Int32Array; pairNFlows: Uint8Array; flowSlots: number;
}

export const IANA_VXLAN_PORT = 4789;
/** Ports whose VXLAN other tools decode as something else (tcpdump < 4.99.6: OTV; tshark and tcpdump: BFD). */
const COLLISION_NOTE: Readonly<Record<number, string>> = {
  8472: 'tcpdump before 4.99.6 prints 8472 as OTV and tshark shows it as plain UDP (decode with `tshark -d udp.port==8472,vxlan` or `tcpdump -T vxlan`)',
  6784: 'tshark and tcpdump decode 6784 (Weave fastdp) as BFD (decode with `tshark -d udp.port==6784,vxlan` or `tcpdump -T vxlan`)',
};
/** Critical Geneve options known to be understood by the endpoints that add them: OVN's (class 0x0102, type 0x80). */
const KNOWN_CRITICAL = new Set([(0x0102 << 8) | 0x80]);

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;

const MAX_PAIRS = 1 << 16;
const PORT_SLOTS = 4;
const VNI_SLOTS = 8;
const ENC_VXLAN = 1;
const ENC_GENEVE = 2;
const ENC_NAME = ['', 'vxlan', 'geneve'];
const CSUM_SLOTS = 5;

export class LintAnalysis implements PacketAnalysis<LintResult> {
  readonly name = 'lint';
  readonly settings: RuleSettings;
  readonly thresholds: LintThresholds;
  private readonly tables = new DecodeTables();
  private readonly expectedPort = new Uint8Array(65536);
  private readonly expectedPortList: number[];
  private readonly vnis: ReadonlyArray<readonly [number, number]> | null;
  private readonly bgp: (() => BgpInput | null) | null;

  // Per rule: matches, first frame, first file.
  private readonly count = new Float64Array(R.COUNT);
  private readonly first = new Float64Array(R.COUNT);
  private readonly firstFile = new Int32Array(R.COUNT);
  private files: string[] = [];

  // Evidence counters.
  private readonly vxlanPortPkts = new Float64Array(65536);
  private readonly notVxlanPortPkts = new Float64Array(65536);
  private readonly heuristicPortPkts = new Float64Array(65536);
  private readonly heuristicVnis = new CountTable(2, 4096);
  private readonly unexpectedVnis = new CountTable(1, 4096);
  private readonly iFlagSenders = new CountTable(5, 256);
  private readonly reservedFlags = new CountTable(1, 256);
  private notVxlanShort = 0;
  private notVxlanInner = 0;
  private readonly critOptions = new CountTable(1, 256);
  private critFlagMismatch = 0;
  private readonly fragClasses = new Float64Array(16);
  private readonly mtuClasses = new Float64Array(16);
  private mtuMax = 0;
  private mtuSkippedSuper = 0;
  private mtuSkippedAboveJumbo = 0;
  private mtuSkippedTcpOffload = 0;
  private mtuInnerFits = 0;
  private dfMax = 0;
  private dfFragmentedOuter = 0;
  private readonly icmpMtus = new CountTable(1, 256);
  private readonly icmpSenders = new CountTable(5, 256);
  private icmpV4 = 0;
  private icmpV6 = 0;
  /** Per encapsulation (VXLAN at 0, Geneve at CSUM_SLOTS): ok, bad, partial, skipped outgoing, unchecked. */
  private readonly csum = new Float64Array(2 * CSUM_SLOTS);
  private readonly csumSenders = new CountTable(5, 256);
  private readonly geneveCsumSenders = new CountTable(5, 256);
  private readonly greTebNoKey = new CountTable(9, 256);
  private readonly arpSenders = new CountTable(1, 4096);
  private readonly key = new Uint32Array(16);

  // ARP broadcasts in a sliding one-second window.
  private readonly arpRate = new RateWindow(1);

  // Tunnel pairs (directed: source VTEP -> destination VTEP), keyed [family | enc << 8, src x4, dst x4].
  private readonly pairs = new CountTable(9, MAX_PAIRS, 64);
  private pairPorts = new Int32Array(64 * PORT_SLOTS).fill(-1);
  private pairPortPkts = new Float64Array(64 * PORT_SLOTS);
  private pairPortFirst = new Float64Array(64 * PORT_SLOTS);
  private pairVnis = new Int32Array(64 * VNI_SLOTS).fill(-1);
  private pairVniPkts = new Float64Array(64 * VNI_SLOTS);
  private pairVniOverflow = new Float64Array(64);
  private pairSport = new Int32Array(64).fill(-1);
  private pairMultiSport = new Uint8Array(64);
  private pairFlows: Int32Array;
  private pairNFlows = new Uint8Array(64);
  private readonly flowSlots: number;

  constructor(opts: LintOptions = {}) {
    this.settings = ruleSettings(opts.rules);
    this.thresholds = { ...DEFAULT_THRESHOLDS, ...(opts.thresholds ?? {}) };
    for (const d of ALL_DISSECTORS) this.tables.bind(d);
    for (const p of opts.vxlanPorts ?? []) this.tables.udpPort[p] = Proto.VXLAN;
    for (const p of opts.genevePorts ?? []) this.tables.udpPort[p] = Proto.GENEVE;
    // --vxlan-port adds expected ports; the IANA port stays standard.
    this.expectedPortList = [...new Set([IANA_VXLAN_PORT, ...(opts.vxlanPorts ?? [])])].sort((a, b) => a - b);
    for (const p of this.expectedPortList) this.expectedPort[p] = 1;
    this.vnis = opts.vnis && opts.vnis.length > 0 ? opts.vnis : null;
    this.bgp = opts.bgp ?? null;
    this.flowSlots = Math.max(2, Math.min(64, Math.floor(this.thresholds.entropyMinFlows)));
    this.pairFlows = new Int32Array(64 * this.flowSlots);
  }

  private on(rule: number): boolean {
    return this.settings.enabled[rule];
  }

  private hit(rule: number, frame: number, file: number, n = 1): void {
    if (this.count[rule] === 0) {
      this.first[rule] = frame;
      this.firstFile[rule] = file;
    }
    this.count[rule] += n;
  }

  onPacket(r: CaptureRecord, st: PacketState, ctx: AnalysisContext): void {
    const frame = r.frame, file = ctx.fileIndex;
    if (this.files[file] === undefined) this.files[file] = ctx.fileName;
    const f = ctx.facts;
    const outgoing = st.pktType === 4 || r.direction === 2;
    const n = st.count;
    // Layers that do not depend on the class: ARP, ICMP errors.
    for (let i = 0; i < n; i++) {
      if (st.quoted[i]) break;
      const k = st.kind[i];
      if (k === Proto.ARP) {
        this.arp(r, st, i, file);
        break;
      }
      if (k === Proto.ICMP) {
        if (st.v1[i] === ((3 << 8) | 4)) this.fragNeeded(st, i, frame, file, 4);
        break;
      }
      if (k === Proto.ICMPV6) {
        if (st.v1[i] >> 8 === 2) this.fragNeeded(st, i, frame, file, 6);
        break;
      }
    }

    const t = st.tunnel;
    if (t >= 0) {
      const tk = st.kind[t];
      if (tk === Proto.VXLAN) {
        if (!this.vxlan(st, t, frame, file, outgoing)) return;
      } else if (tk === Proto.GENEVE) {
        this.geneve(st, t, frame, file, outgoing);
      } else if (tk === Proto.GRE && this.on(R.NVGRE_KEY_MISSING)) {
        const flags = u16(st.buf, st.off[t]);
        if (st.v2[t] === GRE_PROTO_TEB && (flags & GRE_FLAG_K) === 0 && (flags & 7) === 0) {
          this.hit(R.NVGRE_KEY_MISSING, frame, file);
          this.pairKey(st, 0, this.key);
          this.greTebNoKey.add(this.key, frame, file);
        }
      }
      this.encapSizes(f.cls, frame, file, captureDirection(st.pktType, r.direction), f.outerIpBytes, f.innerIpBytes, f.overhead, f.innerDf,
        f.superFrame, f.protocol, f.outerFragmented);
      return;
    }
    // Not tunnelled: UDP on a VXLAN port that did not decode, or VXLAN on a port not bound to it.
    const l4 = st.l4;
    if (l4 >= 0 && st.kind[l4] === Proto.UDP && !f.outerFragmented && f.fragment === 0) {
      const b = st.buf, uo = st.off[l4];
      const sport = u16(b, uo), dport = u16(b, uo + 2);
      const bound = this.tables.udp(sport, dport);
      if (bound === Proto.VXLAN) {
        const port = this.tables.udpPort[dport] === Proto.VXLAN ? dport : sport;
        // A payload that the snaplen cut before the VXLAN header and inner Ethernet header ended
        // cannot be judged: not the sender's fault. A datagram short on the wire is.
        const payload = st.end[l4] - uo - 8;
        const cutShort = st.snapCut && st.end[l4] >= st.capEnd && payload < VXLAN_HEADER_LEN + 14;
        if (!cutShort && this.on(R.VXLAN_PORT_NOT_VXLAN)) {
          this.hit(R.VXLAN_PORT_NOT_VXLAN, frame, file);
          this.notVxlanPortPkts[port]++;
          // The decoder declines VXLAN on 8472/6784 when the header or inner frame is implausible
          // (dissectors/vxlan.ts plausibleVxlan), not only when the payload is too short.
          if (payload < VXLAN_HEADER_LEN + 14) this.notVxlanShort++;
          else this.notVxlanInner++;
        }
      } else if (bound === Proto.NONE && this.on(R.VXLAN_HEURISTIC_UNBOUND_PORT)) {
        this.heuristic(st, l4, dport, frame, file);
      }
    }
  }

  // ---- VXLAN ------------------------------------------------------------------------------

  /** Returns false when the packet is not VXLAN after all (then no tunnel rule applies). */
  private vxlan(st: PacketState, t: number, frame: number, file: number, outgoing: boolean): boolean {
    const b = st.buf, vo = st.off[t];
    const udp = t - 1;
    if (udp < 0 || st.kind[udp] !== Proto.UDP) return true;
    const uo = st.off[udp];
    const sport = u16(b, uo), dport = u16(b, uo + 2);
    const port = this.tables.udpPort[dport] === Proto.VXLAN ? dport : sport;
    const flags = b[vo];
    const headerOk = (flags & VXLAN_FLAG_I) !== 0 && !vxlanReservedBitsSet(b, vo);
    const inner = vo + VXLAN_HEADER_LEN;
    const end = st.end[t];
    const cut = st.snapCut && end >= st.capEnd; // the frame was cut by snaplen inside the VXLAN payload
    if (!cut) {
      const short = inner + 14 > end;
      const lengthField = !short && u16(b, inner + 12) < 0x0600;
      if (short || lengthField || (!headerOk && !plausibleVxlanInner(b, inner, end))) {
        if (this.on(R.VXLAN_PORT_NOT_VXLAN)) {
          this.hit(R.VXLAN_PORT_NOT_VXLAN, frame, file);
          this.notVxlanPortPkts[port]++;
          if (short) this.notVxlanShort++;
          else this.notVxlanInner++;
        }
        return false;
      }
    }
    this.vxlanPortPkts[port]++;
    if (!this.expectedPort[port] && this.on(R.VXLAN_NONSTANDARD_PORT)) this.hit(R.VXLAN_NONSTANDARD_PORT, frame, file);
    if ((port === 8472 || port === 6784) && this.on(R.VXLAN_WELL_KNOWN_PORT_COLLISION)) this.hit(R.VXLAN_WELL_KNOWN_PORT_COLLISION, frame, file);
    if ((flags & VXLAN_FLAG_I) === 0 && this.on(R.VXLAN_I_FLAG_UNSET)) {
      this.hit(R.VXLAN_I_FLAG_UNSET, frame, file);
      this.key[0] = ipFamily(st, st.outerIp);
      ipWords(st, st.outerIp, false, this.key, 1);
      this.iFlagSenders.add(this.key, frame, file);
    }
    if (vxlanReservedBitsSet(b, vo) && this.on(R.VXLAN_RESERVED_BITS)) {
      this.hit(R.VXLAN_RESERVED_BITS, frame, file);
      this.key[0] = flags;
      this.reservedFlags.add(this.key, frame, file);
    }
    const vni = st.v1[t];
    if (vni === 0 && this.on(R.VXLAN_VNI_ZERO)) this.hit(R.VXLAN_VNI_ZERO, frame, file);
    if (this.vnis !== null && this.on(R.VXLAN_VNI_UNEXPECTED)) {
      let ok = false;
      for (let k = 0; k < this.vnis.length; k++) if (vni >= this.vnis[k][0] && vni <= this.vnis[k][1]) { ok = true; break; }
      if (!ok) {
        this.hit(R.VXLAN_VNI_UNEXPECTED, frame, file);
        this.key[0] = vni;
        this.unexpectedVnis.add(this.key, frame, file);
      }
    }
    this.trackPair(st, ENC_VXLAN, port, vni, sport, frame, file);
    this.checksum(st, udp, frame, file, outgoing, ENC_VXLAN);
    return true;
  }

  private heuristic(st: PacketState, udp: number, dport: number, frame: number, file: number): void {
    const b = st.buf, p = st.off[udp] + 8, end = st.end[udp];
    if (p + VXLAN_HEADER_LEN + 14 + 20 > end) return;
    const flags = b[p];
    if ((flags & VXLAN_FLAG_I) === 0 || vxlanReservedBitsSet(b, p)) return;
    if (!plausibleVxlanInner(b, p + VXLAN_HEADER_LEN, end)) return;
    this.hit(R.VXLAN_HEURISTIC_UNBOUND_PORT, frame, file);
    this.heuristicPortPkts[dport]++;
    this.key[0] = dport;
    this.key[1] = (b[p + 4] << 16) | (b[p + 5] << 8) | b[p + 6];
    this.heuristicVnis.add(this.key, frame, file);
    void (flags & VXLAN_FLAG_G);
  }

  // ---- Geneve -----------------------------------------------------------------------------

  private geneve(st: PacketState, t: number, frame: number, file: number, outgoing: boolean): void {
    const b = st.buf, go = st.off[t], hlen = st.hlen[t];
    const udp = t - 1;
    let sport = 0, port = 6081;
    if (udp >= 0 && st.kind[udp] === Proto.UDP) {
      const uo = st.off[udp];
      sport = u16(b, uo);
      const dport = u16(b, uo + 2);
      port = this.tables.udpPort[dport] === Proto.GENEVE ? dport : sport;
    }
    if (this.on(R.GENEVE_CRITICAL_OPTION)) {
      let anyCritical = false, unknownCritical = false;
      for (let p = go + GENEVE_BASE_LEN; p + GENEVE_OPT_HEADER_LEN <= go + hlen; ) {
        const type = b[p + 2];
        if (type & GENEVE_OPT_CRITICAL) {
          anyCritical = true;
          const ct = (u16(b, p) << 8) | type;
          if (!KNOWN_CRITICAL.has(ct)) {
            unknownCritical = true;
            this.key[0] = ct;
            this.critOptions.add(this.key, frame, file);
          }
        }
        p += GENEVE_OPT_HEADER_LEN + (b[p + 3] & 0x1f) * 4;
      }
      const cFlag = (b[go + GENEVE_FLAGS] & GENEVE_FLAG_C) !== 0;
      const mismatch = cFlag !== anyCritical;
      if (mismatch) this.critFlagMismatch++;
      if (unknownCritical || mismatch) this.hit(R.GENEVE_CRITICAL_OPTION, frame, file);
    }
    if (udp >= 0 && st.kind[udp] === Proto.UDP) {
      this.trackPair(st, ENC_GENEVE, port, st.v1[t], sport, frame, file);
      this.checksum(st, udp, frame, file, outgoing, ENC_GENEVE);
    }
  }

  // ---- outer UDP checksum -----------------------------------------------------------------

  /** Outer UDP checksum of a VXLAN or Geneve packet; each encapsulation has its own rule and advice. */
  private checksum(st: PacketState, udp: number, frame: number, file: number, outgoing: boolean, enc: number): void {
    const rule = enc === ENC_VXLAN ? R.VXLAN_BAD_OUTER_CHECKSUM : R.GENEVE_BAD_OUTER_CHECKSUM;
    if (!this.on(rule)) return;
    const c = enc === ENC_VXLAN ? 0 : CSUM_SLOTS;
    const ip = st.outerIp;
    if (ip < 0 || ip !== udp - 1) return;
    if (u16(st.buf, st.off[udp] + 6) === 0) {
      this.csum[c + 4]++;
      return;
    }
    if (outgoing) {
      this.csum[c + 3]++;
      return;
    }
    // Fragments cannot be verified without reassembly.
    if (st.kind[ip] === Proto.IPV4 ? (u16(st.buf, st.off[ip] + 6) & 0x3fff) !== 0 : st.v2[ip] >= 0) {
      this.csum[c + 4]++;
      return;
    }
    const s = udpChecksumStatus(st, ip, udp);
    if (s === CSUM_OK) this.csum[c]++;
    else if (s === CSUM_PARTIAL) this.csum[c + 2]++;
    else if (s === CSUM_BAD) {
      this.csum[c + 1]++;
      this.hit(rule, frame, file);
      this.key[0] = ipFamily(st, ip);
      ipWords(st, ip, false, this.key, 1);
      (enc === ENC_VXLAN ? this.csumSenders : this.geneveCsumSenders).add(this.key, frame, file);
    } else this.csum[c + 4]++;
  }

  // ---- sizes ------------------------------------------------------------------------------

  private encapSizes(
    cls: number, frame: number, file: number, direction: number,
    outerBytes: number, innerBytes: number, overhead: number, innerDf: boolean, zeroLength: boolean, transport: number, outerFrag: boolean,
  ): void {
    if (cls < TrafficClass.VXLAN) return;
    if (outerFrag && this.on(R.ENCAP_OUTER_FRAGMENTED)) {
      this.hit(R.ENCAP_OUTER_FRAGMENTED, frame, file);
      this.fragClasses[cls]++;
    }
    const mtu = this.thresholds.mtu;
    // The verdict `overhead` uses too (src/overhead.ts mtuVerdict): offload super-frames are skipped.
    const verdict = mtuVerdict(outerBytes, innerBytes, mtu, zeroLength, transport, true, direction);
    if (verdict === MtuVerdict.SUPER_ZERO_LENGTH) this.mtuSkippedSuper++;
    else if (verdict === MtuVerdict.SUPER_ABOVE_JUMBO) this.mtuSkippedAboveJumbo++;
    else if (verdict === MtuVerdict.SUPER_TCP_OFFLOAD) this.mtuSkippedTcpOffload++;
    else if (verdict === MtuVerdict.EXCEEDED && this.on(R.ENCAP_MTU_EXCEEDED)) {
      this.hit(R.ENCAP_MTU_EXCEEDED, frame, file);
      this.mtuClasses[cls]++;
      if (outerBytes > this.mtuMax) this.mtuMax = outerBytes;
      if (innerBytes <= mtu) this.mtuInnerFits++;
    }
    // The whole packet as encapsulated (a fragmented outer packet counts its inner packet once, in its first fragment).
    if (innerDf && this.on(R.ENCAP_DF_INNER_TOO_BIG) &&
      mtuVerdict(innerBytes + overhead, innerBytes, mtu, zeroLength, transport, true, direction) === MtuVerdict.EXCEEDED) {
      this.hit(R.ENCAP_DF_INNER_TOO_BIG, frame, file);
      if (innerBytes > this.dfMax) this.dfMax = innerBytes;
      if (outerFrag) this.dfFragmentedOuter++;
    }
  }

  // ---- ICMP -------------------------------------------------------------------------------

  private fragNeeded(st: PacketState, i: number, frame: number, file: number, family: number): void {
    if (!this.on(R.ICMP_FRAG_NEEDED)) return;
    this.hit(R.ICMP_FRAG_NEEDED, frame, file);
    if (family === 4) this.icmpV4++;
    else this.icmpV6++;
    this.key[0] = st.v2[i] >= 0 ? st.v2[i] : 0;
    this.icmpMtus.add(this.key, frame, file);
    const ip = i - 1;
    if (ip >= 0 && (st.kind[ip] === Proto.IPV4 || st.kind[ip] === Proto.IPV6)) {
      this.key[0] = ipFamily(st, ip);
      ipWords(st, ip, false, this.key, 1);
      this.icmpSenders.add(this.key, frame, file);
    }
  }

  // ---- ARP --------------------------------------------------------------------------------

  private arp(r: CaptureRecord, st: PacketState, i: number, file: number): void {
    if (!this.on(R.ARP_BROADCAST_STORM)) return;
    const b = st.buf, o = st.off[i];
    const link = i - 1;
    let broadcast = false;
    if (link >= 0 && st.kind[link] === Proto.ETH) {
      const d = st.off[link] + ETH_DST;
      broadcast = b[d] === 255 && b[d + 1] === 255 && b[d + 2] === 255 && b[d + 3] === 255 && b[d + 4] === 255 && b[d + 5] === 255;
    } else if (link >= 0 && st.kind[link] === Proto.VLAN) {
      // VLAN-tagged: find the Ethernet header below the tags.
      let e = link;
      while (e >= 0 && st.kind[e] === Proto.VLAN) e--;
      if (e >= 0 && st.kind[e] === Proto.ETH) {
        const d = st.off[e] + ETH_DST;
        broadcast = b[d] === 255 && b[d + 1] === 255 && b[d + 2] === 255 && b[d + 3] === 255 && b[d + 4] === 255 && b[d + 5] === 255;
      }
    } else if (st.pktType === 1) {
      broadcast = true;
    } else if (st.pktType === 4 && st.v1[i] === 1 && b[o + ARP_HLEN] === 6) {
      // An outgoing request in a cooked capture: broadcast when the target MAC is unknown (zero).
      const t = o + ARP_THA;
      broadcast = (b[t] | b[t + 1] | b[t + 2] | b[t + 3] | b[t + 4] | b[t + 5]) === 0;
    }
    if (!broadcast) return;
    if (b[o + ARP_HLEN] === 6 && b[o + ARP_PLEN] === 4) {
      this.key[0] = u32(b, o + ARP_SPA);
      this.arpSenders.add(this.key, r.frame, file);
    }
    const inWindow = this.arpRate.push(r.tsSec + r.tsNsec * 1e-9, file);
    if (inWindow > this.thresholds.arpStormRate) this.hit(R.ARP_BROADCAST_STORM, r.frame, file);
  }

  // ---- tunnel pairs -----------------------------------------------------------------------

  /** Key of the directed outer-IP pair: [family | enc << 8, src x4, dst x4]. */
  private pairKey(st: PacketState, enc: number, key: Uint32Array): void {
    const ip = st.outerIp;
    key[0] = ipFamily(st, ip) | (enc << 8);
    ipWords(st, ip, false, key, 1);
    ipWords(st, ip, true, key, 5);
  }

  private trackPair(st: PacketState, enc: number, port: number, vni: number, sport: number, frame: number, file: number): void {
    if (st.outerIp < 0) return;
    const key = this.key;
    this.pairKey(st, enc, key);
    const e = this.pairs.add(key, frame, file);
    if (e < 0) return;
    if (e >= this.pairSport.length) this.growPairs();
    // Ports (up to PORT_SLOTS distinct per pair).
    const pb = e * PORT_SLOTS;
    for (let k = 0; k < PORT_SLOTS; k++) {
      const v = this.pairPorts[pb + k];
      if (v === port) { this.pairPortPkts[pb + k]++; break; }
      if (v < 0) { this.pairPorts[pb + k] = port; this.pairPortPkts[pb + k] = 1; this.pairPortFirst[pb + k] = frame; break; }
    }
    // VNIs (up to VNI_SLOTS distinct per pair).
    const vb = e * VNI_SLOTS;
    let placed = false;
    for (let k = 0; k < VNI_SLOTS; k++) {
      const v = this.pairVnis[vb + k];
      if (v === vni) { this.pairVniPkts[vb + k]++; placed = true; break; }
      if (v < 0) { this.pairVnis[vb + k] = vni; this.pairVniPkts[vb + k] = 1; placed = true; break; }
    }
    if (!placed) this.pairVniOverflow[e]++;
    // Source-port entropy: one source port and at least flowSlots distinct inner flows.
    if (this.pairMultiSport[e]) return;
    if (this.pairSport[e] < 0) this.pairSport[e] = sport;
    else if (this.pairSport[e] !== sport) {
      this.pairMultiSport[e] = 1;
      return;
    }
    const nf = this.pairNFlows[e];
    if (nf >= this.flowSlots) return;
    const inner = st.innerIp;
    if (inner < 0 || inner === st.outerIp) return;
    const h = this.innerFlowHash(st, inner);
    const fb = e * this.flowSlots;
    for (let k = 0; k < nf; k++) if (this.pairFlows[fb + k] === h) return;
    this.pairFlows[fb + nf] = h;
    this.pairNFlows[e] = nf + 1;
  }

  private innerFlowHash(st: PacketState, inner: number): number {
    const b = st.buf, o = st.off[inner];
    let h = 0x811c9dc5 | 0;
    if (st.kind[inner] === Proto.IPV4) {
      h = mix32(h, u32(b, o + IPV4_SRC));
      h = mix32(h, u32(b, o + IPV4_DST));
      h = mix32(h, b[o + 9]);
    } else {
      for (let k = 8; k < 40; k += 4) h = mix32(h, u32(b, o + k));
      h = mix32(h, st.v1[inner]);
    }
    const l4 = st.l4;
    if (l4 > inner && (st.kind[l4] === Proto.TCP || st.kind[l4] === Proto.UDP)) h = mix32(h, u32(b, st.off[l4]));
    return h | 0;
  }

  private growPairs(): void {
    const n = this.pairSport.length * 2;
    this.pairPorts = growI32(this.pairPorts, n * PORT_SLOTS, -1);
    this.pairPortPkts = growF64(this.pairPortPkts, n * PORT_SLOTS);
    this.pairPortFirst = growF64(this.pairPortFirst, n * PORT_SLOTS);
    this.pairVnis = growI32(this.pairVnis, n * VNI_SLOTS, -1);
    this.pairVniPkts = growF64(this.pairVniPkts, n * VNI_SLOTS);
    this.pairVniOverflow = growF64(this.pairVniOverflow, n);
    this.pairSport = growI32(this.pairSport, n, -1);
    this.pairMultiSport = growU8(this.pairMultiSport, n);
    this.pairFlows = growI32(this.pairFlows, n * this.flowSlots);
    this.pairNFlows = growU8(this.pairNFlows, n);
  }

  // ---- parallel runs ----------------------------------------------------------------------

  /** Plain-data state for another thread; the main thread merges the states in file order. */
  exportState(): LintState {
    const n = this.pairs.size;
    const sparse = (a: Float64Array): [number, number][] => {
      const out: [number, number][] = [];
      for (let p = 0; p < a.length; p++) if (a[p] !== 0) out.push([p, a[p]]);
      return out;
    };
    return {
      count: this.count.slice(), first: this.first.slice(), firstFile: this.firstFile.slice(), files: [...this.files],
      vxlanPortPkts: sparse(this.vxlanPortPkts), notVxlanPortPkts: sparse(this.notVxlanPortPkts), heuristicPortPkts: sparse(this.heuristicPortPkts),
      tables: Object.fromEntries(LINT_TABLES.map((k) => [k, this[k].exportState()])) as Record<LintTableName, CountTableState>,
      scalars: Object.fromEntries(LINT_SCALARS.map((k) => [k, this[k]])) as Record<LintScalarName, number>,
      fragClasses: this.fragClasses.slice(), mtuClasses: this.mtuClasses.slice(), csum: this.csum.slice(),
      arpRate: this.arpRate.exportState(),
      pairs: this.pairs.exportState(),
      pairPorts: this.pairPorts.slice(0, n * PORT_SLOTS), pairPortPkts: this.pairPortPkts.slice(0, n * PORT_SLOTS),
      pairPortFirst: this.pairPortFirst.slice(0, n * PORT_SLOTS), pairVnis: this.pairVnis.slice(0, n * VNI_SLOTS),
      pairVniPkts: this.pairVniPkts.slice(0, n * VNI_SLOTS), pairVniOverflow: this.pairVniOverflow.slice(0, n),
      pairSport: this.pairSport.slice(0, n), pairMultiSport: this.pairMultiSport.slice(0, n),
      pairFlows: this.pairFlows.slice(0, n * this.flowSlots), pairNFlows: this.pairNFlows.slice(0, n), flowSlots: this.flowSlots,
    };
  }

  mergeState(s: LintState): void {
    for (let r = 0; r < R.COUNT; r++) {
      if (s.count[r] === 0) continue;
      if (this.count[r] === 0) {
        this.first[r] = s.first[r];
        this.firstFile[r] = s.firstFile[r];
      }
      this.count[r] += s.count[r];
    }
    s.files.forEach((f, i) => { if (f !== undefined && f !== null) this.files[i] = f; });
    for (const [p, v] of s.vxlanPortPkts) this.vxlanPortPkts[p] += v;
    for (const [p, v] of s.notVxlanPortPkts) this.notVxlanPortPkts[p] += v;
    for (const [p, v] of s.heuristicPortPkts) this.heuristicPortPkts[p] += v;
    for (const k of LINT_TABLES) this[k].mergeState(s.tables[k]);
    for (const k of LINT_SCALARS) this[k] = k === 'mtuMax' || k === 'dfMax' ? Math.max(this[k], s.scalars[k]) : this[k] + s.scalars[k];
    for (let i = 0; i < this.fragClasses.length; i++) { this.fragClasses[i] += s.fragClasses[i]; this.mtuClasses[i] += s.mtuClasses[i]; }
    for (let i = 0; i < this.csum.length; i++) this.csum[i] += s.csum[i];
    this.arpRate.mergeState(s.arpRate);
    const map = this.pairs.mergeState(s.pairs);
    const F = s.flowSlots;
    for (let i = 0; i < map.length; i++) {
      const e = map[i];
      if (e < 0) continue;
      while (e >= this.pairSport.length) this.growPairs();
      for (let k = 0; k < PORT_SLOTS; k++) {
        const port = s.pairPorts[i * PORT_SLOTS + k];
        if (port < 0) break;
        for (let m = 0; m < PORT_SLOTS; m++) {
          const v = this.pairPorts[e * PORT_SLOTS + m];
          if (v === port) { this.pairPortPkts[e * PORT_SLOTS + m] += s.pairPortPkts[i * PORT_SLOTS + k]; break; }
          if (v < 0) {
            this.pairPorts[e * PORT_SLOTS + m] = port;
            this.pairPortPkts[e * PORT_SLOTS + m] = s.pairPortPkts[i * PORT_SLOTS + k];
            this.pairPortFirst[e * PORT_SLOTS + m] = s.pairPortFirst[i * PORT_SLOTS + k];
            break;
          }
        }
      }
      for (let k = 0; k < VNI_SLOTS; k++) {
        const vni = s.pairVnis[i * VNI_SLOTS + k];
        if (vni < 0) break;
        let placed = false;
        for (let m = 0; m < VNI_SLOTS; m++) {
          const v = this.pairVnis[e * VNI_SLOTS + m];
          if (v === vni) { this.pairVniPkts[e * VNI_SLOTS + m] += s.pairVniPkts[i * VNI_SLOTS + k]; placed = true; break; }
          if (v < 0) { this.pairVnis[e * VNI_SLOTS + m] = vni; this.pairVniPkts[e * VNI_SLOTS + m] = s.pairVniPkts[i * VNI_SLOTS + k]; placed = true; break; }
        }
        if (!placed) this.pairVniOverflow[e] += s.pairVniPkts[i * VNI_SLOTS + k];
      }
      this.pairVniOverflow[e] += s.pairVniOverflow[i];
      // Source ports: one port on both sides stays "one port" only when it is the same port.
      if (s.pairMultiSport[i] || (this.pairSport[e] >= 0 && s.pairSport[i] >= 0 && this.pairSport[e] !== s.pairSport[i])) this.pairMultiSport[e] = 1;
      if (this.pairSport[e] < 0) this.pairSport[e] = s.pairSport[i];
      for (let k = 0; k < s.pairNFlows[i] && this.pairNFlows[e] < this.flowSlots; k++) {
        const h = s.pairFlows[i * F + k];
        let dup = false;
        for (let m = 0; m < this.pairNFlows[e]; m++) if (this.pairFlows[e * this.flowSlots + m] === h) { dup = true; break; }
        if (!dup) this.pairFlows[e * this.flowSlots + this.pairNFlows[e]++] = h;
      }
    }
  }

  // ---- results ----------------------------------------------------------------------------

  finish(): LintResult {
    const findings: Finding[] = [];
    const notEvaluated: { rule: string; reason: string }[] = [];
    const add = (rule: number, d: FindingDraft) => {
      if (!this.settings.enabled[rule] || d.count <= 0) return;
      const evidence = { ...d.evidence };
      const fileIdx = this.firstFile[rule];
      if (this.files.length > 1 && this.files[fileIdx] !== undefined) evidence.firstFile = this.files[fileIdx];
      findings.push({ rule: RULES[rule].id, severity: this.settings.severity[rule], message: d.message, count: d.count, firstFrame: d.firstFrame, evidence });
    };
    const c = (rule: number) => this.count[rule];
    const f = (rule: number) => this.first[rule];

    if (c(R.VXLAN_NONSTANDARD_PORT) > 0) {
      const ports = this.portCounts(this.vxlanPortPkts, (p) => !this.expectedPort[p]);
      const list = Object.keys(ports).join(', ');
      add(R.VXLAN_NONSTANDARD_PORT, {
        count: c(R.VXLAN_NONSTANDARD_PORT), firstFrame: f(R.VXLAN_NONSTANDARD_PORT),
        message: `VXLAN on UDP ${list}, expected ${this.expectedPortList.join(', ')}` +
          (this.expectedPortList.length === 1 ? ' (IANA)' : ` (${IANA_VXLAN_PORT} is IANA's; the others from --vxlan-port)`) +
          '; pass --vxlan-port if this port is intended',
        evidence: { ports, expectedPorts: this.expectedPortList },
      });
    }
    if (c(R.VXLAN_WELL_KNOWN_PORT_COLLISION) > 0) {
      const ports = this.portCounts(this.vxlanPortPkts, (p) => p === 8472 || p === 6784);
      add(R.VXLAN_WELL_KNOWN_PORT_COLLISION, {
        count: c(R.VXLAN_WELL_KNOWN_PORT_COLLISION), firstFrame: f(R.VXLAN_WELL_KNOWN_PORT_COLLISION),
        message: `VXLAN on UDP ${Object.keys(ports).join(', ')}: ${Object.keys(ports).map((p) => COLLISION_NOTE[Number(p)]).join('; ')}`,
        evidence: { ports, tools: Object.fromEntries(Object.keys(ports).map((p) => [p, COLLISION_NOTE[Number(p)]])) },
      });
    }
    if (c(R.VXLAN_I_FLAG_UNSET) > 0) {
      add(R.VXLAN_I_FLAG_UNSET, {
        count: c(R.VXLAN_I_FLAG_UNSET), firstFrame: f(R.VXLAN_I_FLAG_UNSET),
        message: `${plural(c(R.VXLAN_I_FLAG_UNSET), 'VXLAN packet')} without the I flag (receivers drop them)`,
        evidence: { senders: this.addrList(this.iFlagSenders) },
      });
    }
    if (c(R.VXLAN_RESERVED_BITS) > 0) {
      const flags: Record<string, number> = {};
      for (const e of this.reservedFlags.sorted()) flags[`0x${this.reservedFlags.keyOf(e)[0].toString(16).padStart(2, '0')}`] = this.reservedFlags.counts[e];
      add(R.VXLAN_RESERVED_BITS, {
        count: c(R.VXLAN_RESERVED_BITS), firstFrame: f(R.VXLAN_RESERVED_BITS),
        message: `${plural(c(R.VXLAN_RESERVED_BITS), 'VXLAN packet')} with reserved header bits set`,
        evidence: { flags },
      });
    }
    if (c(R.VXLAN_VNI_UNEXPECTED) > 0) {
      const vnis = countsObject(this.unexpectedVnis.sorted().map((e) => [this.unexpectedVnis.keyOf(e)[0], this.unexpectedVnis.counts[e]] as [number, number]));
      add(R.VXLAN_VNI_UNEXPECTED, {
        count: c(R.VXLAN_VNI_UNEXPECTED), firstFrame: f(R.VXLAN_VNI_UNEXPECTED),
        message: `VXLAN VNI ${Object.keys(vnis).join(', ')} outside the expected ${this.vniText().join(', ')}`,
        evidence: { vnis, expected: this.vniText() },
      });
    }
    if (c(R.VXLAN_VNI_ZERO) > 0) {
      add(R.VXLAN_VNI_ZERO, {
        count: c(R.VXLAN_VNI_ZERO), firstFrame: f(R.VXLAN_VNI_ZERO),
        message: `${plural(c(R.VXLAN_VNI_ZERO), 'VXLAN packet')} with VNI 0`,
        evidence: {},
      });
    }
    if (c(R.VXLAN_PORT_NOT_VXLAN) > 0) {
      const ports = this.portCounts(this.notVxlanPortPkts, () => true);
      add(R.VXLAN_PORT_NOT_VXLAN, {
        count: c(R.VXLAN_PORT_NOT_VXLAN), firstFrame: f(R.VXLAN_PORT_NOT_VXLAN),
        message: `${plural(c(R.VXLAN_PORT_NOT_VXLAN), 'UDP packet')} on VXLAN port ${Object.keys(ports).join(', ')} that ${c(R.VXLAN_PORT_NOT_VXLAN) === 1 ? 'does' : 'do'} not parse as VXLAN` +
          (ports['6784'] ? ' (6784 is also micro-BFD\'s port)' : ''),
        evidence: { ports, tooShort: this.notVxlanShort, noPlausibleInnerFrame: this.notVxlanInner },
      });
    }
    if (c(R.VXLAN_HEURISTIC_UNBOUND_PORT) > 0) {
      const ports = this.portCounts(this.heuristicPortPkts, () => true);
      const vnis: Record<string, number[]> = {};
      for (const e of this.heuristicVnis.sorted()) {
        const k = this.heuristicVnis.keyOf(e);
        (vnis[String(k[0])] ??= []).push(k[1]);
      }
      const flags = Object.keys(ports).map((p) => `--vxlan-port ${p}`).join(' ');
      add(R.VXLAN_HEURISTIC_UNBOUND_PORT, {
        count: c(R.VXLAN_HEURISTIC_UNBOUND_PORT), firstFrame: f(R.VXLAN_HEURISTIC_UNBOUND_PORT),
        message: `${plural(c(R.VXLAN_HEURISTIC_UNBOUND_PORT), 'UDP packet')} on port ${Object.keys(ports).join(', ')} look${c(R.VXLAN_HEURISTIC_UNBOUND_PORT) === 1 ? 's' : ''} like VXLAN; re-run with ${flags}`,
        evidence: { ports, vnis, addOptions: Object.keys(ports).map((p) => `--vxlan-port ${p}`) },
      });
    }
    if (c(R.GENEVE_CRITICAL_OPTION) > 0) {
      const options: Record<string, number> = {};
      for (const e of this.critOptions.sorted()) {
        const v = this.critOptions.keyOf(e)[0];
        options[`class 0x${(v >>> 8).toString(16).padStart(4, '0')} type 0x${(v & 255).toString(16).padStart(2, '0')}`] = this.critOptions.counts[e];
      }
      add(R.GENEVE_CRITICAL_OPTION, {
        count: c(R.GENEVE_CRITICAL_OPTION), firstFrame: f(R.GENEVE_CRITICAL_OPTION),
        message: `${plural(c(R.GENEVE_CRITICAL_OPTION), 'Geneve packet')} with ` +
          (Object.keys(options).length > 0 ? `unknown critical option${Object.keys(options).length === 1 ? '' : 's'} (${Object.keys(options).join(', ')})` : 'a C flag that disagrees with its options') +
          ': endpoints that do not understand them must drop the packets',
        evidence: { options, cFlagMismatch: this.critFlagMismatch },
      });
    }
    for (const [rule, senders, base, what, advice] of [
      [R.VXLAN_BAD_OUTER_CHECKSUM, this.csumSenders, 0, 'VXLAN packet', 'try `ethtool -K <vxlan device> tx-checksum-ip-generic off` on the sender'],
      [R.GENEVE_BAD_OUTER_CHECKSUM, this.geneveCsumSenders, CSUM_SLOTS, 'Geneve packet',
        'try `ethtool -K <geneve device> tx-checksum-ip-generic off` (genev_sys_6081, cilium_geneve) on the sender'],
    ] as const) {
      if (c(rule) === 0) continue;
      add(rule, {
        count: c(rule), firstFrame: f(rule),
        message: `${plural(c(rule), `received ${what}`)} with a wrong outer UDP checksum (receivers drop them; ${advice})`,
        evidence: {
          senders: this.addrList(senders),
          verified: this.csum[base], bad: this.csum[base + 1], partialOffload: this.csum[base + 2], skippedOutgoing: this.csum[base + 3], notChecked: this.csum[base + 4],
        },
      });
    }
    if (c(R.ENCAP_OUTER_FRAGMENTED) > 0) {
      add(R.ENCAP_OUTER_FRAGMENTED, {
        count: c(R.ENCAP_OUTER_FRAGMENTED), firstFrame: f(R.ENCAP_OUTER_FRAGMENTED),
        message: `${plural(c(R.ENCAP_OUTER_FRAGMENTED), 'tunnel packet')} fragmented in the underlay: the tunnel MTU is too large for the underlay`,
        evidence: { byClass: this.classCounts(this.fragClasses) },
      });
    }
    if (c(R.ENCAP_MTU_EXCEEDED) > 0) {
      add(R.ENCAP_MTU_EXCEEDED, {
        count: c(R.ENCAP_MTU_EXCEEDED), firstFrame: f(R.ENCAP_MTU_EXCEEDED),
        message: `${plural(c(R.ENCAP_MTU_EXCEEDED), 'tunnel packet')} larger than the ${this.thresholds.mtu}-byte MTU (largest ${this.mtuMax} bytes of outer IP)` +
          (this.mtuInnerFits > 0 ? `; ${this.mtuInnerFits} carry an inner packet that fits the MTU: the pod MTU leaves no room for the encapsulation` : ''),
        evidence: { mtu: this.thresholds.mtu, largest: this.mtuMax, byClass: this.classCounts(this.mtuClasses), innerFitsMtu: this.mtuInnerFits,
          skippedZeroLength: this.mtuSkippedSuper, skippedAboveJumbo: this.mtuSkippedAboveJumbo, skippedTcpOffload: this.mtuSkippedTcpOffload },
      });
    }
    if (c(R.ENCAP_DF_INNER_TOO_BIG) > 0) {
      add(R.ENCAP_DF_INNER_TOO_BIG, {
        count: c(R.ENCAP_DF_INNER_TOO_BIG), firstFrame: f(R.ENCAP_DF_INNER_TOO_BIG),
        message: `${plural(c(R.ENCAP_DF_INNER_TOO_BIG), 'inner packet')} with DF set too big for the tunnel (up to ${this.dfMax} bytes + overhead > ${this.thresholds.mtu})` +
          (this.dfFragmentedOuter > 0 ? `; ${this.dfFragmentedOuter} fragmented in the underlay anyway` : ''),
        evidence: { mtu: this.thresholds.mtu, largestInner: this.dfMax, outerFragmented: this.dfFragmentedOuter },
      });
    }
    if (c(R.ICMP_FRAG_NEEDED) > 0) {
      const mtus = countsObject(this.icmpMtus.sorted().map((e) => [this.icmpMtus.keyOf(e)[0], this.icmpMtus.counts[e]] as [number, number]));
      add(R.ICMP_FRAG_NEEDED, {
        count: c(R.ICMP_FRAG_NEEDED), firstFrame: f(R.ICMP_FRAG_NEEDED),
        message: `${plural(c(R.ICMP_FRAG_NEEDED), 'path-MTU message')} (ICMP fragmentation needed / ICMPv6 packet too big) announcing MTU ${Object.keys(mtus).join(', ')}`,
        evidence: { mtus, icmp: this.icmpV4, icmpv6: this.icmpV6, senders: this.addrList(this.icmpSenders) },
      });
    }
    if (c(R.NVGRE_KEY_MISSING) > 0) {
      add(R.NVGRE_KEY_MISSING, {
        count: c(R.NVGRE_KEY_MISSING), firstFrame: f(R.NVGRE_KEY_MISSING),
        message: `${plural(c(R.NVGRE_KEY_MISSING), 'GRE packet')} carrying Ethernet (0x6558) without a key: no NVGRE VSID`,
        evidence: { endpoints: this.pairList(this.greTebNoKey) },
      });
    }
    if (c(R.ARP_BROADCAST_STORM) > 0) {
      const senders = this.arpSenders.sorted().slice(0, 10).map((e) => ({ ip: ipv4Text(this.arpSenders.keyOf(e)[0]), packets: this.arpSenders.counts[e] }));
      add(R.ARP_BROADCAST_STORM, {
        count: c(R.ARP_BROADCAST_STORM), firstFrame: f(R.ARP_BROADCAST_STORM),
        message: `ARP broadcasts peaked at ${this.arpRate.peak} in one second (threshold ${this.thresholds.arpStormRate}/s)`,
        evidence: {
          peakPerSecond: this.arpRate.peak, threshold: this.thresholds.arpStormRate, windowStart: this.arpRate.peakStart.toFixed(6),
          broadcasts: this.arpRate.total, topSenders: senders,
        },
      });
    }
    this.pairFindings(add);
    // BGP rules.
    const bgp = this.bgp ? this.bgp() : null;
    for (const rule of [R.BGP_NOTIFICATION, R.BGP_HOLD_TIME_MISMATCH]) {
      if (!this.settings.enabled[rule]) continue;
      if (!bgp) {
        notEvaluated.push({ rule: RULES[rule].id, reason: 'no BGP session data (the BGP analysis did not run)' });
        continue;
      }
      const d = rule === R.BGP_NOTIFICATION ? bgpNotificationFinding(bgp) : bgpHoldTimeFinding(bgp);
      if (d) add(rule, d);
    }
    if (this.vnis === null && this.settings.enabled[R.VXLAN_VNI_UNEXPECTED]) {
      notEvaluated.push({ rule: 'VXLAN_VNI_UNEXPECTED', reason: 'no expected VNIs given (--vni)' });
    }
    attachLintFilters(findings, contextFromPortTable(this.tables.udpPort));
    findings.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.firstFrame - b.firstFrame || a.rule.localeCompare(b.rule));
    const summary = { error: 0, warning: 0, info: 0 };
    for (const x of findings) summary[x.severity]++;
    return {
      findings, summary, notEvaluated, thresholds: { ...this.thresholds },
      expected: { vxlanPorts: this.expectedPortList, vnis: this.vnis ? this.vniText() : null },
    };
  }

  /** Findings computed from the per-pair tables: mixed ports, source-port entropy, VNI consistency. */
  private pairFindings(add: (rule: number, d: FindingDraft) => void): void {
    const P = this.pairs;
    interface Undirected { a: string; b: string; enc: number; ports: Map<number, { pkts: number; first: number }>; vnis: Map<number, number>; vniOverflow: number; pkts: number; first: number }
    const und = new Map<string, Undirected>();
    const entropy: Record<string, unknown>[] = [];
    let entropyPkts = 0, entropyFirst = 0;
    for (let e = 0; e < P.size; e++) {
      const k = P.keyOf(e);
      const fam = k[0] & 255, enc = k[0] >>> 8;
      const src = ipText(fam, k, 1), dst = ipText(fam, k, 5);
      const swap = compareWords(k, 1, 5, 4) > 0;
      const a = swap ? dst : src, b = swap ? src : dst;
      const id = `${enc}|${a}|${b}`;
      let u = und.get(id);
      if (!u) {
        u = { a, b, enc, ports: new Map(), vnis: new Map(), vniOverflow: 0, pkts: 0, first: P.first[e] };
        und.set(id, u);
      }
      u.pkts += P.counts[e];
      u.first = Math.min(u.first, P.first[e]);
      for (let s = 0; s < PORT_SLOTS; s++) {
        const port = this.pairPorts[e * PORT_SLOTS + s];
        if (port < 0) break;
        const cur = u.ports.get(port);
        const pk = this.pairPortPkts[e * PORT_SLOTS + s], fr = this.pairPortFirst[e * PORT_SLOTS + s];
        if (cur) { cur.pkts += pk; cur.first = Math.min(cur.first, fr); } else u.ports.set(port, { pkts: pk, first: fr });
      }
      for (let s = 0; s < VNI_SLOTS; s++) {
        const v = this.pairVnis[e * VNI_SLOTS + s];
        if (v < 0) break;
        u.vnis.set(v, (u.vnis.get(v) ?? 0) + this.pairVniPkts[e * VNI_SLOTS + s]);
      }
      u.vniOverflow += this.pairVniOverflow[e];
      if (!this.pairMultiSport[e] && this.pairNFlows[e] >= this.flowSlots) {
        entropyPkts += P.counts[e];
        entropyFirst = entropyFirst === 0 ? P.first[e] : Math.min(entropyFirst, P.first[e]);
        entropy.push({ src, dst, encapsulation: ENC_NAME[enc], sourcePort: this.pairSport[e], innerFlowsAtLeast: this.pairNFlows[e], packets: P.counts[e] });
      }
    }
    if (entropy.length > 0) {
      const ex = entropy[0] as { src: string; dst: string; sourcePort: number };
      add(R.VXLAN_SRC_PORT_NO_ENTROPY, {
        count: entropyPkts, firstFrame: entropyFirst,
        message: `${plural(entropy.length, 'VTEP pair')} send${entropy.length === 1 ? 's' : ''} ${this.flowSlots} or more inner flows from one outer UDP source port ` +
          `(e.g. ${ex.src} -> ${ex.dst} always from port ${ex.sourcePort}): no ECMP/RSS spreading`,
        evidence: { pairs: entropy.slice(0, 20), pairsTotal: entropy.length, minFlows: this.flowSlots },
      });
    }
    // Mixed ports (VXLAN only).
    const mixed: Record<string, unknown>[] = [];
    let mixedPkts = 0, mixedFirst = 0;
    for (const u of und.values()) {
      if (u.enc !== ENC_VXLAN || u.ports.size < 2) continue;
      const firsts = [...u.ports.values()].map((p) => p.first).sort((x, y) => x - y);
      mixedFirst = mixedFirst === 0 ? firsts[1] : Math.min(mixedFirst, firsts[1]);
      mixedPkts += u.pkts;
      mixed.push({ a: u.a, b: u.b, ports: countsObject([...u.ports].map(([p, v]) => [p, v.pkts] as [number, number])) });
    }
    if (mixed.length > 0) {
      const ex = mixed[0] as { a: string; b: string; ports: Record<string, number> };
      add(R.VXLAN_MIXED_PORTS, {
        count: mixedPkts, firstFrame: mixedFirst,
        message: `${plural(mixed.length, 'VTEP pair')} use${mixed.length === 1 ? 's' : ''} more than one VXLAN port (e.g. ${ex.a} <-> ${ex.b} on ${Object.keys(ex.ports).join(' and ')})`,
        evidence: { pairs: mixed.slice(0, 20), pairsTotal: mixed.length },
      });
    }
    // VNI per VTEP pair, per VXLAN port group.
    const groups = new Map<number, Undirected[]>();
    for (const u of und.values()) {
      if (u.enc !== ENC_VXLAN) continue;
      for (const port of u.ports.keys()) {
        let g = groups.get(port);
        if (!g) groups.set(port, (g = []));
        g.push(u);
      }
    }
    const outliers: Record<string, unknown>[] = [];
    let outPkts = 0, outFirst = 0;
    const judged: Record<string, unknown>[] = [];
    for (const [port, g] of [...groups].sort((x, y) => x[0] - y[0])) {
      if (g.length < this.thresholds.vniMinPairs) continue;
      const pairsUsing = new Map<number, number>();
      let overflow = false;
      for (const u of g) {
        if (u.vniOverflow > 0) overflow = true;
        for (const v of u.vnis.keys()) pairsUsing.set(v, (pairsUsing.get(v) ?? 0) + 1);
      }
      // Identity-style VNIs (Cilium, Weave): many distinct values, no cluster-wide VNI to compare against.
      if (overflow || pairsUsing.size > 4) continue;
      let dominant = -1, best = 0;
      for (const [v, n] of pairsUsing) if (n > best || (n === best && v < dominant)) { dominant = v; best = n; }
      if (best * 2 <= g.length) continue;
      judged.push({ port, dominantVni: dominant, pairs: g.length });
      for (const u of g) {
        if (u.vnis.has(dominant)) continue;
        outPkts += u.pkts;
        outFirst = outFirst === 0 ? u.first : Math.min(outFirst, u.first);
        outliers.push({ a: u.a, b: u.b, port, vnis: countsObject([...u.vnis]), clusterVni: dominant });
      }
    }
    if (outliers.length > 0) {
      const ex = outliers[0] as { a: string; b: string; vnis: Record<string, number>; clusterVni: number };
      add(R.VNI_PER_VTEP_INCONSISTENT, {
        count: outPkts, firstFrame: outFirst,
        message: `${plural(outliers.length, 'VTEP pair')} use${outliers.length === 1 ? 's' : ''} a VNI the rest of the cluster does not ` +
          `(e.g. ${ex.a} <-> ${ex.b} VNI ${Object.keys(ex.vnis).join(', ')}; the others use VNI ${ex.clusterVni})`,
        evidence: { pairs: outliers.slice(0, 20), pairsTotal: outliers.length, groups: judged },
      });
    }
  }

  private portCounts(arr: Float64Array, keep: (p: number) => boolean): Record<string, number> {
    const out: [number, number][] = [];
    for (let p = 0; p < 65536; p++) if (arr[p] > 0 && keep(p)) out.push([p, arr[p]]);
    return countsObject(out);
  }

  private classCounts(arr: Float64Array): Record<string, number> {
    const names = ['other', 'underlay', 'routed', 'vxlan', 'geneve', 'ipip', 'gre', 'nvgre', 'wireguard'];
    const o: Record<string, number> = {};
    for (let i = 0; i < names.length; i++) if (arr[i] > 0) o[names[i]] = arr[i];
    return o;
  }

  /** [family, addr x4] tables as [{ip, packets, firstFrame}], top 20. */
  private addrList(t: CountTable): { ip: string; packets: number; firstFrame: number }[] {
    return t.sorted().slice(0, 20).map((e) => {
      const k = t.keyOf(e);
      return { ip: ipText(k[0], k, 1), packets: t.counts[e], firstFrame: t.first[e] };
    });
  }

  /** Directed pair tables ([family, src x4, dst x4]) as [{src, dst, packets}], top 20. */
  private pairList(t: CountTable): { src: string; dst: string; packets: number; firstFrame: number }[] {
    return t.sorted().slice(0, 20).map((e) => {
      const k = t.keyOf(e);
      return { src: ipText(k[0] & 255, k, 1), dst: ipText(k[0] & 255, k, 5), packets: t.counts[e], firstFrame: t.first[e] };
    });
  }

  private vniText(): string[] {
    return (this.vnis ?? []).map(([a, b]) => (a === b ? String(a) : `${a}-${b}`));
  }
}
