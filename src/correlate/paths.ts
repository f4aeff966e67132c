// Per-path counters: one path is (from node, to node, class, VNI/key, tunnel UDP port). Updated
// once per packet when its group leaves the window; numeric Map keys only.
import { CLASS_NAME } from '../packet.js';
import type { AddressBook } from './addresses.js';

/** Upper bounds (outer IP bytes) of the lostBySize buckets. */
export const SIZE_BUCKETS = [128, 256, 512, 1024, 1280, 1400, 1450, 1500, 9000, 65535] as const;
/** Delays kept exactly per path; beyond this a uniform sample (reservoir) is kept. */
export const MAX_DELAY_SAMPLES = 1 << 20;

export interface RewriteCount { from: string | number; to: string | number; packets: number }

export interface PathJson {
  from: string;
  to: string;
  class: string;
  tunnel: { vni: number | null; key: number | null; dstPort: number | null } | null;
  sent: number;
  received: number;
  lost: number;
  duplicated: number;
  reordered: number;
  /** Packets seen arriving whose sending the sender's capture missed (a capture drop there). */
  receivedNotSeenSent: number;
  delay: { p50: number; p90: number; p99: number; max: number; min: number; samples: number; exact: boolean; clockCorrected: boolean } | null;
  lostBySize: { maxBytes: number; sent: number; lost: number }[];
  rewrites: {
    outerSrc: RewriteCount[];
    outerDst: RewriteCount[];
    outerSrcPort: number;
    ttlDecrement: number | null;
    ttlDecrements: { by: number; packets: number }[];
    dscp: RewriteCount[];
    ecn: RewriteCount[];
    fragmentedInTransit: number;
  };
  firstFrame: number;
  firstLostFrame: number | null;
}

export class PathStats {
  sent = 0;
  received = 0;
  lost = 0;
  duplicated = 0;
  reordered = 0;
  receivedNotSeenSent = 0;
  firstFrame = 0;
  firstLostFrame = 0;
  /** Raw (uncorrected) delays in ns: receiver timestamp minus sender timestamp. */
  delays = new Float64Array(1024);
  delayCount = 0;
  delaySeen = 0;
  private rng = 0x2545f491;
  readonly sizeSent = new Map<number, number>();
  readonly sizeLost = new Map<number, number>();
  readonly srcRewrites = new Map<number, number>();
  readonly dstRewrites = new Map<number, number>();
  srcPortChanged = 0;
  readonly ttlDecrements = new Map<number, number>();
  readonly dscpRewrites = new Map<number, number>();
  readonly ecnRewrites = new Map<number, number>();
  fragmentedInTransit = 0;
  // Reordering: arrivals not yet in arrival order (send and arrival timestamps), and the latest
  // send time among packets that arrived so far.
  pendingSend: number[] = [];
  pendingArrival: number[] = [];
  maxSendArrived = -Infinity;

  constructor(
    readonly from: number,
    readonly to: number,
    readonly cls: number,
    readonly tunnelId: number,
    readonly dstPort: number,
  ) {}

  addDelay(ns: number): void {
    this.delaySeen++;
    if (this.delayCount < MAX_DELAY_SAMPLES) {
      if (this.delayCount === this.delays.length) {
        const d = new Float64Array(this.delays.length * 2);
        d.set(this.delays);
        this.delays = d;
      }
      this.delays[this.delayCount++] = ns;
      return;
    }
    // Reservoir sampling (deterministic xorshift) once the exact store is full.
    this.rng ^= this.rng << 13; this.rng ^= this.rng >>> 17; this.rng ^= this.rng << 5;
    const j = (this.rng >>> 0) % this.delaySeen;
    if (j < MAX_DELAY_SAMPLES) this.delays[j] = ns;
  }

  /** Counts, in arrival order, the packets that arrived after a packet sent later (RFC 4737). */
  settleReordering(horizon: number): void {
    const n = this.pendingArrival.length;
    if (n === 0) return;
    const ready: number[] = [];
    const keepS: number[] = [], keepA: number[] = [];
    for (let i = 0; i < n; i++) {
      if (this.pendingArrival[i] < horizon) ready.push(i);
      else { keepS.push(this.pendingSend[i]); keepA.push(this.pendingArrival[i]); }
    }
    if (ready.length === 0) return;
    const S = this.pendingSend, A = this.pendingArrival;
    ready.sort((a, b) => A[a] - A[b] || S[a] - S[b]);
    for (const i of ready) {
      if (S[i] < this.maxSendArrived) this.reordered++;
      else this.maxSendArrived = S[i];
    }
    this.pendingSend = keepS;
    this.pendingArrival = keepA;
  }
}

function pairs(m: Map<number, number>, name: (k: number) => string | number, width: number): RewriteCount[] {
  return [...m].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([k, packets]) => ({ from: name(Math.floor(k / width)), to: name(k % width), packets }));
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: Float64Array, p: number): number {
  const i = Math.max(0, Math.ceil(p * sorted.length) - 1);
  return sorted[Math.min(i, sorted.length - 1)];
}

export const ADDRESS_WIDTH = 2 ** 24;

/** The JSON form; `correction` (ns) is subtracted from every raw delay (NaN: none known). */
export function pathJson(p: PathStats, names: string[], book: AddressBook, correction: number): PathJson {
  let delay: PathJson['delay'] = null;
  if (p.delayCount > 0) {
    const corrected = Number.isNaN(correction) ? 0 : correction;
    const d = Float64Array.from(p.delays.subarray(0, p.delayCount), (x) => x - corrected).sort();
    delay = {
      p50: percentile(d, 0.5) / 1e9, p90: percentile(d, 0.9) / 1e9, p99: percentile(d, 0.99) / 1e9,
      max: d[d.length - 1] / 1e9, min: d[0] / 1e9, samples: p.delaySeen, exact: p.delaySeen === p.delayCount,
      clockCorrected: !Number.isNaN(correction),
    };
  }
  const lostBySize: PathJson['lostBySize'] = [];
  for (let b = 0; b < SIZE_BUCKETS.length; b++) {
    const lo = b === 0 ? 0 : SIZE_BUCKETS[b - 1];
    let sent = 0, lost = 0;
    for (const [size, c] of p.sizeSent) if (size > lo && size <= SIZE_BUCKETS[b]) { sent += c; lost += p.sizeLost.get(size) ?? 0; }
    if (sent > 0) lostBySize.push({ maxBytes: SIZE_BUCKETS[b], sent, lost });
  }
  let ttlMode: number | null = null, ttlBest = 0;
  for (const [by, c] of [...p.ttlDecrements].sort((a, b) => a[0] - b[0])) if (c > ttlBest) { ttlBest = c; ttlMode = by; }
  const udp = p.dstPort > 0;
  const keyed = p.cls === 6; // GRE carries a key, the others a VNI
  return {
    from: names[p.from],
    to: names[p.to],
    class: CLASS_NAME[p.cls] ?? 'other',
    tunnel: p.cls >= 3 ? {
      vni: !keyed && p.tunnelId >= 0 ? p.tunnelId : null,
      key: keyed && p.tunnelId >= 0 ? p.tunnelId : null,
      dstPort: udp ? p.dstPort : null,
    } : null,
    sent: p.sent,
    received: p.received,
    lost: p.lost,
    duplicated: p.duplicated,
    reordered: p.reordered,
    receivedNotSeenSent: p.receivedNotSeenSent,
    delay,
    lostBySize,
    rewrites: {
      outerSrc: pairs(p.srcRewrites, (a) => book.text(a), ADDRESS_WIDTH),
      outerDst: pairs(p.dstRewrites, (a) => book.text(a), ADDRESS_WIDTH),
      outerSrcPort: p.srcPortChanged,
      ttlDecrement: ttlMode,
      ttlDecrements: [...p.ttlDecrements].sort((a, b) => a[0] - b[0]).map(([by, packets]) => ({ by, packets })),
      dscp: pairs(p.dscpRewrites, (x) => x, 64),
      ecn: pairs(p.ecnRewrites, (x) => x, 4),
      fragmentedInTransit: p.fragmentedInTransit,
    },
    firstFrame: p.firstFrame,
    firstLostFrame: p.firstLostFrame > 0 ? p.firstLostFrame : null,
  };
}
