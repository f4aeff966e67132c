// Hand layout of protocol headers, field by field, for the unit tests and the fuzzer's built-in
// seeds. Every builder writes the header as the RFC draws it; nothing here calls the dissectors,
// so the tests compare the decoder against an independent layout of the bytes.

export type Bytes = Uint8Array | readonly number[];

export function concat(...parts: Bytes[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function be16(v: number): number[] {
  return [(v >>> 8) & 0xff, v & 0xff];
}
export function be24(v: number): number[] {
  return [(v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}
export function be32(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}
export function le16(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff];
}
export function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}
export function zeros(n: number): number[] {
  return new Array<number>(n).fill(0);
}
/** n bytes counting up from `from` (recognisable filler). */
export function filler(n: number, from = 0): number[] {
  return Array.from({ length: n }, (_, i) => (from + i) & 0xff);
}

export function hex(b: Bytes): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
export function fromHex(s: string): Uint8Array {
  const t = s.replace(/[^0-9a-f]/gi, '');
  const out = new Uint8Array(t.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(t.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function mac(s: string): number[] {
  const parts = s.split(':');
  if (parts.length !== 6) throw new Error(`bad MAC ${s}`);
  return parts.map((p) => parseInt(p, 16));
}

export function ip4(s: string): number[] {
  const parts = s.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255))) throw new Error(`bad IPv4 ${s}`);
  return parts;
}

/** IPv6 text (with at most one "::") to 16 bytes. */
export function ip6(s: string): number[] {
  const [head, tail] = s.includes('::') ? s.split('::') : [s, null];
  const h = head ? head.split(':') : [];
  const t = tail === null ? [] : tail ? tail.split(':') : [];
  const groups = tail === null ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  if (groups.length !== 8) throw new Error(`bad IPv6 ${s}`);
  return groups.flatMap((g) => be16(parseInt(g, 16)));
}

/** RFC 1071 Internet checksum of `b`. */
export function inetChecksum(b: Bytes): number {
  let sum = 0;
  for (let i = 0; i < b.length; i += 2) sum += (b[i] << 8) | (i + 1 < b.length ? b[i + 1] : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

// ---------------------------------------------------------------------------------------------
// Link layers

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_QINQ = 0x88a8;
export const ETHERTYPE_TEB = 0x6558;

export interface EthOpts { dst?: string; src?: string; type: number }
/** Ethernet II: dst(6) src(6) type(2). */
export function eth(o: EthOpts, payload: Bytes = []): Uint8Array {
  return concat(mac(o.dst ?? '02:00:00:00:00:02'), mac(o.src ?? '02:00:00:00:00:01'), be16(o.type), payload);
}

export interface VlanOpts { pcp?: number; dei?: boolean; vid: number; type: number }
/** 802.1Q/802.1ad tag body (the TPID is the EtherType before it): TCI(2) = PCP(3) DEI(1) VID(12), type(2). */
export function vlanTag(o: VlanOpts, payload: Bytes = []): Uint8Array {
  const tci = ((o.pcp ?? 0) << 13) | ((o.dei ? 1 : 0) << 12) | (o.vid & 0x0fff);
  return concat(be16(tci), be16(o.type), payload);
}

export interface SllOpts { pktType: number; hatype?: number; addr?: number[]; protocol: number }
/** Linux cooked v1: pkttype(2) hatype(2) halen(2) addr(8) protocol(2). */
export function sllHeader(o: SllOpts, payload: Bytes = []): Uint8Array {
  const addr = o.addr ?? mac('02:00:00:00:00:01');
  const a8 = [...addr, ...zeros(8)].slice(0, 8);
  return concat(be16(o.pktType), be16(o.hatype ?? 1), be16(addr.length), a8, be16(o.protocol), payload);
}

export interface Sll2Opts { protocol: number; ifIndex: number; hatype?: number; pktType: number; addr?: number[] }
/** Linux cooked v2: protocol(2) reserved(2) ifindex(4) hatype(2) pkttype(1) halen(1) addr(8). */
export function sll2Header(o: Sll2Opts, payload: Bytes = []): Uint8Array {
  const addr = o.addr ?? mac('02:00:00:00:00:01');
  const a8 = [...addr, ...zeros(8)].slice(0, 8);
  return concat(be16(o.protocol), [0, 0], be32(o.ifIndex), be16(o.hatype ?? 1), [o.pktType, addr.length], a8, payload);
}

// ---------------------------------------------------------------------------------------------
// ARP

export interface ArpOpts { op: number; sha: string; spa: string; tha: string; tpa: string }
/** RFC 826 for Ethernet/IPv4: htype(2)=1 ptype(2)=0x0800 hlen(1)=6 plen(1)=4 oper(2) sha spa tha tpa. */
export function arpPacket(o: ArpOpts): Uint8Array {
  return concat(be16(1), be16(0x0800), [6, 4], be16(o.op), mac(o.sha), ip4(o.spa), mac(o.tha), ip4(o.tpa));
}

// ---------------------------------------------------------------------------------------------
// IPv4 / IPv6

export interface Ipv4Opts {
  src?: string;
  dst?: string;
  protocol: number;
  version?: number;
  /** IHL in 32-bit words; default 5 + options/4. */
  ihl?: number;
  tos?: number;
  /** Default: header + payload. */
  totalLength?: number;
  id?: number;
  df?: boolean;
  mf?: boolean;
  /** Reserved (evil) bit. */
  rf?: boolean;
  /** Fragment offset in 8-byte units. */
  fragOffset?: number;
  ttl?: number;
  /** Default: computed. */
  checksum?: number;
  /** Option bytes (padded by the caller to a multiple of 4). */
  options?: number[];
}

/** RFC 791 header then the payload. */
export function ipv4(o: Ipv4Opts, payload: Bytes = []): Uint8Array {
  const options = o.options ?? [];
  const ihl = o.ihl ?? 5 + Math.ceil(options.length / 4);
  const hdrLen = 20 + options.length;
  const total = o.totalLength ?? hdrLen + payload.length;
  const flagsFrag = ((o.rf ? 1 : 0) << 15) | ((o.df ? 1 : 0) << 14) | ((o.mf ? 1 : 0) << 13) | ((o.fragOffset ?? 0) & 0x1fff);
  const h = concat(
    [((o.version ?? 4) << 4) | (ihl & 0x0f), o.tos ?? 0],
    be16(total),
    be16(o.id ?? 1),
    be16(flagsFrag),
    [o.ttl ?? 64, o.protocol],
    be16(0),
    ip4(o.src ?? '192.0.2.1'),
    ip4(o.dst ?? '192.0.2.2'),
    options,
  );
  const sum = o.checksum ?? inetChecksum(h);
  h[10] = sum >> 8;
  h[11] = sum & 0xff;
  return concat(h, payload);
}

export interface Ipv6Opts {
  src?: string;
  dst?: string;
  nextHeader: number;
  version?: number;
  trafficClass?: number;
  flowLabel?: number;
  /** Default: payload length. */
  payloadLength?: number;
  hopLimit?: number;
}

/** RFC 8200 fixed header then the payload (extension headers are part of the payload). */
export function ipv6(o: Ipv6Opts, payload: Bytes = []): Uint8Array {
  const first = (((o.version ?? 6) & 0xf) << 28) | ((o.trafficClass ?? 0) << 20) | ((o.flowLabel ?? 0) & 0xfffff);
  return concat(
    be32(first >>> 0),
    be16(o.payloadLength ?? payload.length),
    [o.nextHeader, o.hopLimit ?? 64],
    ip6(o.src ?? '2001:db8::1'),
    ip6(o.dst ?? '2001:db8::2'),
    payload,
  );
}

/**
 * A generic extension header (hop-by-hop 0, routing 43, destination options 60): next header(1),
 * hdr ext len(1) in 8-octet units not counting the first 8, then the body padded with PadN.
 */
export function ipv6Ext(nextHeader: number, bodyLen8: number, payload: Bytes = []): Uint8Array {
  const total = (bodyLen8 + 1) * 8;
  // Body: one PadN option filling the rest (type 1, length total-4).
  const body = [1, total - 4, ...zeros(total - 4)];
  return concat([nextHeader, bodyLen8], body, payload);
}

/** Routing header type `rtype` with `segmentsLeft`, length in 8-octet units. */
export function ipv6Routing(nextHeader: number, rtype: number, segmentsLeft: number, addrs: string[], payload: Bytes = []): Uint8Array {
  const body = concat([rtype, segmentsLeft], zeros(4), ...addrs.map(ip6));
  const len8 = (body.length + 2 - 8) / 8;
  return concat([nextHeader, len8], body, payload);
}

/** Fragment header (8 bytes): next header, reserved, offset(13) res(2) M(1), identification(32). */
export function ipv6Frag(nextHeader: number, offset8: number, more: boolean, id: number, payload: Bytes = []): Uint8Array {
  return concat([nextHeader, 0], be16(((offset8 & 0x1fff) << 3) | (more ? 1 : 0)), be32(id), payload);
}

/** AH (RFC 4302): next header, payload len in 4-octet units minus 2, reserved, SPI, seq, ICV. */
export function ipv6Ah(nextHeader: number, icvLen: number, payload: Bytes = []): Uint8Array {
  const total = 12 + icvLen;
  return concat([nextHeader, total / 4 - 2], be16(0), be32(0x1000), be32(1), zeros(icvLen), payload);
}

// ---------------------------------------------------------------------------------------------
// ICMP

/** ICMP (RFC 792): type, code, checksum, 4 bytes rest-of-header, body. */
export function icmp(type: number, code: number, rest: number[], body: Bytes = []): Uint8Array {
  const m = concat([type, code], be16(0), rest, body);
  const sum = inetChecksum(m);
  m[2] = sum >> 8;
  m[3] = sum & 0xff;
  return m;
}

/** ICMP destination unreachable / fragmentation needed with the next-hop MTU (RFC 1191). */
export function icmpFragNeeded(mtu: number, quoted: Bytes): Uint8Array {
  return icmp(3, 4, [0, 0, ...be16(mtu)], quoted);
}

/** ICMPv6 (RFC 4443): type, code, checksum (left 0), 4-byte field, body. */
export function icmpv6(type: number, code: number, field: number[], body: Bytes = []): Uint8Array {
  return concat([type, code], be16(0), field, body);
}

// ---------------------------------------------------------------------------------------------
// Transports

export interface UdpOpts { src: number; dst: number; length?: number; checksum?: number }
/** RFC 768: src(2) dst(2) length(2) checksum(2). */
export function udp(o: UdpOpts, payload: Bytes = []): Uint8Array {
  return concat(be16(o.src), be16(o.dst), be16(o.length ?? 8 + payload.length), be16(o.checksum ?? 0), payload);
}

export const TCP = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20, ECE: 0x40, CWR: 0x80, AE: 0x100 } as const;

export interface TcpOpts {
  src: number;
  dst: number;
  seq?: number;
  ack?: number;
  /** Data offset in 32-bit words; default 5 + options/4. */
  dataOffset?: number;
  /** 9 flag bits (AE is the low bit of the byte with the data offset). */
  flags: number;
  window?: number;
  checksum?: number;
  urgent?: number;
  options?: number[];
}
/** RFC 9293: ports, seq, ack, offset(4) rsv(3) AE(1) | CWR..FIN(8), window, checksum, urgent, options. */
export function tcp(o: TcpOpts, payload: Bytes = []): Uint8Array {
  const options = o.options ?? [];
  const doff = o.dataOffset ?? 5 + Math.ceil(options.length / 4);
  return concat(
    be16(o.src), be16(o.dst), be32(o.seq ?? 0), be32(o.ack ?? 0),
    [(doff << 4) | ((o.flags >> 8) & 1), o.flags & 0xff],
    be16(o.window ?? 65535), be16(o.checksum ?? 0), be16(o.urgent ?? 0),
    options, payload,
  );
}

// ---------------------------------------------------------------------------------------------
// Tunnels

export interface VxlanOpts {
  /** First byte: G(0x80) I(0x08) and reserved bits. Default 0x08. */
  flags?: number;
  /** Second byte (GBP: D 0x40, A 0x08). */
  flags2?: number;
  /** Bytes 2-3 (GBP group policy ID). */
  policy?: number;
  vni: number;
  /** Last byte (reserved). */
  reserved?: number;
}
/** RFC 7348 (+ Group Policy): flags(1) flags2(1) policy(2) VNI(3) reserved(1). */
export function vxlan(o: VxlanOpts, payload: Bytes = []): Uint8Array {
  return concat([o.flags ?? 0x08, o.flags2 ?? 0], be16(o.policy ?? 0), be24(o.vni), [o.reserved ?? 0], payload);
}

/** VXLAN-GPE: flags(1) reserved(2) next protocol(1) VNI(3) reserved(1). */
export function vxlanGpe(flags: number, nextProtocol: number, vni: number, payload: Bytes = []): Uint8Array {
  return concat([flags, 0, 0, nextProtocol], be24(vni), [0], payload);
}

export interface GreOpts {
  c?: boolean;
  r?: boolean;
  k?: boolean;
  s?: boolean;
  a?: boolean;
  version?: number;
  protocol: number;
  checksum?: number;
  offset?: number;
  key?: number;
  seq?: number;
  ack?: number;
  /** Raw SRE bytes when R is set (must end with a zero-length SRE). */
  routing?: number[];
}
/** RFC 2784/2890 (+ RFC 2637 version 1): flags/version(2) protocol(2) [checksum offset] [key] [seq] [ack] [routing]. */
export function gre(o: GreOpts, payload: Bytes = []): Uint8Array {
  const fv = ((o.c ? 1 : 0) << 15) | ((o.r ? 1 : 0) << 14) | ((o.k ? 1 : 0) << 13) | ((o.s ? 1 : 0) << 12) |
    ((o.a ? 1 : 0) << 7) | ((o.version ?? 0) & 7);
  const parts: Bytes[] = [be16(fv), be16(o.protocol)];
  if (o.c || o.r) parts.push(be16(o.checksum ?? 0), be16(o.offset ?? 0));
  if (o.k) parts.push(be32(o.key ?? 0));
  if (o.s) parts.push(be32(o.seq ?? 0));
  if (o.a && (o.version ?? 0) === 1) parts.push(be32(o.ack ?? 0));
  if (o.r) parts.push(o.routing ?? [0, 0, 0, 0]);
  parts.push(payload);
  return concat(...parts);
}

export interface GeneveOption { cls: number; type: number; data: number[] }
export interface GeneveOpts {
  version?: number;
  oam?: boolean;
  critical?: boolean;
  protocol: number;
  vni: number;
  options?: GeneveOption[];
  /** Override the 6-bit opt len (4-byte units). */
  optLen?: number;
}
/** RFC 8926: ver(2) optlen(6) | O C rsvd(6) | protocol(2) | VNI(3) reserved(1) | options. */
export function geneveOption(o: GeneveOption): number[] {
  if (o.data.length % 4 !== 0) throw new Error('Geneve option data must be a multiple of 4 bytes');
  return [...be16(o.cls), o.type, (o.data.length / 4) & 0x1f, ...o.data];
}
export function geneve(o: GeneveOpts, payload: Bytes = []): Uint8Array {
  const opts = (o.options ?? []).flatMap(geneveOption);
  const optLen = o.optLen ?? opts.length / 4;
  return concat(
    [((o.version ?? 0) << 6) | (optLen & 0x3f), ((o.oam ? 1 : 0) << 7) | ((o.critical ? 1 : 0) << 6)],
    be16(o.protocol), be24(o.vni), [0], opts, payload,
  );
}

/** WireGuard transport data: type 4, reserved(3), receiver index (LE 32), counter (LE 64), data + tag. */
export function wgData(receiver: number, counter: number, encrypted: number): Uint8Array {
  return concat([4, 0, 0, 0], le32(receiver), le32(counter), le32(0), filler(encrypted + 16, 0x80));
}
/** WireGuard handshake initiation: type 1, 148 bytes. */
export function wgInitiation(sender: number): Uint8Array {
  return concat([1, 0, 0, 0], le32(sender), filler(140, 0x40));
}
