// VXLAN_VNI_ZERO: VXLAN packets with VNI 0.
import { R } from '../rules.js';
import { vxlanVni } from '../../../../dissectors/vxlan.js';
import { draft, plural, type FindingSink, type RuleCounts, type RuleModule, type TunnelView } from '../rule.js';

export function vxlanVniZero(_env: unknown, counts: RuleCounts): RuleModule<null> {
  const rule = R.VXLAN_VNI_ZERO;
  return {
    rules: [rule],
    onVxlan(p: TunnelView): void {
      if (vxlanVni(p.st, p.t) === 0 && counts.on(rule)) counts.hit(rule, p.frame, p.file);
    },
    exportState: () => null,
    mergeState: () => {},
    finish(out: FindingSink): void {
      const n = counts.count[rule];
      if (n > 0) out.add(rule, draft(counts, rule, `${plural(n, 'VXLAN packet')} with VNI 0`, {}));
    },
  };
}
