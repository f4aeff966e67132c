// Every capture of the shared corpus (fuzzer reproducers, truncated and corrupt files, and real
// traffic) goes through the reader, the decoder and the JSON path without throwing and in bounded
// time. Only CaptureError (not a capture at all) may escape, and only for malformed files.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PacketDecoder } from '../dissectors/decoder.js';
import { packetObject } from '../dissectors/dissect.js';
import { forEachRecord } from '../src/reader/capture.js';
import { CaptureError } from '../src/reader/record.js';
import { CORPUS_DIR } from '../test-support/shared.js';

const CORPUS = CORPUS_DIR;
/** Generous: the biggest corpus file is well under a megabyte; a loop that never ends trips this. */
const MS_PER_FILE = 10_000;

interface Result { file: string; packets: number; errors: number; truncated: number; warnings: number; captureError: string | null; ms: number }

async function run(path: string): Promise<Result> {
  const dec = new PacketDecoder();
  const r: Result = { file: path, packets: 0, errors: 0, truncated: 0, warnings: 0, captureError: null, ms: 0 };
  const t0 = performance.now();
  let slowest = 0;
  try {
    const info = await forEachRecord(path, (rec) => {
      const p0 = performance.now();
      const st = dec.decode(rec.buf, rec.offset, rec.caplen, rec.len, rec.linktype);
      const obj = packetObject(rec, st);
      const json = JSON.stringify(obj);
      if (json.length === 0 || obj.frame !== rec.frame) throw new Error('empty JSON');
      r.packets++;
      if (obj.error !== null) r.errors++;
      if (obj.truncated) r.truncated++;
      slowest = Math.max(slowest, performance.now() - p0);
    }, { chunkSize: 4096 });
    r.warnings = info.warnings.length;
    for (const w of info.warnings) expect(w, `${path}: warning is one line`).not.toMatch(/\n/);
  } catch (e) {
    if (!(e instanceof CaptureError)) throw e;
    expect(e.message).not.toMatch(/\n/);
    r.captureError = e.message;
  }
  r.ms = performance.now() - t0;
  expect(slowest, `${path}: slowest packet ${slowest.toFixed(1)} ms`).toBeLessThan(1000);
  return r;
}

function listFiles(sub: string): string[] {
  const d = join(CORPUS, sub);
  if (!existsSync(d)) return [];
  return readdirSync(d).filter((f) => statSync(join(d, f)).isFile()).sort().map((f) => join(d, f));
}

const present = existsSync(CORPUS);
if (!present) console.warn(`robustness: ${CORPUS} is absent; the corpus tests are skipped`);

describe.skipIf(!present)('corpus robustness', () => {
  for (const sub of ['malformed', 'real']) {
    it(`${sub}/: every file read, decoded and printed without throwing, in bounded time`, async () => {
      const files = listFiles(sub);
      expect(files.length).toBeGreaterThan(0);
      const results: Result[] = [];
      for (const f of files) {
        const res = await run(f);
        expect(res.ms, `${f} took ${res.ms.toFixed(0)} ms`).toBeLessThan(MS_PER_FILE);
        results.push(res);
      }
      const sum = (k: 'packets' | 'errors' | 'truncated' | 'warnings' | 'ms') => results.reduce((a, r) => a + r[k], 0);
      const notCaptures = results.filter((r) => r.captureError !== null);
      const slowest = results.reduce((a, r) => (r.ms > a.ms ? r : a), results[0]);
      console.log(
        `robustness ${sub}: ${results.length} files, ${sum('packets')} packets, ${sum('errors')} with a dissector error, ` +
        `${sum('truncated')} truncated, ${sum('warnings')} reader warnings, ${notCaptures.length} not captures, ` +
        `${sum('ms').toFixed(0)} ms (slowest ${slowest.file.split('/').pop()} ${slowest.ms.toFixed(0)} ms)`,
      );
      for (const r of notCaptures) console.log(`  not a capture: ${r.captureError}`);
      if (sub === 'real') {
        // Well-formed captures must all be readable.
        expect(notCaptures.map((r) => r.file)).toEqual([]);
      }
    });
  }

  // Without the manifest this is a visible skip (it used to return silently and pass).
  const manifest = join(CORPUS, 'MANIFEST.tsv');
  const haveManifest = existsSync(manifest);
  it.skipIf(!haveManifest)(`the MANIFEST packet counts match what the reader finds in real/ (where the reader warns nothing)${haveManifest ? '' : ` (skipped: ${manifest} absent)`}`, async () => {
    const rows = readFileSync(manifest, 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
    const mismatches: string[] = [];
    let compared = 0;
    for (const row of rows) {
      const [file, , , , format, , packets] = row;
      if (!file.startsWith('real/') || !/^pcap/.test(format) || !/^\d+$/.test(packets)) continue;
      let n = 0;
      const info = await forEachRecord(join(CORPUS, file), () => { n++; });
      if (info.warnings.length > 0) continue;
      compared++;
      if (n !== Number(packets)) mismatches.push(`${file}: ${n} read, manifest says ${packets}`);
    }
    // A manifest whose columns moved would match no row and pass with nothing compared.
    expect(compared).toBeGreaterThan(0);
    expect(mismatches).toEqual([]);
  });
});
