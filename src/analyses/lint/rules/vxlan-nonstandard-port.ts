// VXLAN_NONSTANDARD_PORT: VXLAN on a UDP port other than 4789 and the --vxlan-port ones.
import { R } from '../rules.js';
import { VXLAN_IANA_PORT as IANA_VXLAN_PORT } from '../../../../dissectors/vxlan.js';
import { draft, mergeSparsePorts, portCounts, sparsePorts, type FindingSink, type LintEnv, type RuleCounts, type RuleModule, type TunnelView } from '../rule.js';

export function vxlanNonstandardPort(env: LintEnv, counts: RuleCounts): RuleModule<[number, number][]> {
  const rule = R.VXLAN_NONSTANDARD_PORT;
  const portPkts = new Float64Array(65536);
  return {
    rules: [rule],
    onVxlan(p: TunnelView): void {
      if (env.expectedPort[p.port]) return;
      portPkts[p.port]++;
      if (counts.on(rule)) counts.hit(rule, p.frame, p.file);
    },
    exportState: () => sparsePorts(portPkts),
    mergeState: (s) => mergeSparsePorts(portPkts, s),
    finish(out: FindingSink): void {
      if (counts.count[rule] === 0) return;
      const ports = portCounts(portPkts);
      const list = Object.keys(ports).join(', ');
      const expected = env.expectedPortList;
      out.add(rule, draft(counts, rule,
        `VXLAN on UDP ${list}, expected ${expected.join(', ')}` +
          (expected.length === 1 ? ' (IANA)' : ` (${IANA_VXLAN_PORT} is IANA's; the others from --vxlan-port)`) +
          '; pass --vxlan-port if this port is intended',
        { ports, expectedPorts: expected }));
    },
  };
}
