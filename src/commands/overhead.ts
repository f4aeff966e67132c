// `tunnelscope overhead FILE [--mtu 1500] [--json]`
import { analyze } from '../engine/analyze.js';
import { overheadText } from '../render/text.js';
import { csvText } from '../render/csv.js';
import { Out, fileErrorsStatus, parse, printWarnings, requireFiles, someReadable, type Command } from './common.js';
import { ANALYSIS_OPTIONS, analyzeOptions } from './analysis-options.js';

export const overheadCommand: Command = {
  name: 'overhead',
  summary: 'what encapsulation costs: bytes per class and tunnel, efficiency, MTU fit, size histogram',
  usage: 'tunnelscope overhead FILE... [options]',
  options: {
    ...ANALYSIS_OPTIONS,
    csv: { type: 'string', choices: ['classes', 'tunnels'], arg: 'TABLE', describe: 'CSV of the classes or the tunnels: every field of their JSON records' },
  },
  async run(args) {
    const p = parse(this, args, this.options);
    if (!p) return 0;
    const files = requireFiles(this, p);
    const doc = await analyze(files, { ...analyzeOptions(p.values), standard: 'bgp' });
    if (!someReadable(doc.summary.files)) return fileErrorsStatus(doc.summary.files);
    const out = new Out(p.values.json === true);
    if (typeof p.values.csv === 'string') {
      await out.write(csvText(p.values.csv === 'tunnels' ? doc.tunnels : doc.classes));
    } else if (p.values.json) {
      const o = { classes: doc.classes, tunnels: doc.tunnels, histogramEdges: doc.flows.histogramEdges, ...doc.overhead };
      await out.write(JSON.stringify(o, null, 2) + '\n');
    } else {
      await out.write(overheadText(doc.overhead, doc.classes, doc.tunnels) + '\n');
    }
    await out.end();
    for (const f of doc.summary.files) printWarnings(f.warnings, f.name);
    return fileErrorsStatus(doc.summary.files);
  },
};
