// The file reader reads into two chunks that circulate (src/reader/capture.ts, fileChunks): what a
// record callback keeps must be its own copy, and a slice() of a record's bytes is one (the chunks
// are plain Uint8Arrays, not Buffers, whose slice() is a view into a chunk read into again).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { filler } from '../test-support/bytes.js';
import { writePcap } from '../test-support/capture.js';
import { forEachRecord, readCapture } from '../src/reader/capture.js';

const dir = mkdtempSync(join(tmpdir(), 'tunnelscope-reuse-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// 200 records of 61 bytes counting up from the record index, over many 256-byte chunks.
const RECORDS = Array.from({ length: 200 }, (_, i) => ({ sec: 1_700_000_000 + i, frac: 0, data: filler(61, i) }));
const path = join(dir, 'many.pcap');
writeFileSync(path, writePcap(RECORDS));
const expected = RECORDS.map((r) => Buffer.from(r.data).toString('hex'));

describe('read chunks that are read into again', () => {
  it('a slice() taken in the record callback keeps the record bytes after the whole read', async () => {
    const kept: Uint8Array[] = [];
    await forEachRecord(path, (r) => { kept.push(r.buf.slice(r.offset, r.offset + r.caplen)); }, { chunkSize: 256 });
    expect(kept.map((b) => Buffer.from(b).toString('hex'))).toEqual(expected);
  });

  it('readCapture records keep their bytes while later chunks are read', async () => {
    const kept: string[] = [];
    const recs = [];
    for await (const r of readCapture(path, { chunkSize: 256 })) recs.push(r);
    for (const r of recs) kept.push(Buffer.from(r.buf.subarray(r.offset, r.offset + r.caplen)).toString('hex'));
    expect(kept).toEqual(expected);
  });
});
