// ERSPAN (Cisco Encapsulated Remote SPAN, draft-foschiano-erspan-03) over GRE: a mirrored
// Ethernet frame (without FCS) behind a small header. GRE protocol 0x88be carries type I (GRE
// sequence bit clear: no ERSPAN header at all) or type II (sequence bit set); 0x22eb carries type III.
//
// Type II (8 bytes):
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  Ver  |          VLAN         | COS | En|T|    Session ID     |
//  |      Reserved         |                  Index                |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// Type III (12 bytes, then an 8-byte platform-specific subheader when O is set):
//  |  Ver  |          VLAN         | COS |BSO|T|     Session ID    |
//  |                          Timestamp                            |
//  |             SGT               |P|    FT   |   Hw ID   |D|Gra|O|
//  |  Platf ID |               Platform Specific Info              |   (O)
//  |                  Platform Specific Info                       |   (O)
// Ver is 1 for type II and 2 for type III. Type III's FT (frame type) says what follows the header:
// 0 an Ethernet frame, 2 an IP packet (version from its first nibble); any other value is not
// dissected (Wireshark 4.0 hands every FT but 0 to its data dissector). Type III platform
// subheader, by Platf ID: 1: VSM domain ID (12 bits) | port index (32); 3: port index (14) | upper
// 32 timestamp bits; 5, 6: switch ID (10) | port index (16) | timestamp seconds (32);
// 7 (and 0, an alias on some platforms): source index (20) | upper 32 timestamp bits.
import { Fault, Proto, u16, u32, type PacketState } from './packet.js';
import type { DecodeTables, Dissector } from './dissector.js';
import type { ErspanLayer, ErspanPlatformFields } from './layers.js';
import { GRE_FLAG_S, GRE_PROTO_ERSPAN2, GRE_PROTO_ERSPAN3 } from './gre.js';

export const ERSPAN_VER_VLAN = 0;
export const ERSPAN_COS_SESSION = 2;
export const ERSPAN2_INDEX = 4;
export const ERSPAN2_HEADER_LEN = 8;
export const ERSPAN3_TIMESTAMP = 4;
export const ERSPAN3_SGT = 8;
export const ERSPAN3_FLAGS = 10;
export const ERSPAN3_HEADER_LEN = 12;
export const ERSPAN3_PLATFORM_LEN = 8;
export const ERSPAN3_FLAG_O = 0x0001;
export const ERSPAN3_FLAG_P = 0x8000;
export const ERSPAN3_FT_SHIFT = 10;
export const ERSPAN3_FT_MASK = 0x1f;
export const ERSPAN_FT_ETHERNET = 0;
export const ERSPAN_FT_IP = 2;

/** The layer after a type III header of frame type `ft` whose payload starts with byte `first`. */
function frameTypeProto(ft: number, first: number): number {
  if (ft === ERSPAN_FT_ETHERNET) return Proto.ETH;
  if (ft === ERSPAN_FT_IP) return first >> 4 === 4 ? Proto.IPV4 : first >> 4 === 6 ? Proto.IPV6 : Proto.NONE;
  return Proto.NONE;
}

/** The platform subheader's fields (type III with O), by platform ID. */
function platformFields(b: Uint8Array, p: number): ErspanPlatformFields {
  const w1 = u32(b, p), w2 = u32(b, p + 4);
  const id = w1 >>> 26;
  switch (id) {
    case 1: return { platformId: id, vsmDomainId: w1 & 0xfff, portIndex: w2 };
    case 3: return { platformId: id, portIndex: w1 & 0x3fff, timestampHigh: w2 };
    case 5: case 6: return { platformId: id, switchId: (w1 >>> 16) & 0x3ff, portIndex: w1 & 0xffff, timestampSeconds: w2 };
    case 0: case 7: return { platformId: id, sourceIndex: w1 & 0xfffff, timestampHigh: w2 };
    default: return { platformId: id };
  }
}

// v1: ERSPAN type (1, 2 or 3); v2: version field (-1 for type I, which has no header).
export const erspan: Dissector<ErspanLayer> = {
  proto: Proto.ERSPAN,
  name: 'erspan',
  // GRE protocol types (GRE dispatches through the EtherType table).
  registration: { ethertype: [GRE_PROTO_ERSPAN2, GRE_PROTO_ERSPAN3] },
  decode(st: PacketState, off: number, end: number, t: DecodeTables): void {
    void t;
    const b = st.buf;
    const prev = st.count - 1;
    // Only GRE carries ERSPAN; the same numbers as an Ethernet EtherType are left undissected.
    if (prev < 0 || st.kind[prev] !== Proto.GRE) return;
    const greFlags = u16(b, st.off[prev]);
    const greProto = st.v2[prev];
    if (greProto === GRE_PROTO_ERSPAN2 && (greFlags & GRE_FLAG_S) === 0) {
      // Type I: the mirrored frame follows the 4-byte GRE header directly.
      const i = st.push(Proto.ERSPAN, off, 0, end);
      if (i < 0) return;
      st.v1[i] = 1;
      st.v2[i] = -1;
      if (off < end) st.then(Proto.ETH, off, end);
      return;
    }
    if (off + 2 > end) return st.short(Proto.ERSPAN);
    const version = b[off] >> 4;
    let hlen: number;
    if (version === 1) hlen = ERSPAN2_HEADER_LEN;
    else if (version === 2) {
      if (off + ERSPAN3_HEADER_LEN > end) return st.short(Proto.ERSPAN);
      hlen = ERSPAN3_HEADER_LEN + (u16(b, off + ERSPAN3_FLAGS) & ERSPAN3_FLAG_O ? ERSPAN3_PLATFORM_LEN : 0);
    } else {
      const i = st.push(Proto.ERSPAN, off, 2, end);
      if (i >= 0) { st.v1[i] = 0; st.v2[i] = version; }
      return st.fail(Proto.ERSPAN, Fault.BAD_VERSION, version);
    }
    if (off + hlen > end) {
      // Cut by the snaplen inside type III's platform subheader: keep the fixed header's fields.
      if (st.snapCut && version === 2) {
        const i = st.push(Proto.ERSPAN, off, end - off, end);
        if (i >= 0) { st.v1[i] = 3; st.v2[i] = version; }
      }
      return st.short(Proto.ERSPAN);
    }
    const i = st.push(Proto.ERSPAN, off, hlen, end);
    if (i < 0) return;
    st.v1[i] = version + 1;
    st.v2[i] = version;
    if (off + hlen >= end) return;
    const next = version === 1 ? Proto.ETH
      : frameTypeProto((u16(b, off + ERSPAN3_FLAGS) >> ERSPAN3_FT_SHIFT) & ERSPAN3_FT_MASK, b[off + hlen]);
    if (next !== Proto.NONE) st.then(next, off + hlen, end);
  },
  describe(st, i) {
    const b = st.buf, o = st.off[i];
    const type = st.v1[i];
    if (type === 1) return { proto: 'erspan', type: 1, version: null };
    if (type === 0) return { proto: 'erspan', type: null, version: st.v2[i] };
    const vv = u16(b, o + ERSPAN_VER_VLAN), cs = u16(b, o + ERSPAN_COS_SESSION);
    const common: ErspanLayer = {
      proto: 'erspan',
      type,
      version: st.v2[i],
      vlan: vv & 0x0fff,
      cos: cs >> 13,
      truncated: (cs & 0x0400) !== 0,
      sessionId: cs & 0x03ff,
    };
    if (type === 2) {
      const w = u32(b, o + ERSPAN2_INDEX);
      return { ...common, encap: (cs >> 11) & 3, reserved: w >>> 20, index: w & 0x000fffff };
    }
    const f = u16(b, o + ERSPAN3_FLAGS);
    return {
      ...common,
      bso: (cs >> 11) & 3,
      timestamp: u32(b, o + ERSPAN3_TIMESTAMP),
      sgt: u16(b, o + ERSPAN3_SGT),
      ethernetPdu: (f & ERSPAN3_FLAG_P) !== 0,
      frameType: (f >> ERSPAN3_FT_SHIFT) & ERSPAN3_FT_MASK,
      hwId: (f >> 4) & 0x3f,
      direction: (f & 0x0008) !== 0 ? 'egress' : 'ingress',
      granularity: (f >> 1) & 3,
      platformPresent: (f & ERSPAN3_FLAG_O) !== 0,
      // The platform subheader is read as a whole (a snaplen cut inside it leaves its fields out).
      ...(f & ERSPAN3_FLAG_O && st.hlen[i] === ERSPAN3_HEADER_LEN + ERSPAN3_PLATFORM_LEN ? platformFields(b, o + ERSPAN3_HEADER_LEN) : {}),
    };
  },
  summary(st, i) {
    const type = st.v1[i];
    if (type === 1) return 'ERSPAN type I';
    return `ERSPAN type ${type === 2 ? 'II' : type === 3 ? 'III' : '?'} session ${u16(st.buf, st.off[i] + ERSPAN_COS_SESSION) & 0x03ff}`;
  },
};
