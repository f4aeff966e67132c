// `tunnelscope report [FILE...] -o report.html`: the `analyze` document, plus traffic over time,
// as one self-contained HTML page. With no file, the bundled sample.
import { writeFile } from 'node:fs/promises';
import { analyze, type AnalyzeOptions } from '../analyze.js';
import { renderReport } from '../report/html.js';
import { TimelineAnalysis } from '../report/timeline.js';
import { standardAnalyses } from '../standard.js';
import { createLintSet } from '../lint/index.js';
import { intOption, parse, printWarnings, UsageError, type Command } from './common.js';
import { ANALYSIS_OPTIONS, analyzeOptions } from './analysis-options.js';
import { sampleCapture } from './analyze.js';

const { json: _json, ...REPORT_BASE } = ANALYSIS_OPTIONS;

/** Flows listed in the page unless --top says otherwise (also the table's row cap). */
export const REPORT_TOP = 500;

/**
 * The analysis behind the page: what `analyze --json` holds plus the `timeline` section. While
 * analyze's standard set (src/standard.ts) does not run the lint set yet, the report adds it (BGP,
 * L2, CNI, lint in one pass) so the page has those sections; once it does, nothing is added twice.
 */
export function reportAnalyzeOptions(base: AnalyzeOptions, top = REPORT_TOP): AnalyzeOptions {
  const extra = base.extraAnalyses;
  return {
    ...base, top,
    extraAnalyses: (d) => {
      const callers = extra?.(d) ?? [];
      const have = new Set([...standardAnalyses(base, d), ...callers].map((a) => a.name));
      const lintSet = have.has('lint') || have.has('cni') ? [] : createLintSet({
        vxlanPorts: base.vxlanPorts, genevePorts: base.genevePorts, mtu: base.mtu, bgp: have.has('bgp') ? null : undefined,
      }).analyses.filter((a) => !have.has(a.name));
      return [...callers, ...lintSet, new TimelineAnalysis()];
    },
  };
}

export const reportCommand: Command = {
  name: 'report',
  summary: 'the analysis as a self-contained HTML page with charts (-o report.html)',
  usage: 'tunnelscope report [FILE...] [-o report.html] [--top N] [--mtu 1500] [--pod-cidr CIDR]... [--vxlan-port P]... [--geneve-port P]... [--max-flows N] [--quiet]',
  async run(args) {
    const p = parse(this, args, { ...REPORT_BASE, output: { type: 'string', short: 'o' }, top: { type: 'string' } });
    if (!p) return 0;
    const out = typeof p.values.output === 'string' ? p.values.output : 'report.html';
    if (out === '') throw new UsageError(`-o: no file name\nusage: ${this.usage}`);
    let files = p.positionals;
    if (files.length === 0) {
      files = [sampleCapture()];
      process.stderr.write(`tunnelscope: no capture given; reporting on the bundled sample ${files[0]}\n`);
    }
    const top = intOption(p.values.top, '--top', 1) ?? REPORT_TOP;
    const doc = await analyze(files, reportAnalyzeOptions(analyzeOptions(p.values), top));
    const html = renderReport(doc, { generatedAt: new Date(), rowCap: REPORT_TOP });
    if (out === '-') process.stdout.write(html);
    else {
      await writeFile(out, html);
      process.stderr.write(`tunnelscope: wrote ${out} (${(Buffer.byteLength(html) / 1024).toFixed(0)} KiB)\n`);
    }
    for (const f of doc.summary.files) printWarnings(f.warnings, f.name);
    return 0;
  },
};
