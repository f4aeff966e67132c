// VXLAN (RFC 7348), with the Group Policy extension (draft-smith-vxlan-group-policy).
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |G|R|R|R|I|R|R|R|R|D|R|R|A|R|R|R|        Group Policy ID        |
//  |                VXLAN Network Identifier (VNI) |   Reserved    |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// Without G, everything but the I flag and the VNI is reserved and must be zero.
// Ports: 4789 (IANA), 8472 (Linux kernel default; flannel, Cilium), 6784 (Weave fastdp).
import { Proto, u16, u24, type PacketState } from '../src/packet.js';
import type { DecodeTables, Dissector } from '../src/dissector.js';

export const VXLAN_FLAGS = 0;
export const VXLAN_GBP_FLAGS = 1;
export const VXLAN_GBP_POLICY = 2;
export const VXLAN_VNI = 4;
export const VXLAN_RESERVED2 = 7;
export const VXLAN_HEADER_LEN = 8;

export const VXLAN_FLAG_G = 0x80;
export const VXLAN_FLAG_I = 0x08;
export const VXLAN_GBP_D = 0x40;
export const VXLAN_GBP_A = 0x08;

export const VXLAN_DEFAULT_PORTS = [4789, 8472, 6784] as const;

/** True when any bit that RFC 7348 (or the GBP draft when G is set) reserves is non-zero. */
export function vxlanReservedBitsSet(b: Uint8Array, o: number): boolean {
  const flags = b[o + VXLAN_FLAGS];
  if (flags & VXLAN_FLAG_G) {
    return (flags & ~(VXLAN_FLAG_G | VXLAN_FLAG_I) & 0xff) !== 0 ||
      (b[o + VXLAN_GBP_FLAGS] & ~(VXLAN_GBP_D | VXLAN_GBP_A) & 0xff) !== 0 || b[o + VXLAN_RESERVED2] !== 0;
  }
  return (flags & ~VXLAN_FLAG_I & 0xff) !== 0 || b[o + 1] !== 0 || b[o + 2] !== 0 || b[o + 3] !== 0 ||
    b[o + VXLAN_RESERVED2] !== 0;
}

// v1: VNI; v2: flags byte.
export const vxlan: Dissector = {
  proto: Proto.VXLAN,
  name: 'vxlan',
  registration: { udpPort: VXLAN_DEFAULT_PORTS },
  decode(st: PacketState, off: number, end: number, t: DecodeTables): void {
    if (off + VXLAN_HEADER_LEN > end) return st.short(Proto.VXLAN);
    const i = st.push(Proto.VXLAN, off, VXLAN_HEADER_LEN, end);
    if (i < 0) return;
    st.v1[i] = u24(st.buf, off + VXLAN_VNI);
    st.v2[i] = st.buf[off + VXLAN_FLAGS];
    if (off + VXLAN_HEADER_LEN < end) st.then(Proto.ETH, off + VXLAN_HEADER_LEN, end);
    void t;
  },
  describe(st, i) {
    const b = st.buf, o = st.off[i];
    const flags = b[o + VXLAN_FLAGS];
    const g = (flags & VXLAN_FLAG_G) !== 0;
    return {
      proto: 'vxlan',
      flags,
      vni: st.v1[i],
      iFlag: (flags & VXLAN_FLAG_I) !== 0,
      reservedBitsSet: vxlanReservedBitsSet(b, o),
      gbp: g
        ? {
            dontLearn: (b[o + VXLAN_GBP_FLAGS] & VXLAN_GBP_D) !== 0,
            policyApplied: (b[o + VXLAN_GBP_FLAGS] & VXLAN_GBP_A) !== 0,
            policyId: u16(b, o + VXLAN_GBP_POLICY),
          }
        : null,
    };
  },
  summary(st, i) {
    return `VXLAN vni ${st.v1[i]}`;
  },
};
