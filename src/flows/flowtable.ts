// The bidirectional flow table (SPEC "Classes and flows", Zeek conn.log style). Key: class,
// unordered tunnel endpoints, VNI/VSID/key, unordered inner 5-tuple; packed into 20 uint32 words
// and hashed by KeyTable. Per-flow counters live in parallel typed arrays (struct of arrays), so
// updating a flow allocates nothing.
import { Proto, TrafficClass, u16, u32, type PacketState } from '../packet.js';
import { KeyTable } from './keytable.js';
import { CopyDetector } from './copies.js';
import type { PacketFacts } from '../facts.js';
import { IPV4_DST, IPV4_ID, IPV4_SRC } from '../../dissectors/ipv4.js';
import { IPV6_DST, IPV6_SRC } from '../../dissectors/ipv6.js';
import { ETH_DST, ETH_SRC } from '../../dissectors/ethernet.js';

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

const MAX_LINKS = 4;

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

export interface FlowTableState {
  size: number;
  keys: Uint32Array;
  cols: Record<string, ArrayLike<number>>;
  hist: Uint32Array;
  links: Int32Array;
  uniquePackets: number;
  copyPackets: number;
  evictedFlows: number;
}

export class FlowTable {
  readonly index = new KeyTable(KEY_WORDS, 4096);
  private readonly key = new Uint32Array(KEY_WORDS);
  private copies = new CopyDetector();
  /** Fragments of datagrams whose first fragment was seen: (src, dst, id, proto) -> flow. */
  private readonly frags = new KeyTable(10, 256);
  private fragFlow = new Int32Array(256);
  private readonly fragKey = new Uint32Array(10);

  private cap = 0;
  origPkts = new Float64Array(0);
  respPkts = new Float64Array(0);
  origBytes = new Float64Array(0);
  respBytes = new Float64Array(0);
  innerBytes = new Float64Array(0);
  overheadBytes = new Float64Array(0);
  /** Sum of outer IP bytes (the denominator of efficiency). */
  ipBytes = new Float64Array(0);
  firstSec = new Float64Array(0);
  firstNsec = new Int32Array(0);
  lastSec = new Float64Array(0);
  lastNsec = new Int32Array(0);
  minSize = new Float64Array(0);
  maxSize = new Float64Array(0);
  origFlags = new Uint16Array(0);
  respFlags = new Uint16Array(0);
  /** 1 when the originator is key side A. */
  origIsA = new Uint8Array(0);
  /** 1 when the first packet's outer source is tunnel side A. */
  tunOrigIsA = new Uint8Array(0);
  tunDstPort = new Uint16Array(0);
  copyPkts = new Float64Array(0);
  retrans = new Float64Array(0);
  fragPkts = new Float64Array(0);
  seqEndA = new Float64Array(0);
  seqEndB = new Float64Array(0);
  hist = new Uint32Array(0);
  /** Up to MAX_LINKS other flows that carried copies of this one's packets (-1 = none). */
  links = new Int32Array(0);
  /** Monotonic flow id (stable across eviction compaction). */
  ids = new Float64Array(0);
  private nextId = 1;

  // Counters across the table.
  uniquePackets = 0;
  copyPackets = 0;
  evictedFlows = 0;
  /** Flows evicted, folded into per-class totals: called before they disappear. */
  onEvict: ((t: FlowTable, f: number) => void) | null = null;

  constructor(readonly maxFlows = 2_000_000) {
    this.grow(4096);
  }

  get size(): number {
    return this.index.size;
  }

  private grow(n: number): void {
    const f64 = (a: Float64Array) => { const b = new Float64Array(n); b.set(a); return b; };
    const i32 = (a: Int32Array) => { const b = new Int32Array(n); b.set(a); return b; };
    const u16a = (a: Uint16Array) => { const b = new Uint16Array(n); b.set(a); return b; };
    const u8 = (a: Uint8Array) => { const b = new Uint8Array(n); b.set(a); return b; };
    this.origPkts = f64(this.origPkts); this.respPkts = f64(this.respPkts);
    this.origBytes = f64(this.origBytes); this.respBytes = f64(this.respBytes);
    this.innerBytes = f64(this.innerBytes); this.overheadBytes = f64(this.overheadBytes); this.ipBytes = f64(this.ipBytes);
    this.firstSec = f64(this.firstSec); this.firstNsec = i32(this.firstNsec);
    this.lastSec = f64(this.lastSec); this.lastNsec = i32(this.lastNsec);
    this.minSize = f64(this.minSize); this.maxSize = f64(this.maxSize);
    this.origFlags = u16a(this.origFlags); this.respFlags = u16a(this.respFlags);
    this.origIsA = u8(this.origIsA); this.tunOrigIsA = u8(this.tunOrigIsA);
    this.tunDstPort = u16a(this.tunDstPort);
    this.copyPkts = f64(this.copyPkts); this.retrans = f64(this.retrans); this.fragPkts = f64(this.fragPkts);
    this.seqEndA = f64(this.seqEndA); this.seqEndB = f64(this.seqEndB);
    this.ids = f64(this.ids);
    const h = new Uint32Array(n * NBINS); h.set(this.hist); this.hist = h;
    const l = new Int32Array(n * MAX_LINKS).fill(-1); l.set(this.links); this.links = l;
    this.cap = n;
  }

  /**
   * Builds the flow key of the decoded packet into this.key; returns 1 when the packet's source is
   * side A, 0 when it is side B. `fragPorts` (port A<<16|port B, or -1) supplies the ports of a
   * later fragment found through its first fragment.
   */
  private buildKey(st: PacketState, f: PacketFacts): number {
    const k = this.key;
    k.fill(0);
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
    let srcIsA: number;
    let flow = -1;
    if (f.fragment === 2) {
      // A later fragment: the flow of its first fragment, when that was seen.
      this.buildFragKey(st, f);
      const e = this.frags.find(this.fragKey);
      if (e >= 0) flow = this.fragFlow[e];
    }
    if (flow >= 0) {
      srcIsA = this.fragSrcIsA(st, flow);
    } else {
      srcIsA = this.buildKey(st, f);
      if (this.index.size >= this.maxFlows) this.evict();
      flow = this.index.findOrInsert(this.key);
      if (this.index.inserted) this.initFlow(flow, srcIsA, st, tsSec, tsNsec);
      if (f.fragment === 1) this.rememberFragment(st, f, flow);
    }
    const orig = srcIsA === this.origIsA[flow];

    // Copies of one packet at several capture points count once.
    let isCopy = false;
    if (st.innerIp >= 0) {
      const h1 = this.fingerprint(st, f, 0x9e3779b1), h2 = this.fingerprint(st, f, 0x85ebca77);
      const first = this.copies.observe(h1, h2, tsSec, tsNsec, point, flow);
      if (first >= 0) {
        isCopy = true;
        this.copyPackets++;
        if (this.copies.seenByFlow) {
          // This flow counted the packet already (e.g. at the veth and then the bridge): it is not
          // new traffic for the flow, nor one more of its copies.
          this.lastSec[flow] = tsSec; this.lastNsec[flow] = tsNsec;
          return flow;
        }
        this.copyPkts[flow]++;
        this.link(flow, first);
        this.link(first, flow);
      }
    }
    if (!isCopy) this.uniquePackets++;

    const size = f.outerIpBytes > 0 ? f.outerIpBytes : f.wireLen;
    if (orig) { this.origPkts[flow]++; this.origBytes[flow] += f.wireLen; }
    else { this.respPkts[flow]++; this.respBytes[flow] += f.wireLen; }
    this.innerBytes[flow] += f.innerIpBytes;
    this.overheadBytes[flow] += f.overhead;
    this.ipBytes[flow] += f.outerIpBytes;
    if (size < this.minSize[flow]) this.minSize[flow] = size;
    if (size > this.maxSize[flow]) this.maxSize[flow] = size;
    this.hist[flow * NBINS + sizeBin(size)]++;
    if (f.fragment !== 0) this.fragPkts[flow]++;
    if (tsSec > this.lastSec[flow] || (tsSec === this.lastSec[flow] && tsNsec > this.lastNsec[flow])) {
      this.lastSec[flow] = tsSec; this.lastNsec[flow] = tsNsec;
    }
    if (f.tcpFlags >= 0) {
      if (orig) this.origFlags[flow] |= f.tcpFlags;
      else this.respFlags[flow] |= f.tcpFlags;
      if (f.payloadLen > 0 && !isCopy) this.trackSeq(flow, srcIsA, f);
    }
    return flow;
  }

  private trackSeq(flow: number, srcIsA: number, f: PacketFacts): void {
    const ends = srcIsA ? this.seqEndA : this.seqEndB;
    const end = (f.tcpSeq + f.payloadLen) >>> 0;
    const prev = ends[flow];
    if (prev !== 0) {
      // Wrap-aware: a segment ending at or before what was already seen is a retransmission.
      if (((end - prev) | 0) <= 0) { this.retrans[flow]++; return; }
    }
    ends[flow] = end === 0 ? 1 : end;
  }

  private fingerprint(st: PacketState, f: PacketFacts, seed: number): number {
    const b = st.buf, o = st.off[st.innerIp];
    let h = seed | 0;
    if (st.kind[st.innerIp] === Proto.IPV4) { h = mix(h, u32(b, o + IPV4_SRC)); h = mix(h, u32(b, o + IPV4_DST)); }
    else for (let w = 0; w < 8; w++) h = mix(h, u32(b, o + IPV6_SRC + 4 * w));
    h = mix(h, f.protocol); h = mix(h, f.ipId); h = mix(h, (f.srcPort << 16) | f.dstPort);
    h = mix(h, f.tcpSeq); h = mix(h, f.innerIpBytes);
    return h >>> 0;
  }

  private link(a: number, b: number): void {
    const base = a * MAX_LINKS;
    for (let i = 0; i < MAX_LINKS; i++) {
      const v = this.links[base + i];
      if (v === b) return;
      if (v < 0) { this.links[base + i] = b; return; }
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
    }
    this.fragFlow[e] = flow;
  }

  private initFlow(flow: number, srcIsA: number, st: PacketState, tsSec: number, tsNsec: number): void {
    if (flow >= this.cap) this.grow(this.cap * 2);
    this.origPkts[flow] = 0; this.respPkts[flow] = 0; this.origBytes[flow] = 0; this.respBytes[flow] = 0;
    this.innerBytes[flow] = 0; this.overheadBytes[flow] = 0; this.ipBytes[flow] = 0;
    this.firstSec[flow] = tsSec; this.firstNsec[flow] = tsNsec; this.lastSec[flow] = tsSec; this.lastNsec[flow] = tsNsec;
    this.minSize[flow] = Infinity; this.maxSize[flow] = 0;
    this.origFlags[flow] = 0; this.respFlags[flow] = 0;
    this.origIsA[flow] = srcIsA;
    this.copyPkts[flow] = 0; this.retrans[flow] = 0; this.fragPkts[flow] = 0;
    this.seqEndA[flow] = 0; this.seqEndB[flow] = 0;
    this.hist.fill(0, flow * NBINS, flow * NBINS + NBINS);
    this.links.fill(-1, flow * MAX_LINKS, flow * MAX_LINKS + MAX_LINKS);
    this.ids[flow] = this.nextId++;
    this.tunDstPort[flow] = 0;
    this.tunOrigIsA[flow] = 1;
    if (st.tunnel >= 0) {
      const outer = st.outerIp, b = st.buf, o = st.off[outer];
      // Outer side A is the smaller address (see orderedPair); note which one sent first. An IPv6
      // source must match in all four words: two VTEPs in one /32 share the first.
      const keys = this.index.keys, at = flow * KEY_WORDS + K_TUN_A;
      let same = 1;
      if (st.kind[outer] === Proto.IPV4) same = u32(b, o + IPV4_SRC) === keys[at] ? 1 : 0;
      else for (let w = 0; w < 4 && same; w++) if (u32(b, o + IPV6_SRC + 4 * w) !== keys[at + w]) same = 0;
      this.tunOrigIsA[flow] = same;
      const udp = st.tunnel - 1;
      if (udp >= 0 && st.kind[udp] === Proto.UDP) this.tunDstPort[flow] = u16(b, st.off[udp] + 2);
    }
  }

  /** Evicts the least recently active tenth of the flows (the cap is reached). */
  private evict(): void {
    const n = this.index.size;
    const sample: number[] = [];
    const step = Math.max(1, Math.floor(n / 1000));
    for (let i = 0; i < n; i += step) sample.push(this.lastSec[i] + this.lastNsec[i] / 1e9);
    sample.sort((a, b) => a - b);
    const cut = sample[Math.max(0, Math.floor(sample.length / 10) - 1)];
    const keep = new Uint8Array(n);
    let dropped = 0;
    for (let i = 0; i < n; i++) {
      if (this.lastSec[i] + this.lastNsec[i] / 1e9 <= cut && dropped < Math.ceil(n / 10)) {
        this.onEvict?.(this, i);
        dropped++;
      } else keep[i] = 1;
    }
    this.evictedFlows += dropped;
    const map = this.index.compact(keep);
    const cols: (Float64Array | Int32Array | Uint16Array | Uint8Array)[] = [
      this.origPkts, this.respPkts, this.origBytes, this.respBytes, this.innerBytes, this.overheadBytes, this.ipBytes,
      this.firstSec, this.firstNsec, this.lastSec, this.lastNsec, this.minSize, this.maxSize, this.origFlags,
      this.respFlags, this.origIsA, this.tunOrigIsA, this.tunDstPort, this.copyPkts, this.retrans, this.fragPkts,
      this.seqEndA, this.seqEndB, this.ids,
    ];
    for (let i = 0; i < n; i++) {
      const j = map[i];
      if (j < 0 || j === i) continue;
      for (const c of cols) c[j] = c[i];
      this.hist.copyWithin(j * NBINS, i * NBINS, i * NBINS + NBINS);
      this.links.copyWithin(j * MAX_LINKS, i * MAX_LINKS, i * MAX_LINKS + MAX_LINKS);
    }
    for (let i = 0; i < this.index.size * MAX_LINKS; i++) {
      const v = this.links[i];
      if (v >= 0) this.links[i] = map[v];
    }
    this.copies.remap(map);
    this.frags.clear();
  }

  /**
   * A new input file begins: copies are paired within one capture (one `-i any` file or one
   * multi-interface pcapng), and fragments never span files.
   */
  newFile(): void {
    this.copies = new CopyDetector();
    this.frags.clear();
    // Sequence tracking too: the same segment in two files is two sightings, not a retransmission.
    this.seqEndA.fill(0);
    this.seqEndB.fill(0);
  }

  /** The table's contents as plain typed arrays (for a worker to post back; cold path). */
  exportState(): FlowTableState {
    const n = this.index.size;
    const cols: Record<string, ArrayLike<number>> = {};
    for (const [name, arr] of Object.entries(this.columnMap())) cols[name] = arr.slice(0, n);
    return {
      size: n, keys: this.index.keys.slice(0, n * KEY_WORDS), cols,
      hist: this.hist.slice(0, n * NBINS), links: this.links.slice(0, n * MAX_LINKS),
      uniquePackets: this.uniquePackets, copyPackets: this.copyPackets, evictedFlows: this.evictedFlows,
    };
  }

  private columnMap(): Record<string, Float64Array | Int32Array | Uint16Array | Uint8Array> {
    return {
      origPkts: this.origPkts, respPkts: this.respPkts, origBytes: this.origBytes, respBytes: this.respBytes,
      innerBytes: this.innerBytes, overheadBytes: this.overheadBytes, ipBytes: this.ipBytes,
      firstSec: this.firstSec, firstNsec: this.firstNsec, lastSec: this.lastSec, lastNsec: this.lastNsec,
      minSize: this.minSize, maxSize: this.maxSize, origFlags: this.origFlags, respFlags: this.respFlags,
      origIsA: this.origIsA, tunOrigIsA: this.tunOrigIsA, tunDstPort: this.tunDstPort, copyPkts: this.copyPkts,
      retrans: this.retrans, fragPkts: this.fragPkts, seqEndA: this.seqEndA, seqEndB: this.seqEndB, ids: this.ids,
    };
  }

  /**
   * Adds another table's flows (another file's, from a worker). Flows with the same key merge:
   * counters add, times widen, and the originator is whoever sent the earliest packet.
   */
  mergeState(o: FlowTableState): void {
    const c = o.cols as Record<string, Float64Array>;
    const map = new Int32Array(o.size);
    const key = new Uint32Array(KEY_WORDS);
    for (let f = 0; f < o.size; f++) {
      key.set(o.keys.subarray(f * KEY_WORDS, f * KEY_WORDS + KEY_WORDS));
      if (this.index.size >= this.maxFlows) this.evict();
      const e = this.index.findOrInsert(key);
      map[f] = e;
      if (this.index.inserted) {
        if (e >= this.cap) this.grow(this.cap * 2);
        for (const [name, arr] of Object.entries(this.columnMap())) arr[e] = c[name][f];
        this.ids[e] = this.nextId++;
        this.hist.set(o.hist.subarray(f * NBINS, f * NBINS + NBINS), e * NBINS);
        this.links.fill(-1, e * MAX_LINKS, e * MAX_LINKS + MAX_LINKS);
        continue;
      }
      // Same flow in both: combine side by side (A/B), then orient by the earliest packet.
      const same = this.origIsA[e] === c.origIsA[f];
      if (same) {
        this.origPkts[e] += c.origPkts[f]; this.respPkts[e] += c.respPkts[f];
        this.origBytes[e] += c.origBytes[f]; this.respBytes[e] += c.respBytes[f];
        this.origFlags[e] |= c.origFlags[f]; this.respFlags[e] |= c.respFlags[f];
      } else {
        this.origPkts[e] += c.respPkts[f]; this.respPkts[e] += c.origPkts[f];
        this.origBytes[e] += c.respBytes[f]; this.respBytes[e] += c.origBytes[f];
        this.origFlags[e] |= c.respFlags[f]; this.respFlags[e] |= c.origFlags[f];
      }
      const earlier = c.firstSec[f] < this.firstSec[e] || (c.firstSec[f] === this.firstSec[e] && c.firstNsec[f] < this.firstNsec[e]);
      if (earlier) {
        this.firstSec[e] = c.firstSec[f]; this.firstNsec[e] = c.firstNsec[f];
        this.tunOrigIsA[e] = c.tunOrigIsA[f];
        if (!same) {
          // The other file saw the first packet: its originator wins, so swap our sides.
          [this.origPkts[e], this.respPkts[e]] = [this.respPkts[e], this.origPkts[e]];
          [this.origBytes[e], this.respBytes[e]] = [this.respBytes[e], this.origBytes[e]];
          [this.origFlags[e], this.respFlags[e]] = [this.respFlags[e], this.origFlags[e]];
          this.origIsA[e] = c.origIsA[f];
        }
      }
      if (c.lastSec[f] > this.lastSec[e] || (c.lastSec[f] === this.lastSec[e] && c.lastNsec[f] > this.lastNsec[e])) {
        this.lastSec[e] = c.lastSec[f]; this.lastNsec[e] = c.lastNsec[f];
      }
      for (const name of ['innerBytes', 'overheadBytes', 'ipBytes', 'copyPkts', 'retrans', 'fragPkts'] as const) {
        (this[name] as Float64Array)[e] += c[name][f];
      }
      if (c.minSize[f] < this.minSize[e]) this.minSize[e] = c.minSize[f];
      if (c.maxSize[f] > this.maxSize[e]) this.maxSize[e] = c.maxSize[f];
      if (!this.tunDstPort[e]) this.tunDstPort[e] = c.tunDstPort[f];
      for (let i = 0; i < NBINS; i++) this.hist[e * NBINS + i] += o.hist[f * NBINS + i];
    }
    for (let f = 0; f < o.size; f++) {
      for (let i = 0; i < MAX_LINKS; i++) {
        const v = o.links[f * MAX_LINKS + i];
        if (v >= 0 && map[f] >= 0 && map[v] >= 0) this.link(map[f], map[v]);
      }
    }
    this.uniquePackets += o.uniquePackets;
    this.copyPackets += o.copyPackets;
    this.evictedFlows += o.evictedFlows;
  }

  packets(f: number): number {
    return this.origPkts[f] + this.respPkts[f];
  }
  bytes(f: number): number {
    return this.origBytes[f] + this.respBytes[f];
  }
  linkedFlows(f: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < MAX_LINKS; i++) {
      const v = this.links[f * MAX_LINKS + i];
      if (v >= 0) out.push(v);
    }
    return out;
  }
}
