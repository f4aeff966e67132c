// Tunnel helpers shared by the lint and CNI analyses: which UDP port a tunnel was decoded on,
// whether a VXLAN header and inner frame look like VXLAN, and the Geneve option walk. One
// definition each, so the two analyses cannot drift apart.
import { DecodeTables } from '../../dissectors/dissector.js';
import { ALL_DISSECTORS } from '../../dissectors/registry.js';
import { Proto, u16, type PacketState, type ProtoId } from '../../dissectors/packet.js';
import { udpDstPort, udpSrcPort } from '../../dissectors/udp.js';
import { VXLAN_FLAG_I, VXLAN_HEADER_LEN, vxlanFlags, vxlanReservedSet } from '../../dissectors/vxlan.js';
import { geneveOptionClass, geneveOptionType } from '../../dissectors/geneve.js';

export interface TunnelPortOptions {
  /** Ports given with --vxlan-port (decoded as VXLAN). */
  vxlanPorts?: readonly number[];
  /** Ports given with --geneve-port (decoded as Geneve). */
  genevePorts?: readonly number[];
}

/**
 * The UDP port bindings ("which ports are VXLAN, Geneve, WireGuard") that lint and CNI ask about:
 * every dissector's registration plus the user's ports, as the decoder binds them. The one place
 * to read them from, so the decoder's own tables can be handed in instead.
 */
export function udpBindings(opts: TunnelPortOptions): DecodeTables {
  const t = new DecodeTables();
  for (const d of ALL_DISSECTORS) t.bind(d);
  for (const p of opts.vxlanPorts ?? []) t.udpPort[p] = Proto.VXLAN;
  for (const p of opts.genevePorts ?? []) t.udpPort[p] = Proto.GENEVE;
  return t;
}

/** The port of UDP layer `udp` that selected `proto` (destination first, as the decoder picks). */
export function tunnelPort(tables: DecodeTables, st: PacketState, udp: number, proto: ProtoId): number {
  return tables.udpPortOf(proto, udpSrcPort(st, udp), udpDstPort(st, udp));
}

/** The VXLAN header of layer i is as RFC 7348 says: I flag set, reserved bits (GBP's allowed with G) zero. */
export function vxlanHeaderOk(st: PacketState, i: number): boolean {
  return (vxlanFlags(st, i) & VXLAN_FLAG_I) !== 0 && !vxlanReservedSet(st, i);
}

/**
 * True when b[eth..end) starts with a plausible inner Ethernet frame: IPv4 with version 4 and a
 * header length of at least 20, IPv6 with version 6, Ethernet/IPv4 ARP, or an 802.1Q/802.1ad tag.
 * Used by the lint rules (VXLAN_PORT_NOT_VXLAN, VXLAN_HEURISTIC_UNBOUND_PORT) and the CNI fingerprint.
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

/** A decoded VXLAN layer i that is VXLAN after all: a good header, or a bad one in front of a plausible inner frame. */
export function vxlanLooksReal(st: PacketState, i: number): boolean {
  return vxlanHeaderOk(st, i) || plausibleVxlanInner(st.buf, st.off[i] + VXLAN_HEADER_LEN, st.end[i]);
}

/** A Geneve option as one number: class << 8 | type (the type's top bit is the critical bit). */
export function geneveOptionId(b: Uint8Array, p: number): number {
  return (geneveOptionClass(b, p) << 8) | geneveOptionType(b, p);
}

