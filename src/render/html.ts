// `tunnelscope report`: the analysis document as one self-contained HTML page. Everything is
// aggregated before it is embedded (class totals, at most MAX_BUCKETS time buckets, capped tables),
// so the page stays small and quick to open for a capture with 100k flows. Charts are SVG written
// here (see html/charts.ts); the only script sorts tables. Sections that an analysis did not
// produce say "not available" instead of failing.
import type { AnalysisDocument } from '../engine/analyze.js';
import type { FlowObject } from '../analyses/flows/analysis.js';
import type { TimelineResult } from '../analyses/timeline.js';
import { createHash } from 'node:crypto';
import { CSS, SCRIPT } from './html/assets.js';
import { FLOW_FILTER_CELL, captureName, flowControls, flowFilterAttrs, flowFilterTemplates, healthSection, packFlowFilters } from './html/health.js';
import { histogram, pairedBars, stackedArea, type AreaSeries, type BarRow } from './html/charts.js';
import {
  bytes, classChip, classColor, classLabel, duration, esc, int, isoTime, share, width,
} from './html/format.js';
import { clusterSections } from './html/cluster.js';
import { ROW_CAP, genericBlock, genericTable, plainText, table, type Cell, type Col } from './html/tables.js';
import { endpoint, tunnelText } from './text.js';
import { RULES } from '../analyses/lint/rules.js';
import { TRAFFIC_CLASSES } from '../classes.js';
import type { CniCandidate, CniResult, EvidenceFact } from '../analyses/cni/fingerprint.js';
import type { BgpResult } from '../analyses/bgp/analysis.js';
import type { DirectionJson, ErrorRecord, SessionJson } from '../analyses/bgp/session.js';
import type { RouteJson } from '../analyses/bgp/rib.js';

/** What the glossary says about a lint rule (from the lint module when it exports it). */
export interface RuleDoc {
  /** What triggers the rule, one line. */
  trigger?: string;
  severity?: string;
  cause?: string;
  fix?: string;
}

export interface ReportOptions {
  /** Lint rule explanations by rule id (default: the lint module's catalogue); a rule without one links to the README. */
  rules?: Readonly<Record<string, RuleDoc>>;
  /** Where the README is, for rule links when `rules` lacks a rule (default README.md). */
  readme?: string;
  /** Row cap of every table (default 500). */
  rowCap?: number;
  /** Shown in the footer; omitted when null (tests want byte-identical pages). */
  generatedAt?: Date | null;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);
const notAvailable = (what: string) => `<p class="na" data-na>${esc(what)}: not available in this analysis.</p>`;

const TUNNEL_CLASSES = new Set<string>(TRAFFIC_CLASSES.filter((c) => c.tunnel).map((c) => c.name));
const PROTO: Record<number, string> = { 1: 'ICMP', 2: 'IGMP', 6: 'TCP', 17: 'UDP', 47: 'GRE', 50: 'ESP', 58: 'ICMPv6', 89: 'OSPF', 132: 'SCTP' };

function section(id: string, title: string, body: string): string {
  return `<section id="${id}" data-section="${id}"><h2>${esc(title)}</h2>${body}</section>`;
}

function stat(k: string, label: string, value: string, detail = ''): string {
  return `<div class="stat"><div class="k">${esc(label)}</div><div class="v" data-k="${k}">${value}</div>${detail ? `<div class="d">${detail}</div>` : ''}</div>`;
}

// ---------------------------------------------------------------------------------------------
// Summary

function summarySection(doc: AnalysisDocument): string {
  const s = doc.summary;
  const out: string[] = [];
  out.push('<div class="stats">');
  out.push(stat('packets', 'Packets', int(s.packets), `${int(s.uniquePackets)} unique`));
  out.push(stat('copies', 'Copies', int(s.copies), 'same packet at another capture point'));
  out.push(stat('wireBytes', 'Wire bytes', bytes(s.wireBytes), `${int(s.wireBytes)} B`));
  out.push(stat('duration', 'Duration', duration(s.durationS), `${s.durationS} s`));
  out.push(stat('flows', 'Flows', int(doc.flows.total), doc.flows.evicted ? `${int(doc.flows.evicted)} evicted at the --max-flows cap` : 'none evicted'));
  out.push(stat('tunnels', 'Tunnels', int(doc.tunnels.length), 'VTEP pair + VNI/key'));
  out.push('</div>');
  const one = s.files.length === 1 && !s.files[0].warnings.length && !s.files[0].error ? s.files[0] : null;
  out.push('<dl class="kv">');
  if (one) out.push(`<dt>File</dt><dd><span class="mono">${esc(one.name)}</span>: ${esc(one.format)}${one.gzip ? ' (gzip)' : ''}, ${int(one.packets)} packets, ${esc(bytes(one.wireBytes))}</dd>`);
  out.push(`<dt>First packet</dt><dd>${esc(isoTime(s.firstTs))} <span class="note mono">${esc(s.firstTs ?? '')}</span></dd>`);
  out.push(`<dt>Last packet</dt><dd>${esc(isoTime(s.lastTs))} <span class="note mono">${esc(s.lastTs ?? '')}</span></dd>`);
  out.push(`<dt>Link types</dt><dd>${esc(s.linktypes.map((l) => `${l.name} (${l.linktype})`).join(', ') || '–')}; ${int(s.interfaces)} interface(s)</dd></dl>`);
  if (!one) out.push('<h3>Files</h3>', table(
    [{ label: 'file' }, { label: 'format' }, { label: 'link types' }, { label: 'packets', num: true }, { label: 'wire bytes', num: true }, { label: 'errors and warnings' }],
    s.files.map((f) => [
      { html: esc(f.name), cls: 'mono' }, `${f.format}${f.gzip ? ' (gzip)' : ''}`,
      f.linktypes.map((l) => l.name).join(', '), f.packets, { html: esc(bytes(f.wireBytes)), v: f.wireBytes }, [...(f.error ? [`error: ${f.error}`] : []), ...f.warnings].join('; '),
    ]),
    { id: 'files-table', what: 'files' },
  ));
  out.push('<h3>Traffic classes</h3>');
  const cols: Col[] = [
    { label: 'class' }, { label: 'flows', num: true }, { label: 'packets', num: true }, { label: 'wire bytes', num: true },
    { label: 'overhead', num: true, title: 'encapsulation header bytes' }, { label: 'overhead share', num: true, title: 'overhead / wire bytes' },
    { label: 'efficiency', num: true, title: 'innermost IP bytes / outer IP bytes' },
  ];
  out.push(table(cols, doc.classes.map((c) => [
    { html: classChip(c.class, classLabel(c.class)) }, c.flows, c.packets, { html: esc(bytes(c.bytes)), v: c.bytes },
    { html: esc(bytes(c.overheadBytes)), v: c.overheadBytes }, { html: esc(share(c.overheadShare)), v: c.overheadShare },
    { html: c.ipBytes ? esc(share(c.efficiency)) : '–', v: c.efficiency },
  ]), { id: 'classes-table', what: 'classes', rowAttrs: (i) => `data-class="${esc(doc.classes[i].class)}"` }));
  out.push('<h3>Pod CIDRs</h3>');
  if (doc.podCidrs.length) {
    out.push(table([{ label: 'CIDR' }, { label: 'source' }, { label: 'evidence' }],
      doc.podCidrs.map((c) => [{ html: esc(c.cidr), cls: 'mono' }, c.confidence ? `${c.source} (${c.confidence} confidence)` : c.source, c.evidence]),
      { id: 'podcidrs-table', what: 'pod CIDRs' }));
    if (doc.podCidrsNotListed) out.push(`<p class="note">${int(doc.podCidrsNotListed)} more pod CIDRs announced over BGP are not listed; all of them settle routed against underlay.</p>`);
  } else {
    out.push('<p class="note">No pod CIDR given (--pod-cidr), announced over BGP or inferred from tunnels: plain IP traffic counts as underlay.</p>');
  }
  return section('summary', 'Capture summary', out.join(''));
}

// ---------------------------------------------------------------------------------------------
// Traffic over time

function isTimeline(v: unknown): v is TimelineResult {
  return isObj(v) && typeof v.bucketSeconds === 'number' && typeof v.start === 'number' && Array.isArray(v.series);
}

/** Class order of the page: the classes table order (by bytes), plain classes merged for the timeline. */
function timelineSeries(doc: AnalysisDocument, tl: TimelineResult): AreaSeries[] {
  const order: readonly string[] = doc.classes.map((c) => c.class);
  const byKey = new Map<string, number[]>();
  for (const s of tl.series) {
    const key = s.class === 'routed' || s.class === 'underlay' ? 'unencapsulated' : s.class;
    const cur = byKey.get(key);
    if (cur) for (let i = 0; i < cur.length; i++) cur[i] += s.bytes[i];
    else byKey.set(key, [...s.bytes]);
  }
  const rank = (k: string) => {
    const i = k === 'unencapsulated' ? Math.min(...['routed', 'underlay'].map((c) => order.indexOf(c)).filter((x) => x >= 0)) : order.indexOf(k);
    return i >= 0 && Number.isFinite(i) ? i : 99;
  };
  return [...byKey.entries()].sort((a, b) => rank(a[0]) - rank(b[0]))
    .map(([key, values]) => ({ key, label: classLabel(key), color: classColor(key), values }));
}

/** Buckets the chart draws at most (a few pixels each); finer timelines merge pairs of buckets. */
export const CHART_BUCKETS = 160;

/** Merges adjacent pairs (aligned to absolute multiples of the width, as the analysis does) until at most `max` buckets remain. */
export function coarsen(tl: TimelineResult, max = CHART_BUCKETS): TimelineResult {
  let cur = tl;
  while (cur.buckets > max) {
    const w = cur.bucketSeconds;
    const abs0 = Math.round(cur.start / w);
    const nb0 = Math.floor(abs0 / 2);
    const n = Math.floor((abs0 + cur.buckets - 1) / 2) - nb0 + 1;
    const fold = (v: number[]) => {
      const out = new Array<number>(n).fill(0);
      for (let i = 0; i < v.length; i++) out[Math.floor((abs0 + i) / 2) - nb0] += v[i];
      return out;
    };
    cur = { ...cur, bucketSeconds: w * 2, start: nb0 * w * 2, buckets: n, series: cur.series.map((s) => ({ class: s.class, bytes: fold(s.bytes), packets: fold(s.packets) })) };
  }
  return cur;
}

function trafficSection(doc: AnalysisDocument): string {
  const full = doc.timeline;
  if (!isTimeline(full)) return section('traffic', 'Traffic by class over time', notAvailable('Traffic over time'));
  if (full.buckets === 0) return section('traffic', 'Traffic by class over time', '<p class="note">No packets.</p>');
  const tl = coarsen(full);
  const series = timelineSeries(doc, tl);
  const first = Number(doc.summary.firstTs ?? tl.start);
  const out: string[] = [];
  out.push(`<div class="legend" id="traffic-legend">${series.map((s) => classChip(s.key, s.label)).join('')}</div>`);
  out.push(stackedArea(series, tl.start - first, tl.bucketSeconds, { id: 'traffic-chart', label: 'Wire bytes per second by traffic class, stacked' }));
  out.push(`<p class="note">Stacked wire bytes per second in ${int(tl.buckets)} buckets of ${width(tl.bucketSeconds)} from ${esc(isoTime(doc.summary.firstTs))}. ` +
    'Routed and underlay traffic are one series here: whether a plain packet is pod traffic is settled per flow once the whole capture ' +
    'has been read (pod CIDRs are also learned from tunnels and BGP); the class table above has the exact split.</p>');
  return section('traffic', 'Traffic by class over time', out.join(''));
}

// ---------------------------------------------------------------------------------------------
// Overhead

function tunnelLabel(t: AnalysisDocument['tunnels'][number]): string {
  const id = t.vni !== null ? ` VNI ${t.vni}` : t.key !== null ? ` key ${t.key}` : '';
  return `${classLabel(t.class)} ${t.a} ↔ ${t.b}${id}`;
}

function overheadSection(doc: AnalysisDocument): string {
  const o = doc.overhead;
  const out: string[] = [];
  const enc = doc.classes.filter((c) => TUNNEL_CLASSES.has(c.class) && c.bytes > 0);
  out.push('<h3>By class</h3>');
  if (enc.length) {
    const rows: BarRow[] = enc.map((c) => ({
      label: classLabel(c.class), color: classColor(c.class), a: c.overheadBytes, aText: bytes(c.overheadBytes),
      b: c.overheadShare, bText: `${share(c.overheadShare)} of ${bytes(c.bytes)}`,
    }));
    out.push(pairedBars(rows, { id: 'overhead-class-chart', label: 'Encapsulation overhead by class', aTitle: 'Header bytes', bTitle: 'Share of wire bytes', aUnit: 'bytes', bUnit: 'share' }));
    const plain = doc.classes.filter((c) => !TUNNEL_CLASSES.has(c.class)).map((c) => c.class);
    if (plain.length) out.push(`<p class="note">${esc(plain.join(', '))}: no encapsulation, no header overhead.</p>`);
  } else {
    out.push('<p class="note">No encapsulated traffic in this capture: no tunnel header overhead.</p>');
  }
  out.push('<h3>By tunnel</h3>');
  if (doc.tunnels.length) {
    const top = doc.tunnels.slice(0, 20);
    const rows: BarRow[] = top.map((t) => {
      const full = tunnelLabel(t);
      return {
        label: full.length > 50 ? full.slice(0, 49) + '…' : full, title: full, color: classColor(t.class),
        a: t.overheadBytes, aText: bytes(t.overheadBytes), b: t.overheadShare, bText: `${share(t.overheadShare)} of ${bytes(t.bytes)}`,
      };
    });
    out.push(pairedBars(rows, { id: 'overhead-tunnel-chart', label: 'Encapsulation overhead by tunnel', aTitle: 'Header bytes', bTitle: 'Share of wire bytes', aUnit: 'bytes', bUnit: 'share' }));
    if (doc.tunnels.length > top.length) {
      out.push(`<p class="note left-out">The ${top.length} tunnels with the most bytes; ${int(doc.tunnels.length - top.length)} more in the <a href="#tunnels">tunnels table</a>.</p>`);
    }
  } else {
    out.push('<p class="note">No tunnels.</p>');
  }
  out.push(`<h3>MTU fit (underlay MTU ${int(o.mtu)})</h3>`);
  if (o.encapsulations.length) {
    out.push(table([{ label: 'encapsulation' }, { label: 'header bytes', num: true }, { label: 'packets', num: true }, { label: 'largest inner packet', num: true, title: 'the largest inner IP packet that fits the MTU with these headers' }],
      o.encapsulations.map((e) => [{ html: classChip(e.class, `${classLabel(e.class)} over IPv${e.outerFamily}`) }, e.overheadBytes, e.packets, e.maxInnerPacket]),
      { id: 'mtu-table', what: 'encapsulations' }));
  } else {
    out.push('<p class="note">No encapsulation seen.</p>');
  }
  const issues: string[] = [];
  for (const e of o.exceeded) issues.push(`${classChip(e.class)} ${int(e.packets)} packets over the MTU (largest ${int(e.maxIpBytes)} B, first frame ${int(e.firstFrame)}): ${esc(e.reason)}`);
  for (const s of o.superFrames) issues.push(`${classChip(s.class)} ${int(s.packets)} offload super-frames, not MTU violations (largest ${int(s.maxIpBytes)} B, first frame ${int(s.firstFrame)}): ${esc(s.reason)}`);
  for (const f of o.outerFragments) issues.push(`${classChip(f.class)} ${int(f.packets)} tunnel packets fragmented in the underlay (first frame ${int(f.firstFrame)})`);
  for (const m of o.icmpMtuSignals) issues.push(`${m.protocol === 'icmp' ? 'ICMP fragmentation needed' : 'ICMPv6 packet too big'}: MTU ${int(m.mtu)}, ${int(m.count)} times (first frame ${int(m.firstFrame)})`);
  out.push(issues.length ? `<ul class="plain" id="mtu-issues">${issues.map((x) => `<li>${x}</li>`).join('')}</ul>` : '<p class="note">No packet over the MTU, no outer fragments, no ICMP path-MTU signal.</p>');
  if (o.sizeBins.length) {
    out.push('<h3>Header cost by packet size</h3><p class="note">Share of each size bin\'s bytes spent on tunnel headers: small packets pay the most.</p>');
    const edges = doc.flows.histogramEdges;
    const used = edges.map((_, i) => i).concat([edges.length]).filter((i) => o.sizeBins.some((s) => s.bins[i]?.packets));
    const lab = (i: number) => (i < edges.length ? `≤ ${edges[i]}` : `> ${edges[edges.length - 1]}`);
    out.push(table([{ label: 'class' }, ...used.map((i) => ({ label: lab(i), num: true }))],
      o.sizeBins.map((s) => [{ html: classChip(s.class, classLabel(s.class)) },
        ...used.map((i): Cell => (s.bins[i]?.packets ? { html: esc(share(s.bins[i].overheadShare)), v: s.bins[i].overheadShare } : null))]),
      { id: 'sizecost-table', what: 'classes' }));
  }
  return section('overhead', 'Encapsulation overhead', out.join(''));
}

// ---------------------------------------------------------------------------------------------
// Packet sizes

function sizesSection(doc: AnalysisDocument): string {
  const edges = doc.flows.histogramEdges;
  const mtu = doc.overhead.mtu;
  const figs = doc.classes.filter((c) => c.packets > 0 && c.histogram.some((x) => x > 0)).map((c) => {
    const bins = doc.overhead.sizeBins.find((s) => s.class === c.class);
    const chart = histogram(c.histogram, edges, mtu, {
      id: `hist-${c.class}`, label: `Packet sizes: ${classLabel(c.class)}`, color: classColor(c.class),
      shares: bins?.bins.map((b) => b.overheadShare),
    });
    return `<figure data-hist="${esc(c.class)}"><figcaption>${classChip(c.class, classLabel(c.class))} <span class="note">${int(c.packets)} packets</span></figcaption>${chart}</figure>`;
  });
  const body = figs.length
    ? `<p class="note">Packets per IP size bin (outer IP packet for tunnels; frame length for non-IP), with the underlay MTU of ${int(mtu)} marked. Bins are unequal: each bar is one bin.</p><div class="hists">${figs.join('')}</div>`
    : '<p class="note">No packets.</p>';
  return section('sizes', 'Packet sizes by class', body);
}

// ---------------------------------------------------------------------------------------------
// Flows and tunnels

function flowsSection(doc: AnalysisDocument, opts: ReportOptions): string {
  const flows: FlowObject[] = doc.topFlows;
  const cap = opts.rowCap ?? ROW_CAP;
  const shown = flows.slice(0, cap);
  // Columns that are zero for every listed flow say nothing: left out.
  const retx = shown.some((f) => f.retransmissions > 0), copies = shown.some((f) => f.copies > 0);
  const cols: Col[] = [
    { label: 'class' }, { label: 'tunnel' }, { label: 'orig' }, { label: 'resp' }, { label: 'proto' },
    { label: 'packets', num: true }, { label: 'bytes', num: true }, { label: 'overhead', num: true },
    { label: 'secs', num: true, title: 'duration in seconds' }, { label: 'flags', title: 'TCP flags seen, originator/responder' },
  ];
  if (retx) cols.push({ label: 'retx', num: true, title: 'TCP retransmissions' });
  if (copies) cols.push({ label: 'copies', num: true, title: 'packets also seen at another capture point' });
  cols.push({ label: 'filters', title: 'display filters selecting the flow\'s packets' });
  const rows: Cell[][] = shown.map((f) => {
    const r: Cell[] = [
      { html: classChip(f.class) }, { html: esc(tunnelText(f)), cls: 'mono' },
      { html: esc(endpoint(f.orig)), cls: 'mono' },
      { html: esc(endpoint(f.resp)), cls: 'mono' },
      f.protocol !== null ? (PROTO[f.protocol] ?? String(f.protocol)) : f.ethertype !== undefined ? `0x${f.ethertype.toString(16).padStart(4, '0')}` : null,
      f.packets, { html: esc(bytes(f.bytes)), v: f.bytes }, { html: esc(bytes(f.overheadBytes)), v: f.overheadBytes },
      { html: f.durationS.toFixed(3) }, f.tcpFlags ? `${f.tcpFlags.orig}/${f.tcpFlags.resp}` : null,
    ];
    if (retx) r.push(f.retransmissions);
    if (copies) r.push(f.copies);
    r.push({ html: f.evidence ? FLOW_FILTER_CELL : '' });
    return r;
  });
  const out: string[] = [];
  out.push(`<p class="note">The ${int(shown.length)} flows with the most bytes of ${int(doc.flows.total)} in the capture${doc.flows.evicted ? ` (${int(doc.flows.evicted)} evicted at the --max-flows cap of ${int(doc.flows.maxFlows)})` : ''}. Click a column header to sort.` +
    `${retx ? '' : ' No listed flow has TCP retransmissions.'}${copies ? '' : ' No listed flow was also captured at another point.'}</p>`);
  const packed = packFlowFilters(shown.map((f) => f.evidence));
  out.push(flowControls(doc), flowFilterTemplates(packed.templates, captureName(doc)));
  out.push(table(cols, rows, {
    id: 'flows-table', what: 'flows', cap, total: doc.flows.total,
    rowAttrs: (i) => `data-flow="${flows[i].id}" data-class="${esc(flows[i].class)}"${flowFilterAttrs(packed.rows[i] ?? null)}`,
  }));
  return section('flows', 'Top flows', out.join(''));
}

function tunnelsSection(doc: AnalysisDocument, opts: ReportOptions): string {
  const t = doc.tunnels;
  if (!t.length) return section('tunnels', 'Tunnels by VTEP pair and VNI', '<p class="note">No tunnels in this capture.</p>');
  const cols: Col[] = [
    { label: 'class' }, { label: 'VTEP A' }, { label: 'VTEP B' }, { label: 'VNI / key', num: true }, { label: 'port', num: true },
    { label: 'flows', num: true }, { label: 'packets', num: true }, { label: 'wire bytes', num: true }, { label: 'overhead', num: true },
    { label: 'share', num: true }, { label: 'efficiency', num: true },
  ];
  const rows: Cell[][] = t.map((x) => [
    { html: classChip(x.class, classLabel(x.class)) }, { html: esc(x.a), cls: 'mono' },
    { html: esc(x.b), cls: 'mono' },
    x.vni !== null ? { html: String(x.vni), v: x.vni } : x.key !== null ? { html: `key ${x.key}`, v: x.key } : null,
    x.dstPort !== null ? { html: String(x.dstPort), v: x.dstPort } : null, x.flows, x.packets,
    { html: esc(bytes(x.bytes)), v: x.bytes }, { html: esc(bytes(x.overheadBytes)), v: x.overheadBytes },
    { html: esc(share(x.overheadShare)), v: x.overheadShare }, { html: esc(share(x.efficiency)), v: x.efficiency },
  ]);
  return section('tunnels', 'Tunnels by VTEP pair and VNI', table(cols, rows, {
    id: 'tunnels-table', what: 'tunnels', cap: opts.rowCap,
    rowAttrs: (i) => `data-vni="${t[i].vni ?? ''}" data-class="${esc(t[i].class)}"`,
  }));
}

// ---------------------------------------------------------------------------------------------
// BGP, lint, CNI: shapes owned by other modules; rendered defensively.

/** The BGP analysis' result (src/analyses/bgp/analysis.ts): summary, sessions, notifications, routes, errors. */
function bgpResult(r: BgpResult, opts: ReportOptions): string {
  const out: string[] = [];
  const s = r.summary;
  out.push('<div class="stats">');
  out.push(stat('bgp-sessions', 'Sessions', int(s.sessions), `${int(s.established)} established`));
  out.push(stat('bgp-messages', 'Messages', int(s.messages), `${int(s.messagesByType?.UPDATE ?? 0)} UPDATE, ${int(s.messagesByType?.KEEPALIVE ?? 0)} KEEPALIVE`));
  out.push(stat('bgp-notifications', 'Notifications', int(s.notifications), s.notifications ? 'sessions torn down' : 'none'));
  out.push(stat('bgp-prefixes', 'Announced prefixes', int(s.announcedPrefixes), `${int(s.routesAnnounced)} announced, ${int(s.routesWithdrawn)} withdrawn`));
  const trouble = s.lostMessages + s.malformedMessages + s.framingErrors;
  out.push(stat('bgp-errors', 'Capture problems', int(trouble), `${int(s.lostMessages)} lost, ${int(s.malformedMessages)} malformed, ${int(s.gaps)} gaps`));
  out.push('</div>');
  const sessions: readonly SessionJson[] = r.sessions;
  out.push(`<h3>Sessions (${int(sessions.length)})</h3>`);
  if (sessions.length) {
    const peer = (p: SessionJson['peers'][number] | undefined) => (p ? `${p.ip}${p.asn !== null ? ` AS${p.asn}` : ''}` : '?');
    const cols: Col[] = [
      { label: 'peer A' }, { label: 'peer B' }, { label: 'type' }, { label: 'state' },
      { label: 'hold time', title: 'offered by A / B, agreed (the minimum)' }, { label: 'families' },
      { label: 'messages', num: true }, { label: 'prefixes', num: true, title: 'announced, both directions' },
      { label: 'notifications', num: true }, { label: 'first frame', num: true },
    ];
    const rows: Cell[][] = sessions.map((x) => {
      const d: readonly DirectionJson[] = x.directions;
      const h = x.holdTime;
      const hold = h ? `${h.offered.map((v) => v ?? '?').join(' / ')}${h.agreed !== null ? ` → ${h.agreed}` : ''}${h.mismatch ? ' (mismatch)' : ''}` : null;
      return [
        { html: esc(peer(x.peers?.[0])), cls: 'mono' }, { html: esc(peer(x.peers?.[1])), cls: 'mono' }, x.type ?? null,
        { html: x.established ? `<span class="ok">${esc(x.state)}</span>` : esc(x.state) }, hold,
        (x.negotiated?.families ?? []).join(', ') || null,
        d.reduce((a, y) => a + (y.total ?? 0), 0), d.reduce((a, y) => a + (y.prefixesAnnounced ?? 0), 0),
        arr(x.notifications).length, x.firstFrame ?? null,
      ];
    });
    out.push(table(cols, rows, { id: 'bgp-sessions-table', what: 'sessions', cap: opts.rowCap }));
  } else {
    out.push('<p class="note">No BGP session in this capture.</p>');
  }
  const notes: BgpResult['notifications'] = r.notifications;
  if (notes.length) {
    out.push(`<h3>Notifications (${int(notes.length)})</h3>`);
    out.push(table([{ label: 'frame', num: true }, { label: 'from' }, { label: 'to' }, { label: 'notification' }, { label: 'detail' }],
      notes.map((n) => [n.frame, { html: esc(n.from), cls: 'mono' }, { html: esc(n.to), cls: 'mono' }, n.name,
        n.shutdownCommunication ? `shutdown: ${n.shutdownCommunication}` : n.badPeerAs !== undefined ? `bad peer AS ${n.badPeerAs}` : null]),
      { id: 'bgp-notifications-table', what: 'notifications', cap: opts.rowCap }));
  }
  const routes: readonly RouteJson[] = r.routes;
  out.push(`<h3>Routes (${int(routes.length)})</h3>`);
  if (routes.length) {
    const cols: Col[] = [
      { label: 'prefix' }, { label: 'family' }, { label: 'from' }, { label: 'to' }, { label: 'status' },
      { label: 'next hop' }, { label: 'AS path' }, { label: 'origin' }, { label: 'communities' }, { label: 'frame', num: true },
    ];
    const rows: Cell[][] = routes.map((x) => [
      { html: esc(x.prefix), cls: 'mono' }, x.family, { html: esc(x.from), cls: 'mono' }, { html: esc(x.to), cls: 'mono' }, x.status,
      x.nextHop ? { html: esc(x.nextHop), cls: 'mono' } : null, x.asPathString || null, x.origin ?? null,
      [...(x.communities ?? []), ...(x.largeCommunities ?? [])].join(' ') || null, x.frame,
    ]);
    out.push(table(cols, rows, { id: 'bgp-routes-table', what: 'routes', cap: opts.rowCap, rowAttrs: (i) => `data-prefix="${esc(routes[i].prefix)}"` }));
    const events = arr(r.routeEvents).length + (num(r.routeEventsDropped) ?? 0);
    if (events) out.push(`<p class="note">${int(events)} announcements and withdrawals over time are in <code>tunnelscope bgp --json</code> (routeEvents); the table is the routing table at the end of the capture.</p>`);
  } else {
    out.push('<p class="note">No route announced or withdrawn.</p>');
  }
  const errors: readonly ErrorRecord[] = r.errors;
  if (errors.length) {
    out.push(`<h3>Decoding problems (${int(num(r.errorCount) ?? errors.length)})</h3>`);
    out.push(table([{ label: 'frame', num: true }, { label: 'from' }, { label: 'to' }, { label: 'type' }, { label: 'error' }],
      errors.map((e) => [e.frame, { html: esc(e.from), cls: 'mono' }, { html: esc(e.to), cls: 'mono' }, e.type, e.error]),
      { id: 'bgp-errors-table', what: 'problems', cap: opts.rowCap, total: num(r.errorCount) ?? errors.length }));
  }
  return out.join('');
}

function isBgpResult(v: Obj): boolean {
  return isObj(v.summary) && Array.isArray(v.sessions) && Array.isArray(v.routes) &&
    (v.sessions as unknown[]).every((x) => isObj(x) && Array.isArray(x.peers));
}

function bgpSection(doc: AnalysisDocument, opts: ReportOptions): string {
  const v = doc.bgp;
  if (!isObj(v)) return section('bgp', 'BGP sessions and routes', notAvailable('BGP'));
  if (isBgpResult(v)) return section('bgp', 'BGP sessions and routes', bgpResult(v, opts));
  // Another shape: shown as it is.
  const out: string[] = [];
  const sessions = arr(v.sessions), routes = arr(v.routes);
  const rest: Obj = {};
  for (const [k, x] of Object.entries(v)) if (k !== 'sessions' && k !== 'routes') rest[k] = x;
  if (Object.keys(rest).length) out.push(genericBlock(rest, 'bgp-info'));
  out.push(`<h3>Sessions (${int(sessions.length)})</h3>`);
  out.push(sessions.length ? genericTable(sessions, 'bgp-sessions-table', 'sessions') : '<p class="note">No BGP session in this capture.</p>');
  out.push(`<h3>Routes (${int(routes.length)})</h3>`);
  out.push(routes.length ? genericTable(routes, 'bgp-routes-table', 'routes') : '<p class="note">No route announced or withdrawn.</p>');
  return section('bgp', 'BGP sessions and routes', out.join(''));
}

export function ruleAnchor(rule: string): string {
  return `lint-${rule.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

function ruleHref(rule: string, opts: ReportOptions): string {
  if (opts.rules?.[rule]) return `#${ruleAnchor(rule)}`;
  return `${opts.readme ?? 'README.md'}#${rule.toLowerCase().replace(/_/g, '-')}`;
}

function lintSection(doc: AnalysisDocument, opts: ReportOptions): string {
  const v = doc.lint;
  if (!isObj(v)) return section('lint', 'Lint findings', notAvailable('Lint'));
  const findings = arr(v.findings).filter(isObj);
  const out: string[] = [];
  const sum = isObj(v.summary) ? v.summary : null;
  const counts = (['error', 'warning', 'info'] as const).map((s) => ({ s, n: num(sum?.[s]) ?? findings.filter((f) => f.severity === s).length }));
  out.push(`<p data-k="lint-summary">${counts.map((c) => `<span class="sev sev-${c.s}">${int(c.n)} ${c.s}${c.n === 1 ? '' : 's'}</span>`).join(' ')}</p>`);
  if (!findings.length) {
    out.push('<p class="note">No finding: nothing misconfigured that the lint rules look for.</p>');
  } else {
    const sevRank: Record<string, number> = { error: 3, warning: 2, info: 1 };
    const cols: Col[] = [{ label: 'severity' }, { label: 'rule' }, { label: 'message' }, { label: 'count', num: true }, { label: 'first frame', num: true }, { label: 'evidence' }];
    const rows: Cell[][] = findings.map((f) => {
      const rule = str(f.rule) ?? '?';
      const sev = str(f.severity) ?? 'info';
      return [
        { html: `<span class="sev sev-${esc(sev)}">${esc(sev)}</span>`, v: sevRank[sev] ?? 0 },
        { html: `<a class="rule mono" href="${esc(ruleHref(rule, opts))}">${esc(rule)}</a>`, v: rule },
        { html: md(str(f.message) ?? '') }, num(f.count), num(f.firstFrame),
        { html: `<span class="evidence">${esc(plainText(f.evidence))}</span>`, v: plainText(f.evidence) },
      ];
    });
    out.push(table(cols, rows, { id: 'lint-table', what: 'findings', cap: opts.rowCap, rowAttrs: (i) => `data-rule="${esc(findings[i].rule)}"` }));
  }
  const skipped = arr(v.notEvaluated).filter(isObj);
  if (skipped.length) {
    const byReason = new Map<string, string[]>();
    for (const n of skipped) byReason.set(str(n.reason) ?? '', [...(byReason.get(str(n.reason) ?? '') ?? []), str(n.rule) ?? '?']);
    out.push(`<p class="note">Not evaluated on this capture: ${[...byReason].map(([reason, rules]) => `${rules.map((r) => `<a class="mono" href="${esc(ruleHref(r, opts))}">${esc(r)}</a>`).join(', ')} (${esc(reason)})`).join('; ')}.</p>`);
  }
  return section('lint', 'Lint findings', out.join(''));
}

/** A confidence as a 0..1 number when it is one (or a percentage). */
function confidence(v: unknown): number | null {
  const n = num(v);
  if (n === null) return null;
  return n > 1 ? n / 100 : n;
}

function verdictCard(v: Obj, i: number): string {
  const name = str(v.cni) ?? str(v.name) ?? str(v.verdict) ?? str(v.label) ?? str(v.id) ?? `candidate ${i + 1}`;
  const conf = confidence(v.confidence ?? v.score);
  const confText = conf !== null ? `${(conf * 100).toFixed(0)}%` : str(v.confidence);
  const ev = v.evidence;
  const out: string[] = [];
  out.push(`<div class="card" data-verdict="${esc(name)}"><h3>${esc(name)}</h3>`);
  if (confText) out.push(`<div class="note">confidence <b data-k="cni-confidence">${esc(confText)}</b></div>`);
  if (conf !== null) out.push(`<div class="meter"><b style="width:${Math.max(0, Math.min(100, conf * 100)).toFixed(0)}%"></b></div>`);
  const extra: Obj = {};
  for (const [k, x] of Object.entries(v)) if (!['cni', 'name', 'verdict', 'label', 'id', 'confidence', 'score', 'evidence'].includes(k)) extra[k] = x;
  if (Object.keys(extra).length) out.push(genericBlock(extra, `cni-${i}`, 2));
  if (Array.isArray(ev)) {
    out.push(ev.length ? `<ul class="plain evidence">${ev.slice(0, 50).map((e) => `<li>${esc(plainText(e))}</li>`).join('')}</ul>` : '<p class="note">No evidence.</p>');
  } else if (ev !== undefined) {
    out.push(`<p class="evidence">${esc(plainText(ev))}</p>`);
  }
  out.push('</div>');
  return out.join('');
}

const STATUS_CLASS: Record<string, string> = { identified: 'sev-ok', ambiguous: 'sev-warning', mixed: 'sev-warning', unknown: 'sev-muted' };

function meter(conf: number, level: string | null): string {
  const pc = Math.max(0, Math.min(100, conf * 100));
  return `<div class="note">confidence <b data-k="cni-confidence">${pc.toFixed(0)}%</b>${level ? ` (${esc(level)})` : ''}</div><div class="meter"><b style="width:${pc.toFixed(0)}%"></b></div>`;
}

function evidenceList(ev: readonly EvidenceFact[]): string {
  if (!ev.length) return '<p class="note">No evidence.</p>';
  return `<ul class="plain evidence">${ev.slice(0, 50).map((e) => {
    const n = [e.packets !== undefined ? `${int(e.packets)} packets` : '', e.count !== undefined ? `${int(e.count)} time${e.count === 1 ? '' : 's'}` : '', e.firstFrame ? `first frame ${int(e.firstFrame)}` : ''].filter(Boolean).join(', ');
    return `<li>${md(e.fact)}${n ? ` <span class="note">(${n})</span>` : ''}</li>`;
  }).join('')}</ul>`;
}

/** The CNI fingerprint's result (src/analyses/cni/fingerprint.ts): verdict, candidates with evidence, encryption, facts. */
function cniResult(r: CniResult): string {
  const out: string[] = [];
  const name = r.status === 'identified' ? r.label || r.verdict : r.verdict;
  out.push(`<div class="card verdict" data-verdict="${esc(r.verdict)}"><h3><span data-k="cni-verdict">${esc(name)}</span> <span class="sev ${STATUS_CLASS[r.status] ?? 'sev-muted'}">${esc(r.status)}</span></h3>`);
  if (r.status === 'identified' || r.confidence > 0) out.push(meter(r.confidence, r.level));
  out.push(`<p>${esc(r.reason)}</p></div>`);
  const cands: readonly CniCandidate[] = r.candidates;
  if (cands.length) {
    out.push('<h3>Candidates</h3><div class="cards">');
    for (const c of cands.slice(0, 12)) {
      out.push(`<div class="card" data-candidate="${esc(c.cni)}"><h3>${esc(c.label || c.cni)}</h3>${meter(c.confidence, c.level)}${evidenceList(arr(c.evidence) as EvidenceFact[])}`);
      const cav = arr(c.caveats);
      if (cav.length) out.push(`<p class="note">Caveats: ${md(cav.map(String).join(' '))}</p>`);
      out.push('</div>');
    }
    out.push('</div>');
  }
  const enc = arr(r.encryption).filter(isObj);
  if (enc.length) {
    out.push(`<h3>Encryption</h3><ul class="plain">${enc.map((e) => `<li>${esc(plainText(e.kind))} on UDP ${esc(plainText(e.port))}: ${esc(plainText(e.packets))} packets (first frame ${esc(plainText(e.firstFrame))})${e.usedBy ? `, used by ${esc(plainText(e.usedBy))}` : ''}</li>`).join('')}</ul>`);
  }
  if (isObj(r.facts)) out.push(`<details class="facts"><summary>Facts behind the verdict</summary>${genericBlock(r.facts, 'cni-facts')}</details>`);
  return out.join('');
}

function cniSection(doc: AnalysisDocument): string {
  const v = doc.cni;
  if (!isObj(v) && !Array.isArray(v)) return section('cni', 'CNI verdict', notAvailable('CNI fingerprint'));
  if (isObj(v) && typeof v.verdict === 'string' && typeof v.status === 'string' && Array.isArray(v.candidates)) {
    return section('cni', 'CNI verdict', cniResult(v));
  }
  const out: string[] = [];
  const list = Array.isArray(v) ? v : arr(v.verdicts ?? v.candidates);
  if (isObj(v)) {
    const top: Obj = {};
    for (const [k, x] of Object.entries(v)) if (k !== 'verdicts' && k !== 'candidates') top[k] = x;
    if (Object.keys(top).length) out.push(`<div class="cards">${verdictCard(top, -1)}</div>`);
  }
  if (list.length) {
    if (out.length) out.push('<h3>Candidates</h3>');
    out.push(`<div class="cards">${list.filter(isObj).slice(0, 20).map((x, i) => verdictCard(x, i)).join('')}</div>`);
  }
  if (!out.length) out.push('<p class="note">No verdict.</p>');
  return section('cni', 'CNI verdict', out.join(''));
}

const KNOWN = new Set(['tool', 'summary', 'podCidrs', 'classes', 'flows', 'topFlows', 'tunnels', 'overhead', 'timeline', 'bgp', 'lint', 'cni', 'cluster']);

function otherSections(doc: AnalysisDocument): { id: string; title: string; html: string }[] {
  const sections: [string, unknown][] = Object.entries(doc);
  return sections.filter(([k, v]) => !KNOWN.has(k) && v !== undefined).map(([k, v]) => {
    const id = `extra-${k.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    const title = k === 'l2' ? 'Layer 2' : k;
    // Sections this page does not know in detail: their lists stop at 100 rows (the JSON has them all).
    return { id, title, html: section(id, title, genericBlock(v, id, 0, 100)) };
  });
}

/** Escaped text with `code` spans (the rule catalogue is written in Markdown). */
function md(text: string): string {
  return esc(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

function glossarySection(doc: AnalysisDocument, opts: ReportOptions): string {
  const rules = opts.rules ?? {};
  const ids = Object.keys(rules);
  const out: string[] = [];
  if (ids.length) {
    out.push('<p class="note">What each lint rule looks for, why it matters and how to fix it.</p><dl class="glossary">');
    for (const id of ids.sort()) {
      const r = rules[id];
      out.push(`<dt id="${ruleAnchor(id)}"><span class="mono">${esc(id)}</span>${r.severity ? ` <span class="sev sev-${esc(r.severity)}">${esc(r.severity)}</span>` : ''}</dt>`);
      out.push(`<dd>${r.trigger ? `<p>${md(r.trigger)}</p>` : ''}${r.cause ? `<p><b>Cause.</b> ${md(r.cause)}</p>` : ''}${r.fix ? `<p><b>Fix.</b> ${md(r.fix)}</p>` : ''}</dd>`);
    }
    out.push('</dl>');
  } else {
    out.push(`<p class="note">Rule explanations are in the README: <a href="${esc(opts.readme ?? 'README.md')}">${esc(opts.readme ?? 'README.md')}</a>.</p>`);
  }
  out.push('<h3>Terms</h3><dl class="kv">');
  out.push('<dt>overhead</dt><dd>bytes from the end of the outer link-layer header to the start of the innermost IP header (outer IP, UDP, VXLAN/Geneve/GRE headers, inner Ethernet).</dd>');
  out.push('<dt>overhead share</dt><dd>overhead bytes / wire bytes.</dd>');
  out.push('<dt>efficiency</dt><dd>innermost IP bytes / outer IP bytes.</dd>');
  out.push('<dt>copies</dt><dd>the same packet captured again at another capture point (tcpdump -i any): counted once in flows, not a retransmission.</dd>');
  out.push('<dt>routed</dt><dd>plain IP traffic to or from a pod CIDR (no encapsulation, e.g. Calico BGP mode); underlay is the rest of the plain IP traffic.</dd>');
  out.push('</dl>');
  void doc;
  return section('glossary', 'Glossary', out.join(''));
}

// ---------------------------------------------------------------------------------------------

/** The lint module's rule catalogue as glossary entries. */
export function lintRuleDocs(): Record<string, RuleDoc> {
  return Object.fromEntries(RULES.map((r) => [r.id, { severity: r.severity, trigger: r.trigger, cause: r.cause, fix: r.fix }]));
}

/**
 * The page's Content-Security-Policy. Script: only the one inline script, by the SHA-256 of its
 * exact text, so a capture string that ever slipped past escaping as a <script> (or an event
 * handler attribute) cannot run. Style: 'unsafe-inline' stays, because the meters' widths and the
 * colours of classes outside the built-in palette are style attributes computed per value (a
 * hash would have to list each of them with 'unsafe-hashes'); CSS cannot run script, and with
 * default-src 'none' and images only from data: URLs an injected style can load or send nothing.
 */
export const CONTENT_SECURITY_POLICY =
  `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${createHash('sha256').update(SCRIPT, 'utf8').digest('base64')}'; img-src data:`;

export function renderReport(doc: AnalysisDocument, options: ReportOptions = {}): string {
  const opts: ReportOptions = { ...options, rules: options.rules ?? lintRuleDocs() };
  const files = doc.summary.files.map((f) => f.name);
  const title = `tunnelscope report: ${files.map((f) => f.split('/').pop()).join(', ')}`;
  const others = otherSections(doc);
  const sections: [string, string, string][] = [
    ['health', 'Health', healthSection(doc)],
    ['summary', 'Summary', summarySection(doc)],
    ['traffic', 'Traffic over time', trafficSection(doc)],
    ['overhead', 'Overhead', overheadSection(doc)],
    ['sizes', 'Packet sizes', sizesSection(doc)],
    ['flows', 'Top flows', flowsSection(doc, opts)],
    ['tunnels', 'Tunnels', tunnelsSection(doc, opts)],
    ['bgp', 'BGP', bgpSection(doc, opts)],
    ['lint', 'Lint', lintSection(doc, opts)],
    ['cni', 'CNI', cniSection(doc)],
    ...clusterSections(doc),
    ...others.map((o): [string, string, string] => [o.id, o.title, o.html]),
    ['glossary', 'Glossary', glossarySection(doc, opts)],
  ];
  const gen = opts.generatedAt ? ` on ${esc(opts.generatedAt.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC'))}` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="generator" content="${esc(doc.tool.name)} ${esc(doc.tool.version)}">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header class="top"><div class="wrap"><h1>tunnelscope report</h1><div class="sub">${files.map((f) => esc(f)).join(' · ')}</div></div></header>
<nav class="toc" aria-label="Sections"><div class="wrap">${sections.map(([id, label]) => `<a href="#${id}">${esc(label)}</a>`).join('')}</div></nav>
<main class="wrap">
${sections.map((s) => s[2]).join('\n')}
</main>
<footer class="wrap">Generated by ${esc(doc.tool.name)} ${esc(doc.tool.version)}${gen}. Self-contained page: no network access needed.</footer>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
