// `tunnelscope analyze [FILE...] [--json]`: the whole report. With no file, the bundled sample.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyze, type AnalyzeOptions } from '../analyze.js';
import { analysisText } from '../report/text.js';
import { Out, RANGES, TIME_OPTION, UsageError, fileErrorsStatus, intOption, parse, printWarnings, someReadable, type Command } from './common.js';
import { withRollingView, withoutRollingView } from '../live/rolling.js';
import { ANALYSIS_OPTIONS, analyzeOptions } from './analysis-options.js';

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
  options: { ...ANALYSIS_OPTIONS, ...TIME_OPTION, top: { type: 'string', arg: 'N', default: '20', describe: 'how many flows to list (1 to 10,000,000)' },
    interval: { type: 'string', arg: 'SECONDS', describe: 'every SECONDS of wall time, a rolling summary on standard error (redrawn on a terminal, NDJSON otherwise)' } },
  async run(args) {
    const p = parse(this, args, this.options);
    if (!p) return 0;
    let files = p.positionals;
    if (files.length === 0) {
      files = [sampleCapture()];
      if (!p.values.json) process.stderr.write(`tunnelscope: no capture given; analysing the bundled sample ${files[0]}\n`);
    }
    let opts: AnalyzeOptions = { ...analyzeOptions(p.values), top: intOption(p.values.top, '--top', RANGES.top) };
    // --interval: a rolling view on standard error while reading (src/live/rolling.ts).
    const interval = p.values.interval === undefined ? undefined : Number(p.values.interval);
    if (interval !== undefined && !(interval >= 0.1 && interval <= 86400)) throw new UsageError(`--interval: '${p.values.interval}' is not a number of seconds (0.1 to 86400)`);
    if (interval !== undefined) opts = withRollingView(opts, { intervalS: interval, json: p.values.json === true, out: process.stderr });
    const doc = withoutRollingView(await analyze(files, opts));
    if (!someReadable(doc.summary.files)) return fileErrorsStatus(doc.summary.files);
    const out = new Out(p.values.json === true);
    await out.write(p.values.json ? JSON.stringify(doc, null, 2) + '\n' : analysisText(doc));
    await out.end();
    for (const f of doc.summary.files) printWarnings(f.warnings, f.name);
    return fileErrorsStatus(doc.summary.files);
  },
};
