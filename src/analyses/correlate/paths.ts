// Per-path counters: one path is (from node, to node, class, VNI/key, tunnel UDP port). Updated
// once per packet when its group leaves the window; numeric Map keys only.
import { CLASS_NAME } from '../../../dissectors/packet.js';
import type { AddressBook } from './addresses.js';
import { NO_PROTOCOL, TCP_KIND_NAME } from './identity.js';

/** Most lostByTime buckets listed per path (fine buckets of one window are merged to stay under it). */
export const MAX_TIME_BUCKETS = 20;

/**
 * Most fine time buckets kept per path while reading: past it the bucket width doubles (pairs of
 * buckets merge), so a long capture with a small window stays bounded.
 */
export const MAX_FINE_TIME_BUCKETS = 4096;

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
  /** Inner IP protocol (the packet's own for plain packets) and, for TCP, the segment kind. */
  lostByProtocol: { protocol: number | null; tcpFlags: string | null; sent: number; lost: number }[];
  /** Seconds from the start of the pair's overlap (see the README for the bucket rule). */
  lostByTime: { start: number; end: number; sent: number; lost: number }[];
  /**
   * Runs of consecutive lost packets: how many, the longest (packets), and when it ran: the send
   * times of its first and last packet, seconds from the start of the overlap (null when none lost).
   */
  bursts: { runs: number; longest: number; longestStart: number | null; longestEnd: number | null };
  rewrites: {
    outerSrc: RewriteCount[];
    outerDst: RewriteCount[];
    outerSrcPort: number;
    ttlDecrement: number | null;
    ttlDecrements: { by: number; packets: number }[];
    dscp: RewriteCount[];
    ecn: RewriteCount[];
    fragmentedInTransit: number;
    mssClamp: RewriteCount[];
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
  readonly mssRewrites = new Map<number, number>();
  /** Keys: IP protocol * 8 + TCP kind. */
  readonly protoSent = new Map<number, number>();
  readonly protoLost = new Map<number, number>();
  /** Keys: fine time bucket (timeBucketNs wide, from timeOrigin). */
  timeSent = new Map<number, number>();
  timeLost = new Map<number, number>();
  lossRun = 0;
  lossRuns = 0;
  longestLossRun = 0;
  /** Relative ns: send time of the current run's first packet, and of the longest run's first and last. */
  lossRunStart = 0;
  longestRunStart = 0;
  longestRunEnd = 0;
  /** Frame numbers (sender's capture) of the current run's first packet and of the longest run's. */
  lossRunFrame = 0;
  longestRunFrame = 0;
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
    /** Relative ns where the pair's overlap starts: the origin of the time buckets. */
    readonly timeOrigin: number,
    /** Width of the fine time buckets: one window, doubled whenever there would be too many. */
    public timeBucketNs: number,
  ) {}

  /** Counts a packet (sent, of which lost) in the fine time bucket of relative time `t` (ns). */
  countTime(t: number, sent: number, lost: number): void {
    const b = Math.floor((t - this.timeOrigin) / this.timeBucketNs);
    this.timeSent.set(b, (this.timeSent.get(b) ?? 0) + sent);
    if (lost > 0) this.timeLost.set(b, (this.timeLost.get(b) ?? 0) + lost);
    if (this.timeSent.size > MAX_FINE_TIME_BUCKETS) {
      this.timeBucketNs *= 2;
      this.timeSent = halve(this.timeSent);
      this.timeLost = halve(this.timeLost);
    }
  }

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

/** Buckets merged in pairs (bucket b goes to floor(b / 2)). */
function halve(m: Map<number, number>): Map<number, number> {
  const out = new Map<number, number>();
  for (const [b, n] of m) {
    const j = Math.floor(b / 2);
    out.set(j, (out.get(j) ?? 0) + n);
  }
  return out;
}

/**
 * lostByTime: the overlap (`spanNs` long) in fine buckets (one window wide, or wider after halving), merged k at a time,
 * k = max(1, ceil(fine buckets / MAX_TIME_BUCKETS)); only buckets with packets are listed.
 */
function timeBuckets(p: PathStats, spanNs: number): PathJson['lostByTime'] {
  const width = p.timeBucketNs;
  const fine = Math.max(1, Math.ceil(spanNs / width));
  const k = Math.max(1, Math.ceil(fine / MAX_TIME_BUCKETS));
  const merged = new Map<number, [number, number]>();
  for (const [b, sent] of p.timeSent) {
    const j = Math.floor(b / k);
    const m = merged.get(j) ?? [0, 0];
    m[0] += sent;
    m[1] += p.timeLost.get(b) ?? 0;
    merged.set(j, m);
  }
  return [...merged].sort((a, b) => a[0] - b[0]).map(([j, [sent, lost]]) => ({
    start: (j * k * width) / 1e9, end: Math.min((j + 1) * k * width, Math.max(spanNs, 0)) / 1e9, sent, lost,
  }));
}

/**
 * The JSON form; `correction` (ns) is subtracted from every raw delay (NaN: none known);
 * `spanNs` is the length of the pair's overlap (for lostByTime).
 */
export function pathJson(p: PathStats, names: string[], book: AddressBook, correction: number, spanNs: number): PathJson {
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
  const lostByProtocol: PathJson['lostByProtocol'] = [...p.protoSent].sort((a, b) => a[0] - b[0]).map(([k, sent]) => ({
    protocol: k >> 3 === NO_PROTOCOL ? null : k >> 3, tcpFlags: TCP_KIND_NAME[k & 7] ?? null, sent, lost: p.protoLost.get(k) ?? 0,
  }));
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
    lostByProtocol,
    lostByTime: timeBuckets(p, spanNs),
    bursts: {
      runs: p.lossRuns, longest: p.longestLossRun,
      longestStart: p.longestLossRun > 0 ? (p.longestRunStart - p.timeOrigin) / 1e9 : null,
      longestEnd: p.longestLossRun > 0 ? (p.longestRunEnd - p.timeOrigin) / 1e9 : null,
    },
    rewrites: {
      outerSrc: pairs(p.srcRewrites, (a) => book.text(a), ADDRESS_WIDTH),
      outerDst: pairs(p.dstRewrites, (a) => book.text(a), ADDRESS_WIDTH),
      outerSrcPort: p.srcPortChanged,
      ttlDecrement: ttlMode,
      ttlDecrements: [...p.ttlDecrements].sort((a, b) => a[0] - b[0]).map(([by, packets]) => ({ by, packets })),
      dscp: pairs(p.dscpRewrites, (x) => x, 64),
      ecn: pairs(p.ecnRewrites, (x) => x, 4),
      fragmentedInTransit: p.fragmentedInTransit,
      mssClamp: pairs(p.mssRewrites, (x) => x, 65536),
    },
    firstFrame: p.firstFrame,
    firstLostFrame: p.firstLostFrame > 0 ? p.firstLostFrame : null,
  };
}
