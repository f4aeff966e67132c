// The analyses (flows, overhead, BGP, lint, CNI fingerprint) all consume the same stream of
// decoded packets: the driver decodes each record once into the reused PacketState and hands
// the pair (record, state) to every analysis in turn. Nothing here may keep a reference to the
// record or the state past the call: copy the numbers you need.
import type { PacketState } from '../../dissectors/packet.js';
import type { PacketFacts } from '../analyses/facts.js';
import type { CaptureRecord, CaptureInfo } from '../reader/record.js';
import type { DecodeTables } from '../../dissectors/dissector.js';

export interface AnalysisContext {
  /** Index of the input file (0-based) when several are analysed together. */
  fileIndex: number;
  fileName: string;
  /** Numbers read once per packet for all analyses (sizes, overhead, inner 5-tuple). */
  facts: PacketFacts;
  /** Capture point of the packet: pcapng interface and SLL2 interface index combined. */
  capturePoint: number;
  /**
   * The decoder's binding tables (which UDP ports are VXLAN or Geneve, after --decode-as): ask
   * these instead of building another DecodeTables. Set by the driver (src/engine/driver.ts).
   */
  tables?: DecodeTables;
}

export interface PacketAnalysis<Result = unknown> {
  /** Stable name; the key of this analysis' section in `analyze --json`. */
  readonly name: string;
  /** Called for every packet, in capture order. Hot path: no per-packet allocation. */
  onPacket(r: CaptureRecord, st: PacketState, ctx: AnalysisContext): void;
  /** Called after each file with what the reader learned (link types, warnings). */
  onFileEnd?(info: CaptureInfo, ctx: AnalysisContext): void;
  /**
   * For analyses whose state follows streams across files (BGP over rotated captures): in a
   * parallel run they stay on the main thread, and the workers forward, in file order, only the
   * packets this selects.
   */
  wants?(st: PacketState): boolean;
  /**
   * Names of the analyses whose finish() must run before this one's (it reads their results: lint
   * and CNI read BGP's, CNI reads L2's). finishAll (src/engine/driver.ts) orders by it; a name that is not
   * in the run is no dependency.
   */
  dependsOn?: readonly string[];
  /** Builds the JSON-ready result once all input is read. */
  finish(): Result;
}
