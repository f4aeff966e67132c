// An open-addressing hash index over fixed-width keys of 32-bit words. Keys live in one flat
// Uint32Array, entries are dense integers 0..size-1, so callers keep their per-entry data in
// parallel typed arrays. No strings, no objects per key.

export class KeyTable {
  keys: Uint32Array;
  private slots: Int32Array;
  private mask: number;
  size = 0;
  capacity: number;

  constructor(readonly width: number, initialCapacity = 1024) {
    this.capacity = initialCapacity;
    this.keys = new Uint32Array(initialCapacity * width);
    let n = 16;
    while (n < initialCapacity * 2) n <<= 1;
    this.slots = new Int32Array(n).fill(-1);
    this.mask = n - 1;
  }

  static hash(k: Uint32Array, width: number): number {
    let h = 0x811c9dc5 | 0;
    for (let i = 0; i < width; i++) {
      h = Math.imul(h ^ k[i], 0x01000193);
      h ^= h >>> 15;
    }
    return (h ^ (h >>> 13)) >>> 0;
  }

  private equals(entry: number, k: Uint32Array): boolean {
    const w = this.width, base = entry * w, keys = this.keys;
    for (let i = 0; i < w; i++) if (keys[base + i] !== k[i]) return false;
    return true;
  }

  /** Entry index of key `k`, or -1. */
  find(k: Uint32Array): number {
    let s = KeyTable.hash(k, this.width) & this.mask;
    for (;;) {
      const e = this.slots[s];
      if (e < 0) return -1;
      if (this.equals(e, k)) return e;
      s = (s + 1) & this.mask;
    }
  }

  /** Entry index of key `k`, inserting it when absent (then `inserted` is true). */
  findOrInsert(k: Uint32Array): number {
    let s = KeyTable.hash(k, this.width) & this.mask;
    for (;;) {
      const e = this.slots[s];
      if (e < 0) break;
      if (this.equals(e, k)) {
        this.inserted = false;
        return e;
      }
      s = (s + 1) & this.mask;
    }
    const e = this.size++;
    if (e >= this.capacity) this.growKeys();
    this.keys.set(k.subarray(0, this.width), e * this.width);
    this.slots[s] = e;
    this.inserted = true;
    if (this.size * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    return e;
  }
  inserted = false;

  private growKeys(): void {
    const bigger = new Uint32Array(this.capacity * 2 * this.width);
    bigger.set(this.keys);
    this.keys = bigger;
    this.capacity *= 2;
  }

  private rehash(n: number): void {
    this.slots = new Int32Array(n).fill(-1);
    this.mask = n - 1;
    const w = this.width;
    for (let e = 0; e < this.size; e++) {
      let s = KeyTable.hash(this.keys.subarray(e * w, e * w + w), w) & this.mask;
      while (this.slots[s] >= 0) s = (s + 1) & this.mask;
      this.slots[s] = e;
    }
  }

  /**
   * Keeps only the entries for which keep[e] is true, renumbering them densely in order.
   * Returns old index -> new index (-1 for dropped entries).
   */
  compact(keep: Uint8Array): Int32Array {
    const map = new Int32Array(this.size).fill(-1);
    const w = this.width;
    let n = 0;
    for (let e = 0; e < this.size; e++) {
      if (!keep[e]) continue;
      if (n !== e) this.keys.copyWithin(n * w, e * w, e * w + w);
      map[e] = n++;
    }
    this.size = n;
    this.rehash(this.slots.length);
    return map;
  }

  clear(): void {
    this.size = 0;
    this.slots.fill(-1);
  }
}
