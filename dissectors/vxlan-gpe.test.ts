// VXLAN-GPE (draft-ietf-nvo3-vxlan-gpe), UDP 4790: |R R Ver I P B O| reserved(16) | next protocol(8) | VNI(24) | reserved(8)|.
// Next protocol 1 IPv4, 2 IPv6, 3 Ethernet.
import { describe, expect, it } from 'vitest';
import { ETHERTYPE_IPV4, eth, ipv4, ipv6, udp, vxlanGpe, filler } from '../test-support/bytes.js';
import { decode } from '../test-support/decode.js';

const outer = (p: Uint8Array) => eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 17 }, udp({ src: 50000, dst: 4790 }, p)));
const IN4 = ipv4({ protocol: 17, src: '10.1.0.1', dst: '10.1.0.2' }, udp({ src: 1, dst: 2 }));

describe('vxlan-gpe', () => {
  it('next protocol IPv4 (1): IP directly after the header', () => {
    // Flags: I (0x08) and P (0x04).
    const g = vxlanGpe(0x0c, 1, 77);
    expect(Array.from(g)).toEqual([0x0c, 0, 0, 1, 0, 0, 77, 0]);
    const d = decode(outer(vxlanGpe(0x0c, 1, 77, IN4)));
    expect(d.kinds).toEqual(['eth', 'ipv4', 'udp', 'vxlan-gpe', 'ipv4', 'udp']);
    expect(d.layers[3]).toEqual({ proto: 'vxlan-gpe', flags: 0x0c, vni: 77, nextProtocol: 1 });
    expect(d.cls).toBe('vxlan');
    expect(d.tunnel).toBe(3);
    expect(d.innerIp).toBe(4);
  });

  it('next protocol IPv6 (2) and Ethernet (3)', () => {
    expect(decode(outer(vxlanGpe(0x0c, 2, 1, ipv6({ nextHeader: 59 })))).stack).toBe('eth:ipv4:udp:vxlan-gpe:ipv6');
    expect(decode(outer(vxlanGpe(0x0c, 3, 1, eth({ type: ETHERTYPE_IPV4 }, IN4)))).stack).toBe('eth:ipv4:udp:vxlan-gpe:eth:ipv4:udp');
  });

  it('NSH (4): not dissected further, no error', () => {
    const d = decode(outer(vxlanGpe(0x0c, 4, 1, filler(24))));
    expect(d.stack).toBe('eth:ipv4:udp:vxlan-gpe');
    expect(d.error).toBeNull();
  });

  it('truncated', () => {
    expect(decode(outer(new Uint8Array([0x0c, 0, 0, 1]))).error).toBe('vxlan-gpe: truncated header');
  });
});
