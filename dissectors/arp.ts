// ARP (RFC 826).
//
//  0        2        4    5    6        8
//  +--------+--------+----+----+--------+------------+-----------+------------+-----------+
//  | HTYPE  | PTYPE  |HLEN|PLEN| OPER   | SHA (HLEN) | SPA (PLEN)| THA (HLEN) | TPA (PLEN)|
//  +--------+--------+----+----+--------+------------+-----------+------------+-----------+
import { Proto, ipv4String, macString, u16, u32, type PacketState } from './packet.js';
import type { DecodeTables, Dissector } from './dissector.js';
import type { ArpLayer } from './layers.js';

export const ARP_HTYPE = 0;
export const ARP_PTYPE = 2;
export const ARP_HLEN = 4;
export const ARP_PLEN = 5;
export const ARP_OPER = 6;
export const ARP_ADDRS = 8;
export const ARP_FIXED_LEN = 8;

/** Offsets of the four addresses relative to the ARP header (Ethernet/IPv4 layout). */
export const ARP_SHA = 8;
export const ARP_SPA = 14;
export const ARP_THA = 18;
export const ARP_TPA = 24;

// Typed field access for consumers (the slot layout below stays private to this file).
export const ARP_REQUEST = 1;
export const ARP_REPLY = 2;
/** The operation of ARP layer i (ARP_REQUEST, ARP_REPLY, ...). */
export function arpOperation(st: PacketState, i: number): number {
  return st.v1[i];
}
/** True for Ethernet hardware addresses and IPv4 protocol addresses (6 and 4 bytes long). */
export function arpIsEthernetIpv4(st: PacketState, i: number): boolean {
  const b = st.buf, o = st.off[i];
  return u16(b, o + ARP_HTYPE) === 1 && u16(b, o + ARP_PTYPE) === 0x0800 && b[o + ARP_HLEN] === 6 && b[o + ARP_PLEN] === 4;
}
/** The sender IPv4 address (only when the address lengths are 6 and 4). */
export function arpSenderIpv4(st: PacketState, i: number): number {
  return u32(st.buf, st.off[i] + ARP_SPA);
}
/** The target IPv4 address (only when the address lengths are 6 and 4). */
export function arpTargetIpv4(st: PacketState, i: number): number {
  return u32(st.buf, st.off[i] + ARP_TPA);
}
/** True when the target hardware address (6 bytes) is all zero, as in a request that does not know it. */
export function arpTargetMacUnknown(st: PacketState, i: number): boolean {
  const b = st.buf, t = st.off[i] + ARP_THA;
  return (b[t] | b[t + 1] | b[t + 2] | b[t + 3] | b[t + 4] | b[t + 5]) === 0;
}

// v1: operation (1 request, 2 reply).
export const arp: Dissector<ArpLayer> = {
  proto: Proto.ARP,
  name: 'arp',
  registration: { ethertype: [0x0806, 0x8035] }, // RARP (RFC 903) uses the ARP packet format
  decode(st: PacketState, off: number, end: number, t: DecodeTables): void {
    const b = st.buf;
    if (off + ARP_FIXED_LEN > end) return st.short(Proto.ARP);
    const len = ARP_FIXED_LEN + 2 * (b[off + ARP_HLEN] + b[off + ARP_PLEN]);
    if (off + len > end) return st.short(Proto.ARP);
    const i = st.push(Proto.ARP, off, len, end);
    if (i < 0) return;
    st.v1[i] = u16(b, off + ARP_OPER);
    void t;
  },
  describe(st, i) {
    const b = st.buf, o = st.off[i];
    const ethIp = b[o + ARP_HLEN] === 6 && b[o + ARP_PLEN] === 4;
    return {
      proto: 'arp',
      hardwareType: u16(b, o + ARP_HTYPE),
      protocolType: u16(b, o + ARP_PTYPE),
      opcode: st.v1[i],
      ...(ethIp
        ? {
            senderMac: macString(b, o + ARP_SHA),
            senderIp: ipv4String(b, o + ARP_SPA),
            targetMac: macString(b, o + ARP_THA),
            targetIp: ipv4String(b, o + ARP_TPA),
          }
        : {}),
    };
  },
  summary(st, i) {
    const b = st.buf, o = st.off[i];
    if (b[o + ARP_HLEN] !== 6 || b[o + ARP_PLEN] !== 4) return `ARP op ${st.v1[i]}`;
    return st.v1[i] === 1
      ? `ARP who-has ${ipv4String(b, o + ARP_TPA)} tell ${ipv4String(b, o + ARP_SPA)}`
      : `ARP ${ipv4String(b, o + ARP_SPA)} is-at ${macString(b, o + ARP_SHA)}`;
  },
};
