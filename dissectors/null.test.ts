// BSD loopback: a 4-byte address family. LINKTYPE_NULL (0) in the capturing host's byte order,
// LINKTYPE_LOOP (108) in network byte order. AF_INET = 2; AF_INET6 = 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (Darwin).
import { describe, expect, it } from 'vitest';
import { be32, concat, ipv4, ipv6, le32, udp } from '../test-support/bytes.js';
import { decode } from '../test-support/decode.js';

const V4 = ipv4({ protocol: 17, src: '127.0.0.1', dst: '127.0.0.1' }, udp({ src: 1234, dst: 53 }, [0, 1]));
const V6 = ipv6({ nextHeader: 17, src: '::1', dst: '::1' }, udp({ src: 1234, dst: 53 }, [0, 1]));

describe('null (LINKTYPE_NULL 0)', () => {
  it('AF_INET little-endian (x86 writer)', () => {
    const d = decode(concat(le32(2), V4), { linktype: 0 });
    expect(d.stack).toBe('null:ipv4:udp');
    expect(d.layers[0]).toEqual({ proto: 'null', family: 2 });
    expect(d.off[1]).toBe(4);
  });

  it('AF_INET big-endian (SPARC/PowerPC writer)', () => {
    const d = decode(concat(be32(2), V4), { linktype: 0 });
    expect(d.stack).toBe('null:ipv4:udp');
    expect(d.layers[0]).toEqual({ proto: 'null', family: 2 });
  });

  for (const af of [24, 28, 30]) {
    it(`AF_INET6 = ${af} in both byte orders`, () => {
      expect(decode(concat(le32(af), V6), { linktype: 0 }).stack).toBe('null:ipv6:udp');
      const d = decode(concat(be32(af), V6), { linktype: 0 });
      expect(d.stack).toBe('null:ipv6:udp');
      expect(d.layers[0].family).toBe(af);
    });
  }

  it('unknown family: no further layers, no error', () => {
    const d = decode(concat(le32(17), V4), { linktype: 0 });
    expect(d.stack).toBe('null');
    expect(d.error).toBeNull();
    expect(d.cls).toBe('other');
  });

  it('3 bytes: truncated', () => {
    expect(decode(new Uint8Array([2, 0, 0]), { linktype: 0 }).error).toBe('null: truncated header');
  });

  // Issue 10 item 5: writers that put an EtherType in the NULL header. Wireshark's packet-null.c
  // heuristic (little-endian host): a value above 1500 after its byte-order fix-ups is an EtherType.
  describe('an EtherType instead of an address family', () => {
    const cases: [string, number[], number, Uint8Array, string][] = [
      ['00 00 08 00 (big-endian 32-bit)', [0, 0, 8, 0], 0x0800, V4, 'null:ipv4:udp'],
      ['00 08 00 00 (big-endian 16-bit in the low half)', [0, 8, 0, 0], 0x0800, V4, 'null:ipv4:udp'],
      ['dd 86 00 00 (little-endian 32-bit)', [0xdd, 0x86, 0, 0], 0x86dd, V6, 'null:ipv6:udp'],
      ['00 00 86 dd (big-endian 32-bit)', [0, 0, 0x86, 0xdd], 0x86dd, V6, 'null:ipv6:udp'],
    ];
    for (const [name, hdr, type, payload, stack] of cases) {
      it(name, () => {
        const d = decode(concat(hdr, payload), { linktype: 0 });
        expect(d.stack).toBe(stack);
        expect(d.layers[0]).toEqual({ proto: 'null', ethertype: type });
        expect(d.error).toBeNull();
      });
    }

    it('00 00 02 00: a 16-bit family in the upper half is still AF_INET', () => {
      expect(decode(concat([0, 0, 2, 0], V4), { linktype: 0 }).layers[0]).toEqual({ proto: 'null', family: 2 });
    });

    it('00 02 00 00: a big-endian 16-bit family in the low half is AF_INET', () => {
      expect(decode(concat([0, 2, 0, 0], V4), { linktype: 0 }).layers[0]).toEqual({ proto: 'null', family: 2 });
    });

    it('an EtherType nobody dissects: the null layer only', () => {
      const d = decode(concat([0, 0, 0x88, 0xcc], V4), { linktype: 0 });
      expect(d.stack).toBe('null');
      expect(d.layers[0]).toEqual({ proto: 'null', ethertype: 0x88cc });
    });
  });
});

describe('loop (LINKTYPE_LOOP 108)', () => {
  it('AF_INET in network byte order', () => {
    const d = decode(concat(be32(2), V4), { linktype: 108 });
    expect(d.stack).toBe('loop:ipv4:udp');
    expect(d.layers[0]).toEqual({ proto: 'loop', family: 2 });
  });

  it('AF_INET6 (30) in network byte order', () => {
    expect(decode(concat(be32(30), V6), { linktype: 108 }).stack).toBe('loop:ipv6:udp');
  });

  it('little-endian family is not AF_INET for LOOP (always network order)', () => {
    const d = decode(concat(le32(2), V4), { linktype: 108 });
    expect(d.stack).toBe('loop');
    expect(d.layers[0].family).toBe(0x02000000);
  });
});

describe('raw IP link types', () => {
  for (const lt of [101, 12, 14]) {
    it(`LINKTYPE ${lt} picks IPv4 or IPv6 from the version nibble`, () => {
      expect(decode(V4, { linktype: lt }).stack).toBe('ipv4:udp');
      expect(decode(V6, { linktype: lt }).stack).toBe('ipv6:udp');
    });
  }
  it('LINKTYPE_IPV4 (228) and LINKTYPE_IPV6 (229)', () => {
    expect(decode(V4, { linktype: 228 }).stack).toBe('ipv4:udp');
    expect(decode(V6, { linktype: 229 }).stack).toBe('ipv6:udp');
    expect(decode(V6, { linktype: 228 }).error).toBe('ipv4: bad version (6)');
  });
  it('an unsupported link type is an error naming it, never a throw', () => {
    const d = decode(V4, { linktype: 147 });
    expect(d.stack).toBe('');
    expect(d.error).toBe('link: unsupported link type (147)');
    expect(d.cls).toBe('other');
  });
  it('empty record on raw link type', () => {
    const d = decode(new Uint8Array(0), { linktype: 101 });
    expect(d.error).toBe('ipv4: truncated header');
  });
});
