// `tunnelscope overhead FILE [--mtu 1500] [--json]`
import { analyze } from '../analyze.js';
import { overheadText } from '../report/text.js';
import { parse, printWarnings, requireFiles, type Command } from './common.js';
import { ANALYSIS_OPTIONS, analyzeOptions } from './analysis-options.js';

export const overheadCommand: Command = {
  name: 'overhead',
  summary: 'what encapsulation costs: bytes per class and tunnel, efficiency, MTU fit, size histogram',
  usage: 'tunnelscope overhead FILE... [--mtu 1500] [--json] [--vxlan-port P]... [--pod-cidr CIDR]...',
  async run(args) {
    const p = parse(this, args, ANALYSIS_OPTIONS);
    if (!p) return 0;
    const files = requireFiles(this, p);
    const doc = await analyze(files, { ...analyzeOptions(p.values), standard: 'bgp' });
    if (p.values.json) {
      const o = { classes: doc.classes, tunnels: doc.tunnels, histogramEdges: doc.flows.histogramEdges, ...doc.overhead };
      process.stdout.write(JSON.stringify(o, null, 2) + '\n');
    } else {
      process.stdout.write(overheadText(doc.overhead, doc.classes, doc.tunnels) + '\n');
    }
    for (const f of doc.summary.files) printWarnings(f.warnings, f.name);
    return 0;
  },
};
