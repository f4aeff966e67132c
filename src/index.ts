// Library entry: `import { readCapture, dissect, PacketDecoder } from 'tunnelscope'`.
export { readCapture, forEachRecord, type CaptureInput, type ReadOptions } from './reader/capture.js';
export { CaptureRecord, CaptureError, formatTimestamp, type CaptureInfo, type InterfaceInfo } from './reader/record.js';
export { PacketDecoder, type DecoderOptions } from './decoder.js';
export { dissect, describeLayers, packetObject, stackString, type DissectedPacket } from './dissect.js';
export { PacketState, Proto, TrafficClass, CLASS_NAME, PROTO_NAME } from './packet.js';
export type { Dissector, LayerObject, Registration } from './dissector.js';
export { CidrSet, parseCidr } from './cidr.js';
export { analyze, runAnalyses, type AnalysisDocument, type AnalyzeOptions } from './analyze.js';
export { BgpAnalysis } from './bgp/analysis.js';
export { createLintSet, LintAnalysis, CniAnalysis, L2Analysis, RULES } from './lint/index.js';
export { FlowAnalysis, type FlowObject } from './flows/analysis.js';
export { OverheadAnalysis } from './overhead.js';
export type { PacketAnalysis, AnalysisContext } from './analysis.js';
