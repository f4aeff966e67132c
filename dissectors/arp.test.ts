// ARP (RFC 826): htype(2) ptype(2) hlen(1) plen(1) oper(2) sha spa tha tpa.
import { describe, expect, it } from 'vitest';
import { ETHERTYPE_ARP, arpPacket, be16, concat, eth, mac } from '../test-support/bytes.js';
import { decode } from '../test-support/decode.js';

describe('arp', () => {
  it('request for Ethernet/IPv4', () => {
    const a = arpPacket({ op: 1, sha: '02:42:0a:f4:01:02', spa: '10.244.1.2', tha: '00:00:00:00:00:00', tpa: '10.244.1.1' });
    expect(a.length).toBe(28);
    const d = decode(eth({ dst: 'ff:ff:ff:ff:ff:ff', src: '02:42:0a:f4:01:02', type: ETHERTYPE_ARP }, a));
    expect(d.stack).toBe('eth:arp');
    expect(d.hlen[1]).toBe(28);
    expect(d.layers[1]).toEqual({
      proto: 'arp', hardwareType: 1, protocolType: 0x0800, opcode: 1,
      senderMac: '02:42:0a:f4:01:02', senderIp: '10.244.1.2', targetMac: '00:00:00:00:00:00', targetIp: '10.244.1.1',
    });
    expect(d.cls).toBe('other');
    expect(d.outerIp).toBe(-1);
    expect(d.innerIp).toBe(-1);
    expect(d.error).toBeNull();
  });

  it('reply, with Ethernet padding after it', () => {
    const a = arpPacket({ op: 2, sha: '02:00:00:00:00:0a', spa: '192.168.1.1', tha: '02:00:00:00:00:0b', tpa: '192.168.1.2' });
    const d = decode(concat(eth({ type: ETHERTYPE_ARP }, a), new Uint8Array(18)));
    expect(d.layers[1]).toMatchObject({ opcode: 2, senderIp: '192.168.1.1', targetMac: '02:00:00:00:00:0b' });
  });

  it('non-Ethernet/IPv4 sizes: no address fields, length from hlen/plen', () => {
    // hlen 8, plen 16 => 8 + 2*(8+16) = 56 bytes.
    const a = concat(be16(6), be16(0x86dd), [8, 16], be16(1), new Uint8Array(48));
    const d = decode(eth({ type: ETHERTYPE_ARP }, a));
    expect(d.hlen[1]).toBe(56);
    expect(d.layers[1]).toEqual({ proto: 'arp', hardwareType: 6, protocolType: 0x86dd, opcode: 1 });
  });

  it('addresses cut off: truncated', () => {
    const a = concat(be16(1), be16(0x0800), [6, 4], be16(1), mac('02:00:00:00:00:01'), [10, 0]);
    const d = decode(eth({ type: ETHERTYPE_ARP }, a));
    expect(d.stack).toBe('eth');
    expect(d.error).toBe('arp: truncated header');
  });

  it('fixed part cut off by snaplen: truncated, no error', () => {
    const d = decode(eth({ type: ETHERTYPE_ARP }, [0, 1, 8]), { wireLen: 42 });
    expect(d.error).toBeNull();
    expect(d.truncated).toBe(true);
  });
});
