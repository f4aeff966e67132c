// `tunnelscope report [FILE...] -o report.html`: the `analyze` document, plus traffic over time,
// as one self-contained HTML page. With no file, the bundled sample.
import { accessSync, constants, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { analyze, type AnalyzeOptions } from '../engine/analyze.js';
import { renderReport } from '../render/html.js';
import { TimelineAnalysis } from '../analyses/timeline.js';
import { standardAnalyses } from '../engine/standard.js';
import { createLintSet } from '../analyses/lint/index.js';
import { Out, RANGES, fileErrorsStatus, intOption, parse, printError, printWarnings, someReadable, UsageError, type Command } from './common.js';
import { ANALYSIS_OPTIONS, analyzeOptions } from './analysis-options.js';
import { CLUSTER_OPTIONS, addClusterSection, sampleCapture, withNodeFiles } from './analyze.js';
import { parseNodeSpecs, parseWindow } from './correlate.js';

// The page is the output: no --json, no --color.
const { json: _json, color: _color, ...REPORT_BASE } = ANALYSIS_OPTIONS;

/** Flows listed in the page unless --top says otherwise (also the table's row cap). */
export const REPORT_TOP = 500;

/**
 * The analysis behind the page: what `analyze --json` holds plus the `timeline` section. While
 * analyze's standard set (src/engine/standard.ts) does not run the lint set yet, the report adds it (BGP,
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
        vxlanPorts: base.vxlanPorts, genevePorts: base.genevePorts, mtu: base.mtu, bgp: have.has('bgp') ? null : undefined, tables: d.tables,
      }).analyses.filter((a) => !have.has(a.name));
      return [...callers, ...lintSet, new TimelineAnalysis()];
    },
  };
}

export const reportCommand: Command = {
  name: 'report',
  summary: 'the analysis as a self-contained HTML page with charts (-o report.html)',
  usage: 'tunnelscope report [FILE...] [-o report.html] [options]   (no FILE: the bundled sample)',
  options: {
    ...REPORT_BASE,
    ...CLUSTER_OPTIONS,
    output: { type: 'string', short: 'o', arg: 'FILE', default: 'report.html', describe: 'where to write the page (- for standard output)' },
    top: { type: 'string', arg: 'N', default: String(REPORT_TOP), describe: 'how many flows the page lists (1 to 10,000,000)' },
  },
  async run(args) {
    const p = parse(this, args, this.options);
    if (!p) return 0;
    const out = typeof p.values.output === 'string' ? p.values.output : 'report.html';
    if (out === '') throw new UsageError(`-o: no file name (usage: ${this.usage})`);
    if (out !== '-') checkOutputPath(out);
    const named = parseNodeSpecs(p.values.node);
    parseWindow(p.values.window); // a bad value is a usage error before the run, not after
    let files = withNodeFiles(p.positionals, named);
    if (files.length === 0) {
      files = [sampleCapture()];
      process.stderr.write(`tunnelscope: no capture given; reporting on the bundled sample ${files[0]}\n`);
    }
    const top = intOption(p.values.top, '--top', RANGES.top) ?? REPORT_TOP;
    const doc = await analyze(files, reportAnalyzeOptions(analyzeOptions(p.values), top));
    if (!someReadable(doc.summary.files)) return fileErrorsStatus(doc.summary.files);
    await addClusterSection(doc, files, named, p.values);
    const html = renderReport(doc, { generatedAt: new Date(), rowCap: REPORT_TOP });
    if (out === '-') {
      // The page escapes the capture's text for HTML itself; the writer adds back-pressure and EPIPE handling.
      const o = new Out(true);
      await o.write(html);
      await o.end();
    } else {
      try {
        await writeFile(out, html);
      } catch (e) {
        printError(`tunnelscope: ${out}: cannot write the report (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
        return 3;
      }
      printError(`tunnelscope: wrote ${out} (${(Buffer.byteLength(html) / 1024).toFixed(0)} KiB)`);
    }
    for (const f of doc.summary.files) printWarnings(f.warnings, f.name);
    return fileErrorsStatus(doc.summary.files);
  },
};

/**
 * Fails early (usage error, exit 2) when the report could not be written, so that a long
 * analysis is not run for nothing: a missing directory, a directory given as the file, no write
 * permission.
 */
export function checkOutputPath(out: string): void {
  const dir = dirname(resolve(out));
  const stat = (p: string) => { try { return statSync(p); } catch { return null; } };
  const d = stat(dir);
  if (d === null) throw new UsageError(`-o ${out}: the directory ${dir} does not exist`);
  if (!d.isDirectory()) throw new UsageError(`-o ${out}: ${dir} is not a directory`);
  const f = stat(out);
  if (f?.isDirectory()) throw new UsageError(`-o ${out}: is a directory; give a file name`);
  try {
    accessSync(f ? out : dir, constants.W_OK);
  } catch (e) {
    throw new UsageError(`-o ${out}: cannot write there (${(e as NodeJS.ErrnoException).code})`);
  }
}
