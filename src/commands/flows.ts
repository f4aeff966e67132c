// `tunnelscope flows FILE [--sort packets|bytes|duration] [--top N] [--class C]... [--json|--csv]`
import { addBgpPodCidrs, bgpAnnounced, runAnalyses } from '../analyze.js';
import { CLASS_NAME } from '../packet.js';
import { renderTable } from '../report/table.js';
import { flowRows } from '../report/text.js';
import { Out, RANGES, UsageError, fileErrorsStatus, intOption, parse, printWarnings, requireFiles, someReadable, stringList, type Command } from './common.js';
import { ANALYSIS_OPTIONS, analyzeOptions } from './analysis-options.js';
import type { FlowObject } from '../flows/analysis.js';

const CSV_HEAD = ['id', 'class', 'tunnelA', 'tunnelB', 'vni', 'key', 'tunnelDstPort', 'origIp', 'origPort', 'respIp', 'respPort',
  'protocol', 'packets', 'bytes', 'origPackets', 'origBytes', 'respPackets', 'respBytes', 'innerBytes', 'overheadBytes',
  'firstTs', 'lastTs', 'durationS', 'retransmissions', 'copies', 'origMac', 'respMac', 'ethertype'];

function csvRow(f: FlowObject): string {
  const v = [f.id, f.class, f.tunnel?.a, f.tunnel?.b, f.tunnel?.vni, f.tunnel?.key, f.tunnel?.dstPort, f.orig.ip, f.orig.port,
    f.resp.ip, f.resp.port, f.protocol, f.packets, f.bytes, f.origPackets, f.origBytes, f.respPackets, f.respBytes,
    f.innerBytes, f.overheadBytes, f.firstTs, f.lastTs, f.durationS, f.retransmissions, f.copies, f.orig.mac, f.resp.mac, f.ethertype];
  return v.map((x) => (x === null || x === undefined ? '' : String(x))).join(',');
}

/**
 * The last CSV row when the cap evicted flows: `id` empty, `class` `evicted`, and the evicted flows'
 * packets, bytes, innerBytes and overheadBytes (so column sums still cover the whole capture).
 */
function evictedCsvRow(t: { packets: number; bytes: number; innerBytes: number; overheadBytes: number }): string {
  const row: Record<string, number | string> = { class: 'evicted', packets: t.packets, bytes: t.bytes, innerBytes: t.innerBytes, overheadBytes: t.overheadBytes };
  return CSV_HEAD.map((h) => String(row[h] ?? '')).join(',');
}

export const flowsCommand: Command = {
  name: 'flows',
  summary: 'the bidirectional flow table (class, tunnel, inner 5-tuple, bytes, overhead)',
  usage: 'tunnelscope flows FILE... [--sort packets|bytes|duration] [--top N] [--class CLASS]... [--json|--csv] [--pod-cidr CIDR]... [--max-flows N]',
  async run(args) {
    const p = parse(this, args, { ...ANALYSIS_OPTIONS, sort: { type: 'string' }, top: { type: 'string' }, class: { type: 'string', multiple: true }, csv: { type: 'boolean' } });
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
      await out.write(CSV_HEAD.join(',') + '\n');
      for (const f of flows) await out.write(csvRow(f) + '\n');
      if (evicted) await out.write(evictedCsvRow(evicted) + '\n');
    } else {
      const t = flowRows(flows);
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
