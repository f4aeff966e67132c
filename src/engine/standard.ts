// The analyses `analyze` runs besides flows and overhead: BGP, the L2 inventory, the CNI
// fingerprint and lint. Built by name from plain options so a worker thread could construct the
// same set; an analysis runs on worker threads only if it supports exportState()/mergeState().
import type { PacketAnalysis } from './analysis.js';
import type { PacketDecoder } from '../../dissectors/decoder.js';
import { createLintSet } from '../analyses/lint/index.js';
import { BgpAnalysis } from '../analyses/bgp/analysis.js';

/** Options that can cross to a worker thread (plain data). */
export interface StandardOptions {
  mtu?: number;
  vxlanPorts?: readonly number[];
  genevePorts?: readonly number[];
  bgpPorts?: readonly number[];
  podCidrs?: readonly string[];
  /** The BGP section lists every route and announced prefix (--all-routes). */
  allRoutes?: boolean;
}

export type MergeableAnalysis = PacketAnalysis & { exportState(): unknown; mergeState(s: unknown): void };

export function standardAnalyses(opts: StandardOptions, decoder: PacketDecoder, bgpOnly = false): PacketAnalysis[] {
  // BGP follows the decoder's TCP port binding (179 and -d tcp.port==P,bgp).
  const bgp = new BgpAnalysis(undefined, { allRoutes: opts.allRoutes, tables: decoder.tables });
  if (bgpOnly) return [bgp];
  // bgp, l2, cni, lint: the CNI verdict and the BGP lint rules read the same BGP analysis.
  return [bgp, ...createLintSet({ vxlanPorts: opts.vxlanPorts, genevePorts: opts.genevePorts, mtu: opts.mtu, bgp }).analyses];
}

export function isMergeable(a: PacketAnalysis): a is MergeableAnalysis {
  const m = a as Partial<MergeableAnalysis>;
  return typeof m.exportState === 'function' && typeof m.mergeState === 'function';
}
