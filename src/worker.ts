// Worker thread: analyse one file and post the analyses' state back for the main thread to merge.
import { parentPort, workerData } from 'node:worker_threads';
import { runSequential, type AnalyzeOptions, type WorkerResult } from './analyze.js';
import { CaptureError } from './reader/record.js';
import { isMergeable, type MergeableAnalysis } from './standard.js';

const { file, fileIndex, opts } = workerData as { file: string; fileIndex: number; opts: AnalyzeOptions };

try {
  const run = await runSequential([file], opts, fileIndex, true);
  const flows = run.flows.exportState();
  const result: WorkerResult = {
    flows,
    overhead: run.overhead.exportState(),
    extra: run.extra.filter((a) => isMergeable(a) && !a.wants).map((a) => [a.name, (a as MergeableAnalysis).exportState()]),
    replay: run.replay,
    files: run.files, packets: run.packets, wireBytes: run.wireBytes, linktypes: run.linktypes,
    interfaces: run.interfaces, first: run.first, last: run.last,
  };
  parentPort!.postMessage({ ok: true, result }, [flows.table.keys.buffer as ArrayBuffer, flows.table.hist.buffer as ArrayBuffer]);
} catch (e) {
  parentPort!.postMessage({ ok: false, message: (e as Error).message, capture: e instanceof CaptureError });
}
