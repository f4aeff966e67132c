// Small numeric helpers shared by the lint and CNI analyses: a bounded counting table over
// fixed-width uint32 keys (an open-addressing index + parallel counters), address words, MAC words and their
// text forms for the cold path.
import { Proto, u32, type PacketState } from '../../dissectors/packet.js';
import { IPV4_DST, IPV4_SRC } from '../../dissectors/ipv4.js';
import { IPV6_DST, IPV6_SRC } from '../../dissectors/ipv6.js';
import { formatIp } from './cidr.js';

/**
 * Counts per key with the first frame (and file) seen; stops adding keys at `max` (then counts `dropped`).
 * Its own open-addressing index, tuned for add(): one hash per call, the full hash kept per slot so
 * a probe compares key words only on a hash match, and the two most recent entries checked before
 * hashing (packets come in bursts: the same VTEP pair, node address or port/VNI again and again).
 */
export class CountTable {
  /** Key words, entry e at [e * width, (e + 1) * width). */
  keys: Uint32Array;
  counts: Float64Array;
  first: Float64Array;
  firstFile: Int32Array;
  dropped = 0;
  size = 0;
  /** Per slot, side by side (one cache line): entry + 1 (0: empty) and the hash of that entry's key. */
  private slots: Int32Array;
  /** Slot count - 1. */
  private mask: number;
  private recent = -1;
  private older = -1;

  constructor(readonly width: number, readonly max = 65536, initial = 64) {
    this.keys = new Uint32Array(initial * width);
    this.counts = new Float64Array(initial);
    this.first = new Float64Array(initial);
    this.firstFile = new Int32Array(initial);
    let n = 16;
    while (n < initial * 2) n <<= 1;
    this.slots = new Int32Array(2 * n);
    this.mask = n - 1;
  }

  private static hash(k: Uint32Array, width: number): number {
    let h = 0x811c9dc5 | 0;
    for (let i = 0; i < width; i++) {
      h = Math.imul(h ^ k[i], 0x01000193);
      h ^= h >>> 15;
    }
    return h ^ (h >>> 13);
  }

  private sameKey(e: number, k: Uint32Array): boolean {
    const w = this.width, keys = this.keys, base = e * w;
    for (let i = 0; i < w; i++) if (keys[base + i] !== k[i]) return false;
    return true;
  }

  /** Entry of the key, or -1. */
  find(key: Uint32Array): number {
    const h = CountTable.hash(key, this.width);
    const slots = this.slots, mask = this.mask;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const v = slots[2 * s];
      if (v === 0) return -1;
      if (slots[2 * s + 1] === h && this.sameKey(v - 1, key)) return v - 1;
    }
  }

  /**
   * Adds n to the key's count; returns the entry, or -1 when the table is full and the key is new.
   * Only the first `width` words of `key` are read, so callers pass one reused scratch array (no views).
   */
  add(key: Uint32Array, frame: number, file: number, n = 1): number {
    let e = this.recent;
    if (e >= 0 && this.sameKey(e, key)) {
      this.counts[e] += n;
      return e;
    }
    e = this.older;
    if (e >= 0 && this.sameKey(e, key)) {
      this.older = this.recent;
      this.recent = e;
      this.counts[e] += n;
      return e;
    }
    const h = CountTable.hash(key, this.width);
    const slots = this.slots, mask = this.mask;
    let s = h & mask;
    for (;;) {
      const v = slots[2 * s];
      if (v === 0) break;
      if (slots[2 * s + 1] === h && this.sameKey(v - 1, key)) {
        e = v - 1;
        this.older = this.recent;
        this.recent = e;
        this.counts[e] += n;
        return e;
      }
      s = (s + 1) & mask;
    }
    if (this.size >= this.max) {
      this.dropped += n;
      return -1;
    }
    e = this.size++;
    if (e >= this.counts.length) this.grow();
    this.keys.set(key.subarray(0, this.width), e * this.width);
    slots[2 * s] = e + 1;
    slots[2 * s + 1] = h;
    this.counts[e] = n;
    this.first[e] = frame;
    this.firstFile[e] = file;
    if (this.size * 2 > mask + 1) this.rehash((mask + 1) * 2);
    this.older = this.recent;
    this.recent = e;
    return e;
  }

  /** One more for entry e that add() returned before (-1: a key the full table dropped, dropped again). */
  bump(e: number): void {
    if (e >= 0) this.counts[e]++;
    else this.dropped++;
  }

  private grow(): void {
    const n = this.counts.length * 2;
    const keys = new Uint32Array(n * this.width);
    keys.set(this.keys);
    this.keys = keys;
    this.counts = growF64(this.counts, n);
    this.first = growF64(this.first, n);
    this.firstFile = growI32(this.firstFile, n);
  }

  private rehash(n: number): void {
    const slots = new Int32Array(2 * n), mask = n - 1, w = this.width;
    for (let e = 0; e < this.size; e++) {
      const h = CountTable.hash(this.keys.subarray(e * w, e * w + w), w);
      let s = h & mask;
      while (slots[2 * s] !== 0) s = (s + 1) & mask;
      slots[2 * s] = e + 1;
      slots[2 * s + 1] = h;
    }
    this.slots = slots;
    this.mask = mask;
  }

  /** Key words of entry e (a view; copy before keeping). */
  keyOf(e: number): Uint32Array {
    return this.keys.subarray(e * this.width, e * this.width + this.width);
  }

  /** A plain-data copy for another thread (see mergeState). */
  exportState(): CountTableState {
    const n = this.size, w = this.width;
    return {
      width: w, keys: this.keys.slice(0, n * w), counts: this.counts.slice(0, n), first: this.first.slice(0, n),
      firstFile: this.firstFile.slice(0, n), dropped: this.dropped,
    };
  }

  /**
   * Adds the entries of another table's state. States are merged in file order, so an entry that
   * exists already keeps its first frame. Returns, per entry of the other state, this table's entry (-1 when full).
   */
  mergeState(s: CountTableState): Int32Array {
    const map = new Int32Array(s.counts.length);
    const k = new Uint32Array(this.width);
    for (let i = 0; i < s.counts.length; i++) {
      k.set(s.keys.subarray(i * this.width, i * this.width + this.width));
      const had = this.find(k) >= 0;
      const e = this.add(k, s.first[i], s.firstFile[i], s.counts[i]);
      map[i] = e;
      if (e >= 0 && !had) {
        this.first[e] = s.first[i];
        this.firstFile[e] = s.firstFile[i];
      }
    }
    this.dropped += s.dropped;
    return map;
  }

  /** Entry indexes sorted by count, highest first. */
  sorted(): number[] {
    const out: number[] = [];
    for (let e = 0; e < this.size; e++) out.push(e);
    return out.sort((a, b) => this.counts[b] - this.counts[a] || this.first[a] - this.first[b]);
  }
}

export interface CountTableState {
  width: number;
  keys: Uint32Array;
  counts: Float64Array;
  first: Float64Array;
  firstFile: Int32Array;
  dropped: number;
}

export function growF64(a: Float64Array, n: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(n);
  b.set(a);
  return b;
}
export function growI32(a: Int32Array, n: number, fill = 0): Int32Array<ArrayBuffer> {
  const b = new Int32Array(n);
  if (fill !== 0) b.fill(fill);
  b.set(a);
  return b;
}
export function growU8(a: Uint8Array, n: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(n);
  b.set(a);
  return b;
}

/** Writes the source (or destination) address of IP layer `ip` into key[pos..pos+4): IPv4 in the first word. */
export function ipWords(st: PacketState, ip: number, dst: boolean, key: Uint32Array, pos: number): void {
  const b = st.buf, o = st.off[ip];
  if (st.kind[ip] === Proto.IPV4) {
    key[pos] = u32(b, o + (dst ? IPV4_DST : IPV4_SRC));
    key[pos + 1] = 0;
    key[pos + 2] = 0;
    key[pos + 3] = 0;
  } else {
    const a = o + (dst ? IPV6_DST : IPV6_SRC);
    key[pos] = u32(b, a);
    key[pos + 1] = u32(b, a + 4);
    key[pos + 2] = u32(b, a + 8);
    key[pos + 3] = u32(b, a + 12);
  }
}

/** 6 = IPv6, else IPv4. */
export function ipFamily(st: PacketState, ip: number): number {
  return st.kind[ip] === Proto.IPV6 ? 6 : 4;
}

/** Text form of an address stored by ipWords. */
export function ipText(family: number, w: Uint32Array, pos: number): string {
  if (family !== 6) return formatIp(wordBytes(w, pos, 1));
  return formatIp(wordBytes(w, pos, 4));
}

function wordBytes(w: Uint32Array, pos: number, n: number): Uint8Array {
  const b = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    const v = w[pos + i];
    b[4 * i] = v >>> 24;
    b[4 * i + 1] = (v >>> 16) & 255;
    b[4 * i + 2] = (v >>> 8) & 255;
    b[4 * i + 3] = v & 255;
  }
  return b;
}

export function ipv4Text(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** Compares two stored addresses (4 words each) for an order-independent pair key. */
export function compareWords(w: Uint32Array, a: number, b: number, n: number): number {
  for (let i = 0; i < n; i++) {
    if (w[a + i] !== w[b + i]) return w[a + i] < w[b + i] ? -1 : 1;
  }
  return 0;
}

/** MAC at b[o..o+6) as two words: the top 16 bits and the low 32 bits. */
export function macHi(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}
export function macLo(b: Uint8Array, o: number): number {
  return u32(b, o + 2);
}
export function macText(hi: number, lo: number): string {
  const h = (x: number) => x.toString(16).padStart(2, '0');
  return `${h(hi >>> 8)}:${h(hi & 255)}:${h(lo >>> 24)}:${h((lo >>> 16) & 255)}:${h((lo >>> 8) & 255)}:${h(lo & 255)}`;
}

/** Cheap 32-bit mixing step (FNV-style). */
export function mix32(h: number, v: number): number {
  h = Math.imul(h ^ v, 0x01000193);
  return h ^ (h >>> 15);
}

/** Object from numeric keys to counts, keys in ascending order (JSON evidence). */
export function countsObject(pairs: Iterable<[number | string, number]>): Record<string, number> {
  const arr = [...pairs].sort((a, b) => (typeof a[0] === 'number' && typeof b[0] === 'number' ? a[0] - b[0] : String(a[0]).localeCompare(String(b[0]))));
  const o: Record<string, number> = {};
  for (const [k, v] of arr) o[String(k)] = v;
  return o;
}

/** Rate statistics over a run of window steps: the most events in one window (and when), and the steps above the threshold. */
export interface RateStats {
  peak: number;
  peakStart: number;
  hits: number;
  firstHit: number;
  firstHitFile: number;
}

/** Counts one event, `inWindow` events deep in a window that starts at `start`, into `s`. */
function countRate(s: RateStats, inWindow: number, start: number, threshold: number, frame: number, file: number): void {
  if (inWindow > s.peak) {
    s.peak = inWindow;
    s.peakStart = start;
  }
  if (inWindow > threshold) {
    if (s.hits === 0) {
      s.firstHit = frame;
      s.firstHitFile = file;
    }
    s.hits++;
  }
}

/** A RateWindow's state for another thread (see RateWindow.mergeState). */
export interface RateWindowState extends RateStats {
  total: number;
  /** File of the first event (-1: none) and of the last. */
  firstFile: number;
  file: number;
  /** The first events (at most RateWindow.LEAD_MAX): times, frames and files, replayed by mergeState. */
  lead: Float64Array;
  leadFrames: Float64Array;
  leadFiles: Int32Array;
  /** The statistics of the steps after the lead. */
  after: RateStats;
  /** The times still in the window after the last event. */
  ring: Float64Array;
}

const noRateStats = (): RateStats => ({ peak: 0, peakStart: 0, hits: 0, firstHit: 0, firstHitFile: 0 });

/**
 * Events in a sliding window of `span` seconds: push() returns how many fall in the window ending
 * now; steps with more than `threshold` events count as hits (the first one's frame kept).
 *
 * Mergeable across ranges of one file: the events of a range's first window depend on the range
 * before it, so a window keeps its first events (the lead) and the statistics of the steps after
 * them apart; mergeState replays the lead on the earlier range's window, and once both windows hold
 * the same events the later steps' statistics are the same as one thread's.
 */
export class RateWindow {
  /** Events kept for the replay: far more than one window holds at the cut in any real capture. */
  static readonly LEAD_MAX = 65536;
  private ring = new Float64Array(256);
  private head = 0;
  private tail = 0;
  /** Most events seen in one window, and the start time of that window. */
  peak = 0;
  peakStart = 0;
  total = 0;
  /** Steps with more than `threshold` events in the window, and the first one's frame and file. */
  hits = 0;
  firstHit = 0;
  firstHitFile = 0;
  private file = 0;
  private firstFile = -1;
  private lead = new Float64Array(0);
  private leadFrames = new Float64Array(0);
  private leadFiles = new Int32Array(0);
  private leadLen = 0;
  private readonly after = noRateStats();
  /** Set by mergeState: a merged window's lead and after-lead statistics no longer describe one run. */
  private merged = false;

  constructor(readonly span = 1, readonly threshold = Infinity) {}

  /** Records an event at time ts (seconds) of capture file `file`; returns the events in the window ending now. */
  push(ts: number, file = 0, frame = 0): number {
    if (this.firstFile < 0) this.firstFile = file;
    if (!this.merged && this.leadLen < RateWindow.LEAD_MAX) {
      this.keepLead(ts, file, frame);
      return this.step(ts, file, frame);
    }
    const inWindow = this.step(ts, file, frame);
    countRate(this.after, inWindow, this.windowStart(), this.threshold, frame, file);
    return inWindow;
  }

  private keepLead(ts: number, file: number, frame: number): void {
    const n = this.leadLen;
    if (n >= this.lead.length) {
      const m = Math.max(64, n * 2);
      this.lead = growF64(this.lead, m);
      this.leadFrames = growF64(this.leadFrames, m);
      this.leadFiles = growI32(this.leadFiles, m);
    }
    this.lead[n] = ts;
    this.leadFrames[n] = frame;
    this.leadFiles[n] = file;
    this.leadLen = n + 1;
  }

  /** One event through the window and the statistics. */
  private step(ts: number, file: number, frame: number): number {
    if (file !== this.file) {
      this.file = file;
      this.restart();
    }
    this.total++;
    let mask = this.ring.length - 1;
    while (this.tail > this.head && ts - this.ring[this.head & mask] >= this.span) this.head++;
    if (this.tail - this.head >= this.ring.length) {
      const old = this.ring, n = old.length;
      this.ring = new Float64Array(n * 2);
      for (let k = this.head; k < this.tail; k++) this.ring[k & (n * 2 - 1)] = old[k & (n - 1)];
      mask = this.ring.length - 1;
    }
    this.ring[this.tail & mask] = ts;
    this.tail++;
    const inWindow = this.tail - this.head;
    countRate(this, inWindow, this.ring[this.head & mask], this.threshold, frame, file);
    return inWindow;
  }

  exportState(): RateWindowState {
    const ring = new Float64Array(this.tail - this.head), mask = this.ring.length - 1;
    for (let k = this.head; k < this.tail; k++) ring[k - this.head] = this.ring[k & mask];
    return {
      peak: this.peak, peakStart: this.peakStart, total: this.total, hits: this.hits, firstHit: this.firstHit, firstHitFile: this.firstHitFile,
      firstFile: this.firstFile, file: this.file,
      lead: this.lead.slice(0, this.leadLen), leadFrames: this.leadFrames.slice(0, this.leadLen), leadFiles: this.leadFiles.slice(0, this.leadLen),
      after: { ...this.after }, ring,
    };
  }

  /** Starts a new window sequence (a new capture file: windows never span files). */
  restart(): void {
    this.head = this.tail = 0;
  }

  /**
   * Adds the events of a later part (the next file, or the next range of the same file), in order.
   * Windows do not span files: a part that starts another file only adds its statistics. A part
   * that continues this window's file is replayed from its lead until both windows agree.
   */
  mergeState(s: RateWindowState): void {
    this.merged = true;
    if (s.total === 0) return;
    if (this.total === 0 || s.firstFile !== this.file) {
      this.addStats(s);
      this.total += s.total;
    } else {
      // The lead goes through this window as one thread would have sent it; by its end the events
      // of this part have left the window, so the later part's own statistics after the lead hold.
      // (Not so only when a window at the cut held more than LEAD_MAX events: then the steps after
      // the lead count the later part's events alone.)
      const n = s.lead.length;
      for (let j = 0; j < n; j++) this.step(s.lead[j], s.leadFiles[j], s.leadFrames[j]);
      this.addStats(s.after);
      this.total += s.total - n;
    }
    if (this.firstFile < 0) this.firstFile = s.firstFile;
    this.file = s.file;
    this.loadRing(s.ring);
  }

  private addStats(s: RateStats): void {
    if (s.peak > this.peak) {
      this.peak = s.peak;
      this.peakStart = s.peakStart;
    }
    if (s.hits > 0 && this.hits === 0) {
      this.firstHit = s.firstHit;
      this.firstHitFile = s.firstHitFile;
    }
    this.hits += s.hits;
  }

  /** The window's events become `times` (the later part's last window). */
  private loadRing(times: Float64Array): void {
    let n = 256;
    while (n < times.length) n <<= 1;
    if (n > this.ring.length) this.ring = new Float64Array(n);
    this.ring.set(times);
    this.head = 0;
    this.tail = times.length;
  }

  /** Start time of the current window. */
  windowStart(): number {
    return this.ring[this.head & (this.ring.length - 1)];
  }
}
