// Geneve (RFC 8926), UDP 6081.
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |Ver|  Opt Len  |O|C|    Rsvd.  |          Protocol Type        |
//  |        Virtual Network Identifier (VNI)       |    Reserved   |
//  |                    Variable-Length Options                    |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// Option: | Option Class (16) | Type (8, top bit = critical) | R R R | Length (5, 4-byte units) |
import { Fault, Proto, u16, u24, type PacketState } from './packet.js';
import type { DecodeTables, Dissector } from './dissector.js';
import type { GeneveLayer } from './layers.js';

export const GENEVE_VER_OPTLEN = 0;
export const GENEVE_FLAGS = 1;
export const GENEVE_PROTOCOL = 2;
export const GENEVE_VNI = 4;
export const GENEVE_BASE_LEN = 8;
export const GENEVE_FLAG_O = 0x80;
export const GENEVE_FLAG_C = 0x40;
export const GENEVE_OPT_CRITICAL = 0x80;
export const GENEVE_OPT_HEADER_LEN = 4;

export interface GeneveOption { class: number; type: number; critical: boolean; length: number }

/** The options of the Geneve header at `o` (cold path). */
export function geneveOptions(b: Uint8Array, o: number, hlen: number): GeneveOption[] {
  const out: GeneveOption[] = [];
  for (let p = o + GENEVE_BASE_LEN; p + GENEVE_OPT_HEADER_LEN <= o + hlen; ) {
    const type = b[p + 2];
    const len = GENEVE_OPT_HEADER_LEN + (b[p + 3] & 0x1f) * 4;
    out.push({ class: u16(b, p), type, critical: (type & GENEVE_OPT_CRITICAL) !== 0, length: len });
    p += len;
  }
  return out;
}

// Typed field access for consumers (the slot layout below stays private to this file).
export function geneveVni(st: PacketState, i: number): number {
  return st.v1[i];
}
/** The protocol type (an EtherType) of Geneve layer i. */
export function geneveProtocol(st: PacketState, i: number): number {
  return st.v2[i];
}
export function geneveFlags(st: PacketState, i: number): number {
  return st.buf[st.off[i] + GENEVE_FLAGS];
}

// The option walk without objects, for the hot path:
//   for (let p = geneveFirstOption(st, i), e = geneveOptionsEnd(st, i); p + GENEVE_OPT_HEADER_LEN <= e; p = geneveNextOption(b, p))
/** Offset of the first option of Geneve layer i. */
export function geneveFirstOption(st: PacketState, i: number): number {
  return st.off[i] + GENEVE_BASE_LEN;
}
/** One past the options of Geneve layer i. */
export function geneveOptionsEnd(st: PacketState, i: number): number {
  return st.off[i] + st.hlen[i];
}
export function geneveNextOption(b: Uint8Array, p: number): number {
  return p + GENEVE_OPT_HEADER_LEN + (b[p + 3] & 0x1f) * 4;
}
export function geneveOptionClass(b: Uint8Array, p: number): number {
  return u16(b, p);
}
/** The option type byte (bit 0x80: critical). */
export function geneveOptionType(b: Uint8Array, p: number): number {
  return b[p + 2];
}

// v1: VNI; v2: protocol type.
export const geneve: Dissector<GeneveLayer> = {
  proto: Proto.GENEVE,
  name: 'geneve',
  registration: { udpPort: [6081] },
  decode(st: PacketState, off: number, end: number, t: DecodeTables): void {
    const b = st.buf;
    if (off + GENEVE_BASE_LEN > end) return st.short(Proto.GENEVE);
    const version = b[off] >> 6;
    if (version !== 0) return st.fail(Proto.GENEVE, Fault.BAD_VERSION, version);
    const hlen = GENEVE_BASE_LEN + (b[off] & 0x3f) * 4;
    if (off + hlen > end) return st.short(Proto.GENEVE);
    const i = st.push(Proto.GENEVE, off, hlen, end);
    if (i < 0) return;
    const protocol = u16(b, off + GENEVE_PROTOCOL);
    st.v1[i] = u24(b, off + GENEVE_VNI);
    st.v2[i] = protocol;
    if (off + hlen < end) st.then(t.ethertype[protocol], off + hlen, end);
  },
  describe(st, i) {
    const b = st.buf, o = st.off[i];
    const flags = b[o + GENEVE_FLAGS];
    return {
      proto: 'geneve',
      version: b[o] >> 6,
      vni: st.v1[i],
      protocolType: st.v2[i],
      optionsLength: st.hlen[i] - GENEVE_BASE_LEN,
      oam: (flags & GENEVE_FLAG_O) !== 0,
      critical: (flags & GENEVE_FLAG_C) !== 0,
      options: geneveOptions(b, o, st.hlen[i]),
    };
  },
  summary(st, i) {
    return `Geneve vni ${st.v1[i]}`;
  },
};
