// Geneve (RFC 8926), UDP 6081: |Ver(2)|Opt Len(6)|O|C|Rsvd(6)|Protocol Type(16)|VNI(24)|Reserved(8)| options,
// option: |Option Class(16)|Type(8, high bit = critical)|R(3)|Length(5, 4-byte units)| data.
import { describe, expect, it } from 'vitest';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_TEB, eth, filler, geneve, ipv4, ipv6, tcp, TCP, udp, type GeneveOpts } from '../test-support/bytes.js';
import { decode } from '../test-support/decode.js';

const IN4 = ipv4({ protocol: 6, src: '10.244.1.2', dst: '10.244.2.3' }, tcp({ src: 1, dst: 2, flags: TCP.SYN }));
const INNER = eth({ type: ETHERTYPE_IPV4 }, IN4);
const frame = (o: GeneveOpts, payload: Uint8Array = INNER, dst = 6081) =>
  eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 17, src: '192.0.2.1', dst: '192.0.2.2' }, udp({ src: 40000, dst }, geneve(o, payload))));

describe('geneve', () => {
  it('no options, Ethernet inside', () => {
    const g = geneve({ protocol: ETHERTYPE_TEB, vni: 0x000a0b });
    expect(Array.from(g)).toEqual([0x00, 0x00, 0x65, 0x58, 0x00, 0x0a, 0x0b, 0x00]);
    const d = decode(frame({ protocol: ETHERTYPE_TEB, vni: 0x000a0b }));
    expect(d.kinds).toEqual(['eth', 'ipv4', 'udp', 'geneve', 'eth', 'ipv4', 'tcp']);
    expect(d.layers[3]).toEqual({
      proto: 'geneve', version: 0, vni: 0x0a0b, protocolType: 0x6558, optionsLength: 0, oam: false, critical: false, options: [],
    });
    expect(d.cls).toBe('geneve');
    expect(d.tunnel).toBe(3);
    expect(d.outerIp).toBe(1);
    expect(d.innerIp).toBe(5);
    expect(d.l4).toBe(6);
  });

  it('options list: lengths, classes, types and the critical bit', () => {
    const options = [
      { cls: 0x0102, type: 0x80, data: filler(4) },          // critical, 8 bytes
      { cls: 0xffff, type: 0x01, data: [] },                 // 4 bytes
      { cls: 0x0103, type: 0x05, data: filler(8) },          // 12 bytes
    ];
    const g = geneve({ protocol: ETHERTYPE_TEB, vni: 7, options, critical: true });
    expect(g[0]).toBe(6); // Opt Len = 24 / 4
    expect(g[1]).toBe(0x40); // C
    const d = decode(frame({ protocol: ETHERTYPE_TEB, vni: 7, options, critical: true }));
    expect(d.hlen[3]).toBe(8 + 24);
    expect(d.off[4]).toBe(14 + 20 + 8 + 32);
    expect(d.layers[3]).toMatchObject({
      optionsLength: 24, critical: true, oam: false,
      options: [
        { class: 0x0102, type: 0x80, critical: true, length: 8 },
        { class: 0xffff, type: 0x01, critical: false, length: 4 },
        { class: 0x0103, type: 0x05, critical: false, length: 12 },
      ],
    });
    expect(d.stack).toBe('eth:ipv4:udp:geneve:eth:ipv4:tcp');
  });

  it('O (OAM) flag', () => {
    const d = decode(frame({ protocol: ETHERTYPE_TEB, vni: 1, oam: true }));
    expect(d.layers[3]).toMatchObject({ oam: true, critical: false });
  });

  it('protocol 0x0800: IPv4 directly inside (no inner Ethernet)', () => {
    const d = decode(frame({ protocol: ETHERTYPE_IPV4, vni: 99 }, IN4));
    expect(d.kinds).toEqual(['eth', 'ipv4', 'udp', 'geneve', 'ipv4', 'tcp']);
    expect(d.layers[3].protocolType).toBe(0x0800);
    expect(d.cls).toBe('geneve');
    expect(d.innerIp).toBe(4);
    expect(d.l4).toBe(5);
  });

  it('protocol 0x86dd: IPv6 inside', () => {
    const d = decode(frame({ protocol: ETHERTYPE_IPV6, vni: 99 }, ipv6({ nextHeader: 59 })));
    expect(d.stack).toBe('eth:ipv4:udp:geneve:ipv6');
  });

  it('version 1: bad version', () => {
    const d = decode(frame({ version: 1, protocol: ETHERTYPE_TEB, vni: 1 }));
    expect(d.error).toBe('geneve: bad version (1)');
    expect(d.cls).toBe('underlay');
  });

  it('option length past the bytes: truncated', () => {
    const d = decode(frame({ protocol: ETHERTYPE_TEB, vni: 1, optLen: 63 }, filler(20)));
    expect(d.error).toBe('geneve: truncated header');
  });

  it('an option whose own length overruns the header does not break describe', () => {
    // Opt Len 1 (4 bytes) holding an option header that claims 31 words.
    const g = geneve({ protocol: ETHERTYPE_TEB, vni: 1, optLen: 1 }, [0x01, 0x02, 0x03, 0x1f, ...INNER]);
    const f = eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 17 }, udp({ src: 1, dst: 6081 }, g)));
    const d = decode(f);
    expect(d.layers[3]).toMatchObject({ optionsLength: 4, options: [{ class: 0x0102, type: 3, critical: false, length: 128 }] });
    expect(d.stack).toBe('eth:ipv4:udp:geneve:eth:ipv4:tcp');
  });

  it('7 bytes: truncated', () => {
    const f = eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 17 }, udp({ src: 1, dst: 6081 }, [0, 0, 0x65, 0x58, 0, 0, 1])));
    expect(decode(f).error).toBe('geneve: truncated header');
  });
});
