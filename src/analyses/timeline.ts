// Traffic over time for the HTML report: wire bytes and packets per traffic class in a bounded
// number of time buckets. Buckets are aligned to absolute multiples of their width, which starts at
// 2^-10 s (~1 ms) and doubles (adjacent pairs merge) whenever the span of the capture would need
// more than MAX_BUCKETS of them, so a 1 ms burst and a day-long capture both get a usable
// resolution with fixed memory and no per-packet allocation.
//
// The class of a plain packet here is what the decoder saw (routed only for --pod-cidr matches);
// the flow analysis settles routed vs underlay per flow at the end, with pod CIDRs learned later in
// the capture. The report therefore shows plain traffic over time as one series,
// "unencapsulated (routed+underlay)", and the exact split in the class totals.
import type { AnalysisContext, PacketAnalysis } from '../engine/analysis.js';
import { CLASS_NAME } from '../../dissectors/packet.js';
import type { PacketState } from '../../dissectors/packet.js';
import type { CaptureRecord } from '../reader/record.js';
import { CLASS_NAMES, type TrafficClassName } from '../classes.js';

/** Upper bound on the number of buckets spanned by the capture. */
export const MAX_BUCKETS = 600;
/** Sub-second resolution of the finest bucket: 1/1024 s. */
const BASE_PER_SECOND = 1024;
const NCLASS = CLASS_NAME.length;

export interface TimelineSeries {
  class: TrafficClassName;
  /** Wire bytes per bucket. */
  bytes: number[];
  packets: number[];
}

export interface TimelineResult {
  /** Bucket width in seconds (a power of two: ..., 0.25, 0.5, 1, 2, 4, ...). */
  bucketSeconds: number;
  /** Epoch seconds of the start of the first bucket (may precede the first packet). */
  start: number;
  buckets: number;
  packets: number;
  wireBytes: number;
  /** One series per class that has packets, in CLASS_NAME order. */
  series: TimelineSeries[];
}

export class TimelineAnalysis implements PacketAnalysis<TimelineResult> {
  readonly name = 'timeline';
  /** Bucket width is 2^shift base units of 1/1024 s. */
  private shift = 0;
  private div = 1;
  /** Absolute index (time / width) of slot 0 and the occupied range of absolute indexes. */
  private base = 0;
  private lo = Infinity;
  private hi = -Infinity;
  // slot * NCLASS + class
  private bytes = new Float64Array(MAX_BUCKETS * NCLASS);
  private pkts = new Float64Array(MAX_BUCKETS * NCLASS);
  private tmpBytes = new Float64Array(MAX_BUCKETS * NCLASS);
  private tmpPkts = new Float64Array(MAX_BUCKETS * NCLASS);
  private total = 0;
  private totalBytes = 0;

  onPacket(r: CaptureRecord, _st: PacketState, ctx: AnalysisContext): void {
    // Exact in a double: epoch seconds * 1024 stays far below 2^53.
    const units = r.tsSec * BASE_PER_SECOND + Math.floor((r.tsNsec * BASE_PER_SECOND) / 1e9);
    let idx = Math.floor(units / this.div);
    if (this.total === 0) {
      this.base = this.lo = this.hi = idx;
    } else if (idx < this.lo || idx > this.hi) {
      while (Math.max(this.hi, idx) - Math.min(this.lo, idx) >= MAX_BUCKETS) {
        this.merge();
        idx = Math.floor(units / this.div);
      }
      if (idx < this.base) this.rebase(idx);
      else if (idx - this.base >= MAX_BUCKETS) this.rebase(this.lo);
      if (idx < this.lo) this.lo = idx;
      if (idx > this.hi) this.hi = idx;
    }
    const c = ctx.facts.cls < NCLASS ? ctx.facts.cls : 0;
    const k = (idx - this.base) * NCLASS + c;
    this.bytes[k] += ctx.facts.wireLen;
    this.pkts[k]++;
    this.total++;
    this.totalBytes += ctx.facts.wireLen;
  }

  /** Doubles the bucket width: adjacent pairs of absolute buckets merge. */
  private merge(): void {
    const nb = Math.floor(this.base / 2);
    this.tmpBytes.fill(0);
    this.tmpPkts.fill(0);
    for (let abs = this.lo; abs <= this.hi; abs++) {
      const from = (abs - this.base) * NCLASS, to = (Math.floor(abs / 2) - nb) * NCLASS;
      for (let c = 0; c < NCLASS; c++) {
        this.tmpBytes[to + c] += this.bytes[from + c];
        this.tmpPkts[to + c] += this.pkts[from + c];
      }
    }
    [this.bytes, this.tmpBytes] = [this.tmpBytes, this.bytes];
    [this.pkts, this.tmpPkts] = [this.tmpPkts, this.pkts];
    this.base = nb;
    this.lo = Math.floor(this.lo / 2);
    this.hi = Math.floor(this.hi / 2);
    this.shift++;
    this.div *= 2;
  }

  /** Moves the data so that slot 0 is the absolute bucket `nb` (the span already fits). */
  private rebase(nb: number): void {
    const d = (this.base - nb) * NCLASS;
    if (d > 0) {
      this.bytes.copyWithin(d, 0, this.bytes.length - d);
      this.pkts.copyWithin(d, 0, this.pkts.length - d);
      this.bytes.fill(0, 0, d);
      this.pkts.fill(0, 0, d);
    } else if (d < 0) {
      this.bytes.copyWithin(0, -d);
      this.pkts.copyWithin(0, -d);
      this.bytes.fill(0, this.bytes.length + d);
      this.pkts.fill(0, this.pkts.length + d);
    }
    this.base = nb;
  }

  finish(): TimelineResult {
    const width = this.div / BASE_PER_SECOND;
    if (this.total === 0) return { bucketSeconds: width, start: 0, buckets: 0, packets: 0, wireBytes: 0, series: [] };
    const n = this.hi - this.lo + 1;
    const off = this.lo - this.base;
    const series: TimelineSeries[] = [];
    for (let c = 0; c < NCLASS; c++) {
      const bytes: number[] = new Array(n), packets: number[] = new Array(n);
      let any = false;
      for (let i = 0; i < n; i++) {
        const k = (off + i) * NCLASS + c;
        bytes[i] = this.bytes[k];
        packets[i] = this.pkts[k];
        if (packets[i]) any = true;
      }
      if (any) series.push({ class: CLASS_NAMES[c], bytes, packets });
    }
    return { bucketSeconds: width, start: this.lo * width, buckets: n, packets: this.total, wireBytes: this.totalBytes, series };
  }
}
