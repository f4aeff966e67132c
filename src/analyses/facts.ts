// Per-packet numbers every analysis needs (class, sizes, overhead, inner 5-tuple), read once from
// the decoded state into a reused object. Definitions follow SPEC "Classes and flows":
// overhead = bytes from the end of the outer link-layer header to the start of the innermost IP
// header; efficiency = innermost IP bytes / outer IP bytes.
import { Proto, TrafficClass, u16, type PacketState, type TrafficClassId } from '../../dissectors/packet.js';
import {
  IPV4_FLAGS_FRAG, IPV4_FLAG_MF, IPV4_FRAG_MASK, ipv4DontFragment, ipv4Id, ipv4Protocol, ipv4TotalLength, ipv4ZeroLength,
} from '../../dissectors/ipv4.js';
import { IPV6_HEADER_LEN, ipv6FragmentId, ipv6FragmentWord, ipv6IsFragment, ipv6PayloadLength, ipv6UpperProtocol } from '../../dissectors/ipv6.js';
import { WG_TYPE_DATA, WG_DATA_HEADER_LEN, WG_TAG_LEN, wgType } from '../../dissectors/wireguard.js';
import { TCP_MIN_HEADER, tcpDstPort, tcpFlags, tcpSeq, tcpSrcPort } from '../../dissectors/tcp.js';
import { udpDstPort, udpSrcPort } from '../../dissectors/udp.js';
import { icmpCode, icmpType } from '../../dissectors/icmp.js';
import { icmpv6Code, icmpv6Type } from '../../dissectors/icmpv6.js';

export class PacketFacts {
  cls: TrafficClassId = TrafficClass.OTHER;
  /** Original wire length. */
  wireLen = 0;
  /** Bytes of the outer IP packet (its total length; derived from the frame for TSO frames). */
  outerIpBytes = 0;
  /** Bytes of the innermost IP packet (estimated for WireGuard). */
  innerIpBytes = 0;
  /** Encapsulation overhead in bytes (0 for plain packets). */
  overhead = 0;
  /** IP version of the outer and innermost IP layers (0 when none). */
  outerFamily = 0;
  innerFamily = 0;
  /** Innermost IP protocol (after IPv6 extension headers). */
  protocol = 0;
  srcPort = 0;
  dstPort = 0;
  /** TCP flag bits, -1 when not TCP. */
  tcpFlags = -1;
  tcpSeq = 0;
  /** Transport payload length (TCP), else 0. */
  payloadLen = 0;
  /** Identification of the innermost IP (IPv4 16-bit, IPv6 fragment header 32-bit), -1 when none. */
  ipId = -1;
  /** The innermost IP is a fragment: 1 first fragment (offset 0, more follow), 2 a later fragment. */
  fragment = 0;
  /** The outer IP (of a tunnel) is fragmented. */
  outerFragmented = false;
  /** DF set on the innermost IPv4 header. */
  innerDf = false;
  /** IPv4 total length 0 or IPv6 payload length 0 on a captured frame: a TSO/GSO/BIG TCP super-frame. */
  superFrame = false;
}

function ipBytes(st: PacketState, i: number, wireLen: number): number {
  // Bytes from this header to the end of the wire frame, for frames whose length field is 0 (TSO).
  const fromWire = wireLen - (st.off[i] - st.start);
  if (st.kind[i] === Proto.IPV4) {
    const t = ipv4TotalLength(st, i);
    return t === 0 ? fromWire : t;
  }
  const p = ipv6PayloadLength(st, i);
  return p === 0 ? fromWire : IPV6_HEADER_LEN + p;
}

function isFragment(st: PacketState, i: number): number {
  if (st.kind[i] === Proto.IPV4) {
    const ff = u16(st.buf, st.off[i] + IPV4_FLAGS_FRAG);
    if ((ff & IPV4_FRAG_MASK) !== 0) return 2;
    return ff & IPV4_FLAG_MF ? 1 : 0;
  }
  if (!ipv6IsFragment(st, i)) return 0;
  const v = ipv6FragmentWord(st, i);
  if ((v & 0xfff8) !== 0) return 2;
  return v & 1 ? 1 : 0;
}

export function extractFacts(st: PacketState, wireLen: number, f: PacketFacts): PacketFacts {
  f.cls = st.cls as TrafficClassId;
  f.wireLen = wireLen;
  f.overhead = 0;
  f.outerIpBytes = 0;
  f.innerIpBytes = 0;
  f.outerFamily = 0;
  f.innerFamily = 0;
  f.protocol = 0;
  f.srcPort = 0;
  f.dstPort = 0;
  f.tcpFlags = -1;
  f.tcpSeq = 0;
  f.payloadLen = 0;
  f.ipId = -1;
  f.fragment = 0;
  f.outerFragmented = false;
  f.innerDf = false;
  f.superFrame = false;
  const inner = st.innerIp, outer = st.outerIp;
  if (inner < 0) return f;
  f.outerFamily = st.kind[outer] === Proto.IPV4 ? 4 : 6;
  f.innerFamily = st.kind[inner] === Proto.IPV4 ? 4 : 6;
  f.outerIpBytes = ipBytes(st, outer, wireLen);
  f.superFrame = st.kind[outer] === Proto.IPV4 ? ipv4ZeroLength(st, outer) : ipv6PayloadLength(st, outer) === 0;
  f.protocol = st.kind[inner] === Proto.IPV4 ? ipv4Protocol(st, inner) : ipv6UpperProtocol(st, inner);
  const io = st.off[inner];
  if (st.kind[inner] === Proto.IPV4) {
    f.ipId = ipv4Id(st, inner);
    f.innerDf = ipv4DontFragment(st, inner);
  } else if (ipv6IsFragment(st, inner)) {
    f.ipId = ipv6FragmentId(st, inner);
  }
  f.fragment = isFragment(st, inner);
  if (st.tunnel >= 0) {
    f.outerFragmented = isFragment(st, outer) !== 0;
    if (st.kind[st.tunnel] === Proto.WIREGUARD) {
      // Encrypted: only transport data carries a packet; its inner size is the UDP payload less
      // the 16-byte header and 16-byte tag.
      const wg = st.tunnel;
      const udpPayload = f.outerIpBytes - (st.off[wg] - st.off[outer]);
      if (wgType(st, wg) === WG_TYPE_DATA && udpPayload > WG_DATA_HEADER_LEN + WG_TAG_LEN) {
        f.innerIpBytes = udpPayload - WG_DATA_HEADER_LEN - WG_TAG_LEN;
      }
      f.overhead = f.outerIpBytes - f.innerIpBytes;
      return f;
    }
    if (f.outerFragmented && inner === outer) {
      // A later fragment of a tunnel packet: nothing inner is visible; its IP header is overhead.
      f.overhead = st.hlen[outer];
      f.innerIpBytes = f.outerIpBytes - f.overhead;
    } else if (inner < st.tunnel) {
      // The tunnel carries no IP (ARP, ...): its headers up to the inner link layer's payload are
      // the overhead, the rest is what it carried.
      let p = st.tunnel + 1;
      while (p < st.count && (st.kind[p] === Proto.ETH || st.kind[p] === Proto.VLAN)) p++;
      const payloadAt = p < st.count ? st.off[p] : st.off[st.count - 1] + st.hlen[st.count - 1];
      f.overhead = Math.min(f.outerIpBytes, payloadAt - st.off[outer]);
      f.innerIpBytes = f.outerIpBytes - f.overhead;
      return f;
    } else {
      f.overhead = st.off[inner] - st.off[outer];
      f.innerIpBytes = ipBytes(st, inner, wireLen);
    }
  } else {
    f.innerIpBytes = f.outerIpBytes;
  }
  const l4 = st.l4;
  if (l4 >= 0) {
    const lo = st.off[l4];
    const k = st.kind[l4];
    if (k === Proto.TCP) {
      f.srcPort = tcpSrcPort(st, l4);
      f.dstPort = tcpDstPort(st, l4);
      if (st.end[l4] - lo >= TCP_MIN_HEADER) {
        f.tcpFlags = tcpFlags(st.buf, lo);
        f.tcpSeq = tcpSeq(st, l4);
        // Payload from the IP length, not the captured bytes (snaplen must not shrink it).
        f.payloadLen = Math.max(0, f.innerIpBytes - (lo - io) - st.hlen[l4]);
      }
    } else if (k === Proto.UDP) {
      f.srcPort = udpSrcPort(st, l4);
      f.dstPort = udpDstPort(st, l4);
    } else if (k === Proto.ICMP) {
      // ICMP/ICMPv6: type and code stand in for the ports.
      f.srcPort = icmpType(st, l4);
      f.dstPort = icmpCode(st, l4);
    } else {
      f.srcPort = icmpv6Type(st, l4);
      f.dstPort = icmpv6Code(st, l4);
    }
  }
  return f;
}

export function isTunnelClass(cls: number): boolean {
  return cls >= TrafficClass.VXLAN;
}
