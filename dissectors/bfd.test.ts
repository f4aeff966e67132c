// BFD control packet (RFC 5880 section 4.1), laid out by hand:
// |Vers(3)|Diag(5)|Sta(2)|P|F|C|A|D|M| Detect Mult | Length | My Disc | Your Disc | Desired Min TX |
// | Required Min RX | Required Min Echo RX |; UDP 3784 (RFC 5881), 4784 (RFC 5883), 6784 (RFC 7130).
import { describe, expect, it } from 'vitest';
import { be32, ETHERTYPE_IPV4, eth, ipv4, udp } from '../test-support/bytes.js';
import { decode } from '../test-support/decode.js';

/** Version 1, diag 0, state Up (3), no flags, detect mult 3, length 24. */
function bfdControl(o: { diag?: number; state?: number; flags?: number; mult?: number; len?: number; my?: number; your?: number; version?: number } = {}): number[] {
  return [
    ((o.version ?? 1) << 5) | (o.diag ?? 0), ((o.state ?? 3) << 6) | (o.flags ?? 0), o.mult ?? 3, o.len ?? 24,
    ...be32(o.my ?? 0x0de60801), ...be32(o.your ?? 0x00000002),
    ...be32(300000), ...be32(300000), ...be32(0),
  ];
}
const frame = (dport: number, payload: number[]) =>
  eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 17, src: '192.0.2.1', dst: '192.0.2.2', ttl: 255 }, udp({ src: 49152, dst: dport }, payload)));

describe('bfd', () => {
  it('a control packet on 3784: every field', () => {
    const d = decode(frame(3784, bfdControl({ diag: 1, state: 1, flags: 0x20 | 0x08, mult: 5 })));
    expect(d.stack).toBe('eth:ipv4:udp:bfd');
    expect(d.layers[3]).toEqual({
      proto: 'bfd', version: 1, diag: 1, state: 1, stateName: 'Down', flags: 0x28,
      poll: true, final: false, controlPlaneIndependent: true, authPresent: false, demand: false, multipoint: false,
      detectMult: 5, length: 24, myDiscriminator: 0x0de60801, yourDiscriminator: 2,
      desiredMinTxInterval: 300000, requiredMinRxInterval: 300000, requiredMinEchoRxInterval: 0,
    });
    expect(d.cls).toBe('underlay');
    expect(d.error).toBeNull();
  });

  it('multihop 4784', () => {
    expect(decode(frame(4784, bfdControl())).stack).toBe('eth:ipv4:udp:bfd');
  });

  // Issue 10 item 2: tcpdump's bfd-lag capture was read as VXLAN VNI 910856 (0x0de608): the
  // flags byte 0x20 has no I flag and bytes 1-3 (state, mult, length) fill VXLAN's reserved bits.
  it('micro-BFD on 6784 (shared with Weave VXLAN) is BFD, not VXLAN', () => {
    const d = decode(frame(6784, bfdControl()));
    expect(d.stack).toBe('eth:ipv4:udp:bfd');
    expect(d.cls).toBe('underlay');
    expect(d.tunnel).toBe(-1);
    expect(d.layers[3]).toMatchObject({ state: 3, stateName: 'Up', myDiscriminator: 0x0de60801 });
  });

  it('authentication section: type and length', () => {
    const p = [...bfdControl({ flags: 0x04, len: 24 + 4 }), 1, 4, 7, 0x61];
    const d = decode(frame(3784, p));
    expect(d.layers[3]).toMatchObject({ authPresent: true, authType: 1, authLength: 4, length: 28 });
    expect(d.error).toBeNull();
  });

  it('faults: version 0, a length below 24, a length beyond the datagram, 20 bytes', () => {
    expect(decode(frame(3784, bfdControl({ version: 0 }))).error).toBe('bfd: bad version (0)');
    expect(decode(frame(3784, bfdControl({ len: 20 }))).error).toBe('bfd: bad length field (20)');
    expect(decode(frame(3784, bfdControl({ len: 60 }))).error).toBe('bfd: bad length field (60)');
    expect(decode(frame(3784, bfdControl({ flags: 0x04 }))).error).toBe('bfd: bad length field (24)');
    expect(decode(frame(3784, bfdControl().slice(0, 20))).error).toBe('bfd: truncated header');
  });
});
