// The analyses `analyze` runs besides flows and overhead. Built by name so a worker thread can
// construct the same set; each must support exportState()/mergeState() to run in parallel.
import type { PacketAnalysis } from './analysis.js';
import type { PacketDecoder } from './decoder.js';

/** Options that can cross to a worker thread (plain data). */
export interface StandardOptions {
  mtu?: number;
  vxlanPorts?: readonly number[];
  genevePorts?: readonly number[];
  podCidrs?: readonly string[];
}

export type MergeableAnalysis = PacketAnalysis & { exportState(): unknown; mergeState(s: unknown): void };

export function standardAnalyses(opts: StandardOptions, decoder: PacketDecoder): PacketAnalysis[] {
  void opts; void decoder;
  return [];
}

export function isMergeable(a: PacketAnalysis): a is MergeableAnalysis {
  const m = a as Partial<MergeableAnalysis>;
  return typeof m.exportState === 'function' && typeof m.mergeState === 'function';
}
