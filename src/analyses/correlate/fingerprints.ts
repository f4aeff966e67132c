// Fingerprint files (`correlate --export FILE`): the per-node pass written down, so that for a
// fleet only these travel, not the captures. `correlate` takes them in place of captures.
//
// Layout (little-endian):
//   "TSFP0001" (8 bytes)
//   N records of 64 bytes, one per packet with an IP layer, in capture order:
//     0 f64 timestamp, ns after trailer.baseSec   8 f64 frame number
//    16 u32 h1   20 u32 h2 (identity)             24 f64 VNI/key (-1 none)
//    32 i32 capture point   36 i32 outer source (index into trailer.addresses)   40 i32 outer destination
//    44 i32 outer UDP source port (-1 none)   48 i32 outer IP bytes   52 u16 tunnel UDP port
//    54 u8 class   55 u8 TTL   56 u8 TOS   57 u8 outer fragment   58 u8 direction hint (0, 1 out, 2 in)
//    59 u8 IP protocol (255 none)   60 u8 TCP kind   61 u16 TCP MSS of a SYN (0 none)
//   trailer: JSON (FingerprintTrailer), then its length as u32, then "TSFPEND!"
import { closeSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { PacketDecoder, type DecoderOptions } from '../../../dissectors/decoder.js';
import { forEachRecord } from '../../reader/capture.js';
import { CaptureError } from '../../reader/record.js';
import { isTunnelClass } from '../facts.js';
import { AddressBook } from './addresses.js';
import { Sighting, readSighting } from './identity.js';

export const FP_MAGIC = 'TSFP0001';
const FP_END = 'TSFPEND!';
export const FP_RECORD = 64;
const R_TS = 0, R_FRAME = 8, R_H1 = 16, R_H2 = 20, R_TUNNEL = 24, R_POINT = 32, R_SRC = 36, R_DST = 40, R_SPORT = 44, R_BYTES = 48,
  R_DPORT = 52, R_CLS = 54, R_TTL = 55, R_TOS = 56, R_FRAG = 57, R_DIR = 58, R_PROTO = 59, R_TCPKIND = 60, R_MSS = 61;
export const DIR_HINT_OUT = 1;
export const DIR_HINT_IN = 2;
/** SLL/SLL2 packet types and pcapng directions (as in nodes.ts). */
const PACKET_HOST = 0, PACKET_OUTGOING = 4, DIR_IN = 1, DIR_OUT = 2;

/**
 * Which way a tunnel packet went, from pcapng epb_flags or the Linux cooked packet type: 1 out
 * (its outer source is this node's), 2 in (its destination is), 0 unknown or not a tunnel packet
 * (a forwarded plain packet leaves with a foreign source).
 */
export function directionHint(cls: number, direction: number, pktType: number): number {
  if (!isTunnelClass(cls)) return 0;
  if (direction === DIR_OUT || pktType === PACKET_OUTGOING) return DIR_HINT_OUT;
  if (direction === DIR_IN || pktType === PACKET_HOST) return DIR_HINT_IN;
  return 0;
}

export interface FingerprintTrailer {
  version: 1;
  node: string;
  capture: string;
  baseSec: number;
  firstSec: number;
  firstNsec: number;
  lastSec: number;
  lastNsec: number;
  packets: number;
  sightings: number;
  addresses: string[];
  warnings: string[];
}

export function isFingerprintFile(path: string): boolean {
  try {
    const fd = openSync(path, 'r');
    try {
      const b = Buffer.alloc(8);
      return readSync(fd, b, 0, 8, 0) === 8 && b.toString('latin1') === FP_MAGIC;
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

export function readTrailer(path: string): FingerprintTrailer {
  const size = statSync(path).size;
  const fd = openSync(path, 'r');
  try {
    const tail = Buffer.alloc(12);
    if (size < 20 || readSync(fd, tail, 0, 12, size - 12) !== 12 || tail.toString('latin1', 4) !== FP_END) {
      throw new CaptureError(`${path}: fingerprint file cut off (no trailer)`);
    }
    const len = tail.readUInt32LE(0);
    const json = Buffer.alloc(len);
    readSync(fd, json, 0, len, size - 12 - len);
    const t = JSON.parse(json.toString('utf8')) as FingerprintTrailer;
    if (t.version !== 1 || 8 + t.sightings * FP_RECORD + len + 12 !== size) throw new CaptureError(`${path}: damaged fingerprint file`);
    return t;
  } catch (e) {
    if (e instanceof CaptureError) throw e;
    throw new CaptureError(`${path}: damaged fingerprint file (${(e as Error).message})`);
  } finally {
    closeSync(fd);
  }
}

/** Reads a capture once and writes its fingerprints. */
export async function exportFingerprints(capture: string, out: string, node: string, opts: DecoderOptions = {}): Promise<FingerprintTrailer> {
  const decoder = new PacketDecoder(opts);
  const book = new AddressBook();
  const s = new Sighting();
  const chunk = Buffer.alloc(FP_RECORD * 16384);
  let used = 0;
  const fd = openSync(out, 'w');
  const t: FingerprintTrailer = {
    version: 1, node, capture, baseSec: -1, firstSec: -1, firstNsec: 0, lastSec: -1, lastNsec: 0, packets: 0, sightings: 0, addresses: [], warnings: [],
  };
  try {
    writeSync(fd, Buffer.from(FP_MAGIC, 'latin1'));
    const info = await forEachRecord(capture, (r) => {
      t.packets++;
      if (t.firstSec < 0) { t.firstSec = r.tsSec; t.firstNsec = r.tsNsec; t.baseSec = r.tsSec; }
      if (r.tsSec > t.lastSec || (r.tsSec === t.lastSec && r.tsNsec > t.lastNsec)) { t.lastSec = r.tsSec; t.lastNsec = r.tsNsec; }
      const st = decoder.decode(r.buf, r.offset, r.caplen, r.len, r.linktype);
      if (!readSighting(st, book, s)) return;
      const dir = directionHint(s.cls, r.direction, st.pktType);
      const o = used;
      chunk.fill(0, o, o + FP_RECORD);
      chunk.writeDoubleLE((r.tsSec - t.baseSec) * 1e9 + r.tsNsec, o + R_TS);
      chunk.writeDoubleLE(r.frame, o + R_FRAME);
      chunk.writeUInt32LE(s.h1, o + R_H1);
      chunk.writeUInt32LE(s.h2, o + R_H2);
      chunk.writeDoubleLE(s.tunnelId, o + R_TUNNEL);
      chunk.writeInt32LE(r.interfaceId * 65536 + (st.ifIndex & 0xffff), o + R_POINT);
      chunk.writeInt32LE(s.src, o + R_SRC);
      chunk.writeInt32LE(s.dst, o + R_DST);
      chunk.writeInt32LE(s.srcPort, o + R_SPORT);
      chunk.writeInt32LE(s.bytes, o + R_BYTES);
      chunk.writeUInt16LE(s.dstPort, o + R_DPORT);
      chunk[o + R_CLS] = s.cls; chunk[o + R_TTL] = s.ttl; chunk[o + R_TOS] = s.tos; chunk[o + R_FRAG] = s.fragmented; chunk[o + R_DIR] = dir;
      chunk[o + R_PROTO] = s.proto; chunk[o + R_TCPKIND] = s.tcpKind; chunk.writeUInt16LE(s.mss < 0 ? 0 : s.mss, o + R_MSS);
      used += FP_RECORD;
      t.sightings++;
      if (used === chunk.length) { writeSync(fd, chunk, 0, used); used = 0; }
    });
    if (used > 0) writeSync(fd, chunk, 0, used);
    t.addresses = [...book.texts];
    t.warnings = info.warnings;
    const json = Buffer.from(JSON.stringify(t), 'utf8');
    const tail = Buffer.alloc(12);
    tail.writeUInt32LE(json.length, 0);
    tail.write(FP_END, 4, 'latin1');
    writeSync(fd, json);
    writeSync(fd, tail);
  } finally {
    closeSync(fd);
  }
  return t;
}

/** One record of a fingerprint file into a Sighting (addresses mapped through `addr`). */
export function readFingerprint(b: Buffer, o: number, addr: Int32Array, s: Sighting): void {
  s.ok = true;
  s.h1 = b.readUInt32LE(o + R_H1);
  s.h2 = b.readUInt32LE(o + R_H2);
  s.tunnelId = b.readDoubleLE(o + R_TUNNEL);
  s.src = addr[b.readInt32LE(o + R_SRC)];
  s.dst = addr[b.readInt32LE(o + R_DST)];
  s.srcPort = b.readInt32LE(o + R_SPORT);
  s.bytes = b.readInt32LE(o + R_BYTES);
  s.wire = s.bytes; // the format keeps no frame length
  s.dstPort = b.readUInt16LE(o + R_DPORT);
  s.cls = b[o + R_CLS]; s.ttl = b[o + R_TTL]; s.tos = b[o + R_TOS]; s.fragmented = b[o + R_FRAG];
  s.proto = b[o + R_PROTO]; s.tcpKind = b[o + R_TCPKIND];
  const mss = b.readUInt16LE(o + R_MSS);
  s.mss = mss === 0 ? -1 : mss;
}

export const fingerprintField = {
  ts: (b: Buffer, o: number) => b.readDoubleLE(o + R_TS),
  frame: (b: Buffer, o: number) => b.readDoubleLE(o + R_FRAME),
  point: (b: Buffer, o: number) => b.readInt32LE(o + R_POINT),
  dir: (b: Buffer, o: number) => b[o + R_DIR],
};

/** The records of a fingerprint file, a chunk at a time (whole records only). */
export async function* fingerprintChunks(path: string, trailer: FingerprintTrailer, recordsPerChunk = 4096): AsyncGenerator<{ buf: Buffer; count: number }> {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(FP_RECORD * recordsPerChunk);
    for (let done = 0; done < trailer.sightings;) {
      const count = Math.min(recordsPerChunk, trailer.sightings - done);
      const got = readSync(fd, buf, 0, count * FP_RECORD, 8 + done * FP_RECORD);
      if (got !== count * FP_RECORD) throw new CaptureError(`${path}: fingerprint file cut off`);
      done += count;
      yield { buf, count };
    }
  } finally {
    closeSync(fd);
  }
}

/** Maps a file's address table into the run's AddressBook. */
export function addressMap(t: FingerprintTrailer, book: AddressBook): Int32Array {
  return Int32Array.from(t.addresses, (a) => book.intern(a));
}
