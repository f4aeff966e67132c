// IPv6 (RFC 8200) with its extension headers.
//
//   0                   1                   2                   3
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |Version| Traffic Class |           Flow Label                  |
//  |         Payload Length        |  Next Header  |   Hop Limit   |
//  |                 Source Address (16 octets)                    |
//  |              Destination Address (16 octets)                  |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Extension headers walked here (their length in 8-octet units after the first 8, except AH in
// 4-octet units and the fixed 8-octet fragment header): hop-by-hop 0, routing 43, fragment 44,
// destination options 60, AH 51, mobility 135, HIP 139, shim6 140. The layer's header length covers
// them all, so the upper-layer protocol starts at off + hlen.
//
// Fragment header: | Next Header | Reserved | Fragment Offset (13) |Res|M| Identification (32) |
import { Fault, Proto, ipv6String, u16, u32, type PacketState } from './packet.js';
import type { DecodeTables, Dissector } from './dissector.js';
import type { Ipv6Layer } from './layers.js';

export const IPV6_VTC_FLOW = 0;
export const IPV6_PAYLOAD_LEN = 4;
export const IPV6_NEXT_HEADER = 6;
export const IPV6_HOP_LIMIT = 7;
export const IPV6_SRC = 8;
export const IPV6_DST = 24;
export const IPV6_HEADER_LEN = 40;

export const EXT_HOP_BY_HOP = 0;
export const EXT_ROUTING = 43;
export const EXT_FRAGMENT = 44;
export const EXT_DEST_OPTS = 60;
export const EXT_AH = 51;
export const EXT_MOBILITY = 135;
export const EXT_HIP = 139;
export const EXT_SHIM6 = 140;
export const NO_NEXT_HEADER = 59;
export const FRAG_HEADER_LEN = 8;

export function isExtensionHeader(nh: number): boolean {
  return nh === EXT_HOP_BY_HOP || nh === EXT_ROUTING || nh === EXT_FRAGMENT || nh === EXT_DEST_OPTS ||
    nh === EXT_AH || nh === EXT_MOBILITY || nh === EXT_HIP || nh === EXT_SHIM6;
}

/** Length of the extension header at `p` whose type is `nh`. Caller checks p + 2 <= end. */
function extLength(b: Uint8Array, p: number, nh: number): number {
  if (nh === EXT_FRAGMENT) return FRAG_HEADER_LEN;
  if (nh === EXT_AH) return (b[p + 1] + 2) * 4;
  return (b[p + 1] + 1) * 8;
}

// Typed field access for consumers (the slot layout below stays private to this file).
/** The upper-layer protocol of IPv6 layer i, after its extension headers (59 when none). */
export function ipv6UpperProtocol(st: PacketState, i: number): number {
  return st.v1[i];
}
/** True when IPv6 layer i carries a fragment header. */
export function ipv6IsFragment(st: PacketState, i: number): boolean {
  return st.v2[i] >= 0;
}
/** The identification of IPv6 layer i's fragment header (only when ipv6IsFragment). */
export function ipv6FragmentId(st: PacketState, i: number): number {
  return u32(st.buf, st.v2[i] + 4);
}
/** The fragment offset field word (offset << 3 | M) of IPv6 layer i's fragment header (only when ipv6IsFragment). */
export function ipv6FragmentWord(st: PacketState, i: number): number {
  return u16(st.buf, st.v2[i] + 2);
}
export function ipv6PayloadLength(st: PacketState, i: number): number {
  return u16(st.buf, st.off[i] + IPV6_PAYLOAD_LEN);
}
export function ipv6HopLimit(st: PacketState, i: number): number {
  return st.buf[st.off[i] + IPV6_HOP_LIMIT];
}
/** Word w (0-3) of the source address of IPv6 layer i. */
export function ipv6SrcWord(st: PacketState, i: number, w: number): number {
  return u32(st.buf, st.off[i] + IPV6_SRC + 4 * w);
}
/** Word w (0-3) of the destination address of IPv6 layer i. */
export function ipv6DstWord(st: PacketState, i: number, w: number): number {
  return u32(st.buf, st.off[i] + IPV6_DST + 4 * w);
}

// v1: upper-layer protocol after the extension headers (59 when none);
// v2: absolute offset of the fragment header, or -1.
export const ipv6: Dissector<Ipv6Layer> = {
  proto: Proto.IPV6,
  name: 'ipv6',
  registration: { ethertype: [0x86dd], ipProto: [41] },
  decode(st: PacketState, off: number, end: number, t: DecodeTables): void {
    const b = st.buf;
    if (off + IPV6_HEADER_LEN > end) return st.short(Proto.IPV6);
    const version = b[off] >> 4;
    if (version !== 6) return st.fail(Proto.IPV6, Fault.BAD_VERSION, version);
    const plen = u16(b, off + IPV6_PAYLOAD_LEN);
    let payloadEnd = end;
    if (plen !== 0) {
      // 0 is a jumbogram or a GSO super-frame: run to the end of the bytes.
      if (off + IPV6_HEADER_LEN + plen <= end) payloadEnd = off + IPV6_HEADER_LEN + plen;
      else if (!st.partialBytes()) st.fail(Proto.IPV6, Fault.BAD_LENGTH, plen);
    }
    let nh = b[off + IPV6_NEXT_HEADER];
    let p = off + IPV6_HEADER_LEN;
    let fragAt = -1;
    let exts = 0;
    while (isExtensionHeader(nh)) {
      if (p + 2 > payloadEnd || p + extLength(b, p, nh) > payloadEnd) {
        const i = st.push(Proto.IPV6, off, p - off, payloadEnd);
        if (i >= 0) { st.v1[i] = nh; st.v2[i] = fragAt; }
        return st.short(Proto.IPV6);
      }
      if (nh === EXT_FRAGMENT) fragAt = p;
      const next = b[p];
      p += extLength(b, p, nh);
      nh = next;
      if (++exts > 16) return st.fail(Proto.IPV6, Fault.BAD_EXTENSION, exts);
    }
    const i = st.push(Proto.IPV6, off, p - off, payloadEnd);
    if (i < 0) return;
    st.v1[i] = nh;
    st.v2[i] = fragAt;
    if (fragAt >= 0 && (u16(b, fragAt + 2) & 0xfff8) !== 0) return; // non-first fragment
    st.then(t.ipProto[nh], p, payloadEnd);
  },
  describe(st, i) {
    const b = st.buf, o = st.off[i];
    const extensions: { type: number; length: number }[] = [];
    let nh = b[o + IPV6_NEXT_HEADER];
    for (let p = o + IPV6_HEADER_LEN; p < o + st.hlen[i] && isExtensionHeader(nh); ) {
      const len = extLength(b, p, nh);
      extensions.push({ type: nh, length: len });
      nh = b[p];
      p += len;
    }
    const fragAt = st.v2[i];
    const first = u32(b, o);
    const frag = fragAt >= 0
      ? { fragOffset: u16(b, fragAt + 2) & 0xfff8, mf: (u16(b, fragAt + 2) & 1) !== 0, fragId: u32(b, fragAt + 4) }
      : {};
    return {
      proto: 'ipv6',
      src: ipv6String(b, o + IPV6_SRC),
      dst: ipv6String(b, o + IPV6_DST),
      nextHeader: b[o + IPV6_NEXT_HEADER],
      protocol: st.v1[i],
      hopLimit: b[o + IPV6_HOP_LIMIT],
      payloadLength: u16(b, o + IPV6_PAYLOAD_LEN),
      trafficClass: (first >>> 20) & 0xff,
      flowLabel: first & 0xfffff,
      headerLength: st.hlen[i],
      extensions,
      ...frag,
    };
  },
  summary(st, i) {
    const b = st.buf, o = st.off[i];
    return `${ipv6String(b, o + IPV6_SRC)} > ${ipv6String(b, o + IPV6_DST)}`;
  },
};
