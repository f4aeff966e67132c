// GENEVE_CRITICAL_OPTION: critical Geneve options the endpoints may not understand, or a C flag
// that disagrees with the options.
import { R } from '../rules.js';
import {
  GENEVE_FLAG_C, GENEVE_OPT_CRITICAL, GENEVE_OPT_HEADER_LEN, geneveFirstOption, geneveFlags, geneveNextOption, geneveOptionType, geneveOptionsEnd,
} from '../../../../dissectors/geneve.js';
import { geneveOptionId } from '../../tunnel.js';
import { CountTable, type CountTableState } from '../../../util/tables.js';
import { draft, plural, type FindingSink, type LintEnv, type RuleCounts, type RuleModule, type TunnelView } from '../rule.js';

/** Critical Geneve options known to be understood by the endpoints that add them: OVN's (class 0x0102, type 0x80). */
const KNOWN_CRITICAL = new Set([(0x0102 << 8) | 0x80]);

interface State { options: CountTableState; mismatch: number }

export function geneveCriticalOption(env: LintEnv, counts: RuleCounts): RuleModule<State> {
  const rule = R.GENEVE_CRITICAL_OPTION;
  /** [class << 8 | type] */
  const critOptions = new CountTable(1, 256);
  let flagMismatch = 0;
  return {
    rules: [rule],
    onGeneve(p: TunnelView): void {
      if (!counts.on(rule)) return;
      const st = p.st, t = p.t, b = st.buf;
      let anyCritical = false, unknownCritical = false;
      for (let o = geneveFirstOption(st, t), end = geneveOptionsEnd(st, t); o + GENEVE_OPT_HEADER_LEN <= end; o = geneveNextOption(b, o)) {
        if ((geneveOptionType(b, o) & GENEVE_OPT_CRITICAL) === 0) continue;
        anyCritical = true;
        const id = geneveOptionId(b, o);
        if (!KNOWN_CRITICAL.has(id)) {
          unknownCritical = true;
          env.key[0] = id;
          critOptions.add(env.key, p.frame, p.file);
        }
      }
      const mismatch = ((geneveFlags(st, t) & GENEVE_FLAG_C) !== 0) !== anyCritical;
      if (mismatch) flagMismatch++;
      if (unknownCritical || mismatch) counts.hit(rule, p.frame, p.file);
    },
    exportState: () => ({ options: critOptions.exportState(), mismatch: flagMismatch }),
    mergeState(s: State): void {
      critOptions.mergeState(s.options);
      flagMismatch += s.mismatch;
    },
    finish(out: FindingSink): void {
      const n = counts.count[rule];
      if (n === 0) return;
      const options: Record<string, number> = {};
      for (const e of critOptions.sorted()) {
        const v = critOptions.keyOf(e)[0];
        options[`class 0x${(v >>> 8).toString(16).padStart(4, '0')} type 0x${(v & 255).toString(16).padStart(2, '0')}`] = critOptions.counts[e];
      }
      const names = Object.keys(options);
      out.add(rule, draft(counts, rule,
        `${plural(n, 'Geneve packet')} with ` +
          (names.length > 0 ? `unknown critical option${names.length === 1 ? '' : 's'} (${names.join(', ')})` : 'a C flag that disagrees with its options') +
          ': endpoints that do not understand them must drop the packets',
        { options, cFlagMismatch: flagMismatch }));
    },
  };
}
