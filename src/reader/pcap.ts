// Classic libpcap files (pcap-savefile(5)): both byte orders, microsecond and nanosecond magic,
// and Alexey Kuznetsov's "modified" format (magic 0xa1b2cd34, 24-byte record headers).
//
// Global header (24 bytes): magic(4) version_major(2) version_minor(2) thiszone(4) sigfigs(4)
//                           snaplen(4) linktype(4, FCS info in the top bits)
// Record header (16 bytes): ts_sec(4) ts_usec_or_nsec(4) incl_len(4) orig_len(4)
import { Framer } from './framer.js';
import { CaptureRecord, type CaptureInfo } from './record.js';

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
export const PCAP_MAGIC_MODIFIED = 0xa1b2cd34;
export const PCAP_GLOBAL_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;
export const PCAP_MODIFIED_RECORD_HEADER_LEN = 24;
const GH_LINKTYPE = 20;
const GH_SNAPLEN = 16;
const RH_TS_SEC = 0;
const RH_TS_FRAC = 4;
const RH_INCL_LEN = 8;
const RH_ORIG_LEN = 12;
/** Larger records are taken as corruption (libpcap's own ceiling is 256 KiB; BIG TCP needs more). */
export const MAX_RECORD_LEN = 16 * 1024 * 1024;

/** Which pcap variant starts with these 4 bytes, or null. */
export function pcapMagic(b: Uint8Array): { bigEndian: boolean; nano: boolean; modified: boolean } | null {
  if (b.length < 4) return null;
  const be = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
  const le = ((b[3] << 24) | (b[2] << 16) | (b[1] << 8) | b[0]) >>> 0;
  for (const [v, bigEndian] of [[be, true], [le, false]] as const) {
    if (v === PCAP_MAGIC_US) return { bigEndian, nano: false, modified: false };
    if (v === PCAP_MAGIC_NS) return { bigEndian, nano: true, modified: false };
    if (v === PCAP_MAGIC_MODIFIED) return { bigEndian, nano: false, modified: true };
  }
  return null;
}

export class PcapParser extends Framer {
  private gotHeader = false;
  private bigEndian = false;
  private nano = false;
  private recHeader = PCAP_RECORD_HEADER_LEN;
  private linktype = 1;
  private reason = '';
  private frame = 0;
  private readonly rec = new CaptureRecord();

  constructor(info: CaptureInfo, private readonly onRecord: (r: CaptureRecord) => void, private readonly frameBase = 0) {
    super(info);
    info.format = 'pcap';
  }

  private r32(b: Uint8Array, o: number): number {
    return this.bigEndian
      ? ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0
      : ((b[o + 3] << 24) | (b[o + 2] << 16) | (b[o + 1] << 8) | b[o]) >>> 0;
  }

  protected headerSize(): number {
    return this.gotHeader ? this.recHeader : PCAP_GLOBAL_HEADER_LEN;
  }

  protected corruptReason(): string {
    return this.reason;
  }

  protected unitLength(b: Uint8Array, o: number): number {
    if (!this.gotHeader) return PCAP_GLOBAL_HEADER_LEN;
    const incl = this.r32(b, o + RH_INCL_LEN);
    if (incl > MAX_RECORD_LEN) {
      this.reason = `record length ${incl} is implausible`;
      return -1;
    }
    return this.recHeader + incl;
  }

  protected unit(b: Uint8Array, o: number, len: number, fileOffset: number): void {
    if (!this.gotHeader) {
      const m = pcapMagic(b.subarray(o, o + 4))!;
      this.bigEndian = m.bigEndian;
      this.nano = m.nano;
      this.recHeader = m.modified ? PCAP_MODIFIED_RECORD_HEADER_LEN : PCAP_RECORD_HEADER_LEN;
      // The top bits carry FCS information (pcap-savefile LINKTYPE_... "FCS length"); the type is below.
      this.linktype = this.r32(b, o + GH_LINKTYPE) & 0x0fffffff;
      this.gotHeader = true;
      this.info.bigEndian = m.bigEndian;
      this.info.nanosecond = m.nano;
      this.info.sections = 1;
      this.info.interfaces.push({
        id: 0, linktype: this.linktype, name: null, unitsPerSecond: m.nano ? 1e9 : 1e6,
        snaplen: this.r32(b, o + GH_SNAPLEN),
      });
      return;
    }
    const r = this.rec;
    const incl = len - this.recHeader;
    let sec = this.r32(b, o + RH_TS_SEC);
    const frac = this.r32(b, o + RH_TS_FRAC);
    let nsec = this.nano ? frac : frac * 1000;
    if (nsec >= 1e9) {
      // Out-of-range fractions exist in damaged files; carry them into the seconds.
      sec += Math.floor(nsec / 1e9);
      nsec %= 1e9;
    }
    r.frame = this.frameBase + ++this.frame;
    r.buf = b;
    r.offset = o + this.recHeader;
    r.caplen = incl;
    r.len = Math.max(this.r32(b, o + RH_ORIG_LEN), incl);
    r.tsSec = sec;
    r.tsNsec = nsec;
    r.linktype = this.linktype;
    r.interfaceId = 0;
    r.direction = 0;
    r.fileOffset = fileOffset;
    this.info.packets++;
    this.info.wireBytes += r.len;
    this.info.capturedBytes += incl;
    this.onRecord(r);
  }

  get frames(): number {
    return this.frame;
  }

  /** Whether the 24-byte file header was seen. */
  get started(): boolean {
    return this.gotHeader;
  }
}
