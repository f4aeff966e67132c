// UDP (RFC 768).
//
//  0      7 8     15 16    23 24    31
//  +--------+--------+--------+--------+
//  |   Source Port   |   Dest. Port    |
//  |     Length      |    Checksum     |
//  +--------+--------+--------+--------+
//
// The payload is handed to the dissector bound to the destination port, else the source port.
import { Fault, Proto, u16, type PacketState } from './packet.js';
import type { DecodeTables, Dissector } from './dissector.js';
import type { UdpLayer } from './layers.js';

export const UDP_SRC_PORT = 0;
export const UDP_DST_PORT = 2;
export const UDP_LENGTH = 4;
export const UDP_CHECKSUM = 6;
export const UDP_HEADER_LEN = 8;

// Typed field access for consumers (the slot layout below stays private to this file).
/** Source port of UDP layer i (also set for a header cut after the ports). */
export function udpSrcPort(st: PacketState, i: number): number {
  return st.v1[i] >>> 16;
}
/** Destination port of UDP layer i. */
export function udpDstPort(st: PacketState, i: number): number {
  return st.v1[i] & 0xffff;
}
/** The length field of UDP layer i (full header only: st.hlen[i] === UDP_HEADER_LEN). */
export function udpLengthField(st: PacketState, i: number): number {
  return u16(st.buf, st.off[i] + UDP_LENGTH);
}
/** The checksum field of UDP layer i (full header only); 0 means "not computed" over IPv4. */
export function udpChecksumField(st: PacketState, i: number): number {
  return u16(st.buf, st.off[i] + UDP_CHECKSUM);
}

// v1: source port << 16 | destination port (both re-readable; kept for the flow engine).
export const udp: Dissector<UdpLayer> = {
  proto: Proto.UDP,
  name: 'udp',
  registration: { ipProto: [17] },
  decode(st: PacketState, off: number, end: number, t: DecodeTables): void {
    const b = st.buf;
    if (off + UDP_HEADER_LEN > end) {
      // Cut by the snaplen: keep the ports (and length) the bytes hold, as tshark does.
      if (st.partialBytes() && off + 4 <= end) {
        const i = st.push(Proto.UDP, off, end - off, end);
        if (i >= 0) st.v1[i] = u16(b, off) * 65536 + u16(b, off + 2);
      }
      return st.short(Proto.UDP);
    }
    const len = u16(b, off + UDP_LENGTH);
    let payloadEnd = end;
    if (len !== 0) {
      // 0 appears in GSO super-frames and IPv6 jumbograms: use the IP payload end instead.
      if (len < UDP_HEADER_LEN) {
        const i = st.push(Proto.UDP, off, UDP_HEADER_LEN, end);
        if (i >= 0) st.v1[i] = u16(b, off) * 65536 + u16(b, off + 2);
        return st.fail(Proto.UDP, Fault.BAD_LENGTH, len);
      }
      if (off + len <= end) payloadEnd = off + len;
      else if (!st.partialBytes() && st.kind[st.count - 1] === Proto.IPV4 && st.v2[st.count - 1] === 0) {
        st.fail(Proto.UDP, Fault.BAD_LENGTH, len);
      }
    }
    const i = st.push(Proto.UDP, off, UDP_HEADER_LEN, payloadEnd);
    if (i < 0) return;
    const sport = u16(b, off + UDP_SRC_PORT), dport = u16(b, off + UDP_DST_PORT);
    st.v1[i] = sport * 65536 + dport;
    if (payloadEnd > off + UDP_HEADER_LEN) st.then(t.udp(sport, dport), off + UDP_HEADER_LEN, payloadEnd);
  },
  describe(st, i) {
    const b = st.buf, o = st.off[i];
    if (st.hlen[i] < UDP_HEADER_LEN) {
      // A partial header (snaplen cut): the fields the captured bytes hold.
      return {
        proto: 'udp',
        srcPort: u16(b, o + UDP_SRC_PORT),
        dstPort: u16(b, o + UDP_DST_PORT),
        ...(o + UDP_CHECKSUM <= st.end[i] ? { length: u16(b, o + UDP_LENGTH) } : {}),
      };
    }
    return {
      proto: 'udp',
      srcPort: u16(b, o + UDP_SRC_PORT),
      dstPort: u16(b, o + UDP_DST_PORT),
      length: u16(b, o + UDP_LENGTH),
      checksum: u16(b, o + UDP_CHECKSUM),
    };
  },
  summary(st, i) {
    const b = st.buf, o = st.off[i];
    const len = o + UDP_CHECKSUM <= st.end[i] ? ` len ${u16(b, o + UDP_LENGTH)}` : '';
    return `UDP ${u16(b, o)} > ${u16(b, o + 2)}${len}`;
  },
};
