// Filters that lead from a finding (lint, correlate) or a flow to its packets: a tunnelscope
// display filter (`evidence.filter`, for `tunnelscope dissect FILE -Y`) and the same selection in
// Wireshark's language (`evidence.tsharkFilter` with the decode-as and preference arguments
// `evidence.tsharkArgs`), so that `tshark -r FILE <tsharkArgs> -Y '<tsharkFilter>'` shows the frames
// in Wireshark's own numbering.
//
// The filters are derived from the finding's rule and evidence only (never from the rule's detection
// code), after the findings are final. Where a rule counts something a display filter cannot say
// (a sliding-window rate, a checksum that offload may have left partial, a session rather than a
// packet), `evidence.filterExact` is false and `evidence.filterNote` says what the filter selects
// instead: the packets that show the problem, a superset of those counted. The README lists them.
import type { Finding } from '../lint/analysis.js';
import type { FlowObject } from '../flows/analysis.js';
import { Proto } from '../../../dissectors/packet.js';

/** What a finding or flow carries in `evidence` after attach*Filters. */
export interface PacketFilters {
  /** tunnelscope display filter (`tunnelscope dissect FILE <dissectArgs> -Y '<filter>'`). */
  filter: string;
  /** Decoder options `dissect` needs for the filter to see the same layers (`--vxlan-port P`). */
  dissectArgs: string[];
  /** Wireshark display filter. */
  tsharkFilter: string;
  /** Arguments tshark needs before -Y: decode-as (`-d udp.port==8472,vxlan`) and preferences (`-o`). */
  tsharkArgs: string[];
  /** True when the filters select exactly the packets counted (`count` frames, the first `firstFrame`). */
  filterExact: boolean;
  /** When not exact: what the filters select instead. */
  filterNote?: string;
  /** Correlate findings: the capture the filters apply to (the sending node's). */
  filterFile?: string;
}

/** The evidence keys this module adds. */
export const FILTER_KEYS = ['filter', 'dissectArgs', 'tsharkFilter', 'tsharkArgs', 'filterExact', 'filterNote', 'filterFile'] as const;

/** A finding's evidence without the filters (what its rule found). */
export function ruleEvidence(e: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) if (!(FILTER_KEYS as readonly string[]).includes(k)) out[k] = v;
  return out;
}

/** Rules whose filters are never exact, and why (the README's table says the same). */
export const INEXACT_RULES: Readonly<Record<string, string>> = {
  VXLAN_MIXED_PORTS: 'all VXLAN packets of the VTEP pairs (the count); firstFrame is the first packet on the second port, not the first selected',
  VXLAN_PORT_NOT_VXLAN: 'UDP on the VXLAN ports that neither tool decodes as VXLAN; which payloads are "not VXLAN" is a plausibility test no display filter has',
  VXLAN_HEURISTIC_UNBOUND_PORT: 'UDP packets to the port decoded as VXLAN; the rule also requires a plausible inner frame',
  VXLAN_BAD_OUTER_CHECKSUM: 'packets from the senders in the evidence; tshark (with checksum checking on) also calls pseudo-header-only sums left by offload bad',
  GENEVE_BAD_OUTER_CHECKSUM: 'packets from the senders in the evidence; tshark (with checksum checking on) also calls pseudo-header-only sums left by offload bad',
  ARP_BROADCAST_STORM: 'the ARP broadcasts of the busiest one-second window; the count is the broadcasts that arrived while the window held more than the rate',
  BGP_HOLD_TIME_MISMATCH: 'the two OPEN messages of each session (the count is sessions); the later OPEN is firstFrame',
  ENCAP_DF_INNER_TOO_BIG: 'inner DF packets larger than the MTU minus the VXLAN-over-IPv4 overhead (50 bytes); other encapsulations and offload super-frames are not told apart',
};

/** Correlate findings are about packets that did not arrive: the filter selects the path's packets in the sender's capture. */
const CORRELATE_NOTE = 'the packets of the path in the sending node\'s capture (filterFile); the lost ones among them are found only by matching both captures';

type Dialect = 'ts' | 'ws';
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const numKeys = (v: unknown): number[] => (isObj(v) ? Object.keys(v).map(Number).filter((n) => Number.isInteger(n)) : []);

const IANA_VXLAN = 4789;
const GENEVE_PORT = 6081;
/** Ports tunnelscope decodes as VXLAN when the payload is plausible, and tshark does not (8472: plain UDP; 6784: BFD). */
const HEURISTIC_VXLAN = [8472, 6784];

const v6 = (ip: string) => ip.includes(':');
const set = (xs: readonly (number | string)[]) => (xs.length === 1 ? `== ${xs[0]}` : `in {${xs.join(', ')}}`);
const or = (xs: string[]) => (xs.length === 1 ? xs[0] : xs.map((x) => `(${x})`).join(' || '));
const and = (...xs: string[]) => xs.filter((x) => x !== '').map((x) => (x.includes('||') ? `(${x})` : x)).join(' && ');

/** The outer (first) IP layer's address field. */
function outer(d: Dialect, dir: 'src' | 'dst', ip: string): string {
  const f = v6(ip) ? 'ipv6' : 'ip';
  return d === 'ts' ? `outer.${f}.${dir} == ${ip}` : `${f}.${dir}#1 == ${ip}`;
}
/** The inner IP layer's field: Wireshark numbers layers per protocol, so inner IPv4 under outer IPv6 is ip#1. */
function innerIp(d: Dialect, field: string, ip: string, outerIp: string): string {
  const f = v6(ip) ? 'ipv6' : 'ip';
  return d === 'ts' ? `inner.${f}.${field}` : `${f}.${field}#${v6(ip) === v6(outerIp) ? 2 : 1}`;
}
function pairBoth(d: Dialect, a: string, b: string): string {
  return `(${outer(d, 'src', a)} && ${outer(d, 'dst', b)}) || (${outer(d, 'src', b)} && ${outer(d, 'dst', a)})`;
}
function pairOne(d: Dialect, a: string, b: string): string {
  return `${outer(d, 'src', a)} && ${outer(d, 'dst', b)}`;
}

/** A traffic class as a filter: tunnelscope has the `class` field, Wireshark the protocols. */
function classFilter(d: Dialect, cls: string, outerV6?: boolean): string {
  if (d === 'ts') return `class == ${cls}`;
  switch (cls) {
    case 'vxlan': return 'vxlan';
    case 'geneve': return 'geneve';
    case 'nvgre': return 'gre.proto == 0x6558 && gre.flags.key == 1';
    case 'gre': return 'gre && !(gre.proto == 0x6558 && gre.flags.key == 1)';
    case 'ipip': return outerV6 === undefined ? 'ip.proto#1 in {4, 41} || ipv6.nxt#1 in {4, 41}' : outerV6 ? 'ipv6.nxt#1 in {4, 41}' : 'ip.proto#1 in {4, 41}';
    case 'wireguard': return 'wg';
    default: return 'ip';
  }
}

/** The decoder context of the run: which UDP ports carried VXLAN and Geneve. */
export interface FilterContext {
  /** Ports decoded as VXLAN other than 4789 (the run's --vxlan-port, plus 8472/6784 decoded when plausible). */
  vxlanPorts: number[];
  /** Ports decoded as Geneve other than 6081. */
  genevePorts: number[];
}

/** The context from a decoder's UDP port table (DecodeTables.udpPort). */
export function contextFromPortTable(udpPort: ArrayLike<number>): FilterContext {
  const vxlanPorts: number[] = [], genevePorts: number[] = [];
  for (let p = 0; p < udpPort.length; p++) {
    if (udpPort[p] === Proto.VXLAN && p !== IANA_VXLAN) vxlanPorts.push(p);
    else if (udpPort[p] === Proto.GENEVE && p !== GENEVE_PORT) genevePorts.push(p);
  }
  return { vxlanPorts, genevePorts };
}

/** Options dissect needs to decode like the run did (8472 and 6784 it decodes by itself when plausible). */
function dissectArgs(ctx: FilterContext): string[] {
  const out: string[] = [];
  for (const p of ctx.vxlanPorts) if (!HEURISTIC_VXLAN.includes(p)) out.push('--vxlan-port', String(p));
  for (const p of ctx.genevePorts) out.push('--geneve-port', String(p));
  return out;
}

/** tshark decode-as arguments for the run's VXLAN and Geneve ports (tshark decodes only 4789 and 6081 by itself). */
function decodeAs(ctx: FilterContext, extraVxlan: readonly number[] = []): string[] {
  const out: string[] = [];
  for (const p of [...new Set([...ctx.vxlanPorts, ...extraVxlan])].sort((a, b) => a - b)) if (p !== IANA_VXLAN) out.push('-d', `udp.port==${p},vxlan`);
  for (const p of ctx.genevePorts) out.push('-d', `udp.port==${p},geneve`);
  return out;
}

interface Both { ts: string; ws: string; noDecodeAs?: boolean; exact?: boolean; note?: string; wsArgs?: string[]; tsArgs?: string[]; extraVxlan?: number[] }

/** Same text in both languages, built by one function of the dialect. */
const both = (f: (d: Dialect) => string, rest: Omit<Both, 'ts' | 'ws'> = {}): Both => ({ ts: f('ts'), ws: f('ws'), ...rest });

/** The filters of one lint finding, from its rule and evidence. Null for a rule this module does not know. */
export function lintFindingFilters(f: Finding, ctx: FilterContext): PacketFilters | null {
  const e = f.evidence;
  const pairs = arr(e.pairs).filter(isObj);
  const allPairsListed = typeof e.pairsTotal !== 'number' || e.pairsTotal <= pairs.length;
  let b: Both | null = null;
  switch (f.rule) {
    case 'VXLAN_NONSTANDARD_PORT':
    case 'VXLAN_WELL_KNOWN_PORT_COLLISION': {
      const ports = numKeys(e.ports);
      b = both(() => `vxlan && udp.dstport ${set(ports)}`, { extraVxlan: ports });
      break;
    }
    case 'VXLAN_I_FLAG_UNSET':
      b = both(() => 'vxlan && vxlan.flag_i == 0');
      break;
    case 'VXLAN_RESERVED_BITS':
      // RFC 7348 reserved bits, and the Group Policy fields when G is clear (tunnelscope's vxlanReservedBitsSet).
      b = both(() => 'vxlan && (vxlan.flags_reserved != 0 || vxlan.reserved8 != 0 || (vxlan.flag_g == 0 && (vxlan.flag_d == 1 || vxlan.flag_a == 1 || vxlan.gbp != 0)))');
      break;
    case 'VXLAN_VNI_UNEXPECTED':
      b = both(() => `vxlan && vxlan.vni ${set(numKeys(e.vnis))}`);
      break;
    case 'VXLAN_VNI_ZERO':
      b = both(() => 'vxlan && vxlan.vni == 0');
      break;
    case 'VXLAN_SRC_PORT_NO_ENTROPY': {
      // Every packet of each directed VTEP pair (the pair used one source port throughout).
      const terms = (d: Dialect) => or(pairs.map((p) => and(str(p.encapsulation) === 'geneve' ? 'geneve' : 'vxlan', pairOne(d, String(p.src), String(p.dst)))));
      b = { ts: terms('ts'), ws: terms('ws'), exact: allPairsListed, note: allPairsListed ? undefined : 'the first 20 VTEP pairs of the evidence' };
      break;
    }
    case 'VXLAN_MIXED_PORTS':
    case 'VNI_PER_VTEP_INCONSISTENT': {
      const terms = (d: Dialect) => and('vxlan', or(pairs.map((p) => pairBoth(d, String(p.a), String(p.b)))));
      const ports = pairs.flatMap((p) => (isObj(p.ports) ? numKeys(p.ports) : typeof p.port === 'number' ? [p.port] : []));
      b = { ts: terms('ts'), ws: terms('ws'), exact: f.rule === 'VNI_PER_VTEP_INCONSISTENT' && allPairsListed, extraVxlan: ports };
      break;
    }
    case 'VXLAN_PORT_NOT_VXLAN': {
      const ports = numKeys(e.ports);
      // tshark without decode-as for these ports: BFD on 6784, plain UDP on 8472; a short payload on 4789 is a malformed VXLAN.
      // Not VXLAN: too short (tshark: malformed), or an inner frame with an 802.3 length field instead of an EtherType.
      b = { ts: `udp.port ${set(ports)} && (!vxlan || eth.len)`, ws: `udp.port ${set(ports)} && (!vxlan || _ws.malformed || eth.len)`, exact: false, wsArgs: [], noDecodeAs: true };
      break;
    }
    case 'VXLAN_HEURISTIC_UNBOUND_PORT': {
      const ports = numKeys(e.ports);
      b = { ts: `udp.dstport ${set(ports)}`, ws: `vxlan && udp.dstport ${set(ports)}`, exact: false, extraVxlan: ports };
      break;
    }
    case 'GENEVE_CRITICAL_OPTION': {
      const opts = Object.keys(isObj(e.options) ? e.options : {}).map((k) => /class 0x([0-9a-f]+) type 0x([0-9a-f]+)/.exec(k)).filter((m) => m !== null)
        .map((m) => `(geneve.option.class == 0x${m[1]} && geneve.option.type == 0x${m[2]})`);
      // A C flag that disagrees with the options: set without a critical option, or clear with one.
      const mismatch = '(geneve.flags.critical == 1 && !(geneve.option.type.critical == 1)) || (geneve.flags.critical == 0 && geneve.option.type.critical == 1)';
      const terms = [...opts, ...(typeof e.cFlagMismatch === 'number' && e.cFlagMismatch > 0 ? [mismatch] : [])];
      b = both(() => and('geneve', terms.join(' || ')));
      break;
    }
    case 'VXLAN_BAD_OUTER_CHECKSUM':
    case 'GENEVE_BAD_OUTER_CHECKSUM': {
      const proto = f.rule === 'VXLAN_BAD_OUTER_CHECKSUM' ? 'vxlan' : 'geneve';
      const senders = arr(e.senders).filter(isObj).map((s) => String(s.ip));
      const from = (d: Dialect) => or(senders.map((ip) => outer(d, 'src', ip)));
      b = {
        ts: and(proto, from('ts')),
        // tshark checks UDP checksums only when asked; received packets only (SLL packet type 4 and pcapng direction 2 are outgoing).
        ws: and(proto, 'udp.checksum.status#1 == 0', '!(sll.pkttype == 4)', '!(frame.packet_flags_direction == 2)'),
        wsArgs: ['-o', 'udp.check_checksum:TRUE'], exact: false,
      };
      break;
    }
    case 'ENCAP_OUTER_FRAGMENTED': {
      // Counted once per tunnel packet, in its first fragment (the one that carries the tunnel header).
      const classes = Object.keys(isObj(e.byClass) ? e.byClass : {});
      b = {
        ts: and(or(classes.map((c) => classFilter('ts', c))), 'outer.ip.flags.mf == 1', 'outer.ip.frag_offset == 0'),
        ws: and(or(classes.map((c) => classFilter('ws', c))), 'ip.flags.mf#1 == 1', 'ip.frag_offset#1 == 0'),
        wsArgs: ['-o', 'ip.defragment:FALSE'],
      };
      break;
    }
    case 'ENCAP_MTU_EXCEEDED': {
      const mtu = Number(e.mtu);
      const classes = Object.keys(isObj(e.byClass) ? e.byClass : {});
      const skipped = [e.skippedZeroLength, e.skippedAboveJumbo, e.skippedTcpOffload].some((x) => typeof x === 'number' && x > 0);
      b = {
        ts: and(or(classes.map((c) => classFilter('ts', c))), `outer.ip.len > ${mtu}`),
        ws: and(or(classes.map((c) => classFilter('ws', c))), `ip.len#1 > ${mtu}`),
        wsArgs: ['-o', 'ip.defragment:FALSE'],
        exact: !skipped,
        note: skipped ? 'also the offload super-frames the rule skips (see skipped* in the evidence)' : undefined,
      };
      break;
    }
    case 'ENCAP_DF_INNER_TOO_BIG': {
      const limit = Number(e.mtu) - 50;
      b = {
        ts: `vxlan && inner.ip.flags.df == 1 && inner.ip.len > ${limit}`,
        ws: `vxlan && ip.flags.df#2 == 1 && ip.len#2 > ${limit}`,
        wsArgs: ['-o', 'ip.defragment:FALSE'], exact: false,
      };
      break;
    }
    case 'ICMP_FRAG_NEEDED':
      b = both(() => '(icmp.type == 3 && icmp.code == 4) || icmpv6.type == 2', { wsArgs: [] });
      break;
    case 'NVGRE_KEY_MISSING':
      b = both(() => 'gre.proto == 0x6558 && gre.flags.key == 0', { wsArgs: [] });
      break;
    case 'BGP_NOTIFICATION':
    case 'BGP_HOLD_TIME_MISMATCH': {
      const sess = arr(e.sessions).filter(isObj).map((s) => arr(s.peers).map(String)).filter((p) => p.length === 2);
      const type = f.rule === 'BGP_NOTIFICATION' ? 3 : 1;
      const addr = (ip: string) => `${v6(ip) ? 'ipv6' : 'ip'}.addr == ${ip}`;
      const peers = or(sess.map(([a, c]) => `${addr(a)} && ${addr(c)}`));
      b = both(() => and(`bgp.type == ${type}`, peers), { wsArgs: [], exact: f.rule === 'BGP_NOTIFICATION' });
      break;
    }
    case 'ARP_BROADCAST_STORM': {
      const start = Number(e.windowStart);
      b = both(() => `arp && eth.dst == ff:ff:ff:ff:ff:ff && frame.time_epoch >= ${start.toFixed(6)} && frame.time_epoch < ${(start + 1).toFixed(6)}`, { wsArgs: [], exact: false });
      break;
    }
    default:
      return null;
  }
  const exact = b.exact ?? true;
  const out: PacketFilters = {
    filter: b.ts,
    dissectArgs: b.tsArgs ?? dissectArgs(ctx),
    tsharkFilter: b.ws,
    tsharkArgs: [...(b.noDecodeAs ? [] : decodeAs(ctx, b.extraVxlan)), ...(b.wsArgs ?? [])],
    filterExact: exact,
  };
  if (!exact) out.filterNote = b.note ?? INEXACT_RULES[f.rule] ?? 'a superset of the packets counted';
  return out;
}

/** Adds the filters to every lint finding's evidence (the one call where findings are final). */
export function attachLintFilters(findings: Finding[], ctx: FilterContext): void {
  // tshark needs decode-as for 8472/6784 only where VXLAN was seen on them (the collision and
  // port findings name those ports); elsewhere it would turn BFD or OTV into VXLAN.
  const seen = new Set<number>(), notVxlan = new Set<number>();
  for (const f of findings) {
    if (f.rule === 'VXLAN_WELL_KNOWN_PORT_COLLISION' || f.rule === 'VXLAN_NONSTANDARD_PORT') for (const p of numKeys(f.evidence.ports)) seen.add(p);
    if (f.rule === 'VXLAN_PORT_NOT_VXLAN') for (const p of numKeys(f.evidence.ports)) notVxlan.add(p);
  }
  const run: FilterContext = { ...ctx, vxlanPorts: ctx.vxlanPorts.filter((p) => !HEURISTIC_VXLAN.includes(p) || seen.has(p)) };
  for (const f of findings) {
    const filters = lintFindingFilters(f, run);
    if (!filters) continue;
    // A port that carries VXLAN and something else: tshark's decode-as makes VXLAN of both.
    const shared = [...notVxlan].filter((p) => filters.tsharkArgs.includes(`udp.port==${p},vxlan`));
    if (shared.length && filters.filterExact && f.rule !== 'VXLAN_PORT_NOT_VXLAN') {
      filters.filterExact = false;
      filters.filterNote = `tshark decodes every packet on UDP ${shared.join(', ')} as VXLAN, also those that are not (see VXLAN_PORT_NOT_VXLAN)`;
    }
    Object.assign(f.evidence, filters);
  }
}

// ---- correlate ---------------------------------------------------------------------------------

interface NodeAddrs { name: string; file: string; addresses: string[] }
interface PathTunnel { vni: number | null; key: number | null; dstPort: number | null }

/** A path (sender node -> receiver node, class, tunnel) as filters over the sender's capture. */
function pathFilters(from: NodeAddrs, to: NodeAddrs, cls: string | null, tunnel: PathTunnel | null, ctx: FilterContext, natDst: readonly string[] = []): PacketFilters {
  // Behind NAT the sender addresses the receiver by its translated address.
  const dsts = [...new Set([...to.addresses, ...natDst])];
  const dir = (d: Dialect) => or(from.addresses.flatMap((a) => dsts.filter((c) => v6(a) === v6(c)).map((c) => pairOne(d, a, c))));
  const tun = (d: Dialect) => {
    const t: string[] = [];
    if (cls) t.push(classFilter(d, cls));
    if (tunnel?.vni !== null && tunnel?.vni !== undefined) {
      const v = tunnel.vni;
      t.push(d === 'ts' ? `tunnel.vni == ${v}` : cls === 'geneve' ? `geneve.vni == ${v}` : cls === 'nvgre' ? `gre.key ${nvgreKeyRange(v)}` : `vxlan.vni == ${v}`);
    }
    if (tunnel?.key !== null && tunnel?.key !== undefined) t.push(`gre.key == ${tunnel.key}`);
    if (tunnel?.dstPort) t.push(`udp.dstport == ${tunnel.dstPort}`);
    return t;
  };
  const extra = cls === 'vxlan' && tunnel?.dstPort ? [tunnel.dstPort] : [];
  return {
    filter: and(...tun('ts'), dir('ts')),
    dissectArgs: dissectArgs(ctx),
    tsharkFilter: and(...tun('ws').map((x) => (x.includes('||') ? `(${x})` : x)), dir('ws')),
    tsharkArgs: decodeAs(ctx, extra),
    filterExact: false,
    filterNote: CORRELATE_NOTE,
    filterFile: from.file,
  };
}

/** Adds filters to correlate findings: the path's packets in the sender's capture (or both nodes' traffic for a node pair). */
interface PathNat { from: string; to: string; rewrites: { outerDst: readonly { from: string | number }[] } }

export function attachCorrelateFilters(findings: Finding[], nodes: readonly NodeAddrs[], ctx: FilterContext = { vxlanPorts: [], genevePorts: [] },
  paths: readonly PathNat[] = []): void {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  /** Destination addresses the sender used that NAT rewrote on the way to the receiver. */
  const natDst = (a: string, b: string) => paths.filter((p) => p.from === a && p.to === b).flatMap((p) => p.rewrites.outerDst.map((r) => String(r.from)));
  for (const f of findings) {
    const e = f.evidence;
    const tunnel = isObj(e.tunnel) ? (e.tunnel as unknown as PathTunnel) : null;
    const cls = str(e.class);
    let from = byName.get(String(e.from)), to = byName.get(String(e.to));
    if (f.rule === 'PATH_ASYMMETRIC') {
      // The worse direction (the one whose loss the count is).
      const dirs = arr(e.directions).filter(isObj);
      const worse = dirs.find((x) => x.lost === f.count) ?? dirs[0];
      if (worse) { from = byName.get(String(worse.from)); to = byName.get(String(worse.to)); }
    }
    if (f.rule === 'CLOCK_UNCERTAIN') { from = byName.get(String(e.a)); to = byName.get(String(e.b)); }
    if (!from || !to) continue;
    const p = pathFilters(from, to, f.rule === 'CLOCK_UNCERTAIN' ? null : cls, f.rule === 'CLOCK_UNCERTAIN' ? null : tunnel, ctx, natDst(from.name, to.name));
    if (f.rule === 'CLOCK_UNCERTAIN') {
      // Both directions: the packets whose delays set the offset.
      const both2 = (d: Dialect) => or(from!.addresses.flatMap((a) => to!.addresses.filter((c) => v6(a) === v6(c)).map((c) => pairBoth(d, a, c))));
      p.filter = both2('ts');
      p.tsharkFilter = both2('ws');
      p.filterNote = 'the packets between the two nodes, both ways, in the first node\'s capture';
    }
    Object.assign(e, p);
  }
}

// ---- flows -------------------------------------------------------------------------------------

/** NVGRE's key is VSID << 8 | FlowID; Wireshark's language has no shift, so a range. */
const nvgreKeyRange = (vsid: number) => `>= ${vsid * 256} && gre.key <= ${vsid * 256 + 255}`;

const L4: Record<number, string> = { 6: 'tcp', 17: 'udp', 132: 'sctp' };

const NO_PORTS: FilterContext = { vxlanPorts: [], genevePorts: [] };
/** Memos of flowFilters: decoder arguments by class and tunnel port, tunnel filter parts by dialect and tunnel (read only). */
const flowArgs = new Map<string, { dissect: string[]; tshark: string[] }>();
const flowTunnelParts = new Map<string, string[]>();
/** Bounded: a capture with very many tunnels starts the memo again rather than growing it. */
function remember<V>(m: Map<string, V>, k: string, v: V): void {
  if (m.size >= 10_000) m.clear();
  m.set(k, v);
}

/** Filters for one flow: its 5-tuple both ways (inner for tunnelled flows), plus the tunnel's VNI/key and outer addresses. */
export function flowFilters(f: FlowObject, run: FilterContext = NO_PORTS): PacketFilters {
  // The flow's own tunnel port is all the decoder needs to be told about.
  const port = f.tunnel?.dstPort ?? null;
  // Flows share a few tunnels and ports: the parts that depend on those alone are built once
  // (a batch of 70,000 flows built them 70,000 times, issue 11). Each flow gets its own arrays.
  let args = run === NO_PORTS ? flowArgs.get(`${f.class}|${port}`) : undefined;
  if (!args) {
    const ctx: FilterContext = {
      vxlanPorts: [...new Set([...run.vxlanPorts, ...(f.class === 'vxlan' && port !== null && port !== IANA_VXLAN ? [port] : [])])],
      genevePorts: [...new Set([...run.genevePorts, ...(f.class === 'geneve' && port !== null && port !== GENEVE_PORT ? [port] : [])])],
    };
    args = { dissect: dissectArgs(ctx), tshark: decodeAs(ctx) };
    if (run === NO_PORTS) remember(flowArgs, `${f.class}|${port}`, args);
  }
  const tunnelled = f.tunnel !== null;
  const o = f.orig, r = f.resp;
  const l4 = f.protocol !== null ? L4[f.protocol] : undefined;
  const ipField = (d: Dialect, field: string, ip: string) => (f.tunnel ? innerIp(d, field, ip, f.tunnel.a) : d === 'ts' ? `${v6(ip) ? 'ipv6' : 'ip'}.${field}` : `${v6(ip) ? 'ipv6' : 'ip'}.${field}#1`);
  const portField = (d: Dialect, p: string, field: string) => (tunnelled && d === 'ts' ? `inner.${p}.${field}` : `${p}.${field}`);
  const dir = (d: Dialect, a: typeof o, c: typeof r) => {
    const t: string[] = [];
    if (a.ip !== null && c.ip !== null) t.push(`${ipField(d, 'src', a.ip)} == ${a.ip}`, `${ipField(d, 'dst', c.ip)} == ${c.ip}`);
    else if (a.mac && c.mac) t.push(`eth.src == ${a.mac}`, `eth.dst == ${c.mac}`);
    if (l4 && a.port !== null && c.port !== null) t.push(`${portField(d, l4, 'srcport')} == ${a.port}`, `${portField(d, l4, 'dstport')} == ${c.port}`);
    return t.join(' && ');
  };
  const tuple = (d: Dialect) => `(${dir(d, o, r)}) || (${dir(d, r, o)})`;
  const tun = (d: Dialect): string[] => {
    if (!f.tunnel) return [];
    const t = f.tunnel;
    const key = `${d}|${f.class}|${t.a}|${t.b}|${t.vni}|${t.key}`;
    const known = flowTunnelParts.get(key);
    if (known) return known;
    const out = [d === 'ts' ? `class == ${f.class}` : classFilter('ws', f.class, v6(t.a))];
    if (t.vni !== null) out.push(d === 'ts' ? `tunnel.vni == ${t.vni}` : f.class === 'geneve' ? `geneve.vni == ${t.vni}` : f.class === 'nvgre' ? `gre.key ${nvgreKeyRange(t.vni)}` : `vxlan.vni == ${t.vni}`);
    if (t.key !== null) out.push(d === 'ts' ? `tunnel.key == ${t.key}` : `gre.key == ${t.key}`);
    else if (f.class === 'gre') out.push('gre.flags.key == 0');
    out.push(pairBoth(d, t.a, t.b));
    remember(flowTunnelParts, key, out);
    return out;
  };
  const nonIp = o.ip === null;
  const named = f.protocol === 1 ? 'icmp' : f.protocol === 58 ? 'icmpv6' : l4;
  const proto = (d: Dialect) => (named ? [named] : f.protocol !== null ? [d === 'ts' && tunnelled ? `inner.ip.proto == ${f.protocol}` : `ip.proto == ${f.protocol}`]
    : nonIp && !tunnelled ? ['!ip && !ipv6'] : []);
  const ts = and(...tun('ts'), ...proto('ts'), tuple('ts'));
  const ws = and(...tun('ws'), ...proto('ws'), tuple('ws'));
  // A non-IP flow inside a tunnel is told apart by its inner MACs only, which any-layer eth fields cannot pin to the inner frame.
  const exact = f.fragments === 0 && (!nonIp || (!!o.mac && !tunnelled));
  const out: PacketFilters = { filter: ts, dissectArgs: [...args.dissect], tsharkFilter: ws, tsharkArgs: [...args.tshark], filterExact: exact };
  if (!exact) out.filterNote = f.fragments > 0 ? 'IP fragments after the first carry no ports and are not selected' : 'a flow without IP addresses: its MAC pair, also in other layers';
  return out;
}

/** The flow with its filters in `evidence` (the hook in FlowAnalysis.flows). */
export function withFlowFilters(f: FlowObject): FlowObject {
  f.evidence = flowFilters(f);
  return f;
}

/** The shell line that shows a finding's packets with tunnelscope. */
export function dissectCommand(file: string, e: Partial<PacketFilters>): string | null {
  if (typeof e.filter !== 'string') return null;
  return ['tunnelscope dissect', shellQuote(e.filterFile ?? file), ...(e.dissectArgs ?? []).map(shellQuote), '-Y', shellQuote(e.filter)].join(' ');
}

/** The tshark line for the same packets. */
export function tsharkCommand(file: string, e: Partial<PacketFilters>): string | null {
  if (typeof e.tsharkFilter !== 'string') return null;
  return ['tshark -r', shellQuote(e.filterFile ?? file), ...(e.tsharkArgs ?? []).map(shellQuote), '-Y', shellQuote(e.tsharkFilter)].join(' ');
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
