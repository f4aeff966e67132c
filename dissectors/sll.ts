// Linux "cooked" capture headers: LINKTYPE_LINUX_SLL (113) and LINKTYPE_LINUX_SLL2 (276).
//
// SLL (16 bytes):
//  | packet type (2) | ARPHRD type (2) | addr length (2) | address (8) | protocol (2) |
// SLL2 (20 bytes):
//  | protocol (2) | reserved (2) | interface index (4) | ARPHRD type (2) | packet type (1) |
//  | addr length (1) | address (8) |
//
// Packet types: 0 to us, 1 broadcast, 2 multicast, 3 to someone else, 4 sent by us (outgoing).
// With ARPHRD_IPGRE (778) the protocol field is a GRE protocol type; ARPHRD_NETLINK (824) carries
// netlink, and protocol values 1 (802.3), 4 (802.2 LLC) and 0x000c/0x000d are not EtherTypes.
import { Proto, u16, u32, type PacketState } from './packet.js';
import type { DecodeTables, Dissector } from './dissector.js';
import type { SllLayer, Sll2Layer } from './layers.js';

export const SLL_PKTTYPE = 0;
export const SLL_HATYPE = 2;
export const SLL_HALEN = 4;
export const SLL_ADDR = 6;
export const SLL_PROTOCOL = 14;
export const SLL_HEADER_LEN = 16;

export const SLL2_PROTOCOL = 0;
export const SLL2_IFINDEX = 4;
export const SLL2_HATYPE = 8;
export const SLL2_PKTTYPE = 10;
export const SLL2_HALEN = 11;
export const SLL2_ADDR = 12;
export const SLL2_HEADER_LEN = 20;

export const ARPHRD_IPGRE = 778;
export const ARPHRD_NETLINK = 824;
// Linux packet types (SLL/SLL2 pkttype, also PacketState.pktType).
export const PACKET_HOST = 0;
export const PACKET_BROADCAST = 1;
export const PACKET_OUTGOING = 4;
export const PKTTYPE_NAMES = ['host', 'broadcast', 'multicast', 'otherhost', 'outgoing'];

function payloadProto(t: DecodeTables, hatype: number, protocol: number): number {
  if (hatype === ARPHRD_NETLINK || protocol < 0x0600) return Proto.NONE;
  // ARPHRD_IPGRE: GRE protocol types share the EtherType number space.
  return t.ethertype[protocol];
}

function addrString(b: Uint8Array, o: number, len: number): string {
  const parts: string[] = [];
  for (let k = 0; k < Math.min(len, 8); k++) parts.push(b[o + k].toString(16).padStart(2, '0'));
  return parts.join(':');
}

// Typed field access for consumers (the slot layout below stays private to this file).
/** The protocol field of SLL/SLL2 layer i. */
export function sllProtocol(st: PacketState, i: number): number {
  return st.v1[i];
}
/** The ARPHRD type of SLL/SLL2 layer i. */
export function sllHatype(st: PacketState, i: number): number {
  return st.v2[i];
}

// v1: protocol; v2: ARPHRD type.
export const sll: Dissector<SllLayer> = {
  proto: Proto.SLL,
  name: 'sll',
  registration: {},
  decode(st: PacketState, off: number, end: number, t: DecodeTables): void {
    const b = st.buf;
    if (off + SLL_HEADER_LEN > end) return st.short(Proto.SLL);
    const i = st.push(Proto.SLL, off, SLL_HEADER_LEN, end);
    if (i < 0) return;
    const protocol = u16(b, off + SLL_PROTOCOL), hatype = u16(b, off + SLL_HATYPE);
    st.v1[i] = protocol;
    st.v2[i] = hatype;
    st.pktType = u16(b, off + SLL_PKTTYPE);
    st.then(payloadProto(t, hatype, protocol), off + SLL_HEADER_LEN, end);
  },
  describe(st, i) {
    const b = st.buf, o = st.off[i];
    const pt = u16(b, o + SLL_PKTTYPE);
    return {
      proto: 'sll',
      packetType: pt,
      direction: PKTTYPE_NAMES[pt] ?? String(pt),
      hatype: st.v2[i],
      address: addrString(b, o + SLL_ADDR, u16(b, o + SLL_HALEN)),
      ethertype: st.v1[i],
    };
  },
  summary(st, i) {
    const pt = u16(st.buf, st.off[i] + SLL_PKTTYPE);
    return `SLL ${PKTTYPE_NAMES[pt] ?? pt}`;
  },
};

// v1: protocol; v2: ARPHRD type. The interface index and packet type also go to st.ifIndex/pktType.
export const sll2: Dissector<Sll2Layer> = {
  proto: Proto.SLL2,
  name: 'sll2',
  registration: {},
  decode(st: PacketState, off: number, end: number, t: DecodeTables): void {
    const b = st.buf;
    if (off + SLL2_HEADER_LEN > end) return st.short(Proto.SLL2);
    const i = st.push(Proto.SLL2, off, SLL2_HEADER_LEN, end);
    if (i < 0) return;
    const protocol = u16(b, off + SLL2_PROTOCOL), hatype = u16(b, off + SLL2_HATYPE);
    st.v1[i] = protocol;
    st.v2[i] = hatype;
    st.pktType = b[off + SLL2_PKTTYPE];
    st.ifIndex = u32(b, off + SLL2_IFINDEX);
    st.then(payloadProto(t, hatype, protocol), off + SLL2_HEADER_LEN, end);
  },
  describe(st, i) {
    const b = st.buf, o = st.off[i];
    const pt = b[o + SLL2_PKTTYPE];
    return {
      proto: 'sll2',
      packetType: pt,
      direction: PKTTYPE_NAMES[pt] ?? String(pt),
      ifIndex: u32(b, o + SLL2_IFINDEX),
      hatype: st.v2[i],
      address: addrString(b, o + SLL2_ADDR, b[o + SLL2_HALEN]),
      ethertype: st.v1[i],
    };
  },
  summary(st, i) {
    const b = st.buf, o = st.off[i];
    const pt = b[o + SLL2_PKTTYPE];
    return `SLL2 if ${u32(b, o + SLL2_IFINDEX)} ${PKTTYPE_NAMES[pt] ?? pt}`;
  },
};
