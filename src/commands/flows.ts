// `tunnelscope flows FILE [--sort packets|bytes|duration] [--top N] [--class C]... [--json|--csv]`
import { addBgpPodCidrs, bgpAnnounced, runAnalyses } from '../analyze.js';
import { CLASS_NAME } from '../packet.js';
import { protocolName, renderTable } from '../report/table.js';
import { csvText } from '../report/csv.js';
import { flowRows } from '../report/text.js';
import { Out, RANGES, TIME_OPTION, UsageError, fileErrorsStatus, intOption, parse, printWarnings, requireFiles, someReadable, stringList, type Command } from './common.js';
import { ANALYSIS_OPTIONS, analyzeOptions } from './analysis-options.js';

/** Flows as CSV: every field of the JSON record (src/report/csv.ts), the protocol by name. */
export function flowsCsv(flows: readonly object[]): string {
  return csvText(flows, (flat) => {
    const p = flat.get('protocol');
    if (p) flat.set('protocol', protocolName(Number(p)));
  });
}

export const flowsCommand: Command = {
  name: 'flows',
  summary: 'the bidirectional flow table (class, tunnel, inner 5-tuple, bytes, overhead)',
  usage: 'tunnelscope flows FILE... [options]',
  options: {
    ...ANALYSIS_OPTIONS, ...TIME_OPTION,
    sort: { type: 'string', choices: ['packets', 'bytes', 'duration'], default: 'bytes', describe: 'order of the flows, largest first' },
    top: { type: 'string', arg: 'N', describe: 'list only the first N flows (1 to 10,000,000; default: all)' },
    class: { type: 'string', multiple: true, arg: 'CLASS', describe: `only flows of these classes (${CLASS_NAME.join(', ')}; comma-separated or repeated)` },
    csv: { type: 'boolean', describe: 'CSV: every field of the JSON record, nested ones with dotted names (tcpFlags.orig, sizes.max)' },
  },
  async run(args) {
    const p = parse(this, args, this.options);
    if (!p) return 0;
    const files = requireFiles(this, p);
    const sort = (p.values.sort as string | undefined) ?? 'bytes';
    if (!['packets', 'bytes', 'duration'].includes(sort)) throw new UsageError(`--sort: '${sort}' is not one of packets, bytes, duration`);
    const classes = stringList(p.values.class).flatMap((c) => c.split(','));
    for (const c of classes) if (!CLASS_NAME.includes(c)) throw new UsageError(`--class: '${c}' is not one of ${CLASS_NAME.join(', ')}`);
    const top = intOption(p.values.top, '--top', RANGES.top);
    // BGP runs too: its announced prefixes settle routed vs underlay.
    const run = await runAnalyses(files, { ...analyzeOptions(p.values), standard: 'bgp' });
    addBgpPodCidrs(run.flows, bgpAnnounced(run.extra));
    const summary = run.flows.finish();
    if (!someReadable(run.files)) return fileErrorsStatus(run.files);
    const flows = run.flows.flows({ sort: sort as 'bytes', top, classes });
    // Flows evicted by the --max-flows cap are counted but cannot be listed: say so in every format.
    const evicted = summary.evictedFlows > 0 ? run.flows.evictedTotals() : null;
    const out = new Out(p.values.json === true);
    if (p.values.json) {
      for (const f of flows) await out.write(JSON.stringify(f) + '\n');
      if (evicted) {
        await out.write(JSON.stringify({
          evicted: { flows: summary.evictedFlows, packets: evicted.packets, bytes: evicted.bytes, innerBytes: evicted.innerBytes, overheadBytes: evicted.overheadBytes },
          totalFlows: summary.flowCount, maxFlows: summary.maxFlows,
        }) + '\n');
      }
    } else if (p.values.csv) {
      // The cap's evicted flows: a last row with an empty id, class `evicted`, and their packets,
      // bytes, innerBytes and overheadBytes (so column sums still cover the whole capture).
      const evictedRow = evicted && { class: 'evicted', packets: evicted.packets, bytes: evicted.bytes, innerBytes: evicted.innerBytes, overheadBytes: evicted.overheadBytes };
      await out.write(flowsCsv(evictedRow ? [...flows, evictedRow] : flows));
    } else {
      const t = flowRows(flows, run.packets ? `${run.first[0]}.${String(run.first[1]).padStart(9, '0')}` : null);
      await out.write(renderTable(t.head, t.rows) + '\n');
    }
    await out.end();
    for (const f of run.files) printWarnings(f.warnings, f.name);
    if (evicted) {
      process.stderr.write(`tunnelscope: warning: ${summary.evictedFlows} of ${summary.flowCount} flows (${evicted.packets} packets, ` +
        `${evicted.bytes} bytes) were evicted by the --max-flows cap of ${summary.maxFlows} and are not listed; ` +
        `class and tunnel totals (overhead, analyze) still count them\n`);
    }
    return fileErrorsStatus(run.files);
  },
};
