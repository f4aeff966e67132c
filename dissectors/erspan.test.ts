// ERSPAN over GRE (draft-foschiano-erspan-03): type I (0x88be, GRE S bit clear, no header), type II
// (0x88be with S: 8 bytes, Ver=1), type III (0x22eb: 12 bytes, Ver=2, + 8-byte platform subheader with O).
import { describe, expect, it } from 'vitest';
import { ETHERTYPE_IPV4, be16, be32, concat, eth, gre, ipv4, tcp, TCP } from '../test-support/bytes.js';
import { decode } from '../test-support/decode.js';

const MIRRORED = eth({ type: ETHERTYPE_IPV4, src: '02:00:00:00:00:0a', dst: '02:00:00:00:00:0b' },
  ipv4({ protocol: 6, src: '10.1.1.1', dst: '10.1.1.2' }, tcp({ src: 1234, dst: 80, flags: TCP.SYN })));
const outer = (g: Uint8Array) => eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 47, src: '192.0.2.1', dst: '192.0.2.2' }, g));

/** Type II header: Ver 1, VLAN, COS, En, T, session; reserved, index. */
function type2(vlan: number, cos: number, session: number, index: number): number[] {
  return [...be16((1 << 12) | vlan), ...be16((cos << 13) | (3 << 11) | session), ...be32(index)];
}
/** Type III header: Ver 2, VLAN, COS, BSO, T, session; timestamp; SGT, P, FT, HwID, D, Gra, O. */
function type3(o: { vlan: number; session: number; ts: number; sgt: number; hw: number; d: boolean; gra: number; platform?: number[]; ft?: number; p?: boolean }): number[] {
  const flags = (o.p ? 0x8000 : 0) | ((o.ft ?? 0) << 10) | (o.hw << 4) | (o.d ? 8 : 0) | (o.gra << 1) | (o.platform ? 1 : 0);
  return [...be16((2 << 12) | o.vlan), ...be16(o.session), ...be32(o.ts), ...be16(o.sgt), ...be16(flags), ...(o.platform ?? [])];
}

describe('erspan', () => {
  it('type I: GRE 0x88be without a sequence number, the mirrored frame follows GRE directly', () => {
    const d = decode(outer(gre({ protocol: 0x88be }, MIRRORED)));
    expect(d.stack).toBe('eth:ipv4:gre:erspan:eth:ipv4:tcp');
    expect(d.layers[3]).toEqual({ proto: 'erspan', type: 1, version: null });
    expect(d.hlen[3]).toBe(0);
    expect(d.layers[4]).toMatchObject({ src: '02:00:00:00:00:0a' });
    expect(d.cls).toBe('gre');
    expect(d.tunnel).toBe(2);
    expect(d.error).toBeNull();
  });

  it('type II: 8-byte header with VLAN, COS, session ID and index', () => {
    const d = decode(outer(gre({ protocol: 0x88be, s: true, seq: 7 }, concat(type2(23, 5, 100, 0xabcde), MIRRORED))));
    expect(d.stack).toBe('eth:ipv4:gre:erspan:eth:ipv4:tcp');
    expect(d.hlen[3]).toBe(8);
    expect(d.layers[3]).toMatchObject({ proto: 'erspan', type: 2, version: 1, vlan: 23, cos: 5, encap: 3, sessionId: 100, index: 0xabcde, truncated: false });
    expect(d.layers[6]).toMatchObject({ proto: 'tcp', dstPort: 80 });
  });

  it('type III: 12-byte header; the O bit adds an 8-byte platform subheader', () => {
    const plain = decode(outer(gre({ protocol: 0x22eb, s: true }, concat(type3({ vlan: 10, session: 5, ts: 0x01020304, sgt: 9, hw: 3, d: true, gra: 2 }), MIRRORED))));
    expect(plain.stack).toBe('eth:ipv4:gre:erspan:eth:ipv4:tcp');
    expect(plain.hlen[3]).toBe(12);
    expect(plain.layers[3]).toMatchObject({
      type: 3, version: 2, vlan: 10, sessionId: 5, timestamp: 0x01020304, sgt: 9, hwId: 3, direction: 'egress', granularity: 2, platformPresent: false,
    });
    expect(plain.layers[3].platformId).toBeUndefined();
    const platform = [3 << 2, 0, 0, 1, 0, 0, 0, 2];
    const withO = decode(outer(gre({ protocol: 0x22eb }, concat(type3({ vlan: 10, session: 5, ts: 1, sgt: 0, hw: 0, d: false, gra: 0, platform }), MIRRORED))));
    expect(withO.hlen[3]).toBe(20);
    expect(withO.layers[3]).toMatchObject({ platformPresent: true, platformId: 3, direction: 'ingress' });
    expect(withO.stack).toBe('eth:ipv4:gre:erspan:eth:ipv4:tcp');
  });

  it('type II: the 12 reserved bits before the index', () => {
    const h = type2(1, 0, 2, 0x12345);
    h[4] = 0xab; h[5] |= 0xc0; // reserved = 0xabc
    const d = decode(outer(gre({ protocol: 0x88be, s: true }, concat(h, MIRRORED))));
    expect(d.layers[3]).toMatchObject({ reserved: 0xabc, index: 0x12345 });
  });

  // Issue 10 item 4: type III's frame type decides what follows (draft-foschiano-erspan-03: 0 Ethernet, 2 IP).
  describe('type III frame type', () => {
    const ip4 = ipv4({ protocol: 6, src: '10.1.1.1', dst: '10.1.1.2' }, tcp({ src: 1234, dst: 80, flags: TCP.SYN }));
    const base = { vlan: 10, session: 5, ts: 1, sgt: 0, hw: 0, d: false, gra: 0 };

    it('FT 0 with P set: an Ethernet frame', () => {
      const d = decode(outer(gre({ protocol: 0x22eb }, concat(type3({ ...base, p: true }), MIRRORED))));
      expect(d.stack).toBe('eth:ipv4:gre:erspan:eth:ipv4:tcp');
      expect(d.layers[3]).toMatchObject({ ethernetPdu: true, frameType: 0 });
    });

    it('FT 2: an IP packet, no Ethernet header', () => {
      const d = decode(outer(gre({ protocol: 0x22eb }, concat(type3({ ...base, ft: 2 }), ip4))));
      expect(d.stack).toBe('eth:ipv4:gre:erspan:ipv4:tcp');
      expect(d.layers[3]).toMatchObject({ ethernetPdu: false, frameType: 2 });
      expect(d.layers[4]).toMatchObject({ src: '10.1.1.1', dst: '10.1.1.2' });
    });

    it('FT 7 (not Ethernet, not IP): the payload is left undissected, not read as MAC addresses', () => {
      const d = decode(outer(gre({ protocol: 0x22eb }, concat(type3({ ...base, ft: 7 }), MIRRORED))));
      expect(d.stack).toBe('eth:ipv4:gre:erspan');
      expect(d.layers[3]).toMatchObject({ frameType: 7 });
      expect(d.error).toBeNull();
    });

    it('FT 2 whose payload is neither IPv4 nor IPv6: left undissected', () => {
      const d = decode(outer(gre({ protocol: 0x22eb }, concat(type3({ ...base, ft: 2 }), [0x12, 0, 0, 0]))));
      expect(d.stack).toBe('eth:ipv4:gre:erspan');
    });
  });

  it('type III platform subheader fields by platform ID', () => {
    const sub = (w1: number, w2: number) => [...be32(w1), ...be32(w2)];
    const base = { vlan: 1, session: 1, ts: 1, sgt: 0, hw: 0, d: false, gra: 0 };
    const layer = (platform: number[]) => decode(outer(gre({ protocol: 0x22eb }, concat(type3({ ...base, platform }), MIRRORED)))).layers[3];
    expect(layer(sub((1 << 26) | 0x123, 0xdeadbeef))).toMatchObject({ platformId: 1, vsmDomainId: 0x123, portIndex: 0xdeadbeef });
    expect(layer(sub((3 << 26) | 0x2abc, 7))).toMatchObject({ platformId: 3, portIndex: 0x2abc, timestampHigh: 7 });
    expect(layer(sub((5 << 26) | (0x155 << 16) | 0xbeef, 99))).toMatchObject({ platformId: 5, switchId: 0x155, portIndex: 0xbeef, timestampSeconds: 99 });
    expect(layer(sub((7 << 26) | 0xabcde, 3))).toMatchObject({ platformId: 7, sourceIndex: 0xabcde, timestampHigh: 3 });
    expect(layer(sub(9 << 26, 0))).toEqual(expect.objectContaining({ platformId: 9 }));
  });

  it('unknown version: an error naming erspan', () => {
    const d = decode(outer(gre({ protocol: 0x88be, s: true }, concat([0x30, 0, 0, 0, 0, 0, 0, 0], MIRRORED))));
    expect(d.error).toBe('erspan: bad version (3)');
    expect(d.stack).toBe('eth:ipv4:gre:erspan');
  });

  it('a header cut short: truncated; cut by the snaplen inside the platform subheader: the fixed fields stay', () => {
    const g = gre({ protocol: 0x22eb }, type3({ vlan: 1, session: 2, ts: 3, sgt: 4, hw: 0, d: false, gra: 0 }).slice(0, 10));
    expect(decode(outer(g)).error).toBe('erspan: truncated header');
    const full = outer(gre({ protocol: 0x22eb }, concat(type3({ vlan: 1, session: 2, ts: 3, sgt: 4, hw: 0, d: false, gra: 0, platform: [4, 0, 0, 0, 0, 0, 0, 0] }), MIRRORED)));
    const cut = full.subarray(0, 14 + 20 + 4 + 15);
    const d = decode(cut, { wireLen: full.length });
    expect(d.error).toBeNull();
    expect(d.truncated).toBe(true);
    expect(d.stack).toBe('eth:ipv4:gre:erspan');
    expect(d.layers[3]).toMatchObject({ type: 3, vlan: 1, sessionId: 2, platformPresent: true });
    expect(d.layers[3].platformId).toBeUndefined();
  });

  it('EtherType 0x88be on Ethernet (not under GRE) is not ERSPAN', () => {
    const d = decode(eth({ type: 0x88be }, MIRRORED));
    expect(d.stack).toBe('eth');
    expect(d.error).toBeNull();
  });
});
