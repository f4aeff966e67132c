// TCP stream reassembly for one direction of a connection (RFC 9293 sequence space).
//
// Delivers the direction's payload to a sink strictly in sequence order:
// - in-order segments are delivered at once, without copying;
// - retransmissions and overlaps are trimmed to the bytes not yet delivered (the first copy of
//   each byte wins, as in Zeek and Wireshark's default);
// - segments ahead of the next expected byte are copied into a bounded buffer and delivered when
//   the hole fills; a hole is declared a gap (bytes the capture never saw) when
//     * the peer has already acknowledged bytes at or past the segment (the receiver had them),
//     * the buffer would exceed its bounds (MAX_OOO_BYTES / MAX_OOO_SEGMENTS),
//     * all the reassemblers of a tracker together would exceed their shared ReassemblyBudget
//       (the segment is then not buffered: the hole before it becomes a gap at once),
//     * the hole has been open for OOO_PATIENCE_NS of capture time,
//     * the stream ends (FIN reached, RST, end of capture);
// - bytes cut by snaplen are a gap too.
// A capture that starts mid-stream starts at the first segment seen (the sink resynchronises).
// Sequence numbers are compared modulo 2^32.

export interface StreamSink {
  /** In-order payload bytes b[s, e), carried (last) by `frame`. */
  data(b: Uint8Array, s: number, e: number, frame: number): void;
  /** `n` bytes of the stream were not captured. */
  gap(n: number, frame: number): void;
}

/** Signed distance a - b in sequence space. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}
function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

export const MAX_OOO_BYTES = 256 * 1024;
export const MAX_OOO_SEGMENTS = 128;
export const OOO_PATIENCE_NS = 10_000_000_000;
/** Bytes all the out-of-order buffers of one tracker may hold together (payload plus HELD_OVERHEAD per segment). */
export const MAX_OOO_TOTAL_BYTES = 64 * 1024 * 1024;
/** What one held segment costs besides its payload (its record and array slot, roughly). */
export const HELD_OVERHEAD = 256;

/** One byte budget shared by many reassemblers (all the connections of a tracker). */
export class ReassemblyBudget {
  /** Bytes held now, and the most ever held at once. */
  used = 0;
  highWater = 0;
  /** Segments not buffered because the budget was spent. */
  refused = 0;
  constructor(readonly limit = MAX_OOO_TOTAL_BYTES) {}

  take(n: number): boolean {
    if (this.used + n > this.limit) return false;
    this.used += n;
    if (this.used > this.highWater) this.highWater = this.used;
    return true;
  }

  give(n: number): void {
    this.used -= n;
  }
}

interface Held {
  seq: number;
  bytes: Uint8Array;
  /** Sequence-space length (wire payload length); bytes.length may be shorter (snaplen). */
  len: number;
  frame: number;
}

export interface ReassemblyStats {
  segments: number;
  payloadBytes: number;
  deliveredBytes: number;
  retransmittedBytes: number;
  overlapBytes: number;
  outOfOrderSegments: number;
  gaps: number;
  gapBytes: number;
  /** The stream was joined after its SYN: its start was not captured. */
  midStream: boolean;
}

export class TcpReassembler {
  started = false;
  isn = -1;
  nextSeq = 0;
  /** Highest ACK the peer sent for this direction (valid when peerAckValid). */
  peerAck = 0;
  peerAckValid = false;
  finSeq = -1;
  finished = false;
  private held: Held[] = [];
  private heldBytes = 0;
  private holeSinceNs = 0;
  readonly stats: ReassemblyStats = {
    segments: 0, payloadBytes: 0, deliveredBytes: 0, retransmittedBytes: 0, overlapBytes: 0,
    outOfOrderSegments: 0, gaps: 0, gapBytes: 0, midStream: false,
  };

  /** `budget`: shared with other reassemblers (default: one of its own). */
  constructor(private readonly sink: StreamSink, private readonly budget: ReassemblyBudget = new ReassemblyBudget()) {}

  /**
   * One segment of this direction. `b[s, e)` is the captured payload; `wireLen` its length on the
   * wire (larger when snaplen cut it). `nowNs` is the capture time in nanoseconds.
   */
  segment(seq: number, syn: boolean, fin: boolean, b: Uint8Array, s: number, e: number, wireLen: number, frame: number, nowNs: number): void {
    this.stats.segments++;
    if (syn) {
      if (!this.started || this.isn !== seq) {
        this.isn = seq;
        this.started = true;
        this.nextSeq = seqAdd(seq, 1);
      }
      seq = seqAdd(seq, 1);
    } else if (!this.started) {
      this.started = true;
      this.stats.midStream = true;
      this.nextSeq = seq;
    }
    if (wireLen < e - s) wireLen = e - s;
    this.stats.payloadBytes += wireLen;
    if (fin) this.finSeq = seqAdd(seq, wireLen);
    if (this.finished) {
      if (wireLen > 0) this.stats.retransmittedBytes += wireLen;
      return;
    }
    if (wireLen > 0) {
      const d = seqDiff(seq, this.nextSeq);
      if (d <= 0) {
        this.deliver(seq, b, s, e, wireLen, frame);
        this.drain();
      } else if (this.peerAckValid && seqDiff(this.peerAck, seq) >= 0) {
        // The receiver acknowledged past the hole before this segment: the hole was never captured.
        this.skipTo(seq, frame);
        this.deliver(seq, b, s, e, wireLen, frame);
        this.drain();
      } else {
        this.hold(seq, b, s, e, wireLen, frame, nowNs);
      }
    }
    this.checkPatience(nowNs, frame);
    this.checkFin();
  }

  /** An ACK from the peer for this direction's bytes. */
  ack(ackNum: number, frame: number): void {
    if (!this.peerAckValid || seqDiff(ackNum, this.peerAck) > 0) {
      this.peerAck = ackNum;
      this.peerAckValid = true;
    }
    if (!this.started || this.finished || this.held.length === 0) return;
    if (seqDiff(ackNum, this.nextSeq) > 0) {
      const first = this.held[0].seq;
      this.skipTo(seqDiff(ackNum, first) >= 0 ? first : ackNum, frame);
      this.drain();
      this.checkFin();
    }
  }

  /** Capture time moves on (a packet of either direction): give up on old holes. */
  tick(nowNs: number, frame: number): void {
    if (this.held.length) {
      this.checkPatience(nowNs, frame);
      this.checkFin();
    }
  }

  /** End of stream (RST, end of capture, connection replaced): deliver what is held, holes as gaps. */
  flush(frame: number): void {
    while (this.held.length) {
      this.skipTo(this.held[0].seq, frame);
      this.drain();
    }
    this.finished = true;
  }

  get bufferedBytes(): number {
    return this.heldBytes;
  }

  private checkFin(): void {
    if (this.finSeq >= 0 && !this.finished && seqDiff(this.nextSeq, this.finSeq) >= 0) {
      this.finished = true;
      this.budget.give(this.heldBytes + this.held.length * HELD_OVERHEAD);
      this.held.length = 0;
      this.heldBytes = 0;
    }
  }

  private checkPatience(nowNs: number, frame: number): void {
    if (this.held.length && nowNs - this.holeSinceNs > OOO_PATIENCE_NS) {
      this.skipTo(this.held[0].seq, frame);
      this.drain();
      if (this.held.length) this.holeSinceNs = nowNs;
    }
  }

  /** Declares [nextSeq, seq) a gap. */
  private skipTo(seq: number, frame: number): void {
    const n = seqDiff(seq, this.nextSeq);
    if (n <= 0) return;
    this.stats.gaps++;
    this.stats.gapBytes += n;
    this.nextSeq = seq;
    this.sink.gap(n, frame);
  }

  /** Delivers the part of [seq, seq + wireLen) past nextSeq; seq <= nextSeq. */
  private deliver(seq: number, b: Uint8Array, s: number, e: number, wireLen: number, frame: number): void {
    const behind = -seqDiff(seq, this.nextSeq); // >= 0
    if (behind >= wireLen) {
      this.stats.retransmittedBytes += wireLen;
      return;
    }
    if (behind > 0) this.stats.overlapBytes += behind;
    const from = s + behind;
    if (from < e) {
      this.sink.data(b, from, e, frame);
      this.stats.deliveredBytes += e - from;
    }
    const captured = Math.max(0, e - from);
    const rest = wireLen - behind - captured;
    this.nextSeq = seqAdd(this.nextSeq, captured);
    if (rest > 0) this.skipTo(seqAdd(this.nextSeq, rest), frame);
  }

  private drain(): void {
    while (this.held.length && seqDiff(this.held[0].seq, this.nextSeq) <= 0) {
      const h = this.held.shift()!;
      this.heldBytes -= h.bytes.length;
      this.budget.give(h.bytes.length + HELD_OVERHEAD);
      this.deliver(h.seq, h.bytes, 0, h.bytes.length, h.len, h.frame);
    }
  }

  private hold(seq: number, b: Uint8Array, s: number, e: number, wireLen: number, frame: number, nowNs: number): void {
    this.stats.outOfOrderSegments++;
    const size = e - s;
    // Make room: give up on the oldest hole(s) until the segment fits.
    while (this.held.length && (this.heldBytes + size > MAX_OOO_BYTES || this.held.length >= MAX_OOO_SEGMENTS)) {
      this.skipTo(this.held[0].seq, frame);
      this.drain();
    }
    if (seqDiff(seq, this.nextSeq) <= 0) {
      this.deliver(seq, b, s, e, wireLen, frame);
      this.drain();
      return;
    }
    if (size > MAX_OOO_BYTES) {
      this.skipTo(seq, frame);
      this.deliver(seq, b, s, e, wireLen, frame);
      this.drain();
      return;
    }
    if (this.held.length === 0) this.holeSinceNs = nowNs;
    // Sorted insert; an identical start keeps the longer copy.
    let i = this.held.length;
    while (i > 0 && seqDiff(this.held[i - 1].seq, seq) > 0) i--;
    if (i > 0 && this.held[i - 1].seq === seq) {
      const prev = this.held[i - 1];
      if (prev.len >= wireLen) { this.stats.retransmittedBytes += wireLen; return; }
      this.heldBytes -= prev.bytes.length;
      this.budget.give(prev.bytes.length + HELD_OVERHEAD);
      this.held.splice(i - 1, 1);
      i--;
    }
    if (!this.budget.take(size + HELD_OVERHEAD)) {
      // The tracker's buffers are full: give up on this stream's holes rather than hold more.
      this.budget.refused++;
      while (this.held.length && seqDiff(this.held[0].seq, seq) < 0) {
        this.skipTo(this.held[0].seq, frame);
        this.drain();
      }
      this.skipTo(seq, frame);
      this.deliver(seq, b, s, e, wireLen, frame);
      this.drain();
      return;
    }
    const copy = b.slice(s, e);
    this.held.splice(i, 0, { seq, bytes: copy, len: wireLen, frame });
    this.heldBytes += copy.length;
  }
}
