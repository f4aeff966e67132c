// BSD loopback encapsulation: LINKTYPE_NULL (0, address family in the capturing host's byte
// order) and LINKTYPE_LOOP (108, network byte order).
//
//  +----------------------------+
//  | address family (4 bytes)   |  2 = IPv4; 24, 28, 30 = IPv6 (NetBSD/OpenBSD, FreeBSD, macOS)
//  +----------------------------+
import { Proto, u32, u32le, type PacketState } from '../src/packet.js';
import type { DecodeTables, Dissector } from '../src/dissector.js';

export const NULL_FAMILY = 0;
export const NULL_HEADER_LEN = 4;
export const AF_INET = 2;
export const AF_INET6 = [24, 28, 30] as const;

function familyProto(af: number): number {
  if (af === AF_INET) return Proto.IPV4;
  if (af === 24 || af === 28 || af === 30) return Proto.IPV6;
  return Proto.NONE;
}

function makeLoopback(proto: number, name: string, networkOrder: boolean): Dissector {
  return {
    proto,
    name,
    registration: {},
    decode(st: PacketState, off: number, end: number, t: DecodeTables): void {
      if (off + NULL_HEADER_LEN > end) return st.short(proto);
      const i = st.push(proto, off, NULL_HEADER_LEN, end);
      if (i < 0) return;
      // NULL's family is in host order: a value above 0xffff means the writer's order was the other one.
      let af = networkOrder ? u32(st.buf, off) : u32le(st.buf, off);
      if (!networkOrder && af > 0xffff) af = u32(st.buf, off);
      st.v1[i] = af;
      st.then(familyProto(af), off + NULL_HEADER_LEN, end);
      void t;
    },
    describe(st, i) {
      return { proto: name, family: st.v1[i] };
    },
    summary(st, i) {
      return `${name} af ${st.v1[i]}`;
    },
  };
}

// v1: address family.
export const nullLoopback = makeLoopback(Proto.NULL, 'null', false);
export const loop = makeLoopback(Proto.LOOP, 'loop', true);
