// Every BGP fuzz reproducer of the shared corpus (/work/shared/corpus/malformed, read in place)
// is survived: the analysis, the dissect layer objects and the text report are built without a
// throw, and every fault is reported as an error naming BGP and the field. Every other file of
// the malformed corpus goes through the BGP stage too. Skips visibly when the corpus is absent.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PacketDecoder } from '../dissectors/decoder.js';
import { forEachRecord } from '../src/reader/capture.js';
import { CaptureError } from '../src/reader/record.js';
import { packetObject } from '../dissectors/dissect.js';
import { BgpAnalysis } from '../src/analyses/bgp/analysis.js';
import { BgpTracker } from '../src/analyses/bgp/tracker.js';
import { bgpText } from '../src/analyses/bgp/report.js';
import { CORPUS_DIR } from '../test-support/shared.js';

const DIR = join(CORPUS_DIR, 'malformed');
const present = existsSync(DIR);
const files = present ? readdirSync(DIR).sort() : [];
const bgpFiles = files.filter((f) => /bgp|tok2str-oobr-1|zmtp1-inf-loop/i.test(f));

const ERROR = /^bgp( [A-Z-]+)?: \S/;

async function run(file: string) {
  const dec = new PacketDecoder();
  const analysis = new BgpAnalysis();
  const dissectTracker = new BgpTracker({ layers: true });
  const layerErrors: string[] = [];
  let layers = 0;
  try {
    await forEachRecord(file, (r) => {
      const st = dec.decode(r.buf, r.offset, r.caplen, r.len, r.linktype);
      analysis.onPacket(r, st);
      dissectTracker.onPacket(r, st);
      const obj = packetObject(r, st, (f) => dissectTracker.layersFor(f));
      for (const l of obj.layers) {
        if (l.proto !== 'bgp') continue;
        layers++;
        if (typeof l.error === 'string') layerErrors.push(l.error);
      }
      JSON.stringify(obj);
    });
  } catch (e) {
    if (!(e instanceof CaptureError)) throw e;
  }
  dissectTracker.finish();
  const result = analysis.finish();
  JSON.stringify(result);
  bgpText(result);
  return { result, layers, layerErrors };
}

describe.skipIf(!present)('BGP fuzz reproducers (malformed corpus)', () => {
  const tally = { files: 0, messages: 0, errors: 0 };
  for (const f of bgpFiles) {
    it(`${f}: survived, faults named`, async () => {
      const { result, layers, layerErrors } = await run(join(DIR, f));
      tally.files++;
      tally.messages += result.summary.messages;
      tally.errors += result.errorCount;
      for (const e of result.errors) expect(e.error).toMatch(ERROR);
      for (const e of layerErrors) expect(e).toMatch(ERROR);
      if (/oobr|ub|infinite-loop|malformed|tok2str/.test(f)) {
        // Over-read reproducers: the bad field is reported.
        expect(result.errorCount + layerErrors.length, f).toBeGreaterThan(0);
      }
      // dissect shows a bgp layer for the messages the analysis counted (it was `layers >= 0`, which cannot fail).
      expect(layers > 0, `${layers} bgp layers, ${result.summary.messages} messages`).toBe(result.summary.messages > 0);
    });
  }

  it('names the field of known faults', async () => {
    const errs = async (f: string) => (await run(join(DIR, f))).result.errors.map((e) => e.error);
    if (bgpFiles.includes('tcpdump__bgp-malformed-hard-reset.pcap')) {
      expect(await errs('tcpdump__bgp-malformed-hard-reset.pcap')).toContain('bgp NOTIFICATION: hard reset data 0 bytes (needs an error code and subcode)');
    }
    if (bgpFiles.includes('tcpdump__bgp-infinite-loop.pcap')) {
      expect(await errs('tcpdump__bgp-infinite-loop.pcap')).toContain('bgp UPDATE: length 19 below the minimum 23 for UPDATE');
    }
    if (bgpFiles.includes('tcpdump__bgp-as-path-oobr.pcap')) {
      expect((await errs('tcpdump__bgp-as-path-oobr.pcap')).some((e) => /AS4?_PATH/.test(e))).toBe(true);
    }
  });

  it('every other file of the malformed corpus passes the BGP stage without a throw', async () => {
    for (const f of files) {
      if (bgpFiles.includes(f)) continue;
      await run(join(DIR, f));
    }
  });

  it('totals', () => {
    console.log(`BGP fuzz reproducers: ${tally.files} files survived, ${tally.messages} messages, ${tally.errors} faults named`);
    expect(tally.files).toBe(bgpFiles.length);
  });
});

// A visible skip, registered only when it applies.
if (!present) {
  describe('BGP fuzz reproducers', () => {
    it.skip(`${DIR} is absent: malformed corpus skipped`, () => {});
  });
}
