// ENCAP_OUTER_FRAGMENTED: tunnel packets fragmented in the underlay.
import { R } from '../rules.js';
import type { TrafficClassId } from '../../../../dissectors/packet.js';
import type { PacketFacts } from '../../facts.js';
import { classCounts, draft, plural, type FindingSink, type RuleCounts, type RuleModule } from '../rule.js';

export function encapOuterFragmented(_env: unknown, counts: RuleCounts): RuleModule<Float64Array> {
  const rule = R.ENCAP_OUTER_FRAGMENTED;
  const byClass = new Float64Array(16);
  return {
    rules: [rule],
    onEncap(f: PacketFacts, cls: TrafficClassId, _direction: number, frame: number, file: number): void {
      if (!f.outerFragmented || !counts.on(rule)) return;
      counts.hit(rule, frame, file);
      byClass[cls]++;
    },
    exportState: () => byClass.slice(),
    mergeState(s: Float64Array): void {
      for (let i = 0; i < byClass.length; i++) byClass[i] += s[i];
    },
    finish(out: FindingSink): void {
      const n = counts.count[rule];
      if (n === 0) return;
      out.add(rule, draft(counts, rule, `${plural(n, 'tunnel packet')} fragmented in the underlay: the tunnel MTU is too large for the underlay`,
        { byClass: classCounts(byClass) }));
    },
  };
}
