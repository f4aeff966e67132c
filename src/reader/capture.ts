// Opening an input (file, `-` for standard input, or a stream), transparent gzip, format
// detection, and the two reading APIs: a callback walk for the hot path (one reused record) and
// an async iterable of records for library users.
import { createReadStream, openSync, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { PcapParser, pcapMagic } from './pcap.js';
import { PcapngParser, isPcapng } from './pcapng.js';
import { CaptureError, CaptureRecord, emptyInfo, type CaptureInfo } from './record.js';
import type { Framer } from './framer.js';
import { ByteSource, gunzipMembers, isGzip } from './gzip.js';

export type CaptureInput = string | Readable | AsyncIterable<Uint8Array>;

export interface ReadOptions {
  /** Read chunk size for files (default 1 MiB). */
  chunkSize?: number;
  /** Called now and then with bytes read so far (compressed bytes for gzip files) and the total, when known. */
  onProgress?: (bytesRead: number, totalBytes: number | null, packets: number) => void;
  /** Stop after this many records. */
  limit?: number;
  /** Awaited after each read chunk's records: a slow consumer (a full output pipe) pauses the reading here. */
  onChunk?: () => void | Promise<void>;
}

const CHUNK = 1 << 20;

function describeInput(input: CaptureInput): string {
  return typeof input === 'string' ? (input === '-' ? 'standard input' : input) : 'stream';
}

/** A one-line reason for a failed open or read, from its errno code. */
function ioReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT': return 'no such file';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'is a directory';
    case 'ENOTDIR': return 'a part of the path is not a directory';
    case undefined: return `cannot be read (${(e as Error).message})`;
    default: return `cannot be read (${code})`;
  }
}

async function* rawChunks(input: CaptureInput, chunkSize: number, counter: { read: number }, info: CaptureInfo): AsyncGenerator<Uint8Array> {
  let src: AsyncIterable<Uint8Array>;
  if (typeof input === 'string') {
    if (input === '-') src = process.stdin;
    else {
      // Opened here, not by the stream, so that a file that cannot be opened is a one-line
      // CaptureError (exit 3) before any work, whatever the reason.
      let fd: number;
      try {
        if (statSync(input).isDirectory()) throw new CaptureError(`${input}: is a directory`);
        fd = openSync(input, 'r');
      } catch (e) {
        if (e instanceof CaptureError) throw e;
        throw new CaptureError(`${input}: ${ioReason(e)}`);
      }
      src = createReadStream(input, { fd, highWaterMark: chunkSize });
    }
  } else {
    src = input;
  }
  try {
    for await (const c of src) {
      const chunk = typeof c === 'string' ? Buffer.from(c) : (c as Uint8Array);
      counter.read += chunk.length;
      yield chunk;
    }
  } catch (e) {
    if (e instanceof CaptureError || typeof (e as NodeJS.ErrnoException).code !== 'string') throw e;
    // A read that fails part way (EIO, a vanished network file): what was read is reported.
    if (counter.read === 0) throw new CaptureError(`${describeInput(input)}: ${ioReason(e)}`);
    info.warnings.push(`read failed after ${counter.read} bytes (${ioReason(e)}); results cover what was read`);
  }
}

/** Yields the decompressed bytes of the input, unzipping when it starts with the gzip magic. */
async function* inputChunks(input: CaptureInput, chunkSize: number, counter: { read: number }, info: CaptureInfo): AsyncGenerator<Uint8Array> {
  const it = rawChunks(input, chunkSize, counter, info)[Symbol.asyncIterator]();
  try {
    yield* decompressed(it, info);
  } finally {
    // Closes the file when the reader stops early (a record limit).
    await it.return?.(undefined);
  }
}

async function* decompressed(it: AsyncIterator<Uint8Array>, info: CaptureInfo): AsyncGenerator<Uint8Array> {
  let first = await it.next();
  while (!first.done && first.value.length < 2) {
    // Tiny first reads (pipes) are merged until the magic can be seen.
    const more = await it.next();
    if (more.done) break;
    first = { done: false, value: Buffer.concat([first.value, more.value]) };
  }
  if (first.done) return;
  const head = first.value;
  if (!isGzip(head)) {
    yield head;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
    return;
  }
  info.gzip = true;
  const src = new ByteSource(it);
  src.unshift(head);
  yield* gunzipMembers(src, info);
}

/**
 * Walks every record of a capture, calling `onRecord` with a reused CaptureRecord (copy what you
 * keep). Throws CaptureError when the input is not a capture at all; damage part way is reported
 * in the returned info's warnings.
 */
export async function forEachRecord(input: CaptureInput, onRecord: (r: CaptureRecord) => void, opts: ReadOptions = {}): Promise<CaptureInfo> {
  const info = emptyInfo();
  const counter = { read: 0 };
  const total = typeof input === 'string' && input !== '-' ? safeSize(input) : null;
  const limit = opts.limit ?? Infinity;
  let seen = 0;
  let limited = false;
  const cb = (r: CaptureRecord) => {
    if (seen >= limit) { limited = true; return; }
    seen++;
    onRecord(r);
  };
  let lastProgress = 0;
  for await (const _ of feedParser(input, cb, opts, info, counter)) {
    if (opts.onChunk) await opts.onChunk();
    if (limited) break;
    if (opts.onProgress && info.packets - lastProgress >= 50000) {
      lastProgress = info.packets;
      opts.onProgress(counter.read, total, info.packets);
    }
  }
  if (limited) info.packets = seen;
  opts.onProgress?.(counter.read, total, info.packets);
  return info;
}

/**
 * Detects the format from the first bytes, feeds every chunk to its parser and yields after each
 * one, so callers can act between chunks (or stop: then the end-of-input checks are skipped).
 * At the end of the input it reports a cut-off record and an input that was no capture at all.
 */
async function* feedParser(input: CaptureInput, cb: (r: CaptureRecord) => void, opts: ReadOptions, info: CaptureInfo, counter: { read: number }): AsyncGenerator<void> {
  let parser: Framer | null = null;
  let head: Uint8Array | null = null;
  for await (const chunk of inputChunks(input, opts.chunkSize ?? CHUNK, counter, info)) {
    info.inputBytes += chunk.length;
    if (parser === null) {
      // The format is in the first 4 bytes; tiny first chunks (pipes) are merged until then.
      head = head ? Buffer.concat([head, chunk]) : chunk;
      if (head.length < 4) continue;
      parser = makeParser(head, info, cb, describeInput(input));
      parser.push(head);
      head = null;
    } else {
      parser.push(chunk);
    }
    yield;
    if (parser.stopped) break;
  }
  if (parser === null) throw noCapture(input, head, info);
  parser.finish();
  if (!parser.started) {
    // Never a valid header: not a capture to report on, whatever the first bytes promised.
    const why = info.warnings.join('; ');
    if (info.format === 'pcap') throw new CaptureError(`${describeInput(input)}: pcap file header cut off`);
    throw new CaptureError(`${describeInput(input)}: no valid pcapng section header${why ? ` (${why})` : ''}`);
  }
}

/** The error for an input that ended before its first 4 bytes of capture data. */
function noCapture(input: CaptureInput, head: Uint8Array | null, info: CaptureInfo): CaptureError {
  const name = describeInput(input);
  if (info.gzip && info.warnings.length) return new CaptureError(`${name}: gzip data damaged or cut off before the capture header`);
  if (head === null || head.length === 0) return new CaptureError(`${name}: empty input, not a capture file`);
  return new CaptureError(`${name}: not a pcap or pcapng capture (too short)`);
}

function safeSize(path: string): number | null {
  try {
    return statSync(path).size;
  } catch {
    return null;
  }
}

function makeParser(head: Uint8Array, info: CaptureInfo, cb: (r: CaptureRecord) => void, name: string): Framer {
  if (isPcapng(head)) return new PcapngParser(info, cb);
  if (pcapMagic(head)) return new PcapParser(info, cb);
  const hex = Buffer.from(head.subarray(0, 4)).toString('hex');
  throw new CaptureError(`${name}: not a pcap or pcapng capture (starts with 0x${hex})`);
}

/**
 * Library API: the records of a capture as an async iterable. Each record is its own object;
 * its bytes are a view into the read chunk (no copy).
 */
export async function* readCapture(input: CaptureInput, opts: ReadOptions & { info?: CaptureInfo } = {}): AsyncGenerator<CaptureRecord, CaptureInfo> {
  // Bridge the push parser to a pull iterator, one chunk's worth of records at a time.
  const info = emptyInfo();
  const counter = { read: 0 };
  let batch: CaptureRecord[] = [];
  const cb = (r: CaptureRecord) => { batch.push(r.clone()); };
  let seen = 0;
  const limit = opts.limit ?? Infinity;
  for await (const _ of feedParser(input, cb, opts, info, counter)) {
    const out = batch;
    batch = [];
    for (const r of out) {
      if (seen++ >= limit) return finishInfo(info, opts);
      yield r;
    }
  }
  return finishInfo(info, opts);
}

function finishInfo(info: CaptureInfo, opts: { info?: CaptureInfo }): CaptureInfo {
  if (opts.info) Object.assign(opts.info, info);
  return info;
}
