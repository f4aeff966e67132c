// TCP (RFC 9293).
//
//   0                   1                   2                   3
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |          Source Port          |       Destination Port        |
//  |                        Sequence Number                        |
//  |                    Acknowledgment Number                      |
//  | Offset|  Rsv  |C|E|U|A|P|R|S|F|            Window             |
//  |           Checksum            |         Urgent Pointer        |
//  |                    Options                    |    Padding    |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
import { Fault, Proto, u16, u32, type PacketState } from './packet.js';
import type { DecodeTables, Dissector } from './dissector.js';
import type { TcpLayer } from './layers.js';
import { IPV4_FLAGS_FRAG, IPV4_FLAG_MF } from './ipv4.js';

export const TCP_SRC_PORT = 0;
export const TCP_DST_PORT = 2;
export const TCP_SEQ = 4;
export const TCP_ACK = 8;
export const TCP_OFFSET_FLAGS = 12;
export const TCP_WINDOW = 14;
export const TCP_CHECKSUM = 16;
export const TCP_URGENT = 18;
export const TCP_MIN_HEADER = 20;

export const TCP_FIN = 0x001;
export const TCP_SYN = 0x002;
export const TCP_RST = 0x004;
export const TCP_PSH = 0x008;
export const TCP_ACK_FLAG = 0x010;
export const TCP_URG = 0x020;
export const TCP_ECE = 0x040;
export const TCP_CWR = 0x080;
export const TCP_AE = 0x100;

/** The 9 flag bits of the segment at `o`. */
export function tcpFlags(b: Uint8Array, o: number): number {
  return u16(b, o + TCP_OFFSET_FLAGS) & 0x1ff;
}

/** Flag letters in the order users read them: SA for SYN-ACK, FA, PA, R... */
export function tcpFlagString(f: number): string {
  let s = '';
  if (f & TCP_SYN) s += 'S';
  if (f & TCP_FIN) s += 'F';
  if (f & TCP_RST) s += 'R';
  if (f & TCP_PSH) s += 'P';
  if (f & TCP_ACK_FLAG) s += 'A';
  if (f & TCP_URG) s += 'U';
  if (f & TCP_ECE) s += 'E';
  if (f & TCP_CWR) s += 'C';
  if (f & TCP_AE) s += 'N';
  return s;
}

/**
 * True when the IP layer just pushed is a first fragment with more to follow: the transport header
 * may then end inside this fragment (RFC 791 lets a first fragment carry as little as 8 bytes).
 */
function inFirstFragment(st: PacketState): boolean {
  const ip = st.count - 1;
  if (ip < 0) return false;
  if (st.kind[ip] === Proto.IPV4) return (u16(st.buf, st.off[ip] + IPV4_FLAGS_FRAG) & IPV4_FLAG_MF) !== 0;
  // IPv6: the fragment header's offset (later fragments are not dispatched) and M flag.
  return st.kind[ip] === Proto.IPV6 && st.v2[ip] >= 0 && (st.buf[st.v2[ip] + 3] & 1) !== 0;
}

/** v2 of a TCP layer whose header the IP fragment ends inside (not a fault; see describe's `partial`). */
const PARTIAL_IN_FRAGMENT = -1;

// Typed field access for consumers (the slot layout below stays private to this file).
/** Source port of TCP layer i (also set for a header cut after the ports). */
export function tcpSrcPort(st: PacketState, i: number): number {
  return st.v1[i] >>> 16;
}
/** Destination port of TCP layer i. */
export function tcpDstPort(st: PacketState, i: number): number {
  return st.v1[i] & 0xffff;
}
/** Sequence number of TCP layer i (caller checks the header holds it). */
export function tcpSeq(st: PacketState, i: number): number {
  return u32(st.buf, st.off[i] + TCP_SEQ);
}
/** Acknowledgement number of TCP layer i (caller checks the header holds it). */
export function tcpAckNumber(st: PacketState, i: number): number {
  return u32(st.buf, st.off[i] + TCP_ACK);
}

// v1: source port << 16 | destination port; v2: payload length in captured bytes, or
// PARTIAL_IN_FRAGMENT.
export const tcp: Dissector<TcpLayer> = {
  proto: Proto.TCP,
  name: 'tcp',
  registration: { ipProto: [6] },
  decode(st: PacketState, off: number, end: number, t: DecodeTables): void {
    const b = st.buf;
    // The IP fragment, not the capture, ends inside the header: keep what it holds, no fault.
    const fragmentEnds = inFirstFragment(st) && !(st.snapCut && end >= st.capEnd);
    if (off + TCP_MIN_HEADER > end) {
      // Cut by the snaplen, quoted by an ICMP error (8 bytes) or a small first fragment: keep the
      // fields the bytes hold (ports, then sequence number...), as tshark does.
      if ((st.partialBytes() || fragmentEnds) && off + 4 <= end) {
        const i = st.push(Proto.TCP, off, end - off, end);
        if (i >= 0) {
          st.v1[i] = u16(b, off) * 65536 + u16(b, off + 2);
          if (fragmentEnds) st.v2[i] = PARTIAL_IN_FRAGMENT;
        }
      }
      if (fragmentEnds && off + 4 <= end) return;
      return st.short(Proto.TCP);
    }
    const hlen = (b[off + TCP_OFFSET_FLAGS] >> 4) * 4;
    if (hlen < TCP_MIN_HEADER) {
      const i = st.push(Proto.TCP, off, TCP_MIN_HEADER, end);
      if (i >= 0) st.v1[i] = u16(b, off) * 65536 + u16(b, off + 2);
      return st.fail(Proto.TCP, Fault.BAD_HEADER_LENGTH, hlen);
    }
    if (off + hlen > end) {
      // The options run past the bytes.
      const i = st.push(Proto.TCP, off, TCP_MIN_HEADER, end);
      if (i >= 0) {
        st.v1[i] = u16(b, off) * 65536 + u16(b, off + 2);
        if (fragmentEnds) st.v2[i] = PARTIAL_IN_FRAGMENT;
      }
      if (fragmentEnds) return;
      return st.short(Proto.TCP);
    }
    const i = st.push(Proto.TCP, off, hlen, end);
    if (i < 0) return;
    const sport = u16(b, off + TCP_SRC_PORT), dport = u16(b, off + TCP_DST_PORT);
    st.v1[i] = sport * 65536 + dport;
    st.v2[i] = end - off - hlen;
    if (end > off + hlen) st.then(t.tcp(sport, dport), off + hlen, end);
  },
  describe(st, i) {
    const b = st.buf, o = st.off[i];
    const full = st.hlen[i] >= TCP_MIN_HEADER && o + TCP_MIN_HEADER <= st.end[i] && st.v2[i] !== PARTIAL_IN_FRAGMENT;
    if (!full) {
      // A partial header: the fields the bytes hold, and why it is partial.
      const e = st.end[i];
      const partial: TcpLayer = {
        proto: 'tcp', srcPort: u16(b, o), dstPort: u16(b, o + 2),
        partial: st.v2[i] === PARTIAL_IN_FRAGMENT ? 'fragment' : st.quoted[i] ? 'quote' : 'snaplen',
      };
      if (o + TCP_ACK <= e) partial.seq = u32(b, o + TCP_SEQ);
      if (o + TCP_OFFSET_FLAGS <= e) partial.ack = u32(b, o + TCP_ACK);
      if (o + TCP_WINDOW <= e) {
        const f = tcpFlags(b, o);
        Object.assign(partial, { flags: tcpFlagString(f), flagBits: f, headerLength: (b[o + TCP_OFFSET_FLAGS] >> 4) * 4 });
      }
      if (o + TCP_CHECKSUM <= e) partial.window = u16(b, o + TCP_WINDOW);
      return partial;
    }
    const f = tcpFlags(b, o);
    return {
      proto: 'tcp',
      srcPort: u16(b, o + TCP_SRC_PORT),
      dstPort: u16(b, o + TCP_DST_PORT),
      seq: u32(b, o + TCP_SEQ),
      ack: u32(b, o + TCP_ACK),
      flags: tcpFlagString(f),
      flagBits: f,
      window: u16(b, o + TCP_WINDOW),
      headerLength: (b[o + TCP_OFFSET_FLAGS] >> 4) * 4,
      payloadLength: st.v2[i],
      checksum: u16(b, o + TCP_CHECKSUM),
    };
  },
  summary(st, i) {
    const b = st.buf, o = st.off[i];
    const f = st.hlen[i] >= TCP_MIN_HEADER ? tcpFlagString(tcpFlags(b, o)) : '';
    return `TCP ${u16(b, o)} > ${u16(b, o + 2)} [${f}] len ${Math.max(0, st.v2[i])}`;
  },
};
