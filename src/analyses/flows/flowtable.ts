// The bidirectional flow table (SPEC "Classes and flows", Zeek conn.log style). Key: class,
// unordered tunnel endpoints, VNI/VSID/key, unordered inner 5-tuple; packed into 20 uint32 words
// and hashed by KeyTable. Per-flow counters live in parallel typed arrays (struct of arrays), so
// updating a flow allocates nothing.
import { Proto, TrafficClass, u16, u32, type PacketState } from '../../../dissectors/packet.js';
import { KeyTable } from '../../util/keytable.js';
import { CopyDetector } from './copies.js';
import type { PacketFacts } from '../facts.js';
import { IPV4_DST, IPV4_ID, IPV4_SRC } from '../../../dissectors/ipv4.js';
import { IPV6_DST, IPV6_SRC } from '../../../dissectors/ipv6.js';
import { ETH_DST, ETH_SRC } from '../../../dissectors/ethernet.js';

export const KEY_WORDS = 20;
export const K_META = 0; // class | innerFamily << 8 | protocol << 16 | outerFamily << 24
export const K_TUN_A = 1; // 4 words
export const K_TUN_B = 5; // 4 words
export const K_TUN_ID = 9; // VNI, VSID or GRE key
export const K_TUN_FLAGS = 10; // bit 0: tunnel id present; bit 1: MAC pair in K_A/K_B (no IP); bits 16..: EtherType (no IP)
export const K_FLAG_MACS = 2;
export const K_A = 11; // 4 words: inner address A (or MAC for class other)
export const K_B = 15; // 4 words: inner address B
export const K_PORTS = 19; // port A << 16 | port B

/** Upper edges (inclusive) of the packet-size histogram bins, in IP bytes; the last bin is open. */
export const SIZE_BINS = [64, 128, 256, 512, 1024, 1280, 1450, 1500, 9000] as const;
export const NBINS = SIZE_BINS.length + 1;
export function sizeBin(n: number): number {
  let i = 0;
  while (i < SIZE_BINS.length && n > SIZE_BINS[i]) i++;
  return i;
}


function mix(h: number, v: number): number {
  h = Math.imul(h ^ v, 0x01000193);
  return h ^ (h >>> 16);
}

/** ICMP echo request and reply (and the other query pairs) are one flow, as in Zeek. */
function icmpCounterpart(type: number, v6: boolean): number {
  if (!v6) {
    if (type === 0) return 8;
    if (type === 14) return 13;
    if (type === 16) return 15;
    if (type === 18) return 17;
  } else {
    if (type === 129) return 128;
  }
  return type;
}


// Per-flow state is one row of a Float64Array (array of structs): a packet touches two or three
// adjacent cache lines of its flow instead of one line in each of twenty-odd parallel arrays,
// which is what made add() cost ~450-750 ns per packet on a 70k-flow mix (issue 11).
//
// Each column is declared once, with how two tables' values for the same flow combine (merge):
//   sum    add (an oriented column adds its partner's value when the two tables disagree on who
//          originated the flow)
//   or     bitwise or (oriented like sum)
//   min / max
//   nonzero the first non-zero value
//   keep   this table's value stays (per-table bookkeeping: ids, sequence tracking)
//   special handled by mergeState itself (times and orientation)
// and its value in a new flow (init). Reset after an --active-timeout split: the columns marked
// `split: true` start again from init.
export type MergeKind = 'sum' | 'or' | 'min' | 'max' | 'nonzero' | 'keep' | 'special';
export interface Column { name: string; merge: MergeKind; init: number; partner?: number; split?: boolean }

export const ORIG_PKTS = 0, RESP_PKTS = 1, ORIG_BYTES = 2, RESP_BYTES = 3, INNER_BYTES = 4, OVERHEAD_BYTES = 5,
  IP_BYTES = 6, LAST_SEC = 7, LAST_NSEC = 8, MIN_SIZE = 9, MAX_SIZE = 10, ORIG_FLAGS = 11, RESP_FLAGS = 12,
  ORIG_IS_A = 13, SEQ_END_A = 14, SEQ_END_B = 15, HIST = 16, FIRST_SEC = 16 + NBINS, FIRST_NSEC = FIRST_SEC + 1,
  TUN_ORIG_IS_A = FIRST_SEC + 2, TUN_DST_PORT = FIRST_SEC + 3, COPY_PKTS = FIRST_SEC + 4, RETRANS = FIRST_SEC + 5,
  FRAG_PKTS = FIRST_SEC + 6, ID = FIRST_SEC + 7, PART = FIRST_SEC + 8, LEARNED = FIRST_SEC + 9;

/** The columns in row order: those every packet updates first, so they share cache lines. */
export const COLUMNS: readonly Column[] = [
  { name: 'origPkts', merge: 'sum', init: 0, partner: RESP_PKTS, split: true },
  { name: 'respPkts', merge: 'sum', init: 0, partner: ORIG_PKTS, split: true },
  { name: 'origBytes', merge: 'sum', init: 0, partner: RESP_BYTES, split: true },
  { name: 'respBytes', merge: 'sum', init: 0, partner: ORIG_BYTES, split: true },
  { name: 'innerBytes', merge: 'sum', init: 0, split: true },
  { name: 'overheadBytes', merge: 'sum', init: 0, split: true },
  /** Sum of outer IP bytes (the denominator of efficiency). */
  { name: 'ipBytes', merge: 'sum', init: 0, split: true },
  { name: 'lastSec', merge: 'special', init: 0 },
  { name: 'lastNsec', merge: 'special', init: 0 },
  { name: 'minSize', merge: 'min', init: Infinity, split: true },
  { name: 'maxSize', merge: 'max', init: 0, split: true },
  { name: 'origFlags', merge: 'or', init: 0, partner: RESP_FLAGS, split: true },
  { name: 'respFlags', merge: 'or', init: 0, partner: ORIG_FLAGS, split: true },
  /** 1 when the originator is key side A. */
  { name: 'origIsA', merge: 'special', init: 0 },
  { name: 'seqEndA', merge: 'keep', init: 0 },
  { name: 'seqEndB', merge: 'keep', init: 0 },
  /** The packet-size histogram (SIZE_BINS). */
  ...Array.from({ length: NBINS }, (_, i) => ({ name: `hist${i}`, merge: 'sum' as const, init: 0, split: true })),
  { name: 'firstSec', merge: 'special', init: 0 },
  { name: 'firstNsec', merge: 'special', init: 0 },
  /** 1 when the first packet's outer source is tunnel side A. */
  { name: 'tunOrigIsA', merge: 'special', init: 1 },
  { name: 'tunDstPort', merge: 'nonzero', init: 0 },
  { name: 'copyPkts', merge: 'sum', init: 0, split: true },
  { name: 'retrans', merge: 'sum', init: 0, split: true },
  { name: 'fragPkts', merge: 'sum', init: 0, split: true },
  /** Monotonic flow id (stable while the flow lives; never reused). */
  { name: 'id', merge: 'keep', init: 0 },
  /** Records already written for this flow by --active-timeout splits. */
  { name: 'part', merge: 'keep', init: 0 },
  /**
   * Which (direction, inner destination is a link-layer group) combinations of this flow's packets
   * already fed pod CIDR inference: one bit each (see FlowAnalysis.learnInner). Per table: a flow
   * merged in from another table starts at 0.
   */
  { name: 'learned', merge: 'keep', init: 0 },
];
export const ROW = COLUMNS.length;
for (const [at, name] of [[ORIG_PKTS, 'origPkts'], [SEQ_END_B, 'seqEndB'], [HIST, 'hist0'], [FIRST_SEC, 'firstSec'], [PART, 'part'], [LEARNED, 'learned']] as const) {
  if (COLUMNS[at].name !== name) throw new Error(`flowtable: column ${at} is ${COLUMNS[at].name}, not ${name}`);
}
if (LEARNED !== ROW - 1) throw new Error('flowtable: a column constant is missing');
/** A new flow's row; after a split, only the SPLIT_COLUMNS start again. */
const INIT_ROW = Float64Array.from(COLUMNS, (c) => c.init);
const SPLIT_COLUMNS = Int32Array.from(COLUMNS.flatMap((c, i) => (c.split ? [i] : [])));
const MAX_LINKS = 4;
const TCP_FIN = 0x01, TCP_RST = 0x04;

/** Why a flow's record was written (streaming). */
export type EndReason = 'fin' | 'rst' | 'idle' | 'active' | 'evicted' | 'capture-end';

/** When flows end (streaming). Seconds of capture time; 0 turns a timeout off. */
export interface Expiry {
  idleTcp: number;
  idleOther: number;
  active: number;
  /** A closed TCP flow (FIN both ways, or RST) ends after this long without packets (Zeek: tcp_close_delay 5 s). */
  closeDelay: number;
}

export interface FlowTableState {
  size: number;
  keys: Uint32Array;
  rows: Float64Array;
  /** Linked flows by id (-1 = none). */
  links: Float64Array;
  uniquePackets: number;
  copyPackets: number;
  evictedFlows: number;
}

export class FlowTable {
  readonly index = new KeyTable(KEY_WORDS, 4096);
  private readonly key = new Uint32Array(KEY_WORDS);
  private copies = new CopyDetector();
  /** Fragments of datagrams whose first fragment was seen: (src, dst, id, proto) -> flow (and its id). */
  private readonly frags = new KeyTable(10, 256);
  private fragFlow = new Int32Array(256);
  private fragFlowId = new Float64Array(256);
  private readonly fragKey = new Uint32Array(10);

  private cap = 0;
  /** One row of ROW numbers per flow entry (see COLUMNS). */
  rows = new Float64Array(0);
  /** Up to MAX_LINKS other flows, by id, that carried copies of this one's packets (-1 = none). */
  links = new Float64Array(0);
  private nextId = 1;
  /** The flow of the previous packet that went through the key (-1: none, or it left the table). */
  private lastFlow = -1;
  /** 1 when the source of the packet last passed to add() is key side A of its flow. */
  lastSrcIsA = 0;

  // Counters across the table.
  uniquePackets = 0;
  copyPackets = 0;
  evictedFlows = 0;
  /** Flows evicted, folded into per-class totals: called before they disappear. */
  onEvict: ((t: FlowTable, f: number) => void) | null = null;
  /**
   * Streaming: when set, flows end (idle, closed, split by the active timeout) as capture time
   * passes, and are handed here before they leave the table. Evicted flows come here too.
   */
  onEnd: ((t: FlowTable, f: number, reason: EndReason) => void) | null = null;
  expiry: Expiry | null = null;
  /** Latest capture time seen (seconds), and when the next expiry sweep is due. */
  private now = -Infinity;
  private nextSweep = -Infinity;

  constructor(readonly maxFlows = 2_000_000) {
    this.grow(4096);
  }

  /** Live flows. */
  get size(): number {
    return this.index.size;
  }
  /** Flow entries are 0..used-1; those with live(f) false are free. */
  get used(): number {
    return this.index.used;
  }
  live(f: number): boolean {
    return this.index.alive[f] === 1;
  }
  /** Column c of flow f. */
  v(f: number, c: number): number {
    return this.rows[f * ROW + c];
  }
  id(f: number): number {
    return this.rows[f * ROW + ID];
  }

  private grow(n: number): void {
    const r = new Float64Array(n * ROW); r.set(this.rows); this.rows = r;
    const l = new Float64Array(n * MAX_LINKS).fill(-1); l.set(this.links); this.links = l;
    this.cap = n;
  }
  /**
   * Builds the flow key of the decoded packet into this.key; returns 1 when the packet's source is
   * side A, 0 when it is side B. `fragPorts` (port A<<16|port B, or -1) supplies the ports of a
   * later fragment found through its first fragment.
   */
  private buildKey(st: PacketState, f: PacketFacts): number {
    const k = this.key;
    // Word by word: TypedArray.fill is a builtin call that cost more than the rest of the key.
    for (let i = 0; i < KEY_WORDS; i++) k[i] = 0;
    const b = st.buf;
    // Plain traffic is keyed as one provisional class; routed vs underlay is settled at the end,
    // once the pod CIDRs (flags, BGP, tunnel inner addresses) are all known.
    const cls = f.cls === TrafficClass.ROUTED ? TrafficClass.UNDERLAY : f.cls;
    const inner = st.innerIp;
    // A tunnel that carries no IP (ARP, LLDP, ... inside VXLAN or NVGRE) has an inner Ethernet header
    // after the tunnel layer but its innermost IP is the outer one.
    const innerEth = st.tunnel >= 0 && inner < st.tunnel ? st.find(Proto.ETH, st.tunnel + 1) : -1;
    if (inner < 0 || innerEth >= 0) {
      // No inner IP: key by the MAC pair and EtherType of the innermost Ethernet header (the first
      // one when there is no tunnel), with the tunnel as for IP flows. Inner family 0 marks it.
      k[K_META] = innerEth >= 0 ? cls | (f.outerFamily << 24) : cls;
      if (innerEth >= 0) this.tunnelKey(st, cls);
      const e = innerEth >= 0 ? innerEth : st.find(Proto.ETH);
      if (e >= 0) {
        const o = st.off[e];
        // The EtherType of the payload: past any VLAN tags.
        let t = e;
        while (t + 1 < st.count && st.kind[t + 1] === Proto.VLAN) t++;
        k[K_TUN_FLAGS] |= ((st.v1[t] & 0xffff) << 16) | K_FLAG_MACS;
        const s0 = u16(b, o + ETH_SRC), s1 = u32(b, o + ETH_SRC + 2);
        const d0 = u16(b, o + ETH_DST), d1 = u32(b, o + ETH_DST + 2);
        const srcFirst = s0 < d0 || (s0 === d0 && s1 <= d1);
        k[K_A] = srcFirst ? s0 : d0; k[K_A + 1] = srcFirst ? s1 : d1;
        k[K_B] = srcFirst ? d0 : s0; k[K_B + 1] = srcFirst ? d1 : s1;
        return srcFirst ? 1 : 0;
      }
      // A cooked (SLL) capture has no MAC pair, but its header names the EtherType.
      if (st.count > 0 && (st.kind[0] === Proto.SLL || st.kind[0] === Proto.SLL2)) k[K_TUN_FLAGS] |= (st.v1[0] & 0xffff) << 16;
      return 1;
    }
    k[K_META] = cls | (f.innerFamily << 8) | (f.protocol << 16) | (f.outerFamily << 24);
    if (st.tunnel >= 0) this.tunnelKey(st, cls);
    let ports = 0;
    let pa = f.srcPort, pb = f.dstPort;
    if (f.protocol === 1 || f.protocol === 58) {
      // Type and code stand in for the ports; a reply is keyed by its request's type.
      const t = icmpCounterpart(f.srcPort, f.protocol === 58);
      k[K_PORTS] = (t << 16) | f.dstPort;
      pa = 0; pb = 0;
      ports = -1;
    }
    const srcIsA = this.orderedPair(st, inner, K_A, K_B, pa, pb);
    if (ports === 0) k[K_PORTS] = srcIsA ? (pa << 16) | pb : (pb << 16) | pa;
    k[K_PORTS] >>>= 0;
    return srcIsA;
  }

  /** The tunnel part of the key: VNI, VSID or GRE key, and the outer endpoints in canonical order. */
  private tunnelKey(st: PacketState, cls: number): void {
    const k = this.key, t = st.tunnel, outer = st.outerIp;
    const kind = st.kind[t];
    if (kind === Proto.VXLAN || kind === Proto.GENEVE || kind === Proto.VXLAN_GPE) {
      k[K_TUN_ID] = st.v1[t];
      k[K_TUN_FLAGS] = 1;
    } else if (kind === Proto.GRE && st.v1[t] >= 0) {
      // NVGRE: the VSID identifies the network; the FlowID byte is per-flow entropy.
      k[K_TUN_ID] = cls === TrafficClass.NVGRE ? st.v1[t] >>> 8 : st.v1[t];
      k[K_TUN_FLAGS] = 1;
    }
    this.orderedPair(st, outer, K_TUN_A, K_TUN_B, 0, 0);
  }

  /** Writes the addresses of IP layer i into key slots a/b in canonical order; 1 when src went to a. */
  private orderedPair(st: PacketState, i: number, a: number, bSlot: number, srcPort: number, dstPort: number): number {
    const k = this.key, b = st.buf, o = st.off[i];
    if (st.kind[i] === Proto.IPV4) {
      const s = u32(b, o + IPV4_SRC), d = u32(b, o + IPV4_DST);
      const srcFirst = s < d || (s === d && srcPort <= dstPort);
      k[a] = srcFirst ? s : d;
      k[bSlot] = srcFirst ? d : s;
      return srcFirst ? 1 : 0;
    }
    let cmp = 0;
    for (let w = 0; w < 4 && cmp === 0; w++) {
      const s = u32(b, o + IPV6_SRC + 4 * w), d = u32(b, o + IPV6_DST + 4 * w);
      cmp = s < d ? -1 : s > d ? 1 : 0;
    }
    const srcFirst = cmp < 0 || (cmp === 0 && srcPort <= dstPort);
    for (let w = 0; w < 4; w++) {
      const s = u32(b, o + IPV6_SRC + 4 * w), d = u32(b, o + IPV6_DST + 4 * w);
      k[a + w] = srcFirst ? s : d;
      k[bSlot + w] = srcFirst ? d : s;
    }
    return srcFirst ? 1 : 0;
  }

  /** (src, dst, id, protocol) of the innermost IP into fragKey. */
  private buildFragKey(st: PacketState, f: PacketFacts): void {
    const k = this.fragKey, b = st.buf, i = st.innerIp, o = st.off[i];
    k.fill(0);
    if (st.kind[i] === Proto.IPV4) {
      k[0] = u32(b, o + IPV4_SRC); k[1] = u32(b, o + IPV4_DST); k[8] = u16(b, o + IPV4_ID);
    } else {
      for (let w = 0; w < 4; w++) { k[w] = u32(b, o + IPV6_SRC + 4 * w); k[4 + w] = u32(b, o + IPV6_DST + 4 * w); }
      k[8] = f.ipId >>> 0;
    }
    k[9] = f.protocol | (st.cls << 8);
  }

  /**
   * Accounts one packet; returns its flow index. `point` identifies the capture point
   * (interface) for copy detection.
   */
  add(st: PacketState, f: PacketFacts, tsSec: number, tsNsec: number, point: number): number {
    if (this.expiry !== null && tsSec >= this.nextSweep) this.sweep(tsSec, tsNsec);
    let srcIsA: number;
    let flow = -1;
    if (f.fragment === 2) {
      // A later fragment: the flow of its first fragment, when that was seen (and still lives).
      this.buildFragKey(st, f);
      const e = this.frags.find(this.fragKey);
      if (e >= 0 && this.index.alive[this.fragFlow[e]] === 1 && this.rows[this.fragFlow[e] * ROW + ID] === this.fragFlowId[e]) flow = this.fragFlow[e];
    }
    if (flow >= 0) {
      srcIsA = this.fragSrcIsA(st, flow);
    } else {
      srcIsA = this.buildKey(st, f);
      if (this.index.size >= this.maxFlows) this.evict();
      // Packets come in bursts of one flow: the previous packet's flow is checked first, which
      // skips the hash and the probe (the key words compared are in cache).
      const last = this.lastFlow;
      if (last >= 0 && this.index.keyEquals(last, this.key)) flow = last;
      else {
        flow = this.index.findOrInsert(this.key);
        if (this.index.inserted) this.initFlow(flow, srcIsA, st, tsSec, tsNsec);
        this.lastFlow = flow;
      }
      if (f.fragment === 1) this.rememberFragment(st, f, flow);
    }
    this.lastSrcIsA = srcIsA;
    const rows = this.rows, b = flow * ROW;
    // The first packet after an --active-timeout split starts the next record.
    if (rows[b + ORIG_PKTS] + rows[b + RESP_PKTS] === 0) { rows[b + FIRST_SEC] = tsSec; rows[b + FIRST_NSEC] = tsNsec; }
    const orig = srcIsA === rows[b + ORIG_IS_A];

    // Copies of one packet at several capture points count once.
    let isCopy = false;
    if (st.innerIp >= 0) {
      this.fingerprint(st, f);
      const first = this.copies.observe(this.fp1, this.fp2, tsSec, tsNsec, point, flow);
      if (first >= 0) {
        isCopy = true;
        this.copyPackets++;
        if (this.copies.seenByFlow) {
          // This flow counted the packet already (e.g. at the veth and then the bridge): it is not
          // new traffic for the flow, nor one more of its copies.
          rows[b + LAST_SEC] = tsSec; rows[b + LAST_NSEC] = tsNsec;
          return flow;
        }
        rows[b + COPY_PKTS]++;
        this.link(flow, first);
        this.link(first, flow);
      }
    }
    if (!isCopy) this.uniquePackets++;

    const size = f.outerIpBytes > 0 ? f.outerIpBytes : f.wireLen;
    if (orig) { rows[b + ORIG_PKTS]++; rows[b + ORIG_BYTES] += f.wireLen; }
    else { rows[b + RESP_PKTS]++; rows[b + RESP_BYTES] += f.wireLen; }
    rows[b + INNER_BYTES] += f.innerIpBytes;
    rows[b + OVERHEAD_BYTES] += f.overhead;
    rows[b + IP_BYTES] += f.outerIpBytes;
    if (size < rows[b + MIN_SIZE]) rows[b + MIN_SIZE] = size;
    if (size > rows[b + MAX_SIZE]) rows[b + MAX_SIZE] = size;
    rows[b + HIST + sizeBin(size)]++;
    if (f.fragment !== 0) rows[b + FRAG_PKTS]++;
    if (tsSec > rows[b + LAST_SEC] || (tsSec === rows[b + LAST_SEC] && tsNsec > rows[b + LAST_NSEC])) {
      rows[b + LAST_SEC] = tsSec; rows[b + LAST_NSEC] = tsNsec;
    }
    if (f.tcpFlags >= 0) {
      if (orig) rows[b + ORIG_FLAGS] |= f.tcpFlags;
      else rows[b + RESP_FLAGS] |= f.tcpFlags;
      if (f.payloadLen > 0 && !isCopy) this.trackSeq(b, srcIsA, f);
    }
    return flow;
  }

  private trackSeq(b: number, srcIsA: number, f: PacketFacts): void {
    const at = b + (srcIsA ? SEQ_END_A : SEQ_END_B);
    const end = (f.tcpSeq + f.payloadLen) >>> 0;
    const prev = this.rows[at];
    if (prev !== 0) {
      // Wrap-aware: a segment ending at or before what was already seen is a retransmission.
      if (((end - prev) | 0) <= 0) { this.rows[b + RETRANS]++; return; }
    }
    this.rows[at] = end === 0 ? 1 : end;
  }

  /**
   * Two independent 32-bit fingerprints of the innermost packet into fp1 and fp2 (seeds differ).
   * The two multiply chains run side by side in one pass, so the CPU overlaps them.
   */
  private fingerprint(st: PacketState, f: PacketFacts): void {
    const b = st.buf, o = st.off[st.innerIp];
    let h1 = 0x9e3779b1 | 0, h2 = 0x85ebca77 | 0, v = 0;
    if (st.kind[st.innerIp] === Proto.IPV4) {
      v = u32(b, o + IPV4_SRC); h1 = mix(h1, v); h2 = mix(h2, v);
      v = u32(b, o + IPV4_DST); h1 = mix(h1, v); h2 = mix(h2, v);
    } else for (let w = 0; w < 8; w++) { v = u32(b, o + IPV6_SRC + 4 * w); h1 = mix(h1, v); h2 = mix(h2, v); }
    v = f.protocol; h1 = mix(h1, v); h2 = mix(h2, v);
    v = f.ipId; h1 = mix(h1, v); h2 = mix(h2, v);
    v = (f.srcPort << 16) | f.dstPort; h1 = mix(h1, v); h2 = mix(h2, v);
    v = f.tcpSeq; h1 = mix(h1, v); h2 = mix(h2, v);
    v = f.innerIpBytes; h1 = mix(h1, v); h2 = mix(h2, v);
    this.fp1 = h1 >>> 0;
    this.fp2 = h2 >>> 0;
  }
  private fp1 = 0;
  private fp2 = 0;

  /** Notes flow b (by id) among flow a's linked flows. */
  private link(a: number, b: number): void {
    const base = a * MAX_LINKS, id = this.rows[b * ROW + ID];
    for (let i = 0; i < MAX_LINKS; i++) {
      const v = this.links[base + i];
      if (v === id) return;
      if (v < 0) { this.links[base + i] = id; return; }
    }
  }

  private fragSrcIsA(st: PacketState, flow: number): number {
    // Compare the packet's inner source with key side A of the flow.
    const b = st.buf, o = st.off[st.innerIp], keys = this.index.keys, base = flow * KEY_WORDS;
    if (st.kind[st.innerIp] === Proto.IPV4) return u32(b, o + IPV4_SRC) === keys[base + K_A] ? 1 : 0;
    for (let w = 0; w < 4; w++) if (u32(b, o + IPV6_SRC + 4 * w) !== keys[base + K_A + w]) return 0;
    return 1;
  }

  private rememberFragment(st: PacketState, f: PacketFacts, flow: number): void {
    if (this.frags.size >= 65536) {
      this.frags.clear(); // bounded: old datagrams are long complete
    }
    this.buildFragKey(st, f);
    const e = this.frags.findOrInsert(this.fragKey);
    if (e >= this.fragFlow.length) {
      const g = new Int32Array(this.frags.capacity); g.set(this.fragFlow); this.fragFlow = g;
      const h = new Float64Array(this.frags.capacity); h.set(this.fragFlowId); this.fragFlowId = h;
    }
    this.fragFlow[e] = flow;
    this.fragFlowId[e] = this.rows[flow * ROW + ID];
  }

  private initFlow(flow: number, srcIsA: number, st: PacketState, tsSec: number, tsNsec: number): void {
    if (flow >= this.cap) this.grow(this.cap * 2);
    const rows = this.rows, b = flow * ROW;
    for (let c = 0; c < ROW; c++) rows[b + c] = INIT_ROW[c];
    rows[b + FIRST_SEC] = tsSec; rows[b + FIRST_NSEC] = tsNsec; rows[b + LAST_SEC] = tsSec; rows[b + LAST_NSEC] = tsNsec;
    rows[b + ORIG_IS_A] = srcIsA;
    rows[b + ID] = this.nextId++;
    for (let i = flow * MAX_LINKS; i < flow * MAX_LINKS + MAX_LINKS; i++) this.links[i] = -1;
    if (st.tunnel >= 0) {
      const outer = st.outerIp, buf = st.buf, o = st.off[outer];
      // Outer side A is the smaller address (see orderedPair); note which one sent first. An IPv6
      // source must match in all four words: two VTEPs in one /32 share the first.
      const keys = this.index.keys, at = flow * KEY_WORDS + K_TUN_A;
      let same = 1;
      if (st.kind[outer] === Proto.IPV4) same = u32(buf, o + IPV4_SRC) === keys[at] ? 1 : 0;
      else for (let w = 0; w < 4 && same; w++) if (u32(buf, o + IPV6_SRC + 4 * w) !== keys[at + w]) same = 0;
      rows[b + TUN_ORIG_IS_A] = same;
      const udp = st.tunnel - 1;
      if (udp >= 0 && st.kind[udp] === Proto.UDP) rows[b + TUN_DST_PORT] = u16(buf, st.off[udp] + 2);
    }
  }

  /** Removes flow f from the table (its number is reused; its id never is). */
  private remove(f: number): void {
    if (f === this.lastFlow) this.lastFlow = -1;
    this.index.delete(f);
  }

  /** Evicts the least recently active tenth of the flows (the cap is reached). */
  private evict(): void {
    const n = this.index.used, rows = this.rows;
    const last = (i: number) => rows[i * ROW + LAST_SEC] + rows[i * ROW + LAST_NSEC] / 1e9;
    const sample: number[] = [];
    const step = Math.max(1, Math.floor(this.index.size / 1000));
    for (let i = 0, k = 0; i < n; i++) if (this.live(i) && k++ % step === 0) sample.push(last(i));
    sample.sort((a, b) => a - b);
    const cut = sample[Math.max(0, Math.floor(sample.length / 10) - 1)];
    const quota = Math.ceil(this.index.size / 10);
    let dropped = 0;
    for (let i = 0; i < n && dropped < quota; i++) {
      if (!this.live(i) || last(i) > cut) continue;
      if (this.onEnd) this.onEnd(this, i, 'evicted');
      else { this.onEvict?.(this, i); this.evictedFlows++; }
      this.remove(i);
      dropped++;
    }
    // Copy sightings of the evicted flows may be recent: forget them (their numbers get reused).
    this.copies.forget(this.index.alive);
    this.frags.clear();
  }

  /**
   * Streaming: ends the flows whose time is up at capture time `sec`: closed TCP flows after the
   * close delay, others after their idle timeout; splits those older than the active timeout.
   * Runs once per second of capture time: a scan of the live flows, in the order they ended.
   */
  private sweep(sec: number, nsec: number): void {
    const x = this.expiry!;
    const now = sec + nsec / 1e9;
    if (now > this.now) this.now = now;
    this.nextSweep = Math.floor(sec) + 1;
    const rows = this.rows, keys = this.index.keys, n = this.index.used;
    const ended: number[] = [];
    const reasons: EndReason[] = [];
    for (let f = 0; f < n; f++) {
      if (this.index.alive[f] !== 1) continue;
      const b = f * ROW;
      const idle = this.now - (rows[b + LAST_SEC] + rows[b + LAST_NSEC] / 1e9);
      const proto = (keys[f * KEY_WORDS + K_META] >>> 16) & 0xff;
      const flags = rows[b + ORIG_FLAGS] | rows[b + RESP_FLAGS];
      let reason: EndReason | null = null;
      if (proto === 6 && (flags & TCP_RST) !== 0 && idle >= x.closeDelay) reason = 'rst';
      else if (proto === 6 && (rows[b + ORIG_FLAGS] & rows[b + RESP_FLAGS] & TCP_FIN) !== 0 && idle >= x.closeDelay) reason = 'fin';
      else {
        const timeout = proto === 6 ? x.idleTcp : x.idleOther;
        if (timeout > 0 && idle >= timeout) reason = 'idle';
        else if (x.active > 0 && rows[b + ORIG_PKTS] + rows[b + RESP_PKTS] > 0 && this.now - (rows[b + FIRST_SEC] + rows[b + FIRST_NSEC] / 1e9) >= x.active) reason = 'active';
      }
      if (reason !== null) { ended.push(f); reasons.push(reason); }
    }
    if (ended.length === 0) return;
    // Records in the order the flows' last packets were seen, then by id.
    const order = ended.map((_, i) => i).sort((i, j) => {
      const a = ended[i] * ROW, c = ended[j] * ROW;
      return rows[a + LAST_SEC] - rows[c + LAST_SEC] || rows[a + LAST_NSEC] - rows[c + LAST_NSEC] || rows[a + ID] - rows[c + ID];
    });
    for (const i of order) this.end(ended[i], reasons[i]);
  }

  /** Hands flow f to onEnd; an active-timeout split keeps the flow with its counters reset, else it leaves. */
  private end(f: number, reason: EndReason): void {
    const rows = this.rows, b = f * ROW;
    const empty = rows[b + ORIG_PKTS] + rows[b + RESP_PKTS] === 0; // split, and no packet since
    if (!empty) this.onEnd!(this, f, reason);
    if (reason !== 'active') { this.remove(f); return; }
    rows[b + PART]++;
    for (let i = 0; i < SPLIT_COLUMNS.length; i++) rows[b + SPLIT_COLUMNS[i]] = INIT_ROW[SPLIT_COLUMNS[i]];
    this.links.fill(-1, f * MAX_LINKS, f * MAX_LINKS + MAX_LINKS);
  }

  /** Streaming, at the end of the input: every flow still live ends (in id order). */
  endAll(): void {
    if (!this.onEnd) return;
    const live: number[] = [];
    for (let f = 0; f < this.index.used; f++) if (this.live(f)) live.push(f);
    live.sort((a, b) => this.rows[a * ROW + ID] - this.rows[b * ROW + ID]);
    for (const f of live) {
      if (this.packets(f) > 0) this.onEnd(this, f, 'capture-end');
      this.remove(f);
    }
  }

  /**
   * A new input file begins: copies are paired within one capture (one `-i any` file or one
   * multi-interface pcapng), and fragments never span files.
   */
  newFile(): void {
    this.copies = new CopyDetector();
    this.frags.clear();
    // Sequence tracking too: the same segment in two files is two sightings, not a retransmission.
    for (let f = 0; f < this.index.used; f++) { this.rows[f * ROW + SEQ_END_A] = 0; this.rows[f * ROW + SEQ_END_B] = 0; }
  }

  /** The live flows as plain typed arrays, renumbered densely (for a worker to post back; cold path). */
  exportState(): FlowTableState {
    const n = this.index.size, w = KEY_WORDS;
    const keys = new Uint32Array(n * w), rows = new Float64Array(n * ROW), links = new Float64Array(n * MAX_LINKS);
    let j = 0;
    for (let f = 0; f < this.index.used; f++) {
      if (!this.live(f)) continue;
      keys.set(this.index.keys.subarray(f * w, f * w + w), j * w);
      rows.set(this.rows.subarray(f * ROW, f * ROW + ROW), j * ROW);
      links.set(this.links.subarray(f * MAX_LINKS, f * MAX_LINKS + MAX_LINKS), j * MAX_LINKS);
      j++;
    }
    return { size: n, keys, rows, links, uniquePackets: this.uniquePackets, copyPackets: this.copyPackets, evictedFlows: this.evictedFlows };
  }

  /**
   * Adds another table's flows (another file's, from a worker). Flows with the same key merge
   * column by column as COLUMNS declares; the originator is whoever sent the earliest packet.
   */
  mergeState(o: FlowTableState): void {
    const map = new Int32Array(o.size);
    const key = new Uint32Array(KEY_WORDS);
    const src = o.rows;
    for (let f = 0; f < o.size; f++) {
      key.set(o.keys.subarray(f * KEY_WORDS, f * KEY_WORDS + KEY_WORDS));
      if (this.index.size >= this.maxFlows) this.evict();
      const e = this.index.findOrInsert(key);
      map[f] = e;
      const a = src.subarray(f * ROW, f * ROW + ROW);
      if (this.index.inserted) {
        if (e >= this.cap) this.grow(this.cap * 2);
        this.rows.set(a, e * ROW);
        this.rows[e * ROW + ID] = this.nextId++;
        this.rows[e * ROW + LEARNED] = 0;
        this.links.fill(-1, e * MAX_LINKS, e * MAX_LINKS + MAX_LINKS);
        continue;
      }
      this.mergeRow(e * ROW, a);
    }
    // Links are by id: translate the other table's ids to ours.
    const idOf = new Map<number, number>();
    for (let f = 0; f < o.size; f++) idOf.set(src[f * ROW + ID], map[f]);
    for (let f = 0; f < o.size; f++) {
      for (let i = 0; i < MAX_LINKS; i++) {
        const v = o.links[f * MAX_LINKS + i];
        const to = v >= 0 ? idOf.get(v) : undefined;
        if (to !== undefined && this.live(map[f]) && this.live(to)) this.link(map[f], to);
      }
    }
    this.uniquePackets += o.uniquePackets;
    this.copyPackets += o.copyPackets;
    this.evictedFlows += o.evictedFlows;
  }

  /** Merges row `a` (another table's, same key) into ours at offset b. */
  private mergeRow(b: number, a: Float64Array): void {
    const r = this.rows;
    // Same flow in both: combine side by side, then orient by the earliest packet.
    const same = r[b + ORIG_IS_A] === a[ORIG_IS_A];
    for (let c = 0; c < ROW; c++) {
      const col = COLUMNS[c];
      const v = !same && col.partner !== undefined ? a[col.partner] : a[c];
      switch (col.merge) {
        case 'sum': r[b + c] += v; break;
        case 'or': r[b + c] = r[b + c] | v; break;
        case 'min': if (v < r[b + c]) r[b + c] = v; break;
        case 'max': if (v > r[b + c]) r[b + c] = v; break;
        case 'nonzero': if (!r[b + c]) r[b + c] = v; break;
        default: break; // keep, special
      }
    }
    const earlier = a[FIRST_SEC] < r[b + FIRST_SEC] || (a[FIRST_SEC] === r[b + FIRST_SEC] && a[FIRST_NSEC] < r[b + FIRST_NSEC]);
    if (earlier) {
      r[b + FIRST_SEC] = a[FIRST_SEC]; r[b + FIRST_NSEC] = a[FIRST_NSEC];
      r[b + TUN_ORIG_IS_A] = a[TUN_ORIG_IS_A];
      if (!same) {
        // The other file saw the first packet: its originator wins, so swap our sides.
        for (let c = 0; c < ROW; c++) {
          const p = COLUMNS[c].partner;
          if (p !== undefined && p > c) { const t = r[b + c]; r[b + c] = r[b + p]; r[b + p] = t; }
        }
        r[b + ORIG_IS_A] = a[ORIG_IS_A];
      }
    }
    if (a[LAST_SEC] > r[b + LAST_SEC] || (a[LAST_SEC] === r[b + LAST_SEC] && a[LAST_NSEC] > r[b + LAST_NSEC])) {
      r[b + LAST_SEC] = a[LAST_SEC]; r[b + LAST_NSEC] = a[LAST_NSEC];
    }
  }

  /**
   * True the first time `bit` is asked for flow f (and notes it): callers run work whose result
   * cannot change for the flow once per flow instead of once per packet.
   */
  firstTime(f: number, bit: number): boolean {
    const at = f * ROW + LEARNED, seen = this.rows[at];
    if ((seen & bit) !== 0) return false;
    this.rows[at] = seen | bit;
    return true;
  }

  packets(f: number): number {
    return this.rows[f * ROW + ORIG_PKTS] + this.rows[f * ROW + RESP_PKTS];
  }
  bytes(f: number): number {
    return this.rows[f * ROW + ORIG_BYTES] + this.rows[f * ROW + RESP_BYTES];
  }
  /** Size histogram bin i of flow f. */
  hist(f: number, i: number): number {
    return this.rows[f * ROW + HIST + i];
  }
  /** Ids of the flows that carried copies of f's packets (and still live or not). */
  linkedIds(f: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < MAX_LINKS; i++) {
      const v = this.links[f * MAX_LINKS + i];
      if (v >= 0) out.push(v);
    }
    return out;
  }
}
