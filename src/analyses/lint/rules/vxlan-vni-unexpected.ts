// VXLAN_VNI_UNEXPECTED: a VNI outside the --vni ranges (not evaluated when none are given).
import { R } from '../rules.js';
import { vxlanVni } from '../../../../dissectors/vxlan.js';
import { CountTable, type CountTableState, countsObject } from '../../../util/tables.js';
import { draft, type FindingSink, type LintEnv, type RuleCounts, type RuleModule, type TunnelView } from '../rule.js';

export function vxlanVniUnexpected(env: LintEnv, counts: RuleCounts): RuleModule<CountTableState> {
  const rule = R.VXLAN_VNI_UNEXPECTED;
  const ranges = env.vnis;
  /** [vni] */
  const unexpected = new CountTable(1, 4096);
  const vniText = () => (ranges ?? []).map(([a, b]) => (a === b ? String(a) : `${a}-${b}`));
  return {
    rules: [rule],
    // Without --vni (or with the rule off) there is nothing to match: no hook on every VXLAN packet.
    onVxlan: ranges === null || !counts.on(rule) ? undefined : (p: TunnelView): void => {
      const vni = vxlanVni(p.st, p.t);
      for (let k = 0; k < ranges!.length; k++) if (vni >= ranges![k][0] && vni <= ranges![k][1]) return;
      counts.hit(rule, p.frame, p.file);
      env.key[0] = vni;
      unexpected.add(env.key, p.frame, p.file);
    },
    exportState: () => unexpected.exportState(),
    mergeState: (s) => void unexpected.mergeState(s),
    finish(out: FindingSink): void {
      if (ranges === null) {
        if (counts.on(rule)) out.notEvaluated(rule, 'no expected VNIs given (--vni)');
        return;
      }
      if (counts.count[rule] === 0) return;
      const vnis = countsObject(unexpected.sorted().map((e) => [unexpected.keyOf(e)[0], unexpected.counts[e]] as [number, number]));
      out.add(rule, draft(counts, rule, `VXLAN VNI ${Object.keys(vnis).join(', ')} outside the expected ${vniText().join(', ')}`,
        { vnis, expected: vniText() }));
    },
  };
}
