// The `analyze --json` document (SPEC "JSON schemas") as types, section by section, so that
// library users and the HTML report read it without re-validating its shape. Each section's type
// is the one its analysis' finish() returns: they cannot drift apart.
import type { BgpResult } from './analyses/bgp/analysis.js';
import type { CniResult } from './analyses/cni/fingerprint.js';
import type { L2Result } from './analyses/cni/l2.js';
import type { ClassTotals, FlowObject, TunnelTotals } from './analyses/flows/analysis.js';
import type { LintResult } from './analyses/lint/analysis.js';
import type { OverheadReport } from './analyses/overhead.js';
import type { PodCidr } from './analyses/podcidr.js';
import type { TimelineResult } from './analyses/timeline.js';
import type { PacketAnalysis } from './engine/analysis.js';
import type { ClusterSection } from './analyses/correlate/cluster.js';

export type { BgpResult, CniResult, L2Result, ClassTotals, FlowObject, TunnelTotals, LintResult, OverheadReport, PodCidr, TimelineResult };
export type { Totals } from './analyses/flows/analysis.js';

/** A capture link type with its name ('ethernet', 'linux-sll2', ... or 'unsupported'). */
export interface LinktypeInfo {
  linktype: number;
  name: string;
}

/** One input file of the run. */
export interface FileSummary {
  name: string;
  format: string;
  gzip: boolean;
  linktypes: LinktypeInfo[];
  interfaces: number;
  packets: number;
  wireBytes: number;
  warnings: string[];
  /** Why the file could not be read at all (missing, unreadable, not a capture), else null. */
  error: string | null;
}

/** The `summary` section: what was read, over all files. */
export interface CaptureSummary {
  files: FileSummary[];
  packets: number;
  /** Packets counted once: copies of a packet seen at another capture point are left out. */
  uniquePackets: number;
  copies: number;
  wireBytes: number;
  /** Epoch seconds as decimal strings; null for an empty capture. */
  firstTs: string | null;
  lastTs: string | null;
  durationS: number;
  linktypes: LinktypeInfo[];
  interfaces: number;
}

/** The `flows` section: how many flows, and the packet-size histogram's bin edges. */
export interface FlowCounts {
  total: number;
  /** Flows dropped at the maxFlows cap (their packets still count in the totals). */
  evicted: number;
  maxFlows: number;
  histogramEdges: number[];
}

/** The sections every `analyze` document has. */
export interface CoreSections {
  tool: { name: 'tunnelscope'; version: string };
  summary: CaptureSummary;
  podCidrs: PodCidr[];
  /** BGP-announced pod CIDRs not listed in podCidrs (beyond the first 1000); all of them settle routed. */
  podCidrsNotListed: number;
  classes: ClassTotals[];
  flows: FlowCounts;
  topFlows: FlowObject[];
  tunnels: TunnelTotals[];
  overhead: OverheadReport;
}

/**
 * The standard analyses' sections: present in `analyze --json` and in what analyze() returns by
 * default; absent with `standard: false` (and only `bgp` with `standard: 'bgp'`).
 */
export interface StandardSections {
  bgp?: BgpResult;
  l2?: L2Result;
  cni?: CniResult;
  lint?: LintResult;
  /** Traffic over time: `report` adds it (TimelineAnalysis), `analyze --json` does not. */
  timeline?: TimelineResult;
  /** Captures of several nodes (`analyze`/`report` CLI): each packet counted once (src/analyses/correlate/cluster.ts). */
  cluster?: ClusterSection;
}

/** The document `analyze --json` prints and analyze() returns. */
export interface AnalysisDocument extends CoreSections, StandardSections {}

/**
 * The sections that the caller's own analyses (`extraAnalyses`) add: each result under its
 * analysis' name. Give the analysis a literal name (`readonly name = 'dns'`) to get a typed key.
 */
export type ExtraSections<A extends PacketAnalysis> = {
  [N in A['name']]: ReturnType<Extract<A, { name: N }>['finish']>;
};
