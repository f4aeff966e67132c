// The driver: reads each input once, decodes every record into the reused state, extracts the
// per-packet facts and hands them to every analysis; then assembles the `analyze --json` document.
import { PacketDecoder, type DecoderOptions } from './decoder.js';
import { PacketFacts, extractFacts } from './facts.js';
import type { AnalysisContext, PacketAnalysis } from './analysis.js';
import { forEachRecord, type CaptureInput } from './reader/capture.js';
import { formatTimestamp, type CaptureInfo } from './reader/record.js';
import { FlowAnalysis, type FlowObject, type FlowSummary } from './flows/analysis.js';
import { OverheadAnalysis, type OverheadReport } from './overhead.js';
import { LINKTYPE_NAMES } from './registry.js';
import { Progress } from './progress.js';
import type { PodCidr } from './podcidr.js';

export interface AnalyzeOptions extends DecoderOptions {
  mtu?: number;
  maxFlows?: number;
  /** How many flows `topFlows` lists (default 20). */
  top?: number;
  quiet?: boolean;
  /** Analyses added by other modules (BGP, lint, CNI); each result lands under its name. */
  extraAnalyses?: (decoder: PacketDecoder) => PacketAnalysis[];
}

export interface FileSummary {
  name: string;
  format: string;
  gzip: boolean;
  linktypes: { linktype: number; name: string }[];
  interfaces: number;
  packets: number;
  wireBytes: number;
  warnings: string[];
}

export interface AnalysisDocument {
  tool: { name: 'tunnelscope'; version: string };
  summary: {
    files: FileSummary[];
    packets: number;
    uniquePackets: number;
    copies: number;
    wireBytes: number;
    firstTs: string | null;
    lastTs: string | null;
    durationS: number;
    linktypes: { linktype: number; name: string }[];
    interfaces: number;
  };
  podCidrs: PodCidr[];
  classes: FlowSummary['classes'];
  flows: { total: number; evicted: number; maxFlows: number; histogramEdges: number[] };
  topFlows: FlowObject[];
  tunnels: FlowSummary['tunnels'];
  overhead: OverheadReport;
  [section: string]: unknown;
}

export const VERSION = '0.1.0';

/** Runs every analysis over the inputs (in order) and returns the analyses for the caller to report. */
export async function runAnalyses(inputs: readonly CaptureInput[], opts: AnalyzeOptions = {}) {
  const decoder = new PacketDecoder(opts);
  const flows = new FlowAnalysis({ maxFlows: opts.maxFlows, podCidrs: opts.podCidrs });
  const overhead = new OverheadAnalysis(opts.mtu ?? 1500);
  const extra = opts.extraAnalyses?.(decoder) ?? [];
  const all: PacketAnalysis[] = [flows, overhead, ...extra];
  const facts = new PacketFacts();
  const files: FileSummary[] = [];
  let firstSec = Infinity, firstNsec = 0, lastSec = -Infinity, lastNsec = 0;
  let packets = 0, wireBytes = 0;
  const linktypes = new Set<number>();
  let interfaces = 0;
  for (let fi = 0; fi < inputs.length; fi++) {
    const input = inputs[fi];
    const name = typeof input === 'string' ? (input === '-' ? '-' : input) : `stream${fi}`;
    const ctx: AnalysisContext = { fileIndex: fi, fileName: name, facts, capturePoint: 0 };
    const progress = Progress.forTerminal(opts.quiet, name);
    const n = all.length;
    const info: CaptureInfo = await forEachRecord(input, (r) => {
      const st = decoder.decode(r.buf, r.offset, r.caplen, r.len, r.linktype);
      extractFacts(st, r.len, facts);
      // Capture point: file, pcapng interface and SLL2 interface index together.
      ctx.capturePoint = (fi * 1024 + r.interfaceId) * 65536 + (st.ifIndex >= 0 ? (st.ifIndex & 0xffff) + 1 : 0);
      if (r.tsSec < firstSec || (r.tsSec === firstSec && r.tsNsec < firstNsec)) { firstSec = r.tsSec; firstNsec = r.tsNsec; }
      if (r.tsSec > lastSec || (r.tsSec === lastSec && r.tsNsec > lastNsec)) { lastSec = r.tsSec; lastNsec = r.tsNsec; }
      for (let i = 0; i < n; i++) all[i].onPacket(r, st, ctx);
    }, { onProgress: (b, t, p) => progress.update(b, t, p) });
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
      interfaces: info.interfaces.length, packets: info.packets, wireBytes: info.wireBytes, warnings: info.warnings,
    });
  }
  const span = {
    firstTs: packets ? formatTimestamp(firstSec, firstNsec) : null,
    lastTs: packets ? formatTimestamp(lastSec, lastNsec) : null,
    durationS: packets ? Math.round(((lastSec - firstSec) * 1e9 + (lastNsec - firstNsec)) / 1000) / 1e6 : 0,
  };
  return { decoder, flows, overhead, extra, files, packets, wireBytes, linktypes: [...linktypes], interfaces, span };
}

/** Library API: the document `analyze --json` prints. */
export async function analyze(input: CaptureInput | readonly CaptureInput[], opts: AnalyzeOptions = {}): Promise<AnalysisDocument> {
  const inputs = Array.isArray(input) ? (input as CaptureInput[]) : [input as CaptureInput];
  const run = await runAnalyses(inputs, opts);
  // Results of the other analyses first: BGP contributes pod CIDRs before flows settle classes.
  const extraResults: Record<string, unknown> = {};
  for (const a of run.extra) {
    extraResults[a.name] = a.finish();
    const cidrs = (a as { podCidrs?: () => PodCidr[] }).podCidrs?.();
    if (cidrs) run.flows.addPodCidrs(cidrs);
  }
  const fs = run.flows.finish();
  return {
    tool: { name: 'tunnelscope', version: VERSION },
    summary: {
      files: run.files,
      packets: run.packets,
      uniquePackets: fs.uniquePackets,
      copies: fs.copyPackets,
      wireBytes: run.wireBytes,
      ...run.span,
      linktypes: run.linktypes.map((l) => ({ linktype: l, name: LINKTYPE_NAMES[l] ?? 'unsupported' })),
      interfaces: run.interfaces,
    },
    podCidrs: fs.podCidrs,
    classes: fs.classes,
    flows: { total: fs.flowCount, evicted: fs.evictedFlows, maxFlows: fs.maxFlows, histogramEdges: fs.histogramEdges },
    topFlows: run.flows.flows({ sort: 'bytes', top: opts.top ?? 20 }),
    tunnels: fs.tunnels,
    overhead: run.overhead.finish(),
    ...extraResults,
  };
}
