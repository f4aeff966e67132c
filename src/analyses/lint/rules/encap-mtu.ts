// ENCAP_MTU_EXCEEDED: tunnel packets larger than --mtu (offload super-frames skipped, as `overhead` does).
import { R } from '../rules.js';
import type { TrafficClassId } from '../../../../dissectors/packet.js';
import type { PacketFacts } from '../../facts.js';
import { MtuVerdict, mtuVerdict } from '../../overhead.js';
import { classCounts, draft, plural, type FindingSink, type LintEnv, type RuleCounts, type RuleModule } from '../rule.js';

interface State { byClass: Float64Array; largest: number; innerFits: number; skippedSuper: number; skippedAboveJumbo: number; skippedTcpOffload: number }

export function encapMtu(env: LintEnv, counts: RuleCounts): RuleModule<State> {
  const rule = R.ENCAP_MTU_EXCEEDED;
  const mtu = env.thresholds.mtu;
  const byClass = new Float64Array(16);
  let largest = 0, innerFits = 0, skippedSuper = 0, skippedAboveJumbo = 0, skippedTcpOffload = 0;
  return {
    rules: [rule],
    onEncap(f: PacketFacts, cls: TrafficClassId, direction: number, frame: number, file: number): void {
      // The verdict `overhead` uses too (src/analyses/overhead.ts mtuVerdict): offload super-frames are skipped.
      const verdict = mtuVerdict(f.outerIpBytes, f.innerIpBytes, mtu, f.superFrame, f.protocol, true, direction);
      if (verdict === MtuVerdict.SUPER_ZERO_LENGTH) skippedSuper++;
      else if (verdict === MtuVerdict.SUPER_ABOVE_JUMBO) skippedAboveJumbo++;
      else if (verdict === MtuVerdict.SUPER_TCP_OFFLOAD) skippedTcpOffload++;
      else if (verdict === MtuVerdict.EXCEEDED && counts.on(rule)) {
        counts.hit(rule, frame, file);
        byClass[cls]++;
        if (f.outerIpBytes > largest) largest = f.outerIpBytes;
        if (f.innerIpBytes <= mtu) innerFits++;
      }
    },
    exportState: () => ({ byClass: byClass.slice(), largest, innerFits, skippedSuper, skippedAboveJumbo, skippedTcpOffload }),
    mergeState(s: State): void {
      for (let i = 0; i < byClass.length; i++) byClass[i] += s.byClass[i];
      largest = Math.max(largest, s.largest);
      innerFits += s.innerFits;
      skippedSuper += s.skippedSuper;
      skippedAboveJumbo += s.skippedAboveJumbo;
      skippedTcpOffload += s.skippedTcpOffload;
    },
    finish(out: FindingSink): void {
      const n = counts.count[rule];
      if (n === 0) return;
      out.add(rule, draft(counts, rule,
        `${plural(n, 'tunnel packet')} larger than the ${mtu}-byte MTU (largest ${largest} bytes of outer IP)` +
          (innerFits > 0 ? `; ${innerFits} carry an inner packet that fits the MTU: the pod MTU leaves no room for the encapsulation` : ''),
        { mtu, largest, byClass: classCounts(byClass), innerFitsMtu: innerFits,
          skippedZeroLength: skippedSuper, skippedAboveJumbo, skippedTcpOffload }));
    },
  };
}
