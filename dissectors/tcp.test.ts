// TCP (RFC 9293): ports, seq, ack, data offset(4) reserved(3) AE(1) CWR ECE URG ACK PSH RST SYN FIN,
// window, checksum, urgent pointer, options.
import { describe, expect, it } from 'vitest';
import { ETHERTYPE_IPV4, be16, eth, filler, ipv4, tcp, TCP } from '../test-support/bytes.js';
import { decode } from '../test-support/decode.js';
import { tcpFlagString } from './tcp.js';

const seg = (t: Parameters<typeof tcp>[0], payload: number[] = []) => decode(eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 6 }, tcp(t, payload))));

describe('tcp', () => {
  it('SYN-ACK with options: header length 32, flags "SA"', () => {
    // MSS 1460 (2,4,...), NOP, NOP, SACK permitted (4,2), NOP, window scale 7 (3,3,7) = 12 bytes.
    const options = [2, 4, ...be16(1460), 1, 1, 4, 2, 1, 3, 3, 7];
    const d = seg({ src: 80, dst: 33000, seq: 1, ack: 1, flags: TCP.SYN | TCP.ACK, window: 64240, options });
    expect(d.kinds).toEqual(['eth', 'ipv4', 'tcp']);
    expect(d.layers[2]).toEqual({
      proto: 'tcp', srcPort: 80, dstPort: 33000, seq: 1, ack: 1, flags: 'SA', flagBits: 0x12, window: 64240,
      headerLength: 32, payloadLength: 0, checksum: 0,
    });
    expect(d.hlen[2]).toBe(32);
    expect(d.l4).toBe(2);
  });

  it('flag strings', () => {
    expect(seg({ src: 1, dst: 2, flags: TCP.FIN | TCP.ACK }).layers[2].flags).toBe('FA');
    expect(seg({ src: 1, dst: 2, flags: TCP.PSH | TCP.ACK }, filler(10)).layers[2]).toMatchObject({ flags: 'PA', payloadLength: 10 });
    expect(seg({ src: 1, dst: 2, flags: TCP.RST }).layers[2].flags).toBe('R');
    expect(seg({ src: 1, dst: 2, flags: TCP.SYN | TCP.ECE | TCP.CWR }).layers[2].flags).toBe('SEC');
    expect(seg({ src: 1, dst: 2, flags: TCP.URG | TCP.ACK }).layers[2].flags).toBe('AU');
    expect(seg({ src: 1, dst: 2, flags: 0 }).layers[2].flags).toBe('');
    // AE (accurate ECN) is bit 8, the low bit of the data-offset byte.
    const ae = seg({ src: 1, dst: 2, flags: TCP.AE | TCP.ACK });
    expect(ae.layers[2]).toMatchObject({ flags: 'AN', flagBits: 0x110, headerLength: 20 });
    expect(tcpFlagString(0x1ff)).toBe('SFRPAUECN');
  });

  it('data offset < 5 is a bad header length', () => {
    const d = seg({ src: 1, dst: 2, flags: TCP.ACK, dataOffset: 4 }, filler(8));
    expect(d.error).toBe('tcp: bad header length (16)');
    expect(d.stack).toBe('eth:ipv4:tcp');
  });

  it('data offset past the bytes: truncated', () => {
    const d = seg({ src: 1, dst: 2, flags: TCP.ACK, dataOffset: 15 }, filler(8));
    expect(d.error).toBe('tcp: truncated header');
    expect(d.layers[2]).toMatchObject({ srcPort: 1, dstPort: 2 });
  });

  it('19 bytes: truncated', () => {
    const d = decode(eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 6 }, tcp({ src: 1, dst: 2, flags: 2 }).subarray(0, 19))));
    expect(d.error).toBe('tcp: truncated header');
    expect(d.stack).toBe('eth:ipv4');
  });

  // Issue 10 item 6: RFC 791 lets a first fragment carry 8 bytes of payload; the TCP header then
  // continues in the next fragment. What the bytes hold is kept, and it is not a truncation.
  describe('a first fragment that ends inside the TCP header', () => {
    const full = tcp({ src: 40000, dst: 443, seq: 0x01020304, ack: 9, flags: TCP.ACK }, filler(20));
    const frag = (n: number) => eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 6, src: '10.0.0.1', dst: '10.0.0.2', mf: true, id: 77 }, full.subarray(0, n)));

    it('8 bytes: ports and sequence number, partial "fragment", no error', () => {
      const d = decode(frag(8));
      expect(d.stack).toBe('eth:ipv4:tcp');
      expect(d.layers[2]).toEqual({ proto: 'tcp', srcPort: 40000, dstPort: 443, partial: 'fragment', seq: 0x01020304 });
      expect(d.error).toBeNull();
      expect(d.truncated).toBe(false);
      expect(d.l4).toBe(2);
    });

    it('16 bytes: also ack, flags, header length, window', () => {
      const d = decode(frag(16));
      expect(d.layers[2]).toEqual({
        proto: 'tcp', srcPort: 40000, dstPort: 443, partial: 'fragment', seq: 0x01020304, ack: 9,
        flags: 'A', flagBits: TCP.ACK, headerLength: 20, window: 65535,
      });
      expect(d.error).toBeNull();
    });

    it('options cut by the fragment end: the 20 fixed bytes, partial, no error', () => {
      const withOpts = tcp({ src: 1, dst: 2, flags: TCP.SYN, options: [2, 4, 5, 0xb4, 1, 1, 4, 2] });
      const d = decode(eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 6, mf: true }, withOpts.subarray(0, 24))));
      expect(d.layers[2]).toMatchObject({ srcPort: 1, dstPort: 2, partial: 'fragment', headerLength: 28 });
      expect(d.error).toBeNull();
    });

    it('the same 8 bytes without MF (a whole datagram) are still a truncated header', () => {
      const d = decode(eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 6 }, full.subarray(0, 8))));
      expect(d.error).toBe('tcp: truncated header');
    });
  });

  it('payload length counts only captured bytes', () => {
    const f = eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 6 }, tcp({ src: 1, dst: 2, flags: TCP.ACK }, filler(1000))));
    const d = decode(f.subarray(0, 14 + 20 + 20 + 100), { wireLen: f.length });
    expect(d.layers[2].payloadLength).toBe(100);
    expect(d.error).toBeNull();
  });

  it('BGP port 179 is bound (no per-packet layer)', () => {
    const d = seg({ src: 40000, dst: 179, flags: TCP.PSH | TCP.ACK }, filler(19));
    expect(d.stack).toBe('eth:ipv4:tcp');
    expect(d.error).toBeNull();
  });
});
