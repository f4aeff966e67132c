// An open-addressing hash index over fixed-width keys of 32-bit words. Keys live in one flat
// Uint32Array and entries are small integers, so callers keep their per-entry data in parallel
// typed arrays (or rows of one). No strings, no objects per key.
//
// Speed (issue 11): each slot holds the entry and its key's full hash side by side, so a probe
// reads one cache line and compares the key words only when the hash matches; linear probing at a
// load factor of at most 1/2 keeps probe runs short. Entries can be deleted (backward-shift
// deletion: no tombstones, so lookups stay as fast after churn) and their numbers are reused from
// a free list: live entries never move, so callers' references to them stay valid.

export class KeyTable {
  keys: Uint32Array;
  /** Pairs (entry, hash) per slot; entry -1 = empty. */
  private slots: Int32Array;
  private mask: number;
  /** Live entries. */
  size = 0;
  /** Entries ever handed out: numbers 0..used-1 (some may be free after delete()). */
  used = 0;
  capacity: number;
  /** 1 for a live entry, 0 for a free one. */
  alive: Uint8Array;
  private free: Int32Array;
  private freeCount = 0;
  /** Hash of the key last passed to find()/findOrInsert(). */
  lastHash = 0;

  constructor(readonly width: number, initialCapacity = 1024) {
    this.capacity = Math.max(1, initialCapacity);
    this.keys = new Uint32Array(this.capacity * width);
    this.alive = new Uint8Array(this.capacity);
    this.free = new Int32Array(0);
    let n = 16;
    while (n < this.capacity * 2) n <<= 1;
    this.slots = new Int32Array(2 * n).fill(-1);
    this.mask = n - 1;
  }

  /** Two independent multiply-rotate lanes (even and odd words) and a murmur3 finaliser. */
  static hash(k: Uint32Array, width: number, at = 0): number {
    let h1 = 0x9747b28c | 0, h2 = 0x85ebca6b | 0;
    let i = 0;
    for (; i + 1 < width; i += 2) {
      h1 = Math.imul(h1 ^ k[at + i], 0xcc9e2d51); h1 = (h1 << 15) | (h1 >>> 17);
      h2 = Math.imul(h2 ^ k[at + i + 1], 0x1b873593); h2 = (h2 << 13) | (h2 >>> 19);
    }
    if (i < width) { h1 = Math.imul(h1 ^ k[at + i], 0xcc9e2d51); h1 = (h1 << 15) | (h1 >>> 17); }
    let h = h1 ^ Math.imul(h2, 5) ^ width;
    h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35);
    return (h ^ (h >>> 16)) | 0;
  }

  /** Whether entry `entry` (live) holds key `k`. */
  keyEquals(entry: number, k: Uint32Array): boolean {
    return this.equals(entry, k);
  }

  private equals(entry: number, k: Uint32Array): boolean {
    const w = this.width, base = entry * w, keys = this.keys;
    for (let i = 0; i < w; i++) if (keys[base + i] !== k[i]) return false;
    return true;
  }

  /**
   * The slot of key `k`: the one holding its entry, or the empty slot that ends its probe run.
   * Sets lastHash.
   */
  private probe(k: Uint32Array): number {
    const h = KeyTable.hash(k, this.width);
    this.lastHash = h;
    const slots = this.slots, mask = this.mask;
    let s = h & mask;
    for (;;) {
      const e = slots[2 * s];
      if (e < 0 || (slots[2 * s + 1] === h && this.equals(e, k))) return s;
      s = (s + 1) & mask;
    }
  }

  /** Entry index of key `k`, or -1. */
  find(k: Uint32Array): number {
    return this.slots[2 * this.probe(k)];
  }

  /** Entry index of key `k`, inserting it when absent (then `inserted` is true). */
  findOrInsert(k: Uint32Array): number {
    const s = this.probe(k);
    const slots = this.slots, mask = this.mask, h = this.lastHash;
    const found = slots[2 * s];
    if (found >= 0) {
      this.inserted = false;
      return found;
    }
    let e: number;
    if (this.freeCount > 0) e = this.free[--this.freeCount];
    else {
      e = this.used++;
      if (e >= this.capacity) this.growKeys();
    }
    this.keys.set(k.subarray(0, this.width), e * this.width);
    this.alive[e] = 1;
    slots[2 * s] = e;
    slots[2 * s + 1] = h;
    this.size++;
    this.inserted = true;
    if (this.size * 2 > mask + 1) this.rehash((mask + 1) * 2);
    return e;
  }
  inserted = false;

  /** Removes entry e (live); its number goes on the free list. */
  delete(e: number): void {
    const w = this.width, h = KeyTable.hash(this.keys, w, e * w);
    const slots = this.slots, mask = this.mask;
    let s = h & mask;
    while (slots[2 * s] !== e) {
      if (slots[2 * s] < 0) throw new Error(`KeyTable.delete: entry ${e} is not in the table`);
      s = (s + 1) & mask;
    }
    // Backward shift: pull later members of the probe run into the hole when their home slot is
    // not in (hole, j], so every key stays reachable from its home slot without tombstones.
    let hole = s, j = s;
    for (;;) {
      j = (j + 1) & mask;
      const ej = slots[2 * j];
      if (ej < 0) break;
      const home = slots[2 * j + 1] & mask;
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (inRange) continue;
      slots[2 * hole] = ej; slots[2 * hole + 1] = slots[2 * j + 1];
      hole = j;
    }
    slots[2 * hole] = -1;
    this.alive[e] = 0;
    if (this.freeCount >= this.free.length) {
      const bigger = new Int32Array(Math.max(64, this.free.length * 2)); bigger.set(this.free); this.free = bigger;
    }
    this.free[this.freeCount++] = e;
    this.size--;
  }

  private growKeys(): void {
    const bigger = new Uint32Array(this.capacity * 2 * this.width);
    bigger.set(this.keys);
    this.keys = bigger;
    const alive = new Uint8Array(this.capacity * 2);
    alive.set(this.alive);
    this.alive = alive;
    this.capacity *= 2;
  }

  /**
   * Moves every (entry, hash) pair into a slot array of n slots. The hashes stored in the slots are
   * reused (no key is read or hashed again); `renumber`, when given, maps old entries to new ones
   * (-1 drops the entry).
   */
  private rehash(n: number, renumber?: Int32Array): void {
    const old = this.slots, slots = new Int32Array(2 * n).fill(-1);
    const mask = n - 1;
    for (let i = 0; i < old.length; i += 2) {
      let e = old[i];
      if (e < 0) continue;
      if (renumber !== undefined && (e = renumber[e]) < 0) continue;
      const h = old[i + 1];
      let s = h & mask;
      while (slots[2 * s] >= 0) s = (s + 1) & mask;
      slots[2 * s] = e; slots[2 * s + 1] = h;
    }
    this.slots = slots;
    this.mask = mask;
  }

  /**
   * Keeps only the live entries for which keep[e] is true, renumbering them densely in order.
   * Returns old index -> new index (-1 for dropped entries).
   */
  compact(keep: Uint8Array): Int32Array {
    const map = new Int32Array(this.used).fill(-1);
    const w = this.width;
    let n = 0;
    for (let e = 0; e < this.used; e++) {
      if (!keep[e] || !this.alive[e]) continue;
      if (n !== e) this.keys.copyWithin(n * w, e * w, e * w + w);
      map[e] = n++;
    }
    this.alive.fill(0);
    this.alive.fill(1, 0, n);
    this.size = n;
    this.used = n;
    this.freeCount = 0;
    this.rehash(this.mask + 1, map);
    return map;
  }

  clear(): void {
    this.size = 0;
    this.used = 0;
    this.freeCount = 0;
    this.alive.fill(0);
    this.slots.fill(-1);
  }
}
