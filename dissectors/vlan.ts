// IEEE 802.1Q VLAN tag and 802.1ad service tag (QinQ); any number may be stacked.
//
//  0       2                  4
//  +-------+-------+----------+
//  |PCP|D| VID     | EtherType|   (the TPID 0x8100/0x88a8 is the EtherType of the layer before)
//  +-------+-------+----------+
//  PCP: 3 bits, DEI: 1 bit, VID: 12 bits
import { Proto, u16, type PacketState } from './packet.js';
import type { DecodeTables, Dissector } from './dissector.js';
import type { VlanLayer } from './layers.js';

export const VLAN_TCI = 0;
export const VLAN_TYPE = 2;
export const VLAN_HEADER_LEN = 4;
export const VLAN_VID_MASK = 0x0fff;

// Typed field access for consumers (the slot layout below stays private to this file).
/** The EtherType after 802.1Q tag i. */
export function vlanInnerType(st: PacketState, i: number): number {
  return st.v1[i];
}
/** The TPID that introduced tag i (0x8100, 0x88a8 or 0x9100). */
export function vlanTpid(st: PacketState, i: number): number {
  return st.v2[i];
}

// v1: inner EtherType; v2: TPID that introduced this tag (0x8100, 0x88a8 or 0x9100).
export const vlan: Dissector<VlanLayer> = {
  proto: Proto.VLAN,
  name: 'vlan',
  registration: { ethertype: [0x8100, 0x88a8, 0x9100] },
  decode(st: PacketState, off: number, end: number, t: DecodeTables): void {
    if (off + VLAN_HEADER_LEN > end) return st.short(Proto.VLAN);
    const i = st.push(Proto.VLAN, off, VLAN_HEADER_LEN, end);
    if (i < 0) return;
    const type = u16(st.buf, off + VLAN_TYPE);
    st.v1[i] = type;
    // The TPID is the previous layer's EtherType: v1 of Ethernet, VLAN and SLL, but v2 (the protocol
    // type) of GRE and Geneve, whose v1 is the key / VNI.
    const prev = i > 0 ? st.kind[i - 1] : Proto.NONE;
    st.v2[i] = i === 0 ? 0 : prev === Proto.GRE || prev === Proto.GENEVE ? st.v2[i - 1] : st.v1[i - 1];
    if (type < 0x0600) return;
    st.then(t.ethertype[type], off + VLAN_HEADER_LEN, end);
  },
  describe(st, i) {
    const tci = u16(st.buf, st.off[i] + VLAN_TCI);
    return {
      proto: 'vlan',
      id: tci & VLAN_VID_MASK,
      pcp: tci >> 13,
      dei: (tci & 0x1000) !== 0,
      ethertype: st.v1[i],
      tpid: st.v2[i],
    };
  },
  summary(st, i) {
    return `vlan ${u16(st.buf, st.off[i]) & VLAN_VID_MASK}`;
  },
};
