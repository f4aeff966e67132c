// ENCAP_DF_INNER_TOO_BIG: inner packets with DF set that do not fit the tunnel once encapsulated.
import { R } from '../rules.js';
import type { TrafficClassId } from '../../../../dissectors/packet.js';
import type { PacketFacts } from '../../facts.js';
import { MtuVerdict, mtuVerdict } from '../../overhead.js';
import { draft, plural, type FindingSink, type LintEnv, type RuleCounts, type RuleModule } from '../rule.js';

interface State { largestInner: number; fragmentedOuter: number }

export function encapDf(env: LintEnv, counts: RuleCounts): RuleModule<State> {
  const rule = R.ENCAP_DF_INNER_TOO_BIG;
  const mtu = env.thresholds.mtu;
  let largestInner = 0, fragmentedOuter = 0;
  return {
    rules: [rule],
    onEncap(f: PacketFacts, _cls: TrafficClassId, direction: number, frame: number, file: number): void {
      // The whole packet as encapsulated (a fragmented outer packet counts its inner packet once, in its first fragment).
      if (!f.innerDf || !counts.on(rule)) return;
      if (mtuVerdict(f.innerIpBytes + f.overhead, f.innerIpBytes, mtu, f.superFrame, f.protocol, true, direction) !== MtuVerdict.EXCEEDED) return;
      counts.hit(rule, frame, file);
      if (f.innerIpBytes > largestInner) largestInner = f.innerIpBytes;
      if (f.outerFragmented) fragmentedOuter++;
    },
    exportState: () => ({ largestInner, fragmentedOuter }),
    mergeState(s: State): void {
      largestInner = Math.max(largestInner, s.largestInner);
      fragmentedOuter += s.fragmentedOuter;
    },
    finish(out: FindingSink): void {
      const n = counts.count[rule];
      if (n === 0) return;
      out.add(rule, draft(counts, rule,
        `${plural(n, 'inner packet')} with DF set too big for the tunnel (up to ${largestInner} bytes + overhead > ${mtu})` +
          (fragmentedOuter > 0 ? `; ${fragmentedOuter} fragmented in the underlay anyway` : ''),
        { mtu, largestInner, outerFragmented: fragmentedOuter }));
    },
  };
}
