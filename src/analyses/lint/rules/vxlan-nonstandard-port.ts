// VXLAN_NONSTANDARD_PORT: VXLAN on a UDP port other than 4789 and the --vxlan-port ones.
import { R } from '../rules.js';
import { VXLAN_IANA_PORT as IANA_VXLAN_PORT } from '../../../../dissectors/vxlan.js';
import { vxlanPortRule, type LintEnv, type RuleCounts, type RuleModule } from '../rule.js';

export function vxlanNonstandardPort(env: LintEnv, counts: RuleCounts): RuleModule<[number, number][]> {
  return vxlanPortRule(counts, R.VXLAN_NONSTANDARD_PORT, (port) => !env.expectedPort[port], (ports) => {
    const list = Object.keys(ports).join(', ');
    const expected = env.expectedPortList;
    return {
      message: `VXLAN on UDP ${list}, expected ${expected.join(', ')}` +
        (expected.length === 1 ? ' (IANA)' : ` (${IANA_VXLAN_PORT} is IANA's; the others from --vxlan-port)`) +
        '; pass --vxlan-port if this port is intended',
      evidence: { ports, expectedPorts: expected },
    };
  });
}
