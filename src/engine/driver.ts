// The one driver: every command that decodes packets (analyze, flows, overhead, lint, bgp,
// dissect, the worker threads and the main thread's replay of what workers forward) reads records
// through here. Each record is decoded once into the decoder's reused PacketState, the per-packet
// facts are extracted, and `deliver` hands (record, state, context) to the sinks in order. Sinks
// are analyses (PacketAnalysis); output is a sink too (dissect's printer).
//
//   reader (forEachRecord / replayed copies) -> Driver.deliver -> decode -> facts -> select? -> sinks
import type { AnalysisContext, PacketAnalysis } from './analysis.js';
import type { PacketDecoder } from '../../dissectors/decoder.js';
import { PacketFacts, extractFacts } from '../analyses/facts.js';
import type { PacketState } from '../../dissectors/packet.js';
import { forEachRecord, type CaptureInput, type ReadOptions } from '../reader/capture.js';
import { CaptureRecord, type CaptureInfo } from '../reader/record.js';

export interface DriverOptions {
  /** Extract PacketFacts for the sinks (default true; BGP and dissect do not read them). */
  facts?: boolean;
  /**
   * Which decoded packets the sinks see (display filter, time window): called once per packet
   * after decoding; false skips the packet for every sink. Frame numbers are not affected.
   */
  select?: (r: CaptureRecord, st: PacketState) => boolean;
  /**
   * A packet `select` leaves out still reaches the sinks that follow streams (those with wants()
   * that want it): BGP reassembly needs every segment whatever the display filter says.
   */
  unselectedToStreams?: boolean;
}

/**
 * Packets copied for another thread (a worker's BGP packets for the main thread to replay), packed:
 * their bytes end to end in one buffer and their record fields in one Float64Array, REPLAY_FIELDS
 * per packet. Posted as two transferable buffers instead of an object and an ArrayBuffer per packet
 * (structured clone and garbage per packet).
 */
export interface ReplayBatch {
  count: number;
  data: Uint8Array;
  meta: Float64Array;
  /** File names by file index. */
  fileNames: string[];
}

const F_FRAME = 0, F_TS_SEC = 1, F_TS_NSEC = 2, F_LINKTYPE = 3, F_LEN = 4, F_IFACE = 5, F_DIRECTION = 6, F_FILE = 7, F_START = 8, F_CAPLEN = 9;
export const REPLAY_FIELDS = 10;

export function emptyReplayBatch(): ReplayBatch {
  return { count: 0, data: new Uint8Array(0), meta: new Float64Array(0), fileNames: [] };
}

export class Driver {
  /** The context every sink gets with each packet (reused; updated per file and per packet). */
  readonly ctx: AnalysisContext;
  private readonly extract: boolean;
  private readonly select: ((r: CaptureRecord, st: PacketState) => boolean) | undefined;
  private readonly streamSinks: readonly PacketAnalysis[];
  private readonly replayRecord = new CaptureRecord();
  /** Calls every sink's onPacket in order (see sinkDispatch). */
  private readonly dispatch: SinkDispatch;
  /** The reader's record callback, made once. */
  private readonly onRecord = (r: CaptureRecord): void => { this.deliver(r); };

  constructor(readonly decoder: PacketDecoder, readonly sinks: readonly PacketAnalysis[], opts: DriverOptions = {}) {
    this.extract = opts.facts !== false;
    this.select = opts.select;
    this.streamSinks = opts.unselectedToStreams ? sinks.filter((s) => typeof s.wants === 'function') : [];
    this.ctx = { fileIndex: 0, fileName: '', facts: new PacketFacts(), capturePoint: 0, tables: decoder.tables };
    this.dispatch = sinkDispatch(sinks);
  }

  /** Sets the file the next packets come from (capture points and evidence name it). */
  startFile(fileIndex: number, fileName: string): void {
    this.ctx.fileIndex = fileIndex;
    this.ctx.fileName = fileName;
  }

  /**
   * The one place a record becomes a decoded packet handed to the sinks. Returns the state (valid
   * until the next call), or null when `select` left the packet out.
   */
  deliver(r: CaptureRecord): PacketState | null {
    const st = this.decoder.decode(r.buf, r.offset, r.caplen, r.len, r.linktype);
    const ctx = this.ctx;
    if (this.extract) extractFacts(st, r.len, ctx.facts);
    // Capture point: file, pcapng interface and SLL2 interface index together.
    ctx.capturePoint = (ctx.fileIndex * 1024 + r.interfaceId) * 65536 + (st.ifIndex >= 0 ? (st.ifIndex & 0xffff) + 1 : 0);
    if (this.select !== undefined && !this.select(r, st)) {
      const streams = this.streamSinks;
      for (let i = 0; i < streams.length; i++) if (streams[i].wants!(st)) streams[i].onPacket(r, st, ctx);
      return null;
    }
    this.dispatch(r, st, ctx);
    return st;
  }

  /**
   * Reads one input through deliver(). Throws CaptureError when it is no capture (before any
   * packet); the sinks' onFileEnd runs after a file that could be read.
   */
  async readFile(input: CaptureInput, fileIndex: number, fileName: string, read: ReadOptions = {}): Promise<CaptureInfo> {
    this.startFile(fileIndex, fileName);
    const info = await forEachRecord(input, this.onRecord, read);
    for (const s of this.sinks) s.onFileEnd?.(info, this.ctx);
    return info;
  }

  /** Delivers packets copied elsewhere (a worker's forwarded BGP packets), in their order. */
  replay(batch: ReplayBatch): void {
    const rec = this.replayRecord, m = batch.meta;
    rec.buf = batch.data;
    for (let i = 0, o = 0; i < batch.count; i++, o += REPLAY_FIELDS) {
      rec.frame = m[o + F_FRAME]; rec.offset = m[o + F_START]; rec.caplen = m[o + F_CAPLEN]; rec.len = m[o + F_LEN];
      rec.tsSec = m[o + F_TS_SEC]; rec.tsNsec = m[o + F_TS_NSEC]; rec.linktype = m[o + F_LINKTYPE];
      rec.interfaceId = m[o + F_IFACE]; rec.direction = m[o + F_DIRECTION];
      const file = m[o + F_FILE];
      this.startFile(file, batch.fileNames[file]);
      this.deliver(rec);
    }
  }
}

type SinkDispatch = (r: CaptureRecord, st: PacketState, ctx: AnalysisContext) => void;

/**
 * A function that calls sinks[0].onPacket, sinks[1].onPacket, ... one call site per sink. A loop
 * over the sinks has one call site that sees every analysis class (megamorphic: no inlining, a
 * lookup per call, per packet); generated code gives each sink its own site, which stays
 * monomorphic. Only the sinks' count and order shape the code; the sinks are its arguments.
 */
export function sinkDispatch(sinks: readonly PacketAnalysis[]): SinkDispatch {
  const names = sinks.map((_, i) => `s${i}`);
  const body = names.map((n) => `${n}.onPacket(r, st, ctx);`).join(' ');
  return new Function(...names, `return function dispatch(r, st, ctx) { ${body} };`)(...sinks) as SinkDispatch;
}

/** A sink that tracks the earliest and latest timestamps seen. */
export class TimeSpan implements PacketAnalysis<void> {
  readonly name = 'time-span';
  firstSec = Infinity; firstNsec = 0;
  lastSec = -Infinity; lastNsec = 0;

  onPacket(r: CaptureRecord): void {
    if (r.tsSec < this.firstSec || (r.tsSec === this.firstSec && r.tsNsec < this.firstNsec)) { this.firstSec = r.tsSec; this.firstNsec = r.tsNsec; }
    if (r.tsSec > this.lastSec || (r.tsSec === this.lastSec && r.tsNsec > this.lastNsec)) { this.lastSec = r.tsSec; this.lastNsec = r.tsNsec; }
  }

  finish(): void {}
}

/**
 * A sink on a worker thread: copies the packets that stream-following analyses (their wants())
 * select, for the main thread to replay in order, instead of feeding those analyses here. The
 * copies are packed into one growing batch (see ReplayBatch): no object per packet.
 */
export class ReplayCopier implements PacketAnalysis<void> {
  readonly name = 'replay-copier';
  private data = new Uint8Array(1 << 16);
  private meta = new Float64Array(REPLAY_FIELDS * 256);
  private bytes = 0;
  private count = 0;
  private readonly fileNames: string[] = [];

  constructor(private readonly wanting: readonly PacketAnalysis[]) {}

  wants(st: PacketState): boolean {
    for (let i = 0; i < this.wanting.length; i++) if (this.wanting[i].wants!(st)) return true;
    return false;
  }

  onPacket(r: CaptureRecord, st: PacketState, ctx: AnalysisContext): void {
    if (!this.wants(st)) return;
    const n = r.caplen;
    if (this.bytes + n > this.data.length) this.data = grown(this.data, this.bytes + n);
    if ((this.count + 1) * REPLAY_FIELDS > this.meta.length) this.meta = grown(this.meta, (this.count + 1) * REPLAY_FIELDS);
    this.data.set(r.buf.subarray(r.offset, r.offset + n), this.bytes);
    const m = this.meta, o = this.count * REPLAY_FIELDS;
    m[o + F_FRAME] = r.frame; m[o + F_TS_SEC] = r.tsSec; m[o + F_TS_NSEC] = r.tsNsec; m[o + F_LINKTYPE] = r.linktype;
    m[o + F_LEN] = r.len; m[o + F_IFACE] = r.interfaceId; m[o + F_DIRECTION] = r.direction; m[o + F_FILE] = ctx.fileIndex;
    m[o + F_START] = this.bytes; m[o + F_CAPLEN] = n;
    this.fileNames[ctx.fileIndex] = ctx.fileName;
    this.bytes += n;
    this.count++;
  }

  /** The packets copied so far (the batch shares this copier's buffers: post it, then drop the copier). */
  get batch(): ReplayBatch {
    return { count: this.count, data: this.data, meta: this.meta, fileNames: this.fileNames };
  }

  finish(): void {}
}

/** A copy of `a` with room for at least `need` elements (doubling). */
function grown<T extends Uint8Array | Float64Array>(a: T, need: number): T {
  let size = a.length * 2;
  while (size < need) size *= 2;
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

/**
 * Calls every analysis' finish() once, each after those it declares in dependsOn, and returns the
 * results by name in the analyses' own order (the order of the document's sections). Throws on a
 * cycle of dependencies.
 */
export function finishAll(analyses: readonly PacketAnalysis[]): Record<string, unknown> {
  const byName = new Map(analyses.map((a) => [a.name, a]));
  const done = new Map<string, unknown>();
  const visiting = new Set<string>();
  const visit = (a: PacketAnalysis): void => {
    if (done.has(a.name)) return;
    if (visiting.has(a.name)) throw new Error(`analyses depend on each other in a cycle through '${a.name}'`);
    visiting.add(a.name);
    for (const dep of a.dependsOn ?? []) {
      const d = byName.get(dep);
      if (d !== undefined) visit(d);
    }
    visiting.delete(a.name);
    done.set(a.name, a.finish());
  };
  analyses.forEach(visit);
  const results: Record<string, unknown> = {};
  for (const a of analyses) results[a.name] = done.get(a.name);
  return results;
}

/** A sink from a function (a printer, a tracker that is no analysis). */
export function sink(name: string, onPacket: (r: CaptureRecord, st: PacketState, ctx: AnalysisContext) => void): PacketAnalysis<void> {
  return { name, onPacket, finish() {} };
}
