// VXLAN (RFC 7348): |R R R R I R R R| reserved(24) | VNI(24) | reserved(8)|, UDP 4789/8472/6784.
// Group Policy extension (draft-smith-vxlan-group-policy): |G R R R I R R R|R D R R A R R R| Group Policy ID(16)|.
import { describe, expect, it } from 'vitest';
import { ETHERTYPE_IPV4, eth, ipv4, tcp, TCP, udp, vxlan, type VxlanOpts } from '../test-support/bytes.js';
import { decode } from '../test-support/decode.js';

const INNER = eth({ src: '0a:58:0a:f4:01:02', dst: '0a:58:0a:f4:02:03', type: ETHERTYPE_IPV4 },
  ipv4({ protocol: 6, src: '10.244.1.2', dst: '10.244.2.3' }, tcp({ src: 33000, dst: 80, flags: TCP.SYN })));
const frame = (o: VxlanOpts, dst = 4789, inner: Uint8Array = INNER) =>
  eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 17, src: '192.0.2.1', dst: '192.0.2.2', df: true }, udp({ src: 51000, dst }, vxlan(o, inner))));

describe('vxlan', () => {
  it('I flag set, VNI, inner frame', () => {
    const v = vxlan({ vni: 0x123456 });
    expect(Array.from(v)).toEqual([0x08, 0, 0, 0, 0x12, 0x34, 0x56, 0]);
    const d = decode(frame({ vni: 0x123456 }));
    expect(d.kinds).toEqual(['eth', 'ipv4', 'udp', 'vxlan', 'eth', 'ipv4', 'tcp']);
    expect(d.layers[3]).toEqual({ proto: 'vxlan', flags: 8, vni: 0x123456, iFlag: true, reservedBitsSet: false, gbp: null });
    expect(d.off[3]).toBe(14 + 20 + 8);
    expect(d.hlen[3]).toBe(8);
    expect(d.off[4]).toBe(50);
    expect(d.cls).toBe('vxlan');
    expect(d.tunnel).toBe(3);
    expect(d.outerIp).toBe(1);
    expect(d.innerIp).toBe(5);
    expect(d.l4).toBe(6);
    expect(d.error).toBeNull();
  });

  it('I flag unset', () => {
    const d = decode(frame({ flags: 0x00, vni: 42 }));
    expect(d.layers[3]).toMatchObject({ flags: 0, iFlag: false, reservedBitsSet: false, vni: 42 });
    expect(d.cls).toBe('vxlan');
  });

  it('reserved bits in the flags byte, the 24 reserved bits and the last byte', () => {
    expect(decode(frame({ flags: 0x0c, vni: 1 })).layers[3]).toMatchObject({ iFlag: true, reservedBitsSet: true });
    expect(decode(frame({ vni: 1, flags2: 0x40 })).layers[3]).toMatchObject({ reservedBitsSet: true, gbp: null });
    expect(decode(frame({ vni: 1, policy: 1 })).layers[3]).toMatchObject({ reservedBitsSet: true });
    expect(decode(frame({ vni: 1, reserved: 0x80 })).layers[3]).toMatchObject({ reservedBitsSet: true });
  });

  it('Group Policy: G set, D and A bits, policy ID', () => {
    const v = vxlan({ flags: 0x88, flags2: 0x48, policy: 0x1234, vni: 100 });
    expect(Array.from(v)).toEqual([0x88, 0x48, 0x12, 0x34, 0, 0, 100, 0]);
    const d = decode(frame({ flags: 0x88, flags2: 0x48, policy: 0x1234, vni: 100 }));
    expect(d.layers[3]).toEqual({
      proto: 'vxlan', flags: 0x88, vni: 100, iFlag: true, reservedBitsSet: false,
      gbp: { dontLearn: true, policyApplied: true, policyId: 0x1234 },
    });
  });

  it('Group Policy with only A, and a reserved bit outside D/A', () => {
    expect(decode(frame({ flags: 0x88, flags2: 0x08, policy: 7, vni: 1 })).layers[3]).toMatchObject({
      reservedBitsSet: false, gbp: { dontLearn: false, policyApplied: true, policyId: 7 },
    });
    expect(decode(frame({ flags: 0x88, flags2: 0x01, policy: 7, vni: 1 })).layers[3]).toMatchObject({ reservedBitsSet: true });
    expect(decode(frame({ flags: 0x88, vni: 1, reserved: 1 })).layers[3]).toMatchObject({ reservedBitsSet: true });
  });

  it('VNI 0 and the largest VNI', () => {
    expect(decode(frame({ vni: 0 })).layers[3].vni).toBe(0);
    expect(decode(frame({ vni: 0xffffff })).layers[3].vni).toBe(0xffffff);
  });

  it('default ports 8472 and 6784', () => {
    expect(decode(frame({ vni: 1 }, 8472)).kinds[3]).toBe('vxlan');
    expect(decode(frame({ vni: 1 }, 6784)).kinds[3]).toBe('vxlan');
  });

  // Issue 10 item 2: 8472 (also OTV) and 6784 (also micro-BFD) carry VXLAN only when it is plausible.
  describe('heuristic ports 8472 and 6784', () => {
    it('a Group Policy header (G, D, A bits) is plausible', () => {
      const d = decode(frame({ flags: 0x88, flags2: 0x48, policy: 7, vni: 1 }, 6784));
      expect(d.stack).toBe('eth:ipv4:udp:vxlan:eth:ipv4:tcp');
    });

    it('I flag clear: not VXLAN on 8472 (stays UDP), VXLAN on 4789', () => {
      const d = decode(frame({ flags: 0x00, vni: 42 }, 8472));
      expect(d.stack).toBe('eth:ipv4:udp');
      expect(d.cls).toBe('underlay');
      expect(d.error).toBeNull();
      expect(decode(frame({ flags: 0x00, vni: 42 }, 4789)).stack).toBe('eth:ipv4:udp:vxlan:eth:ipv4:tcp');
    });

    it('reserved bits set (OTV: the overlay ID sits in VXLAN\'s reserved bytes): not VXLAN on 8472', () => {
      expect(decode(frame({ vni: 1, policy: 0x0001 }, 8472)).stack).toBe('eth:ipv4:udp');
      expect(decode(frame({ vni: 1, reserved: 1 }, 8472)).stack).toBe('eth:ipv4:udp');
      expect(decode(frame({ flags: 0x0c, vni: 1 }, 8472)).stack).toBe('eth:ipv4:udp');
    });

    it('inner frame not plausible: 802.3 length, IPv4 EtherType without IPv4, too short', () => {
      const lengthField = eth({ type: 0x0100 }, new Uint8Array(40));
      expect(decode(frame({ vni: 1 }, 8472, lengthField)).stack).toBe('eth:ipv4:udp');
      const notIpv4 = eth({ type: ETHERTYPE_IPV4 }, new Uint8Array(40).fill(0x60));
      expect(decode(frame({ vni: 1 }, 8472, notIpv4)).stack).toBe('eth:ipv4:udp');
      expect(decode(frame({ vni: 1 }, 8472, new Uint8Array(10))).stack).toBe('eth:ipv4:udp');
      expect(decode(frame({ vni: 1 }, 8472, new Uint8Array(0))).stack).toBe('eth:ipv4:udp');
      // Any other EtherType (>= 0x0600) is plausible.
      expect(decode(frame({ vni: 1 }, 8472, eth({ type: 0x88cc }, new Uint8Array(30)))).stack).toBe('eth:ipv4:udp:vxlan:eth');
    });

    it('7 bytes on 8472: not VXLAN, no error (on 4789 the same bytes are a truncated VXLAN header)', () => {
      const f = eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 17 }, udp({ src: 1, dst: 8472 }, [8, 0, 0, 0, 0, 0, 1])));
      const d = decode(f);
      expect(d.stack).toBe('eth:ipv4:udp');
      expect(d.error).toBeNull();
    });

    it('--vxlan-port 8472 makes 8472 unconditional, like 4789', () => {
      const d = decode(frame({ flags: 0x00, vni: 42 }, 8472), { vxlanPorts: [8472] });
      expect(d.stack).toBe('eth:ipv4:udp:vxlan:eth:ipv4:tcp');
    });

    it('cut by the snaplen inside the inner Ethernet header: the VXLAN header decides', () => {
      const f = frame({ vni: 9 }, 8472);
      const d = decode(f.subarray(0, 50 + 6), { wireLen: f.length });
      expect(d.stack).toBe('eth:ipv4:udp:vxlan');
      expect(d.truncated).toBe(true);
      expect(d.error).toBeNull();
    });
  });

  it('a VXLAN header with nothing after it', () => {
    const d = decode(frame({ vni: 5 }, 4789, new Uint8Array(0)));
    expect(d.stack).toBe('eth:ipv4:udp:vxlan');
    expect(d.cls).toBe('vxlan');
    expect(d.innerIp).toBe(1);
    expect(d.error).toBeNull();
  });

  it('7 bytes on the VXLAN port: truncated', () => {
    const f = eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 17 }, udp({ src: 1, dst: 4789 }, [8, 0, 0, 0, 0, 0, 1])));
    const d = decode(f);
    expect(d.error).toBe('vxlan: truncated header');
    expect(d.cls).toBe('underlay');
  });

  it('inner frame truncated by snaplen', () => {
    const f = frame({ vni: 9 });
    const d = decode(f.subarray(0, 50 + 14 + 10), { wireLen: f.length });
    expect(d.stack).toBe('eth:ipv4:udp:vxlan:eth');
    expect(d.truncated).toBe(true);
    expect(d.error).toBeNull();
    expect(d.cls).toBe('vxlan');
    expect(d.innerIp).toBe(1);
  });
});
