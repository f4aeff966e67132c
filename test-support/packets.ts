// Small hand-built packets for tests that need whole frames (Ethernet / IPv4 / UDP or TCP, and a
// VXLAN frame around one), laid out from RFC 791, 768, 793 and 7348. Checksums are left 0.
import { be16, be24, be32, concat, ip4, mac } from './bytes.js';

export function ethernet(dst: string, src: string, type: number, payload: Uint8Array): Uint8Array {
  return concat(mac(dst), mac(src), be16(type), payload);
}

export function ipv4(src: string, dst: string, proto: number, payload: Uint8Array, o: { ttl?: number; id?: number; df?: boolean; tos?: number } = {}): Uint8Array {
  const total = 20 + payload.length;
  return concat([0x45, o.tos ?? 0], be16(total), be16(o.id ?? 1), be16(o.df ? 0x4000 : 0), [o.ttl ?? 64, proto], be16(0), ip4(src), ip4(dst), payload);
}

export function udp(sport: number, dport: number, payload: Uint8Array): Uint8Array {
  return concat(be16(sport), be16(dport), be16(8 + payload.length), be16(0), payload);
}

/** TCP with a 20-byte header; `flags` are the low 9 bits (SYN 0x002, ACK 0x010, ...). */
export function tcp(sport: number, dport: number, flags: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  return concat(be16(sport), be16(dport), be32(1000), be32(0), be16(0x5000 | flags), be16(65535), be16(0), be16(0), payload);
}

export function vxlan(vni: number, inner: Uint8Array): Uint8Array {
  return concat([0x08, 0, 0, 0], be24(vni), [0], inner);
}
