// BSD loopback encapsulation: LINKTYPE_NULL (0, address family in the capturing host's byte
// order) and LINKTYPE_LOOP (108, network byte order).
//
//  +----------------------------+
//  | address family (4 bytes)   |  2 = IPv4; 24, 28, 30 = IPv6 (NetBSD/OpenBSD, FreeBSD, macOS)
//  +----------------------------+
//
// Some writers put an EtherType there instead of a family. For NULL we read the header as
// Wireshark's packet-null.c does on a little-endian host: take the 4 bytes little-endian; if the
// upper 16 bits are set, either shift (a 16-bit value in the upper half: top byte 0, next < 6) or
// byte-swap the word; else if the low byte is 0 and the next one < 6, swap the low 16 bits. A
// result above 1500 (the largest 802.3 length) is an EtherType, else an address family. LOOP is
// always a family in network byte order (Wireshark applies no heuristic there either).
import { Proto, u32, u32le, type PacketState } from './packet.js';
import type { DecodeTables, Dissector } from './dissector.js';
import type { LoopbackLayer } from './layers.js';

export const NULL_FAMILY = 0;
export const NULL_HEADER_LEN = 4;
export const AF_INET = 2;
export const AF_INET6 = [24, 28, 30] as const;

function familyProto(af: number): number {
  if (af === AF_INET) return Proto.IPV4;
  if (af === 24 || af === 28 || af === 30) return Proto.IPV6;
  return Proto.NONE;
}

/** Largest 802.3 length; a NULL header value above it is an EtherType. */
export const IEEE_802_3_MAX_LEN = 1500;

/** The NULL header's value after Wireshark's byte-order heuristic (see above). */
export function nullHeaderValue(b: Uint8Array, o: number): number {
  let h = u32le(b, o);
  if (h > 0xffff) {
    if (h >>> 24 === 0 && ((h >>> 16) & 0xff) < 6) h >>>= 16;
    else h = u32(b, o);
  } else if ((h & 0xff) === 0 && h >>> 8 < 6) {
    h = h >>> 8;
  }
  return h;
}

function makeLoopback(proto: number, name: LoopbackLayer['proto'], networkOrder: boolean): Dissector<LoopbackLayer> {
  return {
    proto,
    name,
    registration: {},
    decode(st: PacketState, off: number, end: number, t: DecodeTables): void {
      if (off + NULL_HEADER_LEN > end) return st.short(proto);
      const i = st.push(proto, off, NULL_HEADER_LEN, end);
      if (i < 0) return;
      const v = networkOrder ? u32(st.buf, off) : nullHeaderValue(st.buf, off);
      st.v1[i] = v;
      if (!networkOrder && v > IEEE_802_3_MAX_LEN) {
        st.v2[i] = 1;
        st.then(t.ethertype[v & 0xffff], off + NULL_HEADER_LEN, end);
        return;
      }
      st.then(familyProto(v), off + NULL_HEADER_LEN, end);
    },
    describe(st, i) {
      return st.v2[i] === 1 ? { proto: name, ethertype: st.v1[i] & 0xffff } : { proto: name, family: st.v1[i] };
    },
    summary(st, i) {
      return st.v2[i] === 1 ? `${name} ethertype 0x${(st.v1[i] & 0xffff).toString(16).padStart(4, '0')}` : `${name} af ${st.v1[i]}`;
    },
  };
}

// v1: address family (or, for NULL, the EtherType); v2: 1 when v1 is an EtherType.
export const nullLoopback = makeLoopback(Proto.NULL, 'null', false);
export const loop = makeLoopback(Proto.LOOP, 'loop', true);
