// WireGuard message framing (the WireGuard paper, section 5.4), UDP 51820 (wg default) and
// 51871 (Cilium's WireGuard port; Calico's default wireguardListeningPort is 51820).
//
//  | type (1) | reserved zero (3) | ...
//  type 1 handshake initiation, 148 bytes; 2 handshake response, 92 bytes; 3 cookie reply, 64 bytes;
//  type 4 transport data: | receiver index (4) | counter (8) | encrypted packet + 16-byte tag |
// The payload is encrypted: the 32 bytes of type-4 framing (16 header + 16 tag) are all we can see.
import { Proto, u32le, type PacketState } from './packet.js';
import type { DecodeTables, Dissector } from './dissector.js';
import type { WireguardLayer } from './layers.js';

export const WG_TYPE = 0;
export const WG_RECEIVER = 4;
export const WG_COUNTER = 8;
export const WG_DATA_HEADER_LEN = 16;
export const WG_TAG_LEN = 16;
export const WG_TYPE_INITIATION = 1;
export const WG_TYPE_RESPONSE = 2;
export const WG_TYPE_COOKIE = 3;
export const WG_TYPE_DATA = 4;
const FIXED_SIZE = [0, 148, 92, 64];

export const WIREGUARD_PORTS = [51820, 51871] as const;

// Typed field access for consumers (the slot layout below stays private to this file).
/** The message type of WireGuard layer i (WG_TYPE_*). */
export function wgType(st: PacketState, i: number): number {
  return st.v1[i];
}

// v1: message type.
export const wireguard: Dissector<WireguardLayer> = {
  proto: Proto.WIREGUARD,
  name: 'wireguard',
  registration: { udpPort: WIREGUARD_PORTS },
  decode(st: PacketState, off: number, end: number, t: DecodeTables): void {
    const b = st.buf;
    if (off + 4 > end) return;
    const type = b[off + WG_TYPE];
    // Not WireGuard-shaped: leave it as plain UDP payload rather than claim a layer.
    if (type < 1 || type > 4 || b[off + 1] !== 0 || b[off + 2] !== 0 || b[off + 3] !== 0) return;
    const len = end - off;
    // Short is fine only when snaplen cut the message (it runs to the end of the captured bytes).
    const cut = st.snapCut && end >= st.capEnd;
    if (type < WG_TYPE_DATA ? len < FIXED_SIZE[type] && !cut : len < WG_DATA_HEADER_LEN + WG_TAG_LEN && !cut) return;
    // The header length never runs past the bytes there are.
    const i = st.push(Proto.WIREGUARD, off, Math.min(type === WG_TYPE_DATA ? WG_DATA_HEADER_LEN : FIXED_SIZE[type], len), end);
    if (i < 0) return;
    st.v1[i] = type;
    void t;
  },
  describe(st, i) {
    const b = st.buf, o = st.off[i];
    const type = st.v1[i];
    return {
      proto: 'wireguard',
      type,
      ...(type === WG_TYPE_DATA && o + 8 <= st.end[i] ? { receiver: u32le(b, o + WG_RECEIVER) } : {}),
    };
  },
  summary(st, i) {
    return `WireGuard type ${st.v1[i]}`;
  },
};
