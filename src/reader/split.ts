// Splitting one capture file into byte ranges of whole records, so that several threads can each
// decode a part (issue 11). Nothing is walked from the start to find the cut points: each cut is
// a guess (size / parts) moved forward to the first offset where a chain of plausible record
// headers (pcap) or blocks (pcapng) begins. A guess can still land on bytes inside a packet that
// happen to look like a chain; that is caught afterwards, when the part before the cut is framed
// and does not end exactly there (see PartCount.end): the caller then reads the file in one piece.
//
// pcap record header:  ts_sec(4) ts_frac(4) incl_len(4) orig_len(4) [24 bytes in the "modified" format]
// pcapng block:        type(4) total_length(4) body... total_length(4), 32-bit aligned
import { closeSync, openSync, readSync, fstatSync } from 'node:fs';
import { pcapMagic, PCAP_GLOBAL_HEADER_LEN, PCAP_RECORD_HEADER_LEN, PCAP_MODIFIED_RECORD_HEADER_LEN, MAX_RECORD_LEN } from './pcap.js';
import {
  isPcapng, BT_SHB, BT_IDB, BT_EPB, BT_SPB, BT_OPB, BT_CUSTOM_COPY, BT_CUSTOM_NOCOPY, BT_SYSTEMD_JOURNAL, BYTE_ORDER_MAGIC,
} from './pcapng.js';
import { isGzip } from './gzip.js';
import { addRecordsRead, forEachRecord, type ReadTail } from './capture.js';
import { CaptureError } from './record.js';

/** Headers that must follow a candidate cut, each plausible and chained to the one before. */
export const RESYNC_CHAIN = 8;
/** How far past a guessed cut a record boundary is looked for. */
const RESYNC_WINDOW = 4 * 1024 * 1024;
/** Bytes read from the file start to find the pcapng section and interface blocks. */
const PREFIX_WINDOW = 1024 * 1024;
const RH_TS_SEC = 0, RH_TS_FRAC = 4, RH_INCL = 8, RH_ORIG = 12;
const GH_SNAPLEN = 16;
/** A next record may go back this far in time and still count as the same capture's (reordering across CPUs). */
const TS_BACK_S = 3600;
/** ... and jump this far forward (a quiet night). */
const TS_AHEAD_S = 7 * 86400;
/** Longer than flows' copy window (20 ms, src/analyses/flows/copies.ts). */
const QUIET_GAP_NS = 25_000_000;
const BT_ISB = 5, BT_NRB = 4, BT_DSB = 0x0a;
/** Blocks that can follow packets inside one section; an SHB or IDB later in the file prevents a split. */
const BODY_BLOCKS = new Set([BT_EPB, BT_SPB, BT_OPB, BT_ISB, BT_NRB, BT_DSB, BT_CUSTOM_COPY, BT_CUSTOM_NOCOPY, BT_SYSTEMD_JOURNAL]);
const EPB_MIN = 32;

/** The parts of one file: part k holds the records that start in [starts[k], starts[k+1]) (the last ends at `size`). */
export interface SplitPlan {
  format: 'pcap' | 'pcapng';
  /** Bytes every part but the first is read after: the pcap file header, or the pcapng SHB and IDBs. */
  prefix: Uint8Array;
  starts: number[];
  size: number;
  /** Interfaces the prefix declares (1 for pcap). */
  interfaces: number;
}

/** A byte range of a capture read as if it were the whole file: `prefix` first, then [start, end). */
export interface ReadRange {
  prefix: Uint8Array;
  start: number;
  end: number;
  /** Frame number of the record before the range (the frames of the parts before it). */
  frameBase: number;
}

function readAt(fd: number, pos: number, len: number): Uint8Array {
  const b = Buffer.allocUnsafe(len);
  let got = 0;
  while (got < len) {
    const n = readSync(fd, b, got, len - got, pos + got);
    if (n === 0) break;
    got += n;
  }
  return b.subarray(0, got);
}

/**
 * Where to cut `path` into `parts` ranges of whole records, or null when it cannot be cut (gzip,
 * not a capture, too small, no verified boundary near a guess, several pcapng sections).
 */
export function planSplit(path: string, parts: number): SplitPlan | null {
  if (parts < 2) return null;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const size = fstatSync(fd).size;
    const head = readAt(fd, 0, Math.min(size, PREFIX_WINDOW));
    if (head.length < 4 || isGzip(head)) return null;
    const finder = pcapMagic(head) ? pcapFinder(head) : isPcapng(head) ? pcapngFinder(head) : null;
    if (finder === null) return null;
    const starts = [0];
    const share = partShares(parts);
    let before = 0;
    for (let k = 1; k < parts; k++) {
      before += share[k - 1];
      const guess = Math.max(finder.prefix.length, Math.floor(size * before), starts[k - 1] + 1);
      if (guess >= size) break;
      const win = readAt(fd, guess, Math.min(RESYNC_WINDOW, size - guess));
      const at = finder.find(win, guess, size);
      if (at < 0) return null;
      if (at > starts[starts.length - 1]) starts.push(at);
    }
    if (starts.length < 2) return null;
    return { format: finder.format, prefix: finder.prefix, starts, size, interfaces: finder.interfaces };
  } finally {
    closeSync(fd);
  }
}

/**
 * Framing a range (reading record headers, no decoding) costs about this share of decoding it;
 * measured with bench/walk.ts against analyze on the realistic mix.
 */
export const FRAMING_COST = 0.15;

/**
 * How much more a byte costs on the thread of part 0 than on the others: the main thread runs the
 * stream-following analyses (BGP) on its own packets as it reads them and holds their state (a
 * larger heap to collect), while the workers only copy those packets for it (see ReplayCopier).
 * Measured on the 2M bench mix, two threads, per-thread CPU time from /proc/thread-self/stat:
 * part 0 cost 1.47 times as much per byte as part 1 (1.29 times in wall time on another run).
 */
export const STREAM_COST = 0.4;

/**
 * The share of the file each part gets so that the threads finish together: part 0 costs
 * 1 + STREAM_COST per byte, and the thread of part k >= 1 first frames part k-1 (see
 * partFrameBase), so it decodes less: x0 = 1, xk = (1 + STREAM_COST) - FRAMING_COST * x(k-1),
 * normalised.
 */
export function partShares(parts: number): number[] {
  const x = [1];
  for (let k = 1; k < parts; k++) x.push(1 + STREAM_COST - FRAMING_COST * x[k - 1]);
  const sum = x.reduce((a, b) => a + b, 0);
  return x.map((v) => v / sum);
}

interface BoundaryFinder {
  format: 'pcap' | 'pcapng';
  prefix: Uint8Array;
  interfaces: number;
  /** The first offset in win (which starts at file offset `base`) where a verified chain begins, as a file offset; -1 if none. */
  find(win: Uint8Array, base: number, size: number): number;
}

function reader32(bigEndian: boolean): (b: Uint8Array, o: number) => number {
  return bigEndian
    ? (b, o) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0
    : (b, o) => ((b[o + 3] << 24) | (b[o + 2] << 16) | (b[o + 1] << 8) | b[o]) >>> 0;
}

function pcapFinder(head: Uint8Array): BoundaryFinder | null {
  if (head.length < PCAP_GLOBAL_HEADER_LEN) return null;
  const m = pcapMagic(head)!;
  const r32 = reader32(m.bigEndian);
  const hdr = m.modified ? PCAP_MODIFIED_RECORD_HEADER_LEN : PCAP_RECORD_HEADER_LEN;
  const snaplen = r32(head, GH_SNAPLEN);
  // A snaplen of 0 (or one the writer did not honour) says nothing: fall back to the reader's ceiling.
  const maxIncl = snaplen > 0 ? Math.min(snaplen, MAX_RECORD_LEN) : MAX_RECORD_LEN;
  const fracLimit = m.nano ? 1e9 : 1e6;
  // Times are checked against the first record's too: a run of zero bytes is no chain of records.
  const firstSec = head.length >= PCAP_GLOBAL_HEADER_LEN + hdr ? r32(head, PCAP_GLOBAL_HEADER_LEN + RH_TS_SEC) : 0;
  const plausible = (b: Uint8Array, o: number): boolean => {
    const incl = r32(b, o + RH_INCL), orig = r32(b, o + RH_ORIG);
    return incl > 0 && incl <= maxIncl && orig >= incl && orig <= MAX_RECORD_LEN && r32(b, o + RH_TS_FRAC) < fracLimit &&
      r32(b, o + RH_TS_SEC) + TS_BACK_S >= firstSec;
  };
  return {
    format: 'pcap',
    prefix: head.slice(0, PCAP_GLOBAL_HEADER_LEN),
    interfaces: 1,
    find(win, base, size) {
      for (let o = 0; o + hdr <= win.length; o++) {
        if (!plausible(win, o)) continue;
        // Chain: each next header follows the record, is plausible, and its time is close to the one before.
        let p = o, ok = true;
        for (let i = 0; i < RESYNC_CHAIN; i++) {
          const next = p + hdr + r32(win, p + RH_INCL);
          if (base + next === size) break; // the file ends exactly after a record: a chain to the end
          if (next + hdr > win.length) { ok = false; break; }
          const t0 = r32(win, p + RH_TS_SEC), t1 = r32(win, next + RH_TS_SEC);
          if (!plausible(win, next) || t1 + TS_BACK_S < t0 || t1 > t0 + TS_AHEAD_S) { ok = false; break; }
          p = next;
        }
        if (ok) return base + quietCut(win, o);
      }
      return -1;
    },
  };

  /**
   * From a verified boundary, the first one after a pause of QUIET_GAP_NS in the window (else the
   * boundary itself): a packet and its copy at another capture point (flows' copy window), or the
   * fragments of one datagram, then fall on the same side of the cut, as in one sequential read.
   */
  function quietCut(win: Uint8Array, o: number): number {
    const unit = m.nano ? 1 : 1000;
    for (let p = o; ; ) {
      const next = p + hdr + r32(win, p + RH_INCL);
      if (next + hdr > win.length || !plausible(win, next)) return o;
      const gap = (r32(win, next + RH_TS_SEC) - r32(win, p + RH_TS_SEC)) * 1e9 + (r32(win, next + RH_TS_FRAC) - r32(win, p + RH_TS_FRAC)) * unit;
      if (gap > QUIET_GAP_NS) return next;
      p = next;
    }
  }
}

function pcapngFinder(head: Uint8Array): BoundaryFinder | null {
  if (head.length < 12) return null;
  const le = ((head[11] << 24) | (head[10] << 16) | (head[9] << 8) | head[8]) >>> 0;
  const bigEndian = le !== BYTE_ORDER_MAGIC;
  const r32 = reader32(bigEndian);
  // The prefix: the SHB and every block up to the first one that carries a frame.
  let o = 0, interfaces = 0;
  for (;;) {
    if (o + 12 > head.length) return null;
    const type = r32(head, o), len = r32(head, o + 4);
    if (len < 12 || len % 4 !== 0 || o + len > head.length) return null;
    if (o > 0 && type === BT_SHB) return null; // a second section before any packet: leave it whole
    if (type === BT_IDB) interfaces++;
    else if (type !== BT_SHB && BODY_BLOCKS.has(type) && type !== BT_NRB && type !== BT_DSB) break;
    o += len;
  }
  const prefix = head.slice(0, o);
  const block = (b: Uint8Array, p: number): number => {
    // The block's length when it looks like one that can follow packets in this section, else -1.
    if (p + 12 > b.length) return -1;
    const type = r32(b, p), len = r32(b, p + 4);
    if (!BODY_BLOCKS.has(type) || len < 12 || len % 4 !== 0 || len > MAX_RECORD_LEN + 64) return -1;
    if (type === BT_EPB && (len < EPB_MIN || r32(b, p + 8) >= interfaces || r32(b, p + 20) + EPB_MIN > len)) return -1;
    if (p + len > b.length || r32(b, p + len - 4) !== len) return -1;
    return len;
  };
  return {
    format: 'pcapng',
    prefix,
    interfaces,
    find(win, base, size) {
      // Blocks are 32-bit aligned in the file.
      for (let q = (4 - (base % 4)) % 4; q + 12 <= win.length; q += 4) {
        let p = q, ok = true;
        for (let i = 0; i <= RESYNC_CHAIN; i++) {
          if (base + p === size && i > 0) break;
          const len = block(win, p);
          if (len < 0) { ok = false; break; }
          p += len;
        }
        if (ok) return base + q;
      }
      return -1;
    },
  };
}

/**
 * Shared memory through which the parts of a split file agree on frame numbers. Part k's frames
 * count on from the frames of the parts before it; its thread learns how many the part just
 * before holds by framing that range (reading record headers, no decoding) while the thread that
 * decodes it does so, and adds them to the base that part posted. The main thread posts part 0's
 * base (0) at once, so framing runs on every thread at the same time and only the additions chain.
 */
export class PartBoard {
  readonly bases: Float64Array;
  /** Per part: 0 base not known yet, 1 known, 2 the split does not hold (the parts after it give up too). */
  readonly flags: Int32Array;

  constructor(readonly parts: number, buffers?: { bases: SharedArrayBuffer; flags: SharedArrayBuffer }) {
    this.bases = new Float64Array(buffers?.bases ?? new SharedArrayBuffer(parts * 8));
    this.flags = new Int32Array(buffers?.flags ?? new SharedArrayBuffer(parts * 4));
  }

  get buffers(): { bases: SharedArrayBuffer; flags: SharedArrayBuffer } {
    return { bases: this.bases.buffer as SharedArrayBuffer, flags: this.flags.buffer as SharedArrayBuffer };
  }

  post(part: number, base: number): void {
    this.bases[part] = base;
    Atomics.store(this.flags, part, 1);
    Atomics.notify(this.flags, part);
  }

  /** This part's base will never be known: a failed cut, damage, or a worker that died. */
  fail(part: number): void {
    if (Atomics.compareExchange(this.flags, part, 0, 2) === 0) Atomics.notify(this.flags, part);
  }

  /** Blocks (worker threads only) until part's base is known; -1 when it never will be. */
  waitFor(part: number): number {
    Atomics.wait(this.flags, part, 0);
    return Atomics.load(this.flags, part) === 1 ? this.bases[part] : -1;
  }
}

/** The byte range part k of a plan covers (read after the plan's prefix, except part 0). */
export function partRange(plan: SplitPlan, part: number, frameBase: number): ReadRange {
  return {
    prefix: part === 0 ? new Uint8Array(0) : plan.prefix,
    start: plan.starts[part], end: plan.starts[part + 1] ?? plan.size, frameBase,
  };
}

/**
 * On the thread of part k >= 1: frames part k-1 to count its frames and check that it ends exactly
 * where part k starts (the cut was a record boundary) and declares no interface or section that part k
 * would lack; then waits for part k-1's base and posts part k's. Returns part k's base, or -1 when
 * the split does not hold (and the caller reads the file another way).
 */
export async function partFrameBase(file: string, plan: SplitPlan, part: number, board: PartBoard): Promise<number> {
  let tail: ReadTail = { end: -1, frames: 0, damaged: true };
  let good = false;
  try {
    if (plan.format === 'pcap') {
      tail = walkPcapHeaders(file, plan, part - 1);
      good = !tail.damaged && tail.end === plan.starts[part];
    } else {
      const info = await forEachRecord(file, () => {}, { range: partRange(plan, part - 1, 0), tail });
      addRecordsRead(-info.packets); // framed to count them, not read: the thread that decodes them counts them
      good = !tail.damaged && tail.end === plan.starts[part] && info.sections === 1 && info.interfaces.length === plan.interfaces;
    }
  } catch (e) {
    if (!(e instanceof CaptureError) && typeof (e as NodeJS.ErrnoException).code !== 'string') { board.fail(part); throw e; }
  }
  const before = board.waitFor(part - 1);
  if (!good || before < 0) {
    board.fail(part);
    return -1;
  }
  board.post(part, before + tail.frames);
  return before + tail.frames;
}

const WALK_BUFFER = 4 * 1024 * 1024;

/**
 * Counts the records of a pcap part by their headers alone: synchronous reads into one reused
 * buffer, no framer, no callbacks (framing is on the critical path of the part after it). The end
 * is where the first record at or after the part's end starts; damaged when a header is implausible
 * or the file ends first.
 */
export function walkPcapHeaders(file: string, plan: SplitPlan, part: number): ReadTail {
  const m = pcapMagic(plan.prefix)!;
  const r32 = reader32(m.bigEndian);
  const hdr = m.modified ? PCAP_MODIFIED_RECORD_HEADER_LEN : PCAP_RECORD_HEADER_LEN;
  const end = plan.starts[part + 1] ?? plan.size;
  const buf = Buffer.allocUnsafe(WALK_BUFFER);
  const fd = openSync(file, 'r');
  try {
    let pos = part === 0 ? PCAP_GLOBAL_HEADER_LEN : plan.starts[part];
    let frames = 0;
    let bufStart = 0, bufLen = 0;
    while (pos < end) {
      if (pos < bufStart || pos + hdr > bufStart + bufLen) {
        bufStart = pos;
        bufLen = readSync(fd, buf, 0, WALK_BUFFER, pos);
        if (bufLen < hdr) return { end: pos, frames, damaged: true };
      }
      const incl = r32(buf, pos - bufStart + RH_INCL);
      if (incl > MAX_RECORD_LEN) return { end: pos, frames, damaged: true };
      pos += hdr + incl;
      frames++;
    }
    return { end: pos, frames, damaged: pos > plan.size };
  } finally {
    closeSync(fd);
  }
}
