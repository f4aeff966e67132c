// Ethernet II (IEEE 802.3 clause 3.1.1 / DIX): dst(6) src(6) EtherType(2).
import { describe, expect, it } from 'vitest';
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, arpPacket, concat, eth, filler, ipv4, udp } from '../test-support/bytes.js';
import { decode } from '../test-support/decode.js';

describe('ethernet', () => {
  it('lays out dst, src and EtherType', () => {
    const f = eth({ dst: 'ff:ff:ff:ff:ff:ff', src: '02:42:ac:11:00:02', type: ETHERTYPE_ARP },
      arpPacket({ op: 1, sha: '02:42:ac:11:00:02', spa: '172.17.0.2', tha: '00:00:00:00:00:00', tpa: '172.17.0.1' }));
    const d = decode(f, { at: 5 });
    expect(d.kinds).toEqual(['eth', 'arp']);
    expect(d.layers[0]).toEqual({ proto: 'eth', src: '02:42:ac:11:00:02', dst: 'ff:ff:ff:ff:ff:ff', ethertype: 0x0806 });
    expect(d.off[0]).toBe(0);
    expect(d.hlen[0]).toBe(14);
    expect(d.error).toBeNull();
  });

  it('stops at an 802.3 length field (< 0x0600) without error', () => {
    // 802.3 frame with LLC: length 0x0026, then DSAP/SSAP/control of STP.
    const f = eth({ dst: '01:80:c2:00:00:00', src: '02:00:00:00:00:09', type: 0x0026 }, [0x42, 0x42, 0x03, ...filler(35)]);
    const d = decode(f);
    expect(d.stack).toBe('eth');
    expect(d.layers[0].ethertype).toBe(0x26);
    expect(d.error).toBeNull();
    expect(d.cls).toBe('other');
  });

  it('stops at an unknown EtherType (LLDP 0x88cc) without error', () => {
    const d = decode(eth({ type: 0x88cc }, filler(30)));
    expect(d.stack).toBe('eth');
    expect(d.error).toBeNull();
    expect(d.cls).toBe('other');
  });

  it('a 13-byte frame is a truncated Ethernet header', () => {
    const f = eth({ type: ETHERTYPE_IPV4 }).subarray(0, 13);
    const d = decode(f);
    expect(d.stack).toBe('');
    expect(d.error).toBe('eth: truncated header');
    expect(d.truncated).toBe(false);
  });

  it('a 13-byte record cut by snaplen is truncated, not an error', () => {
    const f = eth({ type: ETHERTYPE_IPV4 }).subarray(0, 13);
    const d = decode(f, { wireLen: 60 });
    expect(d.error).toBeNull();
    expect(d.truncated).toBe(true);
  });

  it('drops Ethernet padding after the IP datagram', () => {
    // 20 (IP) + 8 (UDP) + 2 payload = 30 bytes of IP in a 60-byte minimum frame.
    const ip = ipv4({ protocol: 17 }, udp({ src: 1000, dst: 2000 }, [0xaa, 0xbb]));
    const f = concat(eth({ type: ETHERTYPE_IPV4 }, ip), new Uint8Array(60 - 14 - ip.length));
    const d = decode(f);
    expect(d.stack).toBe('eth:ipv4:udp');
    expect(d.end[0]).toBe(60);
    expect(d.end[1]).toBe(14 + 30);
    expect(d.end[2]).toBe(14 + 30);
    expect(d.error).toBeNull();
  });
});
