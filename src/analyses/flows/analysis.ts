// The flow analysis: feeds every packet to the FlowTable, learns pod CIDRs from tunnel inner
// addresses, and at the end settles routed vs underlay for plain flows and builds the per-class
// and per-tunnel totals and the flow objects of `flows --json`.
import { CLASS_NAME, Proto, TrafficClass, ipv4FromU32, u32, type PacketState } from '../../../dissectors/packet.js';
import type { AnalysisContext, PacketAnalysis } from '../../engine/analysis.js';
import type { CaptureRecord } from '../../reader/record.js';
import { formatTimestamp } from '../../reader/record.js';
import { FlowTable, type EndReason, type Expiry, type FlowTableState, KEY_WORDS, K_A, K_B, K_META, K_PORTS, K_TUN_A, K_TUN_B, K_TUN_FLAGS, K_TUN_ID, K_FLAG_MACS, NBINS, SIZE_BINS,
  COPY_PKTS, FIRST_NSEC, FIRST_SEC, FRAG_PKTS, ID, INNER_BYTES, IP_BYTES, LAST_NSEC, LAST_SEC, MAX_SIZE, MIN_SIZE, ORIG_BYTES, ORIG_FLAGS, ORIG_IS_A, ORIG_PKTS, OVERHEAD_BYTES, RESP_BYTES, RESP_FLAGS, RESP_PKTS, RETRANS, TUN_DST_PORT, TUN_ORIG_IS_A, PART } from './flowtable.js';
import { PodCidrInference, buildCidrSet, type PodCidr, type PodCidrState } from '../podcidr.js';
import { CidrSet, formatIp, parseCidr } from '../../util/cidr.js';
import { tcpFlagString } from '../../../dissectors/tcp.js';
import { IPV4_DST, IPV4_SRC } from '../../../dissectors/ipv4.js';
import { IPV6_DST, IPV6_SRC } from '../../../dissectors/ipv6.js';
import { CLASS_NAMES, type TrafficClassName } from '../../classes.js';
import { withFlowFilters, type PacketFilters } from '../findings/filters.js';

/** A flow endpoint: IP address and port, or for a flow that carries no IP the MAC address. */
export interface Endpoint { ip: string | null; port: number | null; mac?: string }

export interface FlowObject {
  id: number;
  class: TrafficClassName;
  tunnel: { a: string; b: string; vni: number | null; key: number | null; dstPort: number | null } | null;
  orig: Endpoint;
  resp: Endpoint;
  protocol: number | null;
  packets: number;
  bytes: number;
  origPackets: number;
  origBytes: number;
  respPackets: number;
  respBytes: number;
  innerBytes: number;
  overheadBytes: number;
  firstTs: string;
  lastTs: string;
  durationS: number;
  tcpFlags: { orig: string; resp: string } | null;
  sizes: { min: number; max: number; mean: number };
  retransmissions: number;
  fragments: number;
  copies: number;
  copyFlows: number[];
  /** Flows that carry no IP (ARP, LLDP, ..., also inside a tunnel): the EtherType they carry. */
  ethertype?: number;
  /** Streamed records only (`flows --stream`): why the record was written. */
  ended?: EndReason;
  /**
   * Streamed records of a flow split by --active-timeout: 1, 2, ... (a record with ended `active`
   * is followed by the next part; part 2 and up are continuations). Absent when not split.
   */
  part?: number;
  /** Filters selecting the flow's packets (src/analyses/findings/filters.ts). */
  evidence?: PacketFilters;
}

/** Byte and packet totals over a set of flows (a class, a tunnel). */
export interface Totals {
  class: TrafficClassName;
  flows: number;
  packets: number;
  bytes: number;
  ipBytes: number;
  innerBytes: number;
  overheadBytes: number;
  /** overheadBytes / bytes */
  overheadShare: number;
  /** innerBytes / ipBytes */
  efficiency: number;
}

export interface ClassTotals extends Totals {
  histogram: number[];
}

export interface TunnelTotals extends Totals {
  a: string;
  b: string;
  vni: number | null;
  key: number | null;
  dstPort: number | null;
}

export interface FlowOptions {
  maxFlows?: number;
  /** CIDRs from --pod-cidr. */
  podCidrs?: readonly string[];
  /**
   * Infer pod CIDRs from tunnel inner addresses. Default: only when no --pod-cidr is given
   * (`--infer-pod-cidrs` sets true, `--no-infer-pod-cidrs` false).
   */
  inferPodCidrs?: boolean;
  /**
   * Streaming (`flows --stream`): flows end as capture time passes (see Expiry) and each one's
   * record goes to onRecord at once; ended flows leave the table, so memory follows the live flows.
   */
  stream?: { expiry: Expiry; onRecord: (r: FlowObject) => void; bgpPrefixes?: () => readonly string[] };
}

type Acc = { flows: number; packets: number; bytes: number; ipBytes: number; innerBytes: number; overheadBytes: number; hist: number[] };
const newAcc = (): Acc => ({ flows: 0, packets: 0, bytes: 0, ipBytes: 0, innerBytes: 0, overheadBytes: 0, hist: new Array(NBINS).fill(0) });

export const HISTOGRAM_EDGES = SIZE_BINS;

/** BGP-announced pod CIDRs listed in podCidrs (a full routing table is counted, not listed). */
export const MAX_LISTED_EXTRA_CIDRS = 1000;

export class FlowAnalysis implements PacketAnalysis<FlowSummary> {
  readonly name = 'flows';
  readonly table: FlowTable;
  private readonly inference = new PodCidrInference();
  /** Whether pod CIDRs are inferred (and inner addresses collected for it). */
  private readonly infer: boolean;
  private readonly flagCidrs: PodCidr[];
  /** Pod CIDRs from other sources (BGP): all of them in a set, the first MAX_LISTED_EXTRA_CIDRS listed. */
  private readonly extraSet = new CidrSet();
  private readonly extraListed: PodCidr[] = [];
  private extraNotListed = 0;
  /** Totals of evicted flows by class, and by tunnel (keyed by a string: cold path). */
  private readonly evictedClass = new Map<number, Acc>();
  private readonly evictedTunnels = new Map<string, TunnelTotals>();
  /** Totals of flows that ended and were streamed (by class, by tunnel), and how many. */
  private readonly endedClass = new Map<number, Acc>();
  private readonly endedTunnels = new Map<string, TunnelTotals>();
  private endedFlows = 0;
  private readonly stream: FlowOptions['stream'];
  /** Pod CIDRs that settle routed vs underlay for streamed records, and the capture second it was built. */
  private streamSet: CidrSet | null = null;
  private streamStamp = -Infinity;
  private resolved: Uint8Array | null = null;
  private evictSet: CidrSet | null = null;
  private evictStamp = -1;

  constructor(opts: FlowOptions = {}) {
    this.table = new FlowTable(opts.maxFlows ?? 2_000_000);
    this.flagCidrs = (opts.podCidrs ?? []).map((c) => ({ cidr: c, source: 'flag' as const, evidence: '--pod-cidr' }));
    this.infer = opts.inferPodCidrs ?? this.flagCidrs.length === 0;
    this.table.onEvict = (t, f) => this.foldEvicted(t, f);
    this.stream = opts.stream;
    if (this.stream) {
      this.table.expiry = this.stream.expiry;
      this.table.onEnd = (_t, f, reason) => this.endFlow(f, reason);
    }
  }

  /**
   * A flow ended (streaming): its record is written now, settled routed vs underlay with the pod
   * CIDRs known so far (the set is rebuilt at most every 10 s of capture time, and at the end).
   */
  private endFlow(f: number, reason: EndReason): void {
    const t = this.table;
    const now = t.v(f, LAST_SEC);
    if (!this.streamSet || now - this.streamStamp >= 10 || reason === 'capture-end' && this.streamStamp !== Infinity) {
      this.streamSet = this.podCidrSet();
      const bgp = this.stream!.bgpPrefixes?.() ?? [];
      for (const c of bgp) { const parsed = parseCidr(c); if (parsed) this.streamSet.add(parsed); }
      this.streamStamp = reason === 'capture-end' ? Infinity : now;
    }
    const c = this.flowClass(t.index.keys, f, this.streamSet);
    const o = this.flowObject(f, c);
    o.ended = reason;
    const part = t.v(f, PART);
    if (part > 0 || reason === 'active') o.part = part + 1;
    this.fold(f, c, o, this.endedClass, this.endedTunnels);
    this.endedFlows++;
    this.stream!.onRecord(o);
  }

  onPacket(r: CaptureRecord, st: PacketState, ctx: AnalysisContext): void {
    const f = ctx.facts;
    const flow = this.table.add(st, f, r.tsSec, r.tsNsec, ctx.capturePoint);
    if (this.infer && st.tunnel >= 0 && st.innerIp !== st.outerIp) this.learnInner(st, flow, f.fragment !== 2);
  }

  /**
   * Feeds pod CIDR inference with a tunnelled packet's inner addresses and its tunnel endpoints.
   * Learning is idempotent, and a flow's key fixes the inner addresses (by direction) and the
   * outer pair, so it runs once per flow, direction and `dstIsGroup` (`memo`: the flow was found
   * by the packet's own key; a later fragment joins its first fragment's flow by inner addresses
   * only and may come through another tunnel).
   */
  private learnInner(st: PacketState, flow: number, memo: boolean): void {
    const b = st.buf, ii = st.innerIp, io = st.off[ii];
    // The inner frame sent to a link-layer broadcast or multicast address: its IP destination is
    // not a host (a directed broadcast such as 10.244.1.255), so it is not learned as one.
    let link = ii - 1;
    while (link > st.tunnel && st.kind[link] === Proto.VLAN) link--;
    const dstIsGroup = link > st.tunnel && st.kind[link] === Proto.ETH && (b[st.off[link]] & 1) === 1;
    // The key holds the inner IP only when it is past the tunnel (else the flow is keyed by MACs).
    if (memo && ii > st.tunnel && !this.table.firstTime(flow, 1 << (this.table.lastSrcIsA * 2 + (dstIsGroup ? 1 : 0)))) return;
    const inner = st.kind[ii];
    if (inner === Proto.IPV4) this.inference.addInnerV4(u32(b, io + IPV4_SRC), u32(b, io + IPV4_DST), dstIsGroup);
    else if (inner === Proto.IPV6) this.inference.addInnerV6(b, io + IPV6_SRC, io + IPV6_DST, dstIsGroup);
    else return;
    const oi = st.outerIp;
    if (oi < 0) return;
    const oo = st.off[oi];
    if (st.kind[oi] === Proto.IPV4) {
      this.inference.addOuterV4(u32(b, oo + IPV4_SRC));
      this.inference.addOuterV4(u32(b, oo + IPV4_DST));
    } else if (st.kind[oi] === Proto.IPV6) {
      this.inference.addOuterV6(b, oo + IPV6_SRC);
      this.inference.addOuterV6(b, oo + IPV6_DST);
    }
  }

  /** State for a worker to post back; the main thread merges it with mergeState(). */
  exportState(): FlowAnalysisState {
    return {
      table: this.table.exportState(),
      inference: this.inference.exportState(),
      evictedClass: [...this.evictedClass.entries()],
      evictedTunnels: [...this.evictedTunnels.entries()],
    };
  }

  mergeState(s: FlowAnalysisState): void {
    this.table.mergeState(s.table);
    this.inference.mergeState(s.inference);
    for (const [c, acc] of s.evictedClass) {
      const mine = this.evictedClass.get(c);
      if (!mine) { this.evictedClass.set(c, acc); continue; }
      mine.flows += acc.flows; mine.packets += acc.packets; mine.bytes += acc.bytes; mine.ipBytes += acc.ipBytes;
      mine.innerBytes += acc.innerBytes; mine.overheadBytes += acc.overheadBytes;
      acc.hist.forEach((v, i) => { mine.hist[i] += v; });
    }
    for (const [k, t] of s.evictedTunnels) {
      const mine = this.evictedTunnels.get(k);
      if (!mine) { this.evictedTunnels.set(k, t); continue; }
      mine.flows += t.flows; mine.packets += t.packets; mine.bytes += t.bytes; mine.ipBytes += t.ipBytes;
      mine.innerBytes += t.innerBytes; mine.overheadBytes += t.overheadBytes;
    }
  }

  onFileEnd(): void {
    this.table.newFile();
  }

  /**
   * Pod CIDRs from other sources (BGP announcements), added before finish(). Any number (a full
   * Internet table): every one settles routed vs underlay, the first MAX_LISTED_EXTRA_CIDRS are
   * listed by podCidrs() and the rest counted (podCidrsNotListed()).
   */
  addPodCidrs(list: readonly PodCidr[]): void {
    for (const c of list) {
      const parsed = parseCidr(c.cidr);
      if (!parsed) continue;
      this.extraSet.add(parsed);
      if (this.extraListed.length < MAX_LISTED_EXTRA_CIDRS) this.extraListed.push(c);
      else this.extraNotListed++;
    }
    this.evictSet = null;
  }

  /** Pod CIDRs added with addPodCidrs() and left out of podCidrs() (beyond MAX_LISTED_EXTRA_CIDRS). */
  podCidrsNotListed(): number {
    return this.extraNotListed;
  }

  /** The pod CIDRs with their sources: flags first, then BGP (at most MAX_LISTED_EXTRA_CIDRS), then inferred (duplicates dropped). */
  podCidrs(): PodCidr[] {
    const seen = new Set<string>();
    const out: PodCidr[] = [];
    for (const part of [this.flagCidrs, this.extraListed, this.infer ? this.inference.infer() : []]) {
      for (const c of part) {
        if (seen.has(c.cidr)) continue;
        seen.add(c.cidr);
        out.push(c);
      }
    }
    return out;
  }

  /** Every pod CIDR as one set: the flags', the inferred ones and all added ones (listed or not). */
  private podCidrSet(): CidrSet {
    const set = buildCidrSet([...this.flagCidrs, ...this.inference.infer()]);
    set.addAll(this.extraSet);
    return set;
  }

  /** Settles routed vs underlay for every plain flow against the final pod CIDR set. */
  private resolve(): Uint8Array {
    if (this.resolved) return this.resolved;
    const set = this.podCidrSet();
    const t = this.table, keys = t.index.keys;
    const cls = new Uint8Array(t.used);
    for (let f = 0; f < t.used; f++) if (t.live(f)) cls[f] = this.flowClass(keys, f, set);
    this.resolved = cls;
    return cls;
  }

  private flowClass(keys: Uint32Array, f: number, set: CidrSet | null): number {
    const base = f * KEY_WORDS;
    const meta = keys[base + K_META];
    const c = meta & 0xff;
    if (c !== TrafficClass.UNDERLAY || !set || set.size === 0) return c;
    const fam = (meta >> 8) & 0xff;
    if (fam === 4) return set.hasV4(keys[base + K_A]) || set.hasV4(keys[base + K_B]) ? TrafficClass.ROUTED : c;
    if (fam === 6) {
      const tmp = new Uint8Array(16);
      for (const side of [K_A, K_B]) {
        for (let w = 0; w < 4; w++) {
          const v = keys[base + side + w];
          tmp[4 * w] = v >>> 24; tmp[4 * w + 1] = (v >>> 16) & 255; tmp[4 * w + 2] = (v >>> 8) & 255; tmp[4 * w + 3] = v & 255;
        }
        if (set.hasV6(tmp, 0)) return TrafficClass.ROUTED;
      }
    }
    return c;
  }

  private foldEvicted(t: FlowTable, f: number): void {
    // Evicted flows are settled with the pod CIDRs known so far (rebuilt once per eviction round).
    if (this.evictStamp !== t.evictedFlows || !this.evictSet) {
      this.evictSet = this.podCidrSet();
      this.evictStamp = t.evictedFlows;
    }
    const c = this.flowClass(t.index.keys, f, this.evictSet);
    this.fold(f, c, this.flowObject(f, c), this.evictedClass, this.evictedTunnels);
  }

  /** Adds flow f (class c, record o) to per-class and per-tunnel totals kept after it leaves the table. */
  private fold(f: number, c: number, o: FlowObject, byClass: Map<number, Acc>, byTunnel: Map<string, TunnelTotals>): void {
    const t = this.table;
    let acc = byClass.get(c);
    if (!acc) byClass.set(c, (acc = newAcc()));
    addFlow(acc, t, f);
    if (o.tunnel) {
      const k = tunnelKey(o);
      let tt = byTunnel.get(k);
      if (!tt) byTunnel.set(k, (tt = emptyTunnel(o)));
      tt.flows++; tt.packets += o.packets; tt.bytes += o.bytes; tt.innerBytes += o.innerBytes;
      tt.overheadBytes += o.overheadBytes; tt.ipBytes += t.v(f, IP_BYTES);
    }
  }

  /** Totals of the flows evicted by the --max-flows cap (all classes): counted, but not listed. */
  evictedTotals(): { flows: number; packets: number; bytes: number; innerBytes: number; overheadBytes: number } {
    const t = { flows: 0, packets: 0, bytes: 0, innerBytes: 0, overheadBytes: 0 };
    for (const a of this.evictedClass.values()) {
      t.flows += a.flows; t.packets += a.packets; t.bytes += a.bytes; t.innerBytes += a.innerBytes; t.overheadBytes += a.overheadBytes;
    }
    return t;
  }

  finish(): FlowSummary {
    // Streaming: the flows still live end with the input (their records are written now).
    if (this.stream) this.table.endAll();
    const cls = this.resolve();
    const t = this.table;
    const byClass = new Map<number, Acc>();
    for (const [c, acc] of this.evictedClass) byClass.set(c, { ...acc, hist: [...acc.hist] });
    for (const [c, acc] of this.endedClass) {
      const mine = byClass.get(c);
      if (!mine) { byClass.set(c, { ...acc, hist: [...acc.hist] }); continue; }
      mine.flows += acc.flows; mine.packets += acc.packets; mine.bytes += acc.bytes; mine.ipBytes += acc.ipBytes;
      mine.innerBytes += acc.innerBytes; mine.overheadBytes += acc.overheadBytes;
      acc.hist.forEach((v, i) => { mine.hist[i] += v; });
    }
    for (let f = 0; f < t.used; f++) {
      if (!t.live(f)) continue;
      let acc = byClass.get(cls[f]);
      if (!acc) byClass.set(cls[f], (acc = newAcc()));
      addFlow(acc, t, f);
    }
    const classes: ClassTotals[] = [...byClass.entries()].sort((a, b) => b[1].bytes - a[1].bytes).map(([c, a]) => ({
      class: CLASS_NAMES[c], flows: a.flows, packets: a.packets, bytes: a.bytes, ipBytes: a.ipBytes,
      innerBytes: a.innerBytes, overheadBytes: a.overheadBytes,
      overheadShare: ratio(a.overheadBytes, a.bytes), efficiency: ratio(a.innerBytes, a.ipBytes), histogram: a.hist,
    }));
    const tunnels = new Map<string, TunnelTotals>();
    for (const [k, v] of this.evictedTunnels) tunnels.set(k, { ...v });
    for (const [k, v] of this.endedTunnels) {
      const mine = tunnels.get(k);
      if (!mine) { tunnels.set(k, { ...v }); continue; }
      mine.flows += v.flows; mine.packets += v.packets; mine.bytes += v.bytes; mine.ipBytes += v.ipBytes;
      mine.innerBytes += v.innerBytes; mine.overheadBytes += v.overheadBytes;
    }
    for (let f = 0; f < t.used; f++) {
      if (!t.live(f) || cls[f] < TrafficClass.VXLAN) continue;
      const o = this.flowObject(f, cls[f]);
      const k = tunnelKey(o);
      let tt = tunnels.get(k);
      if (!tt) tunnels.set(k, (tt = emptyTunnel(o)));
      tt.flows++; tt.packets += o.packets; tt.bytes += o.bytes; tt.innerBytes += o.innerBytes;
      tt.overheadBytes += o.overheadBytes; tt.ipBytes += t.v(f, IP_BYTES);
    }
    const tunnelList = [...tunnels.values()].map((x) => ({
      ...x, overheadShare: ratio(x.overheadBytes, x.bytes), efficiency: ratio(x.innerBytes, x.ipBytes),
    })).sort((a, b) => b.bytes - a.bytes);
    return {
      flowCount: t.size + t.evictedFlows + this.endedFlows,
      liveFlows: t.size,
      evictedFlows: t.evictedFlows,
      endedFlows: this.endedFlows,
      maxFlows: t.maxFlows,
      uniquePackets: t.uniquePackets,
      copyPackets: t.copyPackets,
      classes,
      tunnels: tunnelList,
      podCidrs: this.podCidrs(),
      podCidrsNotListed: this.extraNotListed,
      histogramEdges: [...SIZE_BINS],
    };
  }

  /** Flow objects, sorted and filtered (cold path; call after finish()). */
  flows(opts: { sort?: 'packets' | 'bytes' | 'duration'; top?: number; classes?: readonly string[] } = {}): FlowObject[] {
    const cls = this.resolve();
    const t = this.table;
    let idx: number[] = [];
    for (let f = 0; f < t.used; f++) if (t.live(f)) idx.push(f);
    if (opts.classes && opts.classes.length) {
      const want = new Set(opts.classes);
      idx = idx.filter((f) => want.has(CLASS_NAME[cls[f]]));
    }
    const sort = opts.sort ?? 'bytes';
    const keyOf = sort === 'packets' ? (f: number) => t.packets(f)
      : sort === 'duration' ? (f: number) => (t.v(f, LAST_SEC) - t.v(f, FIRST_SEC)) * 1e9 + (t.v(f, LAST_NSEC) - t.v(f, FIRST_NSEC))
        : (f: number) => t.bytes(f);
    idx.sort((a, b) => keyOf(b) - keyOf(a) || t.v(a, ID) - t.v(b, ID));
    if (opts.top !== undefined) idx = idx.slice(0, opts.top);
    return idx.map((f) => withFlowFilters(this.flowObject(f, cls[f])));
  }

  private flowObject(f: number, c: number): FlowObject {
    const t = this.table, keys = t.index.keys, base = f * KEY_WORDS;
    const meta = keys[base + K_META];
    const innerFam = (meta >> 8) & 0xff, proto = (meta >> 16) & 0xff, outerFam = (meta >>> 24) & 0xff;
    const addr = (slot: number, fam: number) => fam === 4 ? ipv4FromU32(keys[base + slot])
      : formatIp(wordsToBytes(keys, base + slot));
    const aIsOrig = t.v(f, ORIG_IS_A) === 1;
    const ports = keys[base + K_PORTS];
    const pa = ports >>> 16, pb = ports & 0xffff;
    const icmp = proto === 1 || proto === 58;
    const hasPorts = proto === 6 || proto === 17 || proto === 132;
    const epA: Endpoint = innerFam ? { ip: addr(K_A, innerFam), port: hasPorts ? pa : icmp ? pa : null } : { ip: null, port: null };
    const epB: Endpoint = innerFam ? { ip: addr(K_B, innerFam), port: hasPorts || icmp ? pb : null } : { ip: null, port: null };
    let tunnel: FlowObject['tunnel'] = null;
    if (c >= TrafficClass.VXLAN) {
      const ta = addr(K_TUN_A, outerFam), tb = addr(K_TUN_B, outerFam);
      const hasId = (keys[base + K_TUN_FLAGS] & 1) === 1;
      const id = hasId ? keys[base + K_TUN_ID] : null;
      const usesVni = c === TrafficClass.VXLAN || c === TrafficClass.GENEVE || c === TrafficClass.NVGRE;
      tunnel = {
        a: t.v(f, TUN_ORIG_IS_A) ? ta : tb, b: t.v(f, TUN_ORIG_IS_A) ? tb : ta,
        vni: usesVni ? id : null, key: c === TrafficClass.GRE ? id : null,
        dstPort: t.v(f, TUN_DST_PORT) || null,
      };
    }
    const packets = t.packets(f);
    const durNs = (t.v(f, LAST_SEC) - t.v(f, FIRST_SEC)) * 1e9 + (t.v(f, LAST_NSEC) - t.v(f, FIRST_NSEC));
    const o: FlowObject = {
      id: t.v(f, ID),
      class: CLASS_NAMES[c],
      tunnel,
      orig: icmp ? { ip: (aIsOrig ? epA : epB).ip, port: pa } : aIsOrig ? epA : epB,
      resp: icmp ? { ip: (aIsOrig ? epB : epA).ip, port: pb } : aIsOrig ? epB : epA,
      protocol: innerFam ? proto : null,
      packets,
      bytes: t.bytes(f),
      origPackets: t.v(f, ORIG_PKTS), origBytes: t.v(f, ORIG_BYTES),
      respPackets: t.v(f, RESP_PKTS), respBytes: t.v(f, RESP_BYTES),
      innerBytes: t.v(f, INNER_BYTES), overheadBytes: t.v(f, OVERHEAD_BYTES),
      firstTs: formatTimestamp(t.v(f, FIRST_SEC), t.v(f, FIRST_NSEC)),
      lastTs: formatTimestamp(t.v(f, LAST_SEC), t.v(f, LAST_NSEC)),
      durationS: Math.round(durNs / 1000) / 1e6,
      tcpFlags: proto === 6 ? { orig: tcpFlagString(t.v(f, ORIG_FLAGS)), resp: tcpFlagString(t.v(f, RESP_FLAGS)) } : null,
      sizes: { min: packets ? t.v(f, MIN_SIZE) : 0, max: t.v(f, MAX_SIZE), mean: packets ? Math.round((t.v(f, IP_BYTES) || t.bytes(f)) / packets * 10) / 10 : 0 },
      retransmissions: t.v(f, RETRANS),
      fragments: t.v(f, FRAG_PKTS),
      copies: t.v(f, COPY_PKTS),
      copyFlows: t.linkedIds(f),
    };
    if (!innerFam) {
      // No IP: the endpoints are the (innermost) MAC pair, the originator the first packet's sender.
      if (keys[base + K_TUN_FLAGS] & K_FLAG_MACS) {
        const macA = macFromWords(keys[base + K_A], keys[base + K_A + 1]), macB = macFromWords(keys[base + K_B], keys[base + K_B + 1]);
        o.orig = { ip: null, port: null, mac: aIsOrig ? macA : macB };
        o.resp = { ip: null, port: null, mac: aIsOrig ? macB : macA };
      }
      o.protocol = null;
      o.ethertype = keys[base + K_TUN_FLAGS] >>> 16;
    }
    return o;
  }
}

export interface FlowAnalysisState {
  table: FlowTableState;
  inference: PodCidrState;
  evictedClass: [number, Acc][];
  evictedTunnels: [string, TunnelTotals][];
}

export interface FlowSummary {
  flowCount: number;
  liveFlows: number;
  evictedFlows: number;
  /** Flows whose records were streamed as they ended (`flows --stream`); 0 otherwise. */
  endedFlows: number;
  maxFlows: number;
  uniquePackets: number;
  copyPackets: number;
  classes: ClassTotals[];
  tunnels: TunnelTotals[];
  podCidrs: PodCidr[];
  /** Pod CIDRs announced over BGP beyond the MAX_LISTED_EXTRA_CIDRS listed in podCidrs (all of them still settle routed). */
  podCidrsNotListed: number;
  histogramEdges: number[];
}

function addFlow(acc: Acc, t: FlowTable, f: number): void {
  acc.flows++;
  acc.packets += t.packets(f);
  acc.bytes += t.bytes(f);
  acc.ipBytes += t.v(f, IP_BYTES);
  acc.innerBytes += t.v(f, INNER_BYTES);
  acc.overheadBytes += t.v(f, OVERHEAD_BYTES);
  for (let i = 0; i < NBINS; i++) acc.hist[i] += t.hist(f, i);
}

/** Tunnels are unordered endpoint pairs: both directions are one tunnel. */
function tunnelKey(o: FlowObject): string {
  const [a, b] = [o.tunnel!.a, o.tunnel!.b].sort();
  return `${o.class}|${a}|${b}|${o.tunnel!.vni}|${o.tunnel!.key}|${o.tunnel!.dstPort}`;
}

function emptyTunnel(o: FlowObject): TunnelTotals {
  const [a, b] = [o.tunnel!.a, o.tunnel!.b].sort();
  return {
    class: o.class, a, b, vni: o.tunnel!.vni, key: o.tunnel!.key, dstPort: o.tunnel!.dstPort,
    flows: 0, packets: 0, bytes: 0, ipBytes: 0, innerBytes: 0, overheadBytes: 0, overheadShare: 0, efficiency: 0,
  };
}

export function ratio(a: number, b: number): number {
  return b > 0 ? Math.round((a / b) * 10000) / 10000 : 0;
}

function wordsToBytes(keys: Uint32Array, at: number): Uint8Array {
  const out = new Uint8Array(16);
  for (let w = 0; w < 4; w++) {
    const v = keys[at + w];
    out[4 * w] = v >>> 24; out[4 * w + 1] = (v >>> 16) & 255; out[4 * w + 2] = (v >>> 8) & 255; out[4 * w + 3] = v & 255;
  }
  return out;
}

function macFromWords(hi16: number, lo32: number): string {
  const b = [hi16 >>> 8, hi16 & 255, lo32 >>> 24, (lo32 >>> 16) & 255, (lo32 >>> 8) & 255, lo32 & 255];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}
