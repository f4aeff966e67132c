// Bare record walk: the floor any pcap reader in Node can reach. Reads the file with an fs
// stream in 1 MiB chunks and walks the classic pcap record headers (a header or a packet may
// straddle chunk boundaries), counting packets and captured bytes. Nothing is decoded.
//
//   node dist/bench/walk.js FILE     prints {"packets":N,"bytes":B,"truncated":false}

import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface WalkResult {
  packets: number;
  /** Sum of the records' captured lengths. */
  bytes: number;
  /** The file ended inside a record. */
  truncated: boolean;
}

const CHUNK = 1 << 20;
const GLOBAL_HEADER = 24;
const RECORD_HEADER = 16;

export async function walk(file: string): Promise<WalkResult> {
  let packets = 0;
  let bytes = 0;
  let littleEndian = true;

  // Bytes of the pending header (global or record) collected so far, when it straddles chunks.
  const pending = Buffer.alloc(GLOBAL_HEADER);
  let pendingLen = 0;
  let needGlobal = true;
  // Packet bytes still to skip, possibly across several chunks.
  let skip = 0;

  const stream = fs.createReadStream(file, { highWaterMark: CHUNK });
  for await (const data of stream) {
    const chunk = data as Buffer;
    const end = chunk.length;
    let pos = 0;

    if (needGlobal) {
      const take = Math.min(GLOBAL_HEADER - pendingLen, end);
      chunk.copy(pending, pendingLen, 0, take);
      pendingLen += take;
      pos = take;
      if (pendingLen < GLOBAL_HEADER) continue;
      const magic = pending.readUInt32LE(0);
      if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) littleEndian = true;
      else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) littleEndian = false;
      else throw new Error(`${file}: not a classic pcap file (magic 0x${magic.toString(16)})`);
      needGlobal = false;
      pendingLen = 0;
    }

    while (pos < end) {
      if (skip > 0) {
        const n = Math.min(skip, end - pos);
        pos += n;
        skip -= n;
        continue;
      }
      let caplen: number;
      if (pendingLen === 0 && end - pos >= RECORD_HEADER) {
        // Fast path: the whole record header is in this chunk.
        caplen = littleEndian ? chunk.readUInt32LE(pos + 8) : chunk.readUInt32BE(pos + 8);
        pos += RECORD_HEADER;
      } else {
        const take = Math.min(RECORD_HEADER - pendingLen, end - pos);
        chunk.copy(pending, pendingLen, pos, pos + take);
        pendingLen += take;
        pos += take;
        if (pendingLen < RECORD_HEADER) break; // continues in the next chunk
        caplen = littleEndian ? pending.readUInt32LE(8) : pending.readUInt32BE(8);
        pendingLen = 0;
      }
      packets++;
      bytes += caplen;
      skip = caplen;
    }
  }
  return { packets, bytes, truncated: needGlobal || skip > 0 || pendingLen > 0 };
}

function main(): void {
  const file = process.argv[2];
  if (file === undefined) {
    process.stderr.write('usage: walk FILE\n');
    process.exit(2);
  }
  walk(file).then(
    (r) => {
      process.stdout.write(`${JSON.stringify(r)}\n`);
      if (r.truncated) process.exitCode = 1;
    },
    (e: unknown) => {
      process.stderr.write(`walk: ${(e as Error).message}\n`);
      process.exit(2);
    },
  );
}

// Run as a script (the benchmark spawns it); bench.ts also imports walk() to warm the cache.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main();
}
