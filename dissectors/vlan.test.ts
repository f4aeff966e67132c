// IEEE 802.1Q / 802.1ad tags: TPID (the EtherType before), TCI = PCP(3) DEI(1) VID(12), EtherType.
import { describe, expect, it } from 'vitest';
import { ETHERTYPE_IPV4, ETHERTYPE_QINQ, ETHERTYPE_VLAN, concat, eth, ipv4, tcp, TCP, vlanTag } from '../test-support/bytes.js';
import { decode } from '../test-support/decode.js';

describe('vlan', () => {
  it('single 802.1Q tag: PCP, DEI, VID, inner EtherType', () => {
    const ip = ipv4({ protocol: 6 }, tcp({ src: 40000, dst: 443, flags: TCP.SYN }));
    // PCP 5, DEI 1, VID 100: TCI = 101 1 000001100100 = 0xb064.
    const tag = vlanTag({ pcp: 5, dei: true, vid: 100, type: ETHERTYPE_IPV4 }, ip);
    expect(Array.from(tag.subarray(0, 4))).toEqual([0xb0, 0x64, 0x08, 0x00]);
    const d = decode(eth({ type: ETHERTYPE_VLAN }, tag));
    expect(d.kinds).toEqual(['eth', 'vlan', 'ipv4', 'tcp']);
    expect(d.layers[1]).toMatchObject({ proto: 'vlan', id: 100, pcp: 5, dei: true, ethertype: 0x0800, tpid: 0x8100 });
    expect(d.off[1]).toBe(14);
    expect(d.off[2]).toBe(18);
    expect(d.cls).toBe('underlay');
    expect(d.innerIp).toBe(2);
    expect(d.l4).toBe(3);
  });

  it('stacked 802.1ad service tag + 802.1Q customer tag (QinQ)', () => {
    const ip = ipv4({ protocol: 6 }, tcp({ src: 1, dst: 2, flags: TCP.ACK }));
    const f = eth({ type: ETHERTYPE_QINQ },
      vlanTag({ pcp: 3, vid: 1000, type: ETHERTYPE_VLAN },
        vlanTag({ pcp: 0, vid: 42, type: ETHERTYPE_IPV4 }, ip)));
    const d = decode(f);
    expect(d.kinds).toEqual(['eth', 'vlan', 'vlan', 'ipv4', 'tcp']);
    expect(d.layers[1]).toMatchObject({ id: 1000, pcp: 3, dei: false, ethertype: 0x8100, tpid: 0x88a8 });
    expect(d.layers[2]).toMatchObject({ id: 42, pcp: 0, dei: false, ethertype: 0x0800, tpid: 0x8100 });
    expect(d.off).toEqual([0, 14, 18, 22, 42]);
  });

  it('legacy 0x9100 outer tag and three stacked tags', () => {
    const ip = ipv4({ protocol: 6 }, tcp({ src: 1, dst: 2, flags: TCP.ACK }));
    const f = eth({ type: 0x9100 }, vlanTag({ vid: 7, type: ETHERTYPE_QINQ },
      vlanTag({ vid: 8, type: ETHERTYPE_VLAN }, vlanTag({ vid: 4095, type: ETHERTYPE_IPV4 }, ip))));
    const d = decode(f);
    expect(d.stack).toBe('eth:vlan:vlan:vlan:ipv4:tcp');
    expect(d.layers.slice(1, 4).map((l) => [l.id, l.tpid])).toEqual([[7, 0x9100], [8, 0x88a8], [4095, 0x8100]]);
  });

  it('any number of tags: 50 stacked tags end in a "too many layers" error, never a throw', () => {
    let inner: Uint8Array = ipv4({ protocol: 17 });
    for (let k = 0; k < 50; k++) inner = vlanTag({ vid: k + 1, type: k === 0 ? ETHERTYPE_IPV4 : ETHERTYPE_VLAN }, inner);
    const d = decode(eth({ type: ETHERTYPE_VLAN }, inner));
    expect(d.st.count).toBe(40);
    expect(d.error).toBe('vlan: too many layers');
  });

  it('a tag cut short is a truncated vlan header', () => {
    const f = concat(eth({ type: ETHERTYPE_VLAN }), [0x00, 0x64, 0x08]);
    const d = decode(f);
    expect(d.stack).toBe('eth');
    expect(d.error).toBe('vlan: truncated header');
  });
});

describe('vlan inside tunnels', () => {
  it('GRE (with a key) and Geneve carrying a tagged frame: the TPID is the protocol type, not the key or VNI', async () => {
    const { gre, geneve, udp } = await import('../test-support/bytes.js');
    const ip = ipv4({ protocol: 6 }, tcp({ src: 1, dst: 2, flags: TCP.ACK }));
    const g = decode(eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 47 }, gre({ k: true, key: 0x1234, protocol: ETHERTYPE_VLAN }, vlanTag({ vid: 30, type: ETHERTYPE_IPV4 }, ip)))));
    expect(g.kinds).toEqual(['eth', 'ipv4', 'gre', 'vlan', 'ipv4', 'tcp']);
    expect(g.layers[3]).toMatchObject({ id: 30, tpid: 0x8100 });
    const v = decode(eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 17 }, udp({ src: 1, dst: 6081 }, geneve({ protocol: ETHERTYPE_QINQ, vni: 77 }, vlanTag({ vid: 31, type: ETHERTYPE_IPV4 }, ip))))));
    expect(v.kinds).toEqual(['eth', 'ipv4', 'udp', 'geneve', 'vlan', 'ipv4', 'tcp']);
    expect(v.layers[4]).toMatchObject({ id: 31, tpid: 0x88a8 });
  });
});
