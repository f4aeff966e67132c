// The layer objects of `dissect --json` (SPEC "JSON schemas") as types: one interface per
// protocol, discriminated by `proto`, so that after `if (l.proto === 'vxlan')` the compiler knows
// `l.vni` is a number. Each dissector's describe() is checked against its interface
// (`Dissector<VxlanLayer>`), so these cannot drift from what is printed.
import type { GeneveOption } from './geneve.js';
import type { BgpMessage } from './bgp-message.js';

/** What every layer may carry. */
export interface LayerBase {
  /** Set on every layer of a packet quoted inside an ICMP error (the original packet's headers). */
  quoted?: boolean;
}

export interface EthernetLayer extends LayerBase {
  proto: 'eth';
  src: string;
  dst: string;
  ethertype: number;
}

export interface VlanLayer extends LayerBase {
  proto: 'vlan';
  id: number;
  pcp: number;
  dei: boolean;
  ethertype: number;
  /** The tag protocol identifier (0x8100, 0x88a8...). */
  tpid: number;
}

export interface SllLayer extends LayerBase {
  proto: 'sll';
  packetType: number;
  /** 'host', 'broadcast', 'multicast', 'otherhost', 'outgoing', else the number as text. */
  direction: string;
  hatype: number;
  address: string;
  ethertype: number;
}

export interface Sll2Layer extends LayerBase {
  proto: 'sll2';
  packetType: number;
  direction: string;
  ifIndex: number;
  hatype: number;
  address: string;
  ethertype: number;
}

/** BSD loopback (`null`, host byte order) and OpenBSD `loop` (network order). */
export interface LoopbackLayer extends LayerBase {
  proto: 'null' | 'loop';
  /** The address family (AF_INET 2, AF_INET6 24/28/30), when the header holds one... */
  family?: number;
  /** ...or the EtherType, when the NULL header holds one. */
  ethertype?: number;
}

export interface ArpLayer extends LayerBase {
  proto: 'arp';
  hardwareType: number;
  protocolType: number;
  opcode: number;
  /** The addresses, for Ethernet/IPv4 ARP only. */
  senderMac?: string;
  senderIp?: string;
  targetMac?: string;
  targetIp?: string;
}

export interface Ipv4Layer extends LayerBase {
  proto: 'ipv4';
  src: string;
  dst: string;
  protocol: number;
  ttl: number;
  length: number;
  id: number;
  df: boolean;
  mf: boolean;
  fragOffset: number;
  headerLength: number;
  tos: number;
  checksum: number;
  options: { type: number; length: number }[];
}

export interface Ipv6Layer extends LayerBase {
  proto: 'ipv6';
  src: string;
  dst: string;
  nextHeader: number;
  /** The upper-layer protocol after the extension headers. */
  protocol: number;
  hopLimit: number;
  payloadLength: number;
  trafficClass: number;
  flowLabel: number;
  headerLength: number;
  extensions: { type: number; length: number }[];
  /** From a Fragment extension header, when there is one. */
  fragOffset?: number;
  mf?: boolean;
  fragId?: number;
}

/** The header fields ICMP and ICMPv6 share. */
interface IcmpFields extends LayerBase {
  type: number;
  code: number;
  checksum: number;
  /** Echo request and reply. */
  id?: number;
  seq?: number;
  /** ICMP fragmentation needed: the next-hop MTU; ICMPv6 Packet Too Big: the MTU. */
  mtu?: number;
}

export interface IcmpLayer extends IcmpFields {
  proto: 'icmp';
}

export interface Icmpv6Layer extends IcmpFields {
  proto: 'icmpv6';
  /** Neighbor solicitation and advertisement. */
  target?: string;
}

export interface UdpLayer extends LayerBase {
  proto: 'udp';
  srcPort: number;
  dstPort: number;
  /** Absent when the snaplen cut the header before it. */
  length?: number;
  /** Absent for a partial header. */
  checksum?: number;
}

export interface TcpLayer extends LayerBase {
  proto: 'tcp';
  srcPort: number;
  dstPort: number;
  /** A header the bytes do not hold in full: why ('fragment', 'quote' or 'snaplen'); its fields below are those the bytes hold. */
  partial?: 'fragment' | 'quote' | 'snaplen';
  seq?: number;
  ack?: number;
  /** Flags as letters, tcpdump style ("S", "SA", "FPA"...). */
  flags?: string;
  flagBits?: number;
  window?: number;
  headerLength?: number;
  payloadLength?: number;
  checksum?: number;
}

export interface VxlanLayer extends LayerBase {
  proto: 'vxlan';
  flags: number;
  vni: number;
  iFlag: boolean;
  reservedBitsSet: boolean;
  /** The Group Policy extension (G flag), else null. */
  gbp: { dontLearn: boolean; policyApplied: boolean; policyId: number } | null;
}

export interface VxlanGpeLayer extends LayerBase {
  proto: 'vxlan-gpe';
  flags: number;
  vni: number;
  nextProtocol: number;
}

export interface GeneveLayer extends LayerBase {
  proto: 'geneve';
  version: number;
  vni: number;
  protocolType: number;
  optionsLength: number;
  oam: boolean;
  critical: boolean;
  options: GeneveOption[];
}

export interface GreLayer extends LayerBase {
  proto: 'gre';
  checksumPresent: boolean;
  routingPresent: boolean;
  keyPresent: boolean;
  seqPresent: boolean;
  version: number;
  protocolType: number;
  checksum: number | null;
  key: number | null;
  seq: number | null;
  /** Enhanced GRE (PPTP, version 1). */
  ack?: number;
  /** NVGRE (a key and protocol 0x6558): there is no separate NVGRE layer. */
  vsid?: number;
  flowId?: number;
  /** PPTP's enhanced GRE key fields. */
  payloadLength?: number;
  callId?: number;
}

/** The ERSPAN type III platform-specific subheader's fields, by platform id. */
export interface ErspanPlatformFields {
  platformId: number;
  vsmDomainId?: number;
  portIndex?: number;
  timestampHigh?: number;
  switchId?: number;
  timestampSeconds?: number;
  sourceIndex?: number;
}

export interface ErspanLayer extends LayerBase, Partial<ErspanPlatformFields> {
  proto: 'erspan';
  /** 1, 2 or 3; null when the version field says neither. */
  type: number | null;
  /** The version field; null for type I (no header). */
  version: number | null;
  vlan?: number;
  cos?: number;
  truncated?: boolean;
  sessionId?: number;
  /** Type II. */
  encap?: number;
  reserved?: number;
  index?: number;
  /** Type III. */
  bso?: number;
  timestamp?: number;
  sgt?: number;
  ethernetPdu?: boolean;
  frameType?: number;
  hwId?: number;
  direction?: 'ingress' | 'egress';
  granularity?: number;
  platformPresent?: boolean;
}

export interface WireguardLayer extends LayerBase {
  proto: 'wireguard';
  /** Message type: 1 initiation, 2 response, 3 cookie reply, 4 data. */
  type: number;
  /** Data messages: the receiver index. */
  receiver?: number;
}

export interface BfdLayer extends LayerBase {
  proto: 'bfd';
  version: number;
  diag: number;
  state: number;
  stateName: string;
  flags: number;
  poll: boolean;
  final: boolean;
  controlPlaneIndependent: boolean;
  authPresent: boolean;
  demand: boolean;
  multipoint: boolean;
  detectMult: number;
  length: number;
  myDiscriminator: number;
  yourDiscriminator: number;
  desiredMinTxInterval: number;
  requiredMinRxInterval: number;
  requiredMinEchoRxInterval: number;
  authType?: number;
  authLength?: number;
}

/** Reassembly facts on a BGP message layer, present only when they say something. */
export interface BgpReassembly {
  /** The message came in this many TCP segments. */
  segments?: number;
  /** The frame of its first / last byte, when not this packet. */
  firstFrame?: number;
  lastFrame?: number;
  /** The sender, when not this packet's source (a message completed by the peer's ACK). */
  sender?: string;
}

/** One BGP message that completes in this packet, with its parsed fields (narrow further on `type`). */
export type BgpMessageLayer = LayerBase & BgpReassembly & { proto: 'bgp' } & BgpMessage;

/** A BGP message lost in a capture gap or cut off by the end of the stream. */
export interface BgpLostLayer extends LayerBase {
  proto: 'bgp';
  lost: true;
  type: string;
  typeCode: number;
  length: number;
  capturedBytes: number;
  missingBytes: number;
  firstFrame: number;
  error: string;
}

/** A TCP stream that stopped framing as BGP. */
export interface BgpFramingErrorLayer extends LayerBase {
  proto: 'bgp';
  type: 'UNKNOWN';
  typeCode: -1;
  error: string;
}

/** The `bgp` layers of `dissect --json`: one per message ending in the packet (from the BGP tracker). */
export type BgpLayer = BgpMessageLayer | BgpLostLayer | BgpFramingErrorLayer;

/**
 * A layer of a protocol no dissector describes. Every protocol the decoder pushes has one, so
 * this does not occur today; it keeps the union closed.
 */
export interface OtherLayer extends LayerBase {
  proto: 'none' | 'raw';
}

/** One layer of a dissected packet: narrow on `proto`. */
export type Layer =
  | EthernetLayer | VlanLayer | SllLayer | Sll2Layer | LoopbackLayer | ArpLayer
  | Ipv4Layer | Ipv6Layer | IcmpLayer | Icmpv6Layer | UdpLayer | TcpLayer
  | VxlanLayer | VxlanGpeLayer | GeneveLayer | GreLayer | ErspanLayer | WireguardLayer | BfdLayer
  | BgpLayer | OtherLayer;

/** Every `proto` value a layer can have. */
export type LayerProto = Layer['proto'];

/** The layer type for one `proto` value: `LayerOf<'vxlan'>` is VxlanLayer. */
export type LayerOf<P extends LayerProto> = Layer extends infer L ? (L extends { proto: infer Q } ? (P extends Q ? L : never) : never) : never;
