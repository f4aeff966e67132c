// ICMPv6 (RFC 4443): type(1) code(1) checksum(2) then a 4-byte field: MTU for Packet Too Big (type 2),
// pointer for Parameter Problem (4), id/seq for echo (128/129); errors (1-4) quote the invoking packet.
import { describe, expect, it } from 'vitest';
import { ETHERTYPE_IPV6, be16, be32, eth, filler, icmpv6, ip6, ipv4, ipv6, tcp, TCP, udp } from '../test-support/bytes.js';
import { decode } from '../test-support/decode.js';

describe('icmpv6', () => {
  it('packet too big: 32-bit MTU, quoted IPv6 packet marked quoted', () => {
    const q = ipv6({ nextHeader: 17, src: '2001:db8::1', dst: '2001:db8::2', payloadLength: 1460 }, udp({ src: 40000, dst: 6081, length: 1460 }));
    const m = icmpv6(2, 0, be32(1400), q);
    const d = decode(eth({ type: ETHERTYPE_IPV6 }, ipv6({ nextHeader: 58, src: '2001:db8::fe', dst: '2001:db8::1' }, m)));
    expect(d.kinds).toEqual(['eth', 'ipv6', 'icmpv6', 'ipv6', 'udp']);
    expect(d.layers[2]).toMatchObject({ proto: 'icmpv6', type: 2, code: 0, mtu: 1400 });
    expect(d.layers[3]).toMatchObject({ quoted: true, payloadLength: 1460 });
    expect(d.layers[4]).toMatchObject({ quoted: true, dstPort: 6081 });
    expect(d.error).toBeNull();
    expect(d.innerIp).toBe(1);
    expect(d.l4).toBe(2);
    expect(d.cls).toBe('underlay');
    expect(d.tunnel).toBe(-1);
  });

  it('packet too big with an MTU above 65535', () => {
    const d = decode(ipv6({ nextHeader: 58 }, icmpv6(2, 0, be32(70000), ipv6({ nextHeader: 59 }))), { linktype: 229 });
    expect(d.layers[1].mtu).toBe(70000);
  });

  it('destination unreachable quoting an IPv4 packet (version nibble 4)', () => {
    const q = ipv4({ protocol: 6 }, tcp({ src: 1, dst: 2, flags: TCP.SYN }));
    const d = decode(ipv6({ nextHeader: 58 }, icmpv6(1, 4, [0, 0, 0, 0], q)), { linktype: 229 });
    expect(d.kinds).toEqual(['ipv6', 'icmpv6', 'ipv4', 'tcp']);
    expect(d.quoted).toEqual([false, false, true, true]);
    expect(d.layers[1].mtu).toBeUndefined();
  });

  it('echo request id/seq', () => {
    const d = decode(ipv6({ nextHeader: 58 }, icmpv6(128, 0, [...be16(0xabcd), ...be16(3)], filler(8))), { linktype: 229 });
    expect(d.layers[1]).toEqual({ proto: 'icmpv6', type: 128, code: 0, checksum: 0, id: 0xabcd, seq: 3 });
  });

  it('neighbour solicitation target', () => {
    const d = decode(ipv6({ nextHeader: 58 }, icmpv6(135, 0, [0, 0, 0, 0], ip6('fe80::1'))), { linktype: 229 });
    expect(d.layers[1]).toMatchObject({ type: 135, target: 'fe80::1' });
  });

  it('neighbour advertisement cut before the target: no target, no throw', () => {
    const d = decode(ipv6({ nextHeader: 58 }, icmpv6(136, 0, [0x60, 0, 0, 0], [0xfe, 0x80])), { linktype: 229 });
    expect(d.layers[1].target).toBeUndefined();
  });

  it('truncated', () => {
    const d = decode(ipv6({ nextHeader: 58 }, [2, 0, 0, 0, 0, 0]), { linktype: 229 });
    expect(d.error).toBe('icmpv6: truncated header');
  });
});
