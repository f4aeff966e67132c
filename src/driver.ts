// The one driver: every command that decodes packets (analyze, flows, overhead, lint, bgp,
// dissect, the worker threads and the main thread's replay of what workers forward) reads records
// through here. Each record is decoded once into the decoder's reused PacketState, the per-packet
// facts are extracted, and `deliver` hands (record, state, context) to the sinks in order. Sinks
// are analyses (PacketAnalysis); output is a sink too (dissect's printer).
//
//   reader (forEachRecord / replayed copies) -> Driver.deliver -> decode -> facts -> select? -> sinks
import type { AnalysisContext, PacketAnalysis } from './analysis.js';
import type { PacketDecoder } from './decoder.js';
import { PacketFacts, extractFacts } from './facts.js';
import type { PacketState } from './packet.js';
import { forEachRecord, type CaptureInput, type ReadOptions } from './reader/capture.js';
import { CaptureRecord, type CaptureInfo } from './reader/record.js';

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

/** A packet copied for another thread (or a later replay): its record fields and its bytes. */
export interface ReplayPacket {
  frame: number; tsSec: number; tsNsec: number; linktype: number; len: number; interfaceId: number;
  direction: number; fileIndex: number; fileName: string; data: Uint8Array;
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
  replay(packets: readonly ReplayPacket[]): void {
    const rec = this.replayRecord;
    for (const p of packets) {
      rec.frame = p.frame; rec.buf = p.data; rec.offset = 0; rec.caplen = p.data.length; rec.len = p.len;
      rec.tsSec = p.tsSec; rec.tsNsec = p.tsNsec; rec.linktype = p.linktype; rec.interfaceId = p.interfaceId; rec.direction = p.direction;
      this.startFile(p.fileIndex, p.fileName);
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
 * select, for the main thread to replay in order, instead of feeding those analyses here.
 */
export class ReplayCopier implements PacketAnalysis<void> {
  readonly name = 'replay-copier';
  readonly packets: ReplayPacket[] = [];

  constructor(private readonly wanting: readonly PacketAnalysis[]) {}

  wants(st: PacketState): boolean {
    for (let i = 0; i < this.wanting.length; i++) if (this.wanting[i].wants!(st)) return true;
    return false;
  }

  onPacket(r: CaptureRecord, st: PacketState, ctx: AnalysisContext): void {
    for (let i = 0; i < this.wanting.length; i++) {
      if (!this.wanting[i].wants!(st)) continue;
      // A copy of exactly the packet: Buffer's slice() is a view that would keep (and post to the
      // main thread) the whole read chunk, one chunk per forwarded packet.
      const data = new Uint8Array(r.caplen);
      data.set(r.buf.subarray(r.offset, r.offset + r.caplen));
      this.packets.push({
        frame: r.frame, tsSec: r.tsSec, tsNsec: r.tsNsec, linktype: r.linktype, len: r.len, interfaceId: r.interfaceId,
        direction: r.direction, fileIndex: ctx.fileIndex, fileName: ctx.fileName, data,
      });
      return;
    }
  }

  finish(): void {}
}

/** A sink from a function (a printer, a tracker that is no analysis). */
export function sink(name: string, onPacket: (r: CaptureRecord, st: PacketState, ctx: AnalysisContext) => void): PacketAnalysis<void> {
  return { name, onPacket, finish() {} };
}
