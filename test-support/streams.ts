// Helpers for feeding capture bytes to the readers the ways they arrive in practice: whole, in
// fixed slices, in random slices (a pipe), split at one byte position, and as a slow stream.
import { Readable } from 'node:stream';
import { forEachRecord, readCapture, type CaptureInput, type ReadOptions } from '../src/reader/capture.js';
import { formatTimestamp, type CaptureInfo, type CaptureRecord } from '../src/reader/record.js';

/** A small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Copies of consecutive slices of `b` with the given sizes (the last slice takes the rest). */
export function slices(b: Uint8Array, sizes: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let o = 0;
  for (const s of sizes) {
    if (o >= b.length) break;
    out.push(b.slice(o, Math.min(b.length, o + s)));
    o += s;
  }
  if (o < b.length) out.push(b.slice(o));
  return out;
}

export function fixedSlices(b: Uint8Array, size: number): Uint8Array[] {
  return slices(b, new Array(Math.ceil(b.length / size)).fill(size));
}

export function randomSlices(b: Uint8Array, seed: number, max = 64): Uint8Array[] {
  const r = rng(seed);
  const sizes: number[] = [];
  for (let n = 0; n < b.length; ) {
    const s = 1 + Math.floor(r() * r() * max);
    sizes.push(s);
    n += s;
  }
  return slices(b, sizes);
}

/** A Readable over the chunks (object mode off: Buffers, like a file or pipe). */
export function streamOf(chunks: Uint8Array[]): Readable {
  return Readable.from(chunks.map((c) => Buffer.from(c)), { objectMode: false });
}

/** A stream that delivers its chunks asynchronously, like standard input fed by tcpdump. */
export function slowStream(chunks: Uint8Array[]): Readable {
  let i = 0;
  return new Readable({
    read() {
      setImmediate(() => this.push(i < chunks.length ? Buffer.from(chunks[i++]) : null));
    },
  });
}

export interface Rec {
  frame: number;
  ts: string;
  caplen: number;
  len: number;
  linktype: number;
  iface: number;
  dir: number;
  data: string;
}

export function snap(r: CaptureRecord): Rec {
  return {
    frame: r.frame, ts: formatTimestamp(r.tsSec, r.tsNsec), caplen: r.caplen, len: r.len, linktype: r.linktype,
    iface: r.interfaceId, dir: r.direction, data: Buffer.from(r.data).toString('hex'),
  };
}

export async function collect(input: CaptureInput, opts: ReadOptions = {}): Promise<{ recs: Rec[]; info: CaptureInfo }> {
  const recs: Rec[] = [];
  const info = await forEachRecord(input, (r) => { recs.push(snap(r)); }, opts);
  return { recs, info };
}

export async function collectIter(input: CaptureInput, opts: ReadOptions = {}): Promise<{ recs: Rec[]; info: CaptureInfo }> {
  const recs: Rec[] = [];
  const it = readCapture(input, opts);
  for (;;) {
    const n = await it.next();
    if (n.done) return { recs, info: n.value };
    recs.push(snap(n.value));
  }
}
