// BGP wire parser: messages laid out byte by byte after RFC 4271 (and RFC 4760, 5492, 6793,
// 4724, 7911, 8092, 8654, 9003, 9072), and malformed ones that must yield an error naming the
// field, never a throw.
import { describe, expect, it } from 'vitest';
import {
  effectiveAsPathSegments, flattenAsPath, guessAsSize, parseBgpMessage, type BgpNotification, type BgpOpen,
  type BgpRouteRefresh, type BgpUpdate, type ParseContext,
} from '../dissectors/bgp-message.js';

const MARKER = new Array(16).fill(0xff);

/** Header (marker, length, type) + body. */
function msg(type: number, body: number[]): Uint8Array {
  const len = 19 + body.length;
  return Uint8Array.from([...MARKER, len >> 8, len & 0xff, type, ...body]);
}

function parse(b: Uint8Array, ctx: ParseContext = {}) {
  return parseBgpMessage(b, 0, b.length, ctx);
}

describe('OPEN', () => {
  // RFC 4271 4.2 + RFC 5492 capabilities, all in one Capabilities optional parameter.
  const open = msg(1, [
    0x04,                               // Version 4
    0x5b, 0xa0,                         // My Autonomous System 23456 (AS_TRANS)
    0x00, 0xb4,                         // Hold Time 180
    0xc0, 0x00, 0x02, 0x01,             // BGP Identifier 192.0.2.1
    0x2a,                               // Opt Parm Len 42
    0x02, 0x28,                         // Optional parameter: type 2 (Capabilities), length 40
    0x01, 0x04, 0x00, 0x01, 0x00, 0x01, //   Multiprotocol: AFI 1, reserved, SAFI 1
    0x01, 0x04, 0x00, 0x02, 0x00, 0x01, //   Multiprotocol: AFI 2, reserved, SAFI 1
    0x02, 0x00,                         //   Route Refresh
    0x41, 0x04, 0xfa, 0x56, 0xea, 0x01, //   4-octet AS: 4200000001
    0x40, 0x06, 0x80, 0x78,             //   Graceful Restart: R bit, restart time 120
    0x00, 0x01, 0x01, 0x80,             //     AFI 1, SAFI 1, F bit
    0x45, 0x04, 0x00, 0x01, 0x01, 0x03, //   ADD-PATH: AFI 1, SAFI 1, send/receive both
    0x06, 0x00,                         //   Extended Message
    0xc8, 0x02, 0xab, 0xcd,             //   unknown capability 200, 2 bytes
  ]);

  it('fixed fields, the real ASN from the 4-octet capability, every capability', () => {
    const m = parse(open) as BgpOpen;
    expect(m.error).toBeNull();
    expect(m.type).toBe('OPEN');
    expect(m.length).toBe(19 + 10 + 42);
    expect([m.version, m.myAs, m.asn, m.holdTime, m.routerId]).toEqual([4, 23456, 4200000001, 180, '192.0.2.1']);
    expect(m.optionalParametersLength).toBe(42);
    expect(m.extendedOptionalParameters).toBe(false);
    expect(m.capabilities.map((c) => c.name)).toEqual([
      'multiprotocol', 'multiprotocol', 'route-refresh', '4-octet-as', 'graceful-restart', 'add-path', 'extended-message', 'unknown',
    ]);
    expect(m.capabilities[0]).toMatchObject({ code: 1, afi: 1, safi: 1, family: 'ipv4-unicast' });
    expect(m.capabilities[1]).toMatchObject({ afi: 2, safi: 1, family: 'ipv6-unicast' });
    expect(m.capabilities[3]).toMatchObject({ code: 65, asn: 4200000001 });
    expect(m.capabilities[4]).toMatchObject({
      code: 64, restartState: true, gracefulNotification: false, restartTime: 120,
      families: [{ afi: 1, safi: 1, family: 'ipv4-unicast', forwardingPreserved: true }],
    });
    expect(m.capabilities[5].families).toEqual([{ afi: 1, safi: 1, family: 'ipv4-unicast', sendReceive: 'both', sendReceiveCode: 3 }]);
    expect(m.capabilities[7]).toEqual({ code: 200, name: 'unknown', length: 2, data: 'abcd' });
  });

  it('one optional parameter per capability, and a non-capability parameter', () => {
    const m = parse(msg(1, [
      0x04, 0xfd, 0xe8, 0x00, 0x5a, 0x0a, 0x00, 0x00, 0x01, // version 4, AS 65000, hold 90, id 10.0.0.1
      0x0e,                                                 // Opt Parm Len 14
      0x02, 0x06, 0x41, 0x04, 0x00, 0x00, 0xfd, 0xe8,       // Capabilities { 4-octet AS 65000 }
      0x02, 0x02, 0x02, 0x00,                               // Capabilities { Route Refresh }
      0x07, 0x00,                                           // unknown optional parameter type 7, empty
    ])) as BgpOpen;
    expect(m.error).toBeNull();
    expect([m.myAs, m.asn, m.holdTime, m.routerId]).toEqual([65000, 65000, 90, '10.0.0.1']);
    expect(m.capabilities.map((c) => c.code)).toEqual([65, 2]);
    expect(m.otherParameters).toEqual([{ type: 7, length: 0, data: '' }]);
  });

  it('RFC 9072 extended optional parameters length', () => {
    const m = parse(msg(1, [
      0x04, 0xfd, 0xe8, 0x00, 0x5a, 0x0a, 0x00, 0x00, 0x01,
      0xff,                                     // Non-Ext OP Len 255
      0xff,                                     // Non-Ext OP Type 255
      0x00, 0x09,                               // Extended Opt. Parm. Length 9
      0x02, 0x00, 0x06,                         // Capabilities, 2-octet length 6
      0x41, 0x04, 0x00, 0x00, 0xfd, 0xe8,       //   4-octet AS 65000
    ])) as BgpOpen;
    expect(m.error).toBeNull();
    expect(m.extendedOptionalParameters).toBe(true);
    expect(m.optionalParametersLength).toBe(9);
    expect(m.capabilities).toEqual([{ code: 65, name: '4-octet-as', length: 4, asn: 65000 }]);
  });

  it('malformed OPENs name the field', () => {
    const base = [0x04, 0xfd, 0xe8, 0x00, 0x5a, 0x0a, 0x00, 0x00, 0x01];
    const err = (body: number[]) => parse(msg(1, body)).error;
    expect(err([...base, 0x08, 0x02, 0x06, 0x41, 0x04, 0x00])).toBe('bgp OPEN: optional parameters length 8 runs past the message (5 bytes left)');
    expect(err([...base, 0x04, 0x02, 0x02, 0x41, 0x04])).toBe('bgp OPEN: capability 65 (4-octet-as) length 4 runs past its optional parameter (0 bytes left)');
    expect(err([...base, 0x04, 0x02, 0x02, 0x41, 0x00])).toBe('bgp OPEN: capability 4-octet-as length 0 (expected 4)');
    expect(err([0x03, 0xfd, 0xe8, 0x00, 0x5a, 0x0a, 0x00, 0x00, 0x01, 0x00])).toBe('bgp OPEN: version 3 (expected 4)');
    expect(err([0x04, 0xfd, 0xe8, 0x00, 0x02, 0x0a, 0x00, 0x00, 0x01, 0x00])).toBe('bgp OPEN: hold time 2 (must be 0 or at least 3)');
    expect(err([0x04, 0xfd, 0xe8])).toMatch(/^bgp OPEN: length 22 below the minimum 29/);
  });
});

describe('UPDATE', () => {
  // Every path attribute this parser decodes, on a session that negotiated 4-octet ASNs.
  const update = msg(2, [
    0x00, 0x02,                                     // Withdrawn Routes Length 2
    0x08, 0x0a,                                     //   10.0.0.0/8
    0x00, 0x7c,                                     // Total Path Attribute Length 124
    0x40, 0x01, 0x01, 0x01,                         //   ORIGIN (well-known transitive) EGP
    0x40, 0x02, 0x14,                               //   AS_PATH, 20 bytes:
    0x02, 0x02, 0x00, 0x00, 0xfd, 0xe8, 0xfa, 0x56, 0xea, 0x01, //   AS_SEQUENCE 65000 4200000001
    0x01, 0x02, 0x00, 0x00, 0xfd, 0xe9, 0x00, 0x00, 0xfd, 0xea, //   AS_SET {65001, 65002}
    0x40, 0x03, 0x04, 0xc0, 0x00, 0x02, 0x01,       //   NEXT_HOP 192.0.2.1
    0x80, 0x04, 0x04, 0x00, 0x00, 0x00, 0x64,       //   MULTI_EXIT_DISC (optional) 100
    0x40, 0x05, 0x04, 0x00, 0x00, 0x00, 0xc8,       //   LOCAL_PREF 200
    0x40, 0x06, 0x00,                               //   ATOMIC_AGGREGATE
    0xc0, 0x07, 0x08, 0xfa, 0x56, 0xea, 0x01, 0xc0, 0x00, 0x02, 0x01, // AGGREGATOR AS 4200000001, 192.0.2.1
    0xc0, 0x08, 0x08, 0xfd, 0xe8, 0x00, 0x64, 0xff, 0xff, 0xff, 0x01, // COMMUNITIES 65000:100 NO_EXPORT
    0x80, 0x09, 0x04, 0x0a, 0x00, 0x00, 0x01,       //   ORIGINATOR_ID 10.0.0.1
    0x80, 0x0a, 0x08, 0x0a, 0x00, 0x00, 0xfe, 0x0a, 0x00, 0x00, 0xfd, // CLUSTER_LIST 10.0.0.254 10.0.0.253
    0xc0, 0x20, 0x0c, 0xfa, 0x56, 0xea, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, // LARGE_COMMUNITY 4200000001:1:2
    0xe0, 0x63, 0x03, 0x01, 0x02, 0x03,             //   unknown attribute 99, optional transitive partial
    0xd0, 0x10, 0x00, 0x08, 0x00, 0x02, 0xfd, 0xe8, 0x00, 0x00, 0x00, 0x64, // EXTENDED_COMMUNITIES, extended length: rt 65000:100
    0x18, 0xc0, 0x00, 0x02,                         // NLRI 192.0.2.0/24
    0x19, 0xc6, 0x33, 0x64, 0x80,                   //      198.51.100.128/25
    0x00,                                           //      0.0.0.0/0
    0x20, 0xcb, 0x00, 0x71, 0x05,                   //      203.0.113.5/32
  ]);

  it('withdrawn routes, every attribute, NLRI', () => {
    const m = parse(update, { as4: true }) as BgpUpdate;
    expect(m.error).toBeNull();
    expect(m.withdrawn).toEqual(['10.0.0.0/8']);
    expect(m.nlri).toEqual(['192.0.2.0/24', '198.51.100.128/25', '0.0.0.0/0', '203.0.113.5/32']);
    expect(m.origin).toBe('EGP');
    expect(m.asPath).toEqual([65000, 4200000001, [65001, 65002]]);
    expect(m.asPathSegments).toEqual([
      { type: 'AS_SEQUENCE', typeCode: 2, asns: [65000, 4200000001] },
      { type: 'AS_SET', typeCode: 1, asns: [65001, 65002] },
    ]);
    expect([m.asSize, m.asSizeSource]).toEqual([4, 'negotiated']);
    expect(m.nextHop).toBe('192.0.2.1');
    expect(m.med).toBe(100);
    expect(m.localPref).toBe(200);
    expect(m.atomicAggregate).toBe(true);
    expect(m.aggregator).toEqual({ asn: 4200000001, address: '192.0.2.1' });
    expect(m.communities).toEqual(['65000:100', '65535:65281']);
    expect(m.originatorId).toBe('10.0.0.1');
    expect(m.clusterList).toEqual(['10.0.0.254', '10.0.0.253']);
    expect(m.largeCommunities).toEqual(['4200000001:1:2']);
    expect(m.extendedCommunities).toEqual(['rt:65000:100']);
    expect(m.attributes.map((a) => a.name)).toEqual([
      'ORIGIN', 'AS_PATH', 'NEXT_HOP', 'MULTI_EXIT_DISC', 'LOCAL_PREF', 'ATOMIC_AGGREGATE', 'AGGREGATOR', 'COMMUNITIES',
      'ORIGINATOR_ID', 'CLUSTER_LIST', 'LARGE_COMMUNITY', 'UNKNOWN_99', 'EXTENDED_COMMUNITIES',
    ]);
    expect(m.attributes[11]).toEqual({
      code: 99, name: 'UNKNOWN_99', flags: 0xe0, optional: true, transitive: true, partial: true, extendedLength: false, length: 3, data: '010203',
    });
    expect(m.attributes[12]).toMatchObject({ extendedLength: true, length: 8 });
    expect(m.endOfRib).toBeNull();
  });

  it('host bits past the prefix length are cleared', () => {
    const m = parse(msg(2, [0x00, 0x00, 0x00, 0x00, 0x17, 0xc0, 0x00, 0x03])) as BgpUpdate; // /23 from 192.0.3
    expect(m.nlri).toEqual(['192.0.2.0/23']);
  });

  // RFC 6793: a NEW speaker to an OLD one: 2-octet AS_PATH with AS_TRANS, the real path in AS4_PATH.
  const twoOctet = msg(2, [
    0x00, 0x00,                                     // no withdrawn routes
    0x00, 0x1c,                                     // Total Path Attribute Length 28
    0x40, 0x01, 0x01, 0x00,                         //   ORIGIN IGP
    0x40, 0x02, 0x08, 0x02, 0x03, 0xfb, 0xf0, 0x5b, 0xa0, 0xfb, 0xf1, // AS_PATH AS_SEQUENCE 64496 23456 64497 (2-octet)
    0xc0, 0x11, 0x0a, 0x02, 0x02, 0xfa, 0x56, 0xea, 0x01, 0x00, 0x00, 0xfb, 0xf1, // AS4_PATH AS_SEQUENCE 4200000001 64497
    0x18, 0xc6, 0x33, 0x64,                         // NLRI 198.51.100.0/24
  ]);

  it('2-octet AS_PATH (no 4-octet capability) and AS4_PATH merged into the real path', () => {
    const m = parse(twoOctet, { as4: false }) as BgpUpdate;
    expect(m.error).toBeNull();
    expect([m.asSize, m.asSizeSource]).toEqual([2, 'negotiated']);
    expect(m.asPath).toEqual([64496, 23456, 64497]);
    expect(m.as4Path).toEqual([4200000001, 64497]);
    expect(flattenAsPath(effectiveAsPathSegments(m))).toEqual([64496, 4200000001, 64497]);
  });

  it('the same bytes read as 4-octet ASNs are an AS_PATH error', () => {
    const m = parse(twoOctet, { as4: true }) as BgpUpdate;
    expect(m.error).toBe('bgp UPDATE: AS_PATH: segment of 3 ASNs needs 12 bytes, 6 left');
  });

  it('without the OPENs, the heuristic picks the octet size that parses', () => {
    const m = parse(twoOctet, { as4: null }) as BgpUpdate;
    expect([m.asSize, m.asSizeSource, m.error]).toEqual([2, 'heuristic', null]);
    const m4 = parse(update, { as4: null }) as BgpUpdate;
    expect([m4.asSize, m4.asSizeSource, m4.error]).toEqual([4, 'heuristic', null]);
    expect(m4.asPath).toEqual([65000, 4200000001, [65001, 65002]]);
    // Both readings parse: one AS_SEQUENCE of 1 ASN (4-octet) = two segments of 2-octet ASNs 0.
    const amb = Uint8Array.from([0x02, 0x01, 0x00, 0x00, 0xfd, 0xe8]);
    expect(guessAsSize(amb, 0, amb.length)).toBe(4); // the 2-octet reading has an AS 0 and an empty segment
    const agg2 = Uint8Array.from([0x02, 0x01, 0xfd, 0xe8]);
    expect(guessAsSize(agg2, 0, agg2.length)).toBe(2);
  });

  // RFC 4760 MP_REACH_NLRI for IPv6 unicast with a global and a link-local next hop (RFC 2545).
  const mpReach6 = msg(2, [
    0x00, 0x00,                                     // no withdrawn routes
    0x00, 0x5b,                                     // Total Path Attribute Length 91
    0x40, 0x01, 0x01, 0x00,                         //   ORIGIN IGP
    0x40, 0x02, 0x00,                               //   AS_PATH empty (iBGP)
    0x80, 0x0e, 0x44,                               //   MP_REACH_NLRI, 68 bytes:
    0x00, 0x02, 0x01,                               //     AFI 2 (IPv6), SAFI 1 (unicast)
    0x20,                                           //     Length of Next Hop 32
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, //     2001:db8::1
    0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,       //     fe80::1
    0x00,                                           //     Reserved
    0x20, 0x20, 0x01, 0x0d, 0xb8,                   //     2001:db8::/32
    0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x02, //     2001:db8:1:2::/64
    0x80, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x05, // 2001:db8::5/128
    0x80, 0x0f, 0x0a,                               //   MP_UNREACH_NLRI, 10 bytes:
    0x00, 0x02, 0x01,                               //     AFI 2, SAFI 1
    0x30, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x09,       //     2001:db8:9::/48
  ]);

  it('MP_REACH_NLRI / MP_UNREACH_NLRI for IPv6', () => {
    const m = parse(mpReach6, { as4: true }) as BgpUpdate;
    expect(m.error).toBeNull();
    expect(m.mpReach).toEqual({
      afi: 2, safi: 1, family: 'ipv6-unicast', nextHops: ['2001:db8::1', 'fe80::1'],
      nlri: ['2001:db8::/32', '2001:db8:1:2::/64', '2001:db8::5/128'],
    });
    expect(m.mpUnreach).toEqual({ afi: 2, safi: 1, family: 'ipv6-unicast', withdrawn: ['2001:db8:9::/48'] });
    expect(m.nlri).toEqual(['2001:db8::/32', '2001:db8:1:2::/64', '2001:db8::5/128']);
    expect(m.withdrawn).toEqual(['2001:db8:9::/48']);
    expect(m.nextHop).toBe('2001:db8::1');
    expect(m.asPath).toEqual([]);
  });

  it('End-of-RIB markers (RFC 4724)', () => {
    expect((parse(msg(2, [0x00, 0x00, 0x00, 0x00])) as BgpUpdate).endOfRib).toBe('ipv4-unicast');
    const eor6 = parse(msg(2, [0x00, 0x00, 0x00, 0x06, 0x80, 0x0f, 0x03, 0x00, 0x02, 0x01])) as BgpUpdate;
    expect([eor6.endOfRib, eor6.error]).toEqual(['ipv6-unicast', null]);
  });

  it('ADD-PATH path identifiers (RFC 7911), negotiated and guessed', () => {
    const b = msg(2, [
      0x00, 0x00, 0x00, 0x0e,
      0x40, 0x01, 0x01, 0x00, 0x40, 0x02, 0x00, 0x40, 0x03, 0x04, 0x0a, 0x00, 0x00, 0x01,
      0x00, 0x00, 0x00, 0x01, 0x18, 0x0a, 0x01, 0x00, // path id 1, 10.1.0.0/24
      0x00, 0x00, 0x00, 0x02, 0x18, 0x0a, 0x01, 0x00, // path id 2, 10.1.0.0/24
    ]);
    const yes = parse(b, { as4: true, addPath: () => true }) as BgpUpdate;
    expect([yes.nlri, yes.nlriPathIds, yes.error]).toEqual([['10.1.0.0/24', '10.1.0.0/24'], [1, 2], null]);
    const guessed = parse(b, { as4: true, addPath: () => null }) as BgpUpdate;
    expect([guessed.nlri, guessed.nlriPathIds]).toEqual([['10.1.0.0/24', '10.1.0.0/24'], [1, 2]]);
    // Read without identifiers the same bytes are a run of /0 prefixes: what the heuristic looks for.
    const no = parse(b, { as4: true, addPath: () => false }) as BgpUpdate;
    expect(no.nlri.filter((x) => x === '0.0.0.0/0').length).toBeGreaterThanOrEqual(2);
  });

  it('malformed UPDATEs name the field and keep what was read', () => {
    const e = (body: number[]) => parse(msg(2, body), { as4: true }) as BgpUpdate;
    expect(e([0x00, 0x05, 0x08, 0x0a]).error).toBe('bgp UPDATE: withdrawn routes length 5 runs past the message (2 bytes left)');
    expect(e([0x00, 0x00, 0x00, 0x09, 0x40, 0x01, 0x01, 0x00]).error).toBe('bgp UPDATE: total path attribute length 9 runs past the message (4 bytes left)');
    expect(e([0x00, 0x00, 0x00, 0x04, 0x40, 0x01, 0x05, 0x00]).error).toBe('bgp UPDATE: path attribute ORIGIN length 5 runs past the path attributes (1 bytes left)');
    expect(e([0x00, 0x00, 0x00, 0x05, 0x80, 0x04, 0x02, 0x00, 0x01]).error).toBe('bgp UPDATE: MULTI_EXIT_DISC length 2 (expected 4)');
    expect(e([0x00, 0x00, 0x00, 0x04, 0x40, 0x01, 0x01, 0x07]).error).toBe('bgp UPDATE: ORIGIN value 7 is not IGP, EGP or INCOMPLETE');
    expect(e([0x00, 0x00, 0x00, 0x00, 0x21, 0x0a, 0x00, 0x00, 0x00, 0x00]).error).toBe('bgp UPDATE: NLRI: prefix length 33 exceeds 32');
    expect(e([0x00, 0x00, 0x00, 0x00, 0x18, 0x0a]).error).toBe('bgp UPDATE: NLRI: prefix /24 needs 3 bytes, 1 left');
    expect(e([0x00, 0x00, 0x00, 0x07, 0x40, 0x02, 0x04, 0x02, 0x02, 0x00, 0x01]).error).toBe('bgp UPDATE: AS_PATH: segment of 2 ASNs needs 8 bytes, 2 left');
    expect(e([0x00, 0x00, 0x00, 0x05, 0x40, 0x02, 0x02, 0x09, 0x00]).error).toBe('bgp UPDATE: AS_PATH: unknown segment type 9');
    expect(e([0x00, 0x00, 0x00, 0x09, 0x80, 0x0e, 0x06, 0x00, 0x02, 0x01, 0x20, 0x00, 0x00]).error)
      .toBe('bgp UPDATE: MP_REACH_NLRI next hop length 32 runs past the attribute (2 bytes left)');
    const dup = e([0x00, 0x00, 0x00, 0x08, 0x40, 0x01, 0x01, 0x00, 0x40, 0x01, 0x01, 0x02, 0x18, 0x0a, 0x00, 0x00]);
    expect([dup.error, dup.origin, dup.nlri]).toEqual(['bgp UPDATE: path attribute ORIGIN appears more than once', 'IGP', ['10.0.0.0/24']]);
    expect(e([0x00, 0x00, 0x00, 0x02, 0x40, 0x01]).error).toBe('bgp UPDATE: path attribute header truncated (2 bytes left)');
  });
});

describe('NOTIFICATION', () => {
  it('Cease / Administrative Shutdown with an RFC 9003 shutdown communication', () => {
    const text = [...Buffer.from('maintenance')];
    const m = parse(msg(3, [0x06, 0x02, text.length, ...text])) as BgpNotification;
    expect(m.error).toBeNull();
    expect([m.errorCode, m.errorSubcode, m.errorName, m.errorSubcodeName, m.name]).toEqual([6, 2, 'Cease', 'Administrative Shutdown', 'Cease / Administrative Shutdown']);
    expect(m.shutdownCommunication).toBe('maintenance');
  });

  it('codes and subcodes of RFC 4271 and RFC 4486, with their data', () => {
    const n = (body: number[]) => parse(msg(3, body)) as BgpNotification;
    expect(n([0x01, 0x02, 0x00, 0x0f])).toMatchObject({ name: 'Message Header Error / Bad Message Length', data: '000f' });
    expect(n([0x02, 0x02, 0xfd, 0xe8])).toMatchObject({ name: 'OPEN Message Error / Bad Peer AS', badPeerAs: 65000 });
    expect(n([0x02, 0x06])).toMatchObject({ name: 'OPEN Message Error / Unacceptable Hold Time' });
    expect(n([0x03, 0x0b])).toMatchObject({ name: 'UPDATE Message Error / Malformed AS_PATH' });
    expect(n([0x04, 0x00])).toMatchObject({ name: 'Hold Timer Expired', errorSubcodeName: null });
    expect(n([0x06, 0x00])).toMatchObject({ name: 'Cease / Unspecific' });
    expect(n([0x05, 0x02])).toMatchObject({ name: 'Finite State Machine Error / Receive Unexpected Message in OpenConfirm State' });
    expect(n([0x06, 0x01])).toMatchObject({ name: 'Cease / Maximum Number of Prefixes Reached' });
    expect(n([0x06, 0x04, 0x00])).toMatchObject({ name: 'Cease / Administrative Reset', shutdownCommunication: '' });
    expect(n([0x06, 0x09, 0x04, 0x00])).toMatchObject({ name: 'Cease / Hard Reset', hardReset: { errorCode: 4, errorSubcode: 0, name: 'Hold Timer Expired' } });
    expect(n([0x09, 0x01]).error).toBe('bgp NOTIFICATION: unknown error code 9');
    expect(n([0x06, 0x02, 0x20, 0x41]).error).toBe('bgp NOTIFICATION: shutdown communication length 32 runs past the message (1 bytes left)');
    expect(n([0x06]).error).toMatch(/^bgp NOTIFICATION: length 20 below the minimum 21/);
  });
});

describe('KEEPALIVE, ROUTE-REFRESH, header faults', () => {
  it('KEEPALIVE is the bare header', () => {
    expect(parse(msg(4, []))).toEqual({ type: 'KEEPALIVE', typeCode: 4, length: 19, error: null });
    expect(parse(msg(4, [0x00])).error).toBe('bgp KEEPALIVE: length 20 (a KEEPALIVE is 19 bytes)');
  });

  it('ROUTE-REFRESH (RFC 2918) and enhanced route refresh BoRR (RFC 7313)', () => {
    expect(parse(msg(5, [0x00, 0x01, 0x00, 0x01]))).toMatchObject({ type: 'ROUTE-REFRESH', afi: 1, safi: 1, family: 'ipv4-unicast', subtype: 0, subtypeName: 'normal', error: null });
    expect((parse(msg(5, [0x00, 0x02, 0x01, 0x01])) as BgpRouteRefresh).subtypeName).toBe('BoRR');
  });

  it('marker, length and type faults', () => {
    const bad = msg(4, []);
    bad[3] = 0;
    expect(parse(bad).error).toBe('bgp KEEPALIVE: marker is not all ones');
    expect(parse(msg(7, [0x00])).error).toBe('bgp UNKNOWN: unknown message type 7');
    expect(parse(msg(7, [])).type).toBe('UNKNOWN');
    expect(parse(Uint8Array.from(MARKER)).error).toBe('bgp: header truncated (16 of 19 bytes)');
    const long = msg(2, [0x00, 0x00, 0x00, 0x00]);
    long[17] = 0x30; // length 48 but 23 bytes present
    expect(parse(long).error).toBe('bgp UPDATE: length 48 but only 23 bytes captured');
    const big = msg(2, new Array(5000).fill(0));
    expect(parse(big).error).toBe('bgp UPDATE: length 5019 exceeds 4096 (no extended message capability seen)');
    expect(parse(big, { extendedMessage: true }).error).toBeNull();
  });
});

describe('never throws', () => {
  it('random mutations and truncations of valid messages', () => {
    const seeds: Uint8Array[] = [
      msg(1, [0x04, 0x5b, 0xa0, 0x00, 0xb4, 0xc0, 0x00, 0x02, 0x01, 0x08, 0x02, 0x06, 0x41, 0x04, 0xfa, 0x56, 0xea, 0x01]),
      msg(2, [0x00, 0x02, 0x08, 0x0a, 0x00, 0x0b, 0x40, 0x01, 0x01, 0x00, 0x40, 0x02, 0x04, 0x02, 0x01, 0xfd, 0xe8, 0x18, 0xc0, 0x00, 0x02]),
      msg(3, [0x06, 0x02, 0x03, 0x61, 0x62, 0x63]),
      msg(5, [0x00, 0x01, 0x00, 0x01]),
    ];
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let errors = 0;
    for (let i = 0; i < 20000; i++) {
      const s = seeds[i % seeds.length];
      const b = s.slice(0, 19 + rnd(s.length));
      for (let k = 0; k < 1 + rnd(4); k++) b[19 + rnd(Math.max(1, b.length - 19))] = rnd(256);
      for (const ctx of [{ as4: null, addPath: () => null }, { as4: true }, { as4: false }] as ParseContext[]) {
        const m = parseBgpMessage(b, 0, b.length, ctx);
        JSON.stringify(m);
        if (m.error) {
          errors++;
          expect(m.error).toMatch(/^bgp( [A-Z-]+)?: /);
        }
      }
    }
    expect(errors).toBeGreaterThan(1000);
  });
});
