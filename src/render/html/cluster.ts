// The report's cluster section (captures from several nodes; `cluster` in the analyze document,
// src/analyses/correlate/cluster.ts): the nodes and the cluster totals, a node x node matrix (bytes, loss,
// delay), and for every path that lost packets the breakdowns by size, protocol and time.
import type { AnalysisDocument } from '../../engine/analyze.js';
import type { ClusterSection } from '../../analyses/correlate/cluster.js';
import type { PathJson } from '../../analyses/correlate/paths.js';
import { bytes, esc, int } from './format.js';
import { table, type Cell, type Col } from './tables.js';

const PROTO_NAME: Record<number, string> = { 1: 'ICMP', 6: 'TCP', 17: 'UDP', 47: 'GRE', 58: 'ICMPv6', 132: 'SCTP' };

const pctText = (lost: number, sent: number) => (sent === 0 ? '–' : `${((100 * lost) / sent).toFixed(lost > 0 && lost < sent / 100 ? 2 : 1)}%`);
const msText = (s: number | null) => (s === null ? '–' : `${(s * 1000).toFixed(3)} ms`);

function stat(k: string, label: string, value: string, detail = ''): string {
  return `<div class="stat" data-stat="${esc(k)}"><div class="k">${esc(label)}</div><div class="v">${value}</div>${detail ? `<div class="d">${detail}</div>` : ''}</div>`;
}

/** Loss as a colour: green at none, red from 10% on. */
function lossColour(lost: number, sent: number): string {
  const r = sent === 0 ? 0 : Math.min(1, (lost / sent) / 0.1);
  return `hsl(${Math.round(120 * (1 - r))} 70% 88%)`;
}

/** The node x node grid: a row per sender, a column per receiver. */
function matrix(c: ClusterSection): string {
  const names = c.nodes.map((n) => n.name);
  const cell = new Map(c.matrix.map((m) => [`${m.from}\u0000${m.to}`, m]));
  const out = ['<div class="table-wrap"><table id="cluster-matrix" class="matrix"><caption>From (rows) to (columns): outer IP bytes sent, packets lost of those sent, median one-way delay (clock-corrected where the offset is known)</caption>'];
  out.push(`<thead><tr><th scope="col">from \\ to</th>${names.map((n) => `<th scope="col">${esc(n)}</th>`).join('')}</tr></thead><tbody>`);
  for (const from of names) {
    out.push(`<tr><th scope="row">${esc(from)}</th>`);
    for (const to of names) {
      const m = from === to ? undefined : cell.get(`${from}\u0000${to}`);
      if (!m) { out.push(`<td class="num matrix-empty">–</td>`); continue; }
      out.push(`<td class="num matrix-cell" style="background:${lossColour(m.lost, m.packets)}" data-from="${esc(m.from)}" data-to="${esc(m.to)}" data-packets="${m.packets}" data-bytes="${m.bytes}" data-lost="${m.lost}" data-received="${m.received}" data-delay-p50="${m.delayP50 ?? ''}">`
        + `<div class="mx-bytes">${bytes(m.bytes)}</div><div class="mx-loss">${int(m.lost)} of ${int(m.packets)} lost (${pctText(m.lost, m.packets)})</div>`
        + `<div class="mx-delay">p50 ${msText(m.delayP50)}${m.clockCorrected ? '' : ' (clock not corrected)'}</div></td>`);
    }
    out.push('</tr>');
  }
  out.push('</tbody></table></div>');
  return out.join('');
}

/** A small bar of the lost share (width in % of the cell). */
function bar(lost: number, sent: number): Cell {
  const w = sent === 0 ? 0 : Math.round((1000 * lost) / sent) / 10;
  return {
    html: `<span style="display:inline-block;width:80px;height:8px;background:#eee;vertical-align:middle"><span class="lossbar" style="display:block;height:8px;width:${w}%;background:#d9534f;min-width:${lost > 0 ? 2 : 0}px"></span></span> ${pctText(lost, sent)}`,
    v: sent === 0 ? 0 : lost / sent,
  };
}

function pathLabel(p: PathJson): string {
  const t = p.tunnel;
  const id = t === null ? '' : t.vni !== null ? ` VNI ${t.vni}` : t.key !== null ? ` key ${t.key}` : '';
  return `${p.from} → ${p.to} ${p.class}${id}${t?.dstPort ? ` udp/${t.dstPort}` : ''}`;
}

function breakdowns(p: PathJson, i: number): string {
  const cols: Col[] = [{ label: 'sent', num: true }, { label: 'lost', num: true }, { label: 'lost share', num: true }];
  const id = `cluster-path-${i}`;
  const out = [`<div class="cluster-path" data-path="${i}" data-from="${esc(p.from)}" data-to="${esc(p.to)}"><h3>${esc(pathLabel(p))}: ${int(p.lost)} of ${int(p.sent)} lost</h3>`];
  const b = p.bursts;
  out.push(`<p class="note">${int(b.runs)} run${b.runs === 1 ? '' : 's'} of consecutive lost packets, the longest ${int(b.longest)}${b.longestStart !== null ? ` (sent ${b.longestStart.toFixed(3)} s to ${b.longestEnd!.toFixed(3)} s after the start of the overlap)` : ''}.</p>`);
  out.push(table([{ label: 'outer IP bytes up to', num: true }, ...cols], p.lostBySize.map((x) => [x.maxBytes, x.sent, x.lost, bar(x.lost, x.sent)]),
    { id: `${id}-size`, caption: 'By size', what: 'sizes' }));
  out.push(table([{ label: 'protocol' }, { label: 'TCP kind' }, ...cols], p.lostByProtocol.map((x) => [
    x.protocol === null ? 'unreadable' : PROTO_NAME[x.protocol] ?? String(x.protocol), x.tcpFlags ?? '', x.sent, x.lost, bar(x.lost, x.sent)]),
  { id: `${id}-protocol`, caption: 'By inner protocol and TCP kind', what: 'protocols' }));
  out.push(table([{ label: 'from s', num: true }, { label: 'to s', num: true }, ...cols], p.lostByTime.map((x) => [
    { html: x.start.toFixed(3), v: x.start }, { html: x.end.toFixed(3), v: x.end }, x.sent, x.lost, bar(x.lost, x.sent)]),
  { id: `${id}-time`, caption: 'By time (seconds from the start of the overlap, sender\'s clock)', what: 'intervals' }));
  out.push('</div>');
  return out.join('');
}

function body(c: ClusterSection): string {
  const out: string[] = [];
  out.push('<div class="stats">',
    stat('cluster-packets', 'Packets in the cluster', int(c.totals.packets), `${int(c.totals.countedOnce)} seen at two nodes counted once`),
    stat('cluster-bytes', 'Bytes in the cluster', c.totals.bytes === null ? '–' : bytes(c.totals.bytes)),
    stat('cluster-sum', 'Sum over the nodes\' captures', int(c.totals.sumOfNodes.packets), 'each delivered packet twice'),
    '</div>');
  out.push(table([{ label: 'node' }, { label: 'capture' }, { label: 'addresses' }, { label: 'packets', num: true }, { label: 'bytes', num: true },
    { label: 'counted at another node', num: true, title: 'Records of packets another node sent: counted there in the cluster totals' }],
  c.nodes.map((n) => [n.name, n.file, n.addresses.join(', ') || 'unknown', n.packets, n.bytes === null ? null : { html: bytes(n.bytes), v: n.bytes }, n.countedElsewhere.packets]),
  { id: 'cluster-nodes', what: 'nodes' }));
  out.push(matrix(c));
  const lossy = c.paths.map((p, i) => [p, i] as const).filter(([p]) => p.lost > 0);
  if (lossy.length > 0) {
    out.push('<h3>Where packets were lost</h3>');
    for (const [p, i] of lossy) out.push(breakdowns(p, i));
  } else {
    out.push('<p class="note">No packet sent between these nodes was lost.</p>');
  }
  if (c.findings.length > 0) {
    out.push(table([{ label: 'severity' }, { label: 'rule' }, { label: 'finding' }],
      c.findings.map((f) => [f.severity, f.rule, f.message]), { id: 'cluster-findings', caption: 'Findings (`tunnelscope correlate` explains each rule)', what: 'findings' }));
  }
  if (c.warnings.length > 0) out.push(`<p class="note">${c.warnings.map((w) => esc(w)).join('<br>')}</p>`);
  return out.join('');
}

/** The section (id, nav label, HTML) when the document has a cluster view, else nothing. */
export function clusterSections(doc: AnalysisDocument): [string, string, string][] {
  const c = doc.cluster as ClusterSection | undefined;
  if (!c || !Array.isArray(c.nodes)) return [];
  return [['cluster', 'Cluster', `<section id="cluster" data-section="cluster"><h2>Cluster: ${int(c.nodes.length)} nodes</h2>${body(c)}</section>`]];
}
