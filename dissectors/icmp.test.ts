// ICMP (RFC 792): type(1) code(1) checksum(2) rest-of-header(4) body. Destination unreachable,
// code 4 "fragmentation needed": unused(2) next-hop MTU(2) (RFC 1191), then the quoted IP header
// and at least 8 bytes of its payload.
import { describe, expect, it } from 'vitest';
import { ETHERTYPE_IPV4, be16, concat, eth, filler, icmp, icmpFragNeeded, ipv4, tcp, TCP, udp, vxlan } from '../test-support/bytes.js';
import { decode } from '../test-support/decode.js';

describe('icmp', () => {
  it('echo request: type, code, id, seq', () => {
    const m = icmp(8, 0, [...be16(0x1234), ...be16(7)], filler(56));
    const d = decode(eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 1 }, m)));
    expect(d.kinds).toEqual(['eth', 'ipv4', 'icmp']);
    expect(d.layers[2]).toEqual({ proto: 'icmp', type: 8, code: 0, checksum: (m[2] << 8) | m[3], id: 0x1234, seq: 7 });
    expect(d.l4).toBe(2);
    expect(d.innerIp).toBe(1);
  });

  it('echo reply', () => {
    const d = decode(eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 1 }, icmp(0, 0, [0, 1, 0, 2]))));
    expect(d.layers[2]).toMatchObject({ type: 0, code: 0, id: 1, seq: 2 });
    expect(d.layers[2].mtu).toBeUndefined();
  });

  it('fragmentation needed: MTU, and the quoted packet is marked quoted and never innerIp', () => {
    // The router 192.0.2.254 tells 10.0.0.1 that its 1500-byte VXLAN packet needs MTU 1450.
    const quotedIp = ipv4({ protocol: 17, src: '10.0.0.1', dst: '10.0.0.2', df: true, totalLength: 1500 },
      udp({ src: 40000, dst: 4789, length: 1480 }));
    const m = icmpFragNeeded(1450, quotedIp);
    expect(Array.from(m.subarray(4, 8))).toEqual([0, 0, 0x05, 0xaa]);
    const outer = ipv4({ protocol: 1, src: '192.0.2.254', dst: '10.0.0.1' }, m);
    const d = decode(eth({ type: ETHERTYPE_IPV4 }, outer));
    expect(d.kinds).toEqual(['eth', 'ipv4', 'icmp', 'ipv4', 'udp']);
    expect(d.layers[2]).toMatchObject({ type: 3, code: 4, mtu: 1450 });
    expect(d.quoted).toEqual([false, false, false, true, true]);
    expect(d.layers[3]).toMatchObject({ proto: 'ipv4', quoted: true, src: '10.0.0.1', length: 1500 });
    expect(d.layers[4]).toMatchObject({ proto: 'udp', quoted: true, dstPort: 4789 });
    // A quote is partial by design: its lengths running past the bytes are no error.
    expect(d.error).toBeNull();
    expect(d.innerIp).toBe(1);
    expect(d.outerIp).toBe(1);
    expect(d.l4).toBe(2);
    expect(d.tunnel).toBe(-1);
    expect(d.cls).toBe('underlay');
  });

  it('a quote long enough to hold VXLAN + inner frame does not make the packet a tunnel', () => {
    const inner = eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 6, src: '10.244.1.2', dst: '10.244.2.3' }, tcp({ src: 1, dst: 2, flags: TCP.SYN })));
    const quoted = ipv4({ protocol: 17, src: '10.0.0.1', dst: '10.0.0.2', df: true }, udp({ src: 40000, dst: 4789 }, vxlan({ vni: 1 }, inner)));
    const d = decode(eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 1, src: '10.0.0.254', dst: '10.0.0.1' }, icmpFragNeeded(1400, quoted))));
    expect(d.kinds.slice(0, 5)).toEqual(['eth', 'ipv4', 'icmp', 'ipv4', 'udp']);
    expect(d.quoted.slice(3).every(Boolean)).toBe(true);
    // Issue 10 item 13: every quoted layer says so in its object, VXLAN and the inner frame included.
    expect(d.stack).toBe('eth:ipv4:icmp:ipv4:udp:vxlan:eth:ipv4:tcp');
    expect(d.layers.map((l) => l.quoted === true)).toEqual([false, false, false, true, true, true, true, true, true]);
    expect(d.cls).toBe('underlay');
    expect(d.tunnel).toBe(-1);
    expect(d.innerIp).toBe(1);
    expect(d.l4).toBe(2);
  });

  it('other unreachable codes carry no mtu', () => {
    const q = ipv4({ protocol: 17 }, udp({ src: 1, dst: 2 }));
    const d = decode(eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 1 }, icmp(3, 3, [0, 0, 0, 0], q))));
    expect(d.layers[2]).toMatchObject({ type: 3, code: 3 });
    expect(d.layers[2].mtu).toBeUndefined();
    expect(d.kinds).toEqual(['eth', 'ipv4', 'icmp', 'ipv4', 'udp']);
  });

  it('time exceeded quotes the packet too', () => {
    const q = ipv4({ protocol: 6, ttl: 1 }, tcp({ src: 5, dst: 6, flags: TCP.SYN }).subarray(0, 8));
    const d = decode(eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 1 }, icmp(11, 0, [0, 0, 0, 0], q))));
    expect(d.kinds.slice(0, 4)).toEqual(['eth', 'ipv4', 'icmp', 'ipv4']);
    expect(d.quoted[3]).toBe(true);
    expect(d.error).toBeNull();
    expect(d.l4).toBe(2);
  });

  it('an error without a quote', () => {
    const d = decode(eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 1 }, icmpFragNeeded(1280, []))));
    expect(d.stack).toBe('eth:ipv4:icmp');
    expect(d.layers[2].mtu).toBe(1280);
  });

  it('7 bytes: truncated', () => {
    const d = decode(eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 1 }, [8, 0, 0, 0, 0, 0, 0])));
    expect(d.error).toBe('icmp: truncated header');
    expect(d.l4).toBe(-1);
    void concat;
  });
});
