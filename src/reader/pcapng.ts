// pcapng (draft-ietf-opsawg-pcapng): sections in either byte order, several interfaces with their
// own link type, if_tsresol and if_tsoffset; EPB, SPB and the obsolete OPB carry packets; NRB, ISB,
// DSB, custom and unknown blocks are skipped. Frame numbers follow Wireshark (4.0): custom blocks
// and systemd journal export blocks are records there and take a frame number each, so a packet
// keeps the number Wireshark shows for it (the skipped number is never emitted).
//
// Every block: | block type (4) | block total length (4) | body ... | block total length (4) |
// SHB body:    | byte-order magic 0x1A2B3C4D (4) | major (2) | minor (2) | section length (8) | options
// IDB body:    | link type (2) | reserved (2) | snaplen (4) | options (if_tsresol 9, if_tsoffset 14)
// EPB body:    | interface id (4) | ts high (4) | ts low (4) | captured len (4) | original len (4) |
//              | packet data, padded to 32 bits | options (epb_flags 2)
// SPB body:    | original len (4) | packet data (captured = min(original, snaplen, room in block))
// OPB body:    | interface id (2) | drops (2) | ts high (4) | ts low (4) | captured (4) | original (4) | data | options
import { Framer } from './framer.js';
import { CaptureRecord, type CaptureInfo, type InterfaceInfo } from './record.js';
import { MAX_RECORD_LEN } from './pcap.js';

export const BT_SHB = 0x0a0d0d0a;
export const BT_IDB = 0x00000001;
export const BT_OPB = 0x00000002;
export const BT_SPB = 0x00000003;
export const BT_EPB = 0x00000006;
export const BT_SYSTEMD_JOURNAL = 0x00000009;
export const BT_CUSTOM_COPY = 0x00000bad;
export const BT_CUSTOM_NOCOPY = 0x40000bad;
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const BLOCK_MIN = 12;
/** type, length, byte-order magic, version, section length, length again. */
const SHB_MIN = 28;
const OPT_END = 0;
const OPT_IF_NAME = 2;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;
const OPT_EPB_FLAGS = 2;

export function isPcapng(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x0a && b[1] === 0x0d && b[2] === 0x0d && b[3] === 0x0a;
}

interface Iface extends InterfaceInfo {
  /** Divisor from timestamp units to seconds: 10^k or 2^k. */
  decimal: boolean;
  exponent: number;
  tsOffset: number;
}

/**
 * Splits a 64-bit count of timestamp units (hi:lo) into seconds and nanoseconds without BigInt:
 * long division over 16-bit limbs, so no intermediate exceeds 2^53.
 */
export function splitUnits(hi: number, lo: number, decimal: boolean, exponent: number, out: { sec: number; nsec: number }): void {
  if (decimal ? exponent > 11 : exponent > 32) {
    // Rare resolutions (finer than 10^-11 or 2^-32) whose limbs would leave 2^53: exact in BigInt.
    const units = (BigInt(hi) << 32n) | BigInt(lo);
    const d = decimal ? 10n ** BigInt(exponent) : 1n << BigInt(exponent);
    out.sec = Number(units / d);
    out.nsec = Number(((units % d) * 1000000000n) / d);
    return;
  }
  if (!decimal) {
    // Binary resolution 2^-exponent (exponent <= 32). Exact: frac < 2^32 and 10^9 = 1953125 * 2^9, so
    // frac * 1953125 < 2^53 and the rest is division by a power of two.
    const p = Math.pow(2, exponent);
    const loSec = exponent === 32 ? 0 : Math.floor(lo / p);
    const frac = lo - loSec * p;
    out.sec = hi * Math.pow(2, 32 - exponent) + loSec;
    out.nsec = exponent >= 9 ? Math.floor((frac * 1953125) / Math.pow(2, exponent - 9)) : frac * 1953125 * Math.pow(2, 9 - exponent);
    return;
  }
  const div = Math.pow(10, exponent);
  // Four 16-bit limbs, most significant first; unrolled so nothing is allocated per packet.
  let cur = hi >>> 16;
  let q = Math.floor(cur / div);
  let rem = cur - q * div;
  cur = rem * 65536 + (hi & 0xffff);
  let d = Math.floor(cur / div);
  rem = cur - d * div;
  q = q * 65536 + d;
  cur = rem * 65536 + (lo >>> 16);
  d = Math.floor(cur / div);
  rem = cur - d * div;
  q = q * 65536 + d;
  cur = rem * 65536 + (lo & 0xffff);
  d = Math.floor(cur / div);
  rem = cur - d * div;
  q = q * 65536 + d;
  out.sec = q;
  out.nsec = exponent <= 9 ? rem * Math.pow(10, 9 - exponent) : Math.floor(rem / Math.pow(10, exponent - 9));
}

export class PcapngParser extends Framer {
  private bigEndian = false;
  private sectionStarted = false;
  private ifaces: Iface[] = [];
  /** Interfaces of earlier sections, so interface ids stay unique across the file. */
  private ifaceBase = 0;
  private reason = '';
  private frame = 0;
  private readonly rec = new CaptureRecord();
  private readonly ts = { sec: 0, nsec: 0 };

  constructor(info: CaptureInfo, private readonly onRecord: (r: CaptureRecord) => void, private readonly frameBase = 0) {
    super(info);
    info.format = 'pcapng';
  }

  private r16(b: Uint8Array, o: number): number {
    return this.bigEndian ? (b[o] << 8) | b[o + 1] : (b[o + 1] << 8) | b[o];
  }
  private r32(b: Uint8Array, o: number): number {
    return this.bigEndian
      ? ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0
      : ((b[o + 3] << 24) | (b[o + 2] << 16) | (b[o + 1] << 8) | b[o]) >>> 0;
  }

  protected headerSize(): number {
    return BLOCK_MIN;
  }

  protected corruptReason(): string {
    return this.reason;
  }

  protected unitLength(b: Uint8Array, o: number): number {
    const type = this.r32(b, o);
    if (type === BT_SHB) {
      // A new section may switch byte order: read it from the byte-order magic.
      const le = ((b[o + 11] << 24) | (b[o + 10] << 16) | (b[o + 9] << 8) | b[o + 8]) >>> 0;
      const be = ((b[o + 8] << 24) | (b[o + 9] << 16) | (b[o + 10] << 8) | b[o + 11]) >>> 0;
      if (le === BYTE_ORDER_MAGIC) this.bigEndian = false;
      else if (be === BYTE_ORDER_MAGIC) this.bigEndian = true;
      else {
        this.reason = 'section header block without a valid byte-order magic';
        return -1;
      }
    } else if (!this.sectionStarted) {
      this.reason = 'block before the first section header';
      return -1;
    }
    const len = this.r32(b, o + 4);
    if (len < BLOCK_MIN || len % 4 !== 0 || len > MAX_RECORD_LEN + 64) {
      this.reason = `block length ${len} is invalid`;
      return -1;
    }
    if (type === BT_SHB && len < SHB_MIN) {
      this.reason = `section header block length ${len} is below the minimum ${SHB_MIN}`;
      return -1;
    }
    return len;
  }

  protected unit(b: Uint8Array, o: number, len: number, fileOffset: number): void {
    const type = this.r32(b, o);
    if (this.r32(b, o + len - 4) !== len) {
      this.info.warnings.push(`damaged capture at byte ${fileOffset}: block trailing length does not match; stopped reading there`);
      this.stop();
      return;
    }
    const body = o + 8, bodyEnd = o + len - 4;
    switch (type) {
      case BT_SHB: return this.sectionHeader();
      case BT_IDB: return this.interfaceBlock(b, body, bodyEnd);
      case BT_EPB: return this.packetBlock(b, body, bodyEnd, fileOffset, false);
      case BT_OPB: return this.packetBlock(b, body, bodyEnd, fileOffset, true);
      case BT_SPB: return this.simplePacket(b, body, bodyEnd, fileOffset);
      case BT_CUSTOM_COPY: case BT_CUSTOM_NOCOPY: case BT_SYSTEMD_JOURNAL:
        // Not packets, but frames in Wireshark's numbering.
        this.frame++;
        return;
      default: return; // NRB, ISB, DSB and future blocks: skipped
    }
  }

  private sectionHeader(): void {
    this.ifaceBase += this.ifaces.length;
    this.ifaces = [];
    this.sectionStarted = true;
    this.info.sections++;
    if (this.info.sections === 1) this.info.bigEndian = this.bigEndian;
  }

  private interfaceBlock(b: Uint8Array, p: number, end: number): void {
    if (end - p < 8) {
      this.info.warnings.push('interface description block too short; ignored');
      return;
    }
    const iface: Iface = {
      id: this.ifaceBase + this.ifaces.length, linktype: this.r16(b, p), name: null, unitsPerSecond: 1e6,
      snaplen: this.r32(b, p + 4), decimal: true, exponent: 6, tsOffset: 0,
    };
    for (let q = p + 8; q + 4 <= end; ) {
      const code = this.r16(b, q), olen = this.r16(b, q + 2);
      const v = q + 4;
      if (code === OPT_END || v + olen > end) break;
      if (code === OPT_IF_TSRESOL && olen >= 1) {
        const r = b[v];
        iface.decimal = (r & 0x80) === 0;
        iface.exponent = r & 0x7f;
        iface.unitsPerSecond = iface.decimal ? Math.pow(10, iface.exponent) : Math.pow(2, iface.exponent);
        if (iface.decimal && iface.exponent === 9) this.info.nanosecond = true;
      } else if (code === OPT_IF_TSOFFSET && olen >= 8) {
        const hi = this.r32(b, this.bigEndian ? v : v + 4), lo = this.r32(b, this.bigEndian ? v + 4 : v);
        // Signed 64-bit seconds (a capture taken with a clock behind can carry a negative offset).
        iface.tsOffset = (hi >= 0x80000000 ? hi - 4294967296 : hi) * 4294967296 + lo;
      } else if (code === OPT_IF_NAME) {
        iface.name = Buffer.from(b.buffer, b.byteOffset + v, olen).toString('utf8').replace(/\0+$/, '');
      }
      q = v + ((olen + 3) & ~3);
    }
    this.ifaces.push(iface);
    this.info.interfaces.push({ id: iface.id, linktype: iface.linktype, name: iface.name, unitsPerSecond: iface.unitsPerSecond, snaplen: iface.snaplen });
  }

  private packetBlock(b: Uint8Array, p: number, end: number, fileOffset: number, obsolete: boolean): void {
    if (end - p < 20) return this.badBlock(fileOffset, 'packet block too short');
    const ifId = obsolete ? this.r16(b, p) : this.r32(b, p);
    const iface = this.ifaces[ifId];
    if (iface === undefined) return this.badBlock(fileOffset, `packet for undeclared interface ${ifId}`);
    const caplen = this.r32(b, p + 12), orig = this.r32(b, p + 16);
    const data = p + 20;
    if (data + caplen > end) return this.badBlock(fileOffset, `captured length ${caplen} exceeds the block`);
    let direction = 0;
    // Options follow the padded data; epb_flags bits 0-1 hold the direction.
    for (let q = data + ((caplen + 3) & ~3); q + 4 <= end; ) {
      const code = this.r16(b, q), olen = this.r16(b, q + 2);
      if (code === OPT_END || q + 4 + olen > end) break;
      if (code === OPT_EPB_FLAGS && olen >= 4) direction = this.r32(b, q + 4) & 3;
      q += 4 + ((olen + 3) & ~3);
    }
    splitUnits(this.r32(b, p + 4), this.r32(b, p + 8), iface.decimal, iface.exponent, this.ts);
    this.emit(b, data, caplen, orig, iface, direction, fileOffset);
  }

  private simplePacket(b: Uint8Array, p: number, end: number, fileOffset: number): void {
    const iface = this.ifaces[0];
    if (iface === undefined || end - p < 4) return this.badBlock(fileOffset, 'simple packet block without interface');
    const orig = this.r32(b, p);
    let caplen = Math.min(orig, end - p - 4);
    if (iface.snaplen > 0) caplen = Math.min(caplen, iface.snaplen);
    this.ts.sec = 0;
    this.ts.nsec = 0;
    this.emit(b, p + 4, caplen, orig, iface, 0, fileOffset);
  }

  private emit(b: Uint8Array, data: number, caplen: number, orig: number, iface: Iface, direction: number, fileOffset: number): void {
    const r = this.rec;
    r.frame = this.frameBase + ++this.frame;
    r.buf = b;
    r.offset = data;
    r.caplen = caplen;
    r.len = Math.max(orig, caplen);
    r.tsSec = this.ts.sec + iface.tsOffset;
    r.tsNsec = this.ts.nsec;
    r.linktype = iface.linktype;
    r.interfaceId = iface.id;
    r.direction = direction;
    r.fileOffset = fileOffset;
    this.info.packets++;
    this.info.wireBytes += r.len;
    this.info.capturedBytes += caplen;
    this.onRecord(r);
  }

  get frames(): number {
    return this.frame;
  }

  /** Whether a section header block was read. */
  get started(): boolean {
    return this.sectionStarted;
  }

  private badBlock(at: number, why: string): void {
    // One bad block does not end the file: its length is intact, so the next block can be read.
    if (this.info.warnings.length < 100) this.info.warnings.push(`damaged block at byte ${at}: ${why}; skipped`);
  }
}
