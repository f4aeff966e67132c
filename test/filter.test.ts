// The display-filter language (src/filter): lexer, parser, compiler and the selection (-c, --from,
// --to), on hand-built packets whose field values are laid out from the RFCs (test-support/packets.ts).
import { describe, expect, it } from 'vitest';
import { tokenize, FilterError } from '../src/filter/lexer.js';
import { parseFilter } from '../src/filter/parser.js';
import { compileFilter } from '../src/filter/compile.js';
import { Selection, filterErrorText, parseTimeBound, selectionSpec } from '../src/filter/options.js';
import { PacketFacts } from '../src/analyses/facts.js';
import { PacketDecoder } from '../dissectors/decoder.js';
import { CaptureRecord } from '../src/reader/record.js';
import { UsageError } from '../src/commands/common.js';
import { be16, be24, be32, concat, ip6 } from '../test-support/bytes.js';
import { ethernet, ipv4, tcp, udp, vxlan } from '../test-support/packets.js';
import type { PacketState } from '../dissectors/packet.js';

const OUTER_MAC_A = '52:54:00:56:00:11', OUTER_MAC_B = '52:54:00:56:00:12';
const INNER_MAC_A = '5e:8a:31:c4:10:05', INNER_MAC_B = '5e:8a:31:c4:20:07';

/** 192.168.56.11 -> .12, UDP 43000 -> 4789, VNI 4096, inner 10.244.1.5 -> 10.244.2.7 TCP 43210 -> 80 SYN, inner TTL 63. */
const INNER = ethernet(INNER_MAC_B, INNER_MAC_A, 0x0800, ipv4('10.244.1.5', '10.244.2.7', 6, tcp(43210, 80, 0x002), { ttl: 63, df: true }));
const VXLAN_FRAME = ethernet(OUTER_MAC_B, OUTER_MAC_A, 0x0800, ipv4('192.168.56.11', '192.168.56.12', 17, udp(43000, 4789, vxlan(4096, INNER)), { ttl: 64, tos: 0xb8 }));
/** ARP request (RFC 826): who has 192.168.56.12, tell 192.168.56.11. */
const ARP_FRAME = ethernet('ff:ff:ff:ff:ff:ff', OUTER_MAC_A, 0x0806, Uint8Array.from([
  0, 1, 8, 0, 6, 4, 0, 1, 0x52, 0x54, 0, 0x56, 0, 0x11, 192, 168, 56, 11, 0, 0, 0, 0, 0, 0, 192, 168, 56, 12,
]));
/** IPv6 (RFC 8200) 2001:db8::1 -> fe80::2, UDP 5353 -> 53, hop limit 255. */
const IPV6_FRAME = ethernet(OUTER_MAC_B, OUTER_MAC_A, 0x86dd, concat(
  [0x60, 0, 0, 0], [0, 12], [17, 255], ip6('2001:db8::1'), ip6('fe80::2'), udp(5353, 53, Uint8Array.from([1, 2, 3, 4])),
));

const decoder = new PacketDecoder();
const rec = new CaptureRecord();

function decoded(frame: Uint8Array, opts: { caplen?: number; frameNo?: number; sec?: number; nsec?: number } = {}): [CaptureRecord, PacketState] {
  rec.buf = frame; rec.offset = 0; rec.caplen = opts.caplen ?? frame.length; rec.len = frame.length;
  rec.frame = opts.frameNo ?? 1; rec.tsSec = opts.sec ?? 1700000000; rec.tsNsec = opts.nsec ?? 0; rec.linktype = 1;
  return [rec, decoder.decode(frame, 0, rec.caplen, rec.len, 1)];
}

const env = { firstSec: 1700000000, firstNsec: 0, facts: new PacketFacts(), bgpLayers: () => null };

function matches(expr: string, frame: Uint8Array, caplen?: number): boolean {
  const [r, st] = decoded(frame, { caplen });
  const f = compileFilter(expr, env);
  if (f.needsFacts) {
    // The selection extracts the facts before the predicate; do the same here.
    const sel = new Selection({ filter: expr });
    return sel.accept(r, st);
  }
  return f.test(r, st);
}

function errorAt(expr: string): { message: string; column: number; length: number } {
  try {
    compileFilter(expr, env);
  } catch (e) {
    if (e instanceof FilterError) return { message: e.message, column: e.column, length: e.length };
    throw e;
  }
  throw new Error(`'${expr}' compiled`);
}

describe('lexer', () => {
  it('splits operators and words and keeps columns', () => {
    const t = tokenize('ip.src==10.0.0.1&&!tcp');
    expect(t.map((x) => [x.kind, x.text, x.column])).toEqual([
      ['word', 'ip.src', 0], ['cmp', '==', 6], ['word', '10.0.0.1', 8], ['and', '&&', 16], ['not', '!', 18], ['word', 'tcp', 19], ['end', '', 22],
    ]);
  });
  it('reads the word operators as their symbols', () => {
    expect(tokenize('a eq 1 ne 2 lt 3 gt 4 le 5 ge 6 any_ne 7').filter((x) => x.kind === 'cmp').map((x) => x.text))
      .toEqual(['==', '!=', '<', '>', '<=', '>=', '~=']);
  });
  it('rejects a lone = and strings at their column', () => {
    expect(() => tokenize('ip.ttl = 5')).toThrow(FilterError);
    expect(errorAt('ip.ttl = 5').column).toBe(7);
    expect(errorAt('ip.src == "x"').column).toBe(10);
  });
});

describe('parser', () => {
  it('binds not tighter than and, and tighter than or', () => {
    const n = parseFilter('a or b and not c');
    expect(n.type).toBe('or');
    if (n.type !== 'or') return;
    expect(n.right.type).toBe('and');
    if (n.right.type !== 'and') return;
    expect(n.right.right.type).toBe('not');
  });
  it('reads sets with commas, spaces and ranges', () => {
    const n = parseFilter('udp.port in {53, 4789 6000..6100}');
    expect(n.type).toBe('in');
    if (n.type !== 'in') return;
    expect(n.items.map((i) => [i.lo.text, i.hi?.text ?? null])).toEqual([['53', null], ['4789', null], ['6000', '6100']]);
    expect(n.items[2].hi!.column).toBe(28);
  });
  it('points at the column of a syntax error', () => {
    expect(errorAt('ip.src == 1.2.3.4 and (tcp')).toMatchObject({ column: 26, message: "missing ')'" });
    expect(errorAt('ip.src == 1.2.3.4 tcp').column).toBe(18);
    expect(errorAt('tcp and').message).toBe('the expression ends too early');
    expect(errorAt('udp.port in {}').message).toBe('an empty set');
  });
});

describe('compiler over a VXLAN frame (any-layer semantics)', () => {
  const yes = (e: string) => expect(matches(e, VXLAN_FRAME), e).toBe(true);
  const no = (e: string) => expect(matches(e, VXLAN_FRAME), e).toBe(false);
  it('protocols', () => {
    yes('vxlan'); yes('eth && ip && udp && tcp'); no('ipv6'); no('gre'); no('icmp'); yes('not icmp'); yes('frame');
  });
  it('repeated fields: == and friends match any layer, != means no layer equals', () => {
    yes('ip.src == 192.168.56.11'); yes('ip.src == 10.244.1.5');
    no('ip.src != 10.244.1.5'); yes('ip.src != 1.2.3.4'); yes('ip.src ~= 10.244.1.5');
    yes('ip.addr == 10.244.0.0/16'); yes('ip.addr == 192.168.56.12/32'); no('ip.addr == 10.245.0.0/16');
    yes('ip.ttl < 64'); yes('ip.ttl == 64'); no('ip.ttl > 64'); yes('ip.flags.df == 1'); yes('ip.flags.df == 0');
    yes('ip.dsfield.dscp == 46'); yes('ip.proto in {6, 17}'); yes('ip.src > 192.168.56.10 and ip.src <= 192.168.56.11');
  });
  it('outer., inner., tunnel.vni, class and overhead', () => {
    yes('outer.ip.src == 192.168.56.11'); no('outer.ip.src == 10.244.1.5'); yes('inner.ip.dst == 10.244.2.7'); no('inner.ip.dst == 192.168.56.12');
    yes('inner.tcp.dstport == 80'); yes('outer.udp.dstport == 4789'); no('inner.udp'); yes('tunnel.vni == 4096');
    yes('class == vxlan'); no('class == geneve'); yes('class in {geneve, vxlan}'); yes('class != routed');
    // RFC 7348 over IPv4: outer IPv4 20 + UDP 8 + VXLAN 8 + inner Ethernet 14 = 50 bytes.
    yes('overhead == 50');
  });
  it('ports, flags, numbers in hex, MACs, VNIs, ranges', () => {
    yes('udp.port == 0x12b5'); yes('udp.dstport == 4789'); yes('udp.srcport in {42000..43000}'); no('udp.srcport in {1..1023}');
    yes('tcp.flags.syn == 1'); yes('tcp.flags.ack == 0'); yes('tcp.flags.syn'); yes('tcp.flags == 0x002'); yes('tcp.len == 0');
    yes(`eth.addr == ${INNER_MAC_A}`); yes(`eth.src == ${OUTER_MAC_A.toUpperCase()}`); no(`eth.dst == ${INNER_MAC_A}`); yes('eth.type == 0x0800');
    yes('vxlan.vni in {1..5000}'); yes('frame.number in {9, 8, 7, 6, 5, 4, 3, 2, 1}'); no('frame.number in {9, 8, 7, 6, 5, 4, 3, 2}'); yes('vxlan.flags == 0x0800'); yes(`frame.len == ${VXLAN_FRAME.length}`); yes('frame.number == 1');
  });
});

describe('compiler on other frames', () => {
  it('a field absent from the packet fails both == and !=', () => {
    expect(matches('ip.src != 1.2.3.4', ARP_FRAME)).toBe(false);
    expect(matches('!(ip.src == 1.2.3.4)', ARP_FRAME)).toBe(true);
    expect(matches('arp.opcode == 1 && arp.dst.proto_ipv4 == 192.168.56.12 && eth.dst == ff:ff:ff:ff:ff:ff', ARP_FRAME)).toBe(true);
  });
  it('IPv6 addresses and prefixes', () => {
    expect(matches('ipv6.src == 2001:db8::1', IPV6_FRAME)).toBe(true);
    expect(matches('ipv6.src == 2001:0db8:0:0:0:0:0:1', IPV6_FRAME)).toBe(true);
    expect(matches('ipv6.addr == 2001:db8::/32', IPV6_FRAME)).toBe(true);
    expect(matches('ipv6.addr == fe80::/10', IPV6_FRAME)).toBe(true);
    expect(matches('ipv6.src == fe80::/10', IPV6_FRAME)).toBe(false);
    expect(matches('ipv6.dst == fe80::/9', IPV6_FRAME)).toBe(true);
    expect(matches('ipv6.hlim == 255 && ipv6.nxt == 17 && udp.dstport == 53 && inner.ipv6.src == 2001:db8::1', IPV6_FRAME)).toBe(true);
    expect(matches('ip', IPV6_FRAME)).toBe(false);
  });
  it('a header cut by the snaplen has only the fields its bytes hold', () => {
    // Outer Ethernet + IPv4 + UDP + VXLAN + inner Ethernet + IPv4 = 84 bytes, then 4 bytes of TCP: the ports only.
    expect(matches('tcp.dstport == 80', VXLAN_FRAME, 84 + 4)).toBe(true);
    expect(matches('tcp.flags.syn', VXLAN_FRAME, 84 + 4)).toBe(false);
    expect(matches('tcp.flags.syn != 0', VXLAN_FRAME, 84 + 4)).toBe(false);
  });
});

describe('compile errors', () => {
  it('unknown fields, with a suggestion', () => {
    expect(errorAt('ip.src == 1.2.3.4 or ip.sr == 1.2.3.4')).toEqual({ message: "unknown field or protocol 'ip.sr' (did you mean 'ip.src'?)", column: 21, length: 5 });
  });
  it('bad values and operators for the field type', () => {
    expect(errorAt('ip.src == 10.0.0.300')).toMatchObject({ column: 10, length: 10 });
    expect(errorAt('vxlan == 1').message).toMatch(/protocol/);
    expect(errorAt('ip.src < 10.0.0.0/8').message).toMatch(/CIDR/);
    expect(errorAt('frame.len in {1..x}')).toMatchObject({ column: 17, length: 1 });
    expect(errorAt('class == tunnel').message).toMatch(/traffic class/);
    expect(errorAt('tcp.flags.syn == 2').message).toMatch(/boolean/);
    expect(errorAt('ip.src contains 1').message).toMatch(/not supported/);
  });
  it('prints the expression with a caret under the column', () => {
    const e = new FilterError('bad', 10, 3);
    expect(filterErrorText('-Y', 'ip.src == 1.2.3', e)).toBe('-Y: bad (column 11)\n  ip.src == 1.2.3\n            ^~~');
  });
  it('is a usage error from the command-line options', () => {
    expect(() => selectionSpec({ filter: 'ip.src ==' })).toThrow(UsageError);
    expect(() => selectionSpec({ count: '0' })).toThrow(UsageError);
    expect(() => selectionSpec({ from: 'yesterday' })).toThrow(UsageError);
  });
});

describe('time bounds', () => {
  it('RFC 3339, epoch seconds and relative', () => {
    // 1700000000 = 2023-11-14T22:13:20Z (date -u -d @1700000000).
    expect(parseTimeBound('2023-11-14T22:13:20Z', '--from')).toEqual({ relative: false, sec: 1700000000, nsec: 0 });
    expect(parseTimeBound('2023-11-15T00:13:20.25+02:00', '--from')).toEqual({ relative: false, sec: 1700000000, nsec: 250000000 });
    expect(parseTimeBound('1700000000.5', '--to')).toEqual({ relative: false, sec: 1700000000, nsec: 500000000 });
    expect(parseTimeBound('+30s', '--from')).toEqual({ relative: true, sec: 30, nsec: 0 });
    expect(parseTimeBound('+2m', '--from')).toEqual({ relative: true, sec: 120, nsec: 0 });
    expect(parseTimeBound('+1h30m', '--from')).toEqual({ relative: true, sec: 5400, nsec: 0 });
    expect(parseTimeBound('+250ms', '--from')).toEqual({ relative: true, sec: 0, nsec: 250000000 });
    expect(() => parseTimeBound('+30x', '--from')).toThrow(/not a time/);
    expect(() => parseTimeBound('2023-11-14 22:13:20', '--from')).toThrow(/not a time/);
  });
});

describe('selection', () => {
  /** Frames 1..10 one second apart from 1700000000, odd ones UDP, even ones TCP. */
  function run(spec: ConstructorParameters<typeof Selection>[0]): number[] {
    const sel = new Selection(spec);
    sel.startFile();
    const out: number[] = [];
    for (let k = 1; k <= 10; k++) {
      const l4 = k % 2 ? udp(1000 + k, 53, new Uint8Array(4)) : tcp(1000 + k, 80, 0x010);
      const frame = ethernet(OUTER_MAC_B, OUTER_MAC_A, 0x0800, ipv4('10.0.0.1', '10.0.0.2', k % 2 ? 17 : 6, l4));
      const [r, st] = decoded(frame, { frameNo: k, sec: 1700000000 + k - 1 });
      if (sel.accept(r, st)) out.push(k);
    }
    return out;
  }
  it('keeps the frame numbers; -c counts selected packets', () => {
    expect(run({ filter: 'tcp' })).toEqual([2, 4, 6, 8, 10]);
    expect(run({ filter: 'tcp', count: 2 })).toEqual([2, 4]);
    expect(run({ count: 3 })).toEqual([1, 2, 3]);
  });
  it('--from is inclusive, --to exclusive; relative to the first packet', () => {
    expect(run({ from: '+3s', to: '+6s' })).toEqual([4, 5, 6]);
    expect(run({ from: '2023-11-14T22:13:23Z' })).toEqual([4, 5, 6, 7, 8, 9, 10]);
    expect(run({ from: '1700000003.5', to: '1700000006', filter: 'udp' })).toEqual([5]);
    expect(run({ filter: 'frame.time_relative >= 8' })).toEqual([9, 10]);
  });
  it('a selection that stops at -c says so to the reader', () => {
    const sel = new Selection({ filter: 'udp', count: 1 });
    const signal = sel.stopSignal(undefined)!;
    sel.startFile();
    expect(signal.aborted).toBe(false);
    const frame = ethernet(OUTER_MAC_B, OUTER_MAC_A, 0x0800, ipv4('10.0.0.1', '10.0.0.2', 17, udp(1, 53, new Uint8Array(0))));
    const [r, st] = decoded(frame);
    expect(sel.accept(r, st)).toBe(true);
    expect(signal.aborted).toBe(true);
    sel.startFile();
    expect(signal.aborted).toBe(false);
    expect(new Selection({ count: 5 }).readLimit()).toBe(5);
    expect(new Selection({ count: 5, filter: 'udp' }).readLimit()).toBeUndefined();
  });
});

describe('fields that lint findings\' filters use', () => {
  const outer = (proto: number, payload: Uint8Array) => ethernet(OUTER_MAC_B, OUTER_MAC_A, 0x0800, ipv4('192.168.56.11', '192.168.56.12', proto, payload));
  /** A VXLAN header laid out by hand: flags word, Group Policy ID, VNI, last reserved byte (RFC 7348, GBP draft). */
  const vxlanWith = (flagsWord: number, gbp: number, reserved8: number) => outer(17, udp(43000, 4789, concat(be16(flagsWord), be16(gbp), be24(4096), [reserved8], INNER)));

  it('vxlan flag bits, the Group Policy ID and the reserved fields', () => {
    // G, I, D, A set (0x8848), policy 100.
    const gbp = vxlanWith(0x8848, 100, 0);
    for (const f of ['vxlan.flag_g == 1', 'vxlan.flag_i == 1', 'vxlan.flag_d == 1', 'vxlan.flag_a == 1', 'vxlan.gbp == 100', 'vxlan.flags_reserved == 0', 'vxlan.reserved8 == 0']) {
      expect([f, matches(f, gbp)]).toEqual([f, true]);
    }
    // I plus reserved bits 0x0401 (0x0c01 & 0x77b7, the bits RFC 7348 reserves outside G, I, D, A), last byte 0x5a.
    const reserved = vxlanWith(0x0c01, 0, 0x5a);
    for (const f of ['vxlan.flags_reserved == 0x0401', 'vxlan.reserved8 == 0x5a', 'vxlan.flag_g == 0', 'vxlan.flag_d == 0', 'vxlan.flag_a == 0', 'vxlan.flag_i == 1']) {
      expect([f, matches(f, reserved)]).toEqual([f, true]);
    }
    expect(matches('vxlan.flag_i == 0', vxlanWith(0x0000, 0, 0))).toBe(true);
    expect(matches('vxlan.flag_i == 0', VXLAN_FRAME)).toBe(false);
    // Only in VXLAN layers.
    expect(matches('vxlan.gbp', IPV6_FRAME)).toBe(false);
  });

  it('geneve options: one value per option, and the C flag', () => {
    // RFC 8926: opt len 3 words, C set, protocol 0x6558, VNI 7; option class 0x0102 type 0x80 (critical) with 4 data
    // bytes, option class 0xffff type 0x01 without data.
    const geneve = concat([0x00 | 3, 0x40], be16(0x6558), be24(7), [0], be16(0x0102), [0x80, 1], be32(0xdeadbeef), be16(0xffff), [0x01, 0], INNER);
    const frame = outer(17, udp(43000, 6081, geneve));
    for (const f of ['geneve.flags.critical == 1', 'geneve.option.class == 0x0102', 'geneve.option.class == 0xffff', 'geneve.option.type == 1',
      'geneve.option.type.critical == 1', 'geneve.option.type.critical == 0', 'geneve.option.class == 0x0102 && geneve.option.type == 0x80']) {
      expect([f, matches(f, frame)]).toEqual([f, true]);
    }
    for (const f of ['geneve.option.class == 0x0103', 'geneve.option.type == 2', 'geneve.flags.critical == 0', 'geneve.option.class != 0x0102']) {
      expect([f, matches(f, frame)]).toEqual([f, false]);
    }
    // No options: no option fields (not "0").
    const bare = outer(17, udp(43000, 6081, concat([0, 0], be16(0x6558), be24(7), [0], INNER)));
    expect(matches('geneve.option.type.critical == 0', bare)).toBe(false);
    expect(matches('geneve && !geneve.option.class', bare)).toBe(true);
    // An option whose length runs past the option area is not an option (tshark: invalid length, no class/type).
    const overlong = outer(17, udp(43000, 6081, concat([1, 0], be16(0x6558), be24(7), [0], be16(0x0102), [0x80, 2], INNER)));
    expect(matches('geneve.option.class', overlong)).toBe(false);
  });

  it('gre.flags.key and tunnel.key (the outermost GRE key; NVGRE VSID << 8 | FlowID)', () => {
    // RFC 2890 key present (0x2000), RFC 7637 NVGRE: key 0x00012345 = VSID 0x123, FlowID 0x45.
    const nvgre = outer(47, concat(be16(0x2000), be16(0x6558), be32(0x12345), INNER));
    expect(matches('gre.flags.key == 1', nvgre)).toBe(true);
    expect(matches('tunnel.key == 74565', nvgre)).toBe(true);
    expect(matches('tunnel.vni == 291', nvgre)).toBe(true);
    const keyless = outer(47, concat(be16(0), be16(0x6558), INNER));
    expect(matches('gre.flags.key == 0', keyless)).toBe(true);
    expect(matches('tunnel.key', keyless)).toBe(false);
    expect(matches('tunnel.key', VXLAN_FRAME)).toBe(false);
  });

  it('eth.len: the 802.3 length field, absent on Ethernet II', () => {
    const llc = ethernet('01:80:c2:00:00:00', OUTER_MAC_A, 38, Uint8Array.from(Array(38).fill(0x42)));
    expect(matches('eth.len == 38', llc)).toBe(true);
    expect(matches('eth.len', VXLAN_FRAME)).toBe(false);
  });

  it('udp.checksum.status: tshark\'s 0 bad, 1 good, 2 unverified, 3 not present (with udp.check_checksum on)', () => {
    const frame = VXLAN_FRAME.slice();
    expect(matches('udp.checksum.status == 3', frame)).toBe(true);
    // RFC 768: one's complement of the one's complement sum over the pseudo-header and the datagram.
    const ipAt = 14, udpAt = 34, len = (frame[udpAt + 4] << 8) | frame[udpAt + 5];
    let sum = 0;
    for (let k = 0; k < 8; k += 2) sum += (frame[ipAt + 12 + k] << 8) | frame[ipAt + 13 + k];
    sum += 17 + len;
    for (let k = 0; k < len; k += 2) sum += (frame[udpAt + k] << 8) | (k + 1 < len ? frame[udpAt + k + 1] : 0);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    const csum = ~sum & 0xffff;
    frame[udpAt + 6] = csum >> 8; frame[udpAt + 7] = csum & 0xff;
    expect(matches('udp.checksum.status == 1', frame)).toBe(true);
    frame[udpAt + 7] ^= 1;
    expect(matches('udp.checksum.status == 0', frame)).toBe(true);
    // A fragment (MF set) is not verified; nor is a datagram cut by the snaplen.
    const fragment = frame.slice();
    fragment[ipAt + 6] |= 0x20;
    expect(matches('udp.checksum.status == 2', fragment)).toBe(true);
    expect(matches('udp.checksum.status == 2', frame, 60)).toBe(true);
  });

  it('frame.packet_flags_direction: pcapng\'s direction, absent when unknown', () => {
    const f = compileFilter('frame.packet_flags_direction == 2', env);
    const g = compileFilter('frame.packet_flags_direction', env);
    const [r, st] = decoded(VXLAN_FRAME);
    r.direction = 2;
    expect(f.test(r, st)).toBe(true);
    r.direction = 1;
    expect(f.test(r, st)).toBe(false);
    r.direction = 0;
    expect(g.test(r, st)).toBe(false);
  });
});
