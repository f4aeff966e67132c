// Registry names for BGP code points (IANA "Border Gateway Protocol (BGP) Parameters", the
// capability, path attribute, AFI/SAFI and error-code registries). Cold path only.

/** Message types (RFC 4271 section 4.1, RFC 2918 for ROUTE-REFRESH). */
export const MSG_OPEN = 1;
export const MSG_UPDATE = 2;
export const MSG_NOTIFICATION = 3;
export const MSG_KEEPALIVE = 4;
export const MSG_ROUTE_REFRESH = 5;

export const MESSAGE_TYPE_NAME: Readonly<Record<number, string>> = {
  [MSG_OPEN]: 'OPEN',
  [MSG_UPDATE]: 'UPDATE',
  [MSG_NOTIFICATION]: 'NOTIFICATION',
  [MSG_KEEPALIVE]: 'KEEPALIVE',
  [MSG_ROUTE_REFRESH]: 'ROUTE-REFRESH',
};

export function messageTypeName(code: number): string {
  return MESSAGE_TYPE_NAME[code] ?? 'UNKNOWN';
}

/** Capability codes (RFC 5492 registry). JSON names are kebab-case. */
export const CAP_MULTIPROTOCOL = 1;
export const CAP_ROUTE_REFRESH = 2;
export const CAP_EXTENDED_NEXT_HOP = 5;
export const CAP_EXTENDED_MESSAGE = 6;
export const CAP_BGP_ROLE = 9;
export const CAP_GRACEFUL_RESTART = 64;
export const CAP_AS4 = 65;
export const CAP_ADD_PATH = 69;
export const CAP_ENHANCED_ROUTE_REFRESH = 70;
export const CAP_LLGR = 71;
export const CAP_FQDN = 73;
export const CAP_SOFTWARE_VERSION = 75;
export const CAP_ROUTE_REFRESH_CISCO = 128;

const CAPABILITY_NAME: Readonly<Record<number, string>> = {
  1: 'multiprotocol',
  2: 'route-refresh',
  3: 'outbound-route-filtering',
  4: 'multiple-routes',
  5: 'extended-next-hop',
  6: 'extended-message',
  7: 'bgpsec',
  8: 'multiple-labels',
  9: 'bgp-role',
  64: 'graceful-restart',
  65: '4-octet-as',
  66: 'dynamic-capability-deprecated',
  67: 'dynamic-capability',
  68: 'multisession',
  69: 'add-path',
  70: 'enhanced-route-refresh',
  71: 'long-lived-graceful-restart',
  72: 'routing-policy-distribution',
  73: 'fqdn',
  74: 'bfd',
  75: 'software-version',
  128: 'route-refresh-cisco',
  129: 'outbound-route-filtering-cisco',
  130: 'outbound-route-filtering-cisco',
  131: 'multisession-cisco',
};

export function capabilityName(code: number): string {
  return CAPABILITY_NAME[code] ?? 'unknown';
}

/** Path attribute type codes. */
export const ATTR_ORIGIN = 1;
export const ATTR_AS_PATH = 2;
export const ATTR_NEXT_HOP = 3;
export const ATTR_MED = 4;
export const ATTR_LOCAL_PREF = 5;
export const ATTR_ATOMIC_AGGREGATE = 6;
export const ATTR_AGGREGATOR = 7;
export const ATTR_COMMUNITIES = 8;
export const ATTR_ORIGINATOR_ID = 9;
export const ATTR_CLUSTER_LIST = 10;
export const ATTR_MP_REACH_NLRI = 14;
export const ATTR_MP_UNREACH_NLRI = 15;
export const ATTR_EXTENDED_COMMUNITIES = 16;
export const ATTR_AS4_PATH = 17;
export const ATTR_AS4_AGGREGATOR = 18;
export const ATTR_LARGE_COMMUNITY = 32;

const ATTRIBUTE_NAME: Readonly<Record<number, string>> = {
  1: 'ORIGIN',
  2: 'AS_PATH',
  3: 'NEXT_HOP',
  4: 'MULTI_EXIT_DISC',
  5: 'LOCAL_PREF',
  6: 'ATOMIC_AGGREGATE',
  7: 'AGGREGATOR',
  8: 'COMMUNITIES',
  9: 'ORIGINATOR_ID',
  10: 'CLUSTER_LIST',
  14: 'MP_REACH_NLRI',
  15: 'MP_UNREACH_NLRI',
  16: 'EXTENDED_COMMUNITIES',
  17: 'AS4_PATH',
  18: 'AS4_AGGREGATOR',
  22: 'PMSI_TUNNEL',
  23: 'TUNNEL_ENCAPSULATION',
  24: 'TRAFFIC_ENGINEERING',
  25: 'IPV6_EXTENDED_COMMUNITIES',
  26: 'AIGP',
  27: 'PE_DISTINGUISHER_LABELS',
  29: 'BGP_LS',
  32: 'LARGE_COMMUNITY',
  33: 'BGPSEC_PATH',
  35: 'ONLY_TO_CUSTOMER',
  40: 'PREFIX_SID',
  128: 'ATTR_SET',
};

export function attributeName(code: number): string {
  return ATTRIBUTE_NAME[code] ?? `UNKNOWN_${code}`;
}

export const ORIGIN_NAME: readonly string[] = ['IGP', 'EGP', 'INCOMPLETE'];

/** AS_PATH segment types (RFC 4271, RFC 5065 for the confederation ones). */
export const AS_SET = 1;
export const AS_SEQUENCE = 2;
export const AS_CONFED_SEQUENCE = 3;
export const AS_CONFED_SET = 4;
export const SEGMENT_TYPE_NAME: Readonly<Record<number, string>> = {
  1: 'AS_SET',
  2: 'AS_SEQUENCE',
  3: 'AS_CONFED_SEQUENCE',
  4: 'AS_CONFED_SET',
};

/** AS_TRANS (RFC 6793): the 2-octet stand-in for a 4-octet ASN. */
export const AS_TRANS = 23456;

export const AFI_IPV4 = 1;
export const AFI_IPV6 = 2;
export const SAFI_UNICAST = 1;
export const SAFI_MULTICAST = 2;
export const SAFI_LABELED_UNICAST = 4;

const AFI_NAME: Readonly<Record<number, string>> = { 1: 'ipv4', 2: 'ipv6', 25: 'l2vpn', 16388: 'bgp-ls' };
const SAFI_NAME: Readonly<Record<number, string>> = {
  1: 'unicast', 2: 'multicast', 4: 'labeled-unicast', 5: 'mcast-vpn', 65: 'vpls', 70: 'evpn',
  71: 'bgp-ls', 72: 'bgp-ls-vpn', 73: 'sr-te-policy', 128: 'vpn', 129: 'vpn-multicast',
  132: 'route-target', 133: 'flowspec', 134: 'flowspec-vpn',
};

export function afiName(afi: number): string {
  return AFI_NAME[afi] ?? `afi-${afi}`;
}
export function safiName(safi: number): string {
  return SAFI_NAME[safi] ?? `safi-${safi}`;
}
/** "ipv4-unicast", "ipv6-unicast", "afi-25-safi-70"... */
export function familyName(afi: number, safi: number): string {
  return `${afiName(afi)}-${safiName(safi)}`;
}

/** NOTIFICATION error codes and subcodes (RFC 4271 6.x, RFC 4486, RFC 5492, RFC 6608, RFC 7313, RFC 8538, RFC 9234, RFC 9384). */
const ERROR_NAME: Readonly<Record<number, string>> = {
  1: 'Message Header Error',
  2: 'OPEN Message Error',
  3: 'UPDATE Message Error',
  4: 'Hold Timer Expired',
  5: 'Finite State Machine Error',
  6: 'Cease',
  7: 'ROUTE-REFRESH Message Error',
};

const SUBCODE_NAME: Readonly<Record<number, Readonly<Record<number, string>>>> = {
  1: { 1: 'Connection Not Synchronized', 2: 'Bad Message Length', 3: 'Bad Message Type' },
  2: {
    1: 'Unsupported Version Number', 2: 'Bad Peer AS', 3: 'Bad BGP Identifier',
    4: 'Unsupported Optional Parameter', 5: 'Authentication Failure (deprecated)',
    6: 'Unacceptable Hold Time', 7: 'Unsupported Capability', 8: 'Deprecated (8)',
    9: 'Deprecated (9)', 10: 'Deprecated (10)', 11: 'Role Mismatch',
  },
  3: {
    1: 'Malformed Attribute List', 2: 'Unrecognized Well-known Attribute',
    3: 'Missing Well-known Attribute', 4: 'Attribute Flags Error', 5: 'Attribute Length Error',
    6: 'Invalid ORIGIN Attribute', 7: 'AS Routing Loop (deprecated)', 8: 'Invalid NEXT_HOP Attribute',
    9: 'Optional Attribute Error', 10: 'Invalid Network Field', 11: 'Malformed AS_PATH',
  },
  5: {
    0: 'Unspecified Error', 1: 'Receive Unexpected Message in OpenSent State',
    2: 'Receive Unexpected Message in OpenConfirm State', 3: 'Receive Unexpected Message in Established State',
  },
  6: {
    1: 'Maximum Number of Prefixes Reached', 2: 'Administrative Shutdown', 3: 'Peer De-configured',
    4: 'Administrative Reset', 5: 'Connection Rejected', 6: 'Other Configuration Change',
    7: 'Connection Collision Resolution', 8: 'Out of Resources', 9: 'Hard Reset', 10: 'BFD Down',
  },
  7: { 1: 'Invalid Message Length' },
};

export function errorCodeName(code: number): string {
  return ERROR_NAME[code] ?? `Unknown error code ${code}`;
}

/** The subcode's name; null for Hold Timer Expired (which has no subcodes) with subcode 0. */
export function errorSubcodeName(code: number, subcode: number): string | null {
  const t = SUBCODE_NAME[code];
  if (!t) return subcode === 0 ? (code === 4 ? null : 'Unspecific') : `Unknown subcode ${subcode}`;
  if (t[subcode] !== undefined) return t[subcode];
  // RFC 4271 6: "If no appropriate Error Subcode is defined, then a zero (Unspecific) value is used".
  return subcode === 0 ? 'Unspecific' : `Unknown subcode ${subcode}`;
}

/** "Cease / Administrative Shutdown" */
export function notificationName(code: number, subcode: number): string {
  const s = errorSubcodeName(code, subcode);
  return s === null ? errorCodeName(code) : `${errorCodeName(code)} / ${s}`;
}

/** Well-known communities (RFC 1997, RFC 3765, RFC 7611, RFC 7999, RFC 8326, RFC 9494). */
const WELL_KNOWN_COMMUNITY: Readonly<Record<number, string>> = {
  0xffff0000: 'GRACEFUL_SHUTDOWN',
  0xffff0001: 'ACCEPT_OWN',
  0xffff0002: 'ROUTE_FILTER_TRANSLATED_v4',
  0xffff0003: 'ROUTE_FILTER_v4',
  0xffff0004: 'ROUTE_FILTER_TRANSLATED_v6',
  0xffff0005: 'ROUTE_FILTER_v6',
  0xffff0006: 'LLGR_STALE',
  0xffff0007: 'NO_LLGR',
  0xffff0008: 'accept-own-nexthop',
  0xffff029a: 'BLACKHOLE',
  0xffffff01: 'NO_EXPORT',
  0xffffff02: 'NO_ADVERTISE',
  0xffffff03: 'NO_EXPORT_SUBCONFED',
  0xffffff04: 'NOPEER',
};

export function wellKnownCommunity(value: number): string | undefined {
  return WELL_KNOWN_COMMUNITY[value >>> 0];
}
