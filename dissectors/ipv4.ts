// IPv4 (RFC 791), with options and fragments.
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |Version|  IHL  |Type of Service|          Total Length         |
//  |         Identification        |Flags|      Fragment Offset    |
//  |  Time to Live |    Protocol   |         Header Checksum       |
//  |                       Source Address                          |
//  |                    Destination Address                        |
//  |                    Options                    |    Padding    |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// A total length of 0 is what TSO/GSO and BIG TCP super-frames carry when captured on the sender:
// the payload then runs to the end of the captured bytes (as Wireshark's ip.tso_support does).
import { Fault, Proto, ipv4String, u16, u32, type PacketState } from './packet.js';
import type { DecodeTables, Dissector } from './dissector.js';
import type { Ipv4Layer } from './layers.js';

export const IPV4_VER_IHL = 0;
export const IPV4_TOS = 1;
export const IPV4_TOTAL_LEN = 2;
export const IPV4_ID = 4;
export const IPV4_FLAGS_FRAG = 6;
export const IPV4_TTL = 8;
export const IPV4_PROTOCOL = 9;
export const IPV4_CHECKSUM = 10;
export const IPV4_SRC = 12;
export const IPV4_DST = 16;
export const IPV4_MIN_HEADER = 20;
export const IPV4_FLAG_DF = 0x4000;
export const IPV4_FLAG_MF = 0x2000;
export const IPV4_FRAG_MASK = 0x1fff;

/** Fragment offset in bytes of the datagram at `o`. */
export function ipv4FragOffset(b: Uint8Array, o: number): number {
  return (u16(b, o + IPV4_FLAGS_FRAG) & IPV4_FRAG_MASK) * 8;
}

// Typed field access for consumers (the slot layout below stays private to this file).
/** The protocol field of IPv4 layer i. */
export function ipv4Protocol(st: PacketState, i: number): number {
  return st.v1[i];
}
/** True when IPv4 layer i had a total length of 0 (a TSO/GSO super-frame handed to the capture). */
export function ipv4ZeroLength(st: PacketState, i: number): boolean {
  return st.v2[i] === 1;
}
export function ipv4Ttl(st: PacketState, i: number): number {
  return st.buf[st.off[i] + IPV4_TTL];
}
export function ipv4Id(st: PacketState, i: number): number {
  return u16(st.buf, st.off[i] + IPV4_ID);
}
export function ipv4TotalLength(st: PacketState, i: number): number {
  return u16(st.buf, st.off[i] + IPV4_TOTAL_LEN);
}
/** The DF flag of IPv4 layer i. */
export function ipv4DontFragment(st: PacketState, i: number): boolean {
  return (u16(st.buf, st.off[i] + IPV4_FLAGS_FRAG) & IPV4_FLAG_DF) !== 0;
}
/** True when IPv4 layer i is a fragment (MF set or a non-zero offset). */
export function ipv4IsFragment(st: PacketState, i: number): boolean {
  return (u16(st.buf, st.off[i] + IPV4_FLAGS_FRAG) & (IPV4_FLAG_MF | IPV4_FRAG_MASK)) !== 0;
}
/** Source address of IPv4 layer i as an unsigned 32-bit number. */
export function ipv4Src(st: PacketState, i: number): number {
  return u32(st.buf, st.off[i] + IPV4_SRC);
}
/** Destination address of IPv4 layer i as an unsigned 32-bit number. */
export function ipv4Dst(st: PacketState, i: number): number {
  return u32(st.buf, st.off[i] + IPV4_DST);
}

// v1: protocol; v2: 1 when the total length was 0 (TSO/GSO super-frame), else 0.
export const ipv4: Dissector<Ipv4Layer> = {
  proto: Proto.IPV4,
  name: 'ipv4',
  registration: { ethertype: [0x0800], ipProto: [4] },
  decode(st: PacketState, off: number, end: number, t: DecodeTables): void {
    const b = st.buf;
    if (off + IPV4_MIN_HEADER > end) return st.short(Proto.IPV4);
    const version = b[off] >> 4;
    if (version !== 4) return st.fail(Proto.IPV4, Fault.BAD_VERSION, version);
    const hlen = (b[off] & 0x0f) * 4;
    if (hlen < IPV4_MIN_HEADER) return st.fail(Proto.IPV4, Fault.BAD_HEADER_LENGTH, hlen);
    if (off + hlen > end) return st.short(Proto.IPV4);
    const total = u16(b, off + IPV4_TOTAL_LEN);
    let payloadEnd = end;
    let tso = 0;
    if (total === 0) {
      tso = 1;
    } else if (total < hlen) {
      const i = st.push(Proto.IPV4, off, hlen, off + hlen);
      if (i >= 0) st.v1[i] = b[off + IPV4_PROTOCOL];
      return st.fail(Proto.IPV4, Fault.BAD_TOTAL_LENGTH, total);
    } else if (off + total <= end) {
      payloadEnd = off + total; // drop Ethernet padding and trailers
    } else if (!st.partialBytes()) {
      // Claims more bytes than the frame holds: dissect what is there, but say so.
      st.fail(Proto.IPV4, Fault.BAD_TOTAL_LENGTH, total);
    }
    const i = st.push(Proto.IPV4, off, hlen, payloadEnd);
    if (i < 0) return;
    const proto = b[off + IPV4_PROTOCOL];
    st.v1[i] = proto;
    st.v2[i] = tso;
    // Non-first fragments carry no transport header; their flow is found from the first one.
    if ((u16(b, off + IPV4_FLAGS_FRAG) & IPV4_FRAG_MASK) !== 0) return;
    st.then(t.ipProto[proto], off + hlen, payloadEnd);
  },
  describe(st, i) {
    const b = st.buf, o = st.off[i];
    const ff = u16(b, o + IPV4_FLAGS_FRAG);
    const options: { type: number; length: number }[] = [];
    const hend = o + st.hlen[i];
    for (let p = o + IPV4_MIN_HEADER; p < hend; ) {
      const type = b[p];
      if (type === 0) break; // end of option list
      if (type === 1) { options.push({ type, length: 1 }); p++; continue; } // no-operation
      if (p + 1 >= hend || b[p + 1] < 2) break;
      options.push({ type, length: b[p + 1] });
      p += b[p + 1];
    }
    return {
      proto: 'ipv4',
      src: ipv4String(b, o + IPV4_SRC),
      dst: ipv4String(b, o + IPV4_DST),
      protocol: b[o + IPV4_PROTOCOL],
      ttl: b[o + IPV4_TTL],
      length: u16(b, o + IPV4_TOTAL_LEN),
      id: u16(b, o + IPV4_ID),
      df: (ff & IPV4_FLAG_DF) !== 0,
      mf: (ff & IPV4_FLAG_MF) !== 0,
      fragOffset: (ff & IPV4_FRAG_MASK) * 8,
      headerLength: st.hlen[i],
      tos: b[o + IPV4_TOS],
      checksum: u16(b, o + IPV4_CHECKSUM),
      options,
    };
  },
  summary(st, i) {
    const b = st.buf, o = st.off[i];
    return `${ipv4String(b, o + IPV4_SRC)} > ${ipv4String(b, o + IPV4_DST)}`;
  },
};
