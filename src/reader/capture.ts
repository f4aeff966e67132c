// Opening an input (file, `-` for standard input, or a stream), transparent gzip, format
// detection, and the two reading APIs: a callback walk for the hot path (one reused record) and
// an async iterable of records for library users.
import { closeSync, createReadStream, openSync, read, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { PcapParser, pcapMagic } from './pcap.js';
import { PcapngParser, isPcapng } from './pcapng.js';
import { CaptureError, CaptureRecord, emptyInfo, type CaptureInfo } from './record.js';
import type { Framer } from './framer.js';
import { ByteSource, gunzipMembers, isGzip } from './gzip.js';
import type { ReadRange } from './split.js';

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
  /**
   * Stops the reading when it aborts (Ctrl-C): the records read so far stand, the input is closed
   * and the end-of-input checks are skipped. Default: the process-wide one set by setStopSignal.
   */
  signal?: StopSignal;
  /** Read only this byte range of a file (whole records, see reader/split.ts), after its prefix; frames count on from range.frameBase. */
  range?: ReadRange;
  /** Filled at the end: the file offset where reading stopped, frame numbers used and whether damage stopped it. */
  tail?: ReadTail;
}

/** Where a read ended, for the split reader to check that a part ended where the next one starts. */
export interface ReadTail {
  end: number;
  frames: number;
  damaged: boolean;
}

/** What the reader needs of an AbortSignal; a worker thread passes a shared-memory flag instead. */
export interface StopSignal {
  readonly aborted: boolean;
  addEventListener?(type: 'abort', listener: () => void, opts?: { once?: boolean }): void;
  removeEventListener?(type: 'abort', listener: () => void): void;
}

let processStop: StopSignal | undefined;
let processRecords = 0;

/** The CLI's stop signal (SIGINT/SIGTERM), used by every read that names none of its own. */
export function setStopSignal(signal: StopSignal | undefined): void {
  processStop = signal;
}

export function stopSignal(): StopSignal | undefined {
  return processStop;
}

/** Records read on this thread so far (plus those counted by addRecordsRead), for the interrupt message. */
export function recordsRead(): number {
  return processRecords;
}

/** Counts records read elsewhere (a worker thread) toward recordsRead. */
export function addRecordsRead(n: number): void {
  processRecords += n;
}

const STOPPED = Symbol('stopped');

/** The next item, or STOPPED as soon as the signal aborts (a pipe that stays silent is not waited on). */
function nextOrStop<T>(it: AsyncIterator<T>, signal: StopSignal | undefined): Promise<IteratorResult<T> | typeof STOPPED> {
  const next = it.next();
  if (!signal?.addEventListener) return next;
  let onAbort = () => {};
  const stopped = new Promise<typeof STOPPED>((resolve) => {
    onAbort = () => resolve(STOPPED);
    signal.addEventListener!('abort', onAbort, { once: true });
  });
  // A read left pending by the stop must not fail unhandled when its stream is destroyed.
  next.catch(() => {});
  return Promise.race([next, stopped]).finally(() => signal.removeEventListener?.('abort', onAbort));
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

/**
 * Whether the chunks a file read yields may be read into again once the consumer asks for the next
 * one: set by the consumer when it keeps no view into them (framed, not gzip: ByteSource holds
 * chunks) and the record callback copies what it keeps (forEachRecord's contract).
 */
interface ChunkReuse {
  ok: boolean;
}

/**
 * A file's bytes in chunks, read ahead by one chunk while the consumer works on the current one.
 * With `reuse.ok` the two chunks circulate instead of a fresh one per read: a fresh 1 MiB buffer
 * per read costs page faults on new memory (measured on the 1.7 GB bench mix: 1.1 s of system time
 * and a slow read, against 0.2 s with two buffers) and leaves garbage. Plain Uint8Arrays, not
 * Buffers: a consumer's slice() then copies, never a view into a chunk that is read into again.
 */
async function* fileChunks(fd: number, chunkSize: number, reuse: ChunkReuse, start: number, end: number): AsyncGenerator<Uint8Array> {
  let pos = start;
  let spare: Uint8Array | null = null;
  const readInto = (buf: Uint8Array) => new Promise<{ buf: Uint8Array; n: number }>((resolve, reject) => {
    read(fd, buf, 0, Math.min(buf.length, end - pos), pos, (e, n) => (e ? reject(e) : resolve({ buf, n })));
  });
  let pending: Promise<{ buf: Uint8Array; n: number }> | null = pos < end ? readInto(new Uint8Array(chunkSize)) : null;
  try {
    while (pending !== null) {
      const { buf, n } = await pending;
      pending = null;
      if (n === 0) break;
      pos += n;
      if (pos < end) {
        pending = readInto(spare ?? new Uint8Array(chunkSize));
        spare = null;
      }
      yield n === buf.length ? buf : buf.subarray(0, n);
      if (reuse.ok) spare = buf;
    }
  } finally {
    // A read still in flight (the consumer stopped early) must end before the caller closes the file.
    if (pending !== null) await (pending as Promise<unknown>).catch(() => {});
  }
}

async function* rawChunks(input: CaptureInput, chunkSize: number, counter: { read: number }, info: CaptureInfo, signal: StopSignal | undefined, range: ReadRange | undefined, reuse: ChunkReuse): AsyncGenerator<Uint8Array> {
  let src: AsyncIterable<Uint8Array>;
  let fd = -1;
  if (typeof input === 'string') {
    if (input === '-') src = process.stdin;
    else {
      // Opened here, not by the stream, so that a file that cannot be opened is a one-line
      // CaptureError (exit 3) before any work, whatever the reason.
      let regular: boolean;
      try {
        const stat = statSync(input);
        if (stat.isDirectory()) throw new CaptureError(`${input}: is a directory`);
        regular = stat.isFile();
        fd = openSync(input, 'r');
      } catch (e) {
        if (e instanceof CaptureError) throw e;
        throw new CaptureError(`${input}: ${ioReason(e)}`);
      }
      if (regular) src = fileChunks(fd, chunkSize, reuse, range?.start ?? 0, range?.end ?? Infinity);
      else {
        // A FIFO or device: no positions to read at, and a read may wait for ever (the stream can
        // be destroyed on a stop; it closes the descriptor itself).
        src = createReadStream(input, { fd, highWaterMark: chunkSize });
        fd = -1;
      }
    }
  } else {
    src = input;
  }
  const it = src[Symbol.asyncIterator]();
  let stopped = false;
  try {
    // A range is read as a file of its own: the capture's header first.
    if (range) yield range.prefix;
    for (;;) {
      if (signal?.aborted) { stopped = true; break; }
      const r = await nextOrStop(it, signal);
      // A chunk that arrives after the stop is not counted: the results cover what came before it.
      if (r === STOPPED || signal?.aborted) { stopped = true; break; }
      if (r.done) break;
      const c = r.value as Uint8Array | string;
      const chunk = typeof c === 'string' ? Buffer.from(c) : c;
      counter.read += chunk.length;
      yield chunk;
    }
  } catch (e) {
    if (e instanceof CaptureError || typeof (e as NodeJS.ErrnoException).code !== 'string') throw e;
    // A read that fails part way (EIO, a vanished network file): what was read is reported.
    if (counter.read === 0) throw new CaptureError(`${describeInput(input)}: ${ioReason(e)}`);
    info.warnings.push(`read failed after ${counter.read} bytes (${ioReason(e)}); results cover what was read`);
  } finally {
    // Stopped: close the input without waiting for the read in flight (standard input may never
    // send more), so that the process can exit.
    const stream = src as Partial<Readable>;
    if (stopped && typeof stream.destroy === 'function') stream.destroy();
    else if (!stopped || fd >= 0) await it.return?.();
    if (fd >= 0) closeSync(fd);
  }
}

/** Yields the decompressed bytes of the input, unzipping when it starts with the gzip magic. */
async function* inputChunks(input: CaptureInput, chunkSize: number, counter: { read: number }, info: CaptureInfo, signal: StopSignal | undefined, range: ReadRange | undefined, reuse: boolean): AsyncGenerator<Uint8Array> {
  const chunkReuse: ChunkReuse = { ok: false };
  const it = rawChunks(input, chunkSize, counter, info, signal, range, chunkReuse)[Symbol.asyncIterator]();
  try {
    yield* decompressed(it, info, chunkReuse, reuse);
  } finally {
    // Closes the file when the reader stops early (a record limit).
    await it.return?.(undefined);
  }
}

async function* decompressed(it: AsyncIterator<Uint8Array>, info: CaptureInfo, chunkReuse: ChunkReuse, reuse: boolean): AsyncGenerator<Uint8Array> {
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
    // Framed straight from the chunks: they can be read into again (gzip's ByteSource keeps them).
    chunkReuse.ok = reuse;
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
  // The callback itself when there is no limit: one call less per record.
  const cb = limit === Infinity ? onRecord : (r: CaptureRecord) => {
    if (seen >= limit) { limited = true; return; }
    seen++;
    onRecord(r);
  };
  let lastProgress = 0;
  // The callback copies what it keeps (see above): the read chunks can be reused.
  for await (const _ of feedParser(input, cb, opts, info, counter, true)) {
    if (opts.onChunk) await opts.onChunk();
    if (limited) break;
    if (opts.onProgress && info.packets - lastProgress >= 50000) {
      lastProgress = info.packets;
      opts.onProgress(counter.read, total, info.packets);
    }
  }
  if (limited) info.packets = seen;
  processRecords += info.packets;
  opts.onProgress?.(counter.read, total, info.packets);
  return info;
}

/**
 * Detects the format from the first bytes, feeds every chunk to its parser and yields after each
 * one, so callers can act between chunks (or stop: then the end-of-input checks are skipped).
 * At the end of the input it reports a cut-off record and an input that was no capture at all.
 */
async function* feedParser(input: CaptureInput, cb: (r: CaptureRecord) => void, opts: ReadOptions, info: CaptureInfo, counter: { read: number }, reuseChunks: boolean): AsyncGenerator<void> {
  let parser: Framer | null = null;
  let head: Uint8Array | null = null;
  const signal = opts.signal ?? processStop;
  let warningsBeforeEnd = 0;
  const range = opts.range;
  for await (const chunk of inputChunks(input, opts.chunkSize ?? CHUNK, counter, info, signal, range, reuseChunks)) {
    info.inputBytes += chunk.length;
    if (parser === null) {
      // The format is in the first 4 bytes; tiny first chunks (pipes) are merged until then.
      // A copy: the chunk itself is read into again (see fileChunks).
      head = head ? Buffer.concat([head, chunk]) : new Uint8Array(chunk);
      if (head.length < 4) continue;
      parser = makeParser(head, info, cb, describeInput(input), range?.frameBase ?? 0);
      if (range) parser.startAt(range.start - range.prefix.length);
      parser.push(head);
      head = null;
    } else {
      parser.push(chunk);
    }
    yield;
    warningsBeforeEnd = info.warnings.length;
    if (parser.stopped || signal?.aborted) break;
  }
  if (parser === null) {
    if (signal?.aborted) throw new CaptureError(`${describeInput(input)}: interrupted before the capture header`);
    throw noCapture(input, head, info);
  }
  if (signal?.aborted && parser.started) {
    // Interrupted: a record or gzip member cut off by the stop is no damage to report.
    info.warnings.length = warningsBeforeEnd;
    return;
  }
  parser.finish();
  if (opts.tail) {
    opts.tail.end = parser.position;
    opts.tail.frames = parser.frames;
    opts.tail.damaged = parser.stopped;
  }
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

function makeParser(head: Uint8Array, info: CaptureInfo, cb: (r: CaptureRecord) => void, name: string, frameBase: number): Framer {
  if (isPcapng(head)) return new PcapngParser(info, cb, frameBase);
  if (pcapMagic(head)) return new PcapParser(info, cb, frameBase);
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
  // The records yielded are views into the chunks: each chunk stays theirs (no reuse).
  for await (const _ of feedParser(input, cb, opts, info, counter, false)) {
    const out = batch;
    batch = [];
    for (const r of out) {
      if (seen++ >= limit) return finishInfo(info, opts);
      processRecords++;
      yield r;
    }
  }
  return finishInfo(info, opts);
}

function finishInfo(info: CaptureInfo, opts: { info?: CaptureInfo }): CaptureInfo {
  if (opts.info) Object.assign(opts.info, info);
  return info;
}
