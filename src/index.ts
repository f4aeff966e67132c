// Library entry: `import { packets, flows, analyze } from 'tunnelscope'`. The README's "Library"
// section documents these; everything a returned value holds has an exported type.

// Streaming API: dissected packets and flow records.
export { packets, flows, type PacketsOptions, type PacketPredicate, type FlowsOptions } from './api.js';

// The analysis document and its sections.
export { analyze, runAnalyses, type AnalyzeOptions } from './engine/analyze.js';
export type {
  AnalysisDocument, CoreSections, StandardSections, ExtraSections, CaptureSummary, FileSummary, FlowCounts, LinktypeInfo,
  Totals, ClassTotals, TunnelTotals, FlowObject, PodCidr, OverheadReport, BgpResult, L2Result, CniResult, LintResult, TimelineResult,
} from './document.js';
export type { CniCandidate, EvidenceFact, Level as ConfidenceLevel } from './analyses/cni/fingerprint.js';

// Findings (lint) and writing your own analysis.
export type { Finding, LintOptions } from './analyses/lint/analysis.js';
export { RULES, SEVERITIES, type RuleInfo, type Severity } from './analyses/lint/rules.js';
export type { PacketAnalysis, AnalysisContext } from './engine/analysis.js';
export type { PacketFacts } from './analyses/facts.js';

// Layers: a union discriminated on `proto`.
export type {
  Layer, LayerProto, LayerOf, LayerBase, EthernetLayer, VlanLayer, SllLayer, Sll2Layer, LoopbackLayer, ArpLayer, Ipv4Layer,
  Ipv6Layer, IcmpLayer, Icmpv6Layer, UdpLayer, TcpLayer, VxlanLayer, VxlanGpeLayer, GeneveLayer, GreLayer, ErspanLayer,
  ErspanPlatformFields, WireguardLayer, BfdLayer, BgpLayer, BgpMessageLayer, BgpLostLayer, BgpFramingErrorLayer, BgpReassembly,
  OtherLayer,
} from '../dissectors/layers.js';
export type { GeneveOption } from '../dissectors/geneve.js';
export type { BgpMessage } from '../dissectors/bgp-message.js';

// Traffic classes: one table of name, label, colour and whether the class is a tunnel.
export { TRAFFIC_CLASSES, CLASS_NAMES, classInfo, type TrafficClassInfo, type TrafficClassName } from './classes.js';

// Lower level: records, the decoder and its reused state, the analyses themselves.
export { readCapture, forEachRecord, type CaptureInput, type ReadOptions } from './reader/capture.js';
export { CaptureRecord, CaptureError, formatTimestamp, type CaptureInfo, type InterfaceInfo } from './reader/record.js';
export { PacketDecoder, type DecoderOptions } from '../dissectors/decoder.js';
export { dissect, describeLayers, packetObject, stackString, type DissectedPacket } from '../dissectors/dissect.js';
export { PacketState, Proto, TrafficClass, CLASS_NAME, PROTO_NAME, type TrafficClassId } from '../dissectors/packet.js';
export type { Dissector, LayerObject, Registration } from '../dissectors/dissector.js';
export { CidrSet, parseCidr } from './util/cidr.js';
export { BgpAnalysis } from './analyses/bgp/analysis.js';
export { createLintSet, LintAnalysis, CniAnalysis, L2Analysis } from './analyses/lint/index.js';
export { FlowAnalysis } from './analyses/flows/analysis.js';
export { OverheadAnalysis } from './analyses/overhead.js';
