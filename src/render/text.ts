// Human-readable rendering of the analysis document.
import type { AnalysisDocument } from '../engine/analyze.js';
import type { FlowObject } from '../analyses/flows/analysis.js';
import type { OverheadReport } from '../analyses/overhead.js';
import { bytes, pct, protocolName, renderTable } from './table.js';
import { formatTime, parseEpoch, styled, timeFormat, type TimeFormat } from './style.js';
import { bgpText } from '../analyses/bgp/report.js';
import type { BgpResult } from '../analyses/bgp/analysis.js';
import { formatText, type LintRun } from '../analyses/lint/text.js';

export function endpoint(e: FlowObject['orig']): string {
  if (e.ip === null) return e.mac ?? '-';
  const ip = e.ip.includes(':') ? `[${e.ip}]` : e.ip;
  return e.port === null ? ip : `${ip}:${e.port}`;
}

export function tunnelText(f: FlowObject): string {
  if (!f.tunnel) return '-';
  const id = f.tunnel.vni !== null ? ` vni ${f.tunnel.vni}` : f.tunnel.key !== null ? ` key ${f.tunnel.key}` : '';
  const port = f.tunnel.dstPort ? `:${f.tunnel.dstPort}` : '';
  return `${f.tunnel.a} > ${f.tunnel.b}${port}${id}`;
}

/** A JSON timestamp ("sec.nsec") as -t says (`fallback` when not given); relative to `base`. */
export function timeText(ts: string | null, fallback: TimeFormat, base: string | null): string {
  if (ts === null) return '-';
  const [sec, nsec] = parseEpoch(ts);
  const b = base === null ? undefined : parseEpoch(base);
  return formatTime(sec, nsec, timeFormat(fallback), b, b);
}

/** The flow's protocol by name (TCP, UDP, ICMP), or its EtherType when it is not IP. */
export function protocolText(f: FlowObject): string {
  return f.protocol !== null ? protocolName(f.protocol) : f.ethertype !== undefined ? `0x${f.ethertype.toString(16).padStart(4, '0')}` : '-';
}

/** The flow table; `start` times relative to `base` (the capture's first packet) under -t relative. */
export function flowRows(flows: FlowObject[], base: string | null = null): { head: string[]; rows: (string | number)[][] } {
  // Under -t delta a flow's start is shown relative to the previous flow listed.
  let prev = base;
  const start = (f: FlowObject) => {
    const s = timeText(f.firstTs, 'utc', timeFormat('utc') === 'delta' ? prev : base);
    prev = f.firstTs;
    return s;
  };
  return {
    head: ['class', 'tunnel', 'orig', 'resp', 'proto', 'start', 'packets', 'bytes', 'overhead', 'duration s', 'flags', 'copies'],
    rows: flows.map((f) => [
      f.class, tunnelText(f), endpoint(f.orig), endpoint(f.resp), protocolText(f),
      start(f),
      f.packets, bytes(f.bytes), bytes(f.overheadBytes), f.durationS.toFixed(3),
      f.tcpFlags ? `${f.tcpFlags.orig}/${f.tcpFlags.resp}` : '', f.copies ? `${f.copies} (flows ${f.copyFlows.join(',')})` : '',
    ]),
  };
}

/** A section's title line. */
function title(text: string): string {
  return styled(text, 'bold');
}

/**
 * The overhead sections. `byClass: false` leaves out "Overhead by class", for the analyze report
 * whose "Classes" table carries the same numbers.
 */
export function overheadText(o: OverheadReport, classes: AnalysisDocument['classes'], tunnels: AnalysisDocument['tunnels'], byClass = true): string {
  const out: string[] = [];
  if (byClass) {
    out.push(title('Overhead by class'));
    out.push(renderTable(['class', 'packets', 'wire bytes', 'overhead', 'share', 'efficiency'],
      classes.map((c) => [c.class, c.packets, bytes(c.bytes), bytes(c.overheadBytes), pct(c.overheadShare), pct(c.efficiency)])));
  }
  if (tunnels.length) {
    out.push('', title('Tunnels'));
    out.push(renderTable(['class', 'endpoints', 'vni/key', 'port', 'flows', 'packets', 'wire bytes', 'overhead', 'share', 'efficiency'],
      tunnels.map((t) => [t.class, `${t.a} <-> ${t.b}`, t.vni ?? t.key ?? '-', t.dstPort ?? '-', t.flows, t.packets, bytes(t.bytes), bytes(t.overheadBytes), pct(t.overheadShare), pct(t.efficiency)])));
  }
  if (o.encapsulations.length) {
    out.push('', title(`Largest inner packet that fits an underlay MTU of ${o.mtu}`));
    out.push(renderTable(['encapsulation', 'header bytes', 'packets', 'max inner packet'],
      o.encapsulations.map((e) => [`${e.class} over IPv${e.outerFamily}`, e.overheadBytes, e.packets, e.maxInnerPacket])));
  }
  for (const s of o.sizeBins) {
    out.push('', title(`Header cost by packet size: ${s.class} (small packets pay the most)`));
    out.push(renderTable(['IP bytes', 'packets', 'overhead share'],
      s.bins.filter((b) => b.packets > 0).map((b) => [b.upTo === null ? '> 9000' : `<= ${b.upTo}`, b.packets, pct(b.overheadShare)])));
  }
  const issues: string[] = [];
  for (const e of o.exceeded) issues.push(`${e.class}: ${e.packets} packets over the MTU (largest ${e.maxIpBytes} B, first frame ${e.firstFrame}): ${e.reason}`);
  for (const s of o.superFrames) issues.push(`${s.class}: ${s.packets} offload super-frames, not MTU violations (largest ${s.maxIpBytes} B, first frame ${s.firstFrame}): ${s.reason}`);
  for (const f of o.outerFragments) issues.push(`${f.class}: ${f.packets} tunnel packets fragmented in the underlay (first frame ${f.firstFrame})`);
  for (const m of o.icmpMtuSignals) issues.push(`${m.protocol === 'icmp' ? 'ICMP fragmentation needed' : 'ICMPv6 packet too big'}: MTU ${m.mtu}, ${m.count} times (first frame ${m.firstFrame})`);
  if (issues.length) out.push('', title('MTU'), ...issues.map((s) => `  ${s}`));
  // Without the by-class table the first section's blank line would lead.
  return (out[0] === '' ? out.slice(1) : out).join('\n');
}

export function analysisText(doc: AnalysisDocument): string {
  const s = doc.summary;
  const out: string[] = [];
  out.push(title('Capture'));
  for (const f of s.files) {
    out.push(`  ${f.name}: ${f.format}${f.gzip ? ' (gzip)' : ''}, ${f.linktypes.map((l) => l.name).join(', ')}, ${f.interfaces} interface(s), ${f.packets} packets, ${bytes(f.wireBytes)}`);
    if (f.error) out.push(`    error: ${f.error}`);
    for (const w of f.warnings) out.push(`    warning: ${w}`);
  }
  out.push(`  ${s.packets} packets (${s.uniquePackets} unique, ${s.copies} copies seen at another capture point), ${bytes(s.wireBytes)}, ${s.durationS.toFixed(3)} s from ${timeText(s.firstTs, 'utc', s.firstTs)} to ${timeText(s.lastTs, 'utc', s.firstTs)}`);
  if (doc.podCidrs.length) {
    out.push('', title('Pod CIDRs'));
    for (const c of doc.podCidrs) out.push(`  ${c.cidr.padEnd(20)} ${c.source}${c.confidence ? ` (${c.confidence} confidence)` : ''}: ${c.evidence}`);
    if (doc.podCidrsNotListed) out.push(`  … and ${doc.podCidrsNotListed} more announced over BGP (not listed; all of them settle routed)`);
  }
  // The classes with their overhead (the overhead command's "Overhead by class" holds the same).
  out.push('', title('Classes'));
  out.push(renderTable(['class', 'flows', 'packets', 'wire bytes', 'overhead', 'overhead share', 'efficiency'],
    doc.classes.map((c) => [c.class, c.flows, c.packets, bytes(c.bytes), bytes(c.overheadBytes), pct(c.overheadShare), pct(c.efficiency)])));
  out.push('', title(`Top flows (of ${doc.flows.total}${doc.flows.evicted ? `, ${doc.flows.evicted} evicted at the --max-flows cap` : ''})`));
  const fr = flowRows(doc.topFlows, s.firstTs);
  out.push(renderTable(fr.head, fr.rows));
  const overhead = overheadText(doc.overhead, doc.classes, doc.tunnels, false);
  if (overhead) out.push('', overhead);
  const bgp = doc.bgp as BgpResult | undefined;
  if (bgp && bgp.summary.segments > 0) {
    // The summary line, the sessions table and the notifications; `tunnelscope bgp` has the rest.
    const blocks = bgpText(bgp, s.firstTs).split('\n\n');
    out.push('', title('BGP'), ...blocks.filter((b, i) => i < 2 || b.startsWith('Notifications')).map((b) => b.trimEnd()));
  }
  if (doc.lint && doc.cni) {
    out.push('', title('Lint and CNI'), formatText({ lint: doc.lint as LintRun['lint'], cni: doc.cni as LintRun['cni'], l2: doc.l2 as LintRun['l2'] }, doc.summary.files.length === 1 ? doc.summary.files[0].name : undefined).trimEnd());
  }
  return out.join('\n') + '\n';
}
