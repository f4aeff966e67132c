// Findings of `correlate`, in lint's shape (rule, severity, message, count, firstFrame, evidence),
// and their catalogue with cause and fix (the README's correlate section says the same).
import type { RuleInfo, Severity } from '../lint/rules.js';
import type { Finding } from '../lint/analysis.js';
import type { PathJson, PathStats } from './paths.js';
import type { PairClock } from './clock.js';

/** A correlate finding has lint's shape exactly, so scripts read both alike. */
export type CorrelateFinding = Finding;

/** A correlate rule is described like a lint rule (trigger, cause, fix). */
export type CorrelateRule = RuleInfo;

/** Thresholds of the rules. */
export const THRESHOLDS = {
  /** PATH_LOSS is a warning from this loss rate on (info below). */
  lossWarning: 0.01,
  /** PATH_MTU_BLACKHOLE: lost packets above the largest delivered size needed. */
  blackholeMinLost: 3,
  /** UNDERLAY_DROPS_ENCAP: tunnel loss rate at least this, plain loss rate at most lossWarning. */
  encapLoss: 0.5,
  encapMinLost: 3,
  /** PATH_ASYMMETRIC: loss rates that differ by at least this. */
  asymmetry: 0.2,
  asymmetryMinLost: 3,
  /** CLOCK_UNCERTAIN from this uncertainty (seconds) on. */
  clockUncertainty: 0.001,
  /** PATH_LOSS_BURST: a run of at least this many consecutive lost packets ... */
  burstMinRun: 5,
  /** ... that independent loss at the path's rate would hardly make: sent x rate^run below this. */
  burstChance: 0.01,
} as const;

export const CORRELATE_RULES: readonly CorrelateRule[] = [
  {
    id: 'PATH_LOSS', severity: 'warning',
    trigger: 'Packets seen leaving one node toward another did not arrive there (warning from 1% loss, info below).',
    cause: 'Something between the two capture points dropped them: the underlay (congestion, a firewall, a security group), the receiving NIC before the capture point, or the sender\'s own qdisc after it. The loss breakdowns by size, protocol and TCP kind, and time (bursts) say which.',
    fix: 'Look at lostBySize, lostByProtocol (only SYNs lost: a firewall or conntrack on the way), lostByTime and bursts (one long run: a link flap or a full queue) and the other findings first. Then compare interface counters on both nodes (`ip -s link`, `ethtool -S`), firewall counters on the way, and run the captures again on the hops between to find the place.',
  },
  {
    id: 'PATH_MTU_BLACKHOLE', severity: 'error',
    trigger: 'Every packet above some size was lost while smaller packets on the same path arrived.',
    cause: 'A link on the path has a smaller MTU than the sender assumes and the packets carry DF (or are IPv6); the router that drops them should send ICMP "fragmentation needed" / "packet too big", but it is filtered or never sent, so the sender never lowers its size. Encapsulation makes it common: the overlay adds 50 (VXLAN) to 70 bytes to every packet.',
    fix: 'Lower the overlay MTU (the CNI\'s MTU setting, or the pod interface MTU) to the path MTU minus the encapsulation overhead shown by `tunnelscope overhead`, or raise the underlay MTU; let ICMP type 3 code 4 / ICMPv6 type 2 through firewalls.',
  },
  {
    id: 'UNDERLAY_DROPS_ENCAP', severity: 'error',
    trigger: 'Between two nodes, tunnel packets are lost (50% or more) while plain packets between the same nodes arrive.',
    cause: 'The underlay filters the encapsulation, not the nodes: a firewall or security group without the tunnel\'s port or protocol (UDP 4789/8472, Geneve 6081, IP protocol 4 or 47), or a hypervisor that claims the port for itself (VMware NSX uses UDP 8472 for its own VXLAN and drops the guests\' flannel traffic).',
    fix: 'Open the tunnel\'s port/protocol between the nodes (cloud security groups, host firewalls, NSX distributed firewall), or move the overlay to another port (flannel `"Port": 4789`) when the hypervisor takes 8472.',
  },
  {
    id: 'PATH_NAT', severity: 'info',
    trigger: 'The outer source or destination address of tunnel packets changed between the sender and the receiver.',
    cause: 'The nodes talk through NAT (nodes in different networks, a cloud NAT gateway, a load balancer in between). VXLAN and IP-in-IP peers are configured by address; a receiver that checks the outer source against its peer list (Calico, Cilium) drops packets from the translated address, and replies may go to the wrong place.',
    fix: 'Route the nodes\' underlay directly, or configure the overlay with the addresses the peers really see (Calico: the node\'s IP autodetection; flannel: `--public-ip`/`public-ip` annotation); use an encapsulation that survives NAT (WireGuard, VXLAN with per-peer endpoint learning) when NAT is unavoidable.',
  },
  {
    id: 'PATH_ASYMMETRIC', severity: 'warning',
    trigger: 'Between two nodes, one direction loses far more packets than the other (loss rates 20 points apart).',
    cause: 'Different paths or filters each way: asymmetric routing through a stateful firewall that sees only one direction, a rule that covers one node\'s address only, or reverse-path filtering (rp_filter) on one node.',
    fix: 'Compare the routes each way (`ip route get` on both nodes), the firewall rules for each source address, and `sysctl net.ipv4.conf.*.rp_filter` on the receiving node.',
  },
  {
    id: 'PATH_LOSS_BURST', severity: 'warning',
    trigger: 'Lost packets come in a burst: 5 or more consecutive packets of a path lost, a run that independent loss at the path\'s loss rate would hardly make (sent x rate^run < 0.01).',
    cause: 'Everything on the path was dropped for a while, not a packet here and there: a link or bond flapping, a route or ARP/neighbour entry changing, a tunnel peer re-programmed (CNI agent restart, node FDB flush), a queue or conntrack table filling up, a node or router rebooting. The evidence says when the longest run started and ended (seconds from the start of the overlap, as lostByTime).',
    fix: 'Look at what happened at that time: kernel and CNI agent logs on both nodes (`journalctl -k`, the agent\'s pod logs), link state changes (`ip monitor`, switch logs), `conntrack -S` (drop / insert_failed) and `ip -s link` drops; if the bursts repeat, capture on the hops between during one.',
  },
  {
    id: 'PATH_MSS_CLAMP', severity: 'info',
    trigger: 'The TCP MSS option of SYN or SYN-ACK packets changed between the sender and the receiver (a device on the path clamps it).',
    cause: 'A router, firewall or the CNI on the way rewrites the MSS (iptables `TCPMSS --clamp-mss-to-pmtu`/`--set-mss`, a cloud gateway, a VPN) because it knows the path MTU is smaller than the endpoints think. TCP then works, but UDP, ICMP and TCP from paths without the clamp still send too big packets: clamping hides an MTU mismatch rather than fixing it.',
    fix: 'If the clamp is intended, nothing; else find the MTU mismatch it covers for (`tunnelscope overhead`, PATH_MTU_BLACKHOLE, `ip link` MTUs on both nodes and the hops between) and set the overlay MTU to the path MTU minus the encapsulation overhead, so no clamp is needed. An MSS that grows on the way is a misconfigured `--set-mss` and should be removed.',
  },
  {
    id: 'CLOCK_UNCERTAIN', severity: 'info',
    trigger: 'The clock offset of a node pair could not be estimated (packets one way only) or is uncertain by 1 ms or more.',
    cause: 'The offset comes from the smallest delays seen each way; with packets in one direction only it cannot be told apart from the delay, and with a long smallest round trip its uncertainty is half that round trip. Delays are then uncorrected or only as good as that.',
    fix: 'Capture traffic in both directions (a ping each way during the capture is enough), keep the nodes on NTP/PTP, or take the delays as relative.',
  },
];

const SEV: Record<string, Severity> = Object.fromEntries(CORRELATE_RULES.map((r) => [r.id, r.severity]));

function label(p: PathJson): string {
  const t = p.tunnel;
  const id = t === null ? '' : t.vni !== null ? ` vni ${t.vni}` : t.key !== null ? ` key ${t.key}` : '';
  const port = t !== null && t.dstPort !== null ? ` udp/${t.dstPort}` : '';
  return `${p.from} -> ${p.to} ${p.class}${id}${port}`;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(x < 0.1 ? 2 : 1)}%`;
}

/** Largest size that arrived and the lost packets above it, when all packets above it were lost. */
export function blackhole(s: PathStats): { largestDelivered: number; smallestLost: number; lostAbove: number; sentBelow: number; lostBelow: number } | null {
  let largestDelivered = -1;
  for (const [size, sent] of s.sizeSent) if (sent - (s.sizeLost.get(size) ?? 0) > 0 && size > largestDelivered) largestDelivered = size;
  if (largestDelivered < 0) return null;
  let lostAbove = 0, smallestLost = Infinity, sentBelow = 0, lostBelow = 0;
  for (const [size, sent] of s.sizeSent) {
    const lost = s.sizeLost.get(size) ?? 0;
    if (size > largestDelivered) { lostAbove += lost; if (size < smallestLost) smallestLost = size; }
    else { sentBelow += sent; lostBelow += lost; }
  }
  if (lostAbove < THRESHOLDS.blackholeMinLost || lostBelow * 2 >= sentBelow) return null;
  return { largestDelivered, smallestLost, lostAbove, sentBelow, lostBelow };
}

/** Whether the path's longest run of lost packets is a burst (see PATH_LOSS_BURST). */
export function isBurst(p: PathJson): boolean {
  const run = p.bursts.longest;
  if (run < THRESHOLDS.burstMinRun || p.received === 0 || p.sent === 0) return false;
  return p.sent * Math.pow(p.lost / p.sent, run) < THRESHOLDS.burstChance;
}

/**
 * The findings, with a config's overrides applied (`--config`: lint's file format): a rule
 * disabled is left out, a severity given replaces the rule's (PATH_LOSS's info / warning split too).
 */
export function correlateFindings(paths: { stats: PathStats; json: PathJson }[], clock: PairClock, names: string[],
  overrides: ReadonlyMap<string, { severity?: Severity; enabled?: boolean }> = new Map()): CorrelateFinding[] {
  return findingsOf(paths, clock, names)
    .filter((f) => overrides.get(f.rule)?.enabled !== false)
    .map((f) => { const s = overrides.get(f.rule)?.severity; return s === undefined ? f : { ...f, severity: s }; });
}

function findingsOf(paths: { stats: PathStats; json: PathJson }[], clock: PairClock, names: string[]): CorrelateFinding[] {
  const out: CorrelateFinding[] = [];
  const add = (rule: string, message: string, count: number, firstFrame: number, evidence: Record<string, unknown>, severity = SEV[rule]) =>
    out.push({ rule, severity, message, count, firstFrame, evidence });
  const rate = (p: PathJson) => (p.sent === 0 ? 0 : p.lost / p.sent);
  const holes = new Set<PathStats>();
  for (const { stats, json: p } of paths) {
    if (p.lost > 0) {
      add('PATH_LOSS', `${label(p)}: ${p.lost} of ${p.sent} packets lost (${pct(rate(p))})`, p.lost, p.firstLostFrame ?? 0,
        { from: p.from, to: p.to, class: p.class, tunnel: p.tunnel, sent: p.sent, lost: p.lost, lossRate: rate(p), firstLostFrameAtSender: p.firstLostFrame,
          lostBySize: p.lostBySize, lostByProtocol: p.lostByProtocol, bursts: p.bursts },
        rate(p) >= THRESHOLDS.lossWarning ? 'warning' : 'info');
    }
    const bh = blackhole(stats);
    if (bh) {
      holes.add(stats);
      add('PATH_MTU_BLACKHOLE',
        `${label(p)}: all ${bh.lostAbove} packets of ${bh.smallestLost} bytes or more lost, packets up to ${bh.largestDelivered} bytes arrive: a path MTU black hole between ${bh.largestDelivered} and ${bh.smallestLost} bytes (outer IP)`,
        bh.lostAbove, p.firstLostFrame ?? 0, { from: p.from, to: p.to, class: p.class, tunnel: p.tunnel, ...bh });
    }
    if (!bh && isBurst(p)) {
      // firstFrame: the first packet of the longest run (in the sender's capture).
      const b = p.bursts;
      add('PATH_LOSS_BURST',
        `${label(p)}: ${b.longest} consecutive packets lost, sent ${b.longestStart!.toFixed(3)} s to ${b.longestEnd!.toFixed(3)} s after the start of the overlap (${b.runs} run${b.runs === 1 ? '' : 's'} of loss, ${p.lost} of ${p.sent} lost)`,
        b.longest, stats.longestRunFrame,
        { from: p.from, to: p.to, class: p.class, tunnel: p.tunnel, sent: p.sent, lost: p.lost, bursts: b, lostByTime: p.lostByTime.filter((t) => t.lost > 0) });
    }
    if (p.rewrites.mssClamp.length > 0) {
      const count = p.rewrites.mssClamp.reduce((s, r) => s + r.packets, 0);
      add('PATH_MSS_CLAMP',
        `${label(p)}: TCP MSS rewritten on the way in ${count} SYN/SYN-ACK packet${count === 1 ? '' : 's'} (${p.rewrites.mssClamp.map((r) => `${r.from} -> ${r.to}`).join(', ')})`,
        count, p.firstFrame, { from: p.from, to: p.to, class: p.class, tunnel: p.tunnel, mssClamp: p.rewrites.mssClamp });
    }
    const nat = p.rewrites.outerSrc.length + p.rewrites.outerDst.length;
    if (nat > 0 && p.tunnel !== null) {
      const all = [...p.rewrites.outerSrc.map((r) => `source ${r.from} -> ${r.to}`), ...p.rewrites.outerDst.map((r) => `destination ${r.from} -> ${r.to}`)];
      const count = [...p.rewrites.outerSrc, ...p.rewrites.outerDst].reduce((s, r) => s + r.packets, 0);
      add('PATH_NAT', `${label(p)}: outer addresses rewritten on the way (${all.join(', ')})`, count, p.firstFrame,
        { from: p.from, to: p.to, outerSrc: p.rewrites.outerSrc, outerDst: p.rewrites.outerDst, outerSrcPort: p.rewrites.outerSrcPort });
    }
  }
  // Tunnel loss with plain traffic between the same nodes getting through.
  for (const { stats, json: p } of paths) {
    if (p.tunnel === null || holes.has(stats) || p.lost < THRESHOLDS.encapMinLost || rate(p) < THRESHOLDS.encapLoss) continue;
    const plain = paths.find((q) => q.json.tunnel === null && q.stats.from === stats.from && q.stats.to === stats.to && q.json.received > 0 && rate(q.json) <= THRESHOLDS.lossWarning);
    if (!plain) continue;
    add('UNDERLAY_DROPS_ENCAP',
      `${label(p)}: ${p.lost} of ${p.sent} tunnel packets lost (${pct(rate(p))}) while ${plain.json.received} of ${plain.json.sent} plain ${plain.json.class} packets between the same nodes arrived`,
      p.lost, p.firstLostFrame ?? 0,
      { from: p.from, to: p.to, tunnel: p.tunnel, sent: p.sent, lost: p.lost, plain: { class: plain.json.class, sent: plain.json.sent, received: plain.json.received } });
  }
  // One direction much worse than the other.
  for (const { stats: s, json: p } of paths) {
    const back = paths.find((q) => q.stats.from === s.to && q.stats.to === s.from && q.stats.cls === s.cls && q.stats.tunnelId === s.tunnelId);
    // A black hole explains a one-sided loss already (the other direction may carry only small packets).
    if (!back || s.from > s.to || holes.has(s) || holes.has(back.stats)) continue;
    const r1 = rate(p), r2 = rate(back.json);
    if (Math.abs(r1 - r2) < THRESHOLDS.asymmetry || Math.max(p.lost, back.json.lost) < THRESHOLDS.asymmetryMinLost) continue;
    const [worse, better] = r1 > r2 ? [p, back.json] : [back.json, p];
    add('PATH_ASYMMETRIC',
      `${worse.from} -> ${worse.to} loses ${pct(rate(worse))} of ${worse.class} packets, ${better.from} -> ${better.to} ${pct(rate(better))}`,
      worse.lost, worse.firstLostFrame ?? 0,
      { class: p.class, tunnel: p.tunnel, directions: [{ from: p.from, to: p.to, sent: p.sent, lost: p.lost }, { from: back.json.from, to: back.json.to, sent: back.json.sent, lost: back.json.lost }] });
  }
  const n = names.length;
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      const ab = clock.count[a * n + b], ba = clock.count[b * n + a];
      if (ab + ba === 0) continue;
      const u = clock.uncertaintyNs(a, b);
      if (Number.isNaN(u)) {
        const [x, y] = ab > 0 ? [names[a], names[b]] : [names[b], names[a]];
        add('CLOCK_UNCERTAIN', `${x} -> ${y}: packets matched in this direction only, so the clock offset is unknown and its delays are not corrected`,
          ab + ba, 0, { a: names[a], b: names[b], samplesAB: ab, samplesBA: ba });
      } else if (u < 0 || u / 1e9 >= THRESHOLDS.clockUncertainty) {
        add('CLOCK_UNCERTAIN',
          u < 0 ? `${names[a]} / ${names[b]}: the smallest delays each way add up to less than zero (${(u * 2 / 1e6).toFixed(3)} ms): the captures' clocks moved during the capture, or packets were matched wrongly`
            : `${names[a]} / ${names[b]}: clock offset ${(clock.offsetNs(a, b) / 1e6).toFixed(3)} ms known only to +-${(u / 1e6).toFixed(3)} ms`,
          ab + ba, 0, { a: names[a], b: names[b], offset: clock.offsetNs(a, b) / 1e9, uncertainty: u / 1e9 }, u < 0 ? 'warning' : 'info');
      }
    }
  }
  return out;
}

/** The findings part of the README's correlate section (a test keeps the two in sync). */
export function renderCorrelateRulesMarkdown(): string {
  const out: string[] = ['| Rule | Default severity | Triggered by |', '| --- | --- | --- |'];
  for (const r of CORRELATE_RULES) out.push(`| \`${r.id}\` | ${r.severity} | ${r.trigger.replace(/\|/g, '\\|')} |`);
  out.push('');
  for (const r of CORRELATE_RULES) {
    out.push(`#### ${r.id}`, '', `Severity: ${r.severity}. ${r.trigger}`, '', `**Cause.** ${r.cause}`, '', `**Fix.** ${r.fix}`, '');
  }
  return out.join('\n');
}
