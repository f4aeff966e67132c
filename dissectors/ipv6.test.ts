// IPv6 (RFC 8200): ver(4) tc(8) flow(20) | payload length(16) next header(8) hop limit(8) | src | dst,
// then extension headers: hop-by-hop 0, routing 43, fragment 44, destination options 60, AH 51 (RFC 4302).
import { describe, expect, it } from 'vitest';
import {
  ETHERTYPE_IPV6, be32, concat, eth, filler, ipv4, ipv6, ipv6Ah, ipv6Ext, ipv6Frag, ipv6Routing, tcp, TCP, udp,
} from '../test-support/bytes.js';
import { decode } from '../test-support/decode.js';

const UDP = udp({ src: 546, dst: 547 }, filler(16));

describe('ipv6', () => {
  it('fixed header fields', () => {
    const ip = ipv6({ nextHeader: 17, src: 'fd00:10:244:1::2', dst: 'fd00:10:96::a', trafficClass: 0xb8, flowLabel: 0x12345, hopLimit: 63 }, UDP);
    expect(Array.from(ip.subarray(0, 4))).toEqual([0x6b, 0x81, 0x23, 0x45]);
    const d = decode(eth({ type: ETHERTYPE_IPV6 }, ip));
    expect(d.kinds).toEqual(['eth', 'ipv6', 'udp']);
    expect(d.layers[1]).toEqual({
      proto: 'ipv6', src: 'fd00:10:244:1::2', dst: 'fd00:10:96::a', nextHeader: 17, protocol: 17, hopLimit: 63,
      payloadLength: 24, trafficClass: 0xb8, flowLabel: 0x12345, headerLength: 40, extensions: [],
    });
    expect(d.end[1]).toBe(14 + 40 + 24);
    expect(d.cls).toBe('underlay');
  });

  it('hop-by-hop options header', () => {
    const ip = ipv6({ nextHeader: 0 }, ipv6Ext(17, 0, UDP));
    const d = decode(eth({ type: ETHERTYPE_IPV6 }, ip));
    expect(d.kinds).toEqual(['eth', 'ipv6', 'udp']);
    expect(d.layers[1]).toMatchObject({ nextHeader: 0, protocol: 17, headerLength: 48, extensions: [{ type: 0, length: 8 }] });
    expect(d.off[2]).toBe(14 + 48);
  });

  it('routing header (type 4 SRH with one segment, 24 bytes)', () => {
    const ip = ipv6({ nextHeader: 43 }, ipv6Routing(6, 4, 0, ['2001:db8::99'], tcp({ src: 1, dst: 2, flags: TCP.SYN })));
    const d = decode(eth({ type: ETHERTYPE_IPV6 }, ip));
    expect(d.kinds).toEqual(['eth', 'ipv6', 'tcp']);
    expect(d.layers[1]).toMatchObject({ protocol: 6, headerLength: 64, extensions: [{ type: 43, length: 24 }] });
  });

  // Issue 10 item 5: SRv6 L2 services (RFC 8986 End.DX2): the segment routing header's next header
  // is 143 (Ethernet); the frame inside is dissected. The packet is classed by its outer IPv6.
  it('routing header then next header 143: the Ethernet frame inside', () => {
    const inner = eth({ type: 0x0800, src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' },
      ipv4({ protocol: 6, src: '10.0.0.1', dst: '10.0.0.2' }, tcp({ src: 40000, dst: 443, flags: TCP.SYN })));
    const ip = ipv6({ nextHeader: 43, src: 'fc00::1', dst: 'fc00::2' }, ipv6Routing(143, 4, 0, ['fc00::2'], inner));
    const d = decode(eth({ type: ETHERTYPE_IPV6 }, ip));
    expect(d.stack).toBe('eth:ipv6:eth:ipv4:tcp');
    expect(d.layers[1]).toMatchObject({ protocol: 143, extensions: [{ type: 43, length: 24 }] });
    expect(d.layers[2]).toMatchObject({ proto: 'eth', src: '02:00:00:00:00:01', ethertype: 0x0800 });
    expect(d.cls).toBe('underlay');
    expect(d.innerIp).toBe(1);
    expect(d.l4).toBe(-1);
    expect(d.error).toBeNull();
  });

  it('next header 143 without a routing header, and IPv4 protocol 143', () => {
    const inner = eth({ type: 0x0806 }, filler(28));
    expect(decode(eth({ type: ETHERTYPE_IPV6 }, ipv6({ nextHeader: 143 }, inner))).stack).toBe('eth:ipv6:eth:arp');
    const d = decode(eth({ type: 0x0800 }, ipv4({ protocol: 143, src: '192.0.2.1', dst: '192.0.2.2' }, inner)));
    expect(d.stack).toBe('eth:ipv4:eth:arp');
    expect(d.innerIp).toBe(1);
  });

  it('destination options header with a 16-byte length', () => {
    const ip = ipv6({ nextHeader: 60 }, ipv6Ext(17, 1, UDP));
    const d = decode(eth({ type: ETHERTYPE_IPV6 }, ip));
    expect(d.layers[1]).toMatchObject({ protocol: 17, headerLength: 56, extensions: [{ type: 60, length: 16 }] });
    expect(d.stack).toBe('eth:ipv6:udp');
  });

  it('AH: length in 4-octet units minus 2', () => {
    // 12 fixed + 12 ICV = 24 bytes, payload len field 4.
    const ah = ipv6Ah(17, 12, UDP);
    expect(ah[1]).toBe(4);
    const d = decode(eth({ type: ETHERTYPE_IPV6 }, ipv6({ nextHeader: 51 }, ah)));
    expect(d.layers[1]).toMatchObject({ protocol: 17, headerLength: 64, extensions: [{ type: 51, length: 24 }] });
    expect(d.stack).toBe('eth:ipv6:udp');
  });

  it('mobility (135), HIP (139) and shim6 (140) headers are walked like other extension headers', () => {
    // Mobility header (RFC 6275): payload proto 59, header len 1 (16 bytes), MH type, ...
    const mh = ipv6({ nextHeader: 135 }, ipv6Ext(59, 1));
    const d = decode(eth({ type: ETHERTYPE_IPV6 }, mh));
    expect(d.layers[1]).toMatchObject({ protocol: 59, headerLength: 56, extensions: [{ type: 135, length: 16 }] });
    const hip = decode(eth({ type: ETHERTYPE_IPV6 }, ipv6({ nextHeader: 139 }, ipv6Ext(140, 2, ipv6Ext(17, 0, UDP)))));
    expect(hip.layers[1]).toMatchObject({ protocol: 17, headerLength: 40 + 24 + 8, extensions: [{ type: 139, length: 24 }, { type: 140, length: 8 }] });
    expect(hip.stack).toBe('eth:ipv6:udp');
  });

  it('a chain: hop-by-hop, destination options, routing, fragment, then UDP', () => {
    const ip = ipv6({ nextHeader: 0 },
      ipv6Ext(60, 0, ipv6Ext(43, 0, ipv6Routing(44, 0, 0, [], ipv6Frag(17, 0, true, 0xcafe, UDP)))));
    // ipv6Routing with no addresses: 8 bytes.
    const d = decode(eth({ type: ETHERTYPE_IPV6 }, ip));
    expect(d.layers[1]).toMatchObject({
      protocol: 17, headerLength: 40 + 8 + 8 + 8 + 8,
      extensions: [{ type: 0, length: 8 }, { type: 60, length: 8 }, { type: 43, length: 8 }, { type: 44, length: 8 }],
      fragOffset: 0, mf: true, fragId: 0xcafe,
    });
    expect(d.stack).toBe('eth:ipv6:udp');
  });

  it('first fragment (offset 0, M=1) carries the transport header', () => {
    const ip = ipv6({ nextHeader: 44 }, ipv6Frag(17, 0, true, 0x01020304, UDP));
    const d = decode(eth({ type: ETHERTYPE_IPV6 }, ip));
    expect(d.stack).toBe('eth:ipv6:udp');
    expect(d.layers[1]).toMatchObject({ fragOffset: 0, mf: true, fragId: 0x01020304, extensions: [{ type: 44, length: 8 }] });
    expect(d.st.v2[1]).toBe(14 + 40);
  });

  it('non-first fragment: offset in bytes, no transport', () => {
    // 181 units of 8 = 1448 bytes.
    const frag = ipv6Frag(17, 181, false, 7, filler(64));
    expect(Array.from(frag.subarray(2, 4))).toEqual([0x05, 0xa8]);
    const d = decode(eth({ type: ETHERTYPE_IPV6 }, ipv6({ nextHeader: 44 }, frag)));
    expect(d.stack).toBe('eth:ipv6');
    expect(d.layers[1]).toMatchObject({ fragOffset: 1448, mf: false, fragId: 7, protocol: 17 });
    expect(d.l4).toBe(-1);
  });

  it('payload length 0 with a jumbo payload option (RFC 2675): runs to the end of the bytes', () => {
    // Hop-by-hop: next 17, len 0, option 0xC2 len 4 + 32-bit jumbo length.
    const seg = udp({ src: 9000, dst: 9001, length: 0 }, filler(100));
    const hbh = concat([17, 0, 0xc2, 4], be32(8 + 8 + 100));
    const d = decode(eth({ type: ETHERTYPE_IPV6 }, ipv6({ nextHeader: 0, payloadLength: 0 }, concat(hbh, seg))));
    expect(d.stack).toBe('eth:ipv6:udp');
    expect(d.error).toBeNull();
    expect(d.layers[1]).toMatchObject({ payloadLength: 0, headerLength: 48 });
    expect(d.end[2]).toBe(14 + 48 + 108);
  });

  it('payload length 0 (GSO): TCP runs to the end', () => {
    const d = decode(eth({ type: ETHERTYPE_IPV6 }, ipv6({ nextHeader: 6, payloadLength: 0 }, tcp({ src: 1, dst: 2, flags: TCP.ACK }, filler(2000)))));
    expect(d.stack).toBe('eth:ipv6:tcp');
    expect(d.error).toBeNull();
    expect(d.layers[2].payloadLength).toBe(2000);
  });

  it('payload length beyond the frame: error naming the length', () => {
    const d = decode(eth({ type: ETHERTYPE_IPV6 }, ipv6({ nextHeader: 17, payloadLength: 1000 }, UDP)));
    expect(d.error).toBe('ipv6: bad length field (1000)');
    expect(d.stack).toBe('eth:ipv6:udp');
  });

  it('payload length shorter than the bytes: padding dropped', () => {
    const ip = concat(ipv6({ nextHeader: 17 }, UDP), [0, 0, 0, 0]);
    const d = decode(eth({ type: ETHERTYPE_IPV6 }, ip));
    expect(d.end[1]).toBe(14 + 40 + 24);
    expect(d.error).toBeNull();
  });

  it('extension header running past the payload: truncated', () => {
    // Destination options claims 16 bytes but only 8 follow.
    const ip = ipv6({ nextHeader: 60 }, [17, 1, 1, 4, 0, 0, 0, 0]);
    const d = decode(eth({ type: ETHERTYPE_IPV6 }, ip));
    expect(d.stack).toBe('eth:ipv6');
    expect(d.error).toBe('ipv6: truncated header');
    expect(d.layers[1]).toMatchObject({ headerLength: 40, extensions: [] });
  });

  it('more than 16 extension headers: bad extension header', () => {
    let p: Uint8Array = UDP;
    for (let k = 0; k < 20; k++) p = ipv6Ext(k === 0 ? 17 : 60, 0, p);
    const d = decode(eth({ type: ETHERTYPE_IPV6 }, ipv6({ nextHeader: 60 }, p)));
    expect(d.error).toBe('ipv6: bad extension header (17)');
  });

  it('no next header (59)', () => {
    const d = decode(eth({ type: ETHERTYPE_IPV6 }, ipv6({ nextHeader: 59 })));
    expect(d.stack).toBe('eth:ipv6');
    expect(d.layers[1].protocol).toBe(59);
    expect(d.error).toBeNull();
  });

  it('bad version', () => {
    const d = decode(eth({ type: ETHERTYPE_IPV6 }, ipv6({ nextHeader: 17, version: 4 }, UDP)));
    expect(d.error).toBe('ipv6: bad version (4)');
  });

  it('truncated fixed header', () => {
    const d = decode(eth({ type: ETHERTYPE_IPV6 }, ipv6({ nextHeader: 17 }).subarray(0, 39)));
    expect(d.error).toBe('ipv6: truncated header');
  });

  it('IPv4-mapped and compressed address text', () => {
    const d = decode(ipv6({ nextHeader: 59, src: '::ffff:c000:0201', dst: '2001:db8:0:0:1:0:0:1' }), { linktype: 229 });
    expect(d.layers[0]).toMatchObject({ src: '::ffff:192.0.2.1', dst: '2001:db8::1:0:0:1' });
  });
});
