// ICMP_FRAG_NEEDED: path-MTU messages (ICMP fragmentation needed, ICMPv6 packet too big).
import { R } from '../rules.js';
import { Proto, type PacketState } from '../../../../dissectors/packet.js';
import { icmpNextHopMtu } from '../../../../dissectors/icmp.js';
import { icmpv6Mtu } from '../../../../dissectors/icmpv6.js';
import { CountTable, type CountTableState, countsObject, ipFamily, ipWords } from '../../../util/tables.js';
import { addrList, draft, plural, type FindingSink, type LintEnv, type RuleCounts, type RuleModule } from '../rule.js';

interface State { mtus: CountTableState; senders: CountTableState; v4: number; v6: number }

export function icmpFragNeeded(env: LintEnv, counts: RuleCounts): RuleModule<State> {
  const rule = R.ICMP_FRAG_NEEDED;
  /** [announced MTU] */
  const mtus = new CountTable(1, 256);
  /** [family, sender address x4] */
  const senders = new CountTable(5, 256);
  let v4 = 0, v6 = 0;
  return {
    rules: [rule],
    onPathMtu(st: PacketState, i: number, family: 4 | 6, frame: number, file: number): void {
      if (!counts.on(rule)) return;
      counts.hit(rule, frame, file);
      if (family === 4) v4++;
      else v6++;
      const mtu = family === 4 ? icmpNextHopMtu(st, i) : icmpv6Mtu(st, i);
      const key = env.key;
      key[0] = mtu >= 0 ? mtu : 0;
      mtus.add(key, frame, file);
      const ip = i - 1;
      if (ip >= 0 && (st.kind[ip] === Proto.IPV4 || st.kind[ip] === Proto.IPV6)) {
        key[0] = ipFamily(st, ip);
        ipWords(st, ip, false, key, 1);
        senders.add(key, frame, file);
      }
    },
    exportState: () => ({ mtus: mtus.exportState(), senders: senders.exportState(), v4, v6 }),
    mergeState(s: State): void {
      mtus.mergeState(s.mtus);
      senders.mergeState(s.senders);
      v4 += s.v4;
      v6 += s.v6;
    },
    finish(out: FindingSink): void {
      const n = counts.count[rule];
      if (n === 0) return;
      const byMtu = countsObject(mtus.sorted().map((e) => [mtus.keyOf(e)[0], mtus.counts[e]] as [number, number]));
      out.add(rule, draft(counts, rule,
        `${plural(n, 'path-MTU message')} (ICMP fragmentation needed / ICMPv6 packet too big) announcing MTU ${Object.keys(byMtu).join(', ')}`,
        { mtus: byMtu, icmp: v4, icmpv6: v6, senders: addrList(senders) }));
    },
  };
}
