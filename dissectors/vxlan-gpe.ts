// VXLAN Generic Protocol Extension (draft-ietf-nvo3-vxlan-gpe), UDP 4790.
//
//   0                   1                   2                   3
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |R|R|Ver|I|P|B|O|       Reserved                |Next Protocol  |
//  |                VXLAN Network Identifier (VNI) |   Reserved    |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// Next protocol: 1 IPv4, 2 IPv6, 3 Ethernet, 4 NSH (not dissected), 5 MPLS (not dissected).
import { Proto, u24, type PacketState } from './packet.js';
import type { DecodeTables, Dissector } from './dissector.js';
import type { VxlanGpeLayer } from './layers.js';

export const GPE_FLAGS = 0;
export const GPE_NEXT_PROTOCOL = 3;
export const GPE_VNI = 4;
export const GPE_HEADER_LEN = 8;
export const GPE_NEXT_IPV4 = 1;
export const GPE_NEXT_IPV6 = 2;
export const GPE_NEXT_ETHERNET = 3;

// v1: VNI; v2: next protocol.
export const vxlanGpe: Dissector<VxlanGpeLayer> = {
  proto: Proto.VXLAN_GPE,
  name: 'vxlan-gpe',
  registration: { udpPort: [4790] },
  decode(st: PacketState, off: number, end: number, t: DecodeTables): void {
    if (off + GPE_HEADER_LEN > end) return st.short(Proto.VXLAN_GPE);
    const i = st.push(Proto.VXLAN_GPE, off, GPE_HEADER_LEN, end);
    if (i < 0) return;
    const next = st.buf[off + GPE_NEXT_PROTOCOL];
    st.v1[i] = u24(st.buf, off + GPE_VNI);
    st.v2[i] = next;
    const p = next === GPE_NEXT_IPV4 ? Proto.IPV4 : next === GPE_NEXT_IPV6 ? Proto.IPV6
      : next === GPE_NEXT_ETHERNET ? Proto.ETH : Proto.NONE;
    if (p !== Proto.NONE && off + GPE_HEADER_LEN < end) st.then(p, off + GPE_HEADER_LEN, end);
    void t;
  },
  describe(st, i) {
    const b = st.buf, o = st.off[i];
    return { proto: 'vxlan-gpe', flags: b[o + GPE_FLAGS], vni: st.v1[i], nextProtocol: st.v2[i] };
  },
  summary(st, i) {
    return `VXLAN-GPE vni ${st.v1[i]} next ${st.v2[i]}`;
  },
};
