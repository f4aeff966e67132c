// VXLAN_PORT_NOT_VXLAN: UDP on a VXLAN port whose payload does not parse as VXLAN. The analysis
// decides what is "not VXLAN" (src/analyses/lint/analysis.ts vxlanIsReal and the undecoded-UDP branch).
import { R } from '../rules.js';
import { draft, mergeSparsePorts, plural, portCounts, sparsePorts, type FindingSink, type RuleCounts, type RuleModule } from '../rule.js';

interface State { ports: [number, number][]; short: number; inner: number }

export function vxlanPortNotVxlan(_env: unknown, counts: RuleCounts): RuleModule<State> {
  const rule = R.VXLAN_PORT_NOT_VXLAN;
  const portPkts = new Float64Array(65536);
  let tooShort = 0, noInner = 0;
  return {
    rules: [rule],
    onNotVxlan(port: number, short: boolean, frame: number, file: number): void {
      if (!counts.on(rule)) return;
      counts.hit(rule, frame, file);
      portPkts[port]++;
      if (short) tooShort++;
      else noInner++;
    },
    exportState: () => ({ ports: sparsePorts(portPkts), short: tooShort, inner: noInner }),
    mergeState(s: State): void {
      mergeSparsePorts(portPkts, s.ports);
      tooShort += s.short;
      noInner += s.inner;
    },
    finish(out: FindingSink): void {
      const n = counts.count[rule];
      if (n === 0) return;
      const ports = portCounts(portPkts);
      out.add(rule, draft(counts, rule,
        `${plural(n, 'UDP packet')} on VXLAN port ${Object.keys(ports).join(', ')} that ${n === 1 ? 'does' : 'do'} not parse as VXLAN` +
          (ports['6784'] ? ' (6784 is also micro-BFD\'s port)' : ''),
        { ports, tooShort, noPlausibleInnerFrame: noInner }));
    },
  };
}
