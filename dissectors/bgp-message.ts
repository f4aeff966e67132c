// The BGP-4 wire parser (RFC 4271 and the extensions named below). Input: the bytes of exactly
// one message, as framed by src/analyses/bgp/framer.ts. Output: a JSON-ready object. Every read is
// bounds-checked first; a malformed message yields the fields that could be read and an
// `error` naming the field and the fault. Nothing here throws on bad bytes.
//
// Message header (RFC 4271 4.1), the first 19 octets of every message:
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                                                               |
//  +                                                               +
//  |                           Marker (16 octets of 0xFF)          |
//  +                                                               +
//  |                                                               |
//  +                                                               +
//  |                                                               |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |          Length               |      Type     |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
import { ipv4String, ipv6String, u16, u32 } from './packet.js';
import {
  AFI_IPV4, AFI_IPV6, ATTR_AGGREGATOR, ATTR_AS4_AGGREGATOR, ATTR_AS4_PATH, ATTR_AS_PATH, ATTR_ATOMIC_AGGREGATE,
  ATTR_CLUSTER_LIST, ATTR_COMMUNITIES, ATTR_EXTENDED_COMMUNITIES, ATTR_LARGE_COMMUNITY, ATTR_LOCAL_PREF, ATTR_MED,
  ATTR_MP_REACH_NLRI, ATTR_MP_UNREACH_NLRI, ATTR_NEXT_HOP, ATTR_ORIGIN, ATTR_ORIGINATOR_ID, AS_CONFED_SEQUENCE,
  AS_CONFED_SET, AS_SEQUENCE, AS_SET, AS_TRANS, CAP_ADD_PATH, CAP_AS4, CAP_BGP_ROLE, CAP_EXTENDED_MESSAGE,
  CAP_EXTENDED_NEXT_HOP, CAP_FQDN, CAP_GRACEFUL_RESTART, CAP_LLGR, CAP_MULTIPROTOCOL, CAP_SOFTWARE_VERSION,
  MSG_KEEPALIVE, MSG_NOTIFICATION, MSG_OPEN, MSG_ROUTE_REFRESH, MSG_UPDATE, ORIGIN_NAME, SAFI_LABELED_UNICAST,
  SAFI_MULTICAST, SAFI_UNICAST, SEGMENT_TYPE_NAME, attributeName, capabilityName, errorCodeName, errorSubcodeName,
  familyName, messageTypeName, notificationName,
} from './bgp-names.js';

// ---- header -----------------------------------------------------------------------------------
export const BGP_MARKER_LEN = 16;
export const BGP_LENGTH = 16; // u16
export const BGP_TYPE = 18; // u8
export const BGP_HEADER_LEN = 19;
/** RFC 4271: the largest message; RFC 8654 raises it to 65535 for all but OPEN and KEEPALIVE. */
export const BGP_MAX_LEN = 4096;
export const BGP_MAX_EXTENDED_LEN = 65535;

/** Minimum length of each message type (header included). */
export const MIN_LENGTH: Readonly<Record<number, number>> = {
  [MSG_OPEN]: 29, [MSG_UPDATE]: 23, [MSG_NOTIFICATION]: 21, [MSG_KEEPALIVE]: 19, [MSG_ROUTE_REFRESH]: 23,
};

/** True when b[o .. o+16) is the all-ones marker. Caller checks o + 16 <= end. */
export function isMarker(b: Uint8Array, o: number): boolean {
  for (let i = 0; i < BGP_MARKER_LEN; i++) if (b[o + i] !== 0xff) return false;
  return true;
}

// ---- what the parser needs to know about the session ------------------------------------------
export interface ParseContext {
  /** Both OPENs carried the 4-octet AS capability (true), not both did (false), unknown (null): heuristic. */
  as4?: boolean | null;
  /** Whether the sender includes ADD-PATH identifiers for this AFI/SAFI; null: unknown, heuristic. */
  addPath?: (afi: number, safi: number) => boolean | null;
  /** Both OPENs carried the extended message capability (RFC 8654). */
  extendedMessage?: boolean | null;
}

// ---- result types -----------------------------------------------------------------------------
export interface BgpBase {
  type: string;
  typeCode: number;
  length: number;
  /** The first fault found, naming the field; null for a well-formed message. */
  error: string | null;
  /** Every fault, when there was more than one. */
  errors?: string[];
}

export interface AfiSafiEntry {
  afi: number;
  safi: number;
  family: string;
  [k: string]: unknown;
}

export interface Capability {
  code: number;
  name: string;
  length: number;
  afi?: number;
  safi?: number;
  family?: string;
  asn?: number;
  restartTime?: number;
  restartState?: boolean;
  gracefulNotification?: boolean;
  families?: AfiSafiEntry[];
  role?: number;
  roleName?: string;
  hostname?: string;
  domain?: string;
  version?: string;
  data?: string;
  error?: string;
}

export interface OptionalParameter {
  type: number;
  length: number;
  data: string;
}

export interface BgpOpen extends BgpBase {
  type: 'OPEN';
  version: number;
  /** The 2-octet My AS field as sent (23456 = AS_TRANS when the real ASN needs 4 octets). */
  myAs: number;
  /** The speaker's real ASN: the 4-octet AS capability's value when present, else My AS. */
  asn: number;
  holdTime: number;
  routerId: string;
  optionalParametersLength: number;
  /** RFC 9072 extended optional parameters length form. */
  extendedOptionalParameters: boolean;
  capabilities: Capability[];
  /** Optional parameters other than capabilities (type 2). */
  otherParameters?: OptionalParameter[];
}

/** An AS_PATH element: an ASN of an AS_SEQUENCE, or an AS_SET as a nested array. */
export type AsPathElement = number | number[];

export interface AsPathSegment {
  type: string;
  typeCode: number;
  asns: number[];
}

export interface PathAttribute {
  code: number;
  name: string;
  flags: number;
  optional: boolean;
  transitive: boolean;
  partial: boolean;
  extendedLength: boolean;
  length: number;
  /** Value bytes in hex, for attributes this parser does not decode (at most 256 bytes). */
  data?: string;
}

export interface MpReach {
  afi: number;
  safi: number;
  family: string;
  nextHops: string[];
  nlri: string[];
  pathIds?: number[];
  labels?: number[][];
  /** NLRI bytes of a family whose prefixes are not decoded (VPN, EVPN, flowspec...). */
  undecodedNlriBytes?: number;
}

export interface MpUnreach {
  afi: number;
  safi: number;
  family: string;
  withdrawn: string[];
  pathIds?: number[];
  labels?: number[][];
  undecodedNlriBytes?: number;
}

export interface BgpUpdate extends BgpBase {
  type: 'UPDATE';
  /** Withdrawn prefixes: the Withdrawn Routes field (IPv4), then MP_UNREACH_NLRI's. */
  withdrawn: string[];
  /** Announced prefixes: MP_REACH_NLRI's (in attribute order), then the NLRI field (IPv4). */
  nlri: string[];
  /** ADD-PATH identifiers, parallel to `withdrawn` / `nlri`, when path identifiers were present. */
  withdrawnPathIds?: number[];
  nlriPathIds?: number[];
  origin: string | null;
  /** AS_PATH as sent: AS_SEQUENCE members flattened, AS_SET members as nested arrays. */
  asPath: AsPathElement[] | null;
  asPathSegments?: AsPathSegment[];
  /** Octets per ASN used to decode AS_PATH, and whether from the OPENs or from the heuristic. */
  asSize?: 2 | 4;
  asSizeSource?: 'negotiated' | 'heuristic';
  as4Path: AsPathElement[] | null;
  as4PathSegments?: AsPathSegment[];
  /** NEXT_HOP, else the first MP_REACH_NLRI next hop. */
  nextHop: string | null;
  med: number | null;
  localPref: number | null;
  atomicAggregate: boolean;
  aggregator: { asn: number; address: string } | null;
  as4Aggregator: { asn: number; address: string } | null;
  communities: string[];
  largeCommunities: string[];
  extendedCommunities: string[];
  originatorId: string | null;
  clusterList: string[];
  mpReach: MpReach | null;
  mpUnreach: MpUnreach | null;
  /** Further MP_REACH_NLRI / MP_UNREACH_NLRI attributes (malformed per RFC 7606, decoded anyway). */
  mpReachMore?: MpReach[];
  mpUnreachMore?: MpUnreach[];
  /** How many of `nlri` came from the NLRI field (the last ones), and of `withdrawn` from the Withdrawn Routes field (the first ones). */
  nlriFieldCount: number;
  withdrawnFieldCount: number;
  /** The family of an End-of-RIB marker (RFC 4724), else null. */
  endOfRib: string | null;
  /** Every path attribute in wire order, with flags and length. */
  attributes: PathAttribute[];
}

export interface BgpNotification extends BgpBase {
  type: 'NOTIFICATION';
  errorCode: number;
  errorSubcode: number;
  errorName: string;
  errorSubcodeName: string | null;
  /** "Cease / Administrative Shutdown" */
  name: string;
  data: string;
  /** RFC 9003 (Cease / Administrative Shutdown or Reset). */
  shutdownCommunication?: string;
  /** OPEN Message Error / Bad Peer AS. */
  badPeerAs?: number;
  /** RFC 8538 Cease / Hard Reset: the encapsulated error. */
  hardReset?: { errorCode: number; errorSubcode: number; name: string };
}

export interface BgpKeepalive extends BgpBase {
  type: 'KEEPALIVE';
}

export interface BgpRouteRefresh extends BgpBase {
  type: 'ROUTE-REFRESH';
  afi: number;
  safi: number;
  family: string;
  /** RFC 7313: 0 normal request, 1 BoRR, 2 EoRR. */
  subtype: number;
  subtypeName: string;
  orfBytes?: number;
}

export interface BgpUnknown extends BgpBase {
  type: 'UNKNOWN';
}

export type BgpMessage = BgpOpen | BgpUpdate | BgpNotification | BgpKeepalive | BgpRouteRefresh | BgpUnknown;

// ---- helpers ----------------------------------------------------------------------------------
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const MAX_HEX = 256;

/** Hex of b[s, e), at most 256 bytes, with "..." when cut. */
export function hex(b: Uint8Array, s: number, e: number): string {
  let out = '';
  const stop = Math.min(e, s + MAX_HEX);
  for (let i = s; i < stop; i++) out += HEX[b[i]];
  return e > stop ? out + '...' : out;
}

class Faults {
  /** Made with the first fault (most messages have none). */
  private list: string[] | null = null;
  /** `typeName`: the message type in the prefix ("bgp UPDATE: ..."), or null for just "bgp". */
  constructor(private readonly typeName: string | null) {}
  add(msg: string): void {
    const list = (this.list ??= []);
    if (list.length < 32) list.push(`${this.typeName === null ? 'bgp' : `bgp ${this.typeName}`}: ${msg}`);
  }
  apply(m: BgpBase): void {
    const list = this.list;
    m.error = list !== null ? list[0] : null;
    if (list !== null && list.length > 1) m.errors = list.slice();
  }
}

/** `len` is `n`, else a fault naming attribute `name`. */
function wantLen(f: Faults, name: string, len: number, n: number): boolean {
  if (len === n) return true;
  f.add(`${name} length ${len} (expected ${n})`);
  return false;
}

/** `len` is a multiple of `n`, else a fault naming attribute `name`. */
function wantMultiple(f: Faults, name: string, len: number, n: number): boolean {
  if (len % n === 0) return true;
  f.add(`${name} length ${len} is not a multiple of ${n}`);
  return false;
}

/** Path attribute codes seen in the UPDATE being parsed: seenMark[code] === seenGeneration (no Set per UPDATE). */
const seenMark = new Uint32Array(256);
let seenGeneration = 0;

const scratch = new Uint8Array(16);

/** A prefix of `bits` bits from b[o, o + bytes) as "10.0.0.0/24" / "fd00::/64"; host bits cleared. */
function prefixString(b: Uint8Array, o: number, bytes: number, bits: number, afi: number): string {
  scratch.fill(0);
  for (let i = 0; i < bytes; i++) scratch[i] = b[o + i];
  if (bits & 7) scratch[bytes - 1] &= (0xff00 >> (bits & 7)) & 0xff;
  return `${afi === AFI_IPV6 ? ipv6String(scratch, 0) : ipv4String(scratch, 0)}/${bits}`;
}

interface PrefixList {
  prefixes: string[];
  pathIds: number[] | null;
  labels: number[][] | null;
  error: string | null;
}

/**
 * NLRI encoding (RFC 4271 4.3, RFC 7911 with a path identifier, RFC 8277 with labels):
 *
 *   +--------------------------------+
 *   | Path Identifier (4 octets)     |  ADD-PATH only
 *   +--------------------------------+
 *   | Length (1 octet, in bits)      |
 *   +--------------------------------+
 *   | Label stack (3 octets each)    |  labeled unicast only; the length counts its bits
 *   +--------------------------------+
 *   | Prefix (ceil(bits / 8) octets) |
 *   +--------------------------------+
 */
function readPrefixes(b: Uint8Array, p: number, end: number, afi: number, safi: number, addPath: boolean, what: string): PrefixList {
  const out: PrefixList = { prefixes: [], pathIds: addPath ? [] : null, labels: safi === SAFI_LABELED_UNICAST ? [] : null, error: null };
  const maxBits = afi === AFI_IPV6 ? 128 : 32;
  while (p < end) {
    let id = 0;
    if (addPath) {
      if (p + 4 > end) { out.error = `${what}: path identifier truncated (${end - p} bytes left)`; break; }
      id = u32(b, p);
      p += 4;
    }
    if (p + 1 > end) { out.error = `${what}: prefix length missing after path identifier`; break; }
    let bits = b[p++];
    let labels: number[] | null = null;
    if (safi === SAFI_LABELED_UNICAST) {
      labels = [];
      for (;;) {
        if (bits < 24) { out.error = `${what}: prefix length ${bits} too short for its label stack`; return out; }
        if (p + 3 > end) { out.error = `${what}: label truncated (${end - p} bytes left)`; return out; }
        const v = (b[p] << 16) | (b[p + 1] << 8) | b[p + 2];
        labels.push(v >>> 4);
        p += 3;
        bits -= 24;
        // Bottom of stack, or the withdrawal / compatibility values 0x800000 and 0x000000.
        if (v & 1 || v === 0x800000 || v === 0) break;
      }
    }
    if (bits > maxBits) { out.error = `${what}: prefix length ${bits} exceeds ${maxBits}`; break; }
    const bytes = (bits + 7) >> 3;
    if (p + bytes > end) { out.error = `${what}: prefix /${bits} needs ${bytes} bytes, ${end - p} left`; break; }
    out.prefixes.push(prefixString(b, p, bytes, bits, afi));
    if (out.pathIds) out.pathIds.push(id);
    if (out.labels && labels) out.labels.push(labels);
    p += bytes;
  }
  return out;
}

/**
 * Prefixes with or without ADD-PATH identifiers. When the OPENs did not say (null), both readings
 * are tried: the one that parses cleanly wins; if both do, path identifiers are assumed only when
 * the plain reading yields repeated /0 prefixes (what zero-valued identifiers look like).
 */
function readPrefixesAuto(b: Uint8Array, p: number, end: number, afi: number, safi: number, addPath: boolean | null, what: string): PrefixList {
  if (addPath !== null) return readPrefixes(b, p, end, afi, safi, addPath, what);
  const plain = readPrefixes(b, p, end, afi, safi, false, what);
  if (p === end) return plain;
  const withIds = readPrefixes(b, p, end, afi, safi, true, what);
  if (plain.error === null && withIds.error !== null) return plain;
  if (plain.error !== null && withIds.error === null) return withIds;
  if (plain.error !== null) return plain;
  let zeros = 0;
  for (const s of plain.prefixes) if (s.endsWith('/0')) zeros++;
  return zeros >= 2 || (zeros === 1 && plain.prefixes.length > withIds.prefixes.length && withIds.prefixes.length > 0) ? withIds : plain;
}

/** Formats an IPv4 address from b[o, o + 4). */
function ip4(b: Uint8Array, o: number): string {
  return ipv4String(b, o);
}

// ---- AS_PATH ----------------------------------------------------------------------------------
//
//  AS_PATH is a sequence of segments (RFC 4271 4.3, RFC 6793 for 4-octet ASNs):
//
//   +-----------------+-----------------+-----------------------------------+
//   | Segment type    | Segment length  | ASNs (length x 2 or 4 octets)     |
//   | (1 octet)       | (1 octet, ASNs) |                                   |
//   +-----------------+-----------------+-----------------------------------+

interface AsPathResult {
  segments: AsPathSegment[];
  error: string | null;
  /** Any ASN 0 (RFC 7607: never valid), or a zero-length segment: counts against a reading. */
  suspicious: boolean;
}

function readAsPath(b: Uint8Array, p: number, end: number, size: 2 | 4, what: string): AsPathResult {
  const r: AsPathResult = { segments: [], error: null, suspicious: false };
  while (p < end) {
    if (p + 2 > end) { r.error = `${what}: segment header truncated (${end - p} byte left)`; break; }
    const type = b[p], count = b[p + 1];
    p += 2;
    if (type < AS_SET || type > AS_CONFED_SET) { r.error = `${what}: unknown segment type ${type}`; break; }
    if (count === 0) r.suspicious = true;
    if (p + count * size > end) {
      r.error = `${what}: segment of ${count} ASNs needs ${count * size} bytes, ${end - p} left`;
      break;
    }
    const asns: number[] = [];
    for (let i = 0; i < count; i++, p += size) {
      const a = size === 4 ? u32(b, p) : u16(b, p);
      if (a === 0) r.suspicious = true;
      asns.push(a);
    }
    r.segments.push({ type: SEGMENT_TYPE_NAME[type], typeCode: type, asns });
  }
  return r;
}

/** Segments as the flat JSON form: AS_SEQUENCE and AS_CONFED_SEQUENCE spread, sets nested. */
export function flattenAsPath(segments: readonly AsPathSegment[]): AsPathElement[] {
  const out: AsPathElement[] = [];
  for (const s of segments) {
    if (s.typeCode === AS_SEQUENCE || s.typeCode === AS_CONFED_SEQUENCE) out.push(...s.asns);
    else out.push(s.asns.slice());
  }
  return out;
}

/** Cisco-style text: "64512 65000 {65001,65002} (65100)". */
export function asPathString(segments: readonly AsPathSegment[] | undefined): string {
  if (!segments) return '';
  const parts: string[] = [];
  for (const s of segments) {
    if (s.typeCode === AS_SEQUENCE) parts.push(s.asns.join(' '));
    else if (s.typeCode === AS_SET) parts.push(`{${s.asns.join(',')}}`);
    else if (s.typeCode === AS_CONFED_SEQUENCE) parts.push(`(${s.asns.join(' ')})`);
    else parts.push(`[${s.asns.join(',')}]`);
  }
  return parts.filter((x) => x !== '').join(' ');
}

/** Number of ASes a path counts as for RFC 6793 4.2.3 (a set counts 1, confederation segments 0). */
function pathCount(segments: readonly AsPathSegment[]): number {
  let n = 0;
  for (const s of segments) {
    if (s.typeCode === AS_SEQUENCE) n += s.asns.length;
    else if (s.typeCode === AS_SET) n += 1;
  }
  return n;
}

/**
 * The real AS path of an UPDATE (RFC 6793 4.2.3): AS_PATH, with AS4_PATH merged in when the
 * AS_PATH was 2-octet and an AS4_PATH came along (the leading ASes of AS_PATH that AS4_PATH does
 * not cover, then AS4_PATH).
 */
export function effectiveAsPathSegments(u: BgpUpdate): AsPathSegment[] {
  const path = u.asPathSegments ?? [];
  const as4 = u.as4PathSegments;
  if (!as4 || u.asSize === 4) return path;
  const n = pathCount(path), n4 = pathCount(as4);
  if (n < n4) return path;
  let keep = n - n4;
  const out: AsPathSegment[] = [];
  for (const s of path) {
    if (keep <= 0) break;
    if (s.typeCode === AS_SEQUENCE) {
      const take = s.asns.slice(0, keep);
      out.push({ type: s.type, typeCode: s.typeCode, asns: take });
      keep -= take.length;
    } else if (s.typeCode === AS_SET) {
      out.push({ type: s.type, typeCode: s.typeCode, asns: s.asns.slice() });
      keep -= 1;
    } else {
      out.push({ type: s.type, typeCode: s.typeCode, asns: s.asns.slice() });
    }
  }
  for (const s of as4) out.push({ type: s.type, typeCode: s.typeCode, asns: s.asns.slice() });
  return out;
}

// ---- OPEN -------------------------------------------------------------------------------------
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+
//  |    Version    |                                                 offset 19
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |     My Autonomous System      |                                 offset 20
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |           Hold Time           |                                 offset 22
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                         BGP Identifier                        |  offset 24
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  | Opt Parm Len  |                                                 offset 28
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |             Optional Parameters (variable)                    |  offset 29
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Optional parameter: Type (1), Length (1), Value. RFC 9072: when Opt Parm Len is 255 and the
// first octet after it is 255, a 2-octet Extended Optional Parameters Length follows and every
// parameter's length is 2 octets. Capabilities (parameter type 2, RFC 5492): Code (1),
// Length (1), Value.
export const OPEN_VERSION = 19;
export const OPEN_MY_AS = 20;
export const OPEN_HOLD_TIME = 22;
export const OPEN_BGP_ID = 24;
export const OPEN_OPT_LEN = 28;
export const OPEN_OPT = 29;
export const OPT_PARAM_CAPABILITIES = 2;
export const OPT_PARAM_EXTENDED = 255;

function afiSafiList(b: Uint8Array, s: number, e: number, size: number, cap: Capability, f: Faults,
  fill: (entry: AfiSafiEntry, o: number) => void): void {
  if ((e - s) % size !== 0) f.add(`capability ${cap.name} length ${e - s} is not a multiple of ${size}`);
  const families: AfiSafiEntry[] = [];
  for (let o = s; o + size <= e; o += size) {
    const afi = u16(b, o), safi = b[o + 2];
    const entry: AfiSafiEntry = { afi, safi, family: familyName(afi, safi) };
    fill(entry, o);
    families.push(entry);
  }
  cap.families = families;
}

function text(b: Uint8Array, s: number, e: number): string {
  return Buffer.from(b.buffer, b.byteOffset + s, e - s).toString('utf8');
}

const ROLE_NAME = ['provider', 'route-server', 'route-server-client', 'customer', 'peer'];
const SEND_RECEIVE = ['none', 'receive', 'send', 'both'];

function decodeCapability(code: number, b: Uint8Array, s: number, e: number, f: Faults): Capability {
  const len = e - s;
  const cap: Capability = { code, name: capabilityName(code), length: len };
  const want = (n: number): boolean => {
    if (len === n) return true;
    f.add(`capability ${cap.name} length ${len} (expected ${n})`);
    cap.error = `length ${len} (expected ${n})`;
    return false;
  };
  switch (code) {
    case CAP_MULTIPROTOCOL:
      // AFI (2), Reserved (1), SAFI (1)
      if (want(4)) {
        cap.afi = u16(b, s);
        cap.safi = b[s + 3];
        cap.family = familyName(cap.afi, cap.safi);
      }
      break;
    case 2: case 70: case 128: case CAP_EXTENDED_MESSAGE:
      // route refresh, enhanced route refresh, Cisco route refresh, extended message: no value
      want(0);
      break;
    case CAP_AS4:
      if (want(4)) cap.asn = u32(b, s);
      break;
    case CAP_GRACEFUL_RESTART:
      // Restart Flags (4 bits: R, N, reserved) + Restart Time (12 bits); then AFI (2), SAFI (1), Flags (1: F bit)
      if (len < 2) { want(2); break; }
      cap.restartState = (b[s] & 0x80) !== 0;
      cap.gracefulNotification = (b[s] & 0x40) !== 0;
      cap.restartTime = u16(b, s) & 0x0fff;
      afiSafiList(b, s + 2, e, 4, cap, f, (x, o) => { x.forwardingPreserved = (b[o + 3] & 0x80) !== 0; });
      break;
    case CAP_ADD_PATH:
      // AFI (2), SAFI (1), Send/Receive (1): 1 receive, 2 send, 3 both
      afiSafiList(b, s, e, 4, cap, f, (x, o) => {
        const v = b[o + 3];
        x.sendReceive = SEND_RECEIVE[v] ?? `unknown-${v}`;
        x.sendReceiveCode = v;
      });
      break;
    case CAP_EXTENDED_NEXT_HOP:
      // NLRI AFI (2), NLRI SAFI (2), Nexthop AFI (2) (RFC 8950)
      if (len % 6 !== 0) f.add(`capability ${cap.name} length ${len} is not a multiple of 6`);
      cap.families = [];
      for (let o = s; o + 6 <= e; o += 6) {
        const afi = u16(b, o), safi = u16(b, o + 2);
        cap.families.push({ afi, safi, family: familyName(afi, safi), nextHopAfi: u16(b, o + 4) });
      }
      break;
    case CAP_LLGR:
      // AFI (2), SAFI (1), Flags (1), Long-lived Stale Time (3)
      afiSafiList(b, s, e, 7, cap, f, (x, o) => {
        x.forwardingPreserved = (b[o + 3] & 0x80) !== 0;
        x.staleTime = (b[o + 4] << 16) | (b[o + 5] << 8) | b[o + 6];
      });
      break;
    case CAP_BGP_ROLE:
      if (want(1)) {
        cap.role = b[s];
        cap.roleName = ROLE_NAME[b[s]] ?? `unknown-${b[s]}`;
      }
      break;
    case CAP_FQDN: {
      // Hostname Length (1), Hostname, Domain Length (1), Domain
      if (len < 1) { want(2); break; }
      const hl = b[s];
      if (s + 1 + hl > e) { f.add(`capability fqdn hostname length ${hl} runs past the capability`); break; }
      cap.hostname = text(b, s + 1, s + 1 + hl);
      const d = s + 1 + hl;
      if (d < e) {
        const dl = b[d];
        if (d + 1 + dl > e) f.add(`capability fqdn domain length ${dl} runs past the capability`);
        else cap.domain = text(b, d + 1, d + 1 + dl);
      }
      break;
    }
    case CAP_SOFTWARE_VERSION: {
      if (len < 1) { want(1); break; }
      const vl = b[s];
      if (s + 1 + vl > e) f.add(`capability software-version length ${vl} runs past the capability`);
      else cap.version = text(b, s + 1, s + 1 + vl);
      break;
    }
    default:
      cap.data = hex(b, s, e);
  }
  return cap;
}

function readCapabilities(b: Uint8Array, p: number, end: number, out: Capability[], f: Faults): void {
  while (p < end) {
    if (p + 2 > end) { f.add(`capability header truncated (${end - p} byte left)`); return; }
    const code = b[p], len = b[p + 1];
    if (p + 2 + len > end) {
      f.add(`capability ${code} (${capabilityName(code)}) length ${len} runs past its optional parameter (${end - p - 2} bytes left)`);
      return;
    }
    out.push(decodeCapability(code, b, p + 2, p + 2 + len, f));
    p += 2 + len;
  }
}

function parseOpen(b: Uint8Array, o: number, end: number, m: BgpOpen, f: Faults): void {
  if (o + OPEN_OPT > end) {
    f.add(`message length ${end - o} too short for the fixed fields (29)`);
    if (o + OPEN_VERSION < end) m.version = b[o + OPEN_VERSION];
    return;
  }
  m.version = b[o + OPEN_VERSION];
  m.myAs = u16(b, o + OPEN_MY_AS);
  m.asn = m.myAs;
  m.holdTime = u16(b, o + OPEN_HOLD_TIME);
  m.routerId = ip4(b, o + OPEN_BGP_ID);
  if (m.version !== 4) f.add(`version ${m.version} (expected 4)`);
  if (m.holdTime === 1 || m.holdTime === 2) f.add(`hold time ${m.holdTime} (must be 0 or at least 3)`);
  let optLen = b[o + OPEN_OPT_LEN];
  let p = o + OPEN_OPT;
  let ext = false;
  if (optLen === OPT_PARAM_EXTENDED && p < end && b[p] === OPT_PARAM_EXTENDED) {
    // RFC 9072: Non-Ext OP Type 255, then the Extended Opt. Parm. Length (2 octets)
    ext = true;
    if (p + 3 > end) { f.add('extended optional parameters length truncated'); return; }
    optLen = u16(b, p + 1);
    p += 3;
  }
  m.optionalParametersLength = optLen;
  m.extendedOptionalParameters = ext;
  let oend = p + optLen;
  if (oend > end) {
    f.add(`optional parameters length ${optLen} runs past the message (${end - p} bytes left)`);
    oend = end;
  } else if (oend < end) {
    f.add(`${end - oend} bytes after the optional parameters`);
  }
  const hdr = ext ? 3 : 2;
  while (p < oend) {
    if (p + hdr > oend) { f.add(`optional parameter header truncated (${oend - p} bytes left)`); break; }
    const type = b[p], plen = ext ? u16(b, p + 1) : b[p + 1];
    const vs = p + hdr, ve = vs + plen;
    if (ve > oend) {
      f.add(`optional parameter type ${type} length ${plen} runs past the optional parameters (${oend - vs} bytes left)`);
      break;
    }
    if (type === OPT_PARAM_CAPABILITIES) readCapabilities(b, vs, ve, m.capabilities, f);
    else (m.otherParameters ??= []).push({ type, length: plen, data: hex(b, vs, ve) });
    p = ve;
  }
  for (const c of m.capabilities) if (c.code === CAP_AS4 && c.asn !== undefined) { m.asn = c.asn; break; }
  if (m.myAs === AS_TRANS && m.asn === AS_TRANS) {
    // AS_TRANS without a 4-octet capability: legal on the wire but says nothing about the real ASN.
  }
}

// ---- UPDATE -----------------------------------------------------------------------------------
//
//  +-----------------------------------------------------+
//  |   Withdrawn Routes Length (2 octets)                |  offset 19
//  +-----------------------------------------------------+
//  |   Withdrawn Routes (variable)                       |
//  +-----------------------------------------------------+
//  |   Total Path Attribute Length (2 octets)            |
//  +-----------------------------------------------------+
//  |   Path Attributes (variable)                        |
//  +-----------------------------------------------------+
//  |   Network Layer Reachability Information (variable) |
//  +-----------------------------------------------------+
//
//  Path attribute:
//   0                   1
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+---------------------------------+
//  |O|T|P|E|  0    |  Type Code    | Length (1 octet, 2 when E set)  | Value
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+---------------------------------+
export const UPDATE_WITHDRAWN_LEN = 19;
export const ATTR_FLAG_OPTIONAL = 0x80;
export const ATTR_FLAG_TRANSITIVE = 0x40;
export const ATTR_FLAG_PARTIAL = 0x20;
export const ATTR_FLAG_EXTENDED = 0x10;

/** Next hops of MP_REACH_NLRI by length (RFC 4760, RFC 2545, RFC 8950, RFC 4364/4659 with an RD). */
function mpNextHops(b: Uint8Array, s: number, len: number, afi: number, f: Faults): string[] {
  switch (len) {
    case 0: return [];
    case 4: return [ip4(b, s)];
    case 16: return [ipv6String(b, s)];
    case 32: return [ipv6String(b, s), ipv6String(b, s + 16)];
    case 12: return [ip4(b, s + 8)]; // RD (8) + IPv4
    case 24: return [ipv6String(b, s + 8)]; // RD + IPv6
    case 48: return [ipv6String(b, s + 8), ipv6String(b, s + 32)]; // RD + IPv6 + RD + link-local
    default:
      f.add(`MP_REACH_NLRI: next hop length ${len} not understood for ${afi === AFI_IPV6 ? 'IPv6' : `AFI ${afi}`}`);
      return [hex(b, s, s + len)];
  }
}

function decodesPrefixes(afi: number, safi: number): boolean {
  return (afi === AFI_IPV4 || afi === AFI_IPV6) && (safi === SAFI_UNICAST || safi === SAFI_MULTICAST || safi === SAFI_LABELED_UNICAST);
}

function extendedCommunity(b: Uint8Array, o: number): string {
  const type = b[o], sub = b[o + 1];
  const high = type & 0x3f; // strip the IANA authority and transitive bits
  const kind = sub === 0x02 ? 'rt' : sub === 0x03 ? 'soo' : null;
  if (kind) {
    if (high === 0x00) return `${kind}:${u16(b, o + 2)}:${u32(b, o + 4)}`;
    if (high === 0x01) return `${kind}:${ip4(b, o + 2)}:${u16(b, o + 6)}`;
    if (high === 0x02) return `${kind}:${u32(b, o + 2)}:${u16(b, o + 6)}`;
  }
  return hex(b, o, o + 8);
}

function parseUpdate(b: Uint8Array, o: number, end: number, m: BgpUpdate, ctx: ParseContext, f: Faults): void {
  let p = o + UPDATE_WITHDRAWN_LEN;
  if (p + 2 > end) { f.add('withdrawn routes length truncated'); return; }
  const wlen = u16(b, p);
  p += 2;
  if (p + wlen > end) { f.add(`withdrawn routes length ${wlen} runs past the message (${end - p} bytes left)`); return; }
  const addPath4 = ctx.addPath ? ctx.addPath(AFI_IPV4, SAFI_UNICAST) : false;
  const wd = readPrefixesAuto(b, p, p + wlen, AFI_IPV4, SAFI_UNICAST, addPath4, 'withdrawn routes');
  if (wd.error) f.add(wd.error);
  p += wlen;
  if (p + 2 > end) {
    f.add('total path attribute length truncated');
    m.withdrawn = wd.prefixes;
    m.withdrawnFieldCount = wd.prefixes.length;
    return;
  }
  const alen = u16(b, p);
  p += 2;
  let aend = p + alen;
  if (aend > end) {
    f.add(`total path attribute length ${alen} runs past the message (${end - p} bytes left)`);
    aend = end;
  }
  let asPathStart = -1, asPathEnd = -1, as4PathStart = -1, as4PathEnd = -1, aggregatorLen = -1;
  // A new generation per UPDATE: marks of earlier UPDATEs no longer count.
  if (++seenGeneration === 0xffffffff) { seenMark.fill(0); seenGeneration = 1; }
  const gen = seenGeneration;
  while (p < aend) {
    if (p + 3 > aend) { f.add(`path attribute header truncated (${aend - p} bytes left)`); break; }
    const flags = b[p], code = b[p + 1];
    let hl = 3, len: number;
    if (flags & ATTR_FLAG_EXTENDED) {
      if (p + 4 > aend) { f.add(`path attribute ${attributeName(code)} extended length truncated`); break; }
      len = u16(b, p + 2);
      hl = 4;
    } else {
      len = b[p + 2];
    }
    const name = attributeName(code);
    const vs = p + hl, ve = vs + len;
    if (ve > aend) {
      f.add(`path attribute ${name} length ${len} runs past the path attributes (${aend - vs} bytes left)`);
      break;
    }
    const attr: PathAttribute = {
      code, name, flags, optional: (flags & ATTR_FLAG_OPTIONAL) !== 0, transitive: (flags & ATTR_FLAG_TRANSITIVE) !== 0,
      partial: (flags & ATTR_FLAG_PARTIAL) !== 0, extendedLength: (flags & ATTR_FLAG_EXTENDED) !== 0, length: len,
    };
    m.attributes.push(attr);
    const repeated = seenMark[code] === gen;
    if (repeated) {
      f.add(`path attribute ${name} appears more than once`);
      // A repeated MP_REACH_NLRI / MP_UNREACH_NLRI (another family) is still decoded; any other
      // repeat is ignored (RFC 7606 3.g keeps the first).
      if (code !== ATTR_MP_REACH_NLRI && code !== ATTR_MP_UNREACH_NLRI) {
        p = ve;
        continue;
      }
    }
    seenMark[code] = gen;
    switch (code) {
      case ATTR_ORIGIN:
        if (wantLen(f, name, len, 1)) {
          m.origin = ORIGIN_NAME[b[vs]] ?? `UNKNOWN(${b[vs]})`;
          if (b[vs] > 2) f.add(`ORIGIN value ${b[vs]} is not IGP, EGP or INCOMPLETE`);
        }
        break;
      case ATTR_AS_PATH:
        asPathStart = vs; asPathEnd = ve;
        break;
      case ATTR_AS4_PATH:
        as4PathStart = vs; as4PathEnd = ve;
        break;
      case ATTR_NEXT_HOP:
        if (wantLen(f, name, len, 4)) m.nextHop = ip4(b, vs);
        break;
      case ATTR_MED:
        if (wantLen(f, name, len, 4)) m.med = u32(b, vs);
        break;
      case ATTR_LOCAL_PREF:
        if (wantLen(f, name, len, 4)) m.localPref = u32(b, vs);
        break;
      case ATTR_ATOMIC_AGGREGATE:
        if (wantLen(f, name, len, 0)) m.atomicAggregate = true;
        break;
      case ATTR_AGGREGATOR:
        // AS (2 or 4 octets) + IPv4 address; the length says which.
        aggregatorLen = len;
        if (len === 6) m.aggregator = { asn: u16(b, vs), address: ip4(b, vs + 2) };
        else if (len === 8) m.aggregator = { asn: u32(b, vs), address: ip4(b, vs + 4) };
        else f.add(`AGGREGATOR length ${len} (expected 6 or 8)`);
        break;
      case ATTR_AS4_AGGREGATOR:
        if (wantLen(f, name, len, 8)) m.as4Aggregator = { asn: u32(b, vs), address: ip4(b, vs + 4) };
        break;
      case ATTR_COMMUNITIES:
        wantMultiple(f, name, len, 4);
        for (let q = vs; q + 4 <= ve; q += 4) m.communities.push(`${u16(b, q)}:${u16(b, q + 2)}`);
        break;
      case ATTR_LARGE_COMMUNITY:
        wantMultiple(f, name, len, 12);
        for (let q = vs; q + 12 <= ve; q += 12) m.largeCommunities.push(`${u32(b, q)}:${u32(b, q + 4)}:${u32(b, q + 8)}`);
        break;
      case ATTR_EXTENDED_COMMUNITIES:
        wantMultiple(f, name, len, 8);
        for (let q = vs; q + 8 <= ve; q += 8) m.extendedCommunities.push(extendedCommunity(b, q));
        break;
      case ATTR_ORIGINATOR_ID:
        if (wantLen(f, name, len, 4)) m.originatorId = ip4(b, vs);
        break;
      case ATTR_CLUSTER_LIST:
        wantMultiple(f, name, len, 4);
        for (let q = vs; q + 4 <= ve; q += 4) m.clusterList.push(ip4(b, q));
        break;
      case ATTR_MP_REACH_NLRI: {
        //  AFI (2) | SAFI (1) | Next Hop Length (1) | Next Hop (variable) | Reserved (1) | NLRI (variable)
        if (len < 5) { f.add(`MP_REACH_NLRI length ${len} (at least 5)`); break; }
        const afi = u16(b, vs), safi = b[vs + 2], nhl = b[vs + 3];
        const mp: MpReach = { afi, safi, family: familyName(afi, safi), nextHops: [], nlri: [] };
        if (m.mpReach) (m.mpReachMore ??= []).push(mp);
        else m.mpReach = mp;
        if (vs + 4 + nhl + 1 > ve) {
          f.add(`MP_REACH_NLRI next hop length ${nhl} runs past the attribute (${ve - vs - 4} bytes left)`);
          break;
        }
        mp.nextHops = mpNextHops(b, vs + 4, nhl, afi, f);
        const ns = vs + 4 + nhl + 1;
        if (decodesPrefixes(afi, safi)) {
          const ap = ctx.addPath ? ctx.addPath(afi, safi) : false;
          const r = readPrefixesAuto(b, ns, ve, afi, safi, ap, 'MP_REACH_NLRI');
          if (r.error) f.add(r.error);
          mp.nlri = r.prefixes;
          if (r.pathIds) mp.pathIds = r.pathIds;
          if (r.labels) mp.labels = r.labels;
        } else if (ve > ns) {
          mp.undecodedNlriBytes = ve - ns;
        }
        break;
      }
      case ATTR_MP_UNREACH_NLRI: {
        //  AFI (2) | SAFI (1) | Withdrawn Routes (variable)
        if (len < 3) { f.add(`MP_UNREACH_NLRI length ${len} (at least 3)`); break; }
        const afi = u16(b, vs), safi = b[vs + 2];
        const mp: MpUnreach = { afi, safi, family: familyName(afi, safi), withdrawn: [] };
        if (m.mpUnreach) (m.mpUnreachMore ??= []).push(mp);
        else m.mpUnreach = mp;
        if (decodesPrefixes(afi, safi)) {
          const ap = ctx.addPath ? ctx.addPath(afi, safi) : false;
          const r = readPrefixesAuto(b, vs + 3, ve, afi, safi, ap, 'MP_UNREACH_NLRI');
          if (r.error) f.add(r.error);
          mp.withdrawn = r.prefixes;
          if (r.pathIds) mp.pathIds = r.pathIds;
          if (r.labels) mp.labels = r.labels;
        } else if (ve > vs + 3) {
          mp.undecodedNlriBytes = ve - vs - 3;
        }
        break;
      }
      default:
        attr.data = hex(b, vs, ve);
    }
    p = ve;
  }
  // AS_PATH last: the octet size may need the hints that AGGREGATOR and AS4_PATH give.
  if (asPathStart >= 0) {
    let size: 2 | 4;
    let source: 'negotiated' | 'heuristic' = 'negotiated';
    if (ctx.as4 === true) size = 4;
    else if (ctx.as4 === false) size = 2;
    else {
      source = 'heuristic';
      size = guessAsSize(b, asPathStart, asPathEnd, aggregatorLen, as4PathStart >= 0);
    }
    const r = readAsPath(b, asPathStart, asPathEnd, size, 'AS_PATH');
    if (r.error) f.add(r.error);
    m.asPathSegments = r.segments;
    m.asPath = flattenAsPath(r.segments);
    m.asSize = size;
    m.asSizeSource = source;
  }
  if (as4PathStart >= 0) {
    const r = readAsPath(b, as4PathStart, as4PathEnd, 4, 'AS4_PATH');
    if (r.error) f.add(r.error);
    m.as4PathSegments = r.segments;
    m.as4Path = flattenAsPath(r.segments);
  }
  const nlri = readPrefixesAuto(b, aend, end, AFI_IPV4, SAFI_UNICAST, addPath4, 'NLRI');
  if (nlri.error) f.add(nlri.error);
  if (!m.nextHop && m.mpReach && m.mpReach.nextHops.length) m.nextHop = m.mpReach.nextHops[0];
  const reach = mpReachAll(m), unreach = mpUnreachAll(m);
  m.withdrawn = unreach.length === 0 ? wd.prefixes : wd.prefixes.concat(...unreach.map((x) => x.withdrawn));
  m.nlri = reach.length === 0 ? nlri.prefixes : ([] as string[]).concat(...reach.map((x) => x.nlri), nlri.prefixes);
  if (wd.pathIds || nlri.pathIds || reach.some((x) => x.pathIds) || unreach.some((x) => x.pathIds)) {
    const zeros = (n: number) => new Array<number>(n).fill(0);
    const w4 = wd.pathIds ?? zeros(wd.prefixes.length), n4 = nlri.pathIds ?? zeros(nlri.prefixes.length);
    m.withdrawnPathIds = w4.concat(...unreach.map((x) => x.pathIds ?? zeros(x.withdrawn.length)));
    m.nlriPathIds = ([] as number[]).concat(...reach.map((x) => x.pathIds ?? zeros(x.nlri.length)), n4);
  }
  m.nlriFieldCount = nlri.prefixes.length;
  m.withdrawnFieldCount = wd.prefixes.length;
  // End-of-RIB (RFC 4724 2): an empty UPDATE (IPv4 unicast), or one whose only attribute is an
  // empty MP_UNREACH_NLRI.
  if (wlen === 0 && alen === 0 && end === aend) m.endOfRib = 'ipv4-unicast';
  else if (wlen === 0 && end === aend && m.attributes.length === 1 && m.mpUnreach
    && m.mpUnreach.withdrawn.length === 0 && !m.mpUnreach.undecodedNlriBytes) m.endOfRib = m.mpUnreach.family;
}

/**
 * AS_PATH octet size when the OPENs were not captured: the reading that parses exactly wins; if
 * both do, AGGREGATOR's length (8 = 4-octet) decides, then AS4_PATH's presence (sent only with a
 * 2-octet AS_PATH), then which reading avoids AS 0 and empty segments; 4 octets otherwise.
 */
export function guessAsSize(b: Uint8Array, s: number, e: number, aggregatorLen = -1, hasAs4Path = false): 2 | 4 {
  if (s === e) return 4;
  const r4 = readAsPath(b, s, e, 4, ''), r2 = readAsPath(b, s, e, 2, '');
  const ok4 = r4.error === null, ok2 = r2.error === null;
  if (ok4 && !ok2) return 4;
  if (ok2 && !ok4) return 2;
  if (aggregatorLen === 8) return 4;
  if (aggregatorLen === 6) return 2;
  if (hasAs4Path) return 2;
  if (r2.suspicious && !r4.suspicious) return 4;
  if (r4.suspicious && !r2.suspicious) return 2;
  return 4;
}

// ---- NOTIFICATION -----------------------------------------------------------------------------
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  | Error code    | Error subcode |   Data (variable)             |   offset 19, 20, 21
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
export const NOTIFICATION_CODE = 19;
export const NOTIFICATION_SUBCODE = 20;
export const NOTIFICATION_DATA = 21;

function parseNotification(b: Uint8Array, o: number, end: number, m: BgpNotification, f: Faults): void {
  if (o + NOTIFICATION_DATA > end) { f.add(`message length ${end - o} too short for error code and subcode (21)`); return; }
  const code = b[o + NOTIFICATION_CODE], sub = b[o + NOTIFICATION_SUBCODE];
  const ds = o + NOTIFICATION_DATA;
  m.errorCode = code;
  m.errorSubcode = sub;
  m.errorName = errorCodeName(code);
  m.errorSubcodeName = errorSubcodeName(code, sub);
  m.name = notificationName(code, sub);
  m.data = hex(b, ds, end);
  if (code === 6 && (sub === 2 || sub === 4) && end > ds) {
    // RFC 9003: Length (1 octet), then that many octets of UTF-8 (at most 255).
    const l = b[ds];
    if (ds + 1 + l > end) f.add(`shutdown communication length ${l} runs past the message (${end - ds - 1} bytes left)`);
    else m.shutdownCommunication = text(b, ds + 1, ds + 1 + l);
  } else if (code === 2 && sub === 2 && (end - ds === 2 || end - ds === 4)) {
    m.badPeerAs = end - ds === 2 ? u16(b, ds) : u32(b, ds);
  } else if (code === 6 && sub === 9) {
    // RFC 8538 Hard Reset: the data is the code, subcode and data of the underlying error.
    if (end - ds >= 2) m.hardReset = { errorCode: b[ds], errorSubcode: b[ds + 1], name: notificationName(b[ds], b[ds + 1]) };
    else f.add(`hard reset data ${end - ds} bytes (needs an error code and subcode)`);
  }
  if (code < 1 || code > 7) f.add(`unknown error code ${code}`);
}

// ---- ROUTE-REFRESH (RFC 2918, RFC 7313) -------------------------------------------------------
//
//   0       7      15      23      31
//  +-------+-------+-------+-------+
//  |      AFI      |Subtype| SAFI  |   offset 19, 21, 22
//  +-------+-------+-------+-------+
export const RR_AFI = 19;
export const RR_SUBTYPE = 21;
export const RR_SAFI = 22;
const RR_SUBTYPE_NAME = ['normal', 'BoRR', 'EoRR'];

function parseRouteRefresh(b: Uint8Array, o: number, end: number, m: BgpRouteRefresh, f: Faults): void {
  if (o + 23 > end) { f.add(`message length ${end - o} (expected 23)`); return; }
  m.afi = u16(b, o + RR_AFI);
  m.subtype = b[o + RR_SUBTYPE];
  m.subtypeName = RR_SUBTYPE_NAME[m.subtype] ?? `reserved-${m.subtype}`;
  m.safi = b[o + RR_SAFI];
  m.family = familyName(m.afi, m.safi);
  if (end > o + 23) m.orfBytes = end - o - 23; // RFC 5291 ORF entries
}

// ---- entry ------------------------------------------------------------------------------------

/** Reads the type and length of the header at o (caller checks o + 19 <= end). */
export function headerLength(b: Uint8Array, o: number): number {
  return u16(b, o + BGP_LENGTH);
}

/**
 * Parses the message in b[o, end). `end - o` should equal the header's Length field (the framer
 * guarantees it); a shorter buffer is reported as truncated.
 */
export function parseBgpMessage(b: Uint8Array, o: number, end: number, ctx: ParseContext = {}): BgpMessage {
  const avail = end - o;
  if (avail < BGP_HEADER_LEN) {
    const f = new Faults(null);
    f.add(`header truncated (${avail} of 19 bytes)`);
    const m: BgpUnknown = { type: 'UNKNOWN', typeCode: avail > BGP_TYPE ? b[o + BGP_TYPE] : -1, length: avail, error: null };
    f.apply(m);
    return m;
  }
  const typeCode = b[o + BGP_TYPE];
  const length = u16(b, o + BGP_LENGTH);
  const typeName = messageTypeName(typeCode);
  const f = new Faults(typeName);
  if (!isMarker(b, o)) f.add('marker is not all ones');
  let stop = end;
  if (length < BGP_HEADER_LEN) f.add(`length ${length} (minimum 19)`);
  else if (length > avail) f.add(`length ${length} but only ${avail} bytes captured`);
  else stop = o + length;
  const max = ctx.extendedMessage && typeCode !== MSG_OPEN && typeCode !== MSG_KEEPALIVE ? BGP_MAX_EXTENDED_LEN : BGP_MAX_LEN;
  if (length > max) f.add(`length ${length} exceeds ${max}${max === BGP_MAX_LEN ? ' (no extended message capability seen)' : ''}`);
  const min = MIN_LENGTH[typeCode];
  if (min !== undefined && length >= BGP_HEADER_LEN && length < min) f.add(`length ${length} below the minimum ${min} for ${typeName}`);
  let m: BgpMessage;
  switch (typeCode) {
    case MSG_OPEN: {
      const open: BgpOpen = {
        type: 'OPEN', typeCode, length, error: null, version: 0, myAs: 0, asn: 0, holdTime: 0, routerId: '0.0.0.0',
        optionalParametersLength: 0, extendedOptionalParameters: false, capabilities: [],
      };
      parseOpen(b, o, stop, open, f);
      m = open;
      break;
    }
    case MSG_UPDATE: {
      const u: BgpUpdate = {
        type: 'UPDATE', typeCode, length, error: null, withdrawn: [], nlri: [], origin: null, asPath: null, as4Path: null, nextHop: null,
        med: null, localPref: null, atomicAggregate: false, aggregator: null, as4Aggregator: null, communities: [],
        largeCommunities: [], extendedCommunities: [], originatorId: null, clusterList: [], mpReach: null,
        mpUnreach: null, nlriFieldCount: 0, withdrawnFieldCount: 0, endOfRib: null, attributes: [],
      };
      parseUpdate(b, o, stop, u, ctx, f);
      m = u;
      break;
    }
    case MSG_NOTIFICATION: {
      const n: BgpNotification = {
        type: 'NOTIFICATION', typeCode, length, error: null, errorCode: 0, errorSubcode: 0, errorName: '', errorSubcodeName: null, name: '', data: '',
      };
      parseNotification(b, o, stop, n, f);
      m = n;
      break;
    }
    case MSG_KEEPALIVE:
      if (length !== BGP_HEADER_LEN) f.add(`length ${length} (a KEEPALIVE is 19 bytes)`);
      m = { type: 'KEEPALIVE', typeCode, length, error: null };
      break;
    case MSG_ROUTE_REFRESH: {
      const r: BgpRouteRefresh = { type: 'ROUTE-REFRESH', typeCode, length, error: null, afi: 0, safi: 0, family: '', subtype: 0, subtypeName: '' };
      parseRouteRefresh(b, o, stop, r, f);
      m = r;
      break;
    }
    default:
      f.add(`unknown message type ${typeCode}`);
      m = { type: 'UNKNOWN', typeCode, length, error: null };
  }
  f.apply(m);
  return m;
}

/** Every MP_REACH_NLRI of an UPDATE, in attribute order. */
export function mpReachAll(u: BgpUpdate): MpReach[] {
  return u.mpReach ? [u.mpReach, ...(u.mpReachMore ?? [])] : [];
}

/** Every MP_UNREACH_NLRI of an UPDATE, in attribute order. */
export function mpUnreachAll(u: BgpUpdate): MpUnreach[] {
  return u.mpUnreach ? [u.mpUnreach, ...(u.mpUnreachMore ?? [])] : [];
}

/** The prefixes of the NLRI field (IPv4) of an UPDATE: the tail of `nlri`. */
export function nlriField(u: BgpUpdate): string[] {
  return u.nlri.slice(u.nlri.length - u.nlriFieldCount);
}

/** The prefixes of the Withdrawn Routes field (IPv4) of an UPDATE: the head of `withdrawn`. */
export function withdrawnField(u: BgpUpdate): string[] {
  return u.withdrawn.slice(0, u.withdrawnFieldCount);
}

/** The 4-octet AS capability's ASN of an OPEN, or null. */
export function as4Capability(open: BgpOpen): number | null {
  for (const c of open.capabilities) if (c.code === CAP_AS4 && c.asn !== undefined) return c.asn;
  return null;
}

export function hasCapability(open: BgpOpen, code: number): boolean {
  for (const c of open.capabilities) if (c.code === code) return true;
  return false;
}

/** ADD-PATH Send/Receive value (1 receive, 2 send, 3 both) the OPEN advertises for AFI/SAFI, 0 when none. */
export function addPathMode(open: BgpOpen, afi: number, safi: number): number {
  let mode = 0;
  for (const c of open.capabilities) {
    if (c.code !== CAP_ADD_PATH || !c.families) continue;
    for (const x of c.families) if (x.afi === afi && x.safi === safi) mode = Number(x.sendReceiveCode ?? 0);
  }
  return mode;
}
