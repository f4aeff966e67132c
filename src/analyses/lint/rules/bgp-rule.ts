// The shape of a BGP rule: no per-packet work; in finish, a finding computed from the BGP sessions
// (src/analyses/lint/bgp.ts), or "not evaluated" when the BGP analysis did not run.
import type { RuleIndex } from '../rules.js';
import type { BgpInput, FindingDraft } from '../bgp.js';
import type { FindingSink, LintEnv, RuleModule } from '../rule.js';

export function bgpRule(env: LintEnv, rule: RuleIndex, finding: (input: BgpInput) => FindingDraft | null): RuleModule<null> {
  return {
    rules: [rule],
    exportState: () => null,
    mergeState: () => {},
    finish(out: FindingSink): void {
      if (!env.settings.enabled[rule]) return;
      const bgp = env.bgp();
      if (!bgp) {
        out.notEvaluated(rule, 'no BGP session data (the BGP analysis did not run)');
        return;
      }
      const d = finding(bgp);
      if (d) out.add(rule, d);
    },
  };
}
