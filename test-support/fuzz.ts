// A mutation fuzzer for the decoder and the capture readers.
//
//   npm run build && npm run fuzz -- [--iterations N] [--seed S] [--seconds T] [--reader-iterations N]
//                                    [--replay FILE] [--no-watchdog]
//
// Packets: the records of the captures in fixtures/ (and the shared corpus when present; built-in
// seeds otherwise) are mutated (bit flips, bytes set to 0x00/0xff/random, truncation, junk
// appended, splices of two packets, bytes inserted or deleted, and above all length, offset and
// type fields of the layers the seed decodes to: IPv4 IHL/total length/fragment/protocol, IPv6
// payload length/next header/extension lengths, UDP length and ports, TCP data offset, GRE flags,
// Geneve option lengths, VXLAN flags, EtherTypes, ...) and every mutant is decoded with every
// supported link type (and a random one). A sample also goes through packetObject + JSON.stringify,
// twice, with different junk around the record: if the JSON differs, a dissector read outside the
// record's bytes. Layer invariants (offsets inside the record) are checked on every decode.
//
// Readers: small capture files (pcap in all variants, pcapng with several sections, interfaces and
// block types, sometimes gzipped) have their header bytes, record and block lengths and random
// bytes corrupted, and are read from an in-memory stream in random slices: only CaptureError may
// escape, and every read must finish.
//
// A crash prints the error and the mutant in hex and saves it to test-output/fuzz-crashes/ as
// JSON; `--replay FILE` decodes a saved mutant again. A watchdog thread kills the run and saves the
// mutant if one decode does not return within 10 s.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import { PacketDecoder } from '../dissectors/decoder.js';
import { packetObject, summaryLine } from '../dissectors/dissect.js';
import { MAX_LAYERS, Proto, TrafficClass, type PacketState } from '../dissectors/packet.js';
import { forEachRecord } from '../src/reader/capture.js';
import { CaptureError, CaptureRecord } from '../src/reader/record.js';
import {
  ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_QINQ, ETHERTYPE_TEB, ETHERTYPE_VLAN, TCP, arpPacket, be32, concat, eth,
  filler, geneve, gre, hex, icmp, icmpFragNeeded, icmpv6, ipv4, ipv6, ipv6Ext, ipv6Frag, ipv6Routing, le32, sll2Header, sllHeader,
  tcp, udp, vlanTag, vxlan, vxlanGpe, wgData, wgInitiation, fromHex,
} from './bytes.js';
import { PcapngWriter, writePcap } from './capture.js';
import { randomSlices, rng, streamOf } from './streams.js';
import { CORPUS_DIR } from './shared.js';

/** Every link type the decoder supports, plus two it does not. */
export const LINKTYPES = [1, 0, 108, 101, 12, 14, 113, 276, 228, 229];
const MAX_PACKET = 65535 + 4096;
const PAD = 64;

export interface Seed {
  bytes: Uint8Array;
  linktype: number;
  /** Layers the unmutated seed decodes to: kind and offset relative to the packet start. */
  kinds: Uint8Array;
  offs: Int32Array;
  hlens: Int32Array;
}

export interface Finding {
  kind: 'crash' | 'oob-read' | 'invariant' | 'slow' | 'reader-crash' | 'reader-hang';
  message: string;
  hex: string;
  linktype: number;
  wireLen: number;
  file?: string;
}

export interface FuzzOptions {
  iterations?: number;
  seed?: number;
  seconds?: number;
  readerIterations?: number;
  /** Decode + JSON twice (oob check) every N mutants. */
  sampleEvery?: number;
  /** Load seeds from fixtures/ and the shared corpus (default true). */
  useFiles?: boolean;
  corpusDir?: string;
  crashDir?: string | null;
  /** A mutant slower than this (ms) is reported. */
  slowMs?: number;
  log?: (s: string) => void;
  watchdogSeconds?: number;
}

export interface FuzzReport {
  seed: number;
  seeds: number;
  seedSources: string[];
  mutants: number;
  decodes: number;
  samples: number;
  seconds: number;
  rate: number;
  heapStartMB: number;
  heapMaxMB: number;
  heapEndMB: number;
  slowestMs: number;
  readerFiles: number;
  readerRecords: number;
  readerCaptureErrors: number;
  readerWarnings: number;
  readerSeconds: number;
  findings: Finding[];
  /** Findings by kind, counting repeats that were not stored. */
  counts: Record<string, number>;
}

// ---------------------------------------------------------------------------------------------
// Seeds

export function packageRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  for (let k = 0; k < 6; k++) {
    if (existsSync(join(d, 'package.json'))) return d;
    d = dirname(d);
  }
  return process.cwd();
}

const inner4 = ipv4({ protocol: 6, src: '10.244.1.2', dst: '10.244.2.3', df: true },
  tcp({ src: 33000, dst: 80, seq: 1, flags: TCP.SYN, options: [2, 4, 5, 180, 1, 1, 4, 2, 1, 3, 3, 7] }));
const innerEth = eth({ type: ETHERTYPE_IPV4 }, inner4);
const outer4 = (protocol: number, p: Uint8Array) => eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol, src: '192.0.2.1', dst: '192.0.2.2' }, p));

/** Hand-built packets covering every dissector, used when no capture files are around. */
export function builtinSeeds(): { bytes: Uint8Array; linktype: number }[] {
  const v6 = (nh: number, p: Uint8Array) => eth({ type: ETHERTYPE_IPV6 }, ipv6({ nextHeader: nh }, p));
  const list: [Uint8Array, number][] = [
    [outer4(17, udp({ src: 51000, dst: 4789 }, vxlan({ vni: 42 }, innerEth))), 1],
    [outer4(17, udp({ src: 51000, dst: 8472 }, vxlan({ flags: 0x88, flags2: 0x48, policy: 0x1234, vni: 1 }, eth({ type: ETHERTYPE_VLAN }, vlanTag({ vid: 5, type: ETHERTYPE_IPV4 }, inner4))))), 1],
    [outer4(17, udp({ src: 51000, dst: 4790 }, vxlanGpe(0x0c, 1, 9, inner4))), 1],
    [outer4(17, udp({ src: 40000, dst: 6081 }, geneve({ protocol: ETHERTYPE_TEB, vni: 7, critical: true, options: [{ cls: 0x0102, type: 0x80, data: filler(4) }, { cls: 3, type: 1, data: [] }] }, innerEth))), 1],
    [outer4(17, udp({ src: 40000, dst: 6081 }, geneve({ protocol: ETHERTYPE_IPV4, vni: 8 }, inner4))), 1],
    [outer4(47, gre({ c: true, k: true, s: true, checksum: 1, key: 2, seq: 3, protocol: ETHERTYPE_IPV4 }, inner4)), 1],
    [outer4(47, gre({ k: true, key: 0xabcd01, protocol: ETHERTYPE_TEB }, innerEth)), 1],
    [outer4(47, gre({ r: true, protocol: ETHERTYPE_IPV4, routing: [8, 0, 0, 4, 10, 0, 0, 1, 0, 0, 0, 0] }, inner4)), 1],
    [outer4(47, gre({ k: true, s: true, a: true, version: 1, protocol: 0x880b, key: 0x00041234, seq: 5, ack: 4 }, filler(4))), 1],
    [outer4(4, inner4), 1],
    [outer4(41, ipv6({ nextHeader: 6 }, tcp({ src: 1, dst: 2, flags: TCP.ACK }))), 1],
    [v6(4, inner4), 1],
    [v6(0, ipv6Ext(60, 0, ipv6Ext(43, 0, ipv6Routing(44, 4, 0, ['2001:db8::9'], ipv6Frag(17, 0, true, 7, udp({ src: 1, dst: 6081 }, geneve({ protocol: ETHERTYPE_TEB, vni: 1 }, innerEth))))))), 1],
    [v6(44, ipv6Frag(17, 100, false, 9, filler(32))), 1],
    [outer4(1, icmpFragNeeded(1450, ipv4({ protocol: 17, totalLength: 1500 }, udp({ src: 1, dst: 4789, length: 1480 }, vxlan({ vni: 1 }, innerEth))))), 1],
    [outer4(1, icmp(8, 0, [0, 1, 0, 1], filler(32))), 1],
    [v6(58, icmpv6(2, 0, be32(1280), ipv6({ nextHeader: 17, payloadLength: 1300 }, udp({ src: 1, dst: 2, length: 1300 })))), 1],
    [v6(58, icmpv6(135, 0, [0, 0, 0, 0], ipv6({ nextHeader: 59 }).subarray(8, 24))), 1],
    [outer4(17, udp({ src: 51820, dst: 51820 }, wgData(1, 2, 64))), 1],
    [outer4(17, udp({ src: 51871, dst: 51871 }, wgInitiation(3))), 1],
    [outer4(6, tcp({ src: 40000, dst: 179, flags: TCP.PSH | TCP.ACK }, [...new Array(16).fill(0xff), 0, 19, 4])), 1],
    [eth({ type: ETHERTYPE_ARP }, arpPacket({ op: 1, sha: '02:00:00:00:00:01', spa: '10.0.0.1', tha: '00:00:00:00:00:00', tpa: '10.0.0.2' })), 1],
    [eth({ type: ETHERTYPE_QINQ }, vlanTag({ vid: 100, type: ETHERTYPE_VLAN }, vlanTag({ vid: 200, type: ETHERTYPE_IPV4 }, ipv4({ protocol: 17, options: [0x94, 4, 0, 0, 1, 7, 7, 4, 0, 0, 0, 0] }, udp({ src: 1, dst: 2 }))))), 1],
    [concat(sllHeader({ pktType: 4, protocol: ETHERTYPE_IPV4 }), ipv4({ protocol: 17 }, udp({ src: 1, dst: 4789 }, vxlan({ vni: 3 }, innerEth)))), 113],
    [concat(sll2Header({ protocol: ETHERTYPE_IPV4, ifIndex: 3, pktType: 0 }), inner4), 276],
    [concat(le32(2), inner4), 0],
    [concat(be32(30), ipv6({ nextHeader: 59 })), 108],
    [inner4, 101],
    [ipv6({ nextHeader: 17 }, udp({ src: 1, dst: 4789 }, vxlan({ vni: 1 }, innerEth))), 229],
  ];
  return list.map(([bytes, linktype]) => ({ bytes, linktype }));
}

function captureFiles(dir: string, depth = 2): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    let s;
    try { s = statSync(p); } catch { continue; }
    if (s.isDirectory() && depth > 0) out.push(...captureFiles(p, depth - 1));
    else if (s.isFile() && /\.(pcap|pcapng|cap|gz|bin)$/.test(name) && s.size < 20 << 20) out.push(p);
  }
  return out;
}

/** Loads the packets of capture files as seeds (at most `perFile` from each file). */
export async function fileSeeds(files: string[], perFile = 200, total = 20000): Promise<{ bytes: Uint8Array; linktype: number }[]> {
  const out: { bytes: Uint8Array; linktype: number }[] = [];
  for (const f of files) {
    let n = 0;
    try {
      await forEachRecord(f, (r) => {
        if (n >= perFile || out.length >= total || r.caplen === 0 || r.caplen > MAX_PACKET - PAD * 2) return;
        n++;
        out.push({ bytes: new Uint8Array(r.data), linktype: r.linktype }); // a copy, not a view into the chunk
      });
    } catch (e) {
      if (!(e instanceof CaptureError)) throw e;
    }
    if (out.length >= total) break;
  }
  return out;
}

export function prepare(dec: PacketDecoder, s: { bytes: Uint8Array; linktype: number }): Seed {
  const st = dec.decode(s.bytes, 0, s.bytes.length, s.bytes.length, s.linktype);
  return {
    bytes: s.bytes, linktype: s.linktype,
    kinds: st.kind.slice(0, st.count), offs: st.off.slice(0, st.count), hlens: st.hlen.slice(0, st.count),
  };
}

// ---------------------------------------------------------------------------------------------
// Mutation

const ETHERTYPES = [0x0800, 0x86dd, 0x8100, 0x88a8, 0x9100, 0x0806, 0x6558, 0x0000, 0x05ff, 0x0600, 0xffff, 0x880b, 0x88be];
const IP_PROTOS = [0, 1, 4, 6, 17, 41, 43, 44, 47, 50, 51, 58, 59, 60, 135, 139, 140, 255];
const PORTS = [4789, 8472, 6784, 6081, 4790, 51820, 51871, 179, 0, 53, 65535];
const U16S = [0, 1, 2, 3, 4, 7, 8, 9, 19, 20, 21, 39, 40, 41, 0x7fff, 0x8000, 0xfffe, 0xffff];

export class Mutator {
  constructor(readonly rand: () => number) {}
  int(n: number): number { return Math.floor(this.rand() * n); }
  pick<T>(a: readonly T[]): T { return a[this.int(a.length)]; }
  chance(p: number): boolean { return this.rand() < p; }
}

/**
 * Writes a mutant of `seed` into `buf` at `start` and returns its length. `other` is a second seed
 * for splicing.
 */
function mutate(m: Mutator, seed: Seed, other: Seed, buf: Uint8Array, start: number): number {
  let len = seed.bytes.length;
  buf.set(seed.bytes, start);
  const limit = buf.length - start - PAD;
  const rounds = 1 + m.int(m.chance(0.2) ? 8 : 3);
  for (let r = 0; r < rounds; r++) {
    const op = m.rand();
    if (op < 0.45 && seed.kinds.length > 0) {
      // Corrupt a field of one of the seed's layers.
      const li = m.int(seed.kinds.length);
      len = corruptField(m, seed.kinds[li], start + seed.offs[li], seed.hlens[li], buf, start, len);
    } else if (op < 0.57) {
      // Flip 1-4 bits.
      for (let k = 1 + m.int(4); k > 0 && len > 0; k--) buf[start + m.int(len)] ^= 1 << m.int(8);
    } else if (op < 0.67) {
      if (len > 0) buf[start + m.int(len)] = m.pick([0x00, 0xff, m.int(256), 0x7f, 0x80]);
    } else if (op < 0.75) {
      len = m.int(len + 1);
    } else if (op < 0.81) {
      // Extend with junk.
      const add = Math.min(limit - len, 1 + m.int(m.chance(0.1) ? 2000 : 64));
      const fill = m.pick([-1, 0, 0xff]);
      for (let k = 0; k < add; k++) buf[start + len + k] = fill < 0 ? m.int(256) : fill;
      len += add;
    } else if (op < 0.89) {
      // Splice: our prefix, the other's suffix.
      const cut = m.int(len + 1);
      const from = m.int(other.bytes.length + 1);
      const take = Math.min(other.bytes.length - from, limit - cut);
      buf.set(other.bytes.subarray(from, from + take), start + cut);
      len = cut + take;
    } else if (op < 0.95) {
      // Insert or delete a few bytes somewhere (shifts every later offset).
      const at = m.int(len + 1);
      const n = 1 + m.int(8);
      if (m.chance(0.5)) {
        if (len + n <= limit) {
          buf.copyWithin(start + at + n, start + at, start + len);
          for (let k = 0; k < n; k++) buf[start + at + k] = m.int(256);
          len += n;
        }
      } else if (at + n <= len) {
        buf.copyWithin(start + at, start + at + n, start + len);
        len -= n;
      }
    } else if (op < 0.965 && seed.kinds.length > 0) {
      len = nest(m, seed, buf, start, len, limit);
    } else {
      // Repeat a slice (a header stacked twice, e.g. VLAN tags or IP-in-IP).
      const a = m.int(len + 1), b = Math.min(len, a + 4 + m.int(40));
      const n = b - a;
      if (n > 0 && len + n <= limit) {
        buf.copyWithin(start + b + n, start + b, start + len);
        buf.copyWithin(start + b, start + a, start + b);
        len += n;
      }
    }
  }
  return len;
}

/**
 * Deep nesting: a header of the seed made to name itself as the next protocol (VLAN in VLAN,
 * Ethernet in Ethernet through 0x6558, IPv4 in IPv4, IPv6 in IPv6) and repeated up to 60 times in
 * front of itself, to reach the layer limit.
 */
function nest(m: Mutator, seed: Seed, buf: Uint8Array, start: number, len: number, limit: number): number {
  const li = m.int(seed.kinds.length);
  const kind = seed.kinds[li], off = seed.offs[li], h = seed.hlens[li];
  if (h <= 0 || off + h > len) return len;
  const hdr = buf.slice(start + off, start + off + h);
  if (kind === Proto.VLAN) { hdr[2] = 0x81; hdr[3] = 0x00; }
  else if (kind === Proto.ETH) { hdr[12] = 0x65; hdr[13] = 0x58; }
  else if (kind === Proto.IPV4) { hdr[9] = m.chance(0.8) ? 4 : 41; hdr[2] = 0; hdr[3] = 0; hdr[6] &= 0xe0; hdr[7] = 0; }
  else if (kind === Proto.IPV6) { hdr[6] = m.chance(0.8) ? 41 : 4; hdr[4] = 0; hdr[5] = 0; }
  else if (m.chance(0.7)) return len;
  const n = Math.min(1 + m.int(60), Math.floor((limit - len) / h));
  if (n <= 0) return len;
  buf.copyWithin(start + off + n * h, start + off, start + len);
  for (let k = 0; k < n; k++) buf.set(hdr, start + off + k * h);
  return len + n * h;
}

function put16(buf: Uint8Array, o: number, v: number, end: number): void {
  if (o + 1 < end) { buf[o] = (v >> 8) & 255; buf[o + 1] = v & 255; }
}

/** Corrupts one length/offset/type field of the layer of `kind` at `o`. Returns the (new) length. */
function corruptField(m: Mutator, kind: number, o: number, hlen: number, buf: Uint8Array, start: number, len: number): number {
  const end = start + len;
  if (o >= end) return len;
  const u16v = () => m.chance(0.6) ? m.pick(U16S) : m.chance(0.5) ? m.int(65536) : Math.max(0, hlen + m.int(64) - 32);
  switch (kind) {
    case Proto.ETH: put16(buf, o + 12, m.pick(ETHERTYPES), end); break;
    case Proto.VLAN: if (m.chance(0.7)) put16(buf, o + 2, m.pick(ETHERTYPES), end); else put16(buf, o, m.int(65536), end); break;
    case Proto.SLL: put16(buf, o + m.pick([0, 2, 4, 14]), m.chance(0.5) ? m.pick(ETHERTYPES) : m.pick([778, 824, 1, 4, 0xffff, 9]), end); break;
    case Proto.SLL2:
      if (m.chance(0.5)) put16(buf, o, m.pick(ETHERTYPES), end);
      else if (o + 11 < end) buf[o + m.pick([8, 9, 10, 11])] = m.pick([0, 4, 8, 255, m.int(256)]);
      break;
    case Proto.NULL: case Proto.LOOP: {
      const af = m.pick([2, 24, 28, 30, 0, 0x02000000, 0x1e000000, 0xffffffff]);
      if (o + 3 < end) { buf[o] = af >>> 24; buf[o + 1] = (af >>> 16) & 255; buf[o + 2] = (af >>> 8) & 255; buf[o + 3] = af & 255; }
      if (m.chance(0.5) && o + 3 < end) buf.subarray(o, o + 4).reverse();
      break;
    }
    case Proto.ARP: if (o + 5 < end) buf[o + 4 + m.int(2)] = m.pick([0, 1, 6, 4, 16, 255, m.int(256)]); break;
    case Proto.IPV4: {
      const f = m.int(6);
      if (f === 0) buf[o] = (m.chance(0.8) ? 0x40 : m.int(16) << 4) | m.int(16); // version / IHL
      else if (f === 1) put16(buf, o + 2, u16v(), end); // total length
      else if (f === 2) put16(buf, o + 6, m.pick([0x2000, 0x4000, 0x0001, 0x1fff, 0x3fff, 0x8000, m.int(65536)]), end); // flags/frag
      else if (f === 3 && o + 9 < end) buf[o + 9] = m.pick(IP_PROTOS);
      else if (f === 4 && o + 20 < end) { // options: a bogus option length
        buf[o] = 0x40 | (6 + m.int(10));
        buf[o + 20] = m.pick([0, 1, 7, 0x44, 0x94, m.int(256)]);
        if (o + 21 < end) buf[o + 21] = m.pick([0, 1, 2, 3, 40, 255]);
      } else put16(buf, o + 2, 0, end); // TSO
      break;
    }
    case Proto.IPV6: {
      const f = m.int(4);
      if (f === 0) put16(buf, o + 4, u16v(), end);
      else if (f === 1 && o + 6 < end) buf[o + 6] = m.pick(IP_PROTOS);
      else if (f === 2 && o + 41 < end) { // an extension header's own length or next header
        const p = o + 40 + 8 * m.int(Math.max(1, (hlen - 40) / 8 + 1));
        if (p + 1 < end) buf[p + m.int(2)] = m.chance(0.5) ? m.pick(IP_PROTOS) : m.pick([0, 1, 2, 255, m.int(256)]);
      } else if (o < end) buf[o] = (m.chance(0.8) ? 0x60 : m.int(16) << 4) | (buf[o] & 15);
      break;
    }
    case Proto.UDP:
      if (m.chance(0.5)) put16(buf, o + 4, u16v(), end);
      else put16(buf, o + m.pick([0, 2]), m.pick(PORTS), end);
      break;
    case Proto.TCP:
      if (o + 12 < end) buf[o + 12] = (m.int(16) << 4) | (buf[o + 12] & 15);
      if (m.chance(0.3)) put16(buf, o + m.pick([0, 2]), m.pick([179, 0, 65535]), end);
      break;
    case Proto.ICMP: case Proto.ICMPV6:
      if (o + 1 < end) { buf[o] = m.pick([0, 1, 2, 3, 4, 5, 8, 11, 12, 128, 135, 136, 255]); buf[o + 1] = m.pick([0, 4, m.int(256)]); }
      break;
    case Proto.VXLAN: case Proto.VXLAN_GPE:
      if (o + 3 < end) buf[o + m.pick([0, 1, 3])] = m.pick([0x08, 0x88, 0x0c, 0x00, 0xff, 1, 2, 3, 4, 5, m.int(256)]);
      break;
    case Proto.GRE:
      if (m.chance(0.6) && o + 1 < end) { buf[o] = m.pick([0x80, 0x40, 0x20, 0x10, 0xf0, 0xb0, 0x30, m.int(256)]); buf[o + 1] = m.pick([0, 1, 0x81, 2, 7, m.int(256)]); }
      else if (m.chance(0.5)) put16(buf, o + 2, m.pick(ETHERTYPES), end);
      else if (o + hlen - 1 < end && hlen > 4) buf[o + hlen - 1] = m.int(256); // an SRE length / key byte
      break;
    case Proto.GENEVE:
      if (m.chance(0.5) && o < end) buf[o] = (m.chance(0.8) ? 0 : m.int(4) << 6) | m.int(64);
      else if (m.chance(0.5)) put16(buf, o + 2, m.pick(ETHERTYPES), end);
      else if (o + 11 < end) buf[o + 8 + 3 + 4 * m.int(Math.max(1, (hlen - 8) / 4))] = m.int(256); // an option's length
      break;
    case Proto.WIREGUARD:
      if (o < end) buf[o + m.int(4)] = m.pick([0, 1, 2, 3, 4, 5]);
      break;
    default:
      if (o < end) buf[o + m.int(Math.min(hlen || 1, end - o))] = m.int(256);
  }
  return len;
}

// ---------------------------------------------------------------------------------------------
// Oracles

/** Layer offsets inside the record, indexes inside the stack: a decode that breaks them is a bug. */
export function checkInvariants(st: PacketState): string | null {
  const n = st.count;
  if (n < 0 || n > MAX_LAYERS) return `layer count ${n}`;
  for (let i = 0; i < n; i++) {
    const o = st.off[i], h = st.hlen[i], e = st.end[i];
    if (!(o >= st.start && h >= 0 && o + h <= e && e <= st.capEnd)) {
      return `layer ${i} (kind ${st.kind[i]}): off ${o - st.start} hlen ${h} end ${e - st.start} outside the record (caplen ${st.capEnd - st.start})`;
    }
    if (st.kind[i] === 0 || st.kind[i] >= Proto.COUNT) return `layer ${i} has kind ${st.kind[i]}`;
  }
  if (st.cls < TrafficClass.OTHER || st.cls > TrafficClass.WIREGUARD) return `class ${st.cls}`;
  for (const [name, v] of [['tunnel', st.tunnel], ['outerIp', st.outerIp], ['innerIp', st.innerIp], ['l4', st.l4]] as const) {
    if (v < -1 || v >= n) return `${name} ${v} with ${n} layers`;
  }
  return null;
}

/** Finds NaN, Infinity and "undefined"/"NaN" text in a layer object (reads past the buffer end). */
function badValue(v: unknown, path = ''): string | null {
  if (typeof v === 'number') return Number.isFinite(v) ? null : `${path} = ${v}`;
  if (typeof v === 'string') return /undefined|NaN/.test(v) ? `${path} = "${v}"` : null;
  if (v === undefined) return `${path} is undefined`;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) { const b = badValue(v[i], `${path}[${i}]`); if (b) return b; }
  } else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) { const b = badValue(x, `${path}.${k}`); if (b) return b; }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// The packet fuzzer

/** A handle on V8's garbage collector, so heap figures are live data rather than garbage. */
function collector(): (() => void) | undefined {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

interface Shared {
  /** [iteration counter, phase (1 packets, 2 readers), start, length, linktype, wireLen] */
  ctl: Int32Array;
  bytes: Uint8Array;
}

function startWatchdog(shared: Shared, seconds: number, crashDir: string | null): Worker {
  const code = `
    const { workerData } = require('node:worker_threads');
    const fs = require('node:fs');
    const ctl = new Int32Array(workerData.ctl), bytes = new Uint8Array(workerData.bytes);
    let last = -1, since = Date.now();
    // fs.writeSync(2): the worker's process.stderr goes through the main thread, which is stuck.
    setInterval(() => {
      const c = Atomics.load(ctl, 0);
      if (c !== last) { last = c; since = Date.now(); return; }
      if (Date.now() - since < ${seconds * 1000}) return;
      const start = ctl[2], len = ctl[3];
      const hex = Buffer.from(bytes.subarray(start, start + len)).toString('hex');
      const what = ctl[1] === 2 ? 'reader (capture file bytes)' : 'decoder (packet bytes, linktype ' + ctl[4] + ')';
      fs.writeSync(2, 'fuzz: HANG: no progress for ${seconds} s in the ' + what + ':\\n' + hex + '\\n');
      if (${JSON.stringify(crashDir)}) {
        fs.mkdirSync(${JSON.stringify(crashDir)}, { recursive: true });
        const f = ${JSON.stringify(crashDir)} + '/hang-' + Date.now() + '.json';
        fs.writeFileSync(f, JSON.stringify({ kind: ctl[1] === 2 ? 'reader-hang' : 'hang', hex, linktype: ctl[4], wireLen: ctl[5] }) + '\\n');
        fs.writeSync(2, 'fuzz: saved ' + f + '\\n');
      }
      process.kill(process.pid, 'SIGKILL');
    }, 250); // ref'd: it keeps the worker alive; the Worker itself is unref'd below
  `;
  const w = new Worker(code, { eval: true, workerData: { ctl: shared.ctl.buffer, bytes: shared.bytes.buffer } });
  w.unref();
  return w;
}

export async function runFuzz(opts: FuzzOptions = {}): Promise<FuzzReport> {
  const log = opts.log ?? ((s: string) => process.stdout.write(s + '\n'));
  const seed = (opts.seed ?? Date.now()) >>> 0;
  const iterations = opts.iterations ?? 1_000_000;
  const sampleEvery = opts.sampleEvery ?? 16;
  // Well above GC pauses and a busy shared machine; a real hang is the watchdog's business.
  const slowMs = opts.slowMs ?? 1000;
  const root = packageRoot();
  const crashDir = opts.crashDir === undefined ? join(root, 'test-output', 'fuzz-crashes') : opts.crashDir;
  const findings: Finding[] = [];
  const counts: Record<string, number> = {};
  const seen = new Set<string>();
  const report = (f: Finding) => {
    counts[f.kind] = (counts[f.kind] ?? 0) + 1;
    const key = `${f.kind}:${f.message.split('\n')[0]}`;
    if (seen.has(key) || findings.length >= 200) return;
    seen.add(key);
    findings.push(f);
    log(`fuzz: ${f.kind.toUpperCase()}: ${f.message}\n  linktype ${f.linktype} wireLen ${f.wireLen} bytes ${f.hex}`);
    if (crashDir) {
      mkdirSync(crashDir, { recursive: true });
      const file = join(crashDir, `${f.kind}-${seed}-${findings.length}.json`);
      writeFileSync(file, JSON.stringify({ ...f, seed }) + '\n');
      f.file = file;
    }
  };

  // Seeds.
  const sources: string[] = [];
  let raw: { bytes: Uint8Array; linktype: number }[] = [];
  if (opts.useFiles !== false) {
    const fx = captureFiles(join(root, 'fixtures'));
    const fxSeeds = await fileSeeds(fx, 300, 20000);
    if (fxSeeds.length) sources.push(`fixtures (${fx.length} files, ${fxSeeds.length} packets)`);
    raw = raw.concat(fxSeeds);
    const corpus = opts.corpusDir ?? CORPUS_DIR;
    const cf = captureFiles(corpus);
    const cSeeds = await fileSeeds(cf, 100, 20000);
    if (cSeeds.length) sources.push(`corpus (${cf.length} files, ${cSeeds.length} packets)`);
    raw = raw.concat(cSeeds);
  }
  const builtin = builtinSeeds();
  sources.push(`built-in (${builtin.length} packets)`);
  raw = raw.concat(builtin);
  const prepDec = new PacketDecoder();
  const seeds = raw.map((s) => prepare(prepDec, s));

  const shared: Shared = {
    ctl: new Int32Array(new SharedArrayBuffer(6 * 4)),
    bytes: new Uint8Array(new SharedArrayBuffer(MAX_PACKET + 4 * PAD)),
  };
  const watchdog = opts.watchdogSeconds ? startWatchdog(shared, opts.watchdogSeconds, crashDir) : null;
  const buf = shared.bytes;
  const ctl = shared.ctl;
  ctl[1] = 1;

  const m = new Mutator(rng(seed));
  const dec = new PacketDecoder({ vxlanPorts: [9999], genevePorts: [7777] });
  const rec = new CaptureRecord();
  const padA = new Uint8Array(MAX_PACKET + 4 * PAD);
  const padB = new Uint8Array(MAX_PACKET + 4 * PAD);
  const gc = collector();
  gc?.();
  const heapStart = process.memoryUsage().heapUsed;
  let heapMax = heapStart;
  let decodes = 0, samples = 0, slowest = 0;
  const t0 = performance.now();
  const deadline = opts.seconds ? t0 + opts.seconds * 1000 : Infinity;
  let done = 0;
  let lastLog = t0;

  for (let it = 0; it < iterations; it++) {
    if ((it & 1023) === 0) {
      const now = performance.now();
      if (now > deadline) break;
      if ((it & 65535) === 0) {
        if ((it & 262143) === 0 && it > 0) gc?.();
        const h = process.memoryUsage().heapUsed;
        if (h > heapMax) heapMax = h;
        if (now - lastLog > 10_000) {
          lastLog = now;
          log(`fuzz: ${it} mutants, ${(it / ((now - t0) / 1000)).toFixed(0)}/s, heap ${(h / 1048576).toFixed(1)} MB`);
        }
      }
    }
    const s = seeds[m.int(seeds.length)];
    const other = seeds[m.int(seeds.length)];
    const start = m.chance(0.25) ? m.int(PAD) : 0;
    const len = mutate(m, s, other, buf, start);
    const wireLen = m.chance(0.7) ? len : len + 1 + m.int(m.chance(0.5) ? 64 : 60000);
    ctl[2] = start; ctl[3] = len; ctl[5] = wireLen;
    Atomics.store(ctl, 0, it);
    const p0 = performance.now();
    let lt = s.linktype;
    try {
      for (let k = -1; k < LINKTYPES.length + 1; k++) {
        // The seed's own link type first, then all supported ones, then a random one.
        lt = k < 0 ? s.linktype : k < LINKTYPES.length ? LINKTYPES[k] : m.int(300);
        if (k >= 0 && lt === s.linktype) continue;
        ctl[4] = lt;
        const st = dec.decode(buf, start, len, wireLen, lt);
        decodes++;
        const bad = checkInvariants(st);
        if (bad) report({ kind: 'invariant', message: bad, hex: hex(buf.subarray(start, start + len)), linktype: lt, wireLen });
      }
      if (it % sampleEvery === 0) {
        samples++;
        // The same record, once surrounded by 0x00 and once by 0xff: a dissector that reads
        // outside [start, start + len) gives different JSON.
        lt = m.chance(0.7) ? s.linktype : m.pick(LINKTYPES);
        ctl[4] = lt;
        padA.fill(0x00, 0, len + 2 * PAD);
        padB.fill(0xff, 0, len + 2 * PAD);
        padA.set(buf.subarray(start, start + len), PAD);
        padB.set(buf.subarray(start, start + len), PAD);
        rec.frame = it + 1; rec.caplen = len; rec.len = wireLen; rec.linktype = lt; rec.offset = PAD;
        rec.buf = padA;
        const ja = JSON.stringify(packetObject(rec, dec.decode(padA, PAD, len, wireLen, lt)));
        rec.buf = padB;
        const objB = packetObject(rec, dec.decode(padB, PAD, len, wireLen, lt));
        const jb = JSON.stringify(objB);
        // The one-line text output goes through every dissector's summary().
        if (summaryLine(rec, dec.state).length === 0) throw new Error('empty summary line');
        decodes += 2;
        if (ja !== jb) {
          report({ kind: 'oob-read', message: `JSON depends on bytes outside the record:\n  00-padded ${ja}\n  ff-padded ${jb}`, hex: hex(buf.subarray(start, start + len)), linktype: lt, wireLen });
        } else {
          const b = badValue(objB.layers);
          if (b) report({ kind: 'oob-read', message: `bad value ${b}: ${jb}`, hex: hex(buf.subarray(start, start + len)), linktype: lt, wireLen });
        }
      }
    } catch (e) {
      const err = e as Error;
      report({
        kind: 'crash', message: `${err?.name}: ${err?.message}\n${(err?.stack ?? '').split('\n').slice(1, 4).join('\n')}`,
        hex: hex(buf.subarray(start, start + len)), linktype: lt, wireLen,
      });
    }
    const dt = performance.now() - p0;
    if (dt > slowest) slowest = dt;
    if (dt > slowMs) report({ kind: 'slow', message: `${dt.toFixed(0)} ms for one mutant`, hex: hex(buf.subarray(start, start + len)), linktype: lt, wireLen });
    done = it + 1;
  }
  const seconds = (performance.now() - t0) / 1000;
  heapMax = Math.max(heapMax, process.memoryUsage().heapUsed);

  // Readers.
  ctl[1] = 2;
  const rt0 = performance.now();
  const rr = await fuzzReaders(m, seeds, opts.readerIterations ?? Math.max(50, Math.floor(done / 100)), report, shared, opts.seconds ? deadline + opts.seconds * 100 : Infinity);
  const readerSeconds = (performance.now() - rt0) / 1000;
  gc?.();
  const heapEnd = process.memoryUsage().heapUsed;
  heapMax = Math.max(heapMax, heapEnd);
  // Stop watching: from here on nothing advances the counter.
  await watchdog?.terminate();

  return {
    seed, seeds: seeds.length, seedSources: sources, mutants: done, decodes, samples, seconds, rate: done / seconds,
    heapStartMB: heapStart / 1048576, heapMaxMB: heapMax / 1048576, heapEndMB: heapEnd / 1048576, slowestMs: slowest,
    readerFiles: rr.files, readerRecords: rr.records, readerCaptureErrors: rr.captureErrors, readerWarnings: rr.warnings, readerSeconds,
    findings, counts,
  };
}

// ---------------------------------------------------------------------------------------------
// The reader fuzzer

/** A small capture file of a random format holding a few seed packets, and its length-field offsets. */
/** A built capture: its bytes, the offsets of its length/header fields, and its units (records or blocks). */
export interface BuiltCapture { bytes: Uint8Array; fields: number[]; be: boolean; units: [number, number, number][] }

export function buildCapture(m: Mutator, seeds: Seed[]): BuiltCapture {
  const pkts: Seed[] = [];
  for (let k = 1 + m.int(5); k > 0; k--) {
    const s = seeds[m.int(seeds.length)];
    pkts.push(s.bytes.length > 600 ? { ...s, bytes: s.bytes.subarray(0, 600) } : s);
  }
  const fields: number[] = [];
  // [offset, length, header size] of each record (pcap) or block (pcapng).
  const units: [number, number, number][] = [];
  if (m.chance(0.45)) {
    const o = { bigEndian: m.chance(0.5), nano: m.chance(0.3), modified: m.chance(0.15), linktype: pkts[0].linktype };
    const bytes = writePcap(pkts.map((p, i) => ({ sec: 1700000000 + i, frac: i * 1000, data: p.bytes, orig: m.chance(0.2) ? p.bytes.length + 100 : undefined })), o);
    // Header words, then each record's incl_len and orig_len.
    fields.push(0, 4, 16, 20);
    const rh = o.modified ? 24 : 16;
    let p = 24;
    for (const s of pkts) { fields.push(p, p + 4, p + 8, p + 12); units.push([p, rh + s.bytes.length, rh]); p += rh + s.bytes.length; }
    return { bytes, fields, be: o.bigEndian, units };
  }
  const be = m.chance(0.5);
  const w = new PcapngWriter(be);
  w.idb(pkts[0].linktype, { tsresol: m.pick([6, 9, 0x80 | 20, 3]), snaplen: m.pick([0, 65535, 64]) });
  if (m.chance(0.3)) w.nrb();
  for (const p of pkts) {
    const r = m.int(10);
    if (r < 5) w.epb(0, BigInt(1700000000) * 1000000n + BigInt(m.int(1e6)), p.bytes, { flags: m.chance(0.3) ? 1 + m.int(2) : undefined });
    else if (r < 6) w.spb(p.bytes);
    else if (r < 7) w.opb(0, 5n, p.bytes);
    else if (r < 8) { w.idb(p.linktype, { tsresol: 9 }); w.epb(1, 5n, p.bytes); }
    else if (r < 9) { w.section(!be).idb(p.linktype).epb(0, 1n, p.bytes); }
    else { w.isb(0); w.custom(); w.epb(0, 7n, p.bytes); }
  }
  const bytes = w.bytes();
  // Walk the blocks of the unmutated file: type, length, trailing length, and the EPB/SPB fields.
  let order = be;
  for (let p = 0; p + 12 <= bytes.length; ) {
    const type = (bytes[p] << 24 | bytes[p + 1] << 16 | bytes[p + 2] << 8 | bytes[p + 3]) >>> 0;
    if (type === 0x0a0d0d0a) order = bytes[p + 8] === 0x1a;
    const L = order
      ? (bytes[p + 4] << 24 | bytes[p + 5] << 16 | bytes[p + 6] << 8 | bytes[p + 7]) >>> 0
      : (bytes[p + 7] << 24 | bytes[p + 6] << 16 | bytes[p + 5] << 8 | bytes[p + 4]) >>> 0;
    if (L < 12 || p + L > bytes.length) break;
    fields.push(p, p + 4, p + L - 4, p + 8, p + 12, p + 20, p + 24, p + L - 8);
    units.push([p, L, 8]);
    p += L;
  }
  return { bytes, fields, be, units };
}

function put32(b: Uint8Array, o: number, v: number, be: boolean): void {
  if (o < 0 || o + 4 > b.length) return;
  const x = [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
  for (let k = 0; k < 4; k++) b[o + k] = be ? x[k] : x[3 - k];
}

/**
 * Resizes one record or block consistently (its length fields agree with the bytes there are), so
 * the framing stays intact and the damage reaches the block parsers: an IDB too short for its
 * fields, an EPB whose captured length exceeds the block, an SHB of 12 bytes, a tiny record.
 */
function resizeUnit(m: Mutator, c: BuiltCapture, b: Uint8Array): Uint8Array {
  if (c.units.length === 0) return b;
  const [o, L, hs] = m.pick(c.units);
  if (o + L > b.length) return b;
  const pcapng = hs === 8;
  const newL = pcapng ? 12 + 4 * m.int(Math.max(1, (L - 12) / 4 + 3)) : hs + m.int(L - hs + 24);
  const unit = new Uint8Array(newL);
  unit.set(b.subarray(o, o + Math.min(L, newL)));
  if (pcapng) {
    put32(unit, 4, newL, c.be);
    put32(unit, newL - 4, newL, c.be);
  } else {
    put32(unit, 8, newL - hs, c.be);
  }
  return concat(b.subarray(0, o), unit, b.subarray(o + L));
}

export function mutateCapture(m: Mutator, c: BuiltCapture): Uint8Array {
  let b: Uint8Array = c.bytes.slice();
  for (let r = 1 + m.int(3); r > 0; r--) {
    const op = m.rand();
    if (op < 0.2) {
      b = resizeUnit(m, c, b);
      continue;
    }
    if (op < 0.45 && c.fields.length) {
      const o = m.pick(c.fields);
      const cur = c.be ? ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0 : ((b[o + 3] << 24) | (b[o + 2] << 16) | (b[o + 1] << 8) | b[o]) >>> 0;
      const v = m.pick([0, 1, 4, 8, 11, 12, 13, 16, 20, 24, 28, 32, 0xffffffff, 0x7fffffff, 0x80000000, 0x00ffffff, 16 << 20, (16 << 20) + 1,
        cur + 4, cur - 4, cur + 1, cur - 1, cur * 2, 0x0a0d0d0a, 0x1a2b3c4d, 0xa1b2c3d4, 6, 3, 2, 1, m.int(4294967296)]) >>> 0;
      put32(b, o, v, m.chance(0.85) ? c.be : !c.be);
    } else if (op < 0.6) {
      // The file header / first block.
      const o = m.int(Math.min(b.length, 32));
      b[o] = m.chance(0.5) ? m.int(256) : b[o] ^ (1 << m.int(8));
    } else if (op < 0.75) {
      for (let k = 1 + m.int(6); k > 0 && b.length; k--) b[m.int(b.length)] = m.int(256);
    } else if (op < 0.87) {
      b = b.subarray(0, m.int(b.length + 1));
    } else if (op < 0.94) {
      b = concat(b, filler(1 + m.int(64), m.int(256)));
    } else {
      // Duplicate or drop a span (blocks shifted out of alignment).
      const a = m.int(b.length + 1), n = m.int(48);
      b = m.chance(0.5) ? concat(b.subarray(0, a), b.subarray(a, a + n), b.subarray(a)) : concat(b.subarray(0, a), b.subarray(a + n));
    }
  }
  if (m.chance(0.08)) {
    b = gzipSync(b);
    if (m.chance(0.5)) {
      if (m.chance(0.5)) b = b.subarray(0, m.int(b.length + 1));
      else if (b.length > 12) b[10 + m.int(b.length - 10)] ^= 0xff;
    }
  }
  return b;
}

async function fuzzReaders(
  m: Mutator, seeds: Seed[], n: number, report: (f: Finding) => void, shared: Shared, deadline: number,
): Promise<{ files: number; records: number; captureErrors: number; warnings: number }> {
  const dec = new PacketDecoder();
  let files = 0, records = 0, captureErrors = 0, warnings = 0;
  for (let i = 0; i < n; i++) {
    if (performance.now() > deadline) break;
    const cap = buildCapture(m, seeds);
    const b = mutateCapture(m, cap);
    if (b.length <= shared.bytes.length) {
      shared.bytes.set(b, 0);
      shared.ctl[2] = 0; shared.ctl[3] = b.length;
    }
    Atomics.store(shared.ctl, 0, -1 - i);
    const t0 = performance.now();
    try {
      const info = await forEachRecord(streamOf(randomSlices(b, m.int(1 << 30), m.pick([4, 64, 4096]))), (r) => {
        records++;
        const st = dec.decode(r.buf, r.offset, r.caplen, r.len, r.linktype);
        if (r.offset < 0 || r.offset + r.caplen > r.buf.length) throw new Error(`record outside its buffer: offset ${r.offset} caplen ${r.caplen} buffer ${r.buf.length}`);
        if (!(r.len >= r.caplen) || !Number.isFinite(r.tsSec) || !(r.tsNsec >= 0 && r.tsNsec < 1e9)) {
          throw new Error(`bad record fields: caplen ${r.caplen} len ${r.len} ts ${r.tsSec}.${r.tsNsec}`);
        }
        void st;
      }, { chunkSize: 4096 });
      warnings += info.warnings.length;
      for (const w of info.warnings) if (w.includes('\n')) throw new Error(`multi-line warning: ${w}`);
    } catch (e) {
      if (e instanceof CaptureError) {
        captureErrors++;
        if (e.message.includes('\n')) report({ kind: 'reader-crash', message: `multi-line CaptureError: ${e.message}`, hex: hex(b), linktype: -1, wireLen: 0 });
      } else {
        const err = e as Error;
        report({ kind: 'reader-crash', message: `${err?.name}: ${err?.message}\n${(err?.stack ?? '').split('\n').slice(1, 4).join('\n')}`, hex: hex(b), linktype: -1, wireLen: 0 });
      }
    }
    const dt = performance.now() - t0;
    if (dt > 2000) report({ kind: 'reader-hang', message: `${dt.toFixed(0)} ms to read a ${b.length}-byte capture`, hex: hex(b), linktype: -1, wireLen: 0 });
    files++;
  }
  return { files, records, captureErrors, warnings };
}

// ---------------------------------------------------------------------------------------------
// Command line

export function formatReport(r: FuzzReport): string {
  const kinds = Object.entries(r.counts).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  return [
    `fuzz: seed ${r.seed}; ${r.seeds} seed packets from ${r.seedSources.join(', ')}`,
    `fuzz: ${r.mutants} mutants in ${r.seconds.toFixed(1)} s = ${Math.round(r.rate)} mutants/s ` +
      `(${r.decodes} decodes, ${r.samples} JSON samples with out-of-bounds check); slowest mutant ${r.slowestMs.toFixed(2)} ms`,
    `fuzz: heap ${r.heapStartMB.toFixed(1)} MB at start, ${r.heapMaxMB.toFixed(1)} MB max, ${r.heapEndMB.toFixed(1)} MB at end`,
    `fuzz: readers: ${r.readerFiles} mutated captures in ${r.readerSeconds.toFixed(1)} s, ${r.readerRecords} records, ` +
      `${r.readerCaptureErrors} CaptureError (allowed), ${r.readerWarnings} warnings`,
    `fuzz: findings: ${kinds}`,
    ...r.findings.map((f) => `  ${f.kind}: ${f.message.split('\n')[0]}${f.file ? ` (${f.file})` : ''}`),
  ].join('\n');
}

function replay(file: string): number {
  const f = JSON.parse(readFileSync(file, 'utf8')) as Finding;
  const bytes = fromHex(f.hex);
  if (f.kind.startsWith('reader')) {
    void forEachRecord(streamOf([bytes]), () => {}).then(
      (info) => console.log(`read; warnings: ${JSON.stringify(info.warnings)}`),
      (e) => { console.log(`${(e as Error).stack}`); process.exitCode = e instanceof CaptureError ? 0 : 1; },
    );
    return 0;
  }
  const dec = new PacketDecoder();
  const st = dec.decode(bytes, 0, bytes.length, f.wireLen || bytes.length, f.linktype);
  const rec = new CaptureRecord();
  rec.buf = bytes; rec.caplen = bytes.length; rec.len = f.wireLen || bytes.length; rec.linktype = f.linktype;
  console.log(JSON.stringify(packetObject(rec, st), null, 1));
  console.log(`invariants: ${checkInvariants(st) ?? 'ok'}`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const opts: FuzzOptions = { watchdogSeconds: 10 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v < 0) throw new Error(`${a} needs a number`);
      return v;
    };
    if (a === '--iterations' || a === '-n') opts.iterations = num();
    else if (a === '--seed') opts.seed = num();
    else if (a === '--seconds') opts.seconds = num();
    else if (a === '--reader-iterations') opts.readerIterations = num();
    else if (a === '--sample-every') opts.sampleEvery = Math.max(1, num());
    else if (a === '--no-files') opts.useFiles = false;
    else if (a === '--no-watchdog') opts.watchdogSeconds = 0;
    else if (a === '--replay') return replay(argv[++i]);
    else if (a === '--help' || a === '-h') {
      console.log('usage: node dist/test-support/fuzz.js [--iterations N] [--seed S] [--seconds T] [--reader-iterations N] [--sample-every N] [--no-files] [--no-watchdog] [--replay FILE]');
      return 0;
    } else {
      console.error(`fuzz: unknown option ${a}`);
      return 2;
    }
  }
  const r = await runFuzz(opts);
  console.log(formatReport(r));
  return r.findings.length > 0 ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
    console.error(`fuzz: ${(e as Error).stack}`);
    process.exit(70);
  });
}

void ETHERTYPE_IPV6; void ipv6Ext;
