// Running the analyses over the inputs (one thread, several files on worker threads, or one file
// cut into ranges of records), all through the one driver (src/engine/driver.ts); then assembling the
// `analyze --json` document.
import { PacketDecoder, type DecoderOptions } from '../../dissectors/decoder.js';
import { Driver, ReplayCopier, TimeSpan, emptyReplayBatch, finishAll, type ReplayBatch } from './driver.js';
import type { PacketAnalysis } from './analysis.js';
import { addRecordsRead, stopSignal, type CaptureInput } from '../reader/capture.js';
import { PartBoard, partRange, planSplit, type ReadRange, type SplitPlan } from '../reader/split.js';
import { formatTimestamp, type CaptureInfo, type CaptureRecord } from '../reader/record.js';
import type { PacketState } from '../../dissectors/packet.js';
import { FlowAnalysis } from '../analyses/flows/analysis.js';
import { OverheadAnalysis } from '../analyses/overhead.js';
import { LINKTYPE_NAMES } from '../../dissectors/registry.js';
import { Progress } from '../render/progress.js';
import { standardAnalyses, isMergeable } from './standard.js';
import { CaptureError, captureReason } from '../reader/record.js';
import { Worker } from 'node:worker_threads';
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Selection, selects, type SelectionSpec } from '../filter/options.js';
import type { AnalysisDocument, ExtraSections, FileSummary } from '../document.js';

export type { AnalysisDocument, FileSummary } from '../document.js';

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
  /**
   * Smallest input size (bytes) worth spreading over worker threads (or TUNNELSCOPE_PARALLEL_THRESHOLD;
   * default 32 MiB for several files, 512 MiB for cutting one file into ranges).
   */
  parallelThreshold?: number;
  /**
   * How one large file is shared between threads: 'records' (default) cuts it into ranges of
   * whole records, each decoded by every analysis on its own thread and merged; 'analyses' (only
   * when asked for) runs flows and overhead here and BGP, L2, CNI and lint on a worker, each thread
   * reading the whole file.
   */
  splitBy?: 'records' | 'analyses';
  /**
   * The packets to analyse (-Y, -c, --from, --to): the others are skipped, except by the analyses
   * that follow streams (BGP), which see every packet: reassembly needs them, and the routes they
   * learn settle the classes of the selected flows.
   */
  select?: SelectionSpec;
  /** Analyses added by the caller; each result lands under its name. Forces one thread. */
  extraAnalyses?: (decoder: PacketDecoder) => PacketAnalysis[];
}

/** The summary of a file that could not be read: named, with its error, and nothing in it. */
function unreadableFile(name: string, e: CaptureError): FileSummary {
  return { name, format: 'unknown', gzip: false, linktypes: [], interfaces: 0, packets: 0, wireBytes: 0, warnings: [], error: captureReason(e, name) };
}

export { VERSION } from '../version.js';
import { VERSION } from '../version.js';

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
  replay: ReplayBatch;
}

interface RunResult extends RunTotals {
  flows: FlowAnalysis;
  overhead: OverheadAnalysis;
  extra: PacketAnalysis[];
  /** One file read in ranges of records on several threads: the file offsets where the ranges start. */
  cuts?: number[];
}

export type { ReplayBatch } from './driver.js';

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
export async function runSequential(inputs: readonly CaptureInput[], opts: AnalyzeOptions = {}, fileBase = 0, inWorker = false, range?: ReadRange): Promise<RunResult> {
  const decoder = new PacketDecoder(opts);
  const { flows, overhead, extra } = newAnalyses(opts, decoder);
  // In a worker, analyses that follow streams across files are not fed here: their packets are
  // copied for the main thread instead (see PacketAnalysis.wants).
  const replayed = inWorker ? extra.filter((a) => a.wants) : [];
  const core: PacketAnalysis[] = opts.core === false ? [] : [flows, overhead];
  const span = new TimeSpan();
  const copier = new ReplayCopier(replayed);
  // The selection (-Y, -c, --from, --to): the analyses see the packets it accepts; those that follow
  // streams (BGP, and the copier that forwards their packets) see every packet, since reassembly
  // needs each segment and the routes learnt settle the classes of the selected flows.
  const sel = new Selection(opts.select, decoder.tables);
  let selectedPackets = 0, selectedBytes = 0;
  const select = sel.active
    ? (r: CaptureRecord, st: PacketState): boolean => {
      if (!sel.accept(r, st)) return false;
      selectedPackets++;
      selectedBytes += r.len;
      return true;
    }
    : undefined;
  const driver = new Driver(decoder, [span, ...core, ...extra.filter((a) => !replayed.includes(a)), ...(replayed.length ? [copier] : [])], { select, unselectedToStreams: true });
  const files: FileSummary[] = [];
  let packets = 0, wireBytes = 0;
  const linktypes = new Set<number>();
  let interfaces = 0;
  for (let k = 0; k < inputs.length; k++) {
    const fi = fileBase + k;
    const input = inputs[k];
    const name = typeof input === 'string' ? input : `stream${fi}`;
    const progress = Progress.forTerminal(opts.quiet, name);
    let info: CaptureInfo;
    sel.startFile();
    selectedPackets = 0;
    selectedBytes = 0;
    try {
      info = await driver.readFile(input, fi, name, { onProgress: (b, t, p) => progress.update(b, t, p), range, limit: sel.readLimit(), signal: sel.stopSignal(stopSignal()) });
    } catch (e) {
      // One file that is no capture does not lose the others: it is named in the summary with
      // its error (it gave no records: the readers throw only before the first one).
      progress.done();
      if (!(e instanceof CaptureError)) throw e;
      files.push(unreadableFile(name, e));
      continue;
    }
    progress.done();
    const lts = [...new Set(info.interfaces.map((x) => x.linktype))];
    lts.forEach((l) => linktypes.add(l));
    interfaces += info.interfaces.length;
    // With a selection, the summary counts the packets analysed; files[] keeps the records read.
    packets += sel.active ? selectedPackets : info.packets;
    wireBytes += sel.active ? selectedBytes : info.wireBytes;
    files.push({
      name, format: info.format, gzip: info.gzip,
      linktypes: lts.map((l) => ({ linktype: l, name: LINKTYPE_NAMES[l] ?? 'unsupported' })),
      interfaces: info.interfaces.length, packets: info.packets, wireBytes: info.wireBytes, warnings: info.warnings, error: null,
    });
  }
  return {
    flows, overhead, extra, files, packets, wireBytes, linktypes: [...linktypes], interfaces,
    first: [span.firstSec, span.firstNsec], last: [span.lastSec, span.lastNsec], replay: copier.batch,
  };
}

/** Whether several inputs can be read on worker threads: files on disk, compiled code, mergeable analyses. */
function canRunParallel(inputs: readonly CaptureInput[], opts: AnalyzeOptions): boolean {
  if (opts.workers === 1 || inputs.length < 2 || opts.extraAnalyses || selects(opts.select)) return false;
  if (!inputs.every((i) => typeof i === 'string' && i !== '-')) return false;
  if (!import.meta.url.endsWith('.js')) return false; // running from TypeScript sources (tests): no worker script
  // Starting a worker costs ~100 ms: only worth it when there is real work to share.
  const total = inputs.reduce((n, i) => n + fileSize(i as string), 0);
  if (total < parallelThreshold(opts)) return false;
  const probe = newAnalyses(opts, new PacketDecoder(opts));
  return probe.extra.every((a) => isMergeable(a) || typeof a.wants === 'function');
}

/** The option, else TUNNELSCOPE_PARALLEL_THRESHOLD (bytes; lets the CLI's tests reach the worker paths), else 32 MiB. */
function parallelThreshold(opts: AnalyzeOptions, fallback = 32 * 1024 * 1024): number {
  if (opts.parallelThreshold !== undefined) return opts.parallelThreshold;
  const env = process.env.TUNNELSCOPE_PARALLEL_THRESHOLD;
  return env !== undefined && /^[0-9]{1,16}$/.test(env) ? Number(env) : fallback;
}

/**
 * Cutting one file into ranges pays only on large files: measured on an idle 2-core machine, the
 * 200k-packet bench mix (170 MB) took 1.9 s in ranges against 1.6 s on one thread, the 2M one
 * (1.7 GB) 6.1 s against 7.0 s.
 */
const RECORD_SPLIT_MIN = 512 * 1024 * 1024;

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
  const plain = workerOptions(opts);
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
  const out: RunResult = { flows, overhead, extra, files: [], packets: 0, wireBytes: 0, linktypes: [], interfaces: 0, first: [Infinity, 0], last: [-Infinity, 0], replay: emptyReplayBatch() };
  const merger = new WorkerMerger(out, decoder);
  for (const r of results) {
    if (r === undefined) continue;
    merger.merge(r);
    out.files.push(...r.files);
  }
  return out;
}

/**
 * Folds what workers posted into the main thread's run, in input order: the packets the
 * stream-following analyses (BGP) want are replayed here, in order; the rest merges as state.
 */
class WorkerMerger {
  private readonly replayed: PacketAnalysis[];
  private readonly driver: Driver;
  private readonly lts: Set<number>;

  constructor(private readonly out: RunResult, decoder: PacketDecoder) {
    this.replayed = out.extra.filter((a) => a.wants && !isMergeable(a));
    this.driver = new Driver(decoder, this.replayed);
    this.lts = new Set(out.linktypes);
  }

  merge(r: WorkerResult): void {
    const { out } = this;
    addRecordsRead(r.packets);
    // Stream-following analyses see their packets here, on one thread, in file order.
    this.driver.replay(r.replay);
    out.flows.mergeState(r.flows);
    out.overhead.mergeState(r.overhead);
    for (const [name, state] of r.extra) {
      const a = out.extra.find((x) => x.name === name);
      if (a && isMergeable(a) && !this.replayed.includes(a)) a.mergeState(state);
    }
    out.packets += r.packets;
    out.wireBytes += r.wireBytes;
    r.linktypes.forEach((l) => this.lts.add(l));
    out.linktypes = [...this.lts];
    out.interfaces += r.interfaces;
    if (r.first[0] < out.first[0] || (r.first[0] === out.first[0] && r.first[1] < out.first[1])) out.first = r.first;
    if (r.last[0] > out.last[0] || (r.last[0] === out.last[0] && r.last[1] > out.last[1])) out.last = r.last;
  }
}

/** Options that cross to a worker thread (plain data). */
function workerOptions(opts: AnalyzeOptions): AnalyzeOptions {
  return {
    mtu: opts.mtu, maxFlows: opts.maxFlows, podCidrs: opts.podCidrs, inferPodCidrs: opts.inferPodCidrs, vxlanPorts: opts.vxlanPorts,
    genevePorts: opts.genevePorts, bgpPorts: opts.bgpPorts, quiet: true, standard: opts.standard, allRoutes: opts.allRoutes,
  };
}

/** One file on disk, compiled code, mergeable analyses: cut it into ranges of records for several threads. */
function canSplitByRecords(inputs: readonly CaptureInput[], opts: AnalyzeOptions): boolean {
  if (opts.workers === 1 || opts.splitBy === 'analyses' || inputs.length !== 1 || opts.extraAnalyses || selects(opts.select)) return false;
  if (typeof inputs[0] !== 'string' || inputs[0] === '-') return false; // a stream can be read only once
  if (!import.meta.url.endsWith('.js')) return false; // running from TypeScript sources (tests): no worker script
  if (fileSize(inputs[0]) < parallelThreshold(opts, RECORD_SPLIT_MIN)) return false;
  const probe = newAnalyses(opts, new PacketDecoder(opts));
  return probe.extra.every((a) => isMergeable(a) || typeof a.wants === 'function');
}

/** What a worker posts for its part of a split file (null: the split did not hold). */
export type PartResult = WorkerResult | null;

/**
 * One file in ranges of records: this thread decodes the first range, one worker each of the
 * others; the workers' state merges here in range order. Null when the cut points did not hold
 * (the caller then reads the file another way).
 */
async function runByRecords(file: string, plan: SplitPlan, opts: AnalyzeOptions): Promise<RunResult | null> {
  const parts = plan.starts.length;
  const board = new PartBoard(parts);
  const stop = sharedStopFlag();
  const plain = workerOptions(opts);
  const results = Array.from({ length: parts - 1 }, (_, i) => new Promise<PartResult>((resolve, reject) => {
    const w = new Worker(new URL('./worker.js', import.meta.url), {
      workerData: { mode: 'part', file, part: i + 1, plan, board: board.buffers, opts: plain, stop },
    });
    w.once('message', (m: { ok: true; result: PartResult } | { ok: false; message: string; capture: boolean }) => {
      if (m.ok) resolve(m.result);
      else {
        board.fail(i + 1);
        reject(m.capture ? new CaptureError(m.message) : new Error(m.message));
      }
    });
    w.once('error', (e) => { board.fail(i + 1); reject(e); });
  }));
  // Whatever happens here, the workers' promises must not be left to fail unhandled.
  results.forEach((p) => p.catch(() => {}));
  // The first part starts the file: its frames count from 1, and it needs no prefix.
  board.post(0, 0);
  const run = await runSequential([file], opts, 0, false, partRange(plan, 0, 0));
  let posted = await Promise.all(results);
  if (posted.some((r) => r === null)) {
    // Interrupted (Ctrl-C): the parts that were read stand, as with several files.
    if (Atomics.load(stop, 0) === 0) return null;
    posted = posted.filter((r) => r !== null);
  }
  const summary = run.files[0];
  const merger = new WorkerMerger(run, new PacketDecoder(opts));
  for (const r of posted as WorkerResult[]) {
    merger.merge(r);
    // One file: its summary adds up the parts' (interfaces are the same in every part).
    run.interfaces -= r.interfaces;
    const f = r.files[0];
    summary.packets += f.packets;
    summary.wireBytes += f.wireBytes;
    summary.warnings.push(...f.warnings);
    for (const l of f.linktypes) if (!summary.linktypes.some((x) => x.linktype === l.linktype)) summary.linktypes.push(l);
  }
  run.cuts = plan.starts.slice(0, posted.length + 1);
  return run;
}

/** Where to cut `file` for this run's threads, or null to read it whole. */
function recordSplitPlan(file: string, opts: AnalyzeOptions): SplitPlan | null {
  const threads = Math.max(1, opts.workers ?? availableParallelism());
  return planSplit(file, threads);
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
  // Only when asked for: it was slower than one thread on the 200k bench mix (2.07 s against 1.6 s).
  if (opts.splitBy !== 'analyses') return false;
  if (opts.workers === 1 || opts.standard !== undefined && opts.standard !== true || inputs.length !== 1 || selects(opts.select)) return false;
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
    mtu: opts.mtu, podCidrs: opts.podCidrs, vxlanPorts: opts.vxlanPorts, genevePorts: opts.genevePorts, bgpPorts: opts.bgpPorts, quiet: true,
    allRoutes: opts.allRoutes, select: opts.select,
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
  return (await runSplit(inputs, opts)) ?? (canRunParallel(inputs, opts) ? runParallel(inputs as string[], opts) : runSequential(inputs, opts));
}

/** One large file cut into ranges of records over the threads, or null when it cannot be. */
async function runSplit(inputs: readonly CaptureInput[], opts: AnalyzeOptions): Promise<RunResult | null> {
  if (!canSplitByRecords(inputs, opts)) return null;
  const plan = recordSplitPlan(inputs[0] as string, opts);
  return plan === null ? null : runByRecords(inputs[0] as string, plan, opts);
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
  let run: RunResult | null = await runSplit(inputs, opts);
  if (run !== null) {
    Object.assign(extraResults, finishAll(run.extra));
    bgpPrefixes = bgpAnnounced(run.extra);
  } else if (canSplitByAnalysis(inputs, opts)) {
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
    Object.assign(extraResults, finishAll(run.extra));
  } else {
    run = canRunParallel(inputs, opts) ? await runParallel(inputs as string[], opts) : await runSequential(inputs, opts);
    Object.assign(extraResults, finishAll(run.extra));
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
