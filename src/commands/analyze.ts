// `tunnelscope analyze [FILE...] [--json]`: the whole report. With no file, the bundled sample.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyze } from '../analyze.js';
import { analysisText } from '../report/text.js';
import { Out, RANGES, decoderOptions, fileErrorsStatus, intOption, parse, printWarnings, someReadable, type Command, type Options, type Parsed } from './common.js';
import { ANALYSIS_OPTIONS, analyzeOptions } from './analysis-options.js';
import { formatClusterText, parseNodeSpecs, parseWindow } from './correlate.js';
import { clusterView, type ClusterSection } from '../correlate/cluster.js';
import type { AnalysisDocument } from '../analyze.js';
import { stopSignal } from '../reader/capture.js';

/** analyze and report over captures from several nodes (the cluster view). */
export const CLUSTER_OPTIONS: Options = { node: { type: 'string', multiple: true }, window: { type: 'string' } };

/** The positional files plus those given only through --node. */
export function withNodeFiles(positionals: readonly string[], named: ReadonlyMap<string, string>): string[] {
  const files = [...positionals];
  for (const f of named.keys()) if (!files.includes(f)) files.push(f);
  return files;
}

/**
 * After the analyze run: with files from more than one node, `doc.cluster` counts a packet seen at
 * its sender and its receiver once (src/correlate/cluster.ts). Returns the section, or null.
 */
export async function addClusterSection(doc: AnalysisDocument, files: readonly string[], named: ReadonlyMap<string, string>, values: Parsed['values']): Promise<ClusterSection | null> {
  const readable = doc.summary.files.filter((f) => f.error === null).map((f) => f.name);
  // Interrupted (SIGINT/SIGTERM): the results cover what was read; nothing more is read.
  if (readable.length < 2 || stopSignal()?.aborted) return null;
  const cluster = await clusterView(files.filter((f) => readable.includes(f)), named, { ...decoderOptions(values), windowS: parseWindow(values.window) });
  if (cluster) doc.cluster = cluster;
  if (cluster && values.quiet !== true) for (const w of cluster.warnings) process.stderr.write(`tunnelscope: warning: cluster: ${w}\n`);
  return cluster;
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
  usage: 'tunnelscope analyze [FILE...] [--node NAME=FILE]... [--window S] [--json] [--top N] [--mtu 1500] [--pod-cidr CIDR]... [--vxlan-port P]... [--max-flows N] [--quiet]',
  async run(args) {
    const p = parse(this, args, { ...ANALYSIS_OPTIONS, ...CLUSTER_OPTIONS, top: { type: 'string' } });
    if (!p) return 0;
    const named = parseNodeSpecs(p.values.node);
    parseWindow(p.values.window); // a bad value is a usage error before the run, not after
    let files = withNodeFiles(p.positionals, named);
    if (files.length === 0) {
      files = [sampleCapture()];
      if (!p.values.json) process.stderr.write(`tunnelscope: no capture given; analysing the bundled sample ${files[0]}\n`);
    }
    const doc = await analyze(files, { ...analyzeOptions(p.values), top: intOption(p.values.top, '--top', RANGES.top) });
    if (!someReadable(doc.summary.files)) return fileErrorsStatus(doc.summary.files);
    const cluster = await addClusterSection(doc, files, named, p.values);
    const out = new Out(p.values.json === true);
    await out.write(p.values.json ? JSON.stringify(doc, null, 2) + '\n' : analysisText(doc) + (cluster ? formatClusterText(cluster) : ''));
    await out.end();
    for (const f of doc.summary.files) printWarnings(f.warnings, f.name);
    return fileErrorsStatus(doc.summary.files);
  },
};
