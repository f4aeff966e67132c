// IPv4 (RFC 791): ver(4) ihl(4) tos(8) total length(16) | id(16) flags(3) frag offset(13) |
// ttl(8) protocol(8) checksum(16) | src(32) | dst(32) | options.
import { describe, expect, it } from 'vitest';
import { ETHERTYPE_IPV4, concat, eth, filler, ipv4, tcp, TCP, udp } from '../test-support/bytes.js';
import { decode } from '../test-support/decode.js';

const UDP = udp({ src: 33000, dst: 53 }, filler(12));

describe('ipv4', () => {
  it('lays out the fixed header', () => {
    const ip = ipv4({ protocol: 17, src: '10.244.1.2', dst: '10.96.0.10', tos: 0xb8, id: 0xbeef, ttl: 63, df: true }, UDP);
    // Total length = 20 + 8 + 12 = 40.
    expect(Array.from(ip.subarray(0, 4))).toEqual([0x45, 0xb8, 0x00, 40]);
    expect(Array.from(ip.subarray(6, 8))).toEqual([0x40, 0x00]);
    const d = decode(eth({ type: ETHERTYPE_IPV4 }, ip));
    expect(d.kinds).toEqual(['eth', 'ipv4', 'udp']);
    expect(d.layers[1]).toEqual({
      proto: 'ipv4', src: '10.244.1.2', dst: '10.96.0.10', protocol: 17, ttl: 63, length: 40, id: 0xbeef,
      df: true, mf: false, fragOffset: 0, headerLength: 20, tos: 0xb8, checksum: (ip[10] << 8) | ip[11], options: [],
    });
    expect(d.hlen[1]).toBe(20);
    expect(d.end[1]).toBe(14 + 40);
    expect(d.error).toBeNull();
  });

  it('options: NOP, Router Alert (RFC 2113), Record Route, End', () => {
    // NOP(1) | RA type 0x94 len 4 value 0 | RR type 7 len 11 ptr 4 + 2 slots | EOL | pad to 20 bytes.
    const options = [0x01, 0x94, 0x04, 0x00, 0x00, 0x07, 0x0b, 0x04, ...new Array(8).fill(0), 0x00, 0, 0, 0];
    expect(options.length).toBe(20);
    const ip = ipv4({ protocol: 17, options }, UDP);
    expect(ip[0]).toBe(0x4a); // IHL 10
    const d = decode(eth({ type: ETHERTYPE_IPV4 }, ip));
    expect(d.kinds).toEqual(['eth', 'ipv4', 'udp']);
    expect(d.layers[1]).toMatchObject({
      headerLength: 40, length: 60,
      options: [{ type: 1, length: 1 }, { type: 0x94, length: 4 }, { type: 7, length: 11 }],
    });
    expect(d.off[2]).toBe(14 + 40);
  });

  it('DF and MF flags, first fragment still carries the transport header', () => {
    const d = decode(eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 17, mf: true, id: 77 }, UDP)));
    expect(d.layers[1]).toMatchObject({ df: false, mf: true, fragOffset: 0, id: 77 });
    expect(d.stack).toBe('eth:ipv4:udp');
  });

  it('non-first fragment: offset in bytes, no transport layer', () => {
    // Fragment offset 185 units = 1480 bytes.
    const ip = ipv4({ protocol: 17, fragOffset: 185, id: 77 }, filler(100));
    expect(Array.from(ip.subarray(6, 8))).toEqual([0x00, 0xb9]);
    const d = decode(eth({ type: ETHERTYPE_IPV4 }, ip));
    expect(d.stack).toBe('eth:ipv4');
    expect(d.layers[1]).toMatchObject({ mf: false, df: false, fragOffset: 1480, protocol: 17 });
    expect(d.l4).toBe(-1);
    expect(d.cls).toBe('underlay');
  });

  it('non-first fragment with MF and the largest offset', () => {
    const ip = ipv4({ protocol: 6, fragOffset: 0x1fff, mf: true }, filler(8));
    const d = decode(ip, { linktype: 228 });
    expect(d.layers[0]).toMatchObject({ mf: true, fragOffset: 0x1fff * 8 });
    expect(d.stack).toBe('ipv4');
  });

  it('total length 0 (TSO/GSO super-frame): the payload runs to the end of the bytes', () => {
    const seg = tcp({ src: 443, dst: 50000, seq: 1, ack: 1, flags: TCP.ACK | TCP.PSH }, filler(3000));
    const ip = ipv4({ protocol: 6, totalLength: 0, df: true }, seg);
    const d = decode(eth({ type: ETHERTYPE_IPV4 }, ip));
    expect(d.stack).toBe('eth:ipv4:tcp');
    expect(d.error).toBeNull();
    expect(d.layers[1].length).toBe(0);
    expect(d.st.v2[1]).toBe(1);
    expect(d.end[1]).toBe(14 + 20 + 20 + 3000);
    expect(d.layers[2].payloadLength).toBe(3000);
  });

  it('bad IHL (< 5) is an error naming the header length', () => {
    const ip = ipv4({ protocol: 17, ihl: 4 }, UDP);
    const d = decode(eth({ type: ETHERTYPE_IPV4 }, ip));
    expect(d.stack).toBe('eth');
    expect(d.error).toBe('ipv4: bad header length (16)');
  });

  it('IHL larger than the bytes: truncated', () => {
    const ip = ipv4({ protocol: 17, ihl: 15 }, filler(10));
    const d = decode(eth({ type: ETHERTYPE_IPV4 }, ip));
    expect(d.error).toBe('ipv4: truncated header');
  });

  it('bad version', () => {
    const d = decode(eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 17, version: 5 }, UDP)));
    expect(d.error).toBe('ipv4: bad version (5)');
    expect(d.stack).toBe('eth');
    expect(d.cls).toBe('other');
  });

  it('truncated: 19 bytes of header', () => {
    const ip = ipv4({ protocol: 17 }, UDP).subarray(0, 19);
    const d = decode(eth({ type: ETHERTYPE_IPV4 }, ip));
    expect(d.error).toBe('ipv4: truncated header');
  });

  it('snaplen cut inside the header: truncated flag, no error', () => {
    const ip = ipv4({ protocol: 17 }, UDP).subarray(0, 19);
    const d = decode(eth({ type: ETHERTYPE_IPV4 }, ip), { wireLen: 14 + 40 });
    expect(d.error).toBeNull();
    expect(d.truncated).toBe(true);
  });

  it('snaplen cut inside the payload: dissected as far as the bytes go, no error', () => {
    const ip = ipv4({ protocol: 17 }, udp({ src: 1, dst: 2 }, filler(1000)));
    const d = decode(eth({ type: ETHERTYPE_IPV4 }, ip).subarray(0, 96), { wireLen: 14 + ip.length });
    expect(d.stack).toBe('eth:ipv4:udp');
    expect(d.error).toBeNull();
    expect(d.layers[1].length).toBe(1028);
    expect(d.end[1]).toBe(96);
  });

  it('total length beyond the frame (not snaplen-cut): error, still dissected', () => {
    const ip = ipv4({ protocol: 17, totalLength: 1500 }, UDP);
    const d = decode(eth({ type: ETHERTYPE_IPV4 }, ip));
    expect(d.error).toBe('ipv4: bad total length (1500)');
    expect(d.stack).toBe('eth:ipv4:udp');
  });

  it('total length smaller than the header: error', () => {
    const ip = ipv4({ protocol: 17, totalLength: 19 }, UDP);
    const d = decode(eth({ type: ETHERTYPE_IPV4 }, ip));
    expect(d.error).toBe('ipv4: bad total length (19)');
    expect(d.stack).toBe('eth:ipv4');
  });

  it('unknown protocol (ESP 50): IP layer only', () => {
    const d = decode(eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 50 }, filler(40))));
    expect(d.stack).toBe('eth:ipv4');
    expect(d.layers[1].protocol).toBe(50);
    expect(d.error).toBeNull();
  });

  it('reads at absolute offsets (record not at the start of the buffer)', () => {
    const ip = ipv4({ protocol: 17, src: '1.2.3.4', dst: '5.6.7.8' }, UDP);
    const d = decode(eth({ type: ETHERTYPE_IPV4 }, ip), { at: 37 });
    expect(d.layers[1]).toMatchObject({ src: '1.2.3.4', dst: '5.6.7.8', length: 40 });
    expect(d.layers[2]).toMatchObject({ srcPort: 33000, dstPort: 53 });
    void concat;
  });
});
