// Linux cooked captures. SLL (LINKTYPE_LINUX_SLL 113): pkttype(2) hatype(2) halen(2) addr(8) protocol(2).
// SLL2 (LINKTYPE_LINUX_SLL2 276): protocol(2) reserved(2) ifindex(4) hatype(2) pkttype(1) halen(1) addr(8).
import { describe, expect, it } from 'vitest';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_VLAN, be16, be32, concat, ipv4, ipv6, sll2Header, sllHeader, udp, vlanTag } from '../test-support/bytes.js';
import { decode } from '../test-support/decode.js';

const IP = ipv4({ protocol: 17, src: '10.0.0.1', dst: '10.0.0.2' }, udp({ src: 5353, dst: 5353 }, [1, 2, 3, 4]));

describe('sll', () => {
  it('outgoing IPv4 with a 6-byte address', () => {
    const h = sllHeader({ pktType: 4, hatype: 1, addr: [0x02, 0x42, 0xac, 0x11, 0x00, 0x02], protocol: ETHERTYPE_IPV4 });
    expect(h.length).toBe(16);
    const d = decode(concat(h, IP), { linktype: 113 });
    expect(d.stack).toBe('sll:ipv4:udp');
    expect(d.layers[0]).toEqual({
      proto: 'sll', packetType: 4, direction: 'outgoing', hatype: 1, address: '02:42:ac:11:00:02', ethertype: 0x0800,
    });
    expect(d.st.pktType).toBe(4);
    expect(d.cls).toBe('underlay');
  });

  it('packet types 0..3 name host, broadcast, multicast, otherhost', () => {
    const names = ['host', 'broadcast', 'multicast', 'otherhost'];
    for (let t = 0; t < 4; t++) {
      const d = decode(concat(sllHeader({ pktType: t, protocol: ETHERTYPE_IPV4 }), IP), { linktype: 113 });
      expect(d.layers[0].direction).toBe(names[t]);
    }
  });

  it('VLAN-tagged payload and IPv6', () => {
    const v6 = ipv6({ nextHeader: 17 }, udp({ src: 1, dst: 2 }));
    const d = decode(concat(sllHeader({ pktType: 0, protocol: ETHERTYPE_VLAN }), vlanTag({ vid: 9, type: ETHERTYPE_IPV6 }, v6)), { linktype: 113 });
    expect(d.stack).toBe('sll:vlan:ipv6:udp');
  });

  it('ARPHRD_NETLINK (824) payload is not dissected', () => {
    const d = decode(concat(sllHeader({ pktType: 4, hatype: 824, addr: [], protocol: 0x0000 }), new Uint8Array(20)), { linktype: 113 });
    expect(d.stack).toBe('sll');
    expect(d.layers[0]).toMatchObject({ hatype: 824, address: '' });
    expect(d.error).toBeNull();
  });

  it('protocol 0x0004 (802.2 LLC) is not an EtherType', () => {
    const d = decode(concat(sllHeader({ pktType: 0, protocol: 0x0004 }), new Uint8Array(20)), { linktype: 113 });
    expect(d.stack).toBe('sll');
  });

  it('15 bytes: truncated', () => {
    const d = decode(sllHeader({ pktType: 0, protocol: ETHERTYPE_IPV4 }).subarray(0, 15), { linktype: 113 });
    expect(d.error).toBe('sll: truncated header');
  });
});

describe('sll2', () => {
  it('protocol, interface index, packet type, address', () => {
    const h = sll2Header({ protocol: ETHERTYPE_IPV4, ifIndex: 0x01020304, hatype: 1, pktType: 3, addr: [0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff] });
    expect(h.length).toBe(20);
    // Field positions from the layout: ifindex at 4..8, pkttype at 10, halen at 11.
    expect(Array.from(h.subarray(4, 8))).toEqual(be32(0x01020304));
    expect(h[10]).toBe(3);
    expect(h[11]).toBe(6);
    const d = decode(concat(h, IP), { linktype: 276 });
    expect(d.stack).toBe('sll2:ipv4:udp');
    expect(d.layers[0]).toEqual({
      proto: 'sll2', packetType: 3, direction: 'otherhost', ifIndex: 0x01020304, hatype: 1,
      address: 'aa:bb:cc:dd:ee:ff', ethertype: 0x0800,
    });
    expect(d.st.ifIndex).toBe(0x01020304);
    expect(d.st.pktType).toBe(3);
    expect(d.off[1]).toBe(20);
  });

  it('outgoing on ifindex 7, IPv6', () => {
    const v6 = ipv6({ nextHeader: 17 }, udp({ src: 1, dst: 2 }));
    const d = decode(concat(sll2Header({ protocol: ETHERTYPE_IPV6, ifIndex: 7, pktType: 4 }), v6), { linktype: 276 });
    expect(d.stack).toBe('sll2:ipv6:udp');
    expect(d.layers[0]).toMatchObject({ packetType: 4, direction: 'outgoing', ifIndex: 7 });
  });

  it('unknown packet type prints its number', () => {
    const d = decode(concat(sll2Header({ protocol: ETHERTYPE_IPV4, ifIndex: 1, pktType: 9 }), IP), { linktype: 276 });
    expect(d.layers[0]).toMatchObject({ packetType: 9, direction: '9' });
  });

  it('19 bytes: truncated', () => {
    const d = decode(sll2Header({ protocol: ETHERTYPE_IPV4, ifIndex: 1, pktType: 0 }).subarray(0, 19), { linktype: 276 });
    expect(d.error).toBe('sll2: truncated header');
    expect(d.st.ifIndex).toBe(-1);
  });

  it('ARPHRD_IPGRE (778): the protocol is a GRE protocol type (0x0800 -> IPv4)', () => {
    const d = decode(concat(sll2Header({ protocol: ETHERTYPE_IPV4, ifIndex: 3, hatype: 778, pktType: 0, addr: [10, 0, 0, 9] }), IP), { linktype: 276 });
    expect(d.stack).toBe('sll2:ipv4:udp');
    expect(d.layers[0].address).toBe('0a:00:00:09');
  });
});

void be16;
