// BGP message framing over one direction's reassembled byte stream.
//
// Messages are cut by the header's Length field (RFC 4271 4.1). Whole messages inside one
// delivered chunk are handed out as views without copying; a message split across chunks is
// collected in a buffer bounded by the largest legal message (65535 bytes).
//
// Synchronisation: a stream whose start was captured (SYN seen) begins synchronised. A stream
// joined mid-way, or one that lost bytes (a gap) where the next message boundary is unknown, is
// resynchronised by scanning for a plausible header: 16 x 0xFF, a known type and a length in
// range. A message whose bytes fall partly in a gap is
// reported as lost; when its header was seen, the bytes after the gap up to its end are skipped
// and the stream stays synchronised.
import { u16 } from '../../../dissectors/packet.js';
import { BGP_HEADER_LEN, BGP_LENGTH, BGP_MAX_EXTENDED_LEN, BGP_MAX_LEN, BGP_TYPE, MIN_LENGTH, isMarker } from '../../../dissectors/bgp-message.js';
import { MSG_KEEPALIVE, MSG_OPEN } from '../../../dissectors/bgp-names.js';

export interface FrameInfo {
  /** Frame that carried the message's first byte. */
  firstFrame: number;
  /** Frame that carried its last byte. */
  lastFrame: number;
  /** Number of delivered chunks (segments) it was assembled from. */
  segments: number;
  /** Byte offset of the message in this direction's stream (0 = first byte after the SYN, or the first byte seen). */
  offset: number;
}

export interface LostMessage {
  /** Type code from the header when it was captured, else -1. */
  typeCode: number;
  /** Length from the header when it was captured, else -1. */
  length: number;
  capturedBytes: number;
  missingBytes: number;
  firstFrame: number;
  offset: number;
  reason: 'gap' | 'end-of-stream';
}

export interface FramerSink {
  message(b: Uint8Array, s: number, e: number, info: FrameInfo): void;
  lost(m: LostMessage, frame: number): void;
  framingError(text: string, frame: number, offset: number): void;
}

const EMPTY = new Uint8Array(0);
const HEADER_VALID = 1;
const HEADER_UNDECIDED = 0;
const HEADER_INVALID = -1;

export class BgpFramer {
  /** False until a message boundary is known. */
  synced = false;
  /** Largest accepted Length (65535 once the extended message capability is seen on both sides). */
  maxLength = BGP_MAX_LEN;
  /** Stream offset of the next byte to arrive. */
  private consumed = 0;
  private buf: Uint8Array = EMPTY;
  private len = 0;
  private skip = 0;
  private firstFrame = 0;
  private segs = 0;
  /** Bytes passed over while resynchronising. */
  skippedBytes = 0;
  resyncs = 0;

  constructor(private readonly sink: FramerSink) {}

  get pendingBytes(): number {
    return this.len;
  }

  data(b: Uint8Array, s: number, e: number, frame: number): void {
    let touched = false;
    while (s < e) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, e - s);
        this.skip -= n;
        s += n;
        this.consumed += n;
        continue;
      }
      if (this.synced && this.len === 0) {
        // Fast path: whole messages straight from the chunk.
        if (e - s >= BGP_HEADER_LEN) {
          const v = this.header(b, s, e);
          if (v === HEADER_INVALID) {
            this.loseSync(b, s, frame);
            continue;
          }
          const L = u16(b, s + BGP_LENGTH);
          if (e - s >= L) {
            this.sink.message(b, s, s + L, { firstFrame: frame, lastFrame: frame, segments: 1, offset: this.consumed });
            s += L;
            this.consumed += L;
            continue;
          }
        }
        this.firstFrame = frame;
        this.segs = 1;
        touched = true;
        const n = this.want(e - s);
        this.append(b, s, s + n);
        s += n;
        this.process(frame);
        continue;
      }
      if (!touched) {
        this.segs++;
        touched = true;
      }
      if (this.synced) {
        const n = this.want(e - s);
        this.append(b, s, s + n);
        s += n;
        this.process(frame);
      } else {
        // Resynchronising: take a bounded slice, scan it for a header.
        const n = Math.min(e - s, 4096);
        if (this.len === 0) this.firstFrame = frame;
        this.append(b, s, s + n);
        s += n;
        this.scan(frame);
      }
    }
  }

  gap(n: number, frame: number): void {
    if (this.skip > 0) {
      if (n < this.skip) {
        this.skip -= n;
        this.consumed += n;
        return;
      }
      const exact = n === this.skip;
      this.consumed += n;
      this.skip = 0;
      this.synced = exact;
      return;
    }
    const start = this.consumed - this.len;
    this.consumed += n;
    if (!this.synced) {
      this.len = 0;
      return;
    }
    if (this.len === 0) {
      this.synced = false;
      return;
    }
    // A message was in progress: it is lost.
    const known = this.len >= BGP_HEADER_LEN;
    const L = known ? u16(this.buf, BGP_LENGTH) : -1;
    const missing = known ? L - this.len : -1;
    this.sink.lost({
      typeCode: known ? this.buf[BGP_TYPE] : -1, length: L, capturedBytes: this.len,
      missingBytes: known ? missing : -1, firstFrame: this.firstFrame, offset: start, reason: 'gap',
    }, frame);
    this.len = 0;
    if (known && n < missing) {
      this.skip = missing - n;
    } else {
      this.synced = known && n === missing;
    }
  }

  /** The stream ended: a message in progress is reported as lost; the buffer is released. */
  end(frame: number): void {
    if (this.synced && this.len > 0) {
      const known = this.len >= BGP_HEADER_LEN;
      const L = known ? u16(this.buf, BGP_LENGTH) : -1;
      this.sink.lost({
        typeCode: known ? this.buf[BGP_TYPE] : -1, length: L, capturedBytes: this.len,
        missingBytes: known ? L - this.len : -1, firstFrame: this.firstFrame, offset: this.consumed - this.len,
        reason: 'end-of-stream',
      }, frame);
    }
    this.len = 0;
    this.skip = 0;
    this.buf = EMPTY;
  }

  /** Bytes to take from a chunk of `avail` for the message in progress. */
  private want(avail: number): number {
    if (this.len < BGP_HEADER_LEN) return Math.min(avail, BGP_HEADER_LEN - this.len);
    const L = u16(this.buf, BGP_LENGTH);
    return Math.min(avail, Math.max(0, L - this.len));
  }

  private append(b: Uint8Array, s: number, e: number): void {
    const n = e - s;
    if (this.len + n > this.buf.length) {
      let cap = Math.max(1024, this.buf.length);
      while (cap < this.len + n) cap *= 2;
      const nb = new Uint8Array(cap);
      nb.set(this.buf.subarray(0, this.len));
      this.buf = nb;
    }
    this.buf.set(b.subarray(s, e), this.len);
    this.len += n;
    this.consumed += n;
  }

  /** Emits complete messages from the buffer while synchronised. */
  private process(frame: number): void {
    while (this.synced && this.len >= BGP_HEADER_LEN) {
      if (this.header(this.buf, 0, this.len) === HEADER_INVALID) {
        this.loseSync(this.buf, 0, frame);
        this.scan(frame);
        return;
      }
      const L = u16(this.buf, BGP_LENGTH);
      if (this.len < L) return;
      this.sink.message(this.buf, 0, L, { firstFrame: this.firstFrame, lastFrame: frame, segments: this.segs, offset: this.consumed - this.len });
      this.shift(L);
      this.firstFrame = frame;
      this.segs = 1;
    }
    // Keep the buffer small after a large message.
    if (this.len === 0 && this.buf.length > 65536) this.buf = EMPTY;
  }

  private shift(n: number): void {
    this.buf.copyWithin(0, n, this.len);
    this.len -= n;
  }

  /**
   * Checks the header at b[o..]: 1 valid, -1 invalid (marker or length); in synchronised mode only
   * the marker and the length range are checked, the type is the parser's business.
   */
  private header(b: Uint8Array, o: number, e: number): number {
    if (e - o < BGP_HEADER_LEN) return HEADER_UNDECIDED;
    if (!isMarker(b, o)) return HEADER_INVALID;
    const L = u16(b, o + BGP_LENGTH);
    if (L < BGP_HEADER_LEN || L > BGP_MAX_EXTENDED_LEN) return HEADER_INVALID;
    // A length above 4096 without the extended message capability is still framed by its
    // length (the parser reports it).
    return HEADER_VALID;
  }

  private loseSync(b: Uint8Array, o: number, frame: number): void {
    let what: string;
    if (!isMarker(b, o)) what = 'marker is not all ones';
    else what = `length ${u16(b, o + BGP_LENGTH)} out of range`;
    this.sink.framingError(`bgp: ${what}; resynchronising on the next marker`, frame, this.consumed - (this.len > 0 ? this.len : 0));
    this.synced = false;
    if (this.len > 0) {
      // Rescan the buffered bytes from the second one.
      this.shift(1);
      this.skippedBytes++;
    }
  }

  /** Strict check used while resynchronising. */
  private candidate(b: Uint8Array, o: number, e: number): number {
    const avail = e - o;
    const m = Math.min(avail, 16);
    for (let i = 0; i < m; i++) if (b[o + i] !== 0xff) return HEADER_INVALID;
    if (avail < BGP_HEADER_LEN) return HEADER_UNDECIDED;
    const L = u16(b, o + BGP_LENGTH), t = b[o + BGP_TYPE];
    // A known type and a length the framer can use. A length below the type's minimum is taken
    // (the parser names the fault), as tshark does.
    if (MIN_LENGTH[t] === undefined || L < BGP_HEADER_LEN) return HEADER_INVALID;
    const max = t === MSG_OPEN || t === MSG_KEEPALIVE ? BGP_MAX_LEN : this.maxLength;
    if (L > max) return HEADER_INVALID;
    return HEADER_VALID;
  }

  private scan(frame: number): void {
    const b = this.buf;
    let i = 0;
    for (; i < this.len; i++) {
      if (b[i] !== 0xff) continue;
      const v = this.candidate(b, i, this.len);
      if (v === HEADER_INVALID) continue;
      if (v === HEADER_UNDECIDED) break;
      // Found a header.
      if (i > 0) {
        this.skippedBytes += i;
        this.shift(i);
      }
      this.synced = true;
      this.resyncs++;
      this.firstFrame = frame;
      this.segs = 1;
      this.process(frame);
      return;
    }
    // Keep only what could still start a header.
    if (i > 0) {
      this.skippedBytes += i;
      this.shift(i);
    }
  }
}
