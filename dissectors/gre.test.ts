// GRE (RFC 2784 + RFC 2890): |C|R|K|S|s|Recur|A|Flags|Ver| protocol(16) | [checksum(16) reserved1(16)] |
// [key(32)] | [sequence(32)] ; version 1 (RFC 2637, PPTP) adds [ack(32)] with A.
// NVGRE (RFC 7637): K set, protocol 0x6558, key = VSID(24) | FlowID(8).
import { describe, expect, it } from 'vitest';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_TEB, eth, filler, gre, ipv4, ipv6, tcp, TCP, type GreOpts } from '../test-support/bytes.js';
import { decode } from '../test-support/decode.js';

const IN4 = ipv4({ protocol: 6, src: '10.244.1.2', dst: '10.244.2.3' }, tcp({ src: 1, dst: 2, flags: TCP.SYN }));
const frame = (o: GreOpts, payload: Uint8Array = IN4) =>
  eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 47, src: '192.0.2.1', dst: '192.0.2.2' }, gre(o, payload)));

describe('gre', () => {
  it('no optional fields: 4-byte header, IPv4 inside', () => {
    const g = gre({ protocol: ETHERTYPE_IPV4 });
    expect(Array.from(g)).toEqual([0, 0, 0x08, 0x00]);
    const d = decode(frame({ protocol: ETHERTYPE_IPV4 }));
    expect(d.kinds).toEqual(['eth', 'ipv4', 'gre', 'ipv4', 'tcp']);
    expect(d.layers[2]).toEqual({
      proto: 'gre', checksumPresent: false, routingPresent: false, keyPresent: false, seqPresent: false, version: 0,
      protocolType: 0x0800, checksum: null, key: null, seq: null,
    });
    expect(d.hlen[2]).toBe(4);
    expect(d.cls).toBe('gre');
    expect(d.tunnel).toBe(2);
    expect(d.outerIp).toBe(1);
    expect(d.innerIp).toBe(3);
    expect(d.l4).toBe(4);
  });

  const combos: [string, GreOpts, number, Record<string, unknown>][] = [
    ['C', { c: true, checksum: 0xabcd, protocol: ETHERTYPE_IPV4 }, 8, { checksumPresent: true, checksum: 0xabcd, key: null, seq: null }],
    ['K', { k: true, key: 0x01020304, protocol: ETHERTYPE_IPV4 }, 8, { keyPresent: true, key: 0x01020304, checksum: null, seq: null }],
    ['S', { s: true, seq: 0xfffffffe, protocol: ETHERTYPE_IPV4 }, 8, { seqPresent: true, seq: 0xfffffffe, key: null }],
    ['C+K', { c: true, k: true, checksum: 0x1111, key: 0x22222222, protocol: ETHERTYPE_IPV4 }, 12, { checksum: 0x1111, key: 0x22222222, seq: null }],
    ['C+S', { c: true, s: true, checksum: 0x1111, seq: 0x33333333, protocol: ETHERTYPE_IPV4 }, 12, { checksum: 0x1111, key: null, seq: 0x33333333 }],
    ['K+S', { k: true, s: true, key: 0x22222222, seq: 0x33333333, protocol: ETHERTYPE_IPV4 }, 12, { checksum: null, key: 0x22222222, seq: 0x33333333 }],
    ['C+K+S', { c: true, k: true, s: true, checksum: 0x1111, key: 0x22222222, seq: 0x33333333, protocol: ETHERTYPE_IPV4 }, 16,
      { checksumPresent: true, keyPresent: true, seqPresent: true, checksum: 0x1111, key: 0x22222222, seq: 0x33333333 }],
  ];
  for (const [name, o, hlen, fields] of combos) {
    it(`${name}: header length ${hlen}, fields at their offsets`, () => {
      const g = gre(o);
      expect(g.length).toBe(hlen);
      // Offsets by hand: checksum at 4 when C; key after it; sequence last.
      let p = 4;
      if (o.c) { expect((g[p] << 8) | g[p + 1]).toBe(o.checksum); p += 4; }
      if (o.k) { expect(((g[p] << 24) | (g[p + 1] << 16) | (g[p + 2] << 8) | g[p + 3]) >>> 0).toBe(o.key); p += 4; }
      if (o.s) { expect(((g[p] << 24) | (g[p + 1] << 16) | (g[p + 2] << 8) | g[p + 3]) >>> 0).toBe(o.seq); p += 4; }
      const d = decode(frame(o));
      expect(d.kinds).toEqual(['eth', 'ipv4', 'gre', 'ipv4', 'tcp']);
      expect(d.hlen[2]).toBe(hlen);
      expect(d.off[3]).toBe(14 + 20 + hlen);
      expect(d.layers[2]).toMatchObject({ protocolType: 0x0800, version: 0, ...fields });
      expect(d.cls).toBe('gre');
      expect(d.layers[3]).toMatchObject({ src: '10.244.1.2', dst: '10.244.2.3' });
    });
  }

  it('IPv6 inside GRE', () => {
    const d = decode(frame({ protocol: ETHERTYPE_IPV6 }, ipv6({ nextHeader: 59 })));
    expect(d.stack).toBe('eth:ipv4:gre:ipv6');
    expect(d.cls).toBe('gre');
    expect(d.innerIp).toBe(3);
  });

  it('NVGRE: key present + 0x6558: VSID and FlowID, class nvgre, Ethernet inside', () => {
    // VSID 0x00abcd, FlowID 0x7f: key = 0x00abcd7f.
    const inner = eth({ type: ETHERTYPE_IPV4 }, IN4);
    const d = decode(frame({ k: true, key: (0xabcd << 8) | 0x7f, protocol: ETHERTYPE_TEB }, inner));
    expect(d.kinds).toEqual(['eth', 'ipv4', 'gre', 'eth', 'ipv4', 'tcp']);
    expect(d.layers[2]).toMatchObject({ keyPresent: true, protocolType: 0x6558, key: 0x00abcd7f, vsid: 0xabcd, flowId: 0x7f });
    expect(d.cls).toBe('nvgre');
    expect(d.tunnel).toBe(2);
    expect(d.innerIp).toBe(4);
    // 20 outer IP + 8 GRE with key + 14 inner Ethernet = 42 bytes of overhead (SPEC).
    expect(d.off[4] - d.off[1]).toBe(42);
  });

  it('0x6558 without a key is GRE (TEB), not NVGRE, and has no vsid', () => {
    const d = decode(frame({ protocol: ETHERTYPE_TEB }, eth({ type: ETHERTYPE_IPV4 }, IN4)));
    expect(d.cls).toBe('gre');
    expect(d.layers[2].vsid).toBeUndefined();
    expect(d.stack).toBe('eth:ipv4:gre:eth:ipv4:tcp');
  });

  it('version 1 (PPTP enhanced GRE): key, sequence, acknowledgment; PPP not dissected', () => {
    // PPTP: K set, key = payload length (16) | call ID (16); S and A.
    const o: GreOpts = { k: true, s: true, a: true, version: 1, protocol: 0x880b, key: (4 << 16) | 0x1234, seq: 5, ack: 4 };
    const g = gre(o, filler(4));
    expect(Array.from(g.subarray(0, 4))).toEqual([0x30, 0x81, 0x88, 0x0b]);
    const d = decode(eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 47 }, g)));
    expect(d.stack).toBe('eth:ipv4:gre');
    expect(d.hlen[2]).toBe(16);
    expect(d.layers[2]).toMatchObject({ version: 1, protocolType: 0x880b, key: 0x00041234, seq: 5, ack: 4 });
    expect(d.layers[2].vsid).toBeUndefined();
    expect(d.cls).toBe('gre');
  });

  // Issue 10 item 3: the key of PPTP's GRE is payload length (high 16 bits) + call ID (low 16):
  // the call ID, not the whole word, names the tunnel (one call was two tunnels, keys 524294 and 6).
  it('version 1 carrying PPP: payload length and call ID; the call ID is the tunnel key', () => {
    const pkt = (len: number, s: boolean) => eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 47 },
      gre({ k: true, s, version: 1, protocol: 0x880b, key: (len << 16) | 6, seq: 1 }, filler(len))));
    const withData = decode(pkt(8, true));
    expect(withData.layers[2]).toMatchObject({ key: 524294, payloadLength: 8, callId: 6, seq: 1 });
    expect(withData.layers[2].ack).toBeUndefined();
    const tunnelKey = withData.st.v1[2];
    const ackOnly = decode(pkt(0, false));
    expect(ackOnly.layers[2]).toMatchObject({ key: 6, payloadLength: 0, callId: 6, seq: null });
    expect(tunnelKey).toBe(6);
    expect(ackOnly.st.v1[2]).toBe(6);
  });

  it('version 1 with another protocol keeps a plain 32-bit key (as tshark reads it)', () => {
    const d = decode(eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 47 }, gre({ k: true, version: 1, protocol: ETHERTYPE_IPV4, key: 0x00010285 }, IN4))));
    expect(d.layers[2]).toMatchObject({ version: 1, key: 0x00010285 });
    expect(d.layers[2].callId).toBeUndefined();
    expect(d.st.v1[2]).toBe(0x00010285);
  });

  it('version 2 and above: bad version', () => {
    const d = decode(frame({ version: 2, protocol: ETHERTYPE_IPV4 }));
    expect(d.error).toBe('gre: bad version (2)');
    expect(d.stack).toBe('eth:ipv4');
  });

  it('R bit: checksum/offset field and an SRE list ending in a zero-length SRE', () => {
    // SRE: address family 0x0800, offset 0, length 4, one IPv4 address; then the null SRE.
    const routing = [0x08, 0x00, 0, 4, 10, 0, 0, 1, 0, 0, 0, 0];
    const d = decode(frame({ r: true, protocol: ETHERTYPE_IPV4, routing }));
    expect(d.hlen[2]).toBe(4 + 4 + 12);
    expect(d.layers[2]).toMatchObject({ routingPresent: true, checksumPresent: false, checksum: null });
    expect(d.stack).toBe('eth:ipv4:gre:ipv4:tcp');
  });

  it('optional fields cut off: truncated', () => {
    const g = gre({ c: true, k: true, s: true, protocol: ETHERTYPE_IPV4 }).subarray(0, 10);
    const d = decode(eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 47 }, g)));
    expect(d.error).toBe('gre: truncated header');
    expect(d.cls).toBe('underlay');
  });

  it('3 bytes: truncated', () => {
    const d = decode(eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 47 }, [0, 0, 8])));
    expect(d.error).toBe('gre: truncated header');
  });
});
