// Per-packet MTU and header-cost accounting for `overhead` and `analyze`: the encapsulations seen
// with their real header lengths (so the largest inner packet that fits the MTU is computed from
// what was on the wire), packets over the MTU, TSO/GSO super-frames, outer fragments, ICMP
// path-MTU signals, and per size bin the share of bytes spent on headers (small packets pay most).
import type { AnalysisContext, PacketAnalysis } from '../engine/analysis.js';
import { CLASS_NAME, Proto, TrafficClass, type PacketState } from '../../dissectors/packet.js';
import type { CaptureRecord } from '../reader/record.js';
import { NBINS, SIZE_BINS, sizeBin } from './flows/flowtable.js';
import { ratio } from './flows/analysis.js';
import { CLASS_NAMES, TRAFFIC_CLASSES, type TrafficClassName } from '../classes.js';

// ---- MTU verdict ---------------------------------------------------------------------------
// One decision, used by `overhead` (exceeded / superFrames) and by lint (ENCAP_MTU_EXCEEDED,
// ENCAP_DF_INNER_TOO_BIG): is a packet larger than the MTU a frame that never crossed a wire at
// that size (an offload super-frame), or a real MTU violation? The rule is written down in the
// README (overhead section) with the kernel behaviour behind it.

/** Where the capture saw the packet, from SLL/SLL2 packet type or pcapng epb_flags. */
export const CaptureDirection = { UNKNOWN: 0, INCOMING: 1, OUTGOING: 2, OTHER_HOST: 3 } as const;

/** SLL packet type 4 or pcapng outbound: outgoing; type 3: to another host (promiscuous); 0-2 or inbound: incoming. */
export function captureDirection(pktType: number, pcapngDirection: number): number {
  if (pktType === 4 || pcapngDirection === 2) return CaptureDirection.OUTGOING;
  if (pktType === 3) return CaptureDirection.OTHER_HOST;
  if ((pktType >= 0 && pktType <= 2) || pcapngDirection === 1) return CaptureDirection.INCOMING;
  return CaptureDirection.UNKNOWN;
}

export const MtuVerdict = {
  FITS: 0,
  /** A real MTU violation (or an --mtu lower than the link's). */
  EXCEEDED: 1,
  /** IP total length (IPv6 payload length) 0: BIG TCP / GSO, only ever in memory. */
  SUPER_ZERO_LENGTH: 2,
  /** TCP/UDP larger than any Ethernet jumbo MTU: built by segmentation offload. */
  SUPER_ABOVE_JUMBO: 3,
  /** TCP whose inner packet alone exceeds the MTU, captured where TSO/GSO (sending) or GRO (receiving) runs. */
  SUPER_TCP_OFFLOAD: 4,
} as const;

/** The largest MTU Ethernet gear offers (9216 on most switches; AWS 9001, GCP 8896). */
export const MAX_JUMBO_MTU = 9216;

/**
 * Verdict on a packet of `size` IP bytes (outer IP for tunnels) against `mtu`. `innerBytes` is the
 * innermost IP packet (equal to `size` when not tunnelled); `tunnelled` says an encapsulation added
 * the difference; `transport` is the inner IP protocol (6 TCP, 17 UDP).
 */
export function mtuVerdict(size: number, innerBytes: number, mtu: number, zeroLength: boolean, transport: number,
  tunnelled: boolean, direction: number): number {
  if (size <= mtu) return MtuVerdict.FITS;
  if (zeroLength) return MtuVerdict.SUPER_ZERO_LENGTH;
  // The inner packet fits the link: the encapsulation alone pushed it over (pod MTU = link MTU).
  if (tunnelled && innerBytes <= mtu) return MtuVerdict.EXCEEDED;
  const tcp = transport === 6;
  if (size > MAX_JUMBO_MTU && (tcp || transport === 17)) return MtuVerdict.SUPER_ABOVE_JUMBO;
  // Another host's tunnel traffic seen in promiscuous mode: not sent here (no TSO/GSO) and no tunnel
  // socket here to run GRO on the encapsulated flow.
  if (tcp && !(tunnelled && direction === CaptureDirection.OTHER_HOST)) return MtuVerdict.SUPER_TCP_OFFLOAD;
  return MtuVerdict.EXCEEDED;
}

const NCLASS = CLASS_NAME.length;
/** Tunnel classes by their label ('VXLAN', 'IP-in-IP'...), from the class table. */
const TUNNEL_NAMES: Record<number, string> = Object.fromEntries(TRAFFIC_CLASSES.filter((c) => c.tunnel).map((c) => [c.id, c.label]));

export interface EncapsulationFit {
  class: TrafficClassName;
  outerFamily: 4 | 6;
  /** Header bytes between the outer link layer and the inner IP header, as seen. */
  overheadBytes: number;
  packets: number;
  /** The largest inner IP packet that fits the MTU with these headers. */
  maxInnerPacket: number;
  description: string;
}

export interface OverheadReport {
  mtu: number;
  encapsulations: EncapsulationFit[];
  sizeBins: { class: TrafficClassName; bins: { upTo: number | null; packets: number; ipBytes: number; overheadBytes: number; overheadShare: number }[] }[];
  exceeded: { class: TrafficClassName; packets: number; maxIpBytes: number; firstFrame: number; reason: string }[];
  superFrames: { class: TrafficClassName; packets: number; maxIpBytes: number; firstFrame: number; reason: string }[];
  outerFragments: { class: TrafficClassName; packets: number; firstFrame: number }[];
  icmpMtuSignals: { protocol: 'icmp' | 'icmpv6'; mtu: number; count: number; firstFrame: number }[];
}

const OVERHEAD_ARRAYS = ['binPkts', 'binIp', 'binOver', 'exceededPkts', 'exceededMax', 'exceededFirst', 'superPkts',
  'superMax', 'superFirst', 'superZeroLen', 'superJumbo', 'exceededInnerFits', 'fragPkts', 'fragFirst'] as const;

export interface OverheadState {
  arrays: Record<string, Float64Array>;
  encaps: [number, number][];
  icmp: [number, { count: number; firstFrame: number }][];
}

export class OverheadAnalysis implements PacketAnalysis<OverheadReport> {
  readonly name = 'overhead';
  // class * NBINS + bin -> packets, ip bytes, overhead bytes
  readonly binPkts = new Float64Array(NCLASS * NBINS);
  readonly binIp = new Float64Array(NCLASS * NBINS);
  readonly binOver = new Float64Array(NCLASS * NBINS);
  /** (class, outer family, overhead) -> packets; small integer keys, no strings. */
  private readonly encaps = new Map<number, number>();
  readonly exceededPkts = new Float64Array(NCLASS);
  readonly exceededMax = new Float64Array(NCLASS);
  readonly exceededFirst = new Float64Array(NCLASS);
  readonly superPkts = new Float64Array(NCLASS);
  readonly superMax = new Float64Array(NCLASS);
  readonly superFirst = new Float64Array(NCLASS);
  readonly superZeroLen = new Float64Array(NCLASS);
  readonly superJumbo = new Float64Array(NCLASS);
  /** Tunnel packets over the MTU whose inner packet fits it (the overhead pushed them over). */
  readonly exceededInnerFits = new Float64Array(NCLASS);
  readonly fragPkts = new Float64Array(NCLASS);
  readonly fragFirst = new Float64Array(NCLASS);
  private readonly icmp = new Map<number, { count: number; firstFrame: number }>();

  constructor(readonly mtu = 1500) {}

  onPacket(r: CaptureRecord, st: PacketState, ctx: AnalysisContext): void {
    const f = ctx.facts;
    if (st.innerIp < 0) return;
    const c = f.cls;
    const size = f.outerIpBytes;
    const bin = c * NBINS + sizeBin(size);
    this.binPkts[bin]++;
    this.binIp[bin] += size;
    this.binOver[bin] += f.overhead;
    if (st.tunnel >= 0 && !(f.outerFragmented && st.innerIp === st.outerIp)) {
      const key = (c << 20) | (f.outerFamily << 16) | Math.min(f.overhead, 0xffff);
      this.encaps.set(key, (this.encaps.get(key) ?? 0) + 1);
    }
    const verdict = mtuVerdict(size, f.innerIpBytes, this.mtu, f.superFrame, f.protocol, st.tunnel >= 0,
      captureDirection(st.pktType, r.direction));
    if (verdict === MtuVerdict.EXCEEDED) {
      this.exceededPkts[c]++;
      if (size > this.exceededMax[c]) this.exceededMax[c] = size;
      if (!this.exceededFirst[c]) this.exceededFirst[c] = r.frame;
      if (st.tunnel >= 0 && f.innerIpBytes <= this.mtu) this.exceededInnerFits[c]++;
    } else if (verdict !== MtuVerdict.FITS) {
      this.superPkts[c]++;
      if (size > this.superMax[c]) this.superMax[c] = size;
      if (!this.superFirst[c]) this.superFirst[c] = r.frame;
      if (verdict === MtuVerdict.SUPER_ZERO_LENGTH) this.superZeroLen[c]++;
      else if (verdict === MtuVerdict.SUPER_ABOVE_JUMBO) this.superJumbo[c]++;
    }
    if (f.outerFragmented) {
      this.fragPkts[c]++;
      if (!this.fragFirst[c]) this.fragFirst[c] = r.frame;
    }
    const l4 = st.l4;
    if (l4 >= 0 && st.v2[l4] >= 0 && (st.kind[l4] === Proto.ICMP || st.kind[l4] === Proto.ICMPV6)) {
      const key = st.kind[l4] === Proto.ICMP ? st.v2[l4] : -st.v2[l4] - 1;
      const e = this.icmp.get(key);
      if (e) e.count++;
      else this.icmp.set(key, { count: 1, firstFrame: r.frame });
    }
  }

  exportState(): OverheadState {
    const arrays: Record<string, Float64Array> = {};
    for (const k of OVERHEAD_ARRAYS) arrays[k] = this[k];
    return { arrays, encaps: [...this.encaps.entries()], icmp: [...this.icmp.entries()] };
  }

  mergeState(s: OverheadState): void {
    for (const k of OVERHEAD_ARRAYS) {
      const mine = this[k], other = s.arrays[k];
      const firstFrame = k.endsWith('First');
      const max = k.endsWith('Max');
      for (let i = 0; i < mine.length; i++) {
        // Frame numbers of other files are not comparable: keep the first file's evidence.
        if (firstFrame) { if (!mine[i]) mine[i] = other[i]; }
        else if (max) mine[i] = Math.max(mine[i], other[i]);
        else mine[i] += other[i];
      }
    }
    for (const [k, v] of s.encaps) this.encaps.set(k, (this.encaps.get(k) ?? 0) + v);
    for (const [k, v] of s.icmp) {
      const e = this.icmp.get(k);
      if (e) e.count += v.count;
      else this.icmp.set(k, { ...v });
    }
  }

  private exceededReason(c: number): string {
    const fits = this.exceededInnerFits[c], n = this.exceededPkts[c];
    const parts: string[] = [];
    if (fits > 0) {
      parts.push(`${fits} whose inner packet fits the ${this.mtu}-byte MTU: the encapsulation overhead pushed ${fits === 1 ? 'it' : 'them'} over ` +
        '(pod MTU not lowered by the overhead)');
    }
    if (n > fits) parts.push(`${n - fits} larger than the MTU without offload to explain ${n - fits === 1 ? 'it' : 'them'} (or --mtu is below the link's)`);
    return parts.join('; ');
  }

  private superReason(c: number): string {
    const zero = this.superZeroLen[c], jumbo = this.superJumbo[c], tcp = this.superPkts[c] - zero - jumbo;
    const parts: string[] = [];
    if (zero > 0) parts.push(`${zero} with IP length 0 (BIG TCP/GSO)`);
    if (jumbo > 0) parts.push(`${jumbo} larger than any jumbo MTU (${MAX_JUMBO_MTU})`);
    if (tcp > 0) parts.push(`${tcp} TCP whose inner packet alone exceeds the MTU (TSO/GSO before segmentation, or GRO)`);
    return `${parts.join('; ')}: segmentation offload, not on the wire at this size`;
  }

  finish(): OverheadReport {
    const encapsulations: EncapsulationFit[] = [...this.encaps.entries()].map(([k, packets]) => {
      const c = k >>> 20, fam = ((k >>> 16) & 0xf) as 4 | 6, over = k & 0xffff;
      return {
        class: CLASS_NAMES[c], outerFamily: fam, overheadBytes: over, packets,
        maxInnerPacket: this.mtu - over,
        description: `${TUNNEL_NAMES[c] ?? CLASS_NAME[c]} over IPv${fam}: ${over} header bytes`,
      };
    }).sort((a, b) => b.packets - a.packets);
    const sizeBins: OverheadReport['sizeBins'] = [];
    for (let c = 0; c < NCLASS; c++) {
      if (c < TrafficClass.VXLAN) continue; // plain traffic has no header overhead
      const bins = [];
      let any = false;
      for (let i = 0; i < NBINS; i++) {
        const k = c * NBINS + i;
        if (this.binPkts[k]) any = true;
        bins.push({
          upTo: i < SIZE_BINS.length ? SIZE_BINS[i] : null, packets: this.binPkts[k], ipBytes: this.binIp[k],
          overheadBytes: this.binOver[k], overheadShare: ratio(this.binOver[k], this.binIp[k]),
        });
      }
      if (any) sizeBins.push({ class: CLASS_NAMES[c], bins });
    }
    const perClass = <T>(pk: Float64Array, make: (c: number) => T): T[] => {
      const out: T[] = [];
      for (let c = 0; c < NCLASS; c++) if (pk[c] > 0) out.push(make(c));
      return out;
    };
    return {
      mtu: this.mtu,
      encapsulations,
      sizeBins,
      exceeded: perClass(this.exceededPkts, (c) => ({
        class: CLASS_NAMES[c], packets: this.exceededPkts[c], maxIpBytes: this.exceededMax[c], firstFrame: this.exceededFirst[c],
        reason: this.exceededReason(c),
      })),
      superFrames: perClass(this.superPkts, (c) => ({
        class: CLASS_NAMES[c], packets: this.superPkts[c], maxIpBytes: this.superMax[c], firstFrame: this.superFirst[c],
        reason: this.superReason(c),
      })),
      outerFragments: perClass(this.fragPkts, (c) => ({ class: CLASS_NAMES[c], packets: this.fragPkts[c], firstFrame: this.fragFirst[c] })),
      icmpMtuSignals: [...this.icmp.entries()].map(([k, v]) => ({
        protocol: k >= 0 ? 'icmp' as const : 'icmpv6' as const, mtu: k >= 0 ? k : -k - 1, count: v.count, firstFrame: v.firstFrame,
      })),
    };
  }
}
