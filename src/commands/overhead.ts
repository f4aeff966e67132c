// `tunnelscope overhead FILE [--mtu 1500] [--json]`
import { analyze } from '../analyze.js';
import { overheadText } from '../report/text.js';
import { Out, fileErrorsStatus, parse, printWarnings, requireFiles, someReadable, type Command } from './common.js';
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
    if (!someReadable(doc.summary.files)) return fileErrorsStatus(doc.summary.files);
    const out = new Out(p.values.json === true);
    if (p.values.json) {
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
