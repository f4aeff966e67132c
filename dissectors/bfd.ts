// BFD control packets (RFC 5880 section 4.1) on UDP 3784 (single hop, RFC 5881), 4784 (multihop,
// RFC 5883) and 6784 (micro-BFD on LAG members, RFC 7130). 6784 is also Weave's VXLAN port: there
// BFD is what is left when the payload is not plausible VXLAN (see dissectors/vxlan.ts).
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |Vers |  Diag   |Sta|P|F|C|A|D|M|  Detect Mult  |    Length     |
//  |                       My Discriminator                        |
//  |                      Your Discriminator                       |
//  |                    Desired Min TX Interval                    |
//  |                   Required Min RX Interval                    |
//  |                 Required Min Echo RX Interval                 |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  | Auth Type     |   Auth Len    |    Authentication Data...     |   (A bit)
//
// Intervals are in microseconds. Only version 1 is defined.
import { Fault, Proto, u32, type PacketState } from './packet.js';
import type { DecodeTables, Dissector } from './dissector.js';
import type { BfdLayer } from './layers.js';

export const BFD_VERS_DIAG = 0;
export const BFD_STATE_FLAGS = 1;
export const BFD_DETECT_MULT = 2;
export const BFD_LENGTH = 3;
export const BFD_MY_DISC = 4;
export const BFD_YOUR_DISC = 8;
export const BFD_DESIRED_MIN_TX = 12;
export const BFD_REQUIRED_MIN_RX = 16;
export const BFD_REQUIRED_MIN_ECHO_RX = 20;
export const BFD_HEADER_LEN = 24;
export const BFD_AUTH_TYPE = 24;
export const BFD_AUTH_LEN = 25;

export const BFD_FLAG_P = 0x20;
export const BFD_FLAG_F = 0x10;
export const BFD_FLAG_C = 0x08;
export const BFD_FLAG_A = 0x04;
export const BFD_FLAG_D = 0x02;
export const BFD_FLAG_M = 0x01;

export const BFD_SINGLE_HOP_PORT = 3784;
export const BFD_MULTIHOP_PORT = 4784;
export const BFD_MICRO_PORT = 6784;

/** Session states (RFC 5880 section 4.1). */
export const BFD_STATE_NAMES = ['AdminDown', 'Down', 'Init', 'Up'] as const;

// v1: state << 8 | diag; v2: version.
export const bfd: Dissector<BfdLayer> = {
  proto: Proto.BFD,
  name: 'bfd',
  // 6784 is shared with heuristic VXLAN (Weave): BFD is decoded there only when VXLAN declines.
  registration: { udpPort: [BFD_SINGLE_HOP_PORT, BFD_MULTIHOP_PORT], udpPortShared: [BFD_MICRO_PORT] },
  decode(st: PacketState, off: number, end: number, t: DecodeTables): void {
    void t;
    const b = st.buf;
    if (off + BFD_HEADER_LEN > end) return st.short(Proto.BFD);
    const version = b[off + BFD_VERS_DIAG] >> 5;
    const i = st.push(Proto.BFD, off, BFD_HEADER_LEN, end);
    if (i < 0) return;
    st.v1[i] = ((b[off + BFD_STATE_FLAGS] >> 6) << 8) | (b[off + BFD_VERS_DIAG] & 0x1f);
    st.v2[i] = version;
    if (version !== 1) return st.fail(Proto.BFD, Fault.BAD_VERSION, version);
    const len = b[off + BFD_LENGTH];
    const minLen = b[off + BFD_STATE_FLAGS] & BFD_FLAG_A ? BFD_HEADER_LEN + 2 : BFD_HEADER_LEN;
    // The length covers the whole control packet; more than the datagram holds is a fault unless cut by snaplen.
    if (len < minLen || (off + len > end && !st.partialBytes())) return st.fail(Proto.BFD, Fault.BAD_LENGTH, len);
  },
  describe(st, i) {
    const b = st.buf, o = st.off[i];
    const sf = b[o + BFD_STATE_FLAGS];
    const auth = (sf & BFD_FLAG_A) !== 0 && o + BFD_AUTH_LEN < st.end[i];
    return {
      proto: 'bfd',
      version: b[o + BFD_VERS_DIAG] >> 5,
      diag: b[o + BFD_VERS_DIAG] & 0x1f,
      state: sf >> 6,
      stateName: BFD_STATE_NAMES[sf >> 6],
      flags: sf & 0x3f,
      poll: (sf & BFD_FLAG_P) !== 0,
      final: (sf & BFD_FLAG_F) !== 0,
      controlPlaneIndependent: (sf & BFD_FLAG_C) !== 0,
      authPresent: (sf & BFD_FLAG_A) !== 0,
      demand: (sf & BFD_FLAG_D) !== 0,
      multipoint: (sf & BFD_FLAG_M) !== 0,
      detectMult: b[o + BFD_DETECT_MULT],
      length: b[o + BFD_LENGTH],
      myDiscriminator: u32(b, o + BFD_MY_DISC),
      yourDiscriminator: u32(b, o + BFD_YOUR_DISC),
      desiredMinTxInterval: u32(b, o + BFD_DESIRED_MIN_TX),
      requiredMinRxInterval: u32(b, o + BFD_REQUIRED_MIN_RX),
      requiredMinEchoRxInterval: u32(b, o + BFD_REQUIRED_MIN_ECHO_RX),
      ...(auth ? { authType: b[o + BFD_AUTH_TYPE], authLength: b[o + BFD_AUTH_LEN] } : {}),
    };
  },
  summary(st, i) {
    const v = st.v1[i];
    return `BFD ${BFD_STATE_NAMES[v >> 8]} diag ${v & 0x1f}`;
  },
};
