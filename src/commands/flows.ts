// `tunnelscope flows FILE [--sort packets|bytes|duration] [--top N] [--class C]... [--json|--csv]`
// `tunnelscope flows FILE|- --stream [--idle-timeout S|tcp=S,other=S] [--active-timeout S] --json|--csv`
import { addBgpPodCidrs, bgpAnnounced, runAnalyses, type AnalyzeOptions } from '../engine/analyze.js';
import type { Expiry } from '../analyses/flows/flowtable.js';
import { DEFAULT_EXPIRY, streamFlows } from '../analyses/flows/stream.js';
import { escapeJsonControls } from '../render/escape.js';
import { OutputClosed, outputFailure, watchOutput } from './common.js';
import { CLASS_NAME } from '../../dissectors/packet.js';
import { protocolName, renderTable } from '../render/table.js';
import { csvText } from '../render/csv.js';
import { flowRows } from '../render/text.js';
import { Out, RANGES, TIME_OPTION, UsageError, fileErrorsStatus, intOption, parse, printWarnings, requireFiles, someReadable, stringList, type Command } from './common.js';
import { ANALYSIS_OPTIONS, analyzeOptions } from './analysis-options.js';
import type { FlowObject } from '../analyses/flows/analysis.js';

const CSV_HEAD = ['id', 'class', 'tunnelA', 'tunnelB', 'vni', 'key', 'tunnelDstPort', 'origIp', 'origPort', 'respIp', 'respPort',
  'protocol', 'packets', 'bytes', 'origPackets', 'origBytes', 'respPackets', 'respBytes', 'innerBytes', 'overheadBytes',
  'firstTs', 'lastTs', 'durationS', 'retransmissions', 'copies', 'origMac', 'respMac', 'ethertype'];
/** Streamed CSV: two more columns, why the record was written and its part number when split. */
const STREAM_CSV_HEAD = [...CSV_HEAD, 'ended', 'part'];

function csvRow(f: FlowObject, stream = false): string {
  const v = [f.id, f.class, f.tunnel?.a, f.tunnel?.b, f.tunnel?.vni, f.tunnel?.key, f.tunnel?.dstPort, f.orig.ip, f.orig.port,
    f.resp.ip, f.resp.port, f.protocol, f.packets, f.bytes, f.origPackets, f.origBytes, f.respPackets, f.respBytes,
    f.innerBytes, f.overheadBytes, f.firstTs, f.lastTs, f.durationS, f.retransmissions, f.copies, f.orig.mac, f.resp.mac, f.ethertype,
    ...(stream ? [f.ended, f.part] : [])];
  return v.map((x) => (x === null || x === undefined ? '' : String(x))).join(',');
}

const MAX_TIMEOUT = 366 * 86400;

function seconds(v: string, flag: string, min: number): number {
  const n = /^[0-9]+(\.[0-9]+)?$/.test(v) ? Number(v) : NaN;
  if (!(n >= min && n <= MAX_TIMEOUT)) throw new UsageError(`${flag}: '${v}' is not a number of seconds (${min} to ${MAX_TIMEOUT})`);
  return n;
}

/** `--idle-timeout 45` (every flow) or `--idle-timeout tcp=60,other=30` (other: UDP, ICMP, non-IP...; `udp=` is the same). */
export function parseIdleTimeout(v: string | undefined, into: Expiry): void {
  if (v === undefined) return;
  if (!v.includes('=')) { into.idleTcp = into.idleOther = seconds(v, '--idle-timeout', 1); return; }
  for (const part of v.split(',')) {
    const [name, value] = part.split('=');
    if (name === 'tcp') into.idleTcp = seconds(value ?? '', '--idle-timeout', 1);
    else if (name === 'other' || name === 'udp') into.idleOther = seconds(value ?? '', '--idle-timeout', 1);
    else throw new UsageError(`--idle-timeout: '${part}' is not tcp=S or other=S (or one number of seconds)`);
  }
}

/**
 * Writes streamed records as they come: lines gather while the current chunk of input is decoded
 * and go out together right after it (setImmediate), so a live pipe shows each record within one
 * read of its end and a file is not written one system call per flow.
 */
class RecordWriter {
  private parts: string[] = [];
  private scheduled = false;
  constructor() { watchOutput(process.stdout); }
  write(line: string): void {
    const code = outputFailure(process.stdout);
    if (code !== undefined) throw new OutputClosed(code);
    this.parts.push(line);
    if (!this.scheduled) { this.scheduled = true; setImmediate(() => this.flush()); }
  }
  flush(): void {
    this.scheduled = false;
    if (this.parts.length === 0 || outputFailure(process.stdout) !== undefined) return;
    const s = this.parts.join('');
    this.parts = [];
    process.stdout.write(escapeJsonControls(s));
  }
}

/** Flows as CSV: every field of the JSON record (src/render/csv.ts), the protocol by name. */
export function flowsCsv(flows: readonly object[]): string {
  return csvText(flows, (flat) => {
    const p = flat.get('protocol');
    if (p) flat.set('protocol', protocolName(Number(p)));
  });
}

export const flowsCommand: Command = {
  name: 'flows',
  summary: 'the bidirectional flow table (class, tunnel, inner 5-tuple, bytes, overhead)',
  usage: 'tunnelscope flows FILE... [options]   (--stream: records as flows end)',
  options: {
    ...ANALYSIS_OPTIONS, ...TIME_OPTION,
    sort: { type: 'string', choices: ['packets', 'bytes', 'duration'], defaultText: 'bytes', describe: 'order of the flows, largest first' },
    top: { type: 'string', arg: 'N', describe: 'list only the first N flows (1 to 10,000,000; default: all)' },
    class: { type: 'string', multiple: true, arg: 'CLASS', describe: `only flows of these classes (${CLASS_NAME.join(', ')}; comma-separated or repeated)` },
    csv: { type: 'boolean', describe: 'CSV: every field of the JSON record, nested ones with dotted names (tcpFlags.orig, sizes.max)' },
    stream: { type: 'boolean', describe: 'write each flow record when the flow ends (FIN both ways or RST, idle, --active-timeout), as Zeek does' },
    'idle-timeout': { type: 'string', arg: 'S|tcp=S,other=S', describe: 'with --stream: a flow idle this long (capture time) ends (default tcp=60,other=30)' },
    'active-timeout': { type: 'string', arg: 'S', describe: 'with --stream: a flow older than S seconds is written as a part and goes on' },
  },
  async run(args) {
    const p = parse(this, args, this.options);
    if (!p) return 0;
    const files = requireFiles(this, p);
    // On standard input (a live `tcpdump -w -` pipe) --json streams by default, as Zeek writes
    // conn.log: each record when its flow ends. --sort or --top ask for the table at the end instead.
    const liveJson = files.includes('-') && p.values.json === true && p.values.sort === undefined && p.values.top === undefined;
    const streaming = liveJson || p.values.stream === true || p.values['idle-timeout'] !== undefined || p.values['active-timeout'] !== undefined;
    if (streaming) return runStream(p.values, files);
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

/**
 * `flows --stream`: each flow's record is written when the flow ends (FIN both ways or RST and then
 * the close delay, the idle timeout, a split by the active timeout, the --max-flows cap, or the end
 * of the input), like Zeek's conn.log. One thread, inputs in order; time is the capture's.
 */
async function runStream(values: Record<string, unknown>, files: string[]): Promise<number> {
  if (values.json !== true && values.csv !== true) throw new UsageError('--stream writes records as flows end: give --json or --csv');
  if (values.sort !== undefined || values.top !== undefined) throw new UsageError('--stream writes flows in the order they end: --sort and --top do not apply');
  const classes = new Set(stringList(values.class).flatMap((c) => c.split(',')));
  for (const c of classes) if (!CLASS_NAME.includes(c)) throw new UsageError(`--class: '${c}' is not one of ${CLASS_NAME.join(', ')}`);
  const expiry: Expiry = { ...DEFAULT_EXPIRY };
  parseIdleTimeout(values['idle-timeout'] as string | undefined, expiry);
  if (values['active-timeout'] !== undefined) expiry.active = seconds(values['active-timeout'] as string, '--active-timeout', 1);
  const opts: AnalyzeOptions = analyzeOptions(values as never);
  const writer = new RecordWriter();
  const csv = values.csv === true;
  if (csv) writer.write(STREAM_CSV_HEAD.join(',') + '\n');
  const run = await streamFlows(files, opts, expiry, (r) => {
    if (classes.size > 0 && !classes.has(r.class)) return;
    writer.write(csv ? csvRow(r, true) + '\n' : JSON.stringify(r) + '\n');
  });
  writer.flush();
  if (!someReadable(run.files)) return fileErrorsStatus(run.files);
  const out = new Out(!csv);
  await out.end();
  for (const f of run.files) printWarnings(f.warnings, f.name);
  return fileErrorsStatus(run.files);
}
