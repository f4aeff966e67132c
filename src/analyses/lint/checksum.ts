// UDP checksum verification over the IPv4 / IPv6 pseudo-header (RFC 768, RFC 8200 section 8.1).
// Hot-path safe: no allocation.
import { Proto, u16, type PacketState } from '../../../dissectors/packet.js';
import { IPV4_SRC } from '../../../dissectors/ipv4.js';
import { IPV6_DST, IPV6_SRC } from '../../../dissectors/ipv6.js';
import { UDP_CHECKSUM, UDP_LENGTH } from '../../../dissectors/udp.js';

export const CSUM_OK = 0;
export const CSUM_BAD = 1;
/** The field holds only the pseudo-header sum: a packet captured before checksum offload filled it in. */
export const CSUM_PARTIAL = 2;
/** Zero checksum (none computed), or the datagram was not captured whole: nothing to verify. */
export const CSUM_UNCHECKED = 3;

/** Unfolded one's-complement sum of the 16-bit words in b[s, e); an odd last byte is padded with zero. */
export function sum16(b: Uint8Array, s: number, e: number, sum: number): number {
  let i = s;
  for (; i + 1 < e; i += 2) sum += (b[i] << 8) | b[i + 1];
  if (i < e) sum += b[i] << 8;
  return sum;
}

export function fold16(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 65536);
  return sum;
}

/**
 * Checks the UDP checksum of layer `udp`, carried by the IP layer `ip`. The datagram must be in the
 * captured bytes in full (UDP length field) and the IP packet must not be a fragment; the caller checks that.
 * `ip6FinalDst`: offset of the IPv6 final destination when a routing header names it (default: the header's).
 */
export function udpChecksumStatus(st: PacketState, ip: number, udp: number, ip6FinalDst = -1): number {
  const b = st.buf, uo = st.off[udp];
  const stored = u16(b, uo + UDP_CHECKSUM);
  if (stored === 0) return CSUM_UNCHECKED;
  const len = u16(b, uo + UDP_LENGTH);
  if (len < 8 || uo + len > st.capEnd) return CSUM_UNCHECKED;
  const io = st.off[ip];
  let pseudo: number;
  if (st.kind[ip] === Proto.IPV4) {
    pseudo = sum16(b, io + IPV4_SRC, io + IPV4_SRC + 8, 0) + 17 + len;
  } else {
    // The destination of the IPv6 pseudo-header is the final one; a routing header would change it
    // (not used by tunnels; such packets verify as bad, which the evidence makes visible).
    const dst = ip6FinalDst >= 0 ? ip6FinalDst : io + IPV6_DST;
    pseudo = sum16(b, io + IPV6_SRC, io + IPV6_SRC + 16, sum16(b, dst, dst + 16, 0)) + 17 + len;
  }
  const total = fold16(sum16(b, uo, uo + len, pseudo));
  if (total === 0xffff) return CSUM_OK;
  const p = fold16(pseudo);
  // Linux leaves ~csum_tcpudp_magic(..., 0), i.e. the folded pseudo-header sum, for the NIC to complete.
  if (stored === p || stored === (~p & 0xffff)) return CSUM_PARTIAL;
  // Local checksum offload (Linux udp_set_csum/lco_csum): the outer checksum is computed for the final
  // packet while the inner TCP/UDP checksum is still the partial value the NIC (or the veth peer) fills
  // in. Put the inner checksum the NIC would write into the sum and verify again.
  const fixed = innerFinalChecksumSum(st, udp, uo, len, total);
  if (fixed === 0xffff) return CSUM_PARTIAL;
  return CSUM_BAD;
}

/** The outer sum with the innermost TCP/UDP checksum replaced by its correct value, or -1. */
function innerFinalChecksumSum(st: PacketState, udp: number, uo: number, len: number, total: number): number {
  const l4 = st.l4, ip = st.innerIp;
  if (l4 <= udp || ip <= udp || l4 <= ip) return -1;
  const k = st.kind[l4];
  if (k !== Proto.TCP && k !== Proto.UDP) return -1;
  const b = st.buf, lo = st.off[l4], io = st.off[ip];
  const csumAt = lo + (k === Proto.TCP ? 16 : 6);
  // The inner segment runs to the end of the inner IP packet, which must lie inside the outer datagram.
  const ipEnd = st.end[ip];
  if (ipEnd > uo + len || csumAt + 2 > ipEnd) return -1;
  const segLen = ipEnd - lo;
  let pseudo: number;
  const proto = k === Proto.TCP ? 6 : 17;
  if (st.kind[ip] === Proto.IPV4) pseudo = sum16(b, io + IPV4_SRC, io + IPV4_SRC + 8, 0) + proto + segLen;
  else pseudo = sum16(b, io + IPV6_SRC, io + IPV6_DST + 16, 0) + proto + segLen;
  const old = u16(b, csumAt);
  // Sum of the segment with its checksum field taken as zero.
  const segSum = fold16(sum16(b, lo, ipEnd, pseudo) + (~old & 0xffff));
  let correct = ~segSum & 0xffff;
  if (k === Proto.UDP && correct === 0) correct = 0xffff;
  if (correct === old) return -1; // the inner checksum was already final: the outer one is simply wrong
  return fold16(total + (~old & 0xffff) + correct);
}
