// Worker thread, in one of three roles:
// - 'file': analyse one file of several and post the analyses' state back for the main thread to merge;
// - 'part': the same for one range of records of a file cut into parts (see reader/split.ts);
// - 'standard': run BGP, L2, CNI and lint over the inputs while the main thread runs flows and overhead.
import { parentPort, workerData } from 'node:worker_threads';
import { bgpAnnounced, runSequential, type AnalyzeOptions, type StandardResult, type WorkerResult } from './analyze.js';
import { PartBoard, partFrameBase, partRange, type SplitPlan } from '../reader/split.js';
import { CaptureError } from '../reader/record.js';
import { setStopSignal } from '../reader/capture.js';
import { isMergeable, type MergeableAnalysis } from './standard.js';
import { finishAll } from './driver.js';

type Job =
  | { mode: 'file'; file: string; fileIndex: number; opts: AnalyzeOptions; stop?: Int32Array }
  | { mode: 'standard'; files: string[]; opts: AnalyzeOptions; stop?: Int32Array }
  | { mode: 'part'; file: string; part: number; plan: SplitPlan; board: { bases: SharedArrayBuffer; flags: SharedArrayBuffer }; opts: AnalyzeOptions; stop?: Int32Array };

const job = workerData as Job;
// The main thread sets the shared flag on Ctrl-C: the reading stops between chunks and the state
// read so far is posted back as usual.
const stopFlag = job.stop;
if (stopFlag) setStopSignal({ get aborted() { return Atomics.load(stopFlag, 0) !== 0; } });

try {
  if (job.mode === 'standard') {
    const run = await runSequential(job.files, { ...job.opts, core: false });
    const result: StandardResult = { results: {}, bgpPrefixes: [] };
    result.results = finishAll(run.extra);
    result.bgpPrefixes = bgpAnnounced(run.extra);
    parentPort!.postMessage({ ok: true, result });
  } else if (job.mode === 'part') {
    const { plan, part } = job;
    const board = new PartBoard(plan.starts.length, job.board);
    const frameBase = await partFrameBase(job.file, plan, part, board);
    if (frameBase < 0) parentPort!.postMessage({ ok: true, result: null });
    else {
      post(await runSequential([job.file], job.opts, 0, true, partRange(plan, part, frameBase)));
    }
  } else {
    post(await runSequential([job.file], job.opts, job.fileIndex, true));
  }
} catch (e) {
  parentPort!.postMessage({ ok: false, message: (e as Error).message, capture: e instanceof CaptureError });
}

/** Posts a run's mergeable state (the flow table's big arrays moved, not copied). */
function post(run: Awaited<ReturnType<typeof runSequential>>): void {
  {
    const flows = run.flows.exportState();
    const result: WorkerResult = {
      flows,
      overhead: run.overhead.exportState(),
      extra: run.extra.filter((a) => isMergeable(a) && !a.wants).map((a) => [a.name, (a as MergeableAnalysis).exportState()]),
      replay: run.replay,
      files: run.files, packets: run.packets, wireBytes: run.wireBytes, linktypes: run.linktypes,
      interfaces: run.interfaces, first: run.first, last: run.last,
    };
    parentPort!.postMessage({ ok: true, result }, [
      flows.table.keys.buffer as ArrayBuffer, flows.table.rows.buffer as ArrayBuffer, run.replay.data.buffer as ArrayBuffer, run.replay.meta.buffer as ArrayBuffer,
    ]);
  }
}
