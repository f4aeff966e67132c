// Per-packet MTU and header-cost accounting for `overhead` and `analyze`: the encapsulations seen
// with their real header lengths (so the largest inner packet that fits the MTU is computed from
// what was on the wire), packets over the MTU, TSO/GSO super-frames, outer fragments, ICMP
// path-MTU signals, and per size bin the share of bytes spent on headers (small packets pay most).
import type { AnalysisContext, PacketAnalysis } from './analysis.js';
import { CLASS_NAME, Proto, TrafficClass, type PacketState } from './packet.js';
import type { CaptureRecord } from './reader/record.js';
import { NBINS, SIZE_BINS, sizeBin } from './flows/flowtable.js';
import { ratio } from './flows/analysis.js';

const NCLASS = CLASS_NAME.length;
const TUNNEL_NAMES: Record<number, string> = {
  [TrafficClass.VXLAN]: 'VXLAN', [TrafficClass.GENEVE]: 'Geneve', [TrafficClass.IPIP]: 'IP-in-IP',
  [TrafficClass.GRE]: 'GRE', [TrafficClass.NVGRE]: 'NVGRE', [TrafficClass.WIREGUARD]: 'WireGuard',
};

export interface EncapsulationFit {
  class: string;
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
  sizeBins: { class: string; bins: { upTo: number | null; packets: number; ipBytes: number; overheadBytes: number; overheadShare: number }[] }[];
  exceeded: { class: string; packets: number; maxIpBytes: number; firstFrame: number }[];
  superFrames: { class: string; packets: number; maxIpBytes: number; firstFrame: number; reason: string }[];
  outerFragments: { class: string; packets: number; firstFrame: number }[];
  icmpMtuSignals: { protocol: 'icmp' | 'icmpv6'; mtu: number; count: number; firstFrame: number }[];
}

const OVERHEAD_ARRAYS = ['binPkts', 'binIp', 'binOver', 'exceededPkts', 'exceededMax', 'exceededFirst', 'superPkts',
  'superMax', 'superFirst', 'superZeroLen', 'fragPkts', 'fragFirst'] as const;

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
    if (size > this.mtu) {
      // Frames over the MTU carrying TCP were built by TSO/GSO (sender) or GRO (receiver) before
      // segmentation: the wire never saw them at this size. IP length 0 is BIG TCP.
      const tcp = f.protocol === 6;
      if (f.superFrame || tcp) {
        this.superPkts[c]++;
        if (size > this.superMax[c]) this.superMax[c] = size;
        if (!this.superFirst[c]) this.superFirst[c] = r.frame;
        if (f.superFrame) this.superZeroLen[c]++;
      } else {
        this.exceededPkts[c]++;
        if (size > this.exceededMax[c]) this.exceededMax[c] = size;
        if (!this.exceededFirst[c]) this.exceededFirst[c] = r.frame;
      }
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

  finish(): OverheadReport {
    const encapsulations: EncapsulationFit[] = [...this.encaps.entries()].map(([k, packets]) => {
      const c = k >>> 20, fam = ((k >>> 16) & 0xf) as 4 | 6, over = k & 0xffff;
      return {
        class: CLASS_NAME[c], outerFamily: fam, overheadBytes: over, packets,
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
      if (any) sizeBins.push({ class: CLASS_NAME[c], bins });
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
        class: CLASS_NAME[c], packets: this.exceededPkts[c], maxIpBytes: this.exceededMax[c], firstFrame: this.exceededFirst[c],
      })),
      superFrames: perClass(this.superPkts, (c) => ({
        class: CLASS_NAME[c], packets: this.superPkts[c], maxIpBytes: this.superMax[c], firstFrame: this.superFirst[c],
        reason: this.superZeroLen[c] ? `${this.superZeroLen[c]} with IP length 0 (BIG TCP/GSO); the rest TCP over the MTU (TSO/GSO/GRO)` : 'TCP over the MTU: segmentation offload (TSO/GSO/GRO), not on the wire at this size',
      })),
      outerFragments: perClass(this.fragPkts, (c) => ({ class: CLASS_NAME[c], packets: this.fragPkts[c], firstFrame: this.fragFirst[c] })),
      icmpMtuSignals: [...this.icmp.entries()].map(([k, v]) => ({
        protocol: k >= 0 ? 'icmp' as const : 'icmpv6' as const, mtu: k >= 0 ? k : -k - 1, count: v.count, firstFrame: v.firstFrame,
      })),
    };
  }
}
