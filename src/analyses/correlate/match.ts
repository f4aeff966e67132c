// The matching engine. Sightings from all nodes arrive merged by timestamp; each one joins the
// group of earlier sightings with the same identity that started less than one window ago, or
// starts a new group. A group is judged two windows after it started (by then every sighting it
// can get has arrived and the coverage of every capture around it is known): who sent it, who
// it was for, whether it arrived, how many copies, the delay and what changed on the way.
// Memory is the window's packets: sightings and groups live in typed-array rings and an
// open-addressing table; nothing is allocated per packet.
import { SightingStore } from './store.js';
import { PathStats, ADDRESS_WIDTH } from './paths.js';
import { PairClock } from './clock.js';

const NO = -1;

/** Groups: FIFO ring by start time plus an open-addressing index by identity. */
class GroupRing {
  head = 0;
  tail = 0;
  mask = 1023;
  first = new Float64Array(1024);
  last = new Float64Array(1024);
  start = new Float64Array(1024);
  h1 = new Uint32Array(1024);
  h2 = new Uint32Array(1024);
  // Index: slot -> group id + 1 (0 empty).
  private ix = new Float64Array(4096);
  private ixMask = 4095;
  private live = 0;

  private home(h1: number, h2: number): number {
    return (Math.imul(h1 ^ (h2 >>> 7), 0x9e3779b1) >>> 0) & this.ixMask;
  }

  /** The live group with this identity, or -1. */
  find(h1: number, h2: number): number {
    for (let s = this.home(h1, h2); ; s = (s + 1) & this.ixMask) {
      const v = this.ix[s];
      if (v === 0) return NO;
      const g = v - 1, i = g & this.mask;
      if (this.h1[i] === h1 && this.h2[i] === h2) return g;
    }
  }

  add(h1: number, h2: number, seq: number, ts: number): number {
    if (this.tail - this.head > this.mask) this.growRing();
    const g = this.tail++, i = g & this.mask;
    this.first[i] = seq; this.last[i] = seq; this.start[i] = ts; this.h1[i] = h1; this.h2[i] = h2;
    this.index(g, i);
    return g;
  }

  /** Points the identity at group g (replacing an older group of the same identity). */
  private index(g: number, i: number): void {
    if ((this.live + 1) * 2 > this.ix.length) this.growIndex();
    const h1 = this.h1[i], h2 = this.h2[i];
    for (let s = this.home(h1, h2); ; s = (s + 1) & this.ixMask) {
      const v = this.ix[s];
      if (v === 0) { this.ix[s] = g + 1; this.live++; return; }
      const j = (v - 1) & this.mask;
      if (this.h1[j] === h1 && this.h2[j] === h2) { this.ix[s] = g + 1; return; }
    }
  }

  /** Removes group g from the index if the index still points at it (backward-shift deletion). */
  unindex(g: number): void {
    const i = g & this.mask;
    let s = this.home(this.h1[i], this.h2[i]);
    while (this.ix[s] !== 0 && this.ix[s] !== g + 1) s = (s + 1) & this.ixMask;
    if (this.ix[s] === 0) return;
    this.ix[s] = 0;
    this.live--;
    let hole = s;
    for (let t = (s + 1) & this.ixMask; this.ix[t] !== 0; t = (t + 1) & this.ixMask) {
      const j = (this.ix[t] - 1) & this.mask;
      const h = this.home(this.h1[j], this.h2[j]);
      // Move t into the hole when its home is not cyclically in (hole, t].
      const inRange = hole <= t ? h > hole && h <= t : h > hole || h <= t;
      if (!inRange) { this.ix[hole] = this.ix[t]; this.ix[t] = 0; hole = t; }
    }
  }

  private growRing(): void {
    const oldMask = this.mask, c = (oldMask + 1) * 2, mask = c - 1;
    const f = new Float64Array(c), l = new Float64Array(c), st = new Float64Array(c), a = new Uint32Array(c), b = new Uint32Array(c);
    for (let g = this.head; g < this.tail; g++) {
      const o = g & oldMask, n = g & mask;
      f[n] = this.first[o]; l[n] = this.last[o]; st[n] = this.start[o]; a[n] = this.h1[o]; b[n] = this.h2[o];
    }
    this.first = f; this.last = l; this.start = st; this.h1 = a; this.h2 = b; this.mask = mask;
  }

  private growIndex(): void {
    const old = this.ix;
    this.ix = new Float64Array(old.length * 2);
    this.ixMask = this.ix.length - 1;
    this.live = 0;
    for (let s = 0; s < old.length; s++) {
      if (old[s] === 0) continue;
      const g = old[s] - 1;
      this.index(g, g & this.mask);
    }
  }
}

export interface MatcherConfig {
  nodes: number;
  windowNs: number;
  /** Node owning an address index (its own address), -1 when none. */
  ownerOf: (addr: number) => number;
  /** Node an address names, own or learned through NAT, -1 when none. */
  nodeOf: (addr: number) => number;
  /** First timestamp (relative ns) of each capture. */
  starts: Float64Array;
}

export class Matcher {
  readonly window = new SightingStore(8192);
  private readonly groups = new GroupRing();
  readonly paths: PathStats[] = [];
  private readonly pathIndex = new Map<number, number[]>();
  readonly clock: PairClock;
  /** Last timestamp per capture; +Infinity while it is still being read. */
  readonly ends: Float64Array;
  /** Per node: sightings judged, and those whose packet ran between nodes none of which is ours. */
  readonly judged: Float64Array;
  readonly elsewhere: Float64Array;
  /**
   * Per node: records of packets that another node's capture shows too, where that other node sent
   * them (or, when no sender is known, saw them first), and their wire bytes. A cluster total that
   * adds up the nodes' records subtracts these to count each packet once (cluster.ts).
   */
  readonly repeatRecords: Float64Array;
  readonly repeatBytes: Float64Array;
  /** Packets (groups) seen at more than one node. */
  multiNode = 0;
  /** Largest number of sightings the window held at once. */
  peakWindow = 0;
  private now = -Infinity;
  private sinceSettle = 0;
  // Per-group scratch, per node.
  private readonly firstSeq: Float64Array;
  private readonly copies: Int32Array;

  constructor(readonly cfg: MatcherConfig) {
    this.clock = new PairClock(cfg.nodes);
    this.ends = new Float64Array(cfg.nodes).fill(Infinity);
    this.judged = new Float64Array(cfg.nodes);
    this.elsewhere = new Float64Array(cfg.nodes);
    this.repeatRecords = new Float64Array(cfg.nodes);
    this.repeatBytes = new Float64Array(cfg.nodes);
    this.firstSeq = new Float64Array(cfg.nodes);
    this.copies = new Int32Array(cfg.nodes);
  }

  /** Takes the oldest sighting of a per-file queue into the window. */
  take(queue: SightingStore): void {
    const w = this.window;
    const ts = queue.headTs();
    if (ts > this.now) this.now = ts;
    this.expire(this.now - 2 * this.cfg.windowNs);
    const seq = w.takeFrom(queue);
    const i = w.slot(seq);
    const h1 = w.h1[i], h2 = w.h2[i];
    const g = this.groups.find(h1, h2);
    const G = this.groups;
    if (g !== NO && ts - G.start[g & G.mask] <= this.cfg.windowNs) {
      const gi = g & G.mask;
      w.next[w.slot(G.last[gi])] = seq;
      G.last[gi] = seq;
    } else {
      G.add(h1, h2, seq, ts);
    }
    if (w.length > this.peakWindow) this.peakWindow = w.length;
  }

  /** Judges every group that started before `horizon`. */
  private expire(horizon: number): void {
    const G = this.groups;
    while (G.head < G.tail && G.start[G.head & G.mask] < horizon) {
      const g = G.head;
      this.judge(g);
      G.unindex(g);
      G.head++;
      // The window keeps sightings from the oldest live group on.
      this.window.head = G.head < G.tail ? G.first[G.head & G.mask] : this.window.tail;
      if (++this.sinceSettle >= 4096) {
        this.sinceSettle = 0;
        this.settle(horizon);
      }
    }
  }

  private settle(horizon: number): void {
    for (const p of this.paths) p.settleReordering(horizon);
  }

  /** All input read: judge what is left. */
  finish(): void {
    this.expire(Infinity);
    this.settle(Infinity);
  }

  private covered(node: number, t: number): boolean {
    const W = this.cfg.windowNs;
    return t >= this.cfg.starts[node] + W && t <= this.ends[node] - W;
  }

  path(from: number, to: number, cls: number, tunnelId: number, dstPort: number): PathStats {
    const key = (from * 4096 + to) * 16 + cls;
    let list = this.pathIndex.get(key);
    if (!list) { list = []; this.pathIndex.set(key, list); }
    for (const k of list) {
      const p = this.paths[k];
      if (p.tunnelId === tunnelId && p.dstPort === dstPort) return p;
    }
    const p = new PathStats(from, to, cls, tunnelId, dstPort, Math.max(this.cfg.starts[from], this.cfg.starts[to]) + this.cfg.windowNs, this.cfg.windowNs);
    list.push(this.paths.length);
    this.paths.push(p);
    return p;
  }

  private judge(g: number): void {
    const G = this.groups, w = this.window, n = this.cfg.nodes;
    const firstSeq = this.firstSeq, copies = this.copies;
    firstSeq.fill(-1);
    copies.fill(0);
    // Copies per node at the capture point of that node's first sighting (copies of the packet
    // at other capture points of the same node are the same transmission).
    for (let seq = G.first[g & G.mask]; seq !== NO; seq = w.next[w.slot(seq)]) {
      const i = w.slot(seq), node = w.node[i];
      this.judged[node]++;
      if (firstSeq[node] < 0) { firstSeq[node] = seq; copies[node] = 1; }
      else if (w.point[w.slot(firstSeq[node])] === w.point[i]) copies[node]++;
    }
    // The sender: a node whose capture shows the packet leaving from its own address.
    let from = NO;
    for (let x = 0; x < n && from === NO; x++) {
      if (firstSeq[x] >= 0 && this.cfg.ownerOf(w.src[w.slot(firstSeq[x])]) === x) from = x;
    }
    // Cluster totals: every record of this packet outside its sender's (or first) node repeats it,
    // whether or not the time both captures cover includes it.
    const primary = from !== NO ? from : w.node[w.slot(G.first[g & G.mask])];
    let repeated = false;
    for (let seq = G.first[g & G.mask]; seq !== NO; seq = w.next[w.slot(seq)]) {
      const i = w.slot(seq), node = w.node[i];
      if (node === primary) continue;
      this.repeatRecords[node]++;
      this.repeatBytes[node] += w.wire[i];
      repeated = true;
    }
    if (repeated) this.multiNode++;
    if (from === NO) {
      // Seen arriving only: a packet from a node whose capture missed it, or from elsewhere.
      for (let y = 0; y < n; y++) {
        if (firstSeq[y] < 0) continue;
        const i = w.slot(firstSeq[y]);
        const src = this.cfg.nodeOf(w.src[i]);
        if (this.cfg.ownerOf(w.dst[i]) !== y || src < 0 || src === y) { this.elsewhere[y]++; continue; }
        const t = w.ts[i];
        if (this.covered(y, t) && this.covered(src, t)) this.path(src, y, w.cls[i], w.tunnelId[i], w.dstPort[i]).receivedNotSeenSent += copies[y];
      }
      return;
    }
    const xi = w.slot(firstSeq[from]);
    const to = this.cfg.nodeOf(w.dst[xi]);
    if (to < 0 || to === from) { this.elsewhere[from]++; return; }
    const tx = w.ts[xi];
    if (!this.covered(from, tx) || !this.covered(to, tx)) return;
    const p = this.path(from, to, w.cls[xi], w.tunnelId[xi], w.dstPort[xi]);
    const sent = copies[from], arrived = copies[to];
    const received = Math.min(sent, arrived);
    const frame = w.frame[xi];
    if (p.firstFrame === 0) p.firstFrame = frame;
    p.sent += sent;
    p.received += received;
    p.lost += sent - received;
    if (arrived > sent) p.duplicated += arrived - sent;
    const size = w.bytes[xi];
    p.sizeSent.set(size, (p.sizeSent.get(size) ?? 0) + sent);
    const kind = w.proto[xi] * 8 + w.tcpKind[xi];
    bumpMap(p.protoSent, kind, sent);
    p.countTime(tx, sent, sent - received);
    if (sent > received) {
      p.sizeLost.set(size, (p.sizeLost.get(size) ?? 0) + sent - received);
      bumpMap(p.protoLost, kind, sent - received);
      if (p.firstLostFrame === 0) p.firstLostFrame = frame;
      // A run of consecutive lost packets on this path (in the order they are judged).
      if (p.lossRun++ === 0) { p.lossRuns++; p.lossRunStart = tx; p.lossRunFrame = frame; }
      if (p.lossRun > p.longestLossRun) {
        p.longestLossRun = p.lossRun; p.longestRunStart = p.lossRunStart; p.longestRunEnd = tx; p.longestRunFrame = p.lossRunFrame;
      }
    } else {
      p.lossRun = 0;
    }
    if (arrived === 0) return;
    const yi = w.slot(firstSeq[to]);
    const ty = w.ts[yi];
    // A packet sent more than once (the same bytes retransmitted) is timed from its first
    // transmission to its first arrival: across two clocks which copy arrived is not knowable.
    p.addDelay(ty - tx);
    this.clock.observe(from, to, ty - tx);
    p.pendingSend.push(tx);
    p.pendingArrival.push(ty);
    // What changed on the way (counted once per packet that arrived).
    if (w.src[xi] !== w.src[yi]) bumpMap(p.srcRewrites, w.src[xi] * ADDRESS_WIDTH + w.src[yi], received);
    if (w.dst[xi] !== w.dst[yi]) bumpMap(p.dstRewrites, w.dst[xi] * ADDRESS_WIDTH + w.dst[yi], received);
    if (w.srcPort[xi] !== w.srcPort[yi]) p.srcPortChanged += received;
    bumpMap(p.ttlDecrements, w.ttl[xi] - w.ttl[yi], received);
    const dx = w.tos[xi] >> 2, dy = w.tos[yi] >> 2, ex = w.tos[xi] & 3, ey = w.tos[yi] & 3;
    if (dx !== dy) bumpMap(p.dscpRewrites, dx * 64 + dy, received);
    if (ex !== ey) bumpMap(p.ecnRewrites, ex * 4 + ey, received);
    if (w.fragmented[xi] === 0 && w.fragmented[yi] !== 0) p.fragmentedInTransit += received;
    // MSS clamping: a SYN's MSS option rewritten on the way (the identity leaves TCP options out).
    if (w.mss[xi] >= 0 && w.mss[yi] >= 0 && w.mss[xi] !== w.mss[yi]) bumpMap(p.mssRewrites, w.mss[xi] * 65536 + w.mss[yi], received);
  }
}

function bumpMap(m: Map<number, number>, k: number, by: number): void {
  m.set(k, (m.get(k) ?? 0) + by);
}
