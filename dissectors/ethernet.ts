// Ethernet II (IEEE 802.3 / DIX).
//
//  0                   6                  12          14
//  +-------------------+-------------------+-----------+
//  | destination MAC   | source MAC        | EtherType |
//  +-------------------+-------------------+-----------+
//
// An EtherType/length value below 0x0600 is an 802.3 length (LLC follows): not dissected further.
// IP protocol 143 ("Ethernet" in IANA's protocol numbers; RFC 8986 SRv6 L2 services, End.DX2)
// carries a whole frame, in IPv6 (usually after a segment routing header) or IPv4.
import { Proto, macString, u16, type PacketState } from './packet.js';
import type { DecodeTables, Dissector } from './dissector.js';
import type { EthernetLayer } from './layers.js';

export const ETH_DST = 0;
export const ETH_SRC = 6;
export const ETH_TYPE = 12;
export const ETH_HEADER_LEN = 14;
/** Smallest EtherType; smaller values are 802.3 lengths. */
export const ETHERTYPE_MIN = 0x0600;
/** IP protocol number of an Ethernet frame carried directly in IP (IANA; RFC 8986). */
export const IP_PROTO_ETHERNET = 143;

// Typed field access for consumers (the slot layout below stays private to this file).
/** The EtherType of Ethernet layer i (below 0x0600: an 802.3 length). */
export function ethType(st: PacketState, i: number): number {
  return st.v1[i];
}
/** True when Ethernet layer i is sent to ff:ff:ff:ff:ff:ff. */
export function ethDstIsBroadcast(st: PacketState, i: number): boolean {
  const b = st.buf, d = st.off[i] + ETH_DST;
  return (b[d] & b[d + 1] & b[d + 2] & b[d + 3] & b[d + 4] & b[d + 5]) === 255;
}

// v1: EtherType (or the 802.3 length).
export const ethernet: Dissector<EthernetLayer> = {
  proto: Proto.ETH,
  name: 'eth',
  // Transparent Ethernet Bridging: GRE and Geneve protocol type 0x6558 carry a whole frame.
  registration: { ethertype: [0x6558], ipProto: [IP_PROTO_ETHERNET] },
  decode(st: PacketState, off: number, end: number, t: DecodeTables): void {
    if (off + ETH_HEADER_LEN > end) return st.short(Proto.ETH);
    const i = st.push(Proto.ETH, off, ETH_HEADER_LEN, end);
    if (i < 0) return;
    const type = u16(st.buf, off + ETH_TYPE);
    st.v1[i] = type;
    if (type < ETHERTYPE_MIN) return;
    st.then(t.ethertype[type], off + ETH_HEADER_LEN, end);
  },
  describe(st, i) {
    const o = st.off[i];
    return {
      proto: 'eth',
      src: macString(st.buf, o + ETH_SRC),
      dst: macString(st.buf, o + ETH_DST),
      ethertype: st.v1[i],
    };
  },
  summary(st, i) {
    const o = st.off[i];
    return `${macString(st.buf, o + ETH_SRC)} > ${macString(st.buf, o + ETH_DST)}`;
  },
};
