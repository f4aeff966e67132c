// Flows streamed as they end (`flows --stream`, Zeek conn.log style): one thread reads the inputs
// in order, BGP first on every packet (its announced prefixes settle routed vs underlay as records
// go out), then the flow table with expiry on. Each ended flow's record goes to onRecord at once
// and the flow leaves the table, so memory follows the live flows, not the capture's length.
// Time is the capture's: a file and a live stream of it give the same records.
import { addBgpPodCidrs, bgpAnnounced, runAnalyses, type AnalyzeOptions } from '../../engine/analyze.js';
import type { CaptureInput } from '../../reader/capture.js';
import { standardAnalyses } from '../../engine/standard.js';
import type { BgpAnalysis } from '../bgp/analysis.js';
import { FlowAnalysis, type FlowObject, type FlowSummary } from './analysis.js';
import type { Expiry } from './flowtable.js';

/** Defaults, seconds of capture time: idle TCP 60 s, other 30 s, no active timeout, Zeek's 5 s close delay. */
export const DEFAULT_EXPIRY: Expiry = { idleTcp: 60, idleOther: 30, active: 0, closeDelay: 5 };

export async function streamFlows(inputs: readonly CaptureInput[], opts: AnalyzeOptions, expiry: Expiry, onRecord: (r: FlowObject) => void):
  Promise<{ files: Awaited<ReturnType<typeof runAnalyses>>['files']; summary: FlowSummary }> {
  let flows: FlowAnalysis | undefined;
  const run = await runAnalyses(inputs, {
    ...opts, standard: false, core: false, workers: 1,
    extraAnalyses: (decoder) => {
      const bgp = standardAnalyses(opts, decoder, true)[0] as BgpAnalysis;
      flows = new FlowAnalysis({
        maxFlows: opts.maxFlows, podCidrs: opts.podCidrs, inferPodCidrs: opts.inferPodCidrs,
        stream: { expiry, onRecord, bgpPrefixes: () => bgp.announcedPrefixes({ includeDefault: false }) },
      });
      return [bgp, flows];
    },
  });
  addBgpPodCidrs(flows!, bgpAnnounced(run.extra));
  // The flows still live end with the input: their records go out here.
  const summary = flows!.finish();
  return { files: run.files, summary };
}
