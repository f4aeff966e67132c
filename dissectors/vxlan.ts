// VXLAN (RFC 7348), with the Group Policy extension (draft-smith-vxlan-group-policy).
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |G|R|R|R|I|R|R|R|R|D|R|R|A|R|R|R|        Group Policy ID        |
//  |                VXLAN Network Identifier (VNI) |   Reserved    |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// Without G, everything but the I flag and the VNI is reserved and must be zero.
// Ports: 4789 (IANA) and the user's `--vxlan-port`s decode as VXLAN whatever the bytes say.
// 8472 (Linux kernel default; flannel, Cilium; also Cisco OTV) and 6784 (Weave fastdp; also
// micro-BFD, RFC 7130) are heuristic: VXLAN only when plausibleVxlan() holds, else the port's
// other protocol (BFD on 6784) or nothing beyond UDP.
import { Proto, u16, u24, type PacketState } from './packet.js';
import type { DecodeTables, Dissector } from './dissector.js';
import type { VxlanLayer } from './layers.js';

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

export const VXLAN_IANA_PORT = 4789;
/** Ports where VXLAN is decoded only when the payload looks like VXLAN (see plausibleVxlan). */
export const VXLAN_HEURISTIC_PORTS = [8472, 6784] as const;
export const VXLAN_DEFAULT_PORTS = [VXLAN_IANA_PORT, ...VXLAN_HEURISTIC_PORTS] as const;

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

/**
 * The VXLAN header at `o` is plausible: I flag set, reserved bits zero (GBP's bits allowed with G),
 * then an inner Ethernet header with an EtherType (>= 0x0600) and, for IPv4/IPv6, the right
 * version nibble. `cut`: the captured bytes end at `end` because of the snaplen, so an inner frame
 * cut short is judged by what is there.
 */
export function plausibleVxlan(b: Uint8Array, o: number, end: number, cut: boolean): boolean {
  if (o + VXLAN_HEADER_LEN > end) return false;
  if ((b[o + VXLAN_FLAGS] & VXLAN_FLAG_I) === 0 || vxlanReservedBitsSet(b, o)) return false;
  const eth = o + VXLAN_HEADER_LEN;
  if (eth + 14 > end) return cut;
  const type = u16(b, eth + 12);
  if (type < 0x0600) return false;
  const p = eth + 14;
  if (type !== 0x0800 && type !== 0x86dd) return true;
  if (p >= end) return cut;
  return type === 0x0800 ? b[p] >> 4 === 4 && (b[p] & 15) >= 5 : b[p] >> 4 === 6;
}

// Typed field access for consumers (the slot layout below stays private to this file).
export function vxlanVni(st: PacketState, i: number): number {
  return st.v1[i];
}
/** The flags byte of VXLAN layer i (VXLAN_FLAG_I, VXLAN_FLAG_G). */
export function vxlanFlags(st: PacketState, i: number): number {
  return st.v2[i];
}
/** True when a bit reserved by RFC 7348 (or the GBP draft when G is set) is non-zero in VXLAN layer i. */
export function vxlanReservedSet(st: PacketState, i: number): boolean {
  return vxlanReservedBitsSet(st.buf, st.off[i]);
}

// v1: VNI; v2: flags byte.
export const vxlan: Dissector<VxlanLayer> = {
  proto: Proto.VXLAN,
  name: 'vxlan',
  registration: { udpPort: [VXLAN_IANA_PORT], udpPortHeuristic: VXLAN_HEURISTIC_PORTS },
  decode(st: PacketState, off: number, end: number, t: DecodeTables): void {
    const udp = st.count - 1;
    if (udp >= 0 && st.kind[udp] === Proto.UDP) {
      const b = st.buf, uo = st.off[udp];
      const port = t.udpPortOf(Proto.VXLAN, u16(b, uo), u16(b, uo + 2));
      if (t.udpHeuristic[port] !== 0) {
        const cut = st.snapCut && end >= st.capEnd;
        // Too few bytes to judge because the snaplen cut them: say so, as on any VXLAN port.
        if (cut && off + VXLAN_HEADER_LEN > end) return st.short(Proto.VXLAN);
        if (!plausibleVxlan(b, off, end, cut)) {
          const other = t.udpShared[port];
          if (other !== 0) st.then(other, off, end);
          return;
        }
      }
    }
    if (off + VXLAN_HEADER_LEN > end) return st.short(Proto.VXLAN);
    const i = st.push(Proto.VXLAN, off, VXLAN_HEADER_LEN, end);
    if (i < 0) return;
    st.v1[i] = u24(st.buf, off + VXLAN_VNI);
    st.v2[i] = st.buf[off + VXLAN_FLAGS];
    if (off + VXLAN_HEADER_LEN < end) st.then(Proto.ETH, off + VXLAN_HEADER_LEN, end);
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
