// What a capture reader hands out: one record, its bytes as a view into the read chunk.

export class CaptureRecord {
  /** 1-based frame number across the whole input. */
  frame = 0;
  /** The chunk holding the record; the packet is buf[offset, offset + caplen). Never copied. */
  buf: Uint8Array = new Uint8Array(0);
  offset = 0;
  caplen = 0;
  /** Original length on the wire. */
  len = 0;
  /** Epoch seconds and nanoseconds. */
  tsSec = 0;
  tsNsec = 0;
  linktype = 1;
  /** Interface number: 0 for pcap; the IDB index, counted across sections, for pcapng. */
  interfaceId = 0;
  /** pcapng direction from epb_flags: 0 unknown, 1 inbound, 2 outbound. */
  direction = 0;
  /** Byte offset of the record within the (decompressed) input, for progress reports. */
  fileOffset = 0;

  /** The packet bytes (a view, no copy). */
  get data(): Uint8Array {
    return this.buf.subarray(this.offset, this.offset + this.caplen);
  }

  /** A detached copy of the metadata that still shares the packet bytes. */
  clone(): CaptureRecord {
    const r = new CaptureRecord();
    r.frame = this.frame; r.buf = this.buf; r.offset = this.offset; r.caplen = this.caplen; r.len = this.len;
    r.tsSec = this.tsSec; r.tsNsec = this.tsNsec; r.linktype = this.linktype; r.interfaceId = this.interfaceId;
    r.direction = this.direction; r.fileOffset = this.fileOffset;
    return r;
  }
}

/** Epoch seconds with nine fractional digits, as the JSON schemas print times. */
export function formatTimestamp(sec: number, nsec: number): string {
  return `${sec}.${String(nsec).padStart(9, '0')}`;
}

export interface InterfaceInfo {
  id: number;
  linktype: number;
  name: string | null;
  /** Timestamp units per second (1e6 for microseconds). */
  unitsPerSecond: number;
  snaplen: number;
}

export interface CaptureInfo {
  format: 'pcap' | 'pcapng' | 'unknown';
  gzip: boolean;
  bigEndian: boolean;
  nanosecond: boolean;
  interfaces: InterfaceInfo[];
  packets: number;
  /** Sum of original lengths. */
  wireBytes: number;
  /** Sum of captured lengths. */
  capturedBytes: number;
  /** Bytes of (decompressed) input consumed. */
  inputBytes: number;
  sections: number;
  warnings: string[];
}

export function emptyInfo(): CaptureInfo {
  return {
    format: 'unknown', gzip: false, bigEndian: false, nanosecond: false, interfaces: [], packets: 0,
    wireBytes: 0, capturedBytes: 0, inputBytes: 0, sections: 0, warnings: [],
  };
}

/** The input cannot be read at all (missing, not a capture): the CLI exits 3. */
export class CaptureError extends Error {
  readonly exitCode = 3;
  constructor(message: string) {
    super(message);
    this.name = 'CaptureError';
  }
}

/** A CaptureError's reason without the input's name the readers put first (`x.pcap: no such file` gives `no such file`). */
export function captureReason(e: CaptureError, input: string): string {
  const prefix = `${input === '-' ? 'standard input' : input}: `;
  return e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
}
