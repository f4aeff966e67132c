// Splits a stream of chunks into self-delimiting units (pcap records, pcapng blocks). Units
// wholly inside a chunk are handed over in place (zero copy); only a unit that straddles chunks
// is copied, once, into a buffer of its exact size. Memory stays flat however long the input.
import type { CaptureInfo } from './record.js';

export abstract class Framer {
  private carry: Uint8Array | null = null;
  private carryLen = 0;
  /** Unit size once known for the carried unit, else 0. */
  private carryTotal = 0;
  /** Byte position in the input of the next unseen byte. */
  protected consumed = 0;
  stopped = false;

  constructor(protected readonly info: CaptureInfo) {}

  /** Bytes needed before unitLength can answer. */
  protected abstract headerSize(): number;
  /** Total length of the unit starting at buf[off] (at least headerSize bytes present), or -1 when corrupt. */
  protected abstract unitLength(buf: Uint8Array, off: number): number;
  /** Handles one complete unit. */
  protected abstract unit(buf: Uint8Array, off: number, len: number, fileOffset: number): void;
  /** A one-line description of the corruption found by the last unitLength() == -1. */
  protected abstract corruptReason(): string;
  /** Whether the file header (pcap) or a section header (pcapng) was read. */
  abstract get started(): boolean;
  /** Frame numbers used so far (packets, and the blocks Wireshark numbers too). */
  abstract get frames(): number;

  /** Byte position in the input of the next unseen byte. */
  get position(): number {
    return this.consumed;
  }

  /** For a range of a file read after a prefix: the file offset of the prefix's first byte, so positions and warnings are the file's. */
  startAt(offset: number): void {
    this.consumed = offset;
  }

  push(chunk: Uint8Array): void {
    if (this.stopped) return;
    let off = 0;
    const n = chunk.length;
    if (this.carry !== null) {
      off = this.fillCarry(chunk);
      if (this.carry !== null || this.stopped) return;
    }
    while (off < n && !this.stopped) {
      // Asked each time: the first unit (a pcap file header) changes the size of the ones after it.
      if (n - off < this.headerSize()) {
        this.startCarry(chunk, off);
        return;
      }
      const total = this.unitLength(chunk, off);
      if (total < 0) return this.corrupt(this.consumed);
      if (n - off < total) {
        this.startCarry(chunk, off);
        return;
      }
      this.unit(chunk, off, total, this.consumed);
      this.consumed += total;
      off += total;
    }
  }

  /** Called at end of input; reports a unit that was cut off. */
  finish(): void {
    if (this.carry !== null && !this.stopped && this.carryLen > 0) {
      const want = this.carryTotal > 0 ? ` of a ${this.carryTotal}-byte record` : '';
      this.info.warnings.push(`capture cut off mid-record at byte ${this.consumed}: ${this.carryLen} bytes${want} left unread`);
    }
    this.carry = null;
  }

  protected stop(): void {
    this.stopped = true;
    this.carry = null;
  }

  private corrupt(at: number): void {
    this.info.warnings.push(`damaged capture at byte ${at}: ${this.corruptReason()}; stopped reading there`);
    this.stop();
  }

  private startCarry(chunk: Uint8Array, off: number): void {
    const rest = chunk.length - off;
    const hs = this.headerSize();
    let total = 0;
    if (rest >= hs) {
      total = this.unitLength(chunk, off);
      if (total < 0) return this.corrupt(this.consumed);
    }
    this.carryTotal = total;
    this.carry = new Uint8Array(Math.max(total, hs, rest));
    this.carry.set(chunk.subarray(off));
    this.carryLen = rest;
  }

  /** Completes the carried unit from the start of `chunk`; returns how many bytes of chunk it used. */
  private fillCarry(chunk: Uint8Array): number {
    let used = 0;
    const hs = this.headerSize();
    if (this.carryTotal === 0) {
      const take = Math.min(hs - this.carryLen, chunk.length);
      if (take > 0) {
        this.carry!.set(chunk.subarray(0, take), this.carryLen);
        this.carryLen += take;
        used = take;
      }
      if (this.carryLen < hs) return used;
      const total = this.unitLength(this.carry!, 0);
      if (total < 0) {
        this.corrupt(this.consumed);
        return used;
      }
      this.carryTotal = total;
      if (total > this.carry!.length) {
        const grown = new Uint8Array(total);
        grown.set(this.carry!.subarray(0, this.carryLen));
        this.carry = grown;
      }
    }
    const take = Math.min(this.carryTotal - this.carryLen, chunk.length - used);
    if (take > 0) {
      this.carry!.set(chunk.subarray(used, used + take), this.carryLen);
      this.carryLen += take;
      used += take;
    }
    if (this.carryLen >= this.carryTotal) {
      const unit = this.carry!;
      const total = this.carryTotal;
      this.carry = null;
      this.carryLen = 0;
      this.carryTotal = 0;
      this.unit(unit, 0, total, this.consumed);
      this.consumed += total;
    }
    return used;
  }
}
