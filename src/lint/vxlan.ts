// What counts as "looks like VXLAN": shared by the lint rules (VXLAN_PORT_NOT_VXLAN,
// VXLAN_HEURISTIC_UNBOUND_PORT) and the CNI fingerprint.
import { u16 } from '../packet.js';

/**
 * True when b[eth..end) starts with a plausible inner Ethernet frame: IPv4 with version 4 and a
 * header length of at least 20, IPv6 with version 6, Ethernet/IPv4 ARP, or an 802.1Q/802.1ad tag.
 */
export function plausibleVxlanInner(b: Uint8Array, eth: number, end: number): boolean {
  if (eth + 14 > end) return false;
  const type = u16(b, eth + 12);
  const p = eth + 14;
  if (type === 0x0800) return p < end && b[p] >> 4 === 4 && (b[p] & 15) >= 5;
  if (type === 0x86dd) return p < end && b[p] >> 4 === 6;
  if (type === 0x0806) return p + 4 <= end && u16(b, p) === 1 && u16(b, p + 2) === 0x0800;
  return type === 0x8100 || type === 0x88a8;
}
