// UDP (RFC 768): src port(2) dst port(2) length(2) checksum(2). Payload dispatch (SPEC "Decoding
// tables"): the destination port is looked up first, then the source port.
import { describe, expect, it } from 'vitest';
import { ETHERTYPE_IPV4, eth, filler, ipv4, ipv6, udp, vxlan, geneve, TCP, tcp, ETHERTYPE_TEB } from '../test-support/bytes.js';
import { decode } from '../test-support/decode.js';
import { PacketDecoder } from './decoder.js';

const INNER = eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 6, src: '10.244.1.2', dst: '10.244.2.3' }, tcp({ src: 1, dst: 2, flags: TCP.SYN })));
const V = vxlan({ vni: 42 }, INNER);
const G = geneve({ protocol: ETHERTYPE_TEB, vni: 43 }, INNER);
const frame = (src: number, dst: number, payload: Uint8Array) => eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 17 }, udp({ src, dst }, payload)));

describe('udp', () => {
  it('header fields', () => {
    const d = decode(frame(33000, 53, filler(20)));
    expect(d.kinds).toEqual(['eth', 'ipv4', 'udp']);
    expect(d.layers[2]).toEqual({ proto: 'udp', srcPort: 33000, dstPort: 53, length: 28, checksum: 0 });
    expect(d.st.v1[2]).toBe(33000 * 65536 + 53);
    expect(d.l4).toBe(2);
  });

  it('length < 8 is an error naming it', () => {
    const d = decode(eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 17 }, udp({ src: 1, dst: 2, length: 7 }, filler(4)))));
    expect(d.error).toBe('udp: bad length field (7)');
    expect(d.stack).toBe('eth:ipv4:udp');
    expect(d.layers[2].length).toBe(7);
  });

  it('length beyond the IPv4 payload is an error', () => {
    const d = decode(eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 17 }, udp({ src: 1, dst: 2, length: 100 }, filler(4)))));
    expect(d.error).toBe('udp: bad length field (100)');
  });

  it('length shorter than the IP payload bounds the UDP payload', () => {
    const d = decode(eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 17 }, udp({ src: 1, dst: 2, length: 10 }, filler(20)))));
    expect(d.end[2]).toBe(14 + 20 + 10);
    expect(d.error).toBeNull();
  });

  it('length 0 (GSO / jumbogram) uses the IP payload end', () => {
    const d = decode(ipv6({ nextHeader: 17 }, udp({ src: 1, dst: 2, length: 0 }, filler(30))), { linktype: 229 });
    expect(d.end[1]).toBe(40 + 38);
    expect(d.error).toBeNull();
  });

  it('7 bytes: truncated', () => {
    const d = decode(eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 17 }, [0, 1, 0, 2, 0, 8, 0])));
    expect(d.error).toBe('udp: truncated header');
  });

  describe('port dispatch: destination first, then source', () => {
    it('dst 4789 -> VXLAN', () => {
      expect(decode(frame(51000, 4789, V)).kinds.slice(0, 4)).toEqual(['eth', 'ipv4', 'udp', 'vxlan']);
    });
    it('dst 8472 and 6784 -> VXLAN', () => {
      expect(decode(frame(51000, 8472, V)).cls).toBe('vxlan');
      expect(decode(frame(51000, 6784, V)).cls).toBe('vxlan');
    });
    it('dst 6081 -> Geneve', () => {
      expect(decode(frame(51000, 6081, G)).cls).toBe('geneve');
    });
    it('src 4789, dst 53 (unbound): falls back to the source port, so VXLAN', () => {
      const d = decode(frame(4789, 53, V));
      expect(d.kinds[3]).toBe('vxlan');
      expect(d.cls).toBe('vxlan');
    });
    it('src 53, dst 40000 (both unbound): plain UDP', () => {
      const d = decode(frame(53, 40000, V));
      expect(d.stack).toBe('eth:ipv4:udp');
      expect(d.cls).toBe('underlay');
    });
    it('a destination-port binding wins over a source-port binding', () => {
      // src 4789 (VXLAN), dst 6081 (Geneve): Geneve.
      const g = decode(frame(4789, 6081, G));
      expect(g.kinds[3]).toBe('geneve');
      // src 6081 (Geneve), dst 4789 (VXLAN): VXLAN.
      const v = decode(frame(6081, 4789, V));
      expect(v.kinds[3]).toBe('vxlan');
      // src 51820 (WireGuard), dst 8472 (VXLAN): VXLAN.
      expect(decode(frame(51820, 8472, V)).kinds[3]).toBe('vxlan');
    });
    it('--vxlan-port and --geneve-port add destination bindings', () => {
      const dec = new PacketDecoder({ vxlanPorts: [9999], genevePorts: [7000] });
      expect(decode(frame(51000, 9999, V), { decoder: dec }).cls).toBe('vxlan');
      expect(decode(frame(51000, 7000, G), { decoder: dec }).cls).toBe('geneve');
      // The defaults still apply.
      expect(decode(frame(51000, 4789, V), { decoder: dec }).cls).toBe('vxlan');
      // And without the option, 9999 is plain UDP.
      expect(decode(frame(51000, 9999, V)).cls).toBe('underlay');
    });
    it('no payload: nothing dispatched', () => {
      const d = decode(frame(51000, 4789, new Uint8Array(0)));
      expect(d.stack).toBe('eth:ipv4:udp');
      expect(d.error).toBeNull();
    });
  });
});
