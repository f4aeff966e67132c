// The lint, CNI and L2 analyses wired together, for drivers (`lint`, `analyze`) and library users.
import type { PacketAnalysis } from '../../engine/analysis.js';
import type { DecodeTables } from '../../../dissectors/dissector.js';
import { BgpAnalysis } from '../bgp/analysis.js';
import { CniAnalysis } from '../cni/analysis.js';
import { L2Analysis } from '../cni/l2.js';
import { LintAnalysis } from './analysis.js';
import { bgpInputFrom, type BgpInput } from './bgp.js';
import type { LintConfigFile, LintThresholds } from './config.js';

export { LintAnalysis, type LintOptions, type LintResult, type Finding, type LintState } from './analysis.js';
export { RULES, R, SEVERITIES, SEVERITY_RANK, renderRulesMarkdown, type RuleInfo, type Severity } from './rules.js';
export { validateConfig, loadConfigFile, parseVniRanges, LintConfigError, DEFAULT_THRESHOLDS, type LintConfigFile, type LintThresholds } from './config.js';
export { bgpInputFrom, bgpNotificationFinding, bgpHoldTimeFinding, type BgpInput, type BgpSessionInput } from './bgp.js';
export { CniAnalysis, type CniOptions, type CniState } from '../cni/analysis.js';
export { L2Analysis, type L2Result, type L2State } from '../cni/l2.js';
export { fingerprint, type CniResult, type CniCandidate, type CniEvidence } from '../cni/fingerprint.js';

/** A BGP analysis plus the function that turns its result into the BgpInput the rules read. */
export interface BgpSource {
  analysis: PacketAnalysis;
  input: (result: unknown) => BgpInput | null;
}

export interface LintSetOptions {
  vxlanPorts?: readonly number[];
  genevePorts?: readonly number[];
  vnis?: ReadonlyArray<readonly [number, number]>;
  config?: LintConfigFile;
  /** Overrides config thresholds. */
  mtu?: number;
  /** The BGP analysis lists every route (bgp --all-routes). */
  allRoutes?: boolean;
  /** The decoder's binding tables: the BGP analysis this set creates follows their TCP ports (default: 179). */
  tables?: DecodeTables;
  arpStormRate?: number;
  /**
   * Where BGP sessions come from. Absent: a new BgpAnalysis, put first in `analyses` so the driver
   * feeds it. A BgpAnalysis: one the caller already runs and feeds (e.g. the `bgp` section of
   * analyze). A BgpSource: a custom analysis and adapter (fed through `analyses`). `null`: none (the
   * BGP rules are then "not evaluated").
   */
  bgp?: BgpAnalysis | BgpSource | null;
}

export interface LintSet {
  lint: LintAnalysis;
  cni: CniAnalysis;
  l2: L2Analysis;
  /** Everything the driver must feed, in order: [the BGP analysis this set created or was handed as a BgpSource], l2, cni, lint. */
  analyses: PacketAnalysis[];
}

/** Builds lint + cni + l2 (sharing one L2 inventory and one BGP source). */
export function createLintSet(o: LintSetOptions = {}): LintSet {
  const analyses: PacketAnalysis[] = [];
  let source: BgpSource | null = null;
  if (o.bgp === undefined) {
    source = { analysis: new BgpAnalysis(undefined, { allRoutes: o.allRoutes, tables: o.tables }), input: bgpInputFrom };
    analyses.push(source.analysis);
  } else if (o.bgp instanceof BgpAnalysis) {
    source = { analysis: o.bgp, input: bgpInputFrom };
  } else if (o.bgp !== null) {
    source = o.bgp;
    analyses.push(source.analysis);
  }
  let cached: BgpInput | null | undefined;
  const src = source;
  const bgp = src ? () => (cached === undefined ? (cached = src.input(src.analysis.finish())) : cached) : undefined;
  const thresholds: Partial<LintThresholds> = { ...(o.config?.thresholds ?? {}) };
  if (o.mtu !== undefined) thresholds.mtu = o.mtu;
  if (o.arpStormRate !== undefined) thresholds.arpStormRate = o.arpStormRate;
  const lint = new LintAnalysis({ vxlanPorts: o.vxlanPorts, genevePorts: o.genevePorts, vnis: o.vnis, thresholds, rules: o.config?.rules, bgp });
  const l2 = new L2Analysis();
  const cni = new CniAnalysis({ vxlanPorts: o.vxlanPorts, genevePorts: o.genevePorts, l2, bgp });
  analyses.push(l2, cni, lint);
  // Lint and CNI read BGP's result (through `bgp`), CNI reads L2's: finishAll runs those first.
  (lint as PacketAnalysis).dependsOn = src ? [src.analysis.name] : [];
  (cni as PacketAnalysis).dependsOn = src ? [src.analysis.name, l2.name] : [l2.name];
  return { lint, cni, l2, analyses };
}
