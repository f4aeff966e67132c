// Oracle test (issue 2): for every packet of every capture in fixtures/ and in the shared public
// corpus, our layer stack and header fields must agree with tshark's. See test/oracle-lib.ts for
// what is compared and how tshark's output is reduced to what we model.
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ORACLE_FIELDS, compareFile, decodeAsFor, findCaptures, runTsharkBatched, type Exclusion, type FileResult } from './oracle-lib.js';
import { isClassicPcap, mapLimit, runTshark, tsharkPath, tsharkVersion, type TsharkRun } from './helpers/tshark.js';
import { SHARED_DIR } from '../test-support/shared.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const FIXTURES = join(ROOT, 'fixtures');
const SHARED = SHARED_DIR;
const CORPUS = join(SHARED, 'corpus', 'real');

/**
 * Known, legitimate differences. Each names one file (by its path relative to fixtures/ or to the
 * corpus), one field (`stack`, `count`, `len` or a tshark field name), optionally frames, and why.
 * Nothing here hides a bug of ours: those get fixed in the dissector.
 */
export const EXCLUSIONS: readonly Exclusion[] = [
  { file: /^corpus\/tcpdump__bigtcp-ipv4-vxlan-ipv4\.pcap$/, field: 'stack', frames: [1],
    reason: 'BIG TCP frame with IPv4 total length 0 and UDP length 0: we run both to the end of the bytes (GSO/BIG TCP) and open the VXLAN inside; tshark 4.0 calls UDP length 0 bogus and stops at udp' },
  { file: /./, field: 'ip.len', when: (ours, tshark) => ours.length === tshark.length && ours.every((v, i) => v === tshark[i] || v === '0'),
    reason: 'TSO/GSO/BIG TCP super-frames carry IPv4 total length 0: we report the field as sent (0), tshark (ip.tso_support) prints the length it presumes; only positions where ours is 0 may differ' },
  { file: /^fixtures\/malformed\.pcap$/, field: 'stack', frames: [16],
    reason: 'Geneve version 1: RFC 8926 says to drop unknown versions, so we stop with "geneve: bad version (1)"; tshark warns and dissects the payload anyway' },
  ...['ip.src', 'ip.dst', 'ip.proto', 'ip.id', 'ip.ttl', 'ip.flags.df', 'ip.flags.mf', 'ip.frag_offset'].map((field) => ({
    file: /^fixtures\/malformed\.pcap$/, field, frames: [7],
    reason: 'IPv4 total length 10 (< header length): tshark stops adding header fields after the bogus length; we report every field of the 20 header bytes that are there',
  })),
  ...['geneve.option.class', 'geneve.option.type'].map((field) => ({
    file: /^fixtures\/malformed\.pcap$/, field, frames: [15],
    reason: 'a Geneve option whose length (128) runs past the 4-byte options area: we list its header with the declared length (dissectors/geneve.test.ts pins this); tshark only raises an expert warning and lists no option',
  })),
  { file: /^fixtures\/lint\/vxlan-port-not-vxlan\.trigger\.pcap$/, field: 'stack', frames: [3, 4, 5],
    reason: 'UDP 6784 carries Weave VXLAN (frames 1-2) and micro-BFD (3-5) in one file: tshark has no VXLAN plausibility check, so its decode-as rule makes all of them VXLAN; we decode 3-5 as BFD (their BFD fields are compared in fixtures/heuristic-ports.pcap)' },
  { file: /^fixtures\/erspan3-ft\.pcap$/, field: 'stack', frames: [2],
    reason: 'ERSPAN III frame type 2 is IP (draft-foschiano-erspan-03), which we dissect; tshark 4.0 hands every frame type but 0 (Ethernet) to its data dissector' },
  ...['tcp.ack_raw', 'tcp.flags'].map((field) => ({
    file: /^fixtures\/malformed\.pcap$/, field, frames: [25],
    reason: 'TCP data offset 3 (bogus): tshark stops adding header fields after seq; we report every field of the 20 bytes that are there',
  })),
];

const haveTshark = tsharkPath() !== null;
const haveShared = existsSync(SHARED);

if (!haveTshark) console.warn('oracle: SKIPPED: tshark is not installed (`which tshark` found nothing); the oracle comparison did not run');
if (haveTshark && !haveShared) console.warn(`oracle: corpus SKIPPED: ${SHARED} is absent; only fixtures/ is compared`);

interface Target { path: string; label: string }
const targets: Target[] = [
  ...findCaptures(FIXTURES).map((p) => ({ path: p, label: `fixtures/${relative(FIXTURES, p)}` })),
  ...(haveShared ? findCaptures(CORPUS).map((p) => ({ path: p, label: `corpus/${relative(CORPUS, p)}` })) : []),
];

const results = new Map<string, FileResult>();

/**
 * Files whose batched tshark output is compared with tshark run on the file alone: a few always
 * (calico-ipip.pcap shares a BGP session's addresses with calico-bgp.pcap), every one with ORACLE_CHECK_MERGE=1.
 */
const CHECK_MERGE = new Set(targets.filter((t) => isClassicPcap(t.path)).map((t) => t.label)
  .filter((l, i, all) => process.env.ORACLE_CHECK_MERGE === '1' || i === 1 || i === all.length - 1 || l === 'fixtures/cni/calico-ipip.pcap'));
const mergeChecks = new Map<string, { merged: TsharkRun; alone: TsharkRun }>();

function fmt(r: FileResult): string {
  const lines = r.mismatches.slice(0, 15).map((m) => `  frame ${m.frame} ${m.field}: ours=${JSON.stringify(m.ours)} tshark=${JSON.stringify(m.tshark)}`);
  if (r.mismatches.length > 15) lines.push(`  ... ${r.mismatches.length - 15} more`);
  return `${r.label}: ${r.mismatches.length} mismatches${r.error ? ` (${r.error})` : ''}\n${lines.join('\n')}`;
}

(haveTshark ? describe : describe.skip)(`oracle: tunnelscope vs tshark ${haveTshark ? tsharkVersion() ?? '' : '(tshark not installed)'}`, () => {
  beforeAll(async () => {
    // tshark first, with few processes (runTsharkBatched: classic pcap files that share no address
    // pair go to one tshark, up to 30 at a time), per set of -d rules; then each file is compared on
    // its own as before.
    const byRules = new Map<string, Target[]>();
    for (const t of targets) {
      const key = JSON.stringify(decodeAsFor(t.label) ?? null);
      byRules.set(key, [...(byRules.get(key) ?? []), t]);
    }
    const runs = new Map<string, TsharkRun>();
    for (const group of byRules.values()) {
      const decodeAs = decodeAsFor(group[0].label);
      for (const [f, run] of await runTsharkBatched(group.map((t) => t.path), ORACLE_FIELDS, decodeAs ? { decodeAs } : {})) runs.set(f, run);
      for (const t of group.filter((x) => CHECK_MERGE.has(x.label))) {
        mergeChecks.set(t.label, { merged: runs.get(t.path)!, alone: await runTshark(t.path, ORACLE_FIELDS, decodeAs ? { decodeAs } : {}) });
      }
    }
    const all = await mapLimit(targets, 1, (t) => compareFile(t.path, t.label, EXCLUSIONS, runs.get(t.path)));
    for (const r of all) results.set(r.label, r);
    let packets = 0, values = 0, mismatches = 0, excluded = 0;
    const rows: string[] = [];
    for (const r of all) {
      packets += r.packets;
      values += r.values;
      mismatches += r.mismatches.length;
      excluded += r.excluded;
      rows.push(`  ${r.label}: ${r.packets} packets, ${r.values} values, ${r.mismatches.length} mismatches${r.excluded ? `, ${r.excluded} excluded differences` : ''}`);
    }
    console.log(`oracle per file:\n${rows.join('\n')}`);
    const used = new Map<Exclusion, string[]>();
    for (const r of all) for (const [e, k] of r.usedExclusions) used.set(e, [...(used.get(e) ?? []), `${r.label} (${k})`]);
    if (used.size) {
      console.log(`oracle exclusions applied:\n${[...used].map(([e, where]) => `  ${e.field}${e.frames ? ` frames ${e.frames.join(',')}` : ''} in ${where.join(', ')}: ${e.reason}`).join('\n')}`);
    }
    console.log(`oracle: ${packets} packets, ${values} field values compared over ${all.length} files, ${mismatches} mismatches, ${excluded} excluded differences (${EXCLUSIONS.length} exclusions)`);
  }, 1_800_000); // one tshark per file over ~350 files: slow on a loaded 2-core machine

  it('finds captures to compare', () => {
    expect(targets.length).toBeGreaterThan(0);
  });

  for (const t of targets) {
    it(`agrees with tshark on ${t.label}`, () => {
      const r = results.get(t.label);
      expect(r, 'no result').toBeDefined();
      if (r!.mismatches.length) expect.fail(fmt(r!));
    });
  }

  it('tshark over batched files sees each file as tshark over the file alone', () => {
    expect(mergeChecks.size).toBe(CHECK_MERGE.size);
    expect(mergeChecks.size).toBeGreaterThan(0);
    let frames = 0;
    for (const [label, { merged, alone }] of mergeChecks) {
      frames += alone.frames.length;
      expect(merged.frames, label).toEqual(alone.frames);
    }
    expect(frames).toBeGreaterThan(0);
  });

  it('every exclusion is still needed', () => {
    // An exclusion that no longer matches any difference is stale (the files it names may not exist
    // yet: fixtures are added over time, so only exclusions for files present are checked).
    const used = new Set<Exclusion>();
    for (const r of results.values()) for (const e of r.usedExclusions.keys()) used.add(e);
    const stale = EXCLUSIONS.filter((e) => !used.has(e) && targets.some((t) => e.file.test(t.label)));
    expect(stale.map((e) => `${e.file} ${e.field}: ${e.reason}`)).toEqual([]);
  });
});

if (!haveShared) {
  describe.skip(`oracle: public corpus (${SHARED} is absent)`, () => {
    it('compares the corpus', () => {});
  });
}
