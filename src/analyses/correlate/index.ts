// `correlate`: captures from several nodes matched packet by packet. A sample of each capture
// names the nodes' addresses (nodes.ts); then all captures are read at once, merged by timestamp
// with backpressure (a capture that runs ahead waits), through the matching engine (match.ts).
import { createReadStream, statSync } from 'node:fs';
import { PacketDecoder, type DecoderOptions } from '../../../dissectors/decoder.js';
import { forEachRecord, stopSignal } from '../../reader/capture.js';
import { Selection, type SelectionSpec } from '../../filter/options.js';
import { CaptureError, formatTimestamp } from '../../reader/record.js';
import { AddressBook } from './addresses.js';
import { Sighting, readSighting } from './identity.js';
import { SightingStore } from './store.js';
import { Matcher } from './match.js';
import { inferAddresses, sampleCapture, sampleFingerprints, type AddressEvidence, type NodeInput } from './nodes.js';
import { addressMap, fingerprintChunks, fingerprintField, isFingerprintFile, readFingerprint, readTrailer, FP_RECORD, type FingerprintTrailer } from './fingerprints.js';
import { pathJson, type PathJson } from './paths.js';
import type { ClockJson } from './clock.js';
import { attachCorrelateFilters } from '../findings/filters.js';
import { correlateFindings, type CorrelateFinding } from './findings.js';
import { pairMatrix, type MatrixCell } from './cluster.js';
import type { Severity } from '../lint/rules.js';

export { nodeName, type NodeInput } from './nodes.js';
export { exportFingerprints, isFingerprintFile, readTrailer } from './fingerprints.js';
export { CORRELATE_RULES } from './findings.js';

export interface CorrelateOptions extends DecoderOptions {
  /** Seconds: how far apart two sightings of one packet may be (delay plus clock offset). Default 1. */
  windowS?: number;
  /** Records per capture read up front to learn the nodes' addresses (default 50000). */
  sample?: number;
  /**
   * The packets to match (-Y, -c, --from, --to), per capture; the address sampling still reads
   * every packet, and fingerprint files are taken as exported.
   */
  select?: SelectionSpec;
  /** Read chunk size in bytes (default 256 KiB). */
  chunkSize?: number;
  /**
   * Give up (correlateNodes returns null) unless every input shows an address of its own (none
   * shared): analyze uses it to tell captures of several nodes from one node's capture in parts.
   */
  requireDistinctNodes?: boolean;
  /** Rule overrides (`--config`, lint's file format; see config.ts). */
  rules?: ReadonlyMap<string, { severity?: Severity; enabled?: boolean }>;
}

export interface NodeJson {
  name: string;
  file: string;
  addresses: string[];
  packets: number;
  /** Wire bytes of all records (null for a fingerprint file, which keeps no frame lengths). */
  bytes: number | null;
  /** Records of packets that another node sent (or saw first), and their wire bytes: the cluster view counts them there. */
  countedElsewhere: { packets: number; bytes: number };
  firstTs: string | null;
  lastTs: string | null;
  addressEvidence: AddressEvidence[];
  /** Packets whose outer addresses belong to no pair of the captured nodes. */
  notBetweenNodes: number;
  warnings: string[];
}

export interface CorrelateResult {
  nodes: NodeJson[];
  clock: ClockJson[];
  paths: PathJson[];
  findings: CorrelateFinding[];
  /** Node x node: every path from one node to another summed (cluster.ts). */
  matrix: MatrixCell[];
  /** Packets seen at more than one node. */
  countedOnce: number;
  window: number;
  /** Seconds during which each pair of captures overlaps (after trimming the window off each edge). */
  overlap: { a: string; b: string; seconds: number }[];
  peakWindowPackets: number;
  warnings: string[];
}

/** Queue length above which a capture's reader waits for the others. */
const HIGH_WATER = 32768;

class Feed {
  readonly queue = new SightingStore(HIGH_WATER * 2);
  done = false;
  resume: (() => void) | null = null;
  firstSec = -1;
  firstNsec = 0;
  lastSec = -1;
  lastNsec = 0;
  packets = 0;
  wireBytes = 0;
  lastTs = -Infinity;
  constructor(readonly index: number, readonly file: string) {}
}

export async function correlate(inputs: readonly NodeInput[], opts: CorrelateOptions = {}): Promise<CorrelateResult> {
  return (await correlateNodes(inputs, { ...opts, requireDistinctNodes: false }))!;
}

/** `correlate`, or null when `requireDistinctNodes` is set and the inputs are not distinct nodes. */
export async function correlateNodes(inputs: readonly NodeInput[], opts: CorrelateOptions = {}): Promise<CorrelateResult | null> {
  const windowNs = Math.round((opts.windowS ?? 1) * 1e9);
  const names = inputs.map((i) => i.name);
  for (const i of inputs) {
    let isDir = false;
    try {
      isDir = statSync(i.file).isDirectory();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new CaptureError(`${i.file}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message}`);
    }
    if (isDir) throw new CaptureError(`${i.file}: is a directory`);
  }
  const decoder = new PacketDecoder(opts);
  const book = new AddressBook();
  const base = { sec: -1 };
  const samples = [];
  // Fingerprint files (correlate --export) stand in for captures: their trailer and address table.
  const prints: (FingerprintTrailer | null)[] = inputs.map((i) => (isFingerprintFile(i.file) ? readTrailer(i.file) : null));
  const printAddr = prints.map((t) => (t ? addressMap(t, book) : null));
  for (let k = 0; k < inputs.length; k++) {
    const t = prints[k];
    samples.push(t ? await sampleFingerprints(inputs[k].file, t, printAddr[k]!, opts.sample ?? 50000, base)
      : await sampleCapture(inputs[k].file, decoder, book, opts.sample ?? 50000, base));
  }
  // The base second for relative nanosecond timestamps: the earliest first record.
  for (const s of samples) if (s.firstSec >= 0 && s.firstSec < base.sec) base.sec = s.firstSec;
  const plan = inferAddresses(samples, book, names);
  if (opts.requireDistinctNodes && plan.own.some((m) => m.size === 0)) return null;
  const ownerArr: number[] = [];
  plan.own.forEach((m, node) => { for (const a of m.keys()) ownerArr[a] = node; });
  const ownerOf = (a: number): number => ownerArr[a] ?? -1;
  const nodeOf = (a: number): number => ownerArr[a] ?? plan.nat.get(a) ?? -1;
  const rel = (sec: number, nsec: number) => (sec - base.sec) * 1e9 + nsec;
  const starts = Float64Array.from(samples, (s) => (s.firstSec < 0 ? Infinity : rel(s.firstSec, s.firstNsec)));
  const matcher = new Matcher({ nodes: inputs.length, windowNs, ownerOf, nodeOf, starts });
  const feeds = inputs.map((inp, k) => new Feed(k, inp.file));

  // Moves sightings into the matcher, oldest first, while every unfinished capture has one queued.
  const drain = () => {
    for (;;) {
      let best: Feed | null = null, bestTs = Infinity;
      for (const f of feeds) {
        if (f.queue.length === 0) {
          if (!f.done) return;
          continue;
        }
        const t = f.queue.headTs();
        if (best === null || t < bestTs) { best = f; bestTs = t; }
      }
      if (best === null) return;
      matcher.take(best.queue);
      if (best.resume && best.queue.length < HIGH_WATER / 2) {
        const r = best.resume;
        best.resume = null;
        r();
      }
    }
  };
  async function* gated(f: Feed): AsyncGenerator<Uint8Array> {
    for await (const chunk of createReadStream(f.file, { highWaterMark: opts.chunkSize ?? 1 << 18 })) {
      drain();
      while (f.queue.length > HIGH_WATER) await new Promise<void>((r) => { f.resume = r; });
      yield chunk as Uint8Array;
    }
  }
  const warnings: string[] = [...plan.warnings];
  const fileWarnings: string[][] = inputs.map(() => []);
  const sighting = new Sighting();
  // A capture read to its end: its span is known, and the others need not wait for it.
  const finishFeed = (f: Feed) => {
    f.done = true;
    matcher.ends[f.index] = f.lastSec < 0 ? -Infinity : rel(f.lastSec, f.lastNsec);
    drain();
    for (const g of feeds) if (g.resume) { const r = g.resume; g.resume = null; r(); }
  };
  async function readPrints(f: Feed, t: FingerprintTrailer, addr: Int32Array): Promise<void> {
    const s = new Sighting();
    const shift = (t.baseSec - base.sec) * 1e9;
    f.packets = t.packets;
    if (t.firstSec >= 0) { f.firstSec = t.firstSec; f.firstNsec = t.firstNsec; f.lastSec = t.lastSec; f.lastNsec = t.lastNsec; }
    fileWarnings[f.index].push(...t.warnings);
    for await (const { buf, count } of fingerprintChunks(f.file, t)) {
      for (let k = 0; k < count; k++) {
        const o = k * FP_RECORD;
        readFingerprint(buf, o, addr, s);
        let ts = shift + fingerprintField.ts(buf, o);
        if (ts < f.lastTs) ts = f.lastTs;
        f.lastTs = ts;
        f.queue.push(s, f.index, fingerprintField.point(buf, o), ts, fingerprintField.frame(buf, o));
      }
      drain();
      while (f.queue.length > HIGH_WATER) await new Promise<void>((r) => { f.resume = r; });
    }
  }
  await Promise.all(feeds.map(async (f) => {
    const t = prints[f.index];
    if (t) {
      try {
        await readPrints(f, t, printAddr[f.index]!);
      } finally {
        finishFeed(f);
      }
      return;
    }
    const dec = new PacketDecoder(opts);
    const sel = new Selection(opts.select, dec.tables);
    try {
      const info = await forEachRecord(gated(f), (r) => {
        f.packets++;
        f.wireBytes += r.len;
        if (f.firstSec < 0) { f.firstSec = r.tsSec; f.firstNsec = r.tsNsec; }
        if (r.tsSec > f.lastSec || (r.tsSec === f.lastSec && r.tsNsec > f.lastNsec)) { f.lastSec = r.tsSec; f.lastNsec = r.tsNsec; }
        const st = dec.decode(r.buf, r.offset, r.caplen, r.len, r.linktype);
        if (!sel.accept(r, st)) return;
        if (!readSighting(st, book, sighting)) return;
        // Out-of-order timestamps inside one capture are clamped, so the merge stays ordered.
        let t = rel(r.tsSec, r.tsNsec);
        if (t < f.lastTs) t = f.lastTs;
        f.lastTs = t;
        const point = r.interfaceId * 65536 + (st.ifIndex & 0xffff);
        f.queue.push(sighting, f.index, point, t, r.frame);
      }, { limit: sel.readLimit(), signal: sel.stopSignal(stopSignal()) });
      fileWarnings[f.index].push(...info.warnings);
    } finally {
      finishFeed(f);
    }
  }));
  drain();
  matcher.finish();

  const paths = matcher.paths
    .filter((p) => p.sent > 0 || p.receivedNotSeenSent > 0)
    .sort((a, b) => a.from - b.from || a.to - b.to || a.cls - b.cls || a.tunnelId - b.tunnelId || a.dstPort - b.dstPort)
    .map((p) => {
      const hi = Math.min(matcher.ends[p.from], matcher.ends[p.to]) - windowNs;
      return { stats: p, json: pathJson(p, names, book, matcher.clock.correctionNs(p.from, p.to), hi - p.timeOrigin) };
    });
  const overlap: CorrelateResult['overlap'] = [];
  for (let a = 0; a < inputs.length; a++) {
    for (let b = a + 1; b < inputs.length; b++) {
      const lo = Math.max(starts[a], starts[b]) + windowNs, hi = Math.min(matcher.ends[a], matcher.ends[b]) - windowNs;
      overlap.push({ a: names[a], b: names[b], seconds: Math.max(0, hi - lo) / 1e9 });
    }
  }
  const clock = matcher.clock.json(names);
  const nodes: NodeJson[] = inputs.map((inp, k) => {
    const f = feeds[k];
    const own = [...plan.own[k]].sort((x, y) => (y[1].sends + y[1].receives) - (x[1].sends + x[1].receives));
    return {
      name: inp.name,
      file: inp.file,
      addresses: own.map(([a]) => book.text(a)),
      packets: f.packets,
      bytes: prints[k] ? null : f.wireBytes,
      countedElsewhere: { packets: matcher.repeatRecords[k], bytes: matcher.repeatBytes[k] },
      firstTs: f.firstSec < 0 ? null : formatTimestamp(f.firstSec, f.firstNsec),
      lastTs: f.lastSec < 0 ? null : formatTimestamp(f.lastSec, f.lastNsec),
      addressEvidence: own.map(([a, e]) => ({ address: book.text(a), sends: e.sends, receives: e.receives, via: e.via })),
      notBetweenNodes: matcher.elsewhere[k],
      warnings: fileWarnings[k],
    };
  });
  const findings = correlateFindings(paths, matcher.clock, names, opts.rules);
  attachCorrelateFilters(findings, nodes, { vxlanPorts: [...(opts.vxlanPorts ?? [])], genevePorts: [...(opts.genevePorts ?? [])] }, paths.map((p) => p.json));
  return {
    nodes, clock, paths: paths.map((p) => p.json), findings, matrix: pairMatrix(paths.map((p) => p.stats), names, matcher.clock),
    countedOnce: matcher.multiNode, window: windowNs / 1e9, overlap,
    peakWindowPackets: matcher.peakWindow, warnings,
  };
}
