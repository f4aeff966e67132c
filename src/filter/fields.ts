// The fields a filter can test, under Wireshark's names where Wireshark has the field, read from
// the decoded PacketState with the dissectors' own offset constants. A layer field has one value
// (or two, for the `addr`/`port` pairs) per layer of its protocol, outer layers first and the
// layers of a packet quoted by an ICMP error included, as tshark's repeated fields. A frame field
// has at most one value per packet. A value is a number; NaN means "not in this packet" (a header
// cut short by the snaplen). IPv6 addresses are the byte offset of the address in `st.buf`.
import { CLASS_NAME, Proto, TrafficClass, u16, u32, type PacketState } from '../../dissectors/packet.js';
import type { CaptureRecord } from '../reader/record.js';
import type { PacketFacts } from '../analyses/facts.js';
import type { BgpLayer } from '../../dissectors/layers.js';
import { ETH_DST, ETH_SRC, ETH_TYPE, ETH_HEADER_LEN, ETHERTYPE_MIN } from '../../dissectors/ethernet.js';
/** Largest 802.3 length (IEEE 802.3 clause 3.2.6; Wireshark's IEEE_802_3_MAX_LEN). */
const ETH_8023_MAX_LEN = 1500;
import { VLAN_TCI, VLAN_VID_MASK } from '../../dissectors/vlan.js';
import { ARP_HLEN, ARP_OPER, ARP_PLEN, ARP_PTYPE, ARP_SHA, ARP_SPA, ARP_THA, ARP_TPA } from '../../dissectors/arp.js';
import {
  IPV4_DST, IPV4_FLAGS_FRAG, IPV4_FLAG_DF, IPV4_FLAG_MF, IPV4_FRAG_MASK, IPV4_ID, IPV4_PROTOCOL, IPV4_SRC, IPV4_TOS,
  IPV4_TOTAL_LEN, IPV4_TTL, IPV4_VER_IHL,
} from '../../dissectors/ipv4.js';
import {
  EXT_AH, EXT_FRAGMENT, EXT_ROUTING, FRAG_HEADER_LEN, ipv6FragmentWord, ipv6IsFragment, isExtensionHeader,
} from '../../dissectors/ipv6.js';
import { IPV6_DST, IPV6_HEADER_LEN, IPV6_HOP_LIMIT, IPV6_NEXT_HEADER, IPV6_PAYLOAD_LEN, IPV6_SRC, IPV6_VTC_FLOW } from '../../dissectors/ipv6.js';
import { ICMP_CODE, ICMP_TYPE } from '../../dissectors/icmp.js';
import { ICMPV6_CODE, ICMPV6_TYPE } from '../../dissectors/icmpv6.js';
import { UDP_CHECKSUM, UDP_DST_PORT, UDP_LENGTH, UDP_SRC_PORT } from '../../dissectors/udp.js';
import {
  TCP_ACK, TCP_ACK_FLAG, TCP_CWR, TCP_DST_PORT, TCP_ECE, TCP_FIN, TCP_OFFSET_FLAGS, TCP_PSH, TCP_RST, TCP_SEQ, TCP_SRC_PORT,
  TCP_SYN, TCP_URG, TCP_WINDOW,
} from '../../dissectors/tcp.js';
import { VXLAN_FLAGS, VXLAN_FLAG_G, VXLAN_FLAG_I, VXLAN_GBP_A, VXLAN_GBP_D, VXLAN_GBP_POLICY, VXLAN_RESERVED2 } from '../../dissectors/vxlan.js';
import { GRE_FLAG_K, GRE_FLAGS_VERSION, GRE_PROTO_TEB, isNvgre, isPptpGre } from '../../dissectors/gre.js';
import {
  GENEVE_FLAGS, GENEVE_FLAG_C, GENEVE_OPT_CRITICAL, GENEVE_OPT_HEADER_LEN, geneveFirstOption, geneveNextOption, geneveOptionClass,
  geneveOptionType, geneveOptionsEnd,
} from '../../dissectors/geneve.js';
import { CSUM_OK, CSUM_UNCHECKED, udpChecksumStatus } from '../analyses/lint/checksum.js';

export type ValueType = 'uint' | 'float' | 'bool' | 'ipv4' | 'ipv6' | 'mac' | 'class';

/** Per-run state the frame fields read: the time reference, the facts, the BGP messages of the packet. */
export interface FilterEnv {
  /** Timestamp of the first packet of the file (frame.time_relative, like tshark's). */
  firstSec: number;
  firstNsec: number;
  /** Filled by the selection before the predicate runs, when the filter uses `overhead`. */
  facts: PacketFacts;
  /** The BGP message layers completing in the packet (when the filter uses `bgp`). */
  bgpLayers(frame: number): readonly BgpLayer[] | null;
}

export interface LayerField {
  kind: 'layer';
  type: ValueType;
  /** Whether layer `i` carries the field. */
  match(st: PacketState, i: number): boolean;
  /** How many values one layer holds (2 for src+dst pairs). */
  slots: number;
  /** Value `k` of layer `i`, NaN when its bytes were not captured. */
  get(st: PacketState, i: number, k: number): number;
  /** For fields repeated inside a layer (Geneve options): how many values layer `i` holds, instead of `slots`. */
  count?: (st: PacketState, i: number) => number;
  /** For outer./inner. fields: the one layer index to look at (-1: none), instead of every layer. */
  pick?: (st: PacketState) => number;
}

export interface FrameField {
  kind: 'frame';
  type: ValueType;
  get(r: CaptureRecord, st: PacketState, env: FilterEnv): number;
  /** Reads env.facts (the selection must extract them first). */
  facts?: boolean;
}

/** A protocol name: present when one of its layers is. */
export interface ProtocolTest {
  kind: 'protocol';
  match(st: PacketState, i: number): boolean;
}

export type Field = LayerField | FrameField;

const mac48 = (b: Uint8Array, o: number) => b[o] * 0x10000000000 + b[o + 1] * 0x100000000 + u32(b, o + 2);
const is = (p: number) => (st: PacketState, i: number) => st.kind[i] === p;
const isVlan = (st: PacketState, i: number) => st.kind[i] === Proto.VLAN && st.v2[i] !== 0x88a8;
const isQinq = (st: PacketState, i: number) => st.kind[i] === Proto.VLAN && st.v2[i] === 0x88a8;
const isEthernetArp = (st: PacketState, i: number) => {
  if (st.kind[i] !== Proto.ARP) return false;
  const b = st.buf, o = st.off[i];
  return o + ARP_SHA <= st.end[i] && b[o + ARP_HLEN] === 6 && b[o + ARP_PLEN] === 4 && u16(b, o + ARP_PTYPE) === 0x0800;
};

/** One value per layer: `at` bytes from the layer start must be captured, then `read` gives it. */
function single(type: ValueType, match: LayerField['match'], need: number, read: (b: Uint8Array, o: number, st: PacketState, i: number) => number): LayerField {
  return {
    kind: 'layer', type, match, slots: 1,
    get: (st, i) => (st.off[i] + need <= st.end[i] ? read(st.buf, st.off[i], st, i) : NaN),
  };
}

/** Two values per layer (source and destination), for `addr` and `port`. */
function pair(a: LayerField, b: LayerField): LayerField {
  return { kind: 'layer', type: a.type, match: a.match, slots: 2, get: (st, i, k) => (k === 0 ? a.get(st, i, 0) : b.get(st, i, 0)) };
}

const bit = (match: LayerField['match'], need: number, at: number, mask: number, wide: 8 | 16) =>
  single('bool', match, need, (b, o) => (((wide === 16 ? u16(b, o + at) : b[o + at]) & mask) !== 0 ? 1 : 0));

/** tcp.len: the segment's payload from the IP length (as tshark), the captured bytes for TSO frames. */
function tcpLen(st: PacketState, i: number): number {
  const b = st.buf, o = st.off[i];
  // Inside an ICMP error's quote there is no segment to measure (tshark gives no tcp.len there).
  if (o + TCP_OFFSET_FLAGS + 1 > st.end[i] || st.quoted[i] !== 0) return NaN;
  const hdr = (b[o + TCP_OFFSET_FLAGS] >> 4) * 4;
  const ip = i - 1;
  let payload = st.end[i] - o;
  if (ip >= 0 && st.kind[ip] === Proto.IPV4) {
    const total = u16(b, st.off[ip] + IPV4_TOTAL_LEN);
    if (total !== 0) payload = total - st.hlen[ip];
  } else if (ip >= 0 && st.kind[ip] === Proto.IPV6) {
    const plen = u16(b, st.off[ip] + IPV6_PAYLOAD_LEN);
    if (plen !== 0) payload = plen - (st.hlen[ip] - IPV6_HEADER_LEN);
  }
  return Math.max(0, payload - hdr);
}

/**
 * Offset of Geneve option `k` of layer `i`, or -1. Options are walked as tshark 4.0 does: one whose
 * length runs past the option area ends the walk (tshark flags it invalid and adds no class/type);
 * so does one cut short by the snaplen.
 */
function geneveOption(st: PacketState, i: number, k: number): number {
  const b = st.buf, e = Math.min(geneveOptionsEnd(st, i), st.end[i]);
  for (let p = geneveFirstOption(st, i), n = 0; p + GENEVE_OPT_HEADER_LEN <= e; n++) {
    const next = geneveNextOption(b, p);
    if (next > e) return -1;
    if (n === k) return p;
    p = next;
  }
  return -1;
}
function geneveOptionCount(st: PacketState, i: number): number {
  let n = 0;
  while (geneveOption(st, i, n) >= 0) n++;
  return n;
}
/** One value per Geneve option of the layer, like tshark's repeated geneve.option.* fields. */
const geneveOptionField = (type: ValueType, read: (b: Uint8Array, p: number) => number): LayerField => ({
  kind: 'layer', type, match: is(Proto.GENEVE), slots: 1, count: geneveOptionCount,
  get: (st, i, k) => { const p = geneveOption(st, i, k); return p < 0 ? NaN : read(st.buf, p); },
});

/** IPv4 flags word bits that make a fragment (MF, or a non-zero offset). */
const IPV4_FRAGMENT_BITS = IPV4_FLAG_MF | IPV4_FRAG_MASK;

/**
 * udp.checksum.status as tshark 4.0 gives it with `-o udp.check_checksum:TRUE`: 1 good, 0 bad (a
 * partial sum left for checksum offload included: tshark does not know offload), 2 unverified
 * (a fragment, a datagram not captured whole), 3 not present (a zero sum
 * over IPv4), 4 illegal (a zero sum over IPv6).
 */
function udpChecksumField(st: PacketState, i: number): number {
  const ip = i - 1;
  if (st.off[i] + 8 > st.end[i]) return NaN;
  if (ip < 0) return 2;
  const k = st.kind[ip], b = st.buf;
  // tshark: no checksum in IPv4 is "not present" (3); in IPv6 "illegal" (4: RFC 8200 requires one). A datagram
  // quoted whole by an ICMP error is verified too.
  if (u16(b, st.off[i] + UDP_CHECKSUM) === 0) return k === Proto.IPV4 ? 3 : k === Proto.IPV6 ? 4 : 2;
  let finalDst = -1;
  if (k === Proto.IPV4) {
    if ((u16(b, st.off[ip] + IPV4_FLAGS_FRAG) & IPV4_FRAGMENT_BITS) !== 0) return 2;
  } else if (k === Proto.IPV6) {
    if (ipv6IsFragment(st, ip) && (ipv6FragmentWord(st, ip) & IPV6_FRAGMENT_BITS) !== 0) return 2;
    finalDst = ipv6RoutingFinalDst(st, ip);
  } else return 2;
  const s = udpChecksumStatus(st, ip, i, finalDst);
  return s === CSUM_OK ? 1 : s === CSUM_UNCHECKED ? 2 : 0;
}

/** Fragment header word bits that make a fragment (offset, M). */
const IPV6_FRAGMENT_BITS = 0xfff9;
const ROUTING_TYPE_SOURCE_ROUTE = 0, ROUTING_TYPE_SRH = 4;

/**
 * The final destination the UDP pseudo-header uses (RFC 8200 8.1) when IPv6 layer `ip` has a
 * routing header with segments left: the last address of a type 0 source route, Segment List[0]
 * of an SRH (RFC 8754). -1: the header's own destination.
 */
function ipv6RoutingFinalDst(st: PacketState, ip: number): number {
  const b = st.buf, end = st.off[ip] + st.hlen[ip];
  let nh = b[st.off[ip] + IPV6_NEXT_HEADER];
  for (let p = st.off[ip] + IPV6_HEADER_LEN; p + 8 <= end && isExtensionHeader(nh); ) {
    const len = nh === EXT_FRAGMENT ? FRAG_HEADER_LEN : nh === EXT_AH ? (b[p + 1] + 2) * 4 : (b[p + 1] + 1) * 8;
    if (nh === EXT_ROUTING && b[p + 3] > 0 && p + len <= end) {
      const addrs = (len - 8) >> 4;
      if (b[p + 2] === ROUTING_TYPE_SOURCE_ROUTE && addrs > 0) return p + 8 + (addrs - 1) * 16;
      if (b[p + 2] === ROUTING_TYPE_SRH && addrs > 0) return p + 8;
    }
    nh = b[p];
    p += len;
  }
  return -1;
}

const VXLAN_FLAG_WORD_G = VXLAN_FLAG_G << 8, VXLAN_FLAG_WORD_I = VXLAN_FLAG_I << 8;
/** Every bit of the 16-bit flags word but G, I, D and A (Wireshark's mask 0x77b7). */
const VXLAN_FLAGS_RESERVED = ~(VXLAN_FLAG_WORD_G | VXLAN_FLAG_WORD_I | VXLAN_GBP_D | VXLAN_GBP_A) & 0xffff;

const ETH = is(Proto.ETH), IP = is(Proto.IPV4), IP6 = is(Proto.IPV6), UDP = is(Proto.UDP), TCP = is(Proto.TCP);
const ICMP = is(Proto.ICMP), ICMP6 = is(Proto.ICMPV6), VXLAN = is(Proto.VXLAN), GENEVE = is(Proto.GENEVE);
const GRE = is(Proto.GRE);
const isPptp = (st: PacketState, i: number) => st.kind[i] === Proto.GRE && isPptpGre(u16(st.buf, st.off[i] + GRE_FLAGS_VERSION), st.v2[i]);

const ip = {
  src: single('ipv4', IP, 20, (b, o) => u32(b, o + IPV4_SRC)),
  dst: single('ipv4', IP, 20, (b, o) => u32(b, o + IPV4_DST)),
};
const ip6 = {
  src: single('ipv6', IP6, 40, (_b, o) => o + IPV6_SRC),
  dst: single('ipv6', IP6, 40, (_b, o) => o + IPV6_DST),
};
const udp = {
  src: single('uint', UDP, 2, (b, o) => u16(b, o + UDP_SRC_PORT)),
  dst: single('uint', UDP, 4, (b, o) => u16(b, o + UDP_DST_PORT)),
};
const tcp = {
  src: single('uint', TCP, 2, (b, o) => u16(b, o + TCP_SRC_PORT)),
  dst: single('uint', TCP, 4, (b, o) => u16(b, o + TCP_DST_PORT)),
};
const eth = {
  dst: single('mac', ETH, 6, (b, o) => mac48(b, o + ETH_DST)),
  src: single('mac', ETH, 12, (b, o) => mac48(b, o + ETH_SRC)),
};
const FLAGS_END = TCP_OFFSET_FLAGS + 2;

/** The layer fields, by Wireshark name. */
export const LAYER_FIELDS: Record<string, LayerField> = {
  'eth.dst': eth.dst,
  'eth.src': eth.src,
  'eth.addr': pair(eth.dst, eth.src),
  'eth.type': single('uint', ETH, ETH_HEADER_LEN, (b, o) => { const t = u16(b, o + ETH_TYPE); return t >= ETHERTYPE_MIN ? t : NaN; }),
  // 802.3: the length field, where Wireshark reads one (values up to 1500; above, an EtherType).
  'eth.len': single('uint', ETH, ETH_HEADER_LEN, (b, o) => { const t = u16(b, o + ETH_TYPE); return t <= ETH_8023_MAX_LEN ? t : NaN; }),
  'vlan.id': single('uint', isVlan, 2, (b, o) => u16(b, o + VLAN_TCI) & VLAN_VID_MASK),
  'vlan.priority': single('uint', isVlan, 2, (b, o) => u16(b, o + VLAN_TCI) >> 13),
  'vlan.etype': single('uint', isVlan, 4, (_b, _o, st, i) => st.v1[i]),
  'ieee8021ad.id': single('uint', isQinq, 2, (b, o) => u16(b, o + VLAN_TCI) & VLAN_VID_MASK),
  'arp.opcode': single('uint', is(Proto.ARP), ARP_OPER + 2, (b, o) => u16(b, o + ARP_OPER)),
  'arp.src.hw_mac': single('mac', isEthernetArp, ARP_SHA + 6, (b, o) => mac48(b, o + ARP_SHA)),
  'arp.src.proto_ipv4': single('ipv4', isEthernetArp, ARP_SPA + 4, (b, o) => u32(b, o + ARP_SPA)),
  'arp.dst.hw_mac': single('mac', isEthernetArp, ARP_THA + 6, (b, o) => mac48(b, o + ARP_THA)),
  'arp.dst.proto_ipv4': single('ipv4', isEthernetArp, ARP_TPA + 4, (b, o) => u32(b, o + ARP_TPA)),
  'ip.src': ip.src,
  'ip.dst': ip.dst,
  'ip.addr': pair(ip.src, ip.dst),
  'ip.proto': single('uint', IP, 20, (b, o) => b[o + IPV4_PROTOCOL]),
  'ip.ttl': single('uint', IP, 20, (b, o) => b[o + IPV4_TTL]),
  'ip.id': single('uint', IP, 20, (b, o) => u16(b, o + IPV4_ID)),
  'ip.len': single('uint', IP, 20, (b, o) => u16(b, o + IPV4_TOTAL_LEN)),
  'ip.hdr_len': single('uint', IP, 20, (b, o) => (b[o + IPV4_VER_IHL] & 15) * 4),
  'ip.dsfield.dscp': single('uint', IP, 20, (b, o) => b[o + IPV4_TOS] >> 2),
  'ip.dsfield.ecn': single('uint', IP, 20, (b, o) => b[o + IPV4_TOS] & 3),
  'ip.flags.df': bit(IP, 20, IPV4_FLAGS_FRAG, IPV4_FLAG_DF, 16),
  'ip.flags.mf': bit(IP, 20, IPV4_FLAGS_FRAG, IPV4_FLAG_MF, 16),
  'ip.frag_offset': single('uint', IP, 20, (b, o) => (u16(b, o + IPV4_FLAGS_FRAG) & IPV4_FRAG_MASK) * 8),
  'ipv6.src': ip6.src,
  'ipv6.dst': ip6.dst,
  'ipv6.addr': pair(ip6.src, ip6.dst),
  'ipv6.nxt': single('uint', IP6, 40, (b, o) => b[o + IPV6_NEXT_HEADER]),
  'ipv6.hlim': single('uint', IP6, 40, (b, o) => b[o + IPV6_HOP_LIMIT]),
  'ipv6.plen': single('uint', IP6, 40, (b, o) => u16(b, o + IPV6_PAYLOAD_LEN)),
  'ipv6.tclass': single('uint', IP6, 40, (b, o) => (u32(b, o + IPV6_VTC_FLOW) >>> 20) & 0xff),
  'ipv6.flow': single('uint', IP6, 40, (b, o) => u32(b, o + IPV6_VTC_FLOW) & 0xfffff),
  'icmp.type': single('uint', ICMP, 1, (b, o) => b[o + ICMP_TYPE]),
  'icmp.code': single('uint', ICMP, 2, (b, o) => b[o + ICMP_CODE]),
  'icmpv6.type': single('uint', ICMP6, 1, (b, o) => b[o + ICMPV6_TYPE]),
  'icmpv6.code': single('uint', ICMP6, 2, (b, o) => b[o + ICMPV6_CODE]),
  'udp.srcport': udp.src,
  'udp.dstport': udp.dst,
  'udp.port': pair(udp.src, udp.dst),
  'udp.length': single('uint', UDP, 6, (b, o) => u16(b, o + UDP_LENGTH)),
  'udp.checksum.status': { kind: 'layer', type: 'uint', match: UDP, slots: 1, get: udpChecksumField },
  'tcp.srcport': tcp.src,
  'tcp.dstport': tcp.dst,
  'tcp.port': pair(tcp.src, tcp.dst),
  'tcp.seq_raw': single('uint', TCP, TCP_SEQ + 4, (b, o) => u32(b, o + TCP_SEQ)),
  'tcp.ack_raw': single('uint', TCP, TCP_ACK + 4, (b, o) => u32(b, o + TCP_ACK)),
  'tcp.hdr_len': single('uint', TCP, TCP_OFFSET_FLAGS + 1, (b, o) => (b[o + TCP_OFFSET_FLAGS] >> 4) * 4),
  'tcp.flags': single('uint', TCP, FLAGS_END, (b, o) => u16(b, o + TCP_OFFSET_FLAGS) & 0xfff),
  'tcp.flags.fin': bit(TCP, FLAGS_END, TCP_OFFSET_FLAGS, TCP_FIN, 16),
  'tcp.flags.syn': bit(TCP, FLAGS_END, TCP_OFFSET_FLAGS, TCP_SYN, 16),
  'tcp.flags.reset': bit(TCP, FLAGS_END, TCP_OFFSET_FLAGS, TCP_RST, 16),
  'tcp.flags.push': bit(TCP, FLAGS_END, TCP_OFFSET_FLAGS, TCP_PSH, 16),
  'tcp.flags.ack': bit(TCP, FLAGS_END, TCP_OFFSET_FLAGS, TCP_ACK_FLAG, 16),
  'tcp.flags.urg': bit(TCP, FLAGS_END, TCP_OFFSET_FLAGS, TCP_URG, 16),
  'tcp.flags.ece': bit(TCP, FLAGS_END, TCP_OFFSET_FLAGS, TCP_ECE, 16),
  'tcp.flags.cwr': bit(TCP, FLAGS_END, TCP_OFFSET_FLAGS, TCP_CWR, 16),
  'tcp.window_size_value': single('uint', TCP, TCP_WINDOW + 2, (b, o) => u16(b, o + TCP_WINDOW)),
  'tcp.len': { kind: 'layer', type: 'uint', match: TCP, slots: 1, get: tcpLen },
  'vxlan.vni': single('uint', VXLAN, 8, (_b, _o, st, i) => st.v1[i]),
  'vxlan.flags': single('uint', VXLAN, 2, (b, o) => u16(b, o + VXLAN_FLAGS)),
  'vxlan.flag_g': bit(VXLAN, 2, VXLAN_FLAGS, VXLAN_FLAG_WORD_G, 16),
  'vxlan.flag_i': bit(VXLAN, 2, VXLAN_FLAGS, VXLAN_FLAG_WORD_I, 16),
  'vxlan.flag_d': bit(VXLAN, 2, VXLAN_FLAGS, VXLAN_GBP_D, 16),
  'vxlan.flag_a': bit(VXLAN, 2, VXLAN_FLAGS, VXLAN_GBP_A, 16),
  'vxlan.flags_reserved': single('uint', VXLAN, 2, (b, o) => u16(b, o + VXLAN_FLAGS) & VXLAN_FLAGS_RESERVED),
  'vxlan.gbp': single('uint', VXLAN, VXLAN_GBP_POLICY + 2, (b, o) => u16(b, o + VXLAN_GBP_POLICY)),
  'vxlan.reserved8': single('uint', VXLAN, VXLAN_RESERVED2 + 1, (b, o) => b[o + VXLAN_RESERVED2]),
  'geneve.vni': single('uint', GENEVE, 8, (_b, _o, st, i) => st.v1[i]),
  'geneve.proto_type': single('uint', GENEVE, 8, (_b, _o, st, i) => st.v2[i]),
  'geneve.flags.critical': bit(GENEVE, GENEVE_FLAGS + 1, GENEVE_FLAGS, GENEVE_FLAG_C, 8),
  'geneve.option.class': geneveOptionField('uint', geneveOptionClass),
  'geneve.option.type': geneveOptionField('uint', geneveOptionType),
  'geneve.option.type.critical': geneveOptionField('bool', (b, p) => ((geneveOptionType(b, p) & GENEVE_OPT_CRITICAL) !== 0 ? 1 : 0)),
  'gre.proto': single('uint', GRE, 4, (_b, _o, st, i) => st.v2[i]),
  'gre.flags.key': bit(GRE, 2, GRE_FLAGS_VERSION, GRE_FLAG_K, 16),
  // PPTP's key is a length and a call ID (gre.key.call_id), not gre.key.
  'gre.key': single('uint', (st, i) => GRE(st, i) && st.v1[i] >= 0 && !isPptp(st, i), 4, (_b, _o, st, i) => st.v1[i]),
  'gre.key.call_id': single('uint', (st, i) => isPptp(st, i) && st.v1[i] >= 0, 4, (_b, _o, st, i) => st.v1[i]),
  'wg.type': single('uint', is(Proto.WIREGUARD), 1, (_b, _o, st, i) => st.v1[i]),
};
// Wireshark's short alias.
LAYER_FIELDS['tcp.flags.rst'] = LAYER_FIELDS['tcp.flags.reset'];

/** Protocols by filter name (Wireshark's, plus `nvgre`, tunnelscope's class of GRE carrying Ethernet with a key). */
export const PROTOCOLS: Record<string, ProtocolTest> = {};
const protocol = (names: string[], match: ProtocolTest['match']) => { for (const n of names) PROTOCOLS[n] = { kind: 'protocol', match }; };
protocol(['eth'], ETH);
protocol(['vlan'], isVlan);
protocol(['ieee8021ad'], isQinq);
protocol(['sll'], (st, i) => st.kind[i] === Proto.SLL || st.kind[i] === Proto.SLL2);
protocol(['null'], (st, i) => st.kind[i] === Proto.NULL || st.kind[i] === Proto.LOOP);
protocol(['arp'], is(Proto.ARP));
protocol(['ip'], IP);
protocol(['ipv6'], IP6);
protocol(['icmp'], ICMP);
protocol(['icmpv6'], ICMP6);
protocol(['udp'], UDP);
protocol(['tcp'], TCP);
protocol(['vxlan'], VXLAN);
protocol(['geneve'], GENEVE);
protocol(['gre'], GRE);
protocol(['nvgre'], (st, i) => st.kind[i] === Proto.GRE && st.v2[i] === GRE_PROTO_TEB && isNvgre(u16(st.buf, st.off[i] + GRE_FLAGS_VERSION), st.v2[i]));
protocol(['erspan'], is(Proto.ERSPAN));
protocol(['wg', 'wireguard'], is(Proto.WIREGUARD));
protocol(['bfd'], is(Proto.BFD));

const NS = 1e-9;

/** Frame fields and tunnelscope's own per-packet fields. */
export const FRAME_FIELDS: Record<string, FrameField> = {
  'frame.number': { kind: 'frame', type: 'uint', get: (r) => r.frame },
  'frame.len': { kind: 'frame', type: 'uint', get: (r) => r.len },
  'frame.cap_len': { kind: 'frame', type: 'uint', get: (r) => r.caplen },
  'frame.time_epoch': { kind: 'frame', type: 'float', get: (r) => r.tsSec + r.tsNsec * NS },
  'frame.time_relative': { kind: 'frame', type: 'float', get: (r, _st, env) => (r.tsSec - env.firstSec) + (r.tsNsec - env.firstNsec) * NS },
  class: { kind: 'frame', type: 'class', get: (_r, st) => st.cls },
  // The VNI of the outermost tunnel: VXLAN's or Geneve's, NVGRE's VSID.
  'tunnel.vni': { kind: 'frame', type: 'uint', get: (_r, st) => tunnelVni(st) },
  // The key of the outermost tunnel when it is GRE (NVGRE's whole key, VSID and FlowID; PPTP's call ID), as flows key on it.
  'tunnel.key': { kind: 'frame', type: 'uint', get: (_r, st) => tunnelKey(st) },
  // pcapng's packet direction (1 inbound, 2 outbound); absent when the file does not say.
  'frame.packet_flags_direction': { kind: 'frame', type: 'uint', get: (r) => (r.direction !== 0 ? r.direction : NaN) },
  // SPEC "Classes and flows": bytes from the outer IP header to the innermost IP header.
  overhead: { kind: 'frame', type: 'uint', facts: true, get: (_r, _st, env) => env.facts.overhead },
};

function tunnelKey(st: PacketState): number {
  const t = st.tunnel;
  return t >= 0 && st.kind[t] === Proto.GRE && st.v1[t] >= 0 ? st.v1[t] : NaN;
}

function tunnelVni(st: PacketState): number {
  const t = st.tunnel;
  if (t < 0) return NaN;
  const k = st.kind[t];
  if (k === Proto.VXLAN || k === Proto.GENEVE || k === Proto.VXLAN_GPE) return st.v1[t];
  if (st.cls === TrafficClass.NVGRE && k === Proto.GRE && st.v1[t] >= 0) return Math.floor(st.v1[t] / 256);
  return NaN;
}

/**
 * outer.X and inner.X for the IP and transport fields and protocols: one layer, chosen by the
 * decoder's summary (outer: the IP layer that carries the outermost tunnel, or the only one, and the
 * layer after it; inner: the innermost IP layer outside an ICMP quote and its transport).
 */
function scoped(name: string): LayerField | undefined {
  const m = /^(outer|inner)\.(.+)$/.exec(name);
  if (!m) return undefined;
  const proto = m[2].split('.')[0];
  // `inner.udp`: the protocol itself, as a field whose value is always there.
  const base: LayerField | undefined = m[2] === proto && PROTOCOLS[proto]
    ? { kind: 'layer', type: 'uint', match: PROTOCOLS[proto].match, slots: 1, get: () => 0 }
    : LAYER_FIELDS[m[2]];
  if (!base || !['ip', 'ipv6', 'tcp', 'udp', 'icmp', 'icmpv6'].includes(proto)) return undefined;
  const isIp = proto === 'ip' || proto === 'ipv6';
  const outer = m[1] === 'outer';
  // The transport of the outer IP is the layer right after it; the inner one is the decoder's l4.
  const pick = isIp
    ? (outer ? (st: PacketState) => st.outerIp : (st: PacketState) => st.innerIp)
    : (outer ? (st: PacketState) => (st.outerIp >= 0 ? st.outerIp + 1 : -1) : (st: PacketState) => st.l4);
  return { ...base, pick };
}

export function lookupField(name: string): Field | ProtocolTest | undefined {
  return LAYER_FIELDS[name] ?? FRAME_FIELDS[name] ?? scoped(name) ?? PROTOCOLS[name];
}

/** Every field name, for the README and for "did you mean". */
export function fieldNames(): string[] {
  const scopedNames = Object.keys(LAYER_FIELDS).filter((n) => /^(ip|ipv6|tcp|udp|icmp|icmpv6)\./.test(n));
  return [...Object.keys(FRAME_FIELDS), ...Object.keys(LAYER_FIELDS), ...scopedNames.flatMap((n) => [`outer.${n}`, `inner.${n}`])];
}

export { CLASS_NAME };
