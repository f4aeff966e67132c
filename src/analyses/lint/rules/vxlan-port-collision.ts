// VXLAN_WELL_KNOWN_PORT_COLLISION: VXLAN on 8472 or 6784, ports other tools decode as something else.
import { R } from '../rules.js';
import { vxlanPortRule, type RuleCounts, type RuleModule } from '../rule.js';

/** Ports whose VXLAN other tools decode as something else (tcpdump < 4.99.6: OTV; tshark and tcpdump: BFD). */
const COLLISION_NOTE: Readonly<Record<number, string>> = {
  8472: 'tcpdump before 4.99.6 prints 8472 as OTV and tshark shows it as plain UDP (decode with `tshark -d udp.port==8472,vxlan` or `tcpdump -T vxlan`)',
  6784: 'tshark and tcpdump decode 6784 (Weave fastdp) as BFD (decode with `tshark -d udp.port==6784,vxlan` or `tcpdump -T vxlan`)',
};

export function vxlanPortCollision(_env: unknown, counts: RuleCounts): RuleModule<[number, number][]> {
  return vxlanPortRule(counts, R.VXLAN_WELL_KNOWN_PORT_COLLISION, (port) => COLLISION_NOTE[port] !== undefined, (ports) => ({
    message: `VXLAN on UDP ${Object.keys(ports).join(', ')}: ${Object.keys(ports).map((p) => COLLISION_NOTE[Number(p)]).join('; ')}`,
    evidence: { ports, tools: Object.fromEntries(Object.keys(ports).map((p) => [p, COLLISION_NOTE[Number(p)]])) },
  }));
}
