// Deterministic generator for the benchmark capture: a classic pcap (LINKTYPE_ETHERNET,
// microsecond timestamps, little-endian) of the traffic a Kubernetes node sees, seen from node
// 192.168.10.11. Shares are of packets; the defaults give, at 2M packets, about 1.7 GB:
//
//   20 %  VXLAN/UDP 4789 (VNI 4096, Calico)   inner Ethernet/IPv4/TCP between pod IPs
//   20 %  VXLAN/UDP 8472 (VNI 1, flannel)     same; outer UDP source port = hash of the inner flow
//   20 %  IP-in-IP (IPv4 protocol 4)          inner IPv4/TCP between pod IPs
//    5 %  NVGRE (GRE K bit, proto 0x6558)     key = VSID << 8 | FlowID, inner Ethernet/IPv4/TCP
//   30 %  plain: node-to-node TCP over IPv4 and IPv6 (dual stack), routed pod-to-pod TCP, some
//         node-to-node UDP; 40 % of the node-to-node flows 802.1Q tagged (VLAN 100 or 200)
//    5 %  BGP on TCP 179 (--bgp-share): 8 sessions (6 iBGP Calico peers in AS 64512, 2 eBGP
//         top-of-rack routers), one of which is shut down with a NOTIFICATION half-way and
//         re-established. Each session opens with the TCP handshake, OPEN (multiprotocol, route
//         refresh and 4-octet AS capabilities) and KEEPALIVE both ways; then every data segment
//         carries one UPDATE (80 %: withdrawals or NLRI with ORIGIN, AS_PATH, NEXT_HOP and
//         LOCAL_PREF or MED/COMMUNITIES, RFC 4271 section 4.3) or a KEEPALIVE, and is ACKed:
//         about 40 % of BGP packets carry an UPDATE.
//
// Flows (--flows, default 70,000, plus the BGP sessions) start and end over the whole capture
// (churn): most open with SYN, SYN-ACK, ACK (MSS, SACK, timestamps, window scale) and close with
// FIN, FIN, ACK; a few were already open when the capture started or are still open at its end.
// In between, the client sends small requests and the server answers with one to hundreds of
// segments (full-size up to the tunnel's MTU, the last one partial), ACKed every 2 to 16
// segments (delayed and stretch ACKs), so sizes mix ACKs, small requests and full segments. Flow lengths are heavy-tailed (Pareto):
// many short flows, a few elephants. Every packet has correct IP/UDP lengths and IPv4 header
// checksums; TCP checksums are 0. The same options give the same bytes.
//
//   node dist/bench/gen-mix.js [--packets N] [--flows N] [--bgp-share F] [--seed S] [--out PATH]

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface GenOptions {
  packets: number;
  out: string;
  /** Data flows (TCP and UDP), not counting the BGP sessions. */
  flows: number;
  seed: number;
  /** Share of packets on the BGP sessions (TCP 179), 0..0.5. */
  bgpShare: number;
}

export const GEN_DEFAULTS = { packets: 2_000_000, flows: 70_000, bgpShare: 0.05, seed: 0x7e11 } as const;

export type MixClass = 'vxlan4789' | 'vxlan8472' | 'ipip' | 'nvgre' | 'plain' | 'bgp';

export interface GenResult {
  packets: number;
  fileBytes: number;
  /** Data flows written (each has at least one packet). */
  flows: number;
  bgpSessions: number;
  bgpUpdates: number;
  bgpKeepalives: number;
  packetsByClass: Record<MixClass, number>;
  seconds: number;
}

/** Packet shares at the default 5 % BGP; the others scale with 1 - bgpShare. */
const SHARE_WITHOUT_BGP: ReadonlyArray<[MixClass, number]> = [
  ['vxlan4789', 0.20], ['vxlan8472', 0.20], ['ipip', 0.20], ['nvgre', 0.05], ['plain', 0.30],
];
const SHARE_SUM = 0.95;

// ---------------------------------------------------------------------------------------------
// PRNG: mulberry32, 32-bit state, plenty for traffic shaping.

class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  u32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }
}

// ---------------------------------------------------------------------------------------------
// Topology

const LOCAL_NODE = 0;
const NODE_COUNT = 24;
const PODS_PER_NODE = 200;
const IBGP_PEERS = 6;
const LOCAL_AS = 64512;
const TOR_AS = [65001, 65002];
const HOLD_TIME = 90;

const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;
const ETH_VLAN = 0x8100;
const ETH_TEB = 0x6558; // transparent Ethernet bridging (NVGRE payload)
const IP_IPIP = 4;
const IP_TCP = 6;
const IP_UDP = 17;
const IP_GRE = 47;
const LINK_MTU = 1500;

const TCP_FIN = 0x01;
const TCP_SYN = 0x02;
const TCP_ACK = 0x10;
const TCP_PSH_ACK = 0x18;
/** Options of a SYN: MSS, SACK permitted, timestamps, NOP, window scale. */
const SYN_OPTIONS = 20;
/** Options of every other segment: NOP, NOP, timestamps. */
const TS_OPTIONS = 12;

function ipv4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

/** A MAC address kept as two numbers (high 16 bits, low 32 bits) so writing it is two stores. */
interface Mac {
  hi: number;
  lo: number;
}

function mac(prefix: number, id: number): Mac {
  // Locally administered unicast: 02:xx:...
  return { hi: 0x0200 | (prefix & 0xff), lo: (0x4b000000 | (id & 0xffffff)) >>> 0 };
}

const nodeIp = (n: number): number => ipv4(192, 168, 10, 11 + n);
/** Low 32 bits of a node's IPv6 address fd00:10::11+n (the prefix is V6_PREFIX). */
const nodeIp6 = (n: number): number => 0x11 + n;
const V6_PREFIX = Buffer.from([0xfd, 0x00, 0x00, 0x10, 0, 0, 0, 0, 0, 0, 0, 0]);
const torIp = (t: number): number => ipv4(192, 168, 10, 1 + t);
const nodeMac = (n: number): Mac => mac(0x10, n);
const torMac = (t: number): Mac => mac(0x11, t);
const vtepMac = (n: number, flannel: boolean): Mac => mac(flannel ? 0x20 : 0x66, n);
const podIp = (n: number, host: number): number => ipv4(10, 244, n, 2 + host);
const podMac = (n: number, host: number): Mac => mac(0x30 + n, host);

// No plain-text HTTP or database ports: random payload on them makes tshark's dissectors
// complain. These are TLS-like (random payload is what TLS looks like to a dissector).
const SERVICE_PORTS = [443, 8443, 6443, 10250, 9090, 2379, 9100, 6379];
const UDP_PORTS = [7946, 8125, 9000, 5201];
const STRETCH_ACKS = [2, 3, 4, 8, 12, 16];

// ---------------------------------------------------------------------------------------------
// Flows

const enum Kind {
  VxlanCalico,
  VxlanFlannel,
  IpIp,
  Nvgre,
  Plain,
  Bgp,
}

const KIND_CLASS: MixClass[] = ['vxlan4789', 'vxlan8472', 'ipip', 'nvgre', 'plain', 'bgp'];

const enum Phase {
  Syn,
  SynAck,
  HandshakeAck,
  OpenA, // BGP: OPEN from the active side
  OpenB,
  KeepaliveA,
  KeepaliveB,
  Data,
  Notification, // BGP: NOTIFICATION (Cease) before the close
  Fin1,
  Fin2,
  LastAck,
  Done,
}

/** One direction of a flow: what its sender writes. */
interface Dir {
  srcMac: Mac; // outer (wire) Ethernet
  dstMac: Mac;
  outerSrc: number; // tunnel endpoints
  outerDst: number;
  innerSrcMac: Mac; // inner Ethernet of VXLAN / NVGRE
  innerDstMac: Mac;
  src: number; // (inner) IPv4 address, or the low 32 bits of an IPv6 one
  dst: number;
  sport: number;
  dport: number;
  entropyPort: number; // outer UDP source port of VXLAN
  seq: number;
  ipId: number;
  outerId: number;
  tsBase: number;
}

interface BgpSession {
  ebgp: boolean;
  /** AS of each side: [active (c), passive (s)]. */
  asC: number;
  asS: number;
  /** Node index whose pod blocks a side announces (-1: a router announcing external prefixes). */
  nodeC: number;
  nodeS: number;
  /** Probability that a data segment comes from the client side. */
  fromClient: number;
}

interface Flow {
  kind: Kind;
  v6: boolean;
  udp: boolean;
  vlan: number; // 0 = untagged
  vni: number;
  greKey: number;
  ttl: number;
  c: Dir; // client (sends the SYN)
  s: Dir;
  /** Packets still to write. */
  left: number;
  phase: Phase;
  fin: boolean;
  /** Packets the close needs (FIN, FIN, ACK and for BGP the NOTIFICATION). */
  tail: number;
  mss: number; // payload of a full segment (after the timestamp option)
  bulkFromClient: boolean;
  clientCloses: boolean;
  pending: number; // response segments still to send
  lastLen: number; // payload of the final response segment
  unacked: number; // segments the receiver has not ACKed yet
  /** Segments per ACK: 2 by RFC 1122's delayed ACK, more as stretch ACKs after GRO. */
  ackEvery: number;
  ackDue: boolean;
  ackFromClient: boolean; // who owes the ACK
  start: number; // µs
  gap: number; // mean µs between packets
  total: number; // packets in the flow
  bgp: BgpSession | null;
}

/** Hash of an inner 5-tuple, mapped into the Linux ephemeral range like udp_flow_src_port. */
function entropyPort(src: number, dst: number, sport: number, dport: number, proto: number): number {
  let h = 0x811c9dc5;
  for (const v of [src, dst, (sport << 16) | dport, proto]) {
    h = Math.imul(h ^ (v & 0xffff), 0x01000193);
    h = Math.imul(h ^ (v >>> 16), 0x01000193);
  }
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return 32768 + ((h >>> 0) % (61000 - 32768));
}

function makeDir(
  rng: Rng,
  srcMac: Mac, dstMac: Mac, outerSrc: number, outerDst: number,
  innerSrcMac: Mac, innerDstMac: Mac, src: number, dst: number, sport: number, dport: number, proto: number,
): Dir {
  return {
    srcMac, dstMac, outerSrc, outerDst, innerSrcMac, innerDstMac, src, dst, sport, dport,
    entropyPort: entropyPort(src, dst, sport, dport, proto),
    seq: rng.u32(),
    ipId: rng.int(65536),
    outerId: rng.int(65536),
    tsBase: rng.u32(),
  };
}

/**
 * Client ports: each client address takes ports in turn from a random start, as Linux does,
 * so two flows never share a 5-tuple (they would merge into one conversation).
 */
class PortAllocator {
  private readonly next = new Map<number, number>();
  constructor(private readonly rng: Rng) {}
  take(client: number): number {
    let n = this.next.get(client);
    if (n === undefined) n = this.rng.int(28232);
    this.next.set(client, n + 1);
    return 32768 + (n % 28232);
  }
}

function emptyFlow(kind: Kind, c: Dir, s: Dir): Flow {
  return {
    kind, v6: false, udp: false, vlan: 0, vni: 0, greKey: 0, ttl: 64, c, s,
    left: 0, phase: Phase.Data, fin: false, tail: 0, mss: 0, bulkFromClient: false, clientCloses: true,
    pending: 0, lastLen: 0, unacked: 0, ackEvery: 2, ackDue: false, ackFromClient: false, start: 0, gap: 0, total: 0, bgp: null,
  };
}

/** Largest IP packet inside the tunnel, from the encapsulation's overhead on a 1500-byte link. */
function innerMtu(kind: Kind): number {
  switch (kind) {
    case Kind.VxlanCalico:
    case Kind.VxlanFlannel: return LINK_MTU - 50;
    case Kind.Nvgre: return LINK_MTU - 42;
    case Kind.IpIp: return LINK_MTU - 20;
    default: return LINK_MTU;
  }
}

function makeDataFlow(rng: Rng, ports: PortAllocator, kind: Kind, index: number): Flow {
  const peer = 1 + rng.int(NODE_COUNT - 1);
  // The local node is the client or the server with equal odds.
  const localIsClient = rng.float() < 0.5;
  const cn = localIsClient ? LOCAL_NODE : peer;
  const sn = localIsClient ? peer : LOCAL_NODE;
  const ch = rng.int(PODS_PER_NODE);
  const sh = rng.int(PODS_PER_NODE);
  let cIp = podIp(cn, ch);
  let sIp = podIp(sn, sh);
  let cMac = nodeMac(cn);
  let sMac = nodeMac(sn);
  let v6 = false;
  let udp = false;
  let vlan = 0;
  let vni = 0;
  let greKey = 0;
  switch (kind) {
    case Kind.VxlanCalico:
      vni = 4096;
      cMac = vtepMac(cn, false);
      sMac = vtepMac(sn, false);
      break;
    case Kind.VxlanFlannel:
      vni = 1;
      cMac = vtepMac(cn, true);
      sMac = vtepMac(sn, true);
      break;
    case Kind.Nvgre: {
      const vsid = 5001 + rng.int(4);
      greKey = ((vsid << 8) | (index & 0xff)) >>> 0;
      cMac = podMac(cn, ch);
      sMac = podMac(sn, sh);
      break;
    }
    case Kind.Plain: {
      const r = rng.float();
      if (r < 0.04) {
        // Node-to-node UDP (memberlist gossip, statsd...).
        udp = true;
        cIp = nodeIp(cn);
        sIp = nodeIp(sn);
      } else if (r < 0.5) {
        // Routed pod-to-pod TCP (no encapsulation, as in Calico's BGP mode): pod IPs, untagged.
      } else {
        // Node-to-node TCP: kubelet, API server, etcd, metrics; dual stack.
        v6 = r < 0.75;
        cIp = v6 ? nodeIp6(cn) : nodeIp(cn);
        sIp = v6 ? nodeIp6(sn) : nodeIp(sn);
      }
      // Node-to-node traffic crosses the VLANs of the underlay.
      const nodeToNode = r < 0.04 || r >= 0.5;
      if (nodeToNode && rng.float() < 0.4) vlan = rng.float() < 0.5 ? 100 : 200;
      break;
    }
    default: // IP-in-IP has no inner Ethernet header
      break;
  }
  const proto = udp ? IP_UDP : IP_TCP;
  const sport = ports.take(v6 ? cIp + 0x100000 : cIp);
  const dport = udp ? UDP_PORTS[rng.int(UDP_PORTS.length)]! : SERVICE_PORTS[rng.int(SERVICE_PORTS.length)]!;
  // Nodes share one L2 segment, so outer MACs are the two nodes' own MACs.
  const c = makeDir(rng, nodeMac(cn), nodeMac(sn), nodeIp(cn), nodeIp(sn), cMac, sMac, cIp, sIp, sport, dport, proto);
  const s = makeDir(rng, nodeMac(sn), nodeMac(cn), nodeIp(sn), nodeIp(cn), sMac, cMac, sIp, cIp, dport, sport, proto);
  const f = emptyFlow(kind, c, s);
  f.v6 = v6;
  f.udp = udp;
  f.vlan = vlan;
  f.vni = vni;
  f.greKey = greKey;
  f.mss = innerMtu(kind) - (v6 ? 40 : 20) - 20 - TS_OPTIONS;
  f.bulkFromClient = rng.float() < 0.2;
  f.clientCloses = rng.float() < 0.8;
  f.ackEvery = STRETCH_ACKS[rng.int(STRETCH_ACKS.length)]!;
  return f;
}

function makeBgpFlow(rng: Rng, ports: PortAllocator, peer: number): Flow {
  // peer < IBGP_PEERS: a Calico node (iBGP full mesh); otherwise a top-of-rack router (eBGP).
  const ebgp = peer >= IBGP_PEERS;
  const tor = peer - IBGP_PEERS;
  const remoteIp = ebgp ? torIp(tor) : nodeIp(1 + peer);
  const remoteMac = ebgp ? torMac(tor) : nodeMac(1 + peer);
  const localActive = rng.float() < 0.5;
  const [cIp, sIp, cMac, sMac] = localActive
    ? [nodeIp(LOCAL_NODE), remoteIp, nodeMac(LOCAL_NODE), remoteMac]
    : [remoteIp, nodeIp(LOCAL_NODE), remoteMac, nodeMac(LOCAL_NODE)];
  const sport = ports.take(cIp);
  const c = makeDir(rng, cMac, sMac, cIp, sIp, cMac, sMac, cIp, sIp, sport, 179, IP_TCP);
  const s = makeDir(rng, sMac, cMac, sIp, cIp, sMac, cMac, sIp, cIp, 179, sport, IP_TCP);
  const f = emptyFlow(Kind.Bgp, c, s);
  const remoteAs = ebgp ? TOR_AS[tor]! : LOCAL_AS;
  const remoteNode = ebgp ? -1 : 1 + peer;
  f.mss = LINK_MTU - 20 - 20 - TS_OPTIONS;
  f.bgp = {
    ebgp,
    asC: localActive ? LOCAL_AS : remoteAs,
    asS: localActive ? remoteAs : LOCAL_AS,
    nodeC: localActive ? LOCAL_NODE : remoteNode,
    nodeS: localActive ? remoteNode : LOCAL_NODE,
    // A router sends most of the UPDATEs (the outside world's routes); node peers both ways.
    fromClient: ebgp ? (localActive ? 0.25 : 0.75) : 0.5,
  };
  return f;
}

// ---------------------------------------------------------------------------------------------
// Byte writers: all multi-byte header fields are big-endian, the pcap headers little-endian.

function w16(b: Buffer, o: number, v: number): void {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
}

function w32(b: Buffer, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

function wMac(b: Buffer, o: number, m: Mac): void {
  w16(b, o, m.hi);
  w32(b, o + 2, m.lo);
}

/** Ethernet (optionally 802.1Q) header; returns the offset after it. */
function eth(b: Buffer, o: number, dst: Mac, src: Mac, vlan: number, type: number): number {
  wMac(b, o, dst);
  wMac(b, o + 6, src);
  if (vlan !== 0) {
    w16(b, o + 12, ETH_VLAN);
    w16(b, o + 14, vlan & 0x0fff);
    w16(b, o + 16, type);
    return o + 18;
  }
  w16(b, o + 12, type);
  return o + 14;
}

/** IPv4 header without options (DF set), checksum computed; returns the offset after it. */
function ip4(b: Buffer, o: number, total: number, id: number, ttl: number, proto: number,
  src: number, dst: number): number {
  b[o] = 0x45;
  b[o + 1] = 0;
  w16(b, o + 2, total);
  w16(b, o + 4, id);
  w16(b, o + 6, 0x4000);
  b[o + 8] = ttl;
  b[o + 9] = proto;
  w32(b, o + 12, src);
  w32(b, o + 16, dst);
  let sum = 0x4500 + total + id + 0x4000 + ((ttl << 8) | proto)
    + (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff);
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  w16(b, o + 10, ~sum & 0xffff);
  return o + 20;
}

/** IPv6 header, addresses V6_PREFIX + the given low 32 bits; returns the offset after it. */
function ip6(b: Buffer, o: number, payloadLen: number, next: number, flowLabel: number,
  src: number, dst: number): number {
  w32(b, o, (0x60000000 | (flowLabel & 0xfffff)) >>> 0);
  w16(b, o + 4, payloadLen);
  b[o + 6] = next;
  b[o + 7] = 64;
  V6_PREFIX.copy(b, o + 8);
  w32(b, o + 20, src);
  V6_PREFIX.copy(b, o + 24);
  w32(b, o + 36, dst);
  return o + 40;
}

function udpHdr(b: Buffer, o: number, sport: number, dport: number, len: number): number {
  w16(b, o, sport);
  w16(b, o + 2, dport);
  w16(b, o + 4, len);
  w16(b, o + 6, 0); // no checksum (allowed for UDP over IPv4)
  return o + 8;
}

/** TCP header with a SYN's options or the timestamp option; returns the offset after it. */
function tcpHdr(b: Buffer, o: number, d: Dir, ack: number, flags: number, tsval: number, tsecr: number,
  mss: number): number {
  const syn = (flags & TCP_SYN) !== 0;
  w16(b, o, d.sport);
  w16(b, o + 2, d.dport);
  w32(b, o + 4, d.seq);
  w32(b, o + 8, (flags & TCP_ACK) !== 0 ? ack : 0);
  b[o + 12] = ((20 + (syn ? SYN_OPTIONS : TS_OPTIONS)) / 4) << 4;
  b[o + 13] = flags;
  w16(b, o + 14, syn ? 64240 : 502);
  w32(b, o + 16, 0); // checksum 0, urgent pointer 0
  const p = o + 20;
  if (syn) {
    b[p] = 2; b[p + 1] = 4; w16(b, p + 2, mss + TS_OPTIONS); // MSS excludes options
    b[p + 4] = 4; b[p + 5] = 2; // SACK permitted
    b[p + 6] = 8; b[p + 7] = 10; w32(b, p + 8, tsval); w32(b, p + 12, tsecr);
    b[p + 16] = 1; // NOP
    b[p + 17] = 3; b[p + 18] = 3; b[p + 19] = 7; // window scale 7
    return p + SYN_OPTIONS;
  }
  b[p] = 1; b[p + 1] = 1;
  b[p + 2] = 8; b[p + 3] = 10; w32(b, p + 4, tsval); w32(b, p + 8, tsecr);
  return p + TS_OPTIONS;
}

// ---------------------------------------------------------------------------------------------
// BGP messages (RFC 4271 section 4), written into a scratch buffer

const BGP_OPEN = 1;
const BGP_UPDATE = 2;
const BGP_NOTIFICATION = 3;
const BGP_KEEPALIVE = 4;
const BGP_HEADER = 19;

/** Marker and type; the length is filled in by bgpEnd. Returns the offset after the header. */
function bgpStart(b: Buffer, o: number, type: number): number {
  b.fill(0xff, o, o + 16);
  b[o + 18] = type;
  return o + BGP_HEADER;
}

function bgpEnd(b: Buffer, start: number, end: number): number {
  w16(b, start + 16, end - start);
  return end - start;
}

function bgpOpen(b: Buffer, as: number, id: number): number {
  let o = bgpStart(b, 0, BGP_OPEN);
  b[o] = 4; // version
  w16(b, o + 1, as); // all ASes here fit in two octets
  w16(b, o + 3, HOLD_TIME);
  w32(b, o + 5, id);
  b[o + 9] = 16; // optional parameters length
  o += 10;
  b[o] = 2; b[o + 1] = 14; // one Capabilities parameter (RFC 5492)
  b[o + 2] = 1; b[o + 3] = 4; w16(b, o + 4, 1); b[o + 6] = 0; b[o + 7] = 1; // multiprotocol IPv4 unicast
  b[o + 8] = 2; b[o + 9] = 0; // route refresh
  b[o + 10] = 65; b[o + 11] = 4; w32(b, o + 12, as); // 4-octet AS (RFC 6793)
  return bgpEnd(b, 0, o + 16);
}

function bgpKeepalive(b: Buffer): number {
  return bgpEnd(b, 0, bgpStart(b, 0, BGP_KEEPALIVE));
}

function bgpNotification(b: Buffer): number {
  const o = bgpStart(b, 0, BGP_NOTIFICATION);
  b[o] = 6; // Cease
  b[o + 1] = 4; // Administrative Reset
  return bgpEnd(b, 0, o + 2);
}

/** Prefix as in NLRI: length octet then the significant octets. */
function prefix(b: Buffer, o: number, addr: number, len: number): number {
  b[o] = len;
  const bytes = (len + 7) >> 3;
  const masked = len === 0 ? 0 : (addr & (0xffffffff << (32 - len))) >>> 0;
  for (let i = 0; i < bytes; i++) b[o + 1 + i] = (masked >>> (24 - 8 * i)) & 0xff;
  return o + 1 + bytes;
}

/** A route the sender could announce: a pod block of its node, or for a router an outside prefix. */
function routeFor(rng: Rng, b: Buffer, o: number, node: number): number {
  if (node < 0) {
    const len = 16 + rng.int(9);
    const addr = rng.float() < 0.5
      ? ipv4(172, 16 + rng.int(16), rng.int(256), 0)
      : ipv4(100, 64 + rng.int(64), rng.int(256), 0);
    return prefix(b, o, addr, len);
  }
  // Calico announces /26 blocks, and /32s for addresses borrowed from another node's block.
  return rng.float() < 0.75
    ? prefix(b, o, ipv4(10, 244, node, rng.int(4) * 64), 26)
    : prefix(b, o, podIp(rng.int(NODE_COUNT), rng.int(PODS_PER_NODE)), 32);
}

function bgpUpdate(rng: Rng, b: Buffer, sess: BgpSession, fromClient: boolean, nextHop: number): number {
  const node = fromClient ? sess.nodeC : sess.nodeS;
  const as = fromClient ? sess.asC : sess.asS;
  let o = bgpStart(b, 0, BGP_UPDATE);
  if (rng.float() < 0.2) {
    // Withdrawal only: withdrawn routes, empty path attributes, no NLRI.
    const lenAt = o;
    o += 2;
    for (let n = 1 + rng.int(4); n > 0; n--) o = routeFor(rng, b, o, node);
    w16(b, lenAt, o - lenAt - 2);
    w16(b, o, 0);
    return bgpEnd(b, 0, o + 2);
  }
  w16(b, o, 0); // no withdrawn routes
  o += 2;
  const attrLenAt = o;
  o += 2;
  const attrs = o;
  // ORIGIN (well-known mandatory): IGP, or INCOMPLETE for redistributed routes.
  b[o] = 0x40; b[o + 1] = 1; b[o + 2] = 1; b[o + 3] = node < 0 && rng.float() < 0.3 ? 2 : 0;
  o += 4;
  // AS_PATH: empty inside the AS, one AS_SEQUENCE of 4-octet ASes across an eBGP session.
  b[o] = 0x40; b[o + 1] = 2;
  if (!sess.ebgp) {
    b[o + 2] = 0;
    o += 3;
  } else {
    const hops = node < 0 ? 1 + rng.int(4) : 1;
    b[o + 2] = 2 + 4 * hops;
    b[o + 3] = 2; // AS_SEQUENCE
    b[o + 4] = hops;
    w32(b, o + 5, as);
    for (let h = 1; h < hops; h++) w32(b, o + 5 + 4 * h, 65100 + rng.int(800));
    o += 5 + 4 * hops;
  }
  // NEXT_HOP
  b[o] = 0x40; b[o + 1] = 3; b[o + 2] = 4; w32(b, o + 3, nextHop);
  o += 7;
  if (!sess.ebgp) {
    // LOCAL_PREF (iBGP only)
    b[o] = 0x40; b[o + 1] = 5; b[o + 2] = 4; w32(b, o + 3, 100);
    o += 7;
  } else if (node < 0) {
    if (rng.float() < 0.5) {
      // MULTI_EXIT_DISC (optional non-transitive)
      b[o] = 0x80; b[o + 1] = 4; b[o + 2] = 4; w32(b, o + 3, rng.int(1000));
      o += 7;
    }
    if (rng.float() < 0.5) {
      // COMMUNITIES (optional transitive, RFC 1997)
      const n = 1 + rng.int(3);
      b[o] = 0xc0; b[o + 1] = 8; b[o + 2] = 4 * n;
      for (let i = 0; i < n; i++) w32(b, o + 3 + 4 * i, ((as & 0xffff) * 65536 + 100 + rng.int(50)) >>> 0);
      o += 3 + 4 * n;
    }
  }
  w16(b, attrLenAt, o - attrs);
  for (let n = 1 + rng.int(6); n > 0; n--) o = routeFor(rng, b, o, node);
  return bgpEnd(b, 0, o);
}

// ---------------------------------------------------------------------------------------------
// Packet and flow-length budget

const BUF_SIZE = 16 << 20;
const MAX_RECORD = 16 + 18 + LINK_MTU;

/** The 24-byte classic pcap global header (little-endian, µs, snaplen 262144, Ethernet); returns the next offset. */
export function writePcapHeader(b: Buffer, off: number): number {
  b.writeUInt32LE(0xa1b2c3d4, off);
  b.writeUInt16LE(2, off + 4);
  b.writeUInt16LE(4, off + 6);
  b.writeInt32LE(0, off + 8);
  b.writeUInt32LE(0, off + 12);
  b.writeUInt32LE(262144, off + 16);
  b.writeUInt32LE(1, off + 20); // LINKTYPE_ETHERNET
  return off + 24;
}

class Writer {
  readonly buf = Buffer.alloc(BUF_SIZE);
  off = 0;
  written = 0;
  constructor(private readonly fd: number) {}

  flush(): void {
    let done = 0;
    while (done < this.off) done += fs.writeSync(this.fd, this.buf, done, this.off - done);
    this.written += this.off;
    this.off = 0;
  }

  ensure(): void {
    if (this.off + MAX_RECORD > BUF_SIZE) this.flush();
  }
}

/**
 * Splits `packets` over `n` flows: a minimum each, the rest in proportion to Pareto weights
 * (alpha 1.1, capped), so most flows are short and a few carry a large share. Sums exactly.
 */
function flowLengths(rng: Rng, n: number, packets: number): number[] {
  if (n === 0) return [];
  const min = Math.max(1, Math.min(8, Math.floor(packets / n / 2)));
  const weights: number[] = [];
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const w = Math.min(20000, Math.pow(1 - rng.float(), -1 / 1.1));
    weights.push(w);
    sum += w;
  }
  const spread = Math.max(0, packets - n * min);
  const lengths = weights.map((w) => min + Math.floor((w * spread) / sum));
  let rest = packets - lengths.reduce((a, b) => a + b, 0);
  for (let i = 0; rest > 0; i = (i + 1) % n, rest--) lengths[i]!++;
  return lengths;
}

/** Response length in segments for one request: mostly one or a few, sometimes a bulk transfer. */
function responseSegments(rng: Rng, flowLen: number): number {
  const r = rng.float();
  if (flowLen > 60 && r < 0.6) return 10 + rng.int(flowLen >> 1); // a download
  if (r < 0.2) return 1;
  if (r < 0.5) return 2 + rng.int(5);
  if (r < 0.85) return 6 + rng.int(25);
  return 30 + rng.int(270);
}

/** Binary min-heap of flow indices keyed by the time of their next packet. */
class TimeHeap {
  private readonly ids: number[] = [];
  private readonly keys: number[] = [];
  get size(): number {
    return this.ids.length;
  }
  topKey(): number {
    return this.keys[0]!;
  }
  push(id: number, key: number): void {
    const ids = this.ids;
    const keys = this.keys;
    let i = ids.length;
    ids.push(id);
    keys.push(key);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (keys[p]! <= key) break;
      ids[i] = ids[p]!;
      keys[i] = keys[p]!;
      i = p;
    }
    ids[i] = id;
    keys[i] = key;
  }
  /** Removes the earliest entry and returns its id (the key is topKey() before the call). */
  pop(): number {
    const ids = this.ids;
    const keys = this.keys;
    const top = ids[0]!;
    const lastId = ids.pop()!;
    const lastKey = keys.pop()!;
    const n = ids.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && keys[r]! < keys[l]! ? r : l;
        if (keys[c]! >= lastKey) break;
        ids[i] = ids[c]!;
        keys[i] = keys[c]!;
        i = c;
      }
      ids[i] = lastId;
      keys[i] = lastKey;
    }
    return top;
  }
}

// Payload bytes come from a fixed pseudo-random block, copied with memcpy.
const PATTERN_SIZE = 8192;
/** Mean time between two packets of the capture: 2M packets span about two minutes. */
const MEAN_PACKET_GAP_US = 60;
/** Share of data segments that carry a KEEPALIVE instead of an UPDATE. */
const BGP_KEEPALIVE_SHARE = 0.2;

export function generate(opts: GenOptions): GenResult {
  const t0 = process.hrtime.bigint();
  if (!(opts.bgpShare >= 0 && opts.bgpShare <= 0.5)) throw new Error('bgpShare must be within 0..0.5');
  const rng = new Rng(opts.seed);
  const ports = new PortAllocator(rng);
  const N = opts.packets;
  const span = N * MEAN_PACKET_GAP_US;

  // Packet budget per class, then flows per class in proportion.
  let bgpPackets = Math.round(N * opts.bgpShare);
  // A session needs its handshake, OPENs and KEEPALIVEs (and 4 more packets for a close).
  const sessions = bgpPackets < 24 ? 0 : Math.min(IBGP_PEERS + TOR_AS.length, Math.floor(bgpPackets / 24));
  if (sessions === 0) bgpPackets = 0;
  const dataPackets = N - bgpPackets;
  const kinds: Kind[] = [Kind.VxlanCalico, Kind.VxlanFlannel, Kind.IpIp, Kind.Nvgre, Kind.Plain];
  const classPackets = SHARE_WITHOUT_BGP.map(([, s]) => Math.floor((dataPackets * s) / SHARE_SUM));
  classPackets[classPackets.length - 1]! += dataPackets - classPackets.reduce((a, b) => a + b, 0);
  const nFlows = Math.min(opts.flows, dataPackets);
  const classFlows = SHARE_WITHOUT_BGP.map(([, s]) => Math.floor((nFlows * s) / SHARE_SUM));
  classFlows[classFlows.length - 1]! += nFlows - classFlows.reduce((a, b) => a + b, 0);
  for (let k = 0; k < kinds.length; k++) {
    // Never more flows than packets in a class: every flow writes at least one packet.
    if (classFlows[k]! > classPackets[k]!) classFlows[k] = classPackets[k]!;
    // ...and at least one flow where the class has packets.
    if (classFlows[k] === 0 && classPackets[k]! > 0) classFlows[k] = 1;
  }

  const flows: Flow[] = [];
  for (let k = 0; k < kinds.length; k++) {
    const lengths = flowLengths(rng, classFlows[k]!, classPackets[k]!);
    for (const len of lengths) {
      const f = makeDataFlow(rng, ports, kinds[k]!, flows.length);
      f.left = len;
      // Per-flow pace: interactive flows are slow, bulk ones fast. Duration = length x gap.
      const gap = 100 * Math.pow(300, rng.float()); // 100 µs .. 30 ms
      const duration = Math.min(len * gap, span * 0.98);
      f.gap = duration / len;
      const r = rng.float();
      const openBefore = r < 0.03; // already established when the capture started
      const openAfter = r > 0.97; // still established when it ends
      f.start = openBefore ? rng.float() * span * 0.01
        : openAfter ? Math.max(0, span - duration)
        : rng.float() * (span - duration);
      const full = f.udp ? 0 : 3 + 3 + 2;
      const withSyn = !f.udp && !openBefore && len >= (openAfter ? 5 : full);
      f.fin = !f.udp && !openAfter && len >= (withSyn ? full : 5);
      f.tail = f.fin ? 3 : 0;
      f.phase = withSyn ? Phase.Syn : Phase.Data;
      flows.push(f);
    }
  }
  const dataFlowCount = flows.length;

  // BGP: one session per peer; the first node peer's session is reset half-way and reopened.
  if (sessions > 0) {
    const peers: number[] = [];
    for (let p = 0; p < sessions; p++) peers.push(p >= sessions - TOR_AS.length && sessions > TOR_AS.length ? IBGP_PEERS + (p - (sessions - TOR_AS.length)) : p);
    const weights = peers.map((p) => (p >= IBGP_PEERS ? 3 : 1));
    const wsum = weights.reduce((a, b) => a + b, 0);
    let given = 0;
    for (let i = 0; i < peers.length; i++) {
      const budget = i === peers.length - 1 ? bgpPackets - given : Math.floor((bgpPackets * weights[i]!) / wsum);
      given += budget;
      const f = makeBgpFlow(rng, ports, peers[i]!);
      f.phase = Phase.Syn;
      if (i === 0 && budget >= 48) {
        // Reset: NOTIFICATION, close, and a new connection later on.
        const first = Math.floor(budget / 2);
        f.left = first;
        f.fin = true;
        f.tail = 4;
        f.start = span * 0.001;
        f.gap = (span * 0.5) / first;
        flows.push(f);
        const again = makeBgpFlow(rng, ports, peers[i]!);
        again.phase = Phase.Syn;
        again.left = budget - first;
        again.start = span * 0.52;
        again.gap = (span * 0.47) / again.left;
        flows.push(again);
      } else {
        f.left = budget;
        f.start = span * 0.001 * (1 + i);
        f.gap = (span * 0.98) / budget;
        flows.push(f);
      }
    }
  }

  const pattern = Buffer.alloc(PATTERN_SIZE);
  // TCP payload is random (it stands for TLS records); the second half stays zero and is used
  // for UDP payloads, which keeps tshark's heuristic UDP dissectors (RTCP...) quiet.
  for (let i = 0; i < PATTERN_SIZE / 2; i += 4) pattern.writeUInt32LE(rng.u32(), i);
  const bgpMsg = Buffer.alloc(4096);

  fs.mkdirSync(path.dirname(path.resolve(opts.out)), { recursive: true });
  const tmp = `${opts.out}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  const w = new Writer(fd);
  const b = w.buf;

  w.off = writePcapHeader(b, 0);

  const packetsByClass: Record<MixClass, number> = { vxlan4789: 0, vxlan8472: 0, ipip: 0, nvgre: 0, plain: 0, bgp: 0 };
  let bgpUpdates = 0;
  let bgpKeepalives = 0;
  let now = 0; // µs since the first packet

  /**
   * Writes one packet of flow f sent by `d` (to `o`): TCP with `flags` or UDP, `payLen` bytes
   * taken from `src` at `srcOff`, wrapped in the flow's encapsulation.
   */
  function packet(f: Flow, d: Dir, o: Dir, flags: number, payLen: number, src: Buffer, srcOff: number): void {
    w.ensure();
    const rec = w.off;
    let p = rec + 16;
    const ms = Math.floor(now / 1000);
    const l4 = f.udp ? 8 : 20 + ((flags & TCP_SYN) !== 0 ? SYN_OPTIONS : TS_OPTIONS);
    const ipHdr = f.v6 ? 40 : 20;
    const innerTotal = ipHdr + l4 + payLen;
    const innerType = f.v6 ? ETH_IPV6 : ETH_IPV4;
    switch (f.kind) {
      case Kind.VxlanCalico:
      case Kind.VxlanFlannel: {
        const outerTotal = 20 + 8 + 8 + 14 + innerTotal;
        p = eth(b, p, d.dstMac, d.srcMac, 0, ETH_IPV4);
        p = ip4(b, p, outerTotal, d.outerId, 64, IP_UDP, d.outerSrc, d.outerDst);
        p = udpHdr(b, p, d.entropyPort, f.kind === Kind.VxlanCalico ? 4789 : 8472, outerTotal - 20);
        w32(b, p, 0x08000000); // I flag
        w32(b, p + 4, (f.vni << 8) >>> 0);
        p = eth(b, p + 8, d.innerDstMac, d.innerSrcMac, 0, innerType);
        break;
      }
      case Kind.Nvgre:
        p = eth(b, p, d.dstMac, d.srcMac, 0, ETH_IPV4);
        p = ip4(b, p, 20 + 8 + 14 + innerTotal, d.outerId, 64, IP_GRE, d.outerSrc, d.outerDst);
        w16(b, p, 0x2000); // K bit, version 0
        w16(b, p + 2, ETH_TEB);
        w32(b, p + 4, f.greKey);
        p = eth(b, p + 8, d.innerDstMac, d.innerSrcMac, 0, innerType);
        break;
      case Kind.IpIp:
        p = eth(b, p, d.dstMac, d.srcMac, 0, ETH_IPV4);
        p = ip4(b, p, 20 + innerTotal, d.outerId, 64, IP_IPIP, d.outerSrc, d.outerDst);
        break;
      default:
        p = eth(b, p, d.dstMac, d.srcMac, f.vlan, innerType);
    }
    if (f.kind !== Kind.Plain && f.kind !== Kind.Bgp) d.outerId = (d.outerId + 1) & 0xffff;
    const proto = f.udp ? IP_UDP : IP_TCP;
    p = f.v6
      ? ip6(b, p, innerTotal - 40, proto, d.entropyPort, d.src, d.dst)
      : ip4(b, p, innerTotal, d.ipId, f.ttl, proto, d.src, d.dst);
    d.ipId = (d.ipId + 1) & 0xffff;
    p = f.udp
      ? udpHdr(b, p, d.sport, d.dport, 8 + payLen)
      : tcpHdr(b, p, d, o.seq, flags, (d.tsBase + ms) >>> 0, (flags & TCP_ACK) !== 0 ? (o.tsBase + ms) >>> 0 : 0, f.mss);
    if (payLen > 0) {
      src.copy(b, p, srcOff, srcOff + payLen);
      p += payLen;
    }
    if (!f.udp) d.seq = (d.seq + payLen + ((flags & (TCP_SYN | TCP_FIN)) !== 0 ? 1 : 0)) >>> 0;
    const caplen = p - rec - 16;
    b.writeUInt32LE(1_700_000_000 + Math.floor(now / 1e6), rec);
    b.writeUInt32LE(Math.floor(now) % 1_000_000, rec + 4);
    b.writeUInt32LE(caplen, rec + 8);
    b.writeUInt32LE(caplen, rec + 12);
    w.off = p;
    packetsByClass[KIND_CLASS[f.kind]!]++;
  }

  const randomPayload = (d: Dir, len: number): number => (d.seq >>> 3) % (PATTERN_SIZE / 2 - len + 1);

  /** Writes the next packet of f; returns the pause before its following one (below 1: a burst). */
  function step(f: Flow): number {
    const c = f.c;
    const s = f.s;
    f.left--;
    switch (f.phase) {
      case Phase.Syn:
        packet(f, c, s, TCP_SYN, 0, pattern, 0);
        f.phase = Phase.SynAck;
        return 0.3;
      case Phase.SynAck:
        packet(f, s, c, TCP_SYN | TCP_ACK, 0, pattern, 0);
        f.phase = Phase.HandshakeAck;
        return 0.3;
      case Phase.HandshakeAck:
        packet(f, c, s, TCP_ACK, 0, pattern, 0);
        f.phase = f.bgp !== null ? Phase.OpenA : f.left > f.tail ? Phase.Data : Phase.Fin1;
        return 0.5;
      case Phase.OpenA:
      case Phase.OpenB: {
        const fromC = f.phase === Phase.OpenA;
        const d = fromC ? c : s;
        const len = bgpOpen(bgpMsg, fromC ? f.bgp!.asC : f.bgp!.asS, d.src);
        packet(f, d, fromC ? s : c, TCP_PSH_ACK, len, bgpMsg, 0);
        f.phase = fromC ? Phase.OpenB : Phase.KeepaliveA;
        return 0.3;
      }
      case Phase.KeepaliveA:
      case Phase.KeepaliveB: {
        const fromC = f.phase === Phase.KeepaliveA;
        packet(f, fromC ? c : s, fromC ? s : c, TCP_PSH_ACK, bgpKeepalive(bgpMsg), bgpMsg, 0);
        bgpKeepalives++;
        f.phase = fromC ? Phase.KeepaliveB : f.left > f.tail ? Phase.Data : Phase.Notification;
        return 0.5;
      }
      case Phase.Data: {
        let pause: number;
        if (f.bgp !== null) pause = bgpData(f);
        else if (f.udp) pause = udpData(f);
        else pause = tcpData(f);
        if (f.left <= f.tail) f.phase = !f.fin ? Phase.Done : f.bgp !== null ? Phase.Notification : Phase.Fin1;
        return pause;
      }
      case Phase.Notification:
        packet(f, c, s, TCP_PSH_ACK, bgpNotification(bgpMsg), bgpMsg, 0);
        f.phase = Phase.Fin1;
        return 0.2;
      case Phase.Fin1:
        if (f.clientCloses) packet(f, c, s, TCP_FIN | TCP_ACK, 0, pattern, 0);
        else packet(f, s, c, TCP_FIN | TCP_ACK, 0, pattern, 0);
        f.phase = Phase.Fin2;
        return 0.3;
      case Phase.Fin2:
        if (f.clientCloses) packet(f, s, c, TCP_FIN | TCP_ACK, 0, pattern, 0);
        else packet(f, c, s, TCP_FIN | TCP_ACK, 0, pattern, 0);
        f.phase = Phase.LastAck;
        return 0.3;
      case Phase.LastAck:
        if (f.clientCloses) packet(f, c, s, TCP_ACK, 0, pattern, 0);
        else packet(f, s, c, TCP_ACK, 0, pattern, 0);
        f.phase = Phase.Done;
        return 1;
      default:
        throw new Error('flow written past its end');
    }
  }

  function tcpData(f: Flow): number {
    const sender = f.bulkFromClient ? f.c : f.s;
    const receiver = f.bulkFromClient ? f.s : f.c;
    if (f.ackDue) {
      if (f.ackFromClient) packet(f, f.c, f.s, TCP_ACK, 0, pattern, 0);
      else packet(f, f.s, f.c, TCP_ACK, 0, pattern, 0);
      f.ackDue = false;
      f.unacked = 0;
      return f.pending > 0 ? 0.1 : 1;
    }
    if (f.pending > 0) {
      const len = f.pending === 1 ? f.lastLen : f.mss;
      packet(f, sender, receiver, TCP_PSH_ACK, len, pattern, randomPayload(sender, len));
      f.pending--;
      f.unacked++;
      // The end of an answer is ACKed by the client's next request or its FIN, or by a
      // delayed ACK when the flow pauses (every other time here).
      if (f.unacked >= f.ackEvery || (f.pending === 0 && rng.float() < 0.5)) {
        f.ackDue = true;
        f.ackFromClient = !f.bulkFromClient;
      }
      return 0.15;
    }
    // A request from the client, then the answer: `k` segments and their ACKs fit what is left.
    const len = rng.float() < 0.9 ? 40 + rng.int(560) : 600 + rng.int(f.mss - 600);
    packet(f, f.c, f.s, TCP_PSH_ACK, len, pattern, randomPayload(f.c, len));
    const room = f.left - f.tail;
    let k = responseSegments(rng, f.left);
    k = Math.min(k, Math.floor((room * 2) / 3));
    // With bulkFromClient the answer is an upload: the client's data follows its request
    // header and the server ACKs it.
    f.pending = k;
    if (k === 0 && room > 0) {
      f.ackDue = true; // the server only ACKs the request
      f.ackFromClient = false;
    }
    f.lastLen = 1 + rng.int(f.mss);
    f.unacked = 0;
    return 2;
  }

  function udpData(f: Flow): number {
    const fromClient = rng.float() < 0.55;
    const len = 40 + rng.int(460);
    packet(f, fromClient ? f.c : f.s, fromClient ? f.s : f.c, 0, len, pattern, PATTERN_SIZE / 2);
    return 1;
  }

  function bgpData(f: Flow): number {
    const sess = f.bgp!;
    if (f.ackDue) {
      const fromC = f.ackFromClient;
      packet(f, fromC ? f.c : f.s, fromC ? f.s : f.c, TCP_ACK, 0, pattern, 0);
      f.ackDue = false;
      return 1.8;
    }
    const fromC = rng.float() < sess.fromClient;
    const d = fromC ? f.c : f.s;
    let len: number;
    if (rng.float() < BGP_KEEPALIVE_SHARE) {
      len = bgpKeepalive(bgpMsg);
      bgpKeepalives++;
    } else {
      len = bgpUpdate(rng, bgpMsg, sess, fromC, d.src);
      bgpUpdates++;
    }
    packet(f, d, fromC ? f.s : f.c, TCP_PSH_ACK, len, bgpMsg, 0);
    f.ackDue = true;
    f.ackFromClient = !fromC;
    return 0.2;
  }

  for (const f of flows) f.total = f.left;
  // Merge every flow's packets in time order: flows enter the heap at their start time.
  const order = flows.map((_, i) => i).sort((x, y) => flows[x]!.start - flows[y]!.start || x - y);
  const heap = new TimeHeap();
  let nextStart = 0;
  let written = 0;
  while (written < N) {
    while (nextStart < order.length && (heap.size === 0 || flows[order[nextStart]!]!.start <= heap.topKey())) {
      const id = order[nextStart++]!;
      heap.push(id, flows[id]!.start);
    }
    if (heap.size === 0) break;
    const t = heap.topKey();
    const id = heap.pop();
    const f = flows[id]!;
    if (t > now) now = t;
    const pause = step(f);
    written++;
    // Packet j of a flow goes out in the j-th slot of its lifetime, so every flow (elephants
    // too) spreads over its whole duration; a burst (short pause) stays at the slot's start.
    if (f.left > 0) {
      const slot = f.total - f.left + Math.min(1, pause) * rng.float();
      heap.push(id, Math.max(now, f.start + f.gap * slot));
    }
  }
  if (written !== N) throw new Error(`internal: wrote ${written} of ${N} packets`);
  w.flush();
  fs.closeSync(fd);
  fs.renameSync(tmp, opts.out);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return {
    packets: written, fileBytes: w.written, flows: dataFlowCount, bgpSessions: flows.length - dataFlowCount,
    bgpUpdates, bgpKeepalives, packetsByClass, seconds,
  };
}

// ---------------------------------------------------------------------------------------------
// Correlate pair: two nodes' captures made from one mix capture

/** The capturing node of the mix, and the peer node B of the correlate pair (an unused address). */
const PAIR_A = ipv4(192, 168, 10, 11);
const PAIR_B = ipv4(192, 168, 10, 250);
const PCAP_HEADER = 24, REC_HEADER = 16;
// (ETH_VLAN, ETH_IPV4 and IP_UDP: the header constants above.)
const VXLAN_PORTS = new Set([4789, 8472]);

export interface PairOptions {
  /** Share of A->B packets missing from B's capture (default 0.01). */
  loss?: number;
  /** One-way delay in microseconds (default 150). */
  delayUs?: number;
  seed?: number;
}

export interface PairResult {
  packetsA: number; packetsB: number; lostAB: number; bytesA: number; bytesB: number;
  /** Timestamps (microseconds since the epoch) of A's packets left out of B's capture. */
  droppedUs: number[];
}

/**
 * Node A's and node B's captures for `correlate`, from the VXLAN packets of a mix capture: A's
 * egress (outer source 192.168.10.11) is re-addressed to B (192.168.10.250) and shows up in B's
 * capture `delayUs` later with TTL - 1, except a `loss` share of it (seeded); A's ingress is
 * re-addressed from B and appears in B's capture `delayUs` earlier with TTL + 1. Streamed: memory
 * holds one read block and the packets of one delay. Outer IP checksums are left as they were.
 */
export function writeCorrelatePair(mixFile: string, outA: string, outB: string, o: PairOptions = {}): PairResult {
  const loss = o.loss ?? 0.01, delay = o.delayUs ?? 150;
  let rng = (o.seed ?? 0x5eed) >>> 0 || 1;
  const rand = (): number => { rng ^= rng << 13; rng >>>= 0; rng ^= rng >>> 17; rng ^= rng << 5; rng >>>= 0; return rng / 2 ** 32; };
  const fin = fs.openSync(mixFile, 'r');
  const fa = fs.openSync(`${outA}.tmp`, 'w'), fb = fs.openSync(`${outB}.tmp`, 'w');
  const r: PairResult = { packetsA: 0, packetsB: 0, lostAB: 0, bytesA: 0, bytesB: 0, droppedUs: [] };
  const outs = [{ fd: fa, buf: Buffer.alloc(1 << 20), n: 0 }, { fd: fb, buf: Buffer.alloc(1 << 20), n: 0 }];
  const put = (k: number, b: Buffer): void => {
    const w = outs[k]!;
    if (w.n + b.length > w.buf.length) { fs.writeSync(w.fd, w.buf, 0, w.n); w.n = 0; }
    if (b.length > w.buf.length) { fs.writeSync(w.fd, b); return; }
    b.copy(w.buf, w.n); w.n += b.length;
    if (k === 0) { r.packetsA++; r.bytesA += b.length; } else { r.packetsB++; r.bytesB += b.length; }
  };
  const head = Buffer.alloc(PCAP_HEADER);
  fs.readSync(fin, head, 0, PCAP_HEADER, 0);
  if (head.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error(`${mixFile}: not a little-endian microsecond pcap`);
  put(0, head); put(1, head);
  r.packetsA = r.packetsB = 0; r.bytesA = r.bytesB = 0;
  // A->B copies for B wait here until B's capture reaches their (later) time.
  const pending: { us: number; rec: Buffer }[] = [];
  const setTs = (rec: Buffer, us: number): void => { rec.writeUInt32LE(Math.floor(us / 1e6), 0); rec.writeUInt32LE(us % 1e6, 4); };
  const flushUntil = (us: number): void => {
    while (pending.length > 0 && pending[0]!.us <= us) put(1, pending.shift()!.rec);
  };
  const block = Buffer.alloc(4 << 20);
  let pos = PCAP_HEADER, have = 0, at = 0;
  for (;;) {
    if (have - at < REC_HEADER || have - at < REC_HEADER + block.readUInt32LE(at + 8)) {
      block.copy(block, 0, at, have); have -= at; at = 0;
      const n = fs.readSync(fin, block, have, block.length - have, pos);
      pos += n; have += n;
      if (n === 0) break;
      continue;
    }
    const incl = block.readUInt32LE(at + 8);
    const rec = block.subarray(at, at + REC_HEADER + incl);
    at += REC_HEADER + incl;
    let e = REC_HEADER + 12;
    if (incl >= 18 && rec.readUInt16BE(e) === ETH_VLAN) e += 4;
    const ip = e + 2;
    if (rec.length < ip + 28 || rec.readUInt16BE(e) !== ETH_IPV4 || rec[ip + 9] !== IP_UDP) continue;
    const udp = ip + (rec[ip]! & 0x0f) * 4;
    if (rec.length < udp + 8 || !VXLAN_PORTS.has(rec.readUInt16BE(udp + 2))) continue;
    const src = rec.readUInt32BE(ip + 12), dst = rec.readUInt32BE(ip + 16);
    const us = rec.readUInt32LE(0) * 1e6 + rec.readUInt32LE(4);
    if (src === PAIR_A) {
      const a = Buffer.from(rec);
      a.writeUInt32BE(PAIR_B, ip + 16);
      put(0, a);
      if (rand() < loss) { r.lostAB++; r.droppedUs.push(us); continue; }
      const b = Buffer.from(a);
      b[ip + 8] = Math.max(0, b[ip + 8]! - 1);
      setTs(b, us + delay);
      pending.push({ us: us + delay, rec: b });
    } else if (dst === PAIR_A) {
      const a = Buffer.from(rec);
      a.writeUInt32BE(PAIR_B, ip + 12);
      put(0, a);
      const b = Buffer.from(a);
      b[ip + 8] = Math.min(255, b[ip + 8]! + 1);
      setTs(b, us - delay);
      flushUntil(us - delay);
      put(1, b);
    }
  }
  flushUntil(Infinity);
  for (const w of outs) { fs.writeSync(w.fd, w.buf, 0, w.n); fs.closeSync(w.fd); }
  fs.closeSync(fin);
  fs.renameSync(`${outA}.tmp`, outA);
  fs.renameSync(`${outB}.tmp`, outB);
  return r;
}

// ---------------------------------------------------------------------------------------------
// CLI

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** Repository root, whether running from bench/ (ts) or dist/bench/ (compiled). */
export const REPO_ROOT = path.basename(path.dirname(HERE)) === 'dist'
  ? path.resolve(HERE, '../..')
  : path.resolve(HERE, '..');

/** bench/out/mix-<packets>-f<flows>-b<bgp %>-s<seed>.pcap: the name says what is inside. */
export function defaultCapturePath(o: Omit<GenOptions, 'out'>): string {
  const bgp = (o.bgpShare * 100).toFixed(1).replace(/\.0$/, '');
  return path.join(REPO_ROOT, 'bench', 'out', `mix-${o.packets}-f${o.flows}-b${bgp}-s${o.seed}.pcap`);
}

function parseCount(name: string, v: string | undefined): number {
  const n = Number(v);
  if (v === undefined || !Number.isSafeInteger(n) || n < 0) {
    throw new Error(`${name} needs a non-negative integer, got ${String(v)}`);
  }
  return n;
}

function parseShare(name: string, v: string | undefined): number {
  const n = Number(v);
  if (v === undefined || v === '' || !Number.isFinite(n) || n < 0 || n > 0.5) {
    throw new Error(`${name} needs a fraction within 0..0.5, got ${String(v)}`);
  }
  return n;
}

function main(argv: string[]): void {
  let packets: number = GEN_DEFAULTS.packets;
  let out: string | undefined;
  let flows: number = GEN_DEFAULTS.flows;
  let seed: number = GEN_DEFAULTS.seed;
  let bgpShare: number = GEN_DEFAULTS.bgpShare;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    switch (a) {
      case '--packets': packets = Math.max(1, parseCount(a, argv[++i])); break;
      case '--out': out = argv[++i]; break;
      case '--flows': flows = Math.max(1, parseCount(a, argv[++i])); break;
      case '--bgp-share': bgpShare = parseShare(a, argv[++i]); break;
      case '--seed': seed = parseCount(a, argv[++i]); break;
      case '-h':
      case '--help':
        process.stdout.write('usage: gen-mix [--packets N] [--flows N] [--bgp-share F] [--seed S] [--out PATH]\n');
        return;
      default:
        throw new Error(`unknown argument ${String(a)}`);
    }
  }
  const file = out ?? defaultCapturePath({ packets, flows, bgpShare, seed });
  const r = generate({ packets, out: file, flows, seed, bgpShare });
  const classes = Object.entries(r.packetsByClass).map(([k, v]) => `${k} ${((100 * v) / r.packets).toFixed(1)}%`).join(', ');
  process.stdout.write(
    `wrote ${file}: ${r.packets} packets, ${r.fileBytes} bytes, ${r.flows} flows + ${r.bgpSessions} BGP sessions ` +
    `(${r.bgpUpdates} UPDATEs, ${r.bgpKeepalives} KEEPALIVEs); ${classes}; ${r.seconds.toFixed(2)} s\n`,
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`gen-mix: ${(e as Error).message}\n`);
    process.exit(2);
  }
}
