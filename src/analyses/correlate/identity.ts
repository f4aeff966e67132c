// Packet identity that survives the path between two nodes, and the per-sighting fields the
// correlation compares (what the path may rewrite). Read from the decoded PacketState into one
// reused Sighting: two 32-bit hashes and plain numbers, no allocation per packet.
//
// Tunnelled packets: the inner IP packet (addresses, protocol, IP ID, fragment fields, length),
// its L4 header without checksums (TCP without options, so MSS clamping does not break it) and the
// first payload bytes, plus the encapsulation class and VNI/key. The outer headers (which NAT,
// routers and the sender's source-port hash change) are left out.
// Plain packets: the IP packet without TTL, TOS, checksum, addresses and ports (what NAT rewrites).
import { Proto, TrafficClass, u16, u32, type PacketState } from '../../../dissectors/packet.js';
import { IPV4_DST, IPV4_FLAGS_FRAG, IPV4_PROTOCOL, IPV4_SRC, IPV4_TOS, IPV4_TOTAL_LEN, IPV4_TTL, IPV4_FRAG_MASK, IPV4_FLAG_MF } from '../../../dissectors/ipv4.js';
import { IPV6_DST, IPV6_HEADER_LEN, IPV6_PAYLOAD_LEN, IPV6_SRC } from '../../../dissectors/ipv6.js';
import { UDP_CHECKSUM, UDP_LENGTH } from '../../../dissectors/udp.js';
import type { AddressBook } from './addresses.js';

/** Payload bytes after the L4 header that go into the identity. */
export const PAYLOAD_BYTES = 32;
/** Bytes after a tunnel header that stand for the packet when no inner IP is visible (WireGuard, ARP). */
const OPAQUE_BYTES = 48;
// Byte offsets inside headers that the identity skips or reads.
const TCP_CHECKSUM = 16;
const TCP_FIXED_LEN = 20;
const ICMP_CHECKSUM = 2;
const ICMP_REST = 4;
const IPV6_NEXT_HEADER = 6;
const IPV6_FRAG_HEADER_LEN = 8;

/** The fields of one sighting of a packet at one capture point. */
export class Sighting {
  /** False when the packet has no IP layer (ARP, ...): it is not correlated. */
  ok = false;
  h1 = 0;
  h2 = 0;
  cls = 0;
  /** VNI (VXLAN, Geneve, NVGRE VSID) or GRE key; -1 when none. */
  tunnelId = -1;
  /** UDP destination port of the tunnel (VXLAN, Geneve), 0 when not UDP. */
  dstPort = 0;
  /** Outer addresses as AddressBook keys. */
  src = 0;
  dst = 0;
  /** Outer UDP source port of a tunnel, -1 when none. */
  srcPort = -1;
  /** Outer TTL / hop limit and TOS / traffic class. */
  ttl = 0;
  tos = 0;
  /** Bytes of the outer IP packet (what the underlay carries). */
  bytes = 0;
  /** Bytes of the whole frame on the wire (the record's original length; for fingerprint files, the outer IP bytes). */
  wire = 0;
  /** The outer IP packet is a fragment. */
  fragmented = 0;
  /** IP protocol of the identified packet (inner for tunnels), NO_PROTOCOL when none is readable. */
  proto = NO_PROTOCOL;
  /** TCP segment kind (TcpKind), TcpKind.NONE when not TCP. */
  tcpKind = 0;
  /** TCP MSS option value of a SYN, -1 when none. */
  mss = -1;
}

/** `Sighting.proto` when no IP protocol is readable (WireGuard ciphertext, ARP in VXLAN). */
export const NO_PROTOCOL = 255;
/** What a TCP segment is, by its flags (RST before SYN before FIN; else data when it carries payload, else ACK). */
export const TcpKind = { NONE: 0, SYN: 1, SYN_ACK: 2, FIN: 3, RST: 4, DATA: 5, ACK: 6 } as const;
export const TCP_KIND_NAME = [null, 'SYN', 'SYN-ACK', 'FIN', 'RST', 'data', 'ACK'] as const;
const TCP_FLAGS = 13;
const TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_ACK = 0x10;
const TCP_OPT_END = 0, TCP_OPT_NOP = 1, TCP_OPT_MSS = 2;

// Two independent 32-bit hashes over the selected bytes (FNV-1a and a multiply-xorshift), so a
// packet is named by 64 bits: a collision between two different packets in one window is rare.
let hA = 0, hB = 0;
function begin(seed: number): void {
  hA = (0x811c9dc5 ^ seed) >>> 0;
  hB = (0x9747b28c ^ Math.imul(seed, 0x85ebca6b)) >>> 0;
}
function byte(x: number): void {
  hA = Math.imul(hA ^ x, 0x01000193);
  hB = Math.imul(hB ^ x, 0x5bd1e995);
  hB ^= hB >>> 15;
}
function bytes(b: Uint8Array, from: number, to: number): void {
  for (let i = from; i < to; i++) byte(b[i]);
}
function num(x: number): void {
  byte(x & 0xff); byte((x >>> 8) & 0xff); byte((x >>> 16) & 0xff); byte((x >>> 24) & 0xff);
}

function isIp(k: number): boolean {
  return k === Proto.IPV4 || k === Proto.IPV6;
}

/** The tunnel's VNI/key and UDP port (the identity includes the VNI/key). */
function tunnelFields(st: PacketState, s: Sighting): void {
  const t = st.tunnel;
  s.tunnelId = -1;
  s.dstPort = 0;
  if (t < 0) return;
  const k = st.kind[t];
  if (k === Proto.VXLAN || k === Proto.GENEVE || k === Proto.VXLAN_GPE) s.tunnelId = st.v1[t];
  else if (k === Proto.GRE) {
    const key = st.v1[t];
    // NVGRE: the VSID is the key's upper 24 bits.
    s.tunnelId = key < 0 ? -1 : st.cls === TrafficClass.NVGRE ? Math.floor(key / 256) : key;
  }
  const udp = t - 1;
  if (udp >= 0 && st.kind[udp] === Proto.UDP) {
    const v = st.v1[udp];
    s.srcPort = Math.floor(v / 65536);
    s.dstPort = v % 65536;
  }
}

/** The MSS option of a TCP header at `lo` of `hlen` bytes, -1 when absent. */
function tcpMss(b: Uint8Array, lo: number, hlen: number, capEnd: number): number {
  const end = Math.min(lo + hlen, capEnd);
  for (let i = lo + TCP_FIXED_LEN; i < end;) {
    const kind = b[i];
    if (kind === TCP_OPT_END) return -1;
    if (kind === TCP_OPT_NOP) { i++; continue; }
    if (i + 1 >= end) return -1;
    const len = b[i + 1];
    if (len < 2) return -1;
    if (kind === TCP_OPT_MSS && len === 4 && i + 4 <= end) return u16(b, i + 2);
    i += len;
  }
  return -1;
}

/** Hashes an IP packet (header fields, L4 header, first payload bytes) starting at layer `ip`. */
function hashIp(st: PacketState, ip: number, keepAddresses: boolean, s: Sighting): void {
  const b = st.buf, o = st.off[ip];
  let payloadEnd: number;
  if (st.kind[ip] === Proto.IPV4) {
    s.proto = b[o + IPV4_PROTOCOL];
    byte(b[o]); // version, IHL
    bytes(b, o + IPV4_TOTAL_LEN, o + IPV4_TTL); // length, ID, flags, fragment offset
    byte(b[o + IPV4_PROTOCOL]);
    if (keepAddresses) bytes(b, o + IPV4_SRC, o + IPV4_DST + 4);
    payloadEnd = o + u16(b, o + IPV4_TOTAL_LEN);
  } else {
    byte(b[o] >> 4); // version; the traffic class is left out (DSCP/ECN may be rewritten)
    byte(b[o + 1] & 0x0f); byte(b[o + 2]); byte(b[o + 3]); // flow label
    bytes(b, o + IPV6_PAYLOAD_LEN, o + IPV6_NEXT_HEADER + 1);
    s.proto = b[o + IPV6_NEXT_HEADER];
    if (keepAddresses) bytes(b, o + IPV6_SRC, o + IPV6_DST + 16);
    const frag = st.v2[ip];
    if (frag >= 0 && frag + IPV6_FRAG_HEADER_LEN <= st.capEnd) bytes(b, frag, frag + IPV6_FRAG_HEADER_LEN);
    payloadEnd = o + IPV6_HEADER_LEN + u16(b, o + IPV6_PAYLOAD_LEN);
  }
  if (payloadEnd > st.capEnd || payloadEnd <= o) payloadEnd = st.capEnd;
  let dataAt = o + st.hlen[ip];
  const l4 = st.l4;
  if (l4 === ip + 1) {
    const lo = st.off[l4], k = st.kind[l4], have = st.end[l4] - lo;
    if (k === Proto.TCP && have >= TCP_FIXED_LEN) {
      if (keepAddresses) bytes(b, lo, lo + 4);
      bytes(b, lo + 4, lo + TCP_CHECKSUM); // seq, ack, offset, flags, window
      const f = b[lo + TCP_FLAGS];
      const dataLen = payloadEnd - (lo + st.hlen[l4]);
      s.tcpKind = f & TCP_RST ? TcpKind.RST : f & TCP_SYN ? (f & TCP_ACK ? TcpKind.SYN_ACK : TcpKind.SYN)
        : f & TCP_FIN ? TcpKind.FIN : dataLen > 0 ? TcpKind.DATA : TcpKind.ACK;
      if (f & TCP_SYN) s.mss = tcpMss(b, lo, st.hlen[l4], st.capEnd);
    } else if (k === Proto.UDP && have >= 8) {
      if (keepAddresses) bytes(b, lo, lo + 4);
      bytes(b, lo + UDP_LENGTH, lo + UDP_CHECKSUM);
    } else if ((k === Proto.ICMP || k === Proto.ICMPV6) && have >= 8) {
      bytes(b, lo, lo + ICMP_CHECKSUM);
      bytes(b, lo + ICMP_REST, lo + 8);
    }
    dataAt = lo + st.hlen[l4];
  }
  num(payloadEnd - dataAt);
  const to = Math.min(payloadEnd, dataAt + PAYLOAD_BYTES, st.capEnd);
  if (dataAt < to) bytes(b, dataAt, to);
}

/** Fills `s` from the decoded packet; the outer addresses go through `book`. */
export function readSighting(st: PacketState, book: AddressBook, s: Sighting): boolean {
  s.ok = false;
  const outer = st.outerIp;
  if (outer < 0) return false;
  const b = st.buf, o = st.off[outer];
  s.cls = st.cls;
  s.srcPort = -1;
  s.fragmented = 0;
  s.proto = NO_PROTOCOL;
  s.tcpKind = TcpKind.NONE;
  s.mss = -1;
  s.wire = st.wireLen;
  if (st.kind[outer] === Proto.IPV4) {
    s.src = book.v4(u32(b, o + IPV4_SRC));
    s.dst = book.v4(u32(b, o + IPV4_DST));
    s.ttl = b[o + IPV4_TTL];
    s.tos = b[o + IPV4_TOS];
    const t = u16(b, o + IPV4_TOTAL_LEN);
    s.bytes = t === 0 ? st.wireLen - (o - st.start) : t;
    const ff = u16(b, o + IPV4_FLAGS_FRAG);
    s.fragmented = (ff & IPV4_FRAG_MASK) !== 0 || (ff & IPV4_FLAG_MF) !== 0 ? 1 : 0;
  } else {
    s.src = book.v6(b, o + IPV6_SRC);
    s.dst = book.v6(b, o + IPV6_DST);
    s.ttl = b[o + 7];
    s.tos = ((b[o] & 0x0f) << 4) | (b[o + 1] >> 4);
    s.bytes = IPV6_HEADER_LEN + u16(b, o + IPV6_PAYLOAD_LEN);
    s.fragmented = st.v2[outer] >= 0 ? 1 : 0;
  }
  tunnelFields(st, s);
  const tunnelled = st.tunnel >= 0;
  begin(tunnelled ? st.cls * 131 + 7 : 1);
  if (tunnelled) {
    num(s.tunnelId);
    const inner = st.innerIp;
    if (inner >= st.tunnel && isIp(st.kind[inner])) hashIp(st, inner, true, s); // IP-in-IP: the tunnel layer is the inner IP
    else {
      // No inner IP to read (WireGuard ciphertext, ARP inside VXLAN): the bytes after the
      // tunnel header name the packet; they are not rewritten on the way either.
      const t = st.tunnel;
      const from = st.off[t];
      bytes(b, from, Math.min(st.capEnd, from + st.hlen[t] + OPAQUE_BYTES));
    }
  } else {
    hashIp(st, outer, false, s);
  }
  s.h1 = hA >>> 0;
  s.h2 = hB >>> 0;
  s.ok = true;
  return true;
}
