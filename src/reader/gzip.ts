// gzip (RFC 1952) read member by member, as `gzip -d` does: several members are one stream, and
// bytes after the last member (padding, junk left by transfer tools) end the data with a warning
// instead of losing it. Node's Gunzip reads the next member itself and, on junk, drops the output
// of the call that met it; so the members are framed here and only the deflate data goes to
// InflateRaw, which stops cleanly at the end of a member and says how much input it used.
//
// Member: | 1f 8b | CM=8 | FLG | MTIME(4) | XFL | OS | [XLEN(2) extra] [name\0] [comment\0] [HCRC(2)]
//         | deflate data ... | CRC32(4, LE) | ISIZE(4, LE: length mod 2^32) |
import { createInflateRaw, crc32 } from 'node:zlib';
import type { Transform } from 'node:stream';
import type { CaptureInfo } from './record.js';

const ID1 = 0x1f;
const ID2 = 0x8b;
const CM_DEFLATE = 8;
const HEADER_LEN = 10;
const TRAILER_LEN = 8;
const FLG_FHCRC = 0x02;
const FLG_FEXTRA = 0x04;
const FLG_FNAME = 0x08;
const FLG_FCOMMENT = 0x10;
const FLG_RESERVED = 0xe0;
/** Output chunk of the inflater. */
const OUT_CHUNK = 1 << 18;

export function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === ID1 && b[1] === ID2;
}

/** Pulls chunks from an iterator, with push-back of what a reader did not use. */
export class ByteSource {
  private pending: Uint8Array[] = [];
  constructor(private readonly it: AsyncIterator<Uint8Array>) {}

  async next(): Promise<Uint8Array | null> {
    if (this.pending.length) return this.pending.pop()!;
    const r = await this.it.next();
    return r.done ? null : r.value;
  }

  unshift(c: Uint8Array): void {
    if (c.length) this.pending.push(c);
  }

  /** Exactly n bytes, or fewer at the end of the input. */
  async take(n: number): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let have = 0;
    while (have < n) {
      const c = await this.next();
      if (c === null) break;
      const use = Math.min(c.length, n - have);
      parts.push(c.subarray(0, use));
      if (use < c.length) this.unshift(c.subarray(use));
      have += use;
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }

  /** Skips past the next zero byte; false when the input ends first. */
  async skipZeroTerminated(): Promise<boolean> {
    for (let c = await this.next(); c !== null; c = await this.next()) {
      const z = c.indexOf(0);
      if (z >= 0) {
        this.unshift(c.subarray(z + 1));
        return true;
      }
    }
    return false;
  }
}

/** Reads one member header; returns null when it is valid, else why not. */
async function readHeader(src: ByteSource): Promise<string | null> {
  const h = await src.take(HEADER_LEN);
  if (h.length < HEADER_LEN) return 'gzip header cut off';
  if (h[0] !== ID1 || h[1] !== ID2) return 'not a gzip header';
  if (h[2] !== CM_DEFLATE) return `gzip compression method ${h[2]} is not deflate`;
  const flg = h[3];
  if (flg & FLG_RESERVED) return 'gzip header has reserved flags set';
  if (flg & FLG_FEXTRA) {
    const x = await src.take(2);
    if (x.length < 2) return 'gzip header cut off';
    const xlen = x[0] | (x[1] << 8);
    if ((await src.take(xlen)).length < xlen) return 'gzip header cut off';
  }
  if (flg & FLG_FNAME && !(await src.skipZeroTerminated())) return 'gzip header cut off';
  if (flg & FLG_FCOMMENT && !(await src.skipZeroTerminated())) return 'gzip header cut off';
  if (flg & FLG_FHCRC && (await src.take(2)).length < 2) return 'gzip header cut off';
  return null;
}

/** Resolves at the next of the given events. */
function nextEvent(s: Transform, names: string[]): Promise<void> {
  return new Promise((resolve) => {
    const f = () => {
      for (const n of names) s.off(n, f);
      resolve();
    };
    for (const n of names) s.once(n, f);
  });
}

/**
 * Inflates one member's deflate data, yielding the output while feeding input with back-pressure
 * (at most one read chunk in flight). Input after the end of the deflate data goes back to `src`.
 */
async function* inflateMember(src: ByteSource, sum: { crc: number; size: number }): AsyncGenerator<Uint8Array> {
  const inf = createInflateRaw({ chunkSize: OUT_CHUNK });
  let failure: Error | null = null;
  inf.on('error', (e) => { failure = e; });
  // Chunks written but perhaps not all consumed; fedStart is the input position of fed[0].
  const fed: Uint8Array[] = [];
  let fedStart = 0;
  let inputDone = false;
  try {
    for (;;) {
      for (let c = inf.read() as Buffer | null; c !== null; c = inf.read() as Buffer | null) {
        sum.crc = crc32(c, sum.crc);
        sum.size += c.length;
        yield c;
      }
      if (failure) throw failure;
      if (inf.readableEnded) break;
      if (!inputDone && !inf.writableNeedDrain) {
        while (fed.length && fedStart + fed[0].length <= inf.bytesWritten) fedStart += fed.shift()!.length;
        const c = await src.next();
        if (c === null) {
          inputDone = true;
          inf.end();
        } else {
          fed.push(c);
          inf.write(c);
        }
        continue;
      }
      await nextEvent(inf, ['readable', 'end', 'error', 'drain']);
    }
    // What the inflater did not use belongs to the trailer and whatever follows.
    const used = inf.bytesWritten;
    let pos = fedStart;
    const rest: Uint8Array[] = [];
    for (const c of fed) {
      if (pos + c.length > used) rest.push(c.subarray(Math.max(0, used - pos)));
      pos += c.length;
    }
    for (let i = rest.length - 1; i >= 0; i--) src.unshift(rest[i]);
  } finally {
    inf.destroy();
  }
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.subarray(0, 8)).toString('hex');
}

/**
 * The decompressed bytes of a gzip input (all its members). Damage and trailing bytes become
 * warnings in `info`; what was decompressed before them is yielded.
 */
export async function* gunzipMembers(src: ByteSource, info: CaptureInfo): AsyncGenerator<Uint8Array> {
  for (let member = 1; ; member++) {
    const bad = await readHeader(src);
    if (bad !== null) {
      info.warnings.push(`gzip member ${member}: ${bad}; results cover what was read`);
      return;
    }
    const sum = { crc: 0, size: 0 };
    try {
      yield* inflateMember(src, sum);
    } catch (e) {
      // Only the inflater's own errors are damage; a failing read of the input is not.
      if (!String((e as NodeJS.ErrnoException).code ?? '').startsWith('Z_')) throw e;
      info.warnings.push(`gzip stream damaged or cut off (${(e as Error).message}); results cover what was read`);
      return;
    }
    const t = await src.take(TRAILER_LEN);
    if (t.length < TRAILER_LEN) {
      info.warnings.push(`gzip stream cut off before its checksum (member ${member}); results cover what was read`);
      return;
    }
    const crc = (t[0] | (t[1] << 8) | (t[2] << 16) | (t[3] << 24)) >>> 0;
    const isize = (t[4] | (t[5] << 8) | (t[6] << 16) | (t[7] << 24)) >>> 0;
    if (crc !== sum.crc >>> 0 || isize !== sum.size % 4294967296) {
      info.warnings.push(`gzip member ${member}: checksum or length does not match the data (damaged); results cover what was read`);
    }
    // Another member, or the end: bytes that are not a member are reported and skipped, as gzip -d does.
    const next = await src.take(8);
    if (next.length === 0) return;
    if (isGzip(next)) {
      src.unshift(next);
      continue;
    }
    let count = next.length;
    let zeros = next.every((x) => x === 0);
    for (let c = await src.next(); c !== null; c = await src.next()) {
      count += c.length;
      if (zeros) zeros = c.every((x) => x === 0);
    }
    info.warnings.push(zeros
      ? `${count} zero bytes of padding after the gzip data ignored`
      : `${count} trailing bytes after the end of the gzip data ignored (they start 0x${hex(next)})`);
    return;
  }
}
