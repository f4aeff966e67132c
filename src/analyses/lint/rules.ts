// The lint rule catalogue: stable IDs, default severities, one-line titles and the docs entry
// (cause and fix) for each rule. the README's "Lint rules" section is rendered from this table
// (renderRulesMarkdown) and a test keeps the two in sync.

export type Severity = 'error' | 'warning' | 'info';
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];
/** Higher is more severe. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { info: 1, warning: 2, error: 3 };

export interface RuleInfo {
  readonly id: string;
  readonly severity: Severity;
  /** What triggers the rule, one line. */
  readonly trigger: string;
  /** Why it happens and why it matters. */
  readonly cause: string;
  /** What to do about it. */
  readonly fix: string;
}

/** Numeric rule indexes for the hot path (per-rule counters live in typed arrays). */
export const R = {
  VXLAN_NONSTANDARD_PORT: 0,
  VXLAN_MIXED_PORTS: 1,
  VXLAN_I_FLAG_UNSET: 2,
  VXLAN_RESERVED_BITS: 3,
  VXLAN_VNI_UNEXPECTED: 4,
  VXLAN_VNI_ZERO: 5,
  VXLAN_SRC_PORT_NO_ENTROPY: 6,
  VXLAN_PORT_NOT_VXLAN: 7,
  ENCAP_OUTER_FRAGMENTED: 8,
  ENCAP_MTU_EXCEEDED: 9,
  ICMP_FRAG_NEEDED: 10,
  NVGRE_KEY_MISSING: 11,
  BGP_NOTIFICATION: 12,
  BGP_HOLD_TIME_MISMATCH: 13,
  VXLAN_BAD_OUTER_CHECKSUM: 14,
  VXLAN_HEURISTIC_UNBOUND_PORT: 15,
  GENEVE_CRITICAL_OPTION: 16,
  VXLAN_WELL_KNOWN_PORT_COLLISION: 17,
  ENCAP_DF_INNER_TOO_BIG: 18,
  VNI_PER_VTEP_INCONSISTENT: 19,
  ARP_BROADCAST_STORM: 20,
  GENEVE_BAD_OUTER_CHECKSUM: 21,
  COUNT: 22,
} as const;
/** The index of one rule (R.* except COUNT). */
export type RuleIndex = (typeof R)[Exclude<keyof typeof R, 'COUNT'>];

export const RULES: readonly RuleInfo[] = [
  {
    id: 'VXLAN_NONSTANDARD_PORT',
    severity: 'warning',
    trigger: 'VXLAN on a UDP port other than 4789 (IANA) and the ports given with --vxlan-port (4789 is always standard).',
    cause:
      'The Linux kernel, flannel and Cilium default to UDP 8472 (the port picked before IANA assigned 4789), Weave fastdp uses 6784. ' +
      'Tools that only know 4789 (Wireshark, Zeek, libpcap\'s `vxlan` filter, many flow collectors) show this traffic as plain UDP, ' +
      'and firewalls or hypervisors (VMware NSX intercepts 8472) may treat it differently from 4789.',
    fix:
      'If the port is intended, say so: `--vxlan-port 8472` adds it to the expected ports (4789 stays expected) and silences this rule for it. ' +
      'Otherwise move the overlay to 4789 (flannel: `"Backend": {"Type": "vxlan", "Port": 4789}`; Calico already uses 4789) ' +
      'and open that port between nodes.',
  },
  {
    id: 'VXLAN_MIXED_PORTS',
    severity: 'warning',
    trigger: 'One VTEP pair (the same two outer IPs) exchanges VXLAN on more than one UDP port.',
    cause:
      'The two nodes disagree on the VXLAN port (one node was configured or upgraded differently), or two overlays run side by side ' +
      '(for example during a CNI migration). A VXLAN device only accepts its own destination port, so traffic sent to the other port is dropped.',
    fix: 'Compare the VXLAN devices on both nodes (`ip -d link show flannel.1` / `vxlan.calico` / `cilium_vxlan`: look at `dstport`) and make them agree.',
  },
  {
    id: 'VXLAN_I_FLAG_UNSET',
    severity: 'error',
    trigger: 'A VXLAN header whose I flag (valid VNI) is 0, in front of a well-formed inner Ethernet frame.',
    cause:
      'RFC 7348 requires the I flag to be 1; receivers (the Linux kernel among them) drop packets without it. ' +
      'Usually a broken encapsulator (hardware offload, a userspace datapath or a hand-written tool).',
    fix: 'Find the sender (the outer source IP in the evidence) and fix or update its VXLAN implementation.',
  },
  {
    id: 'VXLAN_RESERVED_BITS',
    severity: 'warning',
    trigger: 'Reserved bits of the VXLAN header are non-zero (outside the Group Policy fields when the G bit is set).',
    cause:
      'Receivers must ignore reserved bits, but their use usually means an extension the receiver does not know ' +
      '(GPE, a vendor extension) or a corrupted header.',
    fix: 'Check which extension the sender uses and whether both ends agree on it (for Group Policy, both VTEPs need `gbp`).',
  },
  {
    id: 'VXLAN_VNI_UNEXPECTED',
    severity: 'error',
    trigger: 'A VXLAN VNI outside the VNIs given with --vni.',
    cause:
      'A VXLAN device only accepts its own VNI (unless it is in external/metadata mode), so a node sending another VNI ' +
      'cannot reach its peers. Defaults: flannel VNI 1, Calico VNI 4096.',
    fix: 'Align the VNI on all nodes (flannel: `"VNI"` in net-conf.json; Calico: FelixConfiguration `vxlanVNI`), or widen --vni if the VNI is legitimate.',
  },
  {
    id: 'VXLAN_VNI_ZERO',
    severity: 'warning',
    trigger: 'VXLAN with VNI 0.',
    cause: 'VNI 0 is not used by any Kubernetes CNI default and some implementations reserve it; it usually means an unset VNI in a config.',
    fix: 'Set an explicit VNI on the VXLAN devices.',
  },
  {
    id: 'VXLAN_SRC_PORT_NO_ENTROPY',
    severity: 'warning',
    trigger: 'One VTEP sends many inner flows (threshold `entropyMinFlows`, default 4) to one peer with a single outer UDP source port (VXLAN or Geneve).',
    cause:
      'The outer source port is meant to be a hash of the inner flow (RFC 7348, RFC 8926) so that ECMP and RSS spread tunnel traffic. ' +
      'A constant source port puts every pod flow between two nodes on one path and one receive queue.',
    fix: 'Let the encapsulator hash the source port (Linux: do not pin `srcport MIN MAX` to one value; Open vSwitch/DPDK datapaths: enable source-port hashing).',
  },
  {
    id: 'VXLAN_PORT_NOT_VXLAN',
    severity: 'warning',
    trigger: 'UDP on a VXLAN port whose payload is not VXLAN (too short, or not followed by a plausible inner Ethernet frame).',
    cause:
      'Another protocol shares the port: micro-BFD (RFC 7130) uses 6784, which Weave uses for VXLAN; 8472 was OTV. ' +
      'Such packets are counted as VXLAN by naive tools and can confuse the VTEP that receives them.',
    fix: 'Move one of the two protocols to another port, or stop binding VXLAN to that port (`--vxlan-port` only adds ports).',
  },
  {
    id: 'ENCAP_OUTER_FRAGMENTED',
    severity: 'warning',
    trigger: 'Tunnel packets (VXLAN, Geneve, IP-in-IP, GRE, NVGRE, WireGuard) whose outer IP packet is fragmented in the underlay.',
    cause:
      'The tunnel device MTU is larger than the underlay MTU minus the encapsulation overhead, so the node fragments the outer packet ' +
      '(the Linux VXLAN device does not set DF on the outer header by default). Fragments cost CPU, break ECMP hashing and are dropped by some clouds and firewalls.',
    fix:
      'Lower the overlay MTU to the underlay MTU minus the overhead: 50 bytes for VXLAN over IPv4 (70 over IPv6), 20 for IP-in-IP, 60 for WireGuard. ' +
      'flannel derives FLANNEL_MTU from the underlay interface (check /run/flannel/subnet.env); Calico: Installation `spec.calicoNetwork.mtu` ' +
      '(1450 for VXLAN, 1480 for IP-in-IP on a 1500-byte underlay).',
  },
  {
    id: 'ENCAP_MTU_EXCEEDED',
    severity: 'warning',
    trigger:
      'Tunnel packets whose outer IP packet is larger than --mtu (default 1500) and that the MTU verdict (README, overhead) does not call offload super-frames.',
    cause:
      'The overlay MTU does not leave room for the encapsulation overhead, or the underlay MTU is smaller than assumed. ' +
      'A tunnel packet whose inner packet fits the MTU but whose outer packet does not (a 1500-byte pod packet in 1550 bytes of VXLAN) is the ' +
      'classic pod-MTU misconfiguration and always counts, whatever the capture direction. Not counted, as `overhead` does not count them: ' +
      'frames with IP length 0 (BIG TCP/GSO), TCP or UDP frames larger than any jumbo MTU (9216), and TCP whose inner packet alone exceeds the MTU ' +
      '(TSO/GSO on the sender, GRO on the receiver) unless captured as another host\'s traffic (packet type 3). The evidence counts what was skipped ' +
      'and how many counted packets carry an inner packet that fits the MTU; capture with GRO/TSO off to be sure.',
    fix:
      'Pass the real underlay MTU with --mtu (9001 on AWS, for example). If it is right, lower the overlay MTU by the overhead ' +
      '(see ENCAP_OUTER_FRAGMENTED for the values and settings).',
  },
  {
    id: 'ICMP_FRAG_NEEDED',
    severity: 'warning',
    trigger: 'ICMP "fragmentation needed" (type 3 code 4) or ICMPv6 "packet too big" (type 2) messages.',
    cause:
      'A hop could not forward a packet with DF set: path-MTU discovery at work. In an overlay this usually means the pod MTU is larger ' +
      'than the tunnel MTU, or the tunnel MTU larger than the underlay allows. If these messages are filtered anywhere, connections hang after the handshake.',
    fix: 'Make pod, tunnel and underlay MTUs consistent (pod MTU = tunnel MTU = underlay MTU - overhead) and do not filter ICMP type 3 code 4 / ICMPv6 type 2.',
  },
  {
    id: 'NVGRE_KEY_MISSING',
    severity: 'warning',
    trigger: 'GRE carrying Ethernet (protocol 0x6558) without the K bit, so without an NVGRE VSID.',
    cause: 'RFC 7637 requires the key (24-bit VSID + 8-bit FlowID) on NVGRE. Without it the receiver cannot tell virtual networks apart; this is plain GRETAP.',
    fix: 'If NVGRE is intended, configure the key (`ip link add ... type gretap key N`); if GRETAP is intended, ignore or switch the rule off in the config.',
  },
  {
    id: 'BGP_NOTIFICATION',
    severity: 'warning',
    trigger: 'A BGP NOTIFICATION message: a session was torn down.',
    cause:
      'The sender closed the session with an error (header, OPEN or UPDATE error, hold timer expired, FSM error) or a Cease. ' +
      'In Calico BGP mode the routes to that node\'s pod blocks are withdrawn: pods on it become unreachable until the session is back.',
    fix: 'Read the error code and subcode in the evidence; check the BGP daemon logs on both peers (Calico: `calicoctl node status`, BIRD logs in calico-node).',
  },
  {
    id: 'BGP_HOLD_TIME_MISMATCH',
    severity: 'info',
    trigger: 'The two OPEN messages of a BGP session carry different hold times.',
    cause:
      'BGP uses the smaller of the two, so the session works, but the peers are configured differently; the side with the longer ' +
      'hold time detects a dead peer later than its operator expects.',
    fix: 'Use the same hold time (and keepalive interval) on both peers.',
  },
  {
    id: 'VXLAN_BAD_OUTER_CHECKSUM',
    severity: 'error',
    trigger:
      'A received VXLAN packet whose outer UDP checksum is non-zero and wrong (Geneve has its own rule, GENEVE_BAD_OUTER_CHECKSUM). ' +
      'Outgoing packets (SLL/SLL2 packet type 4, pcapng direction outbound) ' +
      'and packets carrying only the pseudo-header sum that checksum offload leaves are not checked; nor are packets not captured whole.',
    cause:
      'A VTEP or NIC computed the outer checksum wrongly (a known kernel/NIC offload problem on flannel.1 and vxlan.calico: flannel#1279, calico#3145, ' +
      'kubernetes#88986). Receivers drop these packets, which shows up as 63-second delays or timeouts to Services.',
    fix:
      'Turn off transmit checksum offload on the VXLAN device of the sending node: `ethtool -K flannel.1 tx-checksum-ip-generic off` ' +
      '(or `vxlan.calico`); newer flannel and Calico releases do this themselves, so upgrading also helps.',
  },
  {
    id: 'VXLAN_HEURISTIC_UNBOUND_PORT',
    severity: 'warning',
    trigger:
      'UDP traffic on a port not bound to VXLAN whose payload is a valid VXLAN header (I flag set, reserved bits zero) followed by a plausible inner Ethernet frame.',
    cause: 'An overlay runs on a port tunnelscope (and tshark/tcpdump) does not decode as VXLAN, so its traffic counts as plain UDP underlay.',
    fix: 'Re-run with the `--vxlan-port` named in the message so the tunnel and its inner flows are decoded.',
  },
  {
    id: 'GENEVE_CRITICAL_OPTION',
    severity: 'warning',
    trigger:
      'Geneve packets with a critical option (option type high bit set) of a class not known to be handled by its endpoints, ' +
      'or whose C flag disagrees with the options it carries. OVN\'s option (class 0x0102, type 0x80) is critical by design and not reported.',
    cause:
      'RFC 8926: a tunnel endpoint that does not understand a critical option must drop the packet, and transit devices use the C flag to decide ' +
      'whether they may process the packet. Unknown critical options mean packets that some endpoint may silently drop.',
    fix: 'Check which component adds the option class in the evidence and make sure every endpoint supports it, or make the option non-critical.',
  },
  {
    id: 'VXLAN_WELL_KNOWN_PORT_COLLISION',
    severity: 'info',
    trigger: 'VXLAN on UDP 8472 or 6784, ports that common tools decode as another protocol.',
    cause:
      'tcpdump before 4.99.6 prints 8472 as OTV; tshark does not decode 8472 at all (plain UDP); tshark and tcpdump decode 6784 (Weave fastdp) as BFD. ' +
      'Analyses of the same capture in those tools will disagree with tunnelscope.',
    fix: 'Decode explicitly: `tshark -d udp.port==8472,vxlan` (or 6784), `tcpdump -T vxlan`, or tcpdump 4.99.6 or later for 8472.',
  },
  {
    id: 'ENCAP_DF_INNER_TOO_BIG',
    severity: 'error',
    trigger: 'Tunnelled inner packets with DF set whose size plus the encapsulation overhead exceeds --mtu (default 1500); offload super-frames (the same MTU verdict as ENCAP_MTU_EXCEEDED) are not counted.',
    cause:
      'The pod (or tunnel) MTU is larger than the underlay can carry once encapsulated. The inner sender asked not to fragment, so depending on the ' +
      'datagram path the packet is dropped with an ICMP error (that is often filtered), or the outer packet is fragmented against the sender\'s wish.',
    fix:
      'Set the pod and tunnel MTU to the underlay MTU minus the overhead (see ENCAP_OUTER_FRAGMENTED); for flannel check that FLANNEL_MTU in ' +
      '/run/flannel/subnet.env matches the flannel.1 MTU, for Calico the `veth_mtu` / `spec.calicoNetwork.mtu` setting.',
  },
  {
    id: 'VNI_PER_VTEP_INCONSISTENT',
    severity: 'error',
    trigger:
      'One VTEP pair uses VNIs that differ from the rest of the cluster (same VXLAN port, at least 3 VTEP pairs, the rest agreeing on one VNI). ' +
      'Identity-style VNIs (Cilium: many distinct VNIs) are not judged.',
    cause: 'A node was set up with another VNI (manual change, different CNI version or config), so its VXLAN traffic is dropped by the other nodes.',
    fix: 'Compare `ip -d link show <vxlan device>` (the `id` field) on the nodes in the evidence with the others and recreate the device with the cluster\'s VNI.',
  },
  {
    id: 'ARP_BROADCAST_STORM',
    severity: 'warning',
    trigger: 'More broadcast ARP packets in a 1-second window (within one capture file) than --arp-storm-rate (default 100 per second).',
    cause:
      'Many hosts resolving many addresses at once (a large flat L2 segment, churn after a failover, a scanning pod, a loop in the L2 topology), ' +
      'or neighbour tables too small for the number of peers (`net.ipv4.neigh.default.gc_thresh*`).',
    fix: 'Find the senders in the evidence; raise the neighbour table thresholds on large clusters, break L2 loops, or segment the network.',
  },
  {
    id: 'GENEVE_BAD_OUTER_CHECKSUM',
    severity: 'error',
    trigger:
      'A received Geneve packet whose outer UDP checksum is non-zero and wrong, with the same exclusions as VXLAN_BAD_OUTER_CHECKSUM ' +
      '(outgoing packets, pseudo-header-only sums left by checksum offload, packets not captured whole). Before this rule existed, ' +
      'VXLAN_BAD_OUTER_CHECKSUM also covered Geneve; it now covers VXLAN only.',
    cause:
      'The Geneve endpoint (the kernel `geneve` device that Open vSwitch uses for OVN-Kubernetes and Antrea, `genev_sys_6081`, or Cilium\'s `cilium_geneve`) ' +
      'or the NIC offloading the outer checksum computed it wrongly. Receivers that verify the outer checksum drop these packets.',
    fix:
      'Turn off transmit checksum offload on the sending node\'s Geneve device (`ethtool -K genev_sys_6081 tx-checksum-ip-generic off`, or `cilium_geneve`) ' +
      'or the NIC\'s tunnel checksum offload (`ethtool -K <nic> tx-udp_tnl-csum-segmentation off`), and update the driver or datapath if that fixes it.',
  },
];

export const RULE_INDEX: ReadonlyMap<string, number> = new Map(RULES.map((r, i) => [r.id, i]));

if (RULES.length !== R.COUNT) throw new Error('lint rule table out of sync');
for (const [id, i] of Object.entries(R)) if (id !== 'COUNT' && RULES[i].id !== id) throw new Error(`lint rule ${id} misplaced`);

/** The docs section (Markdown) for all rules; the README holds this text. */
export function renderRulesMarkdown(): string {
  const out: string[] = [
    '## Lint rules',
    '',
    '`tunnelscope lint FILE... [--vxlan-port P]... [--vni N|A-B]... [--mtu M] [--arp-storm-rate N] [--fail-on error|warning|info] [--config FILE] [--json]`',
    '',
    'Each finding names a rule, its severity, a one-line message, how many packets (or sessions) matched, the first frame that matched and',
    'evidence (ports, VNIs, endpoints, sizes). Exit status 1 when a finding at or above `--fail-on` (default `error`) exists, 0 otherwise,',
    '2 on a usage error (including a bad config file), 3 when a capture cannot be read.',
    '',
    'Config file (`--config FILE`, JSON): `{"rules": {"VXLAN_NONSTANDARD_PORT": {"severity": "error"}, "VXLAN_VNI_ZERO": {"enabled": false}},',
    '"thresholds": {"mtu": 1500, "arpStormRate": 100, "entropyMinFlows": 4, "vniMinPairs": 3}}`. Command-line options win over the file.',
    'Unknown rule IDs, severities or thresholds are usage errors.',
    '',
    '| Rule | Default severity | Triggered by |',
    '| --- | --- | --- |',
  ];
  for (const r of RULES) out.push(`| \`${r.id}\` | ${r.severity} | ${r.trigger.replace(/\|/g, '\\|')} |`);
  out.push('');
  for (const r of RULES) {
    out.push(`### ${r.id}`, '', `Severity: ${r.severity}. ${r.trigger}`, '', `**Cause.** ${r.cause}`, '', `**Fix.** ${r.fix}`, '');
  }
  return out.join('\n');
}
