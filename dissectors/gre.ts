// GRE (RFC 2784, key and sequence number from RFC 2890, version 1 from RFC 2637) and NVGRE
// (RFC 7637: key present and protocol 0x6558; the key holds a 24-bit VSID and an 8-bit FlowID).
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |C|R|K|S|s|Recur|A| Flags | Ver |         Protocol Type         |
//  |      Checksum (optional)      |      Offset/Reserved1 (opt.)  |   C or R
//  |                         Key (optional)                        |   K
//  |                 Sequence Number (optional)                    |   S
//  |              Acknowledgment Number (version 1, A)             |   A
//  |                    Routing (optional, R: SRE list)            |   R
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
import { Fault, Proto, u16, u32, type PacketState } from './packet.js';
import type { DecodeTables, Dissector } from './dissector.js';
import type { GreLayer } from './layers.js';

export const GRE_FLAGS_VERSION = 0;
export const GRE_PROTOCOL = 2;
export const GRE_BASE_LEN = 4;
export const GRE_FLAG_C = 0x8000;
export const GRE_FLAG_R = 0x4000;
export const GRE_FLAG_K = 0x2000;
export const GRE_FLAG_S = 0x1000;
export const GRE_FLAG_A = 0x0080;
export const GRE_VERSION_MASK = 0x0007;
export const GRE_PROTO_TEB = 0x6558;
export const GRE_PROTO_PPP = 0x880b;
export const GRE_PROTO_ERSPAN2 = 0x88be;
export const GRE_PROTO_ERSPAN3 = 0x22eb;
/** WCCP redirection (Cisco): IPv4, after a 4-byte WCCPv2 redirect header unless it starts with IPv4. */
export const GRE_PROTO_WCCP = 0x883e;
export const WCCP2_REDIRECT_HEADER_LEN = 4;
/** GRE-in-UDP (RFC 8086). */
export const GRE_UDP_PORT = 4754;

/** Offsets of the optional fields of the GRE header at `o`, -1 where absent. */
export function greFieldOffsets(flags: number): { checksum: number; key: number; seq: number; ack: number; routing: number } {
  let p = GRE_BASE_LEN;
  const checksum = flags & (GRE_FLAG_C | GRE_FLAG_R) ? p : -1;
  if (checksum >= 0) p += 4;
  const key = flags & GRE_FLAG_K ? p : -1;
  if (key >= 0) p += 4;
  const seq = flags & GRE_FLAG_S ? p : -1;
  if (seq >= 0) p += 4;
  const ack = (flags & GRE_VERSION_MASK) === 1 && flags & GRE_FLAG_A ? p : -1;
  if (ack >= 0) p += 4;
  const routing = flags & GRE_FLAG_R ? p : -1;
  return { checksum, key, seq, ack, routing };
}

/**
 * True for PPTP's enhanced GRE (RFC 2637: version 1 carrying PPP): its key field is a 16-bit
 * payload length and a 16-bit call ID, and the call ID is what identifies the tunnel. Other
 * version-1 payloads (some cloud gateways send IPv4) keep a plain 32-bit key, as tshark reads them.
 */
export function isPptpGre(flags: number, protocol: number): boolean {
  return (flags & GRE_VERSION_MASK) === 1 && protocol === GRE_PROTO_PPP;
}

/** True for NVGRE: a key is present and the payload is an Ethernet frame. */
export function isNvgre(flags: number, protocol: number): boolean {
  return (flags & GRE_FLAG_K) !== 0 && protocol === GRE_PROTO_TEB && (flags & GRE_VERSION_MASK) === 0;
}

// Typed field access for consumers (the slot layout below stays private to this file).
/** The key of GRE layer i (-1 when absent; for PPTP GRE the call ID). */
export function greKey(st: PacketState, i: number): number {
  return st.v1[i];
}
/** The protocol type of GRE layer i. */
export function greProtocol(st: PacketState, i: number): number {
  return st.v2[i];
}
/** The flags-and-version word of GRE layer i. */
export function greFlagsVersion(st: PacketState, i: number): number {
  return u16(st.buf, st.off[i] + GRE_FLAGS_VERSION);
}

// v1: the tunnel key (-1 when absent): the 32-bit key, or for PPTP (isPptpGre) the call ID; v2: protocol type.
export const gre: Dissector<GreLayer> = {
  proto: Proto.GRE,
  name: 'gre',
  registration: { ipProto: [47], udpPort: [GRE_UDP_PORT] },
  decode(st: PacketState, off: number, end: number, t: DecodeTables): void {
    const b = st.buf;
    if (off + GRE_BASE_LEN > end) return st.short(Proto.GRE);
    const flags = u16(b, off + GRE_FLAGS_VERSION);
    const version = flags & GRE_VERSION_MASK;
    if (version > 1) return st.fail(Proto.GRE, Fault.BAD_VERSION, version);
    // Hand-inlined greFieldOffsets: the hot path must not allocate.
    let h = GRE_BASE_LEN;
    if (flags & (GRE_FLAG_C | GRE_FLAG_R)) h += 4;
    const keyAt = flags & GRE_FLAG_K ? h : -1;
    if (keyAt >= 0) h += 4;
    if (flags & GRE_FLAG_S) h += 4;
    if (version === 1 && flags & GRE_FLAG_A) h += 4;
    if (off + h > end) return st.short(Proto.GRE);
    if (flags & GRE_FLAG_R) {
      // Source route entries: address family (2), SRE offset (1), SRE length (1), data; ends with length 0.
      for (let n = 0; ; n++) {
        if (off + h + 4 > end) return st.short(Proto.GRE);
        const len = b[off + h + 3];
        h += 4 + len;
        if (len === 0) break;
        if (n > 64 || off + h > end) return st.fail(Proto.GRE, Fault.BAD_ROUTING, len);
      }
    }
    const protocol = u16(b, off + GRE_PROTOCOL);
    // WCCPv2 puts a redirect header before the IPv4 packet (WCCPv1 does not: the payload starts with IPv4).
    const wccp2 = protocol === GRE_PROTO_WCCP && off + h < end && b[off + h] >> 4 !== 4;
    if (wccp2) h += WCCP2_REDIRECT_HEADER_LEN;
    if (off + h > end) return st.short(Proto.GRE);
    const i = st.push(Proto.GRE, off, h, end);
    if (i < 0) return;
    st.v1[i] = keyAt < 0 ? -1 : isPptpGre(flags, protocol) ? u16(b, off + keyAt + 2) : u32(b, off + keyAt);
    st.v2[i] = protocol;
    if (off + h >= end) return;
    // Version 1 (PPTP's enhanced GRE) is dispatched on its protocol type like version 0: PPP (0x880b)
    // is not dissected, but other payloads (IPv4 from some cloud gateways) are.
    st.then(protocol === GRE_PROTO_WCCP ? Proto.IPV4 : t.ethertype[protocol], off + h, end);
  },
  describe(st, i) {
    const b = st.buf, o = st.off[i];
    const flags = u16(b, o + GRE_FLAGS_VERSION);
    const protocol = st.v2[i];
    const f = greFieldOffsets(flags);
    const key = f.key >= 0 ? u32(b, o + f.key) : null;
    const nv = isNvgre(flags, protocol) && key !== null;
    const pptp = isPptpGre(flags, protocol) && key !== null;
    return {
      proto: 'gre',
      checksumPresent: (flags & GRE_FLAG_C) !== 0,
      routingPresent: (flags & GRE_FLAG_R) !== 0,
      keyPresent: (flags & GRE_FLAG_K) !== 0,
      seqPresent: (flags & GRE_FLAG_S) !== 0,
      version: flags & GRE_VERSION_MASK,
      protocolType: protocol,
      checksum: flags & GRE_FLAG_C ? u16(b, o + 4) : null,
      key,
      seq: f.seq >= 0 ? u32(b, o + f.seq) : null,
      ...(f.ack >= 0 ? { ack: u32(b, o + f.ack) } : {}),
      ...(nv ? { vsid: key >>> 8, flowId: key & 0xff } : {}),
      ...(pptp ? { payloadLength: key >>> 16, callId: key & 0xffff } : {}),
    };
  },
  summary(st, i) {
    const pptp = isPptpGre(u16(st.buf, st.off[i]), st.v2[i]);
    const key = st.v1[i] < 0 ? '' : pptp ? ` call ${st.v1[i]}` : ` key 0x${st.v1[i].toString(16)}`;
    return `GRE${pptp ? ' v1' : ''} proto 0x${st.v2[i].toString(16).padStart(4, '0')}${key}`;
  },
};
