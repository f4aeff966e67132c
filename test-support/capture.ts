// Small in-memory capture writers for the tests and the fuzzer: classic pcap (pcap-savefile(5),
// both byte orders, microsecond/nanosecond magic, Kuznetsov's modified format) and pcapng
// (draft-ietf-opsawg-pcapng: SHB, IDB, EPB, SPB, OPB, NRB, ISB, custom blocks, either byte order per
// section). Written from the format documents, independently of src/reader.
import { concat, type Bytes } from './bytes.js';

function u16(v: number, be: boolean): number[] {
  return be ? [(v >>> 8) & 255, v & 255] : [v & 255, (v >>> 8) & 255];
}
function u32(v: number, be: boolean): number[] {
  const b = [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
  return be ? b : b.reverse();
}
function pad4(b: Bytes): number[] {
  const out = Array.from(b);
  while (out.length % 4) out.push(0);
  return out;
}

export interface PcapRecord {
  sec: number;
  /** Microseconds, or nanoseconds with the nanosecond magic. */
  frac: number;
  data: Bytes;
  /** Original length (default: data length). */
  orig?: number;
  /** Override incl_len (for damaged files). */
  incl?: number;
}

export interface PcapOptions {
  bigEndian?: boolean;
  nano?: boolean;
  /** Kuznetsov's patched libpcap: magic 0xa1b2cd34, 24-byte record headers. */
  modified?: boolean;
  linktype?: number;
  snaplen?: number;
}

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
export const PCAP_MAGIC_MODIFIED = 0xa1b2cd34;

/** The 24-byte global header. */
export function pcapHeader(o: PcapOptions = {}): Uint8Array {
  const be = o.bigEndian ?? false;
  const magic = o.modified ? PCAP_MAGIC_MODIFIED : o.nano ? PCAP_MAGIC_NS : PCAP_MAGIC_US;
  return concat(u32(magic, be), u16(2, be), u16(4, be), u32(0, be), u32(0, be), u32(o.snaplen ?? 262144, be), u32(o.linktype ?? 1, be));
}

/** One record: ts_sec ts_frac incl_len orig_len [ifindex protocol pkt_type pad] data. */
export function pcapRecord(r: PcapRecord, o: PcapOptions = {}): Uint8Array {
  const be = o.bigEndian ?? false;
  const extra = o.modified ? concat(u32(0, be), u16(0x0800, be), [0, 0]) : new Uint8Array(0);
  return concat(u32(r.sec, be), u32(r.frac, be), u32(r.incl ?? r.data.length, be), u32(r.orig ?? r.data.length, be), extra, r.data);
}

export function writePcap(records: PcapRecord[], o: PcapOptions = {}): Uint8Array {
  return concat(pcapHeader(o), ...records.map((r) => pcapRecord(r, o)));
}

// ---------------------------------------------------------------------------------------------
// pcapng

export interface Option { code: number; value: Bytes }

export const BT = { SHB: 0x0a0d0d0a, IDB: 1, OPB: 2, SPB: 3, NRB: 4, ISB: 5, EPB: 6, DSB: 0x0a, CUSTOM: 0x00000bad, CUSTOM_NOCOPY: 0x40000bad } as const;

export interface IdbOptions {
  name?: string;
  /** if_tsresol byte: 6 = microseconds, 9 = nanoseconds, 0x80|k = 2^-k. */
  tsresol?: number;
  /** if_tsoffset in seconds (signed 64-bit). */
  tsoffset?: number;
  snaplen?: number;
  extra?: Option[];
}

/** Builds a pcapng file block by block; `section()` starts a new section in either byte order. */
export class PcapngWriter {
  private parts: Uint8Array[] = [];
  private be: boolean;

  constructor(bigEndian = false, shbOptions: Option[] = []) {
    this.be = bigEndian;
    this.shb(shbOptions);
  }

  /** Starts a new section (interfaces restart at 0) in the given byte order. */
  section(bigEndian: boolean, options: Option[] = []): this {
    this.be = bigEndian;
    return this.shb(options);
  }

  private options(opts: Option[]): number[] {
    if (opts.length === 0) return [];
    const out: number[] = [];
    for (const o of opts) out.push(...u16(o.code, this.be), ...u16(o.value.length, this.be), ...pad4(o.value));
    out.push(0, 0, 0, 0); // opt_endofopt
    return out;
  }

  /** Any block: type, total length, body (padded), total length. */
  block(type: number, body: Bytes): this {
    const b = pad4(body);
    const total = 12 + b.length;
    this.parts.push(concat(u32(type, this.be), u32(total, this.be), b, u32(total, this.be)));
    return this;
  }

  private shb(options: Option[]): this {
    // Byte-order magic, version 1.0, section length -1 (unknown).
    const body = concat(u32(0x1a2b3c4d, this.be), u16(1, this.be), u16(0, this.be), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], this.options(options));
    return this.block(BT.SHB, body);
  }

  idb(linktype: number, o: IdbOptions = {}): this {
    const opts: Option[] = [];
    if (o.name !== undefined) opts.push({ code: 2, value: Array.from(Buffer.from(o.name, 'utf8')) });
    if (o.tsresol !== undefined) opts.push({ code: 9, value: [o.tsresol] });
    if (o.tsoffset !== undefined) {
      const v = BigInt.asUintN(64, BigInt(o.tsoffset));
      const hi = Number(v >> 32n), lo = Number(v & 0xffffffffn);
      opts.push({ code: 14, value: this.be ? [...u32(hi, true), ...u32(lo, true)] : [...u32(lo, false), ...u32(hi, false)] });
    }
    opts.push(...(o.extra ?? []));
    return this.block(BT.IDB, concat(u16(linktype, this.be), [0, 0], u32(o.snaplen ?? 0, this.be), this.options(opts)));
  }

  /** Enhanced Packet Block; the timestamp is a 64-bit count of if_tsresol units. */
  epb(ifId: number, ts: bigint, data: Bytes, o: { orig?: number; flags?: number; caplen?: number; extra?: Option[] } = {}): this {
    const opts: Option[] = [];
    if (o.flags !== undefined) opts.push({ code: 2, value: u32(o.flags, this.be) });
    opts.push(...(o.extra ?? []));
    const hi = Number(ts >> 32n), lo = Number(ts & 0xffffffffn);
    return this.block(BT.EPB, concat(
      u32(ifId, this.be), u32(hi, this.be), u32(lo, this.be), u32(o.caplen ?? data.length, this.be), u32(o.orig ?? data.length, this.be),
      pad4(data), this.options(opts),
    ));
  }

  /** Simple Packet Block: original length, then the data (captured = what fits / snaplen). */
  spb(data: Bytes, orig = data.length): this {
    return this.block(BT.SPB, concat(u32(orig, this.be), pad4(data)));
  }

  /** Obsolete Packet Block: 16-bit interface id, 16-bit drops count, then as EPB. */
  opb(ifId: number, ts: bigint, data: Bytes, orig = data.length): this {
    const hi = Number(ts >> 32n), lo = Number(ts & 0xffffffffn);
    return this.block(BT.OPB, concat(
      u16(ifId, this.be), u16(0, this.be), u32(hi, this.be), u32(lo, this.be), u32(data.length, this.be), u32(orig, this.be), pad4(data),
    ));
  }

  /** Name Resolution Block with one IPv4 record. */
  nrb(): this {
    const name = Array.from(Buffer.from('node-1\0', 'utf8'));
    const rec = concat(u16(1, this.be), u16(4 + name.length, this.be), [10, 0, 0, 1], pad4(name));
    return this.block(BT.NRB, concat(rec, u16(0, this.be), u16(0, this.be)));
  }

  /** Interface Statistics Block. */
  isb(ifId: number): this {
    return this.block(BT.ISB, concat(u32(ifId, this.be), u32(0, this.be), u32(0, this.be), this.options([{ code: 4, value: u32(0, this.be).concat(u32(5, this.be)) }])));
  }

  /** Custom block (copiable) with a private enterprise number. */
  custom(pen = 32473, payload: Bytes = [1, 2, 3]): this {
    return this.block(BT.CUSTOM, concat(u32(pen, this.be), payload));
  }

  bytes(): Uint8Array {
    return concat(...this.parts);
  }
}
