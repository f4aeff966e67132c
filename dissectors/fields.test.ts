// Typed field accessors (udpDstPort(st, i), vxlanVni(st, i), ...): each read on hand-laid bytes
// whose field values are written out below from the RFC layouts, so a wrong slot, shift or offset
// fails here and not in a consumer (lint, CNI, facts).
import { describe, expect, it } from 'vitest';
import {
  ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_TEB, ETHERTYPE_VLAN, arpPacket, eth, filler, geneve, gre, icmp, icmpFragNeeded,
  icmpv6, ipv4, ipv6, ipv6Frag, sll2Header, tcp, udp, vlanTag, vxlan, wgData, TCP,
} from '../test-support/bytes.js';
import { decode } from '../test-support/decode.js';
import { udpChecksumField, udpDstPort, udpLengthField, udpSrcPort } from './udp.js';
import { tcpAckNumber, tcpDstPort, tcpSeq, tcpSrcPort } from './tcp.js';
import { ipv4DontFragment, ipv4Dst, ipv4Id, ipv4IsFragment, ipv4Protocol, ipv4Src, ipv4TotalLength, ipv4Ttl, ipv4ZeroLength } from './ipv4.js';
import {
  ipv6DstWord, ipv6FragmentId, ipv6FragmentWord, ipv6HopLimit, ipv6IsFragment, ipv6PayloadLength, ipv6SrcWord, ipv6UpperProtocol,
} from './ipv6.js';
import { icmpCode, icmpIsFragNeeded, icmpNextHopMtu, icmpType } from './icmp.js';
import { icmpv6Code, icmpv6IsPacketTooBig, icmpv6Mtu, icmpv6Type } from './icmpv6.js';
import { vxlanFlags, vxlanReservedSet, vxlanVni } from './vxlan.js';
import { geneveFirstOption, geneveFlags, geneveNextOption, geneveOptionClass, geneveOptionType, geneveOptionsEnd, geneveProtocol, geneveVni } from './geneve.js';
import { greFlagsVersion, greKey, greProtocol } from './gre.js';
import { ARP_REPLY, ARP_REQUEST, arpIsEthernetIpv4, arpOperation, arpSenderIpv4, arpTargetIpv4, arpTargetMacUnknown } from './arp.js';
import { ethDstIsBroadcast, ethType } from './ethernet.js';
import { sllHatype, sllProtocol } from './sll.js';
import { vlanInnerType, vlanTpid } from './vlan.js';
import { wgType } from './wireguard.js';

const INNER = eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 6, src: '10.244.1.2', dst: '10.244.2.3' }, tcp({ src: 1, dst: 2, flags: TCP.SYN })));

describe('field accessors', () => {
  it('UDP ports, length and checksum (ports above 32767 stay positive)', () => {
    const d = decode(eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 17 }, udp({ src: 0xc350, dst: 0xfffe, checksum: 0xbeef }, filler(12)))));
    expect([udpSrcPort(d.st, 2), udpDstPort(d.st, 2)]).toEqual([50000, 65534]);
    expect(udpLengthField(d.st, 2)).toBe(20);
    expect(udpChecksumField(d.st, 2)).toBe(0xbeef);
  });

  it('UDP ports of a header the snaplen cut after 4 bytes', () => {
    const full = eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 17 }, udp({ src: 1234, dst: 4789 }, filler(20))));
    const d = decode(full.subarray(0, 14 + 20 + 4), { wireLen: full.length });
    expect(d.kinds).toEqual(['eth', 'ipv4', 'udp']);
    expect([udpSrcPort(d.st, 2), udpDstPort(d.st, 2)]).toEqual([1234, 4789]);
  });

  it('TCP ports, sequence and acknowledgement numbers', () => {
    const d = decode(eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 6 }, tcp({ src: 179, dst: 40000, seq: 0xfffffff0, ack: 7, flags: TCP.ACK }))));
    expect([tcpSrcPort(d.st, 2), tcpDstPort(d.st, 2)]).toEqual([179, 40000]);
    expect(tcpSeq(d.st, 2)).toBe(0xfffffff0);
    expect(tcpAckNumber(d.st, 2)).toBe(7);
  });

  it('IPv4 header fields', () => {
    // 45 00 | 00 1c | 12 34 | 40 00 (DF) | 3f 11 | csum | 192.0.2.1 | 198.51.100.200
    const d = decode(eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 17, id: 0x1234, df: true, ttl: 63, src: '192.0.2.1', dst: '198.51.100.200' }, udp({ src: 1, dst: 2 }))));
    const st = d.st;
    expect(ipv4Protocol(st, 1)).toBe(17);
    expect(ipv4Ttl(st, 1)).toBe(63);
    expect(ipv4Id(st, 1)).toBe(0x1234);
    expect(ipv4TotalLength(st, 1)).toBe(28);
    expect(ipv4DontFragment(st, 1)).toBe(true);
    expect(ipv4IsFragment(st, 1)).toBe(false);
    expect(ipv4ZeroLength(st, 1)).toBe(false);
    expect(ipv4Src(st, 1)).toBe(0xc0000201);
    expect(ipv4Dst(st, 1)).toBe(0xc63364c8);
  });

  it('IPv4 fragments (MF, or a non-zero offset) and a zero total length', () => {
    const first = decode(eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 17, mf: true }, udp({ src: 1, dst: 2 }, filler(8)))));
    expect(ipv4IsFragment(first.st, 1)).toBe(true);
    expect(ipv4DontFragment(first.st, 1)).toBe(false);
    const later = decode(eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 17, fragOffset: 2 }, filler(16))));
    expect(ipv4IsFragment(later.st, 1)).toBe(true);
    const tso = decode(eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 17, totalLength: 0 }, udp({ src: 1, dst: 2 }, filler(8)))));
    expect(ipv4ZeroLength(tso.st, 1)).toBe(true);
  });

  it('IPv6 fields, addresses by word and the fragment header', () => {
    const d = decode(eth({ type: ETHERTYPE_IPV6 }, ipv6({ nextHeader: 44, src: '2001:db8::1', dst: 'fd00::abcd:2' },
      ipv6Frag(17, 0, true, 0xdeadbeef, udp({ src: 1, dst: 2 }, filler(4))))));
    const st = d.st;
    expect(ipv6UpperProtocol(st, 1)).toBe(17);
    expect(ipv6PayloadLength(st, 1)).toBe(8 + 8 + 4);
    expect(ipv6HopLimit(st, 1)).toBe(64);
    expect([0, 1, 2, 3].map((w) => ipv6SrcWord(st, 1, w))).toEqual([0x20010db8, 0, 0, 1]);
    expect([0, 1, 2, 3].map((w) => ipv6DstWord(st, 1, w))).toEqual([0xfd000000, 0, 0, 0xabcd0002]);
    expect(ipv6IsFragment(st, 1)).toBe(true);
    expect(ipv6FragmentId(st, 1)).toBe(0xdeadbeef);
    expect(ipv6FragmentWord(st, 1)).toBe(1); // offset 0, M set
    const plain = decode(eth({ type: ETHERTYPE_IPV6 }, ipv6({ nextHeader: 17 }, udp({ src: 1, dst: 2 }))));
    expect(ipv6IsFragment(plain.st, 1)).toBe(false);
  });

  it('ICMP type, code and the next-hop MTU of fragmentation needed', () => {
    const quoted = ipv4({ protocol: 17 }, udp({ src: 1, dst: 2 }));
    const d = decode(eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 1 }, icmpFragNeeded(1450, quoted))));
    expect([icmpType(d.st, 2), icmpCode(d.st, 2)]).toEqual([3, 4]);
    expect(icmpIsFragNeeded(d.st, 2)).toBe(true);
    expect(icmpNextHopMtu(d.st, 2)).toBe(1450);
    const echo = decode(eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 1 }, icmp(8, 0, [0, 1, 0, 1]))));
    expect([icmpType(echo.st, 2), icmpCode(echo.st, 2)]).toEqual([8, 0]);
    expect(icmpIsFragNeeded(echo.st, 2)).toBe(false);
    expect(icmpNextHopMtu(echo.st, 2)).toBe(-1);
  });

  it('ICMPv6 type, code and the packet-too-big MTU', () => {
    const d = decode(eth({ type: ETHERTYPE_IPV6 }, ipv6({ nextHeader: 58 }, icmpv6(2, 0, [0, 0, 0x05, 0xaa], ipv6({ nextHeader: 59 })))));
    expect([icmpv6Type(d.st, 2), icmpv6Code(d.st, 2)]).toEqual([2, 0]);
    expect(icmpv6IsPacketTooBig(d.st, 2)).toBe(true);
    expect(icmpv6Mtu(d.st, 2)).toBe(0x05aa);
    const ns = decode(eth({ type: ETHERTYPE_IPV6 }, ipv6({ nextHeader: 58 }, icmpv6(135, 0, [0, 0, 0, 0], filler(16)))));
    expect(icmpv6IsPacketTooBig(ns.st, 2)).toBe(false);
    expect(icmpv6Mtu(ns.st, 2)).toBe(-1);
  });

  it('VXLAN VNI, flags and reserved bits', () => {
    const frame = (v: Uint8Array) => eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 17 }, udp({ src: 5555, dst: 4789 }, v)));
    const d = decode(frame(vxlan({ vni: 0xabcdef }, INNER)));
    expect(vxlanVni(d.st, 3)).toBe(0xabcdef);
    expect(vxlanFlags(d.st, 3)).toBe(0x08);
    expect(vxlanReservedSet(d.st, 3)).toBe(false);
    const bad = decode(frame(vxlan({ vni: 1, flags: 0x0c }, INNER)));
    expect(vxlanReservedSet(bad.st, 3)).toBe(true);
  });

  it('Geneve VNI, protocol, flags and the option walk', () => {
    const g = geneve({ protocol: ETHERTYPE_TEB, vni: 0x123456, critical: true, options: [
      { cls: 0x0102, type: 0x80, data: [0, 0, 0, 1] },
      { cls: 0xffff, type: 0x01, data: [] },
    ] }, INNER);
    const d = decode(eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 17 }, udp({ src: 5555, dst: 6081 }, g))));
    const st = d.st, b = st.buf;
    expect(geneveVni(st, 3)).toBe(0x123456);
    expect(geneveProtocol(st, 3)).toBe(ETHERTYPE_TEB);
    expect(geneveFlags(st, 3)).toBe(0x40);
    const seen: number[][] = [];
    for (let p = geneveFirstOption(st, 3); p + 4 <= geneveOptionsEnd(st, 3); p = geneveNextOption(b, p)) {
      seen.push([geneveOptionClass(b, p), geneveOptionType(b, p)]);
    }
    expect(seen).toEqual([[0x0102, 0x80], [0xffff, 0x01]]);
  });

  it('GRE key, protocol and flags (NVGRE key = VSID << 8 | flow ID)', () => {
    const d = decode(eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 47 }, gre({ k: true, protocol: ETHERTYPE_TEB, key: 0x00100201 }, INNER))));
    expect(greKey(d.st, 2)).toBe(0x00100201);
    expect(greProtocol(d.st, 2)).toBe(ETHERTYPE_TEB);
    expect(greFlagsVersion(d.st, 2)).toBe(0x2000);
    const noKey = decode(eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 47 }, gre({ protocol: ETHERTYPE_IPV4 }, ipv4({ protocol: 17 }, udp({ src: 1, dst: 2 }))))));
    expect(greKey(noKey.st, 2)).toBe(-1);
  });

  it('ARP operation, addresses and a broadcast request', () => {
    const req = decode(eth({ type: ETHERTYPE_ARP, dst: 'ff:ff:ff:ff:ff:ff' },
      arpPacket({ op: 1, sha: '02:00:00:00:00:01', spa: '10.0.0.1', tha: '00:00:00:00:00:00', tpa: '10.0.0.254' })));
    expect(arpOperation(req.st, 1)).toBe(ARP_REQUEST);
    expect(arpIsEthernetIpv4(req.st, 1)).toBe(true);
    expect(arpSenderIpv4(req.st, 1)).toBe(0x0a000001);
    expect(arpTargetIpv4(req.st, 1)).toBe(0x0a0000fe);
    expect(arpTargetMacUnknown(req.st, 1)).toBe(true);
    expect(ethDstIsBroadcast(req.st, 0)).toBe(true);
    expect(ethType(req.st, 0)).toBe(ETHERTYPE_ARP);
    const reply = decode(eth({ type: ETHERTYPE_ARP, dst: '02:00:00:00:00:01' },
      arpPacket({ op: 2, sha: '02:00:00:00:00:02', spa: '10.0.0.254', tha: '02:00:00:00:00:01', tpa: '10.0.0.1' })));
    expect(arpOperation(reply.st, 1)).toBe(ARP_REPLY);
    expect(arpTargetMacUnknown(reply.st, 1)).toBe(false);
    // One byte short of broadcast: ff:ff:ff:ff:ff:fe.
    const near = decode(eth({ type: ETHERTYPE_IPV4, dst: 'ff:ff:ff:ff:ff:fe' }, ipv4({ protocol: 17 }, udp({ src: 1, dst: 2 }))));
    expect(ethDstIsBroadcast(near.st, 0)).toBe(false);
  });

  it('SLL2 protocol and ARPHRD type; 802.1Q inner type and TPID; WireGuard message type', () => {
    const s = decode(sll2Header({ protocol: ETHERTYPE_IPV4, ifIndex: 3, pktType: 4, hatype: 1 }, ipv4({ protocol: 17 }, udp({ src: 1, dst: 2 }))), { linktype: 276 });
    expect(sllProtocol(s.st, 0)).toBe(ETHERTYPE_IPV4);
    expect(sllHatype(s.st, 0)).toBe(1);
    const v = decode(eth({ type: ETHERTYPE_VLAN }, vlanTag({ vid: 100, type: ETHERTYPE_IPV4 }, ipv4({ protocol: 17 }, udp({ src: 1, dst: 2 })))));
    expect(vlanInnerType(v.st, 1)).toBe(ETHERTYPE_IPV4);
    expect(vlanTpid(v.st, 1)).toBe(ETHERTYPE_VLAN);
    const w = decode(eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 17 }, udp({ src: 51820, dst: 51820 }, wgData(7, 1, 32)))));
    expect(w.kinds[3]).toBe('wireguard');
    expect(wgType(w.st, 3)).toBe(4);
  });
});
