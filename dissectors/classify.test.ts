// The classifier (dissectors/decoder.ts, SPEC "Classes and flows"): every packet gets exactly one class,
// and the indexes outerIp / innerIp / tunnel / l4 point at the right layers.
import { describe, expect, it } from 'vitest';
import {
  ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_TEB, ETHERTYPE_VLAN, arpPacket, eth, geneve, gre, icmp,
  ipv4, ipv6, tcp, TCP, udp, vlanTag, vxlan, wgData,
} from '../test-support/bytes.js';
import { decode } from '../test-support/decode.js';
import { PacketDecoder } from './decoder.js';

const T = tcp({ src: 33000, dst: 80, flags: TCP.SYN });
const in4 = (src = '10.244.1.2', dst = '10.244.2.3') => ipv4({ protocol: 6, src, dst }, T);
const in6 = () => ipv6({ nextHeader: 6, src: 'fd00:10:244:1::2', dst: 'fd00:10:244:2::3' }, T);
const E4 = (p: Uint8Array) => eth({ type: ETHERTYPE_IPV4 }, p);
const E6 = (p: Uint8Array) => eth({ type: ETHERTYPE_IPV6 }, p);

function idx(d: ReturnType<typeof decode>) {
  return { cls: d.cls, outerIp: d.outerIp, innerIp: d.innerIp, tunnel: d.tunnel, l4: d.l4 };
}

describe('classifier', () => {
  it('vxlan', () => {
    const d = decode(E4(ipv4({ protocol: 17 }, udp({ src: 51000, dst: 4789 }, vxlan({ vni: 1 }, E4(in4()))))));
    expect(d.stack).toBe('eth:ipv4:udp:vxlan:eth:ipv4:tcp');
    expect(idx(d)).toEqual({ cls: 'vxlan', outerIp: 1, innerIp: 5, tunnel: 3, l4: 6 });
  });

  it('vxlan over IPv6 with a VLAN inside the tunnel', () => {
    const inner = eth({ type: ETHERTYPE_VLAN }, vlanTag({ vid: 10, type: ETHERTYPE_IPV4 }, in4()));
    const d = decode(E6(ipv6({ nextHeader: 17 }, udp({ src: 51000, dst: 4789 }, vxlan({ vni: 1 }, inner)))));
    expect(d.stack).toBe('eth:ipv6:udp:vxlan:eth:vlan:ipv4:tcp');
    expect(idx(d)).toEqual({ cls: 'vxlan', outerIp: 1, innerIp: 6, tunnel: 3, l4: 7 });
  });

  it('geneve', () => {
    const d = decode(E4(ipv4({ protocol: 17 }, udp({ src: 1, dst: 6081 }, geneve({ protocol: ETHERTYPE_TEB, vni: 5 }, E4(in4()))))));
    expect(idx(d)).toEqual({ cls: 'geneve', outerIp: 1, innerIp: 5, tunnel: 3, l4: 6 });
  });

  it('gre', () => {
    const d = decode(E4(ipv4({ protocol: 47 }, gre({ protocol: ETHERTYPE_IPV4, k: true, key: 9 }, in4()))));
    expect(idx(d)).toEqual({ cls: 'gre', outerIp: 1, innerIp: 3, tunnel: 2, l4: 4 });
  });

  it('nvgre', () => {
    const d = decode(E4(ipv4({ protocol: 47 }, gre({ protocol: ETHERTYPE_TEB, k: true, key: 0x100 }, E4(in4())))));
    expect(idx(d)).toEqual({ cls: 'nvgre', outerIp: 1, innerIp: 4, tunnel: 2, l4: 5 });
  });

  it('ipip 4in4 (protocol 4)', () => {
    const d = decode(E4(ipv4({ protocol: 4, src: '192.0.2.1', dst: '192.0.2.2' }, in4())));
    expect(d.stack).toBe('eth:ipv4:ipv4:tcp');
    expect(idx(d)).toEqual({ cls: 'ipip', outerIp: 1, innerIp: 2, tunnel: 2, l4: 3 });
    expect(d.off[2] - d.off[1]).toBe(20);
  });

  it('ipip 6in4 (protocol 41)', () => {
    const d = decode(E4(ipv4({ protocol: 41 }, in6())));
    expect(d.stack).toBe('eth:ipv4:ipv6:tcp');
    expect(idx(d)).toEqual({ cls: 'ipip', outerIp: 1, innerIp: 2, tunnel: 2, l4: 3 });
  });

  it('ipip 4in6 (next header 4)', () => {
    const d = decode(E6(ipv6({ nextHeader: 4 }, in4())));
    expect(d.stack).toBe('eth:ipv6:ipv4:tcp');
    expect(idx(d)).toEqual({ cls: 'ipip', outerIp: 1, innerIp: 2, tunnel: 2, l4: 3 });
  });

  it('ipip 6in6 (next header 41)', () => {
    const d = decode(E6(ipv6({ nextHeader: 41 }, in6())));
    expect(d.stack).toBe('eth:ipv6:ipv6:tcp');
    expect(idx(d)).toEqual({ cls: 'ipip', outerIp: 1, innerIp: 2, tunnel: 2, l4: 3 });
  });

  it('the outermost encapsulation wins: VXLAN carried in IP-in-IP is ipip', () => {
    const v = ipv4({ protocol: 17, src: '10.0.0.1', dst: '10.0.0.2' }, udp({ src: 1, dst: 4789 }, vxlan({ vni: 3 }, E4(in4()))));
    const d = decode(E4(ipv4({ protocol: 4 }, v)));
    expect(d.stack).toBe('eth:ipv4:ipv4:udp:vxlan:eth:ipv4:tcp');
    expect(idx(d)).toEqual({ cls: 'ipip', outerIp: 1, innerIp: 6, tunnel: 2, l4: 7 });
  });

  it('wireguard: the tunnel is the WireGuard layer; inner is encrypted so innerIp is the outer IP', () => {
    const d = decode(E4(ipv4({ protocol: 17 }, udp({ src: 51820, dst: 51820 }, wgData(1, 1, 64)))));
    expect(idx(d)).toEqual({ cls: 'wireguard', outerIp: 1, innerIp: 1, tunnel: 3, l4: 2 });
  });

  it('routed: plain traffic with the source or the destination in a pod CIDR', () => {
    const dec = new PacketDecoder({ podCidrs: ['10.244.0.0/16', 'fd00:10:244::/48'] });
    const src = decode(E4(in4('10.244.1.2', '192.168.0.10')), { decoder: dec });
    expect(idx(src)).toEqual({ cls: 'routed', outerIp: 1, innerIp: 1, tunnel: -1, l4: 2 });
    expect(decode(E4(in4('192.168.0.10', '10.244.9.9')), { decoder: dec }).cls).toBe('routed');
    expect(decode(E4(in4('192.168.0.10', '10.245.0.1')), { decoder: dec }).cls).toBe('underlay');
    expect(decode(E6(in6()), { decoder: dec }).cls).toBe('routed');
    expect(decode(E6(ipv6({ nextHeader: 6, src: 'fd00:10:245::1', dst: '2001:db8::1' }, T)), { decoder: dec }).cls).toBe('underlay');
    // A tunnel stays a tunnel even when its addresses are pod addresses.
    const v = decode(E4(ipv4({ protocol: 4, src: '10.244.0.1', dst: '10.244.0.2' }, in4())), { decoder: dec });
    expect(v.cls).toBe('ipip');
  });

  it('without pod CIDRs, pod-looking addresses are underlay', () => {
    expect(decode(E4(in4())).cls).toBe('underlay');
  });

  it('underlay: indexes for a plain packet', () => {
    const d = decode(E4(ipv4({ protocol: 17 }, udp({ src: 1, dst: 2 }))));
    expect(idx(d)).toEqual({ cls: 'underlay', outerIp: 1, innerIp: 1, tunnel: -1, l4: 2 });
  });

  it('underlay: ICMP error quoting a packet; the quote is never innerIp or l4', () => {
    const q = ipv4({ protocol: 4, src: '10.0.0.1', dst: '10.0.0.2' }, in4()).subarray(0, 28);
    const d = decode(E4(ipv4({ protocol: 1 }, icmp(3, 4, [0, 0, 0x05, 0xdc], q))));
    expect(d.kinds.slice(0, 4)).toEqual(['eth', 'ipv4', 'icmp', 'ipv4']);
    expect(idx(d)).toEqual({ cls: 'underlay', outerIp: 1, innerIp: 1, tunnel: -1, l4: 2 });
  });

  it('other: no IP layer', () => {
    const d = decode(eth({ type: ETHERTYPE_ARP }, arpPacket({ op: 1, sha: '02:00:00:00:00:01', spa: '10.0.0.1', tha: '00:00:00:00:00:00', tpa: '10.0.0.2' })));
    expect(idx(d)).toEqual({ cls: 'other', outerIp: -1, innerIp: -1, tunnel: -1, l4: -1 });
    expect(decode(eth({ type: 0x88cc }, new Uint8Array(30))).cls).toBe('other');
    expect(decode(new Uint8Array(0)).cls).toBe('other');
  });

  it('a tunnel whose inner packet is cut off still has the tunnel class', () => {
    const f = E4(ipv4({ protocol: 17 }, udp({ src: 1, dst: 4789 }, vxlan({ vni: 1 }, E4(in4())))));
    const d = decode(f.subarray(0, 14 + 20 + 8 + 8 + 6), { wireLen: f.length });
    // innerIp falls back to the outer IP, and l4 is the transport right after it (the outer UDP).
    expect(idx(d)).toEqual({ cls: 'vxlan', outerIp: 1, innerIp: 1, tunnel: 3, l4: 2 });
  });

  it('state is fully reset between packets', () => {
    const dec = new PacketDecoder();
    decode(E4(ipv4({ protocol: 17 }, udp({ src: 1, dst: 4789 }, vxlan({ vni: 1 }, E4(in4()))))), { decoder: dec });
    const d = decode(eth({ type: ETHERTYPE_ARP }, arpPacket({ op: 2, sha: '02:00:00:00:00:01', spa: '10.0.0.1', tha: '02:00:00:00:00:02', tpa: '10.0.0.2' })), { decoder: dec });
    expect(idx(d)).toEqual({ cls: 'other', outerIp: -1, innerIp: -1, tunnel: -1, l4: -1 });
    expect(d.error).toBeNull();
    const t = decode(new Uint8Array(5), { decoder: dec });
    expect(t.error).toBe('eth: truncated header');
    const ok = decode(E4(in4()), { decoder: dec });
    expect(ok.error).toBeNull();
    expect(ok.truncated).toBe(false);
  });
});
