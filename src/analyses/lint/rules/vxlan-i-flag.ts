// VXLAN_I_FLAG_UNSET: a VXLAN header without the I (valid VNI) flag, in front of a good inner frame.
import { R } from '../rules.js';
import { VXLAN_FLAG_I, vxlanFlags } from '../../../../dissectors/vxlan.js';
import { CountTable, type CountTableState, ipFamily, ipWords } from '../../../util/tables.js';
import { addrList, draft, plural, type FindingSink, type LintEnv, type RuleCounts, type RuleModule, type TunnelView } from '../rule.js';

export function vxlanIFlag(env: LintEnv, counts: RuleCounts): RuleModule<CountTableState> {
  const rule = R.VXLAN_I_FLAG_UNSET;
  /** [family, sender address x4] */
  const senders = new CountTable(5, 256);
  return {
    rules: [rule],
    onVxlan(p: TunnelView): void {
      if ((vxlanFlags(p.st, p.t) & VXLAN_FLAG_I) !== 0 || !counts.on(rule)) return;
      counts.hit(rule, p.frame, p.file);
      const key = env.key;
      key[0] = ipFamily(p.st, p.st.outerIp);
      ipWords(p.st, p.st.outerIp, false, key, 1);
      senders.add(key, p.frame, p.file);
    },
    exportState: () => senders.exportState(),
    mergeState: (s) => void senders.mergeState(s),
    finish(out: FindingSink): void {
      const n = counts.count[rule];
      if (n === 0) return;
      out.add(rule, draft(counts, rule, `${plural(n, 'VXLAN packet')} without the I flag (receivers drop them)`, { senders: addrList(senders) }));
    },
  };
}
