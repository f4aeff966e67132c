// VXLAN_HEURISTIC_UNBOUND_PORT: plain UDP on an unbound port whose payload looks like VXLAN.
import { R } from '../rules.js';
import { u24 } from '../../../../dissectors/packet.js';
import { VXLAN_FLAG_I, VXLAN_HEADER_LEN, VXLAN_VNI, vxlanReservedBitsSet } from '../../../../dissectors/vxlan.js';
import { UDP_HEADER_LEN } from '../../../../dissectors/udp.js';
import { plausibleVxlanInner } from '../../tunnel.js';
import { CountTable, type CountTableState } from '../../../util/tables.js';
import { draft, mergeSparsePorts, plural, portCounts, sparsePorts, type FindingSink, type LintEnv, type RuleCounts, type RuleModule } from '../rule.js';

interface State { ports: [number, number][]; vnis: CountTableState }

export function vxlanHeuristicPort(env: LintEnv, counts: RuleCounts): RuleModule<State> {
  const rule = R.VXLAN_HEURISTIC_UNBOUND_PORT;
  const portPkts = new Float64Array(65536);
  /** [port, vni] */
  const portVnis = new CountTable(2, 4096);
  return {
    rules: [rule],
    onUnboundUdp(st, udp, dport, frame, file): void {
      if (!counts.on(rule)) return;
      // The UDP payload is raw bytes here (nothing decoded it): judge it as plausibleVxlan would.
      const b = st.buf, p = st.off[udp] + UDP_HEADER_LEN, end = st.end[udp];
      if (p + VXLAN_HEADER_LEN + 14 + 20 > end) return;
      if ((b[p] & VXLAN_FLAG_I) === 0 || vxlanReservedBitsSet(b, p)) return;
      if (!plausibleVxlanInner(b, p + VXLAN_HEADER_LEN, end)) return;
      counts.hit(rule, frame, file);
      portPkts[dport]++;
      env.key[0] = dport;
      env.key[1] = u24(b, p + VXLAN_VNI);
      portVnis.add(env.key, frame, file);
    },
    exportState: () => ({ ports: sparsePorts(portPkts), vnis: portVnis.exportState() }),
    mergeState(s: State): void {
      mergeSparsePorts(portPkts, s.ports);
      portVnis.mergeState(s.vnis);
    },
    finish(out: FindingSink): void {
      const n = counts.count[rule];
      if (n === 0) return;
      const ports = portCounts(portPkts);
      const vnis: Record<string, number[]> = {};
      for (const e of portVnis.sorted()) {
        const k = portVnis.keyOf(e);
        (vnis[String(k[0])] ??= []).push(k[1]);
      }
      const flags = Object.keys(ports).map((p) => `--vxlan-port ${p}`).join(' ');
      out.add(rule, draft(counts, rule,
        `${plural(n, 'UDP packet')} on port ${Object.keys(ports).join(', ')} look${n === 1 ? 's' : ''} like VXLAN; re-run with ${flags}`,
        { ports, vnis, addOptions: Object.keys(ports).map((p) => `--vxlan-port ${p}`) }));
    },
  };
}
