// VXLAN_RESERVED_BITS: reserved VXLAN header bits (RFC 7348; the GBP draft's when G is set) are not zero.
import { R } from '../rules.js';
import { vxlanFlags, vxlanReservedSet } from '../../../../dissectors/vxlan.js';
import { CountTable, type CountTableState } from '../../../util/tables.js';
import { draft, plural, type FindingSink, type LintEnv, type RuleCounts, type RuleModule, type TunnelView } from '../rule.js';

export function vxlanReservedBits(env: LintEnv, counts: RuleCounts): RuleModule<CountTableState> {
  const rule = R.VXLAN_RESERVED_BITS;
  /** [flags byte] */
  const flagValues = new CountTable(1, 256);
  return {
    rules: [rule],
    onVxlan(p: TunnelView): void {
      if (!vxlanReservedSet(p.st, p.t) || !counts.on(rule)) return;
      counts.hit(rule, p.frame, p.file);
      env.key[0] = vxlanFlags(p.st, p.t);
      flagValues.add(env.key, p.frame, p.file);
    },
    exportState: () => flagValues.exportState(),
    mergeState: (s) => void flagValues.mergeState(s),
    finish(out: FindingSink): void {
      const n = counts.count[rule];
      if (n === 0) return;
      const flags: Record<string, number> = {};
      for (const e of flagValues.sorted()) flags[`0x${flagValues.keyOf(e)[0].toString(16).padStart(2, '0')}`] = flagValues.counts[e];
      out.add(rule, draft(counts, rule, `${plural(n, 'VXLAN packet')} with reserved header bits set`, { flags }));
    },
  };
}
