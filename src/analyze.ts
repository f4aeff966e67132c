// The driver: reads each input once, decodes every record into the reused state, extracts the
// per-packet facts and hands them to every analysis; then assembles the `analyze --json` document.
import { PacketDecoder, type DecoderOptions } from './decoder.js';
import { PacketFacts, extractFacts } from './facts.js';
import type { AnalysisContext, PacketAnalysis } from './analysis.js';
import { addRecordsRead, forEachRecord, stopSignal, type CaptureInput } from './reader/capture.js';
import { CaptureRecord, formatTimestamp, type CaptureInfo } from './reader/record.js';
import { FlowAnalysis } from './flows/analysis.js';
import { OverheadAnalysis } from './overhead.js';
import { LINKTYPE_NAMES } from './registry.js';
import { Progress } from './progress.js';
import { standardAnalyses, isMergeable } from './standard.js';
import { CaptureError, captureReason } from './reader/record.js';
import { Worker } from 'node:worker_threads';
import { readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { AnalysisDocument, ExtraSections, FileSummary } from './document.js';

export type { AnalysisDocument, FileSummary } from './document.js';

export interface AnalyzeOptions extends DecoderOptions {
  mtu?: number;
  /** Infer pod CIDRs from tunnel inner addresses (default: only when no podCidrs are given). */
  inferPodCidrs?: boolean;
  maxFlows?: number;
  /** The BGP section lists every route and announced prefix (default: the first 10000 of each). */
  allRoutes?: boolean;
  /** How many flows `topFlows` lists (default 20). */
  top?: number;
  quiet?: boolean;
  /** Worker threads for several files (default: the number of cores; 1 = none). */
  workers?: number;
  /**
   * Run BGP, L2, CNI and lint too (default true). 'bgp': only BGP, whose announced prefixes settle
   * `routed` (what `flows` and `overhead` need).
   */
  standard?: boolean | 'bgp';
  /** Run flows and overhead (default true; false only for the worker that runs the standard set). */
  core?: boolean;
  /** Smallest total input size (bytes) worth spreading over worker threads (default 32 MiB, or TUNNELSCOPE_PARALLEL_THRESHOLD). */
  parallelThreshold?: number;
  /** Analyses added by the caller; each result lands under its name. Forces one thread. */
  extraAnalyses?: (decoder: PacketDecoder) => PacketAnalysis[];
}

/** The summary of a file that could not be read: named, with its error, and nothing in it. */
function unreadableFile(name: string, e: CaptureError): FileSummary {
  return { name, format: 'unknown', gzip: false, linktypes: [], interfaces: 0, packets: 0, wireBytes: 0, warnings: [], error: captureReason(e, name) };
}

/** This package's version, read once at start-up from its package.json so `--version` and
 *  `tool.version` cannot drift from what was published. */
export const VERSION: string = packageVersion();

function packageVersion(): string {
  // package.json is one level up from src/analyze.ts (tests) and two from dist/src/analyze.js.
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'tunnelscope' && typeof pkg.version === 'string') return pkg.version;
    } catch { /* not at this level: try the next */ }
  }
  return 'unknown';
}

/** What reading the inputs produced besides the analyses themselves. */
interface RunTotals {
  files: FileSummary[];
  packets: number;
  wireBytes: number;
  linktypes: number[];
  interfaces: number;
  /** Earliest and latest timestamps as [seconds, nanoseconds]. */
  first: [number, number];
  last: [number, number];
  /** Worker runs: the packets the main-thread analyses (those with wants()) must see, in order. */
  replay: ReplayPacket[];
}

interface RunResult extends RunTotals {
  flows: FlowAnalysis;
  overhead: OverheadAnalysis;
  extra: PacketAnalysis[];
}

/** A packet copied for replay on the main thread. */
export interface ReplayPacket {
  frame: number; tsSec: number; tsNsec: number; linktype: number; len: number; interfaceId: number;
  direction: number; fileIndex: number; fileName: string; data: Uint8Array;
}

/** Everything a worker posts back for one file: the analyses' state instead of the analyses. */
export interface WorkerResult extends RunTotals {
  flows: ReturnType<FlowAnalysis['exportState']>;
  overhead: ReturnType<OverheadAnalysis['exportState']>;
  extra: [string, unknown][];
}

function newAnalyses(opts: AnalyzeOptions, decoder: PacketDecoder): { flows: FlowAnalysis; overhead: OverheadAnalysis; extra: PacketAnalysis[] } {
  return {
    flows: new FlowAnalysis({ maxFlows: opts.maxFlows, podCidrs: opts.podCidrs, inferPodCidrs: opts.inferPodCidrs }),
    overhead: new OverheadAnalysis(opts.mtu ?? 1500),
    extra: [...(opts.standard === false ? [] : standardAnalyses(opts, decoder, opts.standard === 'bgp')), ...(opts.extraAnalyses?.(decoder) ?? [])],
  };
}

/** Reads the inputs one after the other on this thread. `fileBase` numbers the files for capture points. */
export async function runSequential(inputs: readonly CaptureInput[], opts: AnalyzeOptions = {}, fileBase = 0, inWorker = false): Promise<RunResult> {
  const decoder = new PacketDecoder(opts);
  const { flows, overhead, extra } = newAnalyses(opts, decoder);
  // In a worker, analyses that follow streams across files are not fed here: their packets are
  // copied for the main thread instead (see PacketAnalysis.wants).
  const replayed = inWorker ? extra.filter((a) => a.wants) : [];
  const core: PacketAnalysis[] = opts.core === false ? [] : [flows, overhead];
  const all: PacketAnalysis[] = [...core, ...extra.filter((a) => !replayed.includes(a))];
  const replay: ReplayPacket[] = [];
  const facts = new PacketFacts();
  const files: FileSummary[] = [];
  let firstSec = Infinity, firstNsec = 0, lastSec = -Infinity, lastNsec = 0;
  let packets = 0, wireBytes = 0;
  const linktypes = new Set<number>();
  let interfaces = 0;
  for (let k = 0; k < inputs.length; k++) {
    const fi = fileBase + k;
    const input = inputs[k];
    const name = typeof input === 'string' ? input : `stream${fi}`;
    const ctx: AnalysisContext = { fileIndex: fi, fileName: name, facts, capturePoint: 0 };
    const progress = Progress.forTerminal(opts.quiet, name);
    const n = all.length;
    let info: CaptureInfo;
    try {
      info = await forEachRecord(input, (r) => {
        const st = decoder.decode(r.buf, r.offset, r.caplen, r.len, r.linktype);
        extractFacts(st, r.len, facts);
        // Capture point: file, pcapng interface and SLL2 interface index together.
        ctx.capturePoint = (fi * 1024 + r.interfaceId) * 65536 + (st.ifIndex >= 0 ? (st.ifIndex & 0xffff) + 1 : 0);
        if (r.tsSec < firstSec || (r.tsSec === firstSec && r.tsNsec < firstNsec)) { firstSec = r.tsSec; firstNsec = r.tsNsec; }
        if (r.tsSec > lastSec || (r.tsSec === lastSec && r.tsNsec > lastNsec)) { lastSec = r.tsSec; lastNsec = r.tsNsec; }
        for (let i = 0; i < n; i++) all[i].onPacket(r, st, ctx);
        for (let i = 0; i < replayed.length; i++) {
          if (!replayed[i].wants!(st)) continue;
          replay.push({
            frame: r.frame, tsSec: r.tsSec, tsNsec: r.tsNsec, linktype: r.linktype, len: r.len, interfaceId: r.interfaceId,
            direction: r.direction, fileIndex: fi, fileName: name, data: r.buf.slice(r.offset, r.offset + r.caplen),
          });
          break;
        }
      }, { onProgress: (b, t, p) => progress.update(b, t, p) });
    } catch (e) {
      // One file that is no capture does not lose the others: it is named in the summary with
      // its error (it gave no records: the readers throw only before the first one).
      progress.done();
      if (!(e instanceof CaptureError)) throw e;
      files.push(unreadableFile(name, e));
      continue;
    }
    progress.done();
    for (const a of all) a.onFileEnd?.(info, ctx);
    const lts = [...new Set(info.interfaces.map((x) => x.linktype))];
    lts.forEach((l) => linktypes.add(l));
    interfaces += info.interfaces.length;
    packets += info.packets;
    wireBytes += info.wireBytes;
    files.push({
      name, format: info.format, gzip: info.gzip,
      linktypes: lts.map((l) => ({ linktype: l, name: LINKTYPE_NAMES[l] ?? 'unsupported' })),
      interfaces: info.interfaces.length, packets: info.packets, wireBytes: info.wireBytes, warnings: info.warnings, error: null,
    });
  }
  return { flows, overhead, extra, files, packets, wireBytes, linktypes: [...linktypes], interfaces, first: [firstSec, firstNsec], last: [lastSec, lastNsec], replay };
}

/** Whether several inputs can be read on worker threads: files on disk, compiled code, mergeable analyses. */
function canRunParallel(inputs: readonly CaptureInput[], opts: AnalyzeOptions): boolean {
  if (opts.workers === 1 || inputs.length < 2 || opts.extraAnalyses) return false;
  if (!inputs.every((i) => typeof i === 'string' && i !== '-')) return false;
  if (!import.meta.url.endsWith('.js')) return false; // running from TypeScript sources (tests): no worker script
  // Starting a worker costs ~100 ms: only worth it when there is real work to share.
  const total = inputs.reduce((n, i) => n + fileSize(i as string), 0);
  if (total < parallelThreshold(opts)) return false;
  const probe = newAnalyses(opts, new PacketDecoder(opts));
  return probe.extra.every((a) => isMergeable(a) || typeof a.wants === 'function');
}

/** The option, else TUNNELSCOPE_PARALLEL_THRESHOLD (bytes; lets the CLI's tests reach the worker paths), else 32 MiB. */
function parallelThreshold(opts: AnalyzeOptions): number {
  if (opts.parallelThreshold !== undefined) return opts.parallelThreshold;
  const env = process.env.TUNNELSCOPE_PARALLEL_THRESHOLD;
  return env !== undefined && /^[0-9]{1,16}$/.test(env) ? Number(env) : 32 * 1024 * 1024;
}

/**
 * A stop flag in shared memory for worker threads: set when this thread's stop signal aborts
 * (Ctrl-C); the worker's reader checks it between read chunks and then posts what it has.
 */
function sharedStopFlag(): Int32Array {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const signal = stopSignal();
  if (signal?.aborted) flag[0] = 1;
  else signal?.addEventListener?.('abort', () => Atomics.store(flag, 0, 1), { once: true });
  return flag;
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

async function runParallel(inputs: readonly string[], opts: AnalyzeOptions): Promise<RunResult> {
  const threads = Math.max(1, Math.min(inputs.length, opts.workers ?? availableParallelism()));
  const plain: AnalyzeOptions = {
    mtu: opts.mtu, maxFlows: opts.maxFlows, podCidrs: opts.podCidrs, inferPodCidrs: opts.inferPodCidrs, vxlanPorts: opts.vxlanPorts,
    genevePorts: opts.genevePorts, quiet: true,
  };
  const results: (WorkerResult | undefined)[] = new Array(inputs.length);
  let next = 0;
  const stop = sharedStopFlag();
  const runOne = (i: number) => new Promise<void>((resolve, reject) => {
    const w = new Worker(new URL('./worker.js', import.meta.url), { workerData: { mode: 'file', file: inputs[i], fileIndex: i, opts: plain, stop } });
    w.once('message', (m: { ok: true; result: WorkerResult } | { ok: false; message: string; capture: boolean }) => {
      if (m.ok) { results[i] = m.result; resolve(); }
      else reject(m.capture ? new CaptureError(m.message) : new Error(m.message));
    });
    w.once('error', reject);
  });
  await Promise.all(Array.from({ length: threads }, async () => {
    // Interrupted: the files not started yet are left out.
    while (next < inputs.length && Atomics.load(stop, 0) === 0) await runOne(next++);
  }));
  // Merge in file order so frame evidence and flow ids stay deterministic.
  const decoder = new PacketDecoder(plain);
  const { flows, overhead, extra } = newAnalyses(plain, decoder);
  const out: RunResult = { flows, overhead, extra, files: [], packets: 0, wireBytes: 0, linktypes: [], interfaces: 0, first: [Infinity, 0], last: [-Infinity, 0], replay: [] };
  const lts = new Set<number>();
  const replayed = extra.filter((a) => a.wants && !isMergeable(a));
  const facts = new PacketFacts();
  const rec = new CaptureRecord();
  for (const r of results) {
    if (r === undefined) continue;
    addRecordsRead(r.packets);
    // Stream-following analyses see their packets here, on one thread, in file order.
    for (const p of r.replay) {
      rec.frame = p.frame; rec.buf = p.data; rec.offset = 0; rec.caplen = p.data.length; rec.len = p.len;
      rec.tsSec = p.tsSec; rec.tsNsec = p.tsNsec; rec.linktype = p.linktype; rec.interfaceId = p.interfaceId; rec.direction = p.direction;
      const st = decoder.decode(rec.buf, 0, rec.caplen, rec.len, rec.linktype);
      extractFacts(st, rec.len, facts);
      const ctx: AnalysisContext = { fileIndex: p.fileIndex, fileName: p.fileName, facts, capturePoint: 0 };
      for (const a of replayed) a.onPacket(rec, st, ctx);
    }
    flows.mergeState(r.flows);
    overhead.mergeState(r.overhead);
    for (const [name, state] of r.extra) {
      const a = extra.find((x) => x.name === name);
      if (a && isMergeable(a) && !replayed.includes(a)) a.mergeState(state);
    }
    out.files.push(...r.files);
    out.packets += r.packets;
    out.wireBytes += r.wireBytes;
    r.linktypes.forEach((l) => lts.add(l));
    out.interfaces += r.interfaces;
    if (r.first[0] < out.first[0] || (r.first[0] === out.first[0] && r.first[1] < out.first[1])) out.first = r.first;
    if (r.last[0] > out.last[0] || (r.last[0] === out.last[0] && r.last[1] > out.last[1])) out.last = r.last;
  }
  out.linktypes = [...lts];
  return out;
}

/** Prefixes still announced over BGP at the end (default routes left out), from the run's BGP analysis. */
export function bgpAnnounced(extra: readonly PacketAnalysis[]): string[] {
  const bgp = extra.find((a) => a.name === 'bgp') as { announcedPrefixes?: (o: { includeDefault?: boolean }) => string[] } | undefined;
  return bgp?.announcedPrefixes?.({ includeDefault: false }) ?? [];
}

/** BGP-announced prefixes become pod CIDRs: call before the flows settle routed vs underlay. */
export function addBgpPodCidrs(flows: FlowAnalysis, prefixes: readonly string[]): void {
  // In slices: a full routing table (over a million prefixes) never becomes one array of objects.
  const SLICE = 8192;
  for (let i = 0; i < prefixes.length; i += SLICE) {
    flows.addPodCidrs(prefixes.slice(i, i + SLICE).map((cidr) => ({ cidr, source: 'bgp' as const, evidence: 'announced over BGP in the capture' })));
  }
}

/** One large file on disk, compiled code, the standard set wanted: split the analyses over two threads. */
function canSplitByAnalysis(inputs: readonly CaptureInput[], opts: AnalyzeOptions): boolean {
  if (opts.workers === 1 || opts.standard !== undefined && opts.standard !== true || inputs.length !== 1) return false;
  if (typeof inputs[0] !== 'string' || inputs[0] === '-') return false; // a stream can be read only once
  if (!import.meta.url.endsWith('.js')) return false;
  return fileSize(inputs[0]) >= parallelThreshold(opts);
}

/** The standard analyses' finished results, computed on a worker thread. */
export interface StandardResult {
  results: Record<string, unknown>;
  bgpPrefixes: string[];
}

function runStandardInWorker(inputs: readonly string[], opts: AnalyzeOptions): Promise<StandardResult> {
  const plain: AnalyzeOptions = {
    mtu: opts.mtu, podCidrs: opts.podCidrs, vxlanPorts: opts.vxlanPorts, genevePorts: opts.genevePorts, quiet: true,
    allRoutes: opts.allRoutes,
  };
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./worker.js', import.meta.url), { workerData: { mode: 'standard', files: inputs, opts: plain, stop: sharedStopFlag() } });
    w.once('message', (m: { ok: true; result: StandardResult } | { ok: false; message: string; capture: boolean }) => {
      if (m.ok) resolve(m.result);
      else reject(m.capture ? new CaptureError(m.message) : new Error(m.message));
    });
    w.once('error', reject);
  });
}

/** Runs every analysis over the inputs: several files in parallel on worker threads when possible. */
export async function runAnalyses(inputs: readonly CaptureInput[], opts: AnalyzeOptions = {}): Promise<RunResult> {
  return canRunParallel(inputs, opts) ? runParallel(inputs as string[], opts) : runSequential(inputs, opts);
}

/**
 * Library API: the document `analyze --json` prints. The results of the caller's own analyses
 * (`extraAnalyses`) land under their names, typed when each analysis has a literal `name`.
 */
export async function analyze<A extends PacketAnalysis = never>(
  input: CaptureInput | readonly CaptureInput[],
  opts: AnalyzeOptions & { extraAnalyses?: (decoder: PacketDecoder) => A[] } = {},
): Promise<AnalysisDocument & ExtraSections<A>> {
  const inputs = Array.isArray(input) ? (input as CaptureInput[]) : [input as CaptureInput];
  const extraResults: Record<string, unknown> = {};
  let bgpPrefixes: string[] = [];
  let run: RunResult;
  if (canSplitByAnalysis(inputs, opts)) {
    // Two cores on one input: this thread decodes for flows and overhead (and the caller's
    // analyses), a worker decodes the same file for BGP, L2, CNI and lint. Each analysis still sees
    // every packet in order, so nothing needs merging.
    const [core, std] = await Promise.all([
      runSequential(inputs, { ...opts, standard: false }),
      runStandardInWorker(inputs as string[], opts),
    ]);
    run = core;
    Object.assign(extraResults, std.results);
    bgpPrefixes = std.bgpPrefixes;
    for (const a of run.extra) extraResults[a.name] = a.finish();
  } else {
    run = await runAnalyses(inputs, opts);
    for (const a of run.extra) extraResults[a.name] = a.finish();
    bgpPrefixes = bgpAnnounced(run.extra);
  }
  // Prefixes announced over BGP are pod CIDRs (Calico announces its /26 blocks); a default route
  // is not. They must be in before flows settle routed vs underlay.
  addBgpPodCidrs(run.flows, bgpPrefixes);
  const fs = run.flows.finish();
  const packets = run.packets;
  const span = {
    firstTs: packets ? formatTimestamp(run.first[0], run.first[1]) : null,
    lastTs: packets ? formatTimestamp(run.last[0], run.last[1]) : null,
    durationS: packets ? Math.round(((run.last[0] - run.first[0]) * 1e9 + (run.last[1] - run.first[1])) / 1000) / 1e6 : 0,
  };
  const doc: AnalysisDocument = {
    tool: { name: 'tunnelscope', version: VERSION },
    summary: {
      files: run.files,
      packets: run.packets,
      uniquePackets: fs.uniquePackets,
      copies: fs.copyPackets,
      wireBytes: run.wireBytes,
      ...span,
      linktypes: run.linktypes.map((l) => ({ linktype: l, name: LINKTYPE_NAMES[l] ?? 'unsupported' })),
      interfaces: run.interfaces,
    },
    podCidrs: fs.podCidrs,
    podCidrsNotListed: fs.podCidrsNotListed,
    classes: fs.classes,
    flows: { total: fs.flowCount, evicted: fs.evictedFlows, maxFlows: fs.maxFlows, histogramEdges: fs.histogramEdges },
    topFlows: run.flows.flows({ sort: 'bytes', top: opts.top ?? 20 }),
    tunnels: fs.tunnels,
    overhead: run.overhead.finish(),
    ...extraResults,
  };
  // extraResults holds each analysis' finish() under its name: what ExtraSections<A> says.
  return doc as AnalysisDocument & ExtraSections<A>;
}
