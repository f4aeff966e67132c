// WireGuard (the whitepaper, section 5.4): type(1) reserved(3); type 4 transport data:
// receiver index (LE 32) counter (LE 64) encrypted packet + 16-byte tag. UDP 51820 / 51871.
import { describe, expect, it } from 'vitest';
import { ETHERTYPE_IPV4, eth, filler, ipv4, udp, wgData, wgInitiation } from '../test-support/bytes.js';
import { decode } from '../test-support/decode.js';

const frame = (p: Uint8Array, dst = 51820, src = 40000) =>
  eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 17, src: '192.0.2.1', dst: '192.0.2.2' }, udp({ src, dst }, p)));

describe('wireguard', () => {
  it('transport data: type 4, receiver index, 16-byte header', () => {
    const m = wgData(0x11223344, 9, 100);
    expect(Array.from(m.subarray(0, 8))).toEqual([4, 0, 0, 0, 0x44, 0x33, 0x22, 0x11]);
    const d = decode(frame(m));
    expect(d.kinds).toEqual(['eth', 'ipv4', 'udp', 'wireguard']);
    expect(d.layers[3]).toEqual({ proto: 'wireguard', type: 4, receiver: 0x11223344 });
    expect(d.hlen[3]).toBe(16);
    expect(d.cls).toBe('wireguard');
    expect(d.tunnel).toBe(3);
    expect(d.outerIp).toBe(1);
    expect(d.innerIp).toBe(1);
  });

  it('Calico port 51871, and the source port', () => {
    expect(decode(frame(wgData(1, 1, 0), 51871)).cls).toBe('wireguard');
    expect(decode(frame(wgData(1, 1, 0), 40000, 51820)).cls).toBe('wireguard');
  });

  it('handshake initiation (148 bytes)', () => {
    const m = wgInitiation(5);
    expect(m.length).toBe(148);
    const d = decode(frame(m));
    expect(d.layers[3]).toEqual({ proto: 'wireguard', type: 1 });
    expect(d.hlen[3]).toBe(148);
  });

  it('not WireGuard-shaped payload on the port: plain UDP, underlay', () => {
    expect(decode(frame(new Uint8Array([4, 1, 0, 0, ...filler(40)]))).cls).toBe('underlay');
    expect(decode(frame(new Uint8Array([9, 0, 0, 0, ...filler(40)]))).stack).toBe('eth:ipv4:udp');
    // A data message shorter than 32 bytes of framing is not WireGuard.
    expect(decode(frame(wgData(1, 1, 0).subarray(0, 31))).stack).toBe('eth:ipv4:udp');
    // A handshake initiation of the wrong size is not WireGuard.
    expect(decode(frame(wgInitiation(1).subarray(0, 100))).stack).toBe('eth:ipv4:udp');
  });

  it('keepalive (data with empty payload = 32 bytes)', () => {
    const d = decode(frame(wgData(7, 2, 0)));
    expect(d.cls).toBe('wireguard');
  });
});

describe('wireguard, cut short', () => {
  it('snaplen cut inside the 16-byte data header: the layer covers only the captured bytes', () => {
    const f = frame(wgData(1, 1, 64));
    const d = decode(f.subarray(0, 14 + 20 + 8 + 6), { wireLen: f.length });
    expect(d.kinds).toEqual(['eth', 'ipv4', 'udp', 'wireguard']);
    expect(d.hlen[3]).toBe(6);
    expect(d.off[3] + d.hlen[3]).toBeLessThanOrEqual(f.length);
    expect(d.layers[3]).toEqual({ proto: 'wireguard', type: 4 });
  });

  it('a UDP length that ends the message early is not a snaplen cut: not WireGuard', () => {
    // UDP length 8 + 13: the datagram itself holds 13 bytes, although the record was snapped later on.
    const f = eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 17 }, udp({ src: 1, dst: 51820, length: 21 }, wgData(1, 1, 64))));
    const d = decode(f.subarray(0, 100), { wireLen: f.length });
    expect(d.stack).toBe('eth:ipv4:udp');
  });
});
