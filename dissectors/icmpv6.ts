// ICMPv6 (RFC 4443), with the MTU of "packet too big" and the target of neighbour discovery.
//
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |     Type      |     Code      |          Checksum             |
//  |        MTU (type 2) / pointer (type 4) / id + seq (echo)      |
//  |   as much of the invoking packet as fits (error messages)     |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// Neighbor Solicitation (135) / Advertisement (136): 4 reserved/flag bytes, then the target address.
import { Proto, ipv6String, u16, u32, type PacketState } from './packet.js';
import type { DecodeTables, Dissector } from './dissector.js';
import type { Icmpv6Layer } from './layers.js';

export const ICMPV6_TYPE = 0;
export const ICMPV6_CODE = 1;
export const ICMPV6_CHECKSUM = 2;
export const ICMPV6_MTU = 4;
export const ICMPV6_ID = 4;
export const ICMPV6_SEQ = 6;
export const ICMPV6_HEADER_LEN = 8;
export const ICMPV6_ND_TARGET = 8;

export const ICMPV6_PACKET_TOO_BIG = 2;
export const ICMPV6_ECHO_REQUEST = 128;
export const ICMPV6_ECHO_REPLY = 129;
export const ICMPV6_NEIGHBOR_SOLICIT = 135;
export const ICMPV6_NEIGHBOR_ADVERT = 136;

// Typed field access for consumers (the slot layout below stays private to this file).
export function icmpv6Type(st: PacketState, i: number): number {
  return st.v1[i] >> 8;
}
export function icmpv6Code(st: PacketState, i: number): number {
  return st.v1[i] & 0xff;
}
export function icmpv6IsPacketTooBig(st: PacketState, i: number): boolean {
  return st.v1[i] >> 8 === ICMPV6_PACKET_TOO_BIG;
}
/** The MTU of a packet-too-big message, else -1. */
export function icmpv6Mtu(st: PacketState, i: number): number {
  return st.v2[i];
}

// v1: type << 8 | code; v2: the MTU of packet-too-big, else -1.
export const icmpv6: Dissector<Icmpv6Layer> = {
  proto: Proto.ICMPV6,
  name: 'icmpv6',
  registration: { ipProto: [58] },
  decode(st: PacketState, off: number, end: number, t: DecodeTables): void {
    const b = st.buf;
    if (off + ICMPV6_HEADER_LEN > end) return st.short(Proto.ICMPV6);
    const i = st.push(Proto.ICMPV6, off, ICMPV6_HEADER_LEN, end);
    if (i < 0) return;
    const type = b[off + ICMPV6_TYPE];
    st.v1[i] = (type << 8) | b[off + ICMPV6_CODE];
    st.v2[i] = type === ICMPV6_PACKET_TOO_BIG ? u32(b, off + ICMPV6_MTU) : -1;
    // Types 1-4 are errors carrying the invoking packet.
    if (type >= 1 && type <= 4 && st.inQuote === 0 && off + ICMPV6_HEADER_LEN < end) {
      st.inQuote = 1;
      st.then((b[off + ICMPV6_HEADER_LEN] >> 4) === 4 ? Proto.IPV4 : Proto.IPV6, off + ICMPV6_HEADER_LEN, end);
    }
    void t;
  },
  describe(st, i) {
    const b = st.buf, o = st.off[i];
    const type = b[o + ICMPV6_TYPE];
    const echo = type === ICMPV6_ECHO_REQUEST || type === ICMPV6_ECHO_REPLY;
    const nd = (type === ICMPV6_NEIGHBOR_SOLICIT || type === ICMPV6_NEIGHBOR_ADVERT) && o + 24 <= st.end[i];
    return {
      proto: 'icmpv6',
      type,
      code: b[o + ICMPV6_CODE],
      checksum: u16(b, o + ICMPV6_CHECKSUM),
      ...(echo ? { id: u16(b, o + ICMPV6_ID), seq: u16(b, o + ICMPV6_SEQ) } : {}),
      ...(st.v2[i] >= 0 ? { mtu: st.v2[i] } : {}),
      ...(nd ? { target: ipv6String(b, o + ICMPV6_ND_TARGET) } : {}),
    };
  },
  summary(st, i) {
    const v = st.v1[i];
    const mtu = st.v2[i] >= 0 ? ` mtu ${st.v2[i]}` : '';
    return `ICMPv6 type ${v >> 8} code ${v & 255}${mtu}`;
  },
};
