// VXLAN_BAD_OUTER_CHECKSUM and GENEVE_BAD_OUTER_CHECKSUM: received VXLAN/Geneve packets whose outer
// UDP checksum is wrong. One check for both encapsulations; each has its own rule and advice.
import { R, type RuleIndex } from '../rules.js';
import { Proto, type PacketState } from '../../../../dissectors/packet.js';
import { udpChecksumField } from '../../../../dissectors/udp.js';
import { ipv4IsFragment } from '../../../../dissectors/ipv4.js';
import { ipv6IsFragment } from '../../../../dissectors/ipv6.js';
import { CSUM_BAD, CSUM_OK, CSUM_PARTIAL, udpChecksumStatus } from '../checksum.js';
import { CountTable, type CountTableState, ipFamily, ipWords } from '../../../util/tables.js';
import { addrList, draft, plural, type FindingSink, type LintEnv, type RuleCounts, type RuleModule, type TunnelView } from '../rule.js';

/** Per encapsulation: ok, bad, partial (offload), skipped outgoing, not checked. */
const SLOTS = 5;
const VXLAN_AT = 0, GENEVE_AT = SLOTS;

interface State { csum: Float64Array; vxlanSenders: CountTableState; geneveSenders: CountTableState }

export function outerChecksum(env: LintEnv, counts: RuleCounts): RuleModule<State> {
  const csum = new Float64Array(2 * SLOTS);
  /** [family, sender address x4] per encapsulation */
  const vxlanSenders = new CountTable(5, 256);
  const geneveSenders = new CountTable(5, 256);

  function check(st: PacketState, udp: number, frame: number, file: number, outgoing: boolean, rule: RuleIndex, c: number, senders: CountTable): void {
    if (!counts.on(rule)) return;
    const ip = st.outerIp;
    if (ip < 0 || ip !== udp - 1) return;
    if (udpChecksumField(st, udp) === 0) {
      csum[c + 4]++;
      return;
    }
    if (outgoing) {
      csum[c + 3]++;
      return;
    }
    // Fragments cannot be verified without reassembly.
    if (st.kind[ip] === Proto.IPV4 ? ipv4IsFragment(st, ip) : ipv6IsFragment(st, ip)) {
      csum[c + 4]++;
      return;
    }
    const s = udpChecksumStatus(st, ip, udp);
    if (s === CSUM_OK) csum[c]++;
    else if (s === CSUM_PARTIAL) csum[c + 2]++;
    else if (s === CSUM_BAD) {
      csum[c + 1]++;
      counts.hit(rule, frame, file);
      env.key[0] = ipFamily(st, ip);
      ipWords(st, ip, false, env.key, 1);
      senders.add(env.key, frame, file);
    } else csum[c + 4]++;
  }

  return {
    rules: [R.VXLAN_BAD_OUTER_CHECKSUM, R.GENEVE_BAD_OUTER_CHECKSUM],
    onVxlan(p: TunnelView): void {
      check(p.st, p.udp, p.frame, p.file, p.outgoing, R.VXLAN_BAD_OUTER_CHECKSUM, VXLAN_AT, vxlanSenders);
    },
    onGeneve(p: TunnelView): void {
      if (p.udp >= 0) check(p.st, p.udp, p.frame, p.file, p.outgoing, R.GENEVE_BAD_OUTER_CHECKSUM, GENEVE_AT, geneveSenders);
    },
    exportState: () => ({ csum: csum.slice(), vxlanSenders: vxlanSenders.exportState(), geneveSenders: geneveSenders.exportState() }),
    mergeState(s: State): void {
      for (let i = 0; i < csum.length; i++) csum[i] += s.csum[i];
      vxlanSenders.mergeState(s.vxlanSenders);
      geneveSenders.mergeState(s.geneveSenders);
    },
    finish(out: FindingSink): void {
      for (const [rule, senders, base, what, advice] of [
        [R.VXLAN_BAD_OUTER_CHECKSUM, vxlanSenders, VXLAN_AT, 'VXLAN packet', 'try `ethtool -K <vxlan device> tx-checksum-ip-generic off` on the sender'],
        [R.GENEVE_BAD_OUTER_CHECKSUM, geneveSenders, GENEVE_AT, 'Geneve packet',
          'try `ethtool -K <geneve device> tx-checksum-ip-generic off` (genev_sys_6081, cilium_geneve) on the sender'],
      ] as const) {
        const n = counts.count[rule];
        if (n === 0) continue;
        out.add(rule, draft(counts, rule, `${plural(n, `received ${what}`)} with a wrong outer UDP checksum (receivers drop them; ${advice})`, {
          senders: addrList(senders),
          verified: csum[base], bad: csum[base + 1], partialOffload: csum[base + 2], skippedOutgoing: csum[base + 3], notChecked: csum[base + 4],
        }));
      }
    },
  };
}
