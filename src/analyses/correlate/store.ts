// A first-in first-out store of sightings in typed arrays, addressed by absolute sequence numbers
// (seq & mask is the slot). Used for the per-file queues of the merge and for the window itself;
// it grows (doubling) only when the window holds more packets than it has room for.
import type { Sighting } from './identity.js';

export class SightingStore {
  head = 0;
  tail = 0;
  private mask: number;
  node: Uint16Array;
  point: Int32Array;
  ts: Float64Array;
  frame: Float64Array;
  h1: Uint32Array;
  h2: Uint32Array;
  cls: Uint8Array;
  tunnelId: Float64Array;
  dstPort: Int32Array;
  src: Int32Array;
  dst: Int32Array;
  srcPort: Int32Array;
  ttl: Uint8Array;
  tos: Uint8Array;
  bytes: Int32Array;
  wire: Int32Array;
  fragmented: Uint8Array;
  proto: Uint8Array;
  tcpKind: Uint8Array;
  mss: Int32Array;
  /** Absolute seq of the next sighting of the same packet, -1 at the end of the list. */
  next: Float64Array;

  constructor(capacity = 4096) {
    const c = 1 << Math.ceil(Math.log2(Math.max(16, capacity)));
    this.mask = c - 1;
    this.node = new Uint16Array(c); this.point = new Int32Array(c); this.ts = new Float64Array(c);
    this.frame = new Float64Array(c); this.h1 = new Uint32Array(c); this.h2 = new Uint32Array(c);
    this.cls = new Uint8Array(c); this.tunnelId = new Float64Array(c); this.dstPort = new Int32Array(c);
    this.src = new Int32Array(c); this.dst = new Int32Array(c); this.srcPort = new Int32Array(c);
    this.ttl = new Uint8Array(c); this.tos = new Uint8Array(c); this.bytes = new Int32Array(c); this.wire = new Int32Array(c);
    this.fragmented = new Uint8Array(c); this.next = new Float64Array(c);
    this.proto = new Uint8Array(c); this.tcpKind = new Uint8Array(c); this.mss = new Int32Array(c);
  }

  get length(): number {
    return this.tail - this.head;
  }

  get capacity(): number {
    return this.mask + 1;
  }

  slot(seq: number): number {
    return seq & this.mask;
  }

  /** Appends a sighting read from a packet; returns its seq. */
  push(s: Sighting, node: number, point: number, ts: number, frame: number): number {
    if (this.tail - this.head > this.mask) this.grow();
    const seq = this.tail++;
    const i = seq & this.mask;
    this.node[i] = node; this.point[i] = point; this.ts[i] = ts; this.frame[i] = frame;
    this.h1[i] = s.h1; this.h2[i] = s.h2; this.cls[i] = s.cls; this.tunnelId[i] = s.tunnelId;
    this.dstPort[i] = s.dstPort; this.src[i] = s.src; this.dst[i] = s.dst; this.srcPort[i] = s.srcPort;
    this.ttl[i] = s.ttl; this.tos[i] = s.tos; this.bytes[i] = s.bytes; this.wire[i] = s.wire; this.fragmented[i] = s.fragmented;
    this.proto[i] = s.proto; this.tcpKind[i] = s.tcpKind; this.mss[i] = s.mss;
    this.next[i] = -1;
    return seq;
  }

  /** Moves the oldest sighting of `from` to the end of this store; returns its new seq. */
  takeFrom(from: SightingStore): number {
    if (this.tail - this.head > this.mask) this.grow();
    const seq = this.tail++;
    const i = seq & this.mask, j = from.head++ & from.mask;
    this.node[i] = from.node[j]; this.point[i] = from.point[j]; this.ts[i] = from.ts[j]; this.frame[i] = from.frame[j];
    this.h1[i] = from.h1[j]; this.h2[i] = from.h2[j]; this.cls[i] = from.cls[j]; this.tunnelId[i] = from.tunnelId[j];
    this.dstPort[i] = from.dstPort[j]; this.src[i] = from.src[j]; this.dst[i] = from.dst[j]; this.srcPort[i] = from.srcPort[j];
    this.ttl[i] = from.ttl[j]; this.tos[i] = from.tos[j]; this.bytes[i] = from.bytes[j]; this.wire[i] = from.wire[j]; this.fragmented[i] = from.fragmented[j];
    this.proto[i] = from.proto[j]; this.tcpKind[i] = from.tcpKind[j]; this.mss[i] = from.mss[j];
    this.next[i] = -1;
    return seq;
  }

  /** Timestamp of the oldest sighting (the store must not be empty). */
  headTs(): number {
    return this.ts[this.head & this.mask];
  }

  private grow(): void {
    const oldMask = this.mask;
    const c = (oldMask + 1) * 2;
    const mask = c - 1;
    const move = <T extends Uint8Array | Uint16Array | Int32Array | Uint32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(c);
      for (let seq = this.head; seq < this.tail; seq++) b[seq & mask] = a[seq & oldMask];
      return b;
    };
    this.node = move(this.node, (n) => new Uint16Array(n)); this.point = move(this.point, (n) => new Int32Array(n));
    this.ts = move(this.ts, (n) => new Float64Array(n)); this.frame = move(this.frame, (n) => new Float64Array(n));
    this.h1 = move(this.h1, (n) => new Uint32Array(n)); this.h2 = move(this.h2, (n) => new Uint32Array(n));
    this.cls = move(this.cls, (n) => new Uint8Array(n)); this.tunnelId = move(this.tunnelId, (n) => new Float64Array(n));
    this.dstPort = move(this.dstPort, (n) => new Int32Array(n)); this.src = move(this.src, (n) => new Int32Array(n));
    this.dst = move(this.dst, (n) => new Int32Array(n)); this.srcPort = move(this.srcPort, (n) => new Int32Array(n));
    this.ttl = move(this.ttl, (n) => new Uint8Array(n)); this.tos = move(this.tos, (n) => new Uint8Array(n));
    this.bytes = move(this.bytes, (n) => new Int32Array(n)); this.wire = move(this.wire, (n) => new Int32Array(n)); this.fragmented = move(this.fragmented, (n) => new Uint8Array(n));
    this.next = move(this.next, (n) => new Float64Array(n));
    this.proto = move(this.proto, (n) => new Uint8Array(n)); this.tcpKind = move(this.tcpKind, (n) => new Uint8Array(n));
    this.mss = move(this.mss, (n) => new Int32Array(n));
    this.mask = mask;
  }
}
