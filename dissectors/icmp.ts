// ICMP (RFC 792) and the Path MTU field of "fragmentation needed" (RFC 1191).
//
//   0                   1                   2                   3
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |     Type      |     Code      |          Checksum             |
//  |   identifier / unused         | sequence / Next-Hop MTU       |
//  |   quoted IP header + 8 bytes of its payload (error messages)  |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
import { Proto, u16, type PacketState } from './packet.js';
import type { DecodeTables, Dissector } from './dissector.js';
import type { IcmpLayer } from './layers.js';

export const ICMP_TYPE = 0;
export const ICMP_CODE = 1;
export const ICMP_CHECKSUM = 2;
export const ICMP_ID = 4;
export const ICMP_SEQ = 6;
export const ICMP_NEXT_HOP_MTU = 6;
export const ICMP_HEADER_LEN = 8;

export const ICMP_ECHO_REPLY = 0;
export const ICMP_UNREACHABLE = 3;
export const ICMP_ECHO_REQUEST = 8;
export const ICMP_CODE_FRAG_NEEDED = 4;

/** Error types that quote the offending datagram. */
function quotesPacket(type: number): boolean {
  return type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
}

// Typed field access for consumers (the slot layout below stays private to this file).
export function icmpType(st: PacketState, i: number): number {
  return st.v1[i] >> 8;
}
export function icmpCode(st: PacketState, i: number): number {
  return st.v1[i] & 0xff;
}
/** True for destination unreachable, fragmentation needed (RFC 1191). */
export function icmpIsFragNeeded(st: PacketState, i: number): boolean {
  return st.v1[i] === ((ICMP_UNREACHABLE << 8) | ICMP_CODE_FRAG_NEEDED);
}
/** The next-hop MTU of a fragmentation-needed message, else -1. */
export function icmpNextHopMtu(st: PacketState, i: number): number {
  return st.v2[i];
}

// v1: type << 8 | code; v2: the next-hop MTU of a frag-needed message, else -1.
export const icmp: Dissector<IcmpLayer> = {
  proto: Proto.ICMP,
  name: 'icmp',
  registration: { ipProto: [1] },
  decode(st: PacketState, off: number, end: number, t: DecodeTables): void {
    const b = st.buf;
    if (off + ICMP_HEADER_LEN > end) return st.short(Proto.ICMP);
    const i = st.push(Proto.ICMP, off, ICMP_HEADER_LEN, end);
    if (i < 0) return;
    const type = b[off + ICMP_TYPE], code = b[off + ICMP_CODE];
    st.v1[i] = (type << 8) | code;
    st.v2[i] = type === ICMP_UNREACHABLE && code === ICMP_CODE_FRAG_NEEDED ? u16(b, off + ICMP_NEXT_HOP_MTU) : -1;
    // Quoted packets are dissected (as Wireshark does) but marked, so flows never use them.
    if (quotesPacket(type) && st.inQuote === 0 && off + ICMP_HEADER_LEN < end) {
      st.inQuote = 1;
      st.then((b[off + ICMP_HEADER_LEN] >> 4) === 6 ? Proto.IPV6 : Proto.IPV4, off + ICMP_HEADER_LEN, end);
    }
    void t;
  },
  describe(st, i) {
    const b = st.buf, o = st.off[i];
    const type = b[o + ICMP_TYPE];
    const echo = type === ICMP_ECHO_REQUEST || type === ICMP_ECHO_REPLY;
    return {
      proto: 'icmp',
      type,
      code: b[o + ICMP_CODE],
      checksum: u16(b, o + ICMP_CHECKSUM),
      ...(echo ? { id: u16(b, o + ICMP_ID), seq: u16(b, o + ICMP_SEQ) } : {}),
      ...(st.v2[i] >= 0 ? { mtu: st.v2[i] } : {}),
    };
  },
  summary(st, i) {
    const v = st.v1[i];
    const mtu = st.v2[i] >= 0 ? ` mtu ${st.v2[i]}` : '';
    return `ICMP type ${v >> 8} code ${v & 255}${mtu}`;
  },
};
