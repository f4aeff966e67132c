// NVGRE_KEY_MISSING: GRE carrying Ethernet (0x6558) without a key, so without an NVGRE VSID.
import { R } from '../rules.js';
import { GRE_FLAG_K, GRE_PROTO_TEB, GRE_VERSION_MASK, greFlagsVersion, greProtocol } from '../../../../dissectors/gre.js';
import { CountTable, type CountTableState } from '../../../util/tables.js';
import { draft, pairList, plural, type FindingSink, type LintEnv, type RuleCounts, type RuleModule, type TunnelView } from '../rule.js';
import { pairKey } from './tunnel-pairs.js';

export function nvgreKeyMissing(env: LintEnv, counts: RuleCounts): RuleModule<CountTableState> {
  const rule = R.NVGRE_KEY_MISSING;
  /** Directed outer pairs [family, src x4, dst x4] */
  const endpoints = new CountTable(9, 256);
  return {
    rules: [rule],
    onGre(p: TunnelView): void {
      if (!counts.on(rule)) return;
      const flags = greFlagsVersion(p.st, p.t);
      if (greProtocol(p.st, p.t) !== GRE_PROTO_TEB || (flags & GRE_FLAG_K) !== 0 || (flags & GRE_VERSION_MASK) !== 0) return;
      counts.hit(rule, p.frame, p.file);
      pairKey(p.st, 0, env.key);
      endpoints.add(env.key, p.frame, p.file);
    },
    exportState: () => endpoints.exportState(),
    mergeState: (s) => void endpoints.mergeState(s),
    finish(out: FindingSink): void {
      const n = counts.count[rule];
      if (n === 0) return;
      out.add(rule, draft(counts, rule, `${plural(n, 'GRE packet')} carrying Ethernet (0x6558) without a key: no NVGRE VSID`,
        { endpoints: pairList(endpoints) }));
    },
  };
}
