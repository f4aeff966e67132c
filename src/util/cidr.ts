// A set of IPv4/IPv6 prefixes with numeric lookups (no strings built per packet).
import { u32 } from '../../dissectors/packet.js';

export interface Cidr { family: 4 | 6; bytes: Uint8Array; prefixLen: number; text: string }

export function parseCidr(text: string): Cidr | null {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text.trim());
  if (!m) return null;
  const len = Number(m[2]);
  const addr = parseIp(m[1]);
  if (!addr) return null;
  const family = addr.length === 4 ? 4 : 6;
  if (len > addr.length * 8) return null;
  const bytes = new Uint8Array(addr);
  for (let bit = len; bit < bytes.length * 8; bit++) bytes[bit >> 3] &= ~(0x80 >> (bit & 7));
  return { family, bytes, prefixLen: len, text: `${formatIp(bytes)}/${len}` };
}

export function parseIp(s: string): Uint8Array | null {
  if (s.includes(':')) return parseIpv6(s);
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^\d{1,3}$/.test(parts[i])) return null;
    const v = Number(parts[i]);
    if (v > 255) return null;
    out[i] = v;
  }
  return out;
}

function parseIpv6(s: string): Uint8Array | null {
  let tail4: Uint8Array | null = null;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    tail4 = parseIp(s.slice(lastColon + 1));
    if (!tail4) return null;
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const groups = halves.length === 2 ? [...head, ...new Array(8 - head.length - tail.length).fill('0'), ...tail] : head;
  if (groups.length !== 8) return null;
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(groups[i])) return null;
    const v = parseInt(groups[i], 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 255;
  }
  if (tail4) out.set(tail4, 12);
  return out;
}

export function formatIp(b: Uint8Array): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(((b[i] << 8) | b[i + 1]).toString(16));
  // Compress the longest zero run (RFC 5952).
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === '0') j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  if (best < 0) return g.join(':');
  return `${g.slice(0, best).join(':')}::${g.slice(best + bestLen).join(':')}`;
}

/**
 * Prefix set, for any number of prefixes (a full Internet routing table included). Prefixes are
 * collected as numbers; the first lookup after an add merges them into sorted, disjoint address
 * ranges, and a lookup is a binary search over those: O(log n), no allocation, no strings.
 * Memory: 8 bytes per IPv4 prefix, 36 per IPv6 prefix while collecting, less once merged.
 */
export class CidrSet {
  /** IPv4 prefixes as network * 64 + prefix length (exact in a double). */
  private v4Keys = new Float64Array(16);
  private v4Count = 0;
  /** IPv6 prefixes: 4 network words and the prefix length, 5 words each. */
  private v6Words = new Uint32Array(5 * 4);
  private v6Count = 0;
  private dirty = false;
  private distinct = 0;
  /** Merged IPv4 ranges [v4Start[i], v4End[i]] (inclusive), sorted by start. */
  private v4Start = new Uint32Array(0);
  private v4End = new Uint32Array(0);
  /** Merged IPv6 ranges: 4 start words then 4 end words (inclusive) per range, sorted. */
  private v6Ranges = new Uint32Array(0);
  private v6RangeCount = 0;

  add(c: Cidr): void {
    if (c.family === 4) this.addV4(u32(c.bytes, 0), c.prefixLen);
    else this.addV6(c.bytes, 0, c.prefixLen);
  }

  /** Adds the IPv4 prefix addr/len (host bits are cleared here). */
  addV4(addr: number, len: number): void {
    if (len < 0 || len > 32) return;
    if (this.v4Count === this.v4Keys.length) {
      const k = new Float64Array(this.v4Keys.length * 2);
      k.set(this.v4Keys);
      this.v4Keys = k;
    }
    const net = len === 0 ? 0 : (addr & ((0xffffffff << (32 - len)) >>> 0)) >>> 0;
    this.v4Keys[this.v4Count++] = net * 64 + len;
    this.dirty = true;
  }

  /** Adds the IPv6 prefix at b[o..o+16)/len (host bits are cleared here). */
  addV6(b: Uint8Array, o: number, len: number): void {
    if (len < 0 || len > 128) return;
    if ((this.v6Count + 1) * 5 > this.v6Words.length) {
      const w = new Uint32Array(this.v6Words.length * 2);
      w.set(this.v6Words);
      this.v6Words = w;
    }
    const base = this.v6Count++ * 5;
    for (let i = 0; i < 4; i++) {
      const word = ((b[o + 4 * i] << 24) | (b[o + 4 * i + 1] << 16) | (b[o + 4 * i + 2] << 8) | b[o + 4 * i + 3]) >>> 0;
      this.v6Words[base + i] = (word & wordMask(len, i)) >>> 0;
    }
    this.v6Words[base + 4] = len;
    this.dirty = true;
  }

  /** Adds every prefix of another set. */
  addAll(other: CidrSet): void {
    for (let i = 0; i < other.v4Count; i++) {
      const k = other.v4Keys[i], len = k % 64;
      this.addV4((k - len) / 64, len);
    }
    const w = other.v6Words, tmp = new Uint8Array(16);
    for (let i = 0; i < other.v6Count; i++) {
      for (let j = 0; j < 4; j++) {
        const v = w[i * 5 + j];
        tmp[4 * j] = v >>> 24; tmp[4 * j + 1] = (v >>> 16) & 255; tmp[4 * j + 2] = (v >>> 8) & 255; tmp[4 * j + 3] = v & 255;
      }
      this.addV6(tmp, 0, w[i * 5 + 4]);
    }
  }

  /** Distinct prefixes added. */
  get size(): number {
    if (this.dirty) this.build();
    return this.distinct;
  }

  /** Does the IPv4 address (as an unsigned 32-bit number) fall in a prefix of the set? */
  hasV4(addr: number): boolean {
    if (this.dirty) this.build();
    const start = this.v4Start;
    let lo = 0, hi = start.length - 1;
    // The last range starting at or before addr is the only one that can hold it (ranges are disjoint).
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (start[mid] <= addr) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi >= 0 && addr <= this.v4End[hi];
  }

  /** Does the IPv6 address at b[o..o+16) fall in a prefix of the set? */
  hasV6(b: Uint8Array, o: number): boolean {
    if (this.dirty) this.build();
    const n = this.v6RangeCount;
    if (n === 0) return false;
    const a0 = u32(b, o), a1 = u32(b, o + 4), a2 = u32(b, o + 8), a3 = u32(b, o + 12);
    const r = this.v6Ranges;
    let lo = 0, hi = n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp128(r, mid * 8, a0, a1, a2, a3) <= 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi >= 0 && cmp128(r, hi * 8 + 4, a0, a1, a2, a3) >= 0;
  }

  private build(): void {
    this.dirty = false;
    // IPv4: sort the keys (network, then shorter prefix first), drop duplicates, merge ranges.
    const keys = this.v4Keys.subarray(0, this.v4Count).sort();
    const starts: number[] = [], ends: number[] = [];
    let distinct = 0, prev = -1;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      if (k === prev) continue;
      prev = k;
      distinct++;
      const len = k % 64, net = (k - len) / 64;
      const end = net + 2 ** (32 - len) - 1;
      const last = starts.length - 1;
      if (last >= 0 && net <= ends[last] + 1) {
        if (end > ends[last]) ends[last] = end;
      } else {
        starts.push(net);
        ends.push(end);
      }
    }
    this.v4Start = Uint32Array.from(starts);
    this.v4End = Uint32Array.from(ends);
    // IPv6: the same over 128-bit words.
    const w = this.v6Words, n6 = this.v6Count;
    const order = new Uint32Array(n6);
    for (let i = 0; i < n6; i++) order[i] = i;
    order.sort((x, y) => {
      for (let i = 0; i < 5; i++) {
        const d = w[x * 5 + i] - w[y * 5 + i];
        if (d !== 0) return d;
      }
      return 0;
    });
    const ranges = new Uint32Array(n6 * 8);
    let count = 0, prevIdx = -1;
    for (let k = 0; k < n6; k++) {
      const i = order[k] * 5;
      if (prevIdx >= 0 && sameWords(w, prevIdx, i, 5)) continue;
      prevIdx = i;
      distinct++;
      const len = w[i + 4];
      const endWords = [0, 1, 2, 3].map((j) => (w[i + j] | ~wordMask(len, j)) >>> 0);
      if (count > 0 && !after(ranges, (count - 1) * 8 + 4, w, i)) {
        // Overlaps or touches the previous range: extend its end when this one reaches further.
        const e = (count - 1) * 8 + 4;
        if (cmp128(ranges, e, endWords[0], endWords[1], endWords[2], endWords[3]) < 0) ranges.set(endWords, e);
      } else {
        ranges.set(w.subarray(i, i + 4), count * 8);
        ranges.set(endWords, count * 8 + 4);
        count++;
      }
    }
    this.v6Ranges = ranges.slice(0, count * 8);
    this.v6RangeCount = count;
    this.distinct = distinct;
  }
}

/** The mask of 32-bit word `i` (0..3) of an IPv6 prefix of length `len`. */
function wordMask(len: number, i: number): number {
  const bits = Math.min(32, Math.max(0, len - 32 * i));
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/** Compares the 128-bit value r[at..at+4) with (a0, a1, a2, a3). */
function cmp128(r: Uint32Array, at: number, a0: number, a1: number, a2: number, a3: number): number {
  return r[at] - a0 || r[at + 1] - a1 || r[at + 2] - a2 || r[at + 3] - a3;
}

function sameWords(w: Uint32Array, a: number, b: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (w[a + i] !== w[b + i]) return false;
  return true;
}

/** Whether the network w[i..i+4) starts more than one address after the range end r[e..e+4). */
function after(r: Uint32Array, e: number, w: Uint32Array, i: number): boolean {
  // end + 1, with carry; an end of all ones has nothing after it.
  const next = [r[e], r[e + 1], r[e + 2], r[e + 3]];
  let j = 3;
  while (j >= 0 && next[j] === 0xffffffff) next[j--] = 0;
  if (j < 0) return false;
  next[j] = (next[j] + 1) >>> 0;
  return cmp128(w, i, next[0], next[1], next[2], next[3]) > 0;
}
