// Issue 9, items 2, 3, 8 and 9: BGP inputs of real-world size (a full routing table, a SYN
// flood to port 179, out-of-order floods) stay correct and bounded. The captures are built here,
// byte by byte from RFC 4271 / RFC 4760 / RFC 9293, in a temporary directory.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { be16, concat, eth, ETHERTYPE_IPV4, ETHERTYPE_IPV6, ip4, ipv4, ipv6, tcp, TCP } from '../test-support/bytes.js';
import { writePcap, type PcapRecord } from '../test-support/capture.js';
import { analyze } from '../src/engine/analyze.js';
import { bgpCommand } from '../src/commands/bgp.js';
import { CidrSet, parseCidr } from '../src/util/cidr.js';
import { PacketDecoder } from '../dissectors/decoder.js';
import { CaptureRecord } from '../src/reader/record.js';
import { BgpTracker } from '../src/analyses/bgp/tracker.js';
import { HELD_OVERHEAD, MAX_OOO_TOTAL_BYTES } from '../src/analyses/bgp/reassembly.js';
import { MAX_LISTED_ENDED_CONNECTIONS } from '../src/analyses/bgp/session.js';
import { MAX_LISTED_ROUTES } from '../src/analyses/bgp/rib.js';
import { captureOutput as captureOut } from './helpers/output.js';

const dir = mkdtempSync(join(tmpdir(), 'tunnelscope-rel-bgp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const A = '192.168.50.1', B = '192.168.50.2';

/** IPv4/TCP in Ethernet. */
function tcp4(src: string, dst: string, sport: number, dport: number, seq: number, ack: number, flags: number, payload: number[] | Uint8Array = []): Uint8Array {
  return eth({ type: ETHERTYPE_IPV4 }, ipv4({ src, dst, protocol: 6 }, tcp({ src: sport, dst: dport, seq, ack, flags }, payload)));
}

/** RFC 4271 4.1: 16-byte marker of ones, length, type. */
function bgpMessage(type: number, body: number[]): number[] {
  return [...new Array(16).fill(0xff), ...be16(19 + body.length), type, ...body];
}

/** RFC 4271 4.2 OPEN without optional parameters (2-octet AS). */
function open(asn: number, routerId: string): number[] {
  return bgpMessage(1, [4, ...be16(asn), ...be16(90), ...ip4(routerId), 0]);
}

const KEEPALIVE = bgpMessage(4, []);

/** Path attributes: ORIGIN IGP, AS_PATH one AS_SEQUENCE (2-octet ASNs), NEXT_HOP. */
function attrs(asPath: number[], nextHop: string): number[] {
  const seg = [2, asPath.length, ...asPath.flatMap((a) => be16(a))];
  return [0x40, 1, 1, 0, 0x40, 2, seg.length, ...seg, 0x40, 3, 4, ...ip4(nextHop)];
}

/** The k-th announced /24: 11.0.0.0 + k * 256. */
function net24(k: number): number[] {
  const v = (11 * 2 ** 24 + k * 256) >>> 0;
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255];
}
const net24Text = (k: number) => `${net24(k).join('.')}.0/24`;

/** RFC 4271 4.3 UPDATE announcing /24s `ks` (IPv4 NLRI field) and withdrawing `withdrawn`. */
function update(ks: number[], withdrawn: number[] = []): number[] {
  const w = withdrawn.flatMap((k) => [24, ...net24(k)]);
  const pa = ks.length ? attrs([65001, 64512], A) : [];
  return bgpMessage(2, [...be16(w.length), ...w, ...be16(pa.length), ...pa, ...ks.flatMap((k) => [24, ...net24(k)])]);
}

/** RFC 4760 MP_REACH_NLRI for IPv6 unicast /48s 2a00:0:k::/48, with ORIGIN and AS_PATH. */
function updateV6(ks: number[]): number[] {
  const nh = [0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 1];
  const mp = [0, 2, 1, 16, ...nh, 0, ...ks.flatMap((k) => [48, 0x2a, 0x00, 0, 0, (k >> 8) & 255, k & 255])];
  const seg = [2, 1, ...be16(65001)];
  const pa = [0x40, 1, 1, 0, 0x40, 2, seg.length, ...seg, 0x90, 14, ...be16(mp.length), ...mp];
  return bgpMessage(2, [0, 0, ...be16(pa.length), ...pa]);
}

/**
 * One BGP session A -> B: handshake, OPENs, KEEPALIVEs, then `messages` sent by A (each
 * acknowledged by B), then the `extra` packets.
 */
function bgpCapture(messages: number[][], extra: Uint8Array[] = []): Uint8Array {
  const pkts: Uint8Array[] = [];
  let sa = 1000, sb = 5000;
  pkts.push(tcp4(A, B, 40000, 179, sa, 0, TCP.SYN));
  pkts.push(tcp4(B, A, 179, 40000, sb, sa + 1, TCP.SYN | TCP.ACK));
  sa++; sb++;
  pkts.push(tcp4(A, B, 40000, 179, sa, sb, TCP.ACK));
  const send = (from: 'a' | 'b', bytes: number[]) => {
    if (from === 'a') {
      pkts.push(tcp4(A, B, 40000, 179, sa, sb, TCP.PSH | TCP.ACK, bytes));
      sa += bytes.length;
      pkts.push(tcp4(B, A, 179, 40000, sb, sa, TCP.ACK));
    } else {
      pkts.push(tcp4(B, A, 179, 40000, sb, sa, TCP.PSH | TCP.ACK, bytes));
      sb += bytes.length;
      pkts.push(tcp4(A, B, 40000, 179, sa, sb, TCP.ACK));
    }
  };
  send('a', open(65001, A));
  send('b', [...open(65002, B), ...KEEPALIVE]);
  send('a', KEEPALIVE);
  for (const m of messages) send('a', m);
  pkts.push(...extra);
  return records(pkts);
}

function records(pkts: Uint8Array[]): Uint8Array {
  const recs: PcapRecord[] = pkts.map((data, i) => ({ sec: 1_700_000_000 + Math.floor(i / 1000), frac: (i % 1000) * 1000, data }));
  return writePcap(recs);
}

describe('CidrSet', () => {
  it('answers like a per-prefix mask check for nested, adjacent and overlapping prefixes', () => {
    const list = ['10.0.0.0/8', '10.1.0.0/16', '10.255.255.255/32', '11.0.0.0/24', '11.0.1.0/24', '0.0.0.0/1',
      '200.0.0.0/7', '201.5.0.0/16', '255.255.255.255/32', 'fd00::/8', 'fd00:1::/32', '2001:db8::/48', '2001:db8:0:1::/64', '::/127'];
    const set = new CidrSet();
    for (const c of list) set.add(parseCidr(c)!);
    set.add(parseCidr('10.1.0.0/16')!); // a duplicate counts once
    expect(set.size).toBe(list.length);
    const cidrs = list.map((c) => parseCidr(c)!);
    // Reference: compare the masked bits directly, one prefix at a time.
    const inside = (addr: Uint8Array) => cidrs.some((c) => c.bytes.length === addr.length
      && [...c.bytes].every((b, i) => {
        const bits = Math.min(8, Math.max(0, c.prefixLen - 8 * i));
        const mask = bits ? (0xff << (8 - bits)) & 0xff : 0;
        return (addr[i] & mask) === b;
      }));
    let seed = 7;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    const probes4 = ['9.255.255.255', '10.0.0.0', '10.255.255.255', '11.0.0.255', '11.0.1.255', '11.0.2.0', '127.255.255.255',
      '128.0.0.0', '199.255.255.255', '200.0.0.0', '201.255.255.255', '202.0.0.0', '255.255.255.254', '255.255.255.255'];
    for (let i = 0; i < 2000; i++) probes4.push([rnd() >>> 24, rnd() >>> 24, rnd() >>> 24, rnd() >>> 24].join('.'));
    for (const p of probes4) {
      const b = parseCidr(`${p}/32`)!.bytes;
      const n = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
      expect(set.hasV4(n), p).toBe(inside(b));
    }
    const probes6 = ['fcff:ffff::', 'fd00::', 'fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'fe00::', '2001:db8::1', '2001:db8:0:ffff::',
      '2001:db8:1::', '::', '::1', '::2'];
    for (const p of probes6) {
      const b = parseCidr(`${p}/128`)!.bytes;
      expect(set.hasV6(b, 0), p).toBe(inside(b));
    }
  });
});

describe('a full routing table (issue 9 item 2)', () => {
  const N = 150_000;
  const file = join(dir, 'table.pcap');
  const msgs: number[][] = [];
  for (let k = 0; k < N; k += 1000) msgs.push(update(Array.from({ length: Math.min(1000, N - k) }, (_, i) => k + i)));
  msgs.push(updateV6([1, 2, 3]));
  // A packet inside the 149,999th announced /24, one inside an announced IPv6 /48, one outside everything.
  const inside4 = `${net24(N - 1).join('.')}.77`;
  writeFileSync(file, bgpCapture(msgs, [
    tcp4(inside4, '172.20.0.1', 33000, 443, 1, 0, TCP.SYN),
    eth({ type: ETHERTYPE_IPV6 }, ipv6({ src: '2a00:0:2::9', dst: '2001:db8:ffff::1', nextHeader: 6 }, tcp({ src: 33001, dst: 443, flags: TCP.SYN }))),
    tcp4('172.21.0.1', '172.20.0.1', 33002, 443, 1, 0, TCP.SYN),
  ]));

  it('settles routed against every announced prefix and lists only the first 1000', async () => {
    const doc = await analyze(file, { workers: 1, quiet: true });
    const bgp = doc.bgp as { summary: { announcedPrefixes: number; routes: number; routesNotListed: number } };
    expect(bgp.summary.announcedPrefixes).toBe(N + 3);
    expect(bgp.summary.routes).toBe(N + 3);
    expect(bgp.summary.routesNotListed).toBe(N + 3 - MAX_LISTED_ROUTES);
    const flows = doc.topFlows.map((f) => [f.orig.ip, f.class]);
    expect(flows).toContainEqual([inside4, 'routed']);
    expect(flows).toContainEqual(['2a00:0:2::9', 'routed']);
    expect(flows).toContainEqual(['172.21.0.1', 'underlay']);
    const fromBgp = doc.podCidrs.filter((c) => c.source === 'bgp');
    expect(fromBgp.length).toBe(1000);
    expect(fromBgp[0].cidr).toBe('11.0.0.0/24');
    expect(doc.podCidrsNotListed).toBe(N + 3 - 1000);
  }, 60_000);
});

describe('routes: compact table, capped lists (issue 9 item 9)', () => {
  const N = MAX_LISTED_ROUTES + 2000;
  const file = join(dir, 'routes.pcap');
  // Announced in descending order, so listing in prefix order is the table's doing.
  const ks = Array.from({ length: N }, (_, i) => N - 1 - i);
  const msgs: number[][] = [];
  for (let i = 0; i < N; i += 500) msgs.push(update(ks.slice(i, i + 500)));
  msgs.push(update([], [5]));
  writeFileSync(file, bgpCapture(msgs));

  it('lists the first 10000 routes by prefix and counts the rest; --all-routes lists all', async () => {
    const { code, out } = await captureOut(() => bgpCommand.run([file, '--json', '--quiet']));
    expect(code).toBe(0);
    const doc = JSON.parse(out);
    expect(doc.summary).toMatchObject({
      routes: N, routesNotListed: N - MAX_LISTED_ROUTES, announcedPrefixes: N - 1,
      announcedPrefixesNotListed: N - 1 - MAX_LISTED_ROUTES, routesAnnounced: N, routesWithdrawn: 1,
    });
    expect(doc.routes.length).toBe(MAX_LISTED_ROUTES);
    expect(doc.routes.map((r: { prefix: string }) => r.prefix)).toEqual(Array.from({ length: MAX_LISTED_ROUTES }, (_, k) => net24Text(k)));
    expect(doc.routes[5]).toMatchObject({ prefix: net24Text(5), status: 'withdrawn', announcements: 1, withdrawals: 1, from: A, to: B, nextHop: A });
    expect(doc.routes[6]).toMatchObject({ prefix: net24Text(6), status: 'announced', announcements: 1, withdrawals: 0, withdrawnTs: null, nextHop: A });
    expect(doc.announcedPrefixes.length).toBe(MAX_LISTED_ROUTES);
    expect(doc.announcedPrefixes).not.toContain(net24Text(5));

    const all = JSON.parse((await captureOut(() => bgpCommand.run([file, '--json', '--quiet', '--all-routes']))).out);
    expect(all.routes.length).toBe(N);
    expect(all.summary.routesNotListed).toBe(0);
    expect(all.routes[N - 1].prefix).toBe(net24Text(N - 1));
    expect(all.announcedPrefixes.length).toBe(N - 1);
  }, 60_000);
});

describe('a SYN flood to port 179 (issue 9 item 3)', () => {
  it('lists at most MAX_LISTED_ENDED_CONNECTIONS connection records and counts the rest exactly', async () => {
    const file = join(dir, 'syns.pcap');
    const pkts: Uint8Array[] = [];
    // 200 clients x 60 source ports: 12,000 connections, all ended at the end of the capture.
    for (let port = 0; port < 60; port++) {
      for (let c = 0; c < 200; c++) pkts.push(tcp4(`10.9.${c >> 8}.${c & 255}`, '192.168.0.1', 20000 + port, 179, port * 1000 + c, 0, TCP.SYN));
    }
    writeFileSync(file, records(pkts));
    const { code, out } = await captureOut(() => bgpCommand.run([file, '--json', '--quiet']));
    expect(code).toBe(0);
    const doc = JSON.parse(out);
    expect(doc.summary.connections).toBe(12_000);
    expect(doc.sessions.length).toBe(200);
    const listed = doc.sessions.reduce((n: number, s: { connections: unknown[] }) => n + s.connections.length, 0);
    expect(listed).toBe(MAX_LISTED_ENDED_CONNECTIONS);
    expect(doc.summary.connectionsNotListed).toBe(12_000 - MAX_LISTED_ENDED_CONNECTIONS);
    const notListed = doc.sessions.reduce((n: number, s: { connectionsNotListed: number }) => n + s.connectionsNotListed, 0);
    expect(notListed).toBe(12_000 - MAX_LISTED_ENDED_CONNECTIONS);
    // The oldest ones went: every session keeps its last connections (source ports 20010..20059).
    for (const s of doc.sessions) expect(s.connections[0].client).toMatch(/:200[1-5]\d$/);
  }, 60_000);
});

describe('out-of-order buffering (issue 9 item 8)', () => {
  it('all reassembly buffers together stay within one byte budget', () => {
    const budget = 50_000;
    const tracker = new BgpTracker({ reassemblyBudgetBytes: budget });
    const decoder = new PacketDecoder({});
    const rec = new CaptureRecord();
    let frame = 0;
    const feed = (pkt: Uint8Array) => {
      rec.frame = ++frame; rec.tsSec = 1_700_000_000; rec.tsNsec = frame;
      const st = decoder.decode(pkt, 0, pkt.length, pkt.length, 1);
      tracker.onPacket(rec, st);
    };
    const payload = new Array(10).fill(0xff);
    // 100 connections, each 50 ten-byte segments past a one-byte hole: 100 x 50 x (10 + overhead) wanted.
    for (let c = 0; c < 100; c++) {
      const src = `10.8.0.${c}`;
      feed(tcp4(src, '192.168.0.1', 40000, 179, 1000, 0, TCP.SYN));
      for (let s = 0; s < 50; s++) feed(tcp4(src, '192.168.0.1', 40000, 179, 1002 + 10 * s, 0, TCP.PSH, payload));
    }
    const b = tracker.reassemblyBudget;
    expect(b.limit).toBe(budget);
    expect(b.highWater).toBeLessThanOrEqual(budget);
    expect(b.highWater).toBeGreaterThan(budget - (10 + HELD_OVERHEAD));
    expect(b.refused).toBeGreaterThan(0);
    tracker.finish();
    expect(b.used).toBe(0);
    expect(new BgpTracker().reassemblyBudget.limit).toBe(MAX_OOO_TOTAL_BYTES);
  });
});
