// `tunnelscope analyze [FILE...] [--json]`: the whole report. With no file, the bundled sample.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
// What only some runs need is loaded when they do (start-up time): the text report without
// --json, the rolling view with --interval, correlation with --node, --window or several files.
import { analyze, type AnalyzeOptions } from '../engine/analyze.js';
import { Out, RANGES, TIME_OPTION, UsageError, decoderOptions, fileErrorsStatus, intOption, parse, printWarnings, someReadable, type Command, type Options, type Parsed } from './common.js';
import { ANALYSIS_OPTIONS, analyzeOptions } from './analysis-options.js';
import { jsonPieces } from '../render/json.js';
import type { ClusterSection } from '../analyses/correlate/cluster.js';
import type { AnalysisDocument } from '../engine/analyze.js';
import { stopSignal } from '../reader/capture.js';

/** analyze and report over captures from several nodes (the cluster view). */
export const CLUSTER_OPTIONS: Options = {
  node: { type: 'string', multiple: true, arg: 'NAME=FILE', describe: 'the node a capture was taken on; with captures of several nodes the cluster view counts each packet once' },
  window: { type: 'string', arg: 'SECONDS', defaultText: '1', describe: 'cluster view: how far apart in time two sightings of a packet may be (0 to 3600)' },
};

/** The positional files plus those given only through --node. */
export function withNodeFiles(positionals: readonly string[], named: ReadonlyMap<string, string>): string[] {
  const files = [...positionals];
  for (const f of named.keys()) if (!files.includes(f)) files.push(f);
  return files;
}

/**
 * After the analyze run: with files from more than one node, `doc.cluster` counts a packet seen at
 * its sender and its receiver once (src/analyses/correlate/cluster.ts). Returns the section, or null.
 */
export async function addClusterSection(doc: AnalysisDocument, files: readonly string[], named: ReadonlyMap<string, string>, values: Parsed['values']): Promise<ClusterSection | null> {
  const readable = doc.summary.files.filter((f) => f.error === null).map((f) => f.name);
  // Interrupted (SIGINT/SIGTERM): the results cover what was read; nothing more is read.
  if (readable.length < 2 || stopSignal()?.aborted) return null;
  const [{ clusterView }, { parseWindow }] = await Promise.all([import('../analyses/correlate/cluster.js'), import('./correlate.js')]);
  const cluster = await clusterView(files.filter((f) => readable.includes(f)), named, { ...decoderOptions(values), windowS: parseWindow(values.window) });
  if (cluster) doc.cluster = cluster;
  if (cluster && values.quiet !== true) for (const w of cluster.warnings) process.stderr.write(`tunnelscope: warning: cluster: ${w}\n`);
  return cluster;
}

/**
 * --node and --window, checked before the run (a bad value is a usage error before the run, not
 * after): the files named by --node. The parsers live with `correlate`, loaded only when asked.
 */
export async function clusterOptions(values: Parsed['values']): Promise<Map<string, string>> {
  if (values.node === undefined && values.window === undefined) return new Map();
  const { parseNodeSpecs, parseWindow } = await import('./correlate.js');
  parseWindow(values.window);
  return parseNodeSpecs(values.node);
}

/** The package root, found from this module whether it runs from src/ or dist/src/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

export function sampleCapture(): string {
  return join(packageRoot(), 'fixtures', 'sample', 'node-mix.pcap');
}

export const analyzeCommand: Command = {
  name: 'analyze',
  summary: 'everything in one report: summary, classes, flows, tunnels, overhead, BGP, lint, CNI',
  usage: 'tunnelscope analyze [FILE...] [options]   (no FILE: the bundled sample)',
  options: { ...ANALYSIS_OPTIONS, ...CLUSTER_OPTIONS, ...TIME_OPTION, top: { type: 'string', arg: 'N', default: '20', describe: 'how many flows to list (1 to 10,000,000)' },
    interval: { type: 'string', arg: 'SECONDS', describe: 'every SECONDS of wall time, a rolling summary on standard error (redrawn on a terminal, NDJSON otherwise)' } },
  async run(args) {
    const p = parse(this, args, this.options);
    if (!p) return 0;
    const named = await clusterOptions(p.values);
    let files = withNodeFiles(p.positionals, named);
    if (files.length === 0) {
      files = [sampleCapture()];
      if (!p.values.json) process.stderr.write(`tunnelscope: no capture given; analysing the bundled sample ${files[0]}\n`);
    }
    let opts: AnalyzeOptions = { ...analyzeOptions(p.values), top: intOption(p.values.top, '--top', RANGES.top) };
    // --interval: a rolling view on standard error while reading (src/live/rolling.ts).
    const interval = p.values.interval === undefined ? undefined : Number(p.values.interval);
    if (interval !== undefined && !(interval >= 0.1 && interval <= 86400)) throw new UsageError(`--interval: '${p.values.interval}' is not a number of seconds (0.1 to 86400)`);
    const rolling = interval === undefined ? null : await import('../live/rolling.js');
    if (rolling) opts = rolling.withRollingView(opts, { intervalS: interval!, json: p.values.json === true, out: process.stderr });
    let doc = await analyze(files, opts);
    if (rolling) doc = rolling.withoutRollingView(doc);
    if (!someReadable(doc.summary.files)) return fileErrorsStatus(doc.summary.files);
    const cluster = await addClusterSection(doc, files, named, p.values);
    const out = new Out(p.values.json === true);
    if (p.values.json) {
      // In pieces as it is serialised (src/render/json.ts): the same text as JSON.stringify(doc, null, 2).
      for (const piece of jsonPieces(doc)) {
        const behind = out.write(piece);
        if (behind) await behind;
      }
      await out.write('\n');
    } else await out.write(await documentText(doc, cluster));
    await out.end();
    for (const f of doc.summary.files) printWarnings(f.warnings, f.name);
    return fileErrorsStatus(doc.summary.files);
  },
};

/** The text report (the modules that write it are loaded only for text output). */
export async function documentText(doc: AnalysisDocument, cluster: ClusterSection | null): Promise<string> {
  const { analysisText } = await import('../render/text.js');
  return analysisText(doc) + (cluster ? (await import('./correlate.js')).formatClusterText(cluster) : '');
}
