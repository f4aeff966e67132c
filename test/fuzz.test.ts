// A short, seeded run of the mutation fuzzer (test-support/fuzz.ts) as part of `npm test`; the
// long run is `npm run fuzz` (a million mutants by default).
import { describe, expect, it } from 'vitest';
import { builtinSeeds, checkInvariants, formatReport, runFuzz, LINKTYPES } from '../test-support/fuzz.js';
import { PacketDecoder } from '../dissectors/decoder.js';
import { describeLayers } from '../dissectors/dissect.js';

describe('fuzz', () => {
  it('the built-in seeds decode cleanly (they are valid packets)', () => {
    const dec = new PacketDecoder();
    for (const s of builtinSeeds()) {
      const st = dec.decode(s.bytes, 0, s.bytes.length, s.bytes.length, s.linktype);
      expect(checkInvariants(st)).toBeNull();
      expect(st.errorText(), `${describeLayers(st).map((l) => l.proto).join(':')}`).toBeNull();
      expect(st.count).toBeGreaterThan(0);
    }
    expect(LINKTYPES).toContain(276);
  });

  it('20,000 seeded mutants and 300 mutated captures: no crash, no out-of-bounds read, no hang, bounded heap', async () => {
    // The watchdog kills this test process (and saves nothing) if one decode hangs for 30 s, rather than hang the suite.
    const r = await runFuzz({ iterations: 20_000, seed: 20240601, readerIterations: 300, crashDir: null, log: () => {}, sampleEvery: 4, watchdogSeconds: 30 });
    console.log(formatReport(r));
    expect(r.mutants).toBe(20_000);
    expect(r.findings.map((f) => `${f.kind}: ${f.message.split('\n')[0]} [lt ${f.linktype}] ${f.hex}`)).toEqual([]);
    expect(r.readerFiles).toBe(300);
    expect(r.heapMaxMB - r.heapStartMB).toBeLessThan(200);
  });

  it('built-in seeds alone (no capture files around): 5,000 mutants, no findings', async () => {
    const r = await runFuzz({ iterations: 5_000, seed: 7, readerIterations: 100, useFiles: false, crashDir: null, log: () => {} });
    expect(r.findings).toEqual([]);
    expect(r.seeds).toBe(builtinSeeds().length);
  });
});
