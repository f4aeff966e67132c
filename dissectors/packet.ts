// The per-packet decode state. One PacketState is allocated per decoder and reused for every
// packet: dissectors append layers (kind, header offset, header length, payload end and two
// numeric slots) into preallocated typed arrays, so the hot path never allocates per layer.
// `dissect` turns this state into rich objects afterwards (dissectors/dissect.ts).
import { CLASS_NAMES } from '../src/classes.js';

/** Numeric identifiers of protocols; also the dissector ids used by the dispatch tables. */
export const Proto = {
  NONE: 0,
  ETH: 1,
  VLAN: 2,
  SLL: 3,
  SLL2: 4,
  NULL: 5,
  ARP: 6,
  IPV4: 7,
  IPV6: 8,
  ICMP: 9,
  ICMPV6: 10,
  UDP: 11,
  TCP: 12,
  VXLAN: 13,
  GRE: 14,
  GENEVE: 15,
  BGP: 16,
  VXLAN_GPE: 17,
  WIREGUARD: 18,
  // Loopback with the address family in network byte order (LINKTYPE_LOOP).
  LOOP: 19,
  // Raw IP where the version nibble picks IPv4 or IPv6 (LINKTYPE_RAW).
  RAWIP: 20,
  // ERSPAN types I-III over GRE (mirrored Ethernet frames).
  ERSPAN: 21,
  // BFD control packets (RFC 5880) on UDP 3784, 4784 and 6784.
  BFD: 22,
  COUNT: 23,
} as const;
export type ProtoId = (typeof Proto)[keyof typeof Proto];

/** Names used in JSON output (`proto` of a layer) and in error messages. */
export const PROTO_NAME: readonly string[] = [
  'none', 'eth', 'vlan', 'sll', 'sll2', 'null', 'arp', 'ipv4', 'ipv6', 'icmp', 'icmpv6', 'udp', 'tcp',
  'vxlan', 'gre', 'geneve', 'bgp', 'vxlan-gpe', 'wireguard', 'loop', 'raw', 'erspan', 'bfd',
];

/** Fault codes; the text is looked up only when an error is printed. */
export const Fault = {
  NONE: 0,
  TRUNCATED: 1, // header runs past the captured bytes although caplen == len
  BAD_VERSION: 2,
  BAD_HEADER_LENGTH: 3,
  BAD_TOTAL_LENGTH: 4,
  BAD_LENGTH: 5,
  TOO_MANY_LAYERS: 6,
  BAD_EXTENSION: 7,
  BAD_OPTION: 8,
  BAD_FLAGS: 9,
  UNSUPPORTED_LINKTYPE: 10,
  BAD_ROUTING: 11,
} as const;

export const FAULT_TEXT: readonly string[] = [
  '', 'truncated header', 'bad version', 'bad header length', 'bad total length', 'bad length field',
  'too many layers', 'bad extension header', 'bad option', 'bad flags', 'unsupported link type',
  'bad routing field',
];

/** Traffic classes (SPEC "Classes and flows"). */
export const TrafficClass = {
  OTHER: 0,
  UNDERLAY: 1,
  ROUTED: 2,
  VXLAN: 3,
  GENEVE: 4,
  IPIP: 5,
  GRE: 6,
  NVGRE: 7,
  WIREGUARD: 8,
} as const;
export type TrafficClassId = (typeof TrafficClass)[keyof typeof TrafficClass];
/** Class names by TrafficClass id (from the class table in src/classes.ts; typed: CLASS_NAMES there). */
export const CLASS_NAME: readonly string[] = CLASS_NAMES;

export const MAX_LAYERS = 40;
const EMPTY = new Uint8Array(0);

export class PacketState {
  /** The bytes of the record (a view; never copied). Offsets below are absolute within `buf`. */
  buf: Uint8Array = EMPTY;
  /** First byte of the record in `buf`. */
  start = 0;
  /** One past the last captured byte of the record in `buf`. */
  capEnd = 0;
  /** Original length on the wire. */
  wireLen = 0;
  /** True when caplen < len (snaplen cut); running out of bytes is then not an error. */
  snapCut = false;
  /** Set when a layer wanted bytes beyond the captured ones. */
  truncated = false;

  count = 0;
  readonly kind = new Uint8Array(MAX_LAYERS);
  /** Offset of the layer's header. */
  readonly off = new Int32Array(MAX_LAYERS);
  /** Length of the layer's header (for IPv6 including extension headers). */
  readonly hlen = new Int32Array(MAX_LAYERS);
  /** One past the last byte this layer covers (header + payload, bounded by captured bytes). */
  readonly end = new Int32Array(MAX_LAYERS);
  /** Two numeric slots per layer; each dissector documents what it stores there. */
  readonly v1 = new Float64Array(MAX_LAYERS);
  readonly v2 = new Float64Array(MAX_LAYERS);
  /** 1 when the layer sits inside an ICMP error's quoted packet. */
  readonly quoted = new Uint8Array(MAX_LAYERS);

  // Dispatch: the dissector that just ran names the next one.
  next: number = Proto.NONE;
  nextOff = 0;
  nextEnd = 0;
  /** Non-zero while decoding the packet quoted by an ICMP error. */
  inQuote = 0;

  errProto = 0;
  errFault = 0;
  /** A number that makes the error message precise (a length, a version); -1 when none. */
  errDetail = -1;
  /** The protocol whose header ran out of captured bytes (snaplen cut, ICMP quote, or truncation), else 0. */
  cutProto = 0;

  // Link-layer metadata (SLL/SLL2 packet type, SLL2 interface index), -1 when unknown.
  pktType = -1;
  ifIndex = -1;

  // Summary, filled by the decoder after the walk (indexes into the layer arrays, -1 when absent).
  cls: number = TrafficClass.OTHER;
  /** The outermost tunnel layer (VXLAN, Geneve, GRE, WireGuard, or the inner IP of IP-in-IP). */
  tunnel = -1;
  /** The IP layer that carries the outermost tunnel (or the only IP layer). */
  outerIp = -1;
  /** The innermost IP layer that is not part of a quoted ICMP packet. */
  innerIp = -1;
  /** The transport layer (UDP/TCP/ICMP) right after innerIp, or -1. */
  l4 = -1;

  reset(buf: Uint8Array, start: number, caplen: number, wireLen: number): void {
    this.buf = buf;
    this.start = start;
    this.capEnd = start + caplen;
    this.wireLen = wireLen;
    this.snapCut = caplen < wireLen;
    this.truncated = false;
    this.count = 0;
    this.next = Proto.NONE;
    this.inQuote = 0;
    this.errProto = 0;
    this.errFault = 0;
    this.errDetail = -1;
    this.cutProto = 0;
    this.pktType = -1;
    this.ifIndex = -1;
    this.cls = TrafficClass.OTHER;
    this.tunnel = -1;
    this.outerIp = -1;
    this.innerIp = -1;
    this.l4 = -1;
  }

  /** Appends a layer and returns its index, or -1 when the stack is full (recorded as an error). */
  push(proto: number, off: number, hlen: number, end: number): number {
    const i = this.count;
    if (i >= MAX_LAYERS) {
      this.fail(proto, Fault.TOO_MANY_LAYERS);
      return -1;
    }
    this.kind[i] = proto;
    this.off[i] = off;
    this.hlen[i] = hlen;
    this.end[i] = end;
    this.v1[i] = 0;
    this.v2[i] = 0;
    this.quoted[i] = this.inQuote;
    this.count = i + 1;
    return i;
  }

  /** Records the first fault of the packet; later ones are ignored. Stops the walk. */
  fail(proto: number, fault: number, detail = -1): void {
    if (this.errFault === 0) {
      this.errProto = proto;
      this.errFault = fault;
      this.errDetail = detail;
    }
    this.next = Proto.NONE;
  }

  /** A header needed more bytes than were captured: an error unless the record was cut by snaplen. */
  short(proto: number): void {
    if (this.cutProto === 0) this.cutProto = proto;
    if (this.inQuote !== 0) {
      // An ICMP error quotes the IP header and only 8 bytes of its payload (RFC 792): not a fault.
      this.next = Proto.NONE;
      return;
    }
    if (this.snapCut) {
      this.truncated = true;
      this.next = Proto.NONE;
    } else {
      this.fail(proto, Fault.TRUNCATED);
    }
    // Inside an ICMP quote, running out of bytes is expected: the quote is partial by design.
  }

  /**
   * True when the bytes are partial by design or by the capture: an ICMP error quotes only the
   * start of a packet, and a snaplen cut drops the end. Then a length field that claims more bytes
   * than are there is no fault, and a header cut short keeps the fields it holds. One rule for
   * every dissector (the walk itself continues inside a quote as far as the bytes go).
   */
  partialBytes(): boolean {
    return this.snapCut || this.inQuote !== 0;
  }

  /** Sets the next dissector. */
  then(proto: number, off: number, end: number): void {
    this.next = proto;
    this.nextOff = off;
    this.nextEnd = end;
  }

  errorText(): string | null {
    if (this.errFault === 0) return null;
    const d = this.errDetail >= 0 ? ` (${this.errDetail})` : '';
    // Faults before any dissector ran (an unsupported link type) belong to the link layer.
    const layer = this.errProto === Proto.NONE ? 'link' : PROTO_NAME[this.errProto];
    return `${layer}: ${FAULT_TEXT[this.errFault]}${d}`;
  }

  /** Index of the first layer of the given kind, or -1. */
  find(proto: number, from = 0): number {
    for (let i = from; i < this.count; i++) if (this.kind[i] === proto) return i;
    return -1;
  }
}

// Big-endian readers. Callers check bounds first; these do not.
export function u16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}
export function u24(b: Uint8Array, o: number): number {
  return (b[o] << 16) | (b[o + 1] << 8) | b[o + 2];
}
export function u32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}
export function u16le(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}
export function u32le(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

// Formatting helpers for the rich (cold) path.
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
export function macString(b: Uint8Array, o: number): string {
  return `${HEX[b[o]]}:${HEX[b[o + 1]]}:${HEX[b[o + 2]]}:${HEX[b[o + 3]]}:${HEX[b[o + 4]]}:${HEX[b[o + 5]]}`;
}
export function ipv4String(b: Uint8Array, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}
export function ipv4FromU32(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}
/** RFC 5952 text form: lower case, longest run of two or more zero groups as "::". */
export function ipv6String(b: Uint8Array, o: number): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(u16(b, o + 2 * i));
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  // IPv4-mapped (::ffff:a.b.c.d) is written with the dotted quad, as inet_ntop does.
  if (bestStart === 0 && bestLen === 5 && g[5] === 0xffff) return `::ffff:${ipv4String(b, o + 12)}`;
  const hex = (x: number) => x.toString(16);
  if (bestStart < 0) return g.map(hex).join(':');
  const head = g.slice(0, bestStart).map(hex).join(':');
  const tail = g.slice(bestStart + bestLen).map(hex).join(':');
  return `${head}::${tail}`;
}
