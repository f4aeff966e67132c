// `analyze --interval N` (issue 14): a rolling view while the capture is read. Every N seconds of
// wall time a compact summary: packets and bytes per class (since the start), the busiest tunnels
// with their rate over the last interval, lint findings new since the previous view, and the
// current CNI guess. On a terminal (standard error) it redraws in place; otherwise, or with --json,
// it appends one JSON object per line to standard error, so standard output keeps only the final
// report (`analyze --json` stays one parseable document).
//
// The final report must not change: the lint and CNI analyses of the report resolve their BGP
// input once, at finish(), so they cannot be asked mid-stream. The view runs its own L2, CNI and
// lint instances (without BGP: rules and CNI evidence that need BGP appear in the final report
// only) on the same packets.
import type { AnalysisContext, PacketAnalysis } from '../engine/analysis.js';
import type { AnalyzeOptions } from '../engine/analyze.js';
import type { PacketState } from '../../dissectors/packet.js';
import { CLASS_NAME, Proto, TrafficClass, u32 } from '../../dissectors/packet.js';
import type { CaptureRecord } from '../reader/record.js';
import { formatTimestamp } from '../reader/record.js';
import { KeyTable } from '../util/keytable.js';
import { standardAnalyses } from '../engine/standard.js';
import { createLintSet } from '../analyses/lint/index.js';
import type { LintAnalysis } from '../analyses/lint/analysis.js';
import type { CniAnalysis } from '../analyses/cni/analysis.js';
import { formatIp } from '../util/cidr.js';
import { IPV4_DST, IPV4_SRC } from '../../dissectors/ipv4.js';
import { IPV6_DST, IPV6_SRC } from '../../dissectors/ipv6.js';

/** Tunnels tracked for rates (the busiest are listed); beyond it new tunnels are not tracked. */
const MAX_TUNNELS = 4096;
const TOP_TUNNELS = 5;
const KEY = 10; // class, tunnel id, outer address A (4 words), outer address B (4 words)

export interface RollingView {
  /** Seconds of wall time between views. */
  intervalS: number;
  /** One JSON object per line instead of the redrawn text. */
  json: boolean;
  /** Where the views go (standard error). */
  out: NodeJS.WritableStream & { isTTY?: boolean };
}

/** One view, as the JSON lines carry it. */
export interface ViewRecord {
  view: number;
  wallTs: string;
  elapsedS: number;
  captureTs: string | null;
  packets: number;
  bytes: number;
  classes: Record<string, { packets: number; bytes: number }>;
  tunnels: { class: string; a: string; b: string; id: number | null; packets: number; bytes: number; bytesPerS: number; packetsPerS: number }[];
  newFindings: { rule: string; severity: string; count: number; message: string }[];
  cni: { verdict: string; label: string; status: string; confidence: number };
}

export class RollingAnalysis implements PacketAnalysis<null> {
  readonly name = 'live';
  private readonly classPkts = new Float64Array(CLASS_NAME.length);
  private readonly classBytes = new Float64Array(CLASS_NAME.length);
  private readonly tunnels = new KeyTable(KEY, 256);
  private tunBytes = new Float64Array(256);
  private tunPkts = new Float64Array(256);
  private tunBytesShown = new Float64Array(256);
  private tunPktsShown = new Float64Array(256);
  private readonly key = new Uint32Array(KEY);
  private readonly lint: LintAnalysis;
  private readonly cni: CniAnalysis;
  private readonly mine: PacketAnalysis[];
  private readonly seenRules = new Set<string>();
  private lastSec = 0;
  private lastNsec = 0;
  private packets = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly started = Date.now();
  private shownAt = Date.now();
  private views = 0;
  private drawnLines = 0;

  constructor(private readonly opts: RollingView, decoderOpts: AnalyzeOptions) {
    const set = createLintSet({ vxlanPorts: decoderOpts.vxlanPorts, genevePorts: decoderOpts.genevePorts, mtu: decoderOpts.mtu, bgp: null });
    this.lint = set.lint;
    this.cni = set.cni;
    this.mine = set.analyses;
    this.timer = setInterval(() => this.show(), Math.max(100, opts.intervalS * 1000));
    this.timer.unref();
  }

  onPacket(r: CaptureRecord, st: PacketState, ctx: AnalysisContext): void {
    const f = ctx.facts;
    this.packets++;
    this.classPkts[f.cls]++;
    this.classBytes[f.cls] += f.wireLen;
    if (r.tsSec > this.lastSec || (r.tsSec === this.lastSec && r.tsNsec > this.lastNsec)) { this.lastSec = r.tsSec; this.lastNsec = r.tsNsec; }
    if (st.tunnel >= 0 && st.outerIp >= 0 && this.tunnelKey(st, f.cls)) {
      if (this.tunnels.size < MAX_TUNNELS || this.tunnels.find(this.key) >= 0) {
        const e = this.tunnels.findOrInsert(this.key);
        if (e >= this.tunBytes.length) this.growTunnels();
        this.tunBytes[e] += f.wireLen;
        this.tunPkts[e]++;
      }
    }
    for (let i = 0; i < this.mine.length; i++) this.mine[i].onPacket(r, st, ctx);
  }

  onFileEnd(info: Parameters<NonNullable<PacketAnalysis['onFileEnd']>>[0], ctx: AnalysisContext): void {
    for (const a of this.mine) a.onFileEnd?.(info, ctx);
  }

  /** Class, tunnel id and the outer addresses in canonical order into this.key; false when not IP. */
  private tunnelKey(st: PacketState, cls: number): boolean {
    const k = this.key, b = st.buf, o = st.off[st.outerIp], t = st.tunnel;
    k.fill(0);
    k[0] = cls;
    const kind = st.kind[t];
    k[1] = kind === Proto.VXLAN || kind === Proto.GENEVE || kind === Proto.VXLAN_GPE || (kind === Proto.GRE && st.v1[t] >= 0)
      ? (cls === TrafficClass.NVGRE ? st.v1[t] >>> 8 : st.v1[t]) + 1 : 0;
    let sa = 0, da = 0;
    if (st.kind[st.outerIp] === Proto.IPV4) {
      const s = u32(b, o + IPV4_SRC), d = u32(b, o + IPV4_DST);
      if (s <= d) { k[2] = s; k[6] = d; } else { k[2] = d; k[6] = s; }
      return true;
    }
    if (st.kind[st.outerIp] !== Proto.IPV6) return false;
    for (let w = 0; w < 4 && sa === da; w++) { sa = u32(b, o + IPV6_SRC + 4 * w); da = u32(b, o + IPV6_DST + 4 * w); }
    const srcFirst = sa <= da;
    for (let w = 0; w < 4; w++) {
      const s = u32(b, o + IPV6_SRC + 4 * w), d = u32(b, o + IPV6_DST + 4 * w);
      k[2 + w] = srcFirst ? s : d; k[6 + w] = srcFirst ? d : s;
    }
    return true;
  }

  private growTunnels(): void {
    const n = this.tunBytes.length * 2;
    const g = (a: Float64Array) => { const x = new Float64Array(n); x.set(a); return x; };
    this.tunBytes = g(this.tunBytes); this.tunPkts = g(this.tunPkts);
    this.tunBytesShown = g(this.tunBytesShown); this.tunPktsShown = g(this.tunPktsShown);
  }

  /** The view now (cold path: once per interval). */
  view(): ViewRecord {
    const now = Date.now();
    const dt = Math.max(0.001, (now - this.shownAt) / 1000);
    this.shownAt = now;
    const classes: ViewRecord['classes'] = {};
    let bytes = 0;
    for (let c = 0; c < CLASS_NAME.length; c++) {
      bytes += this.classBytes[c];
      if (this.classPkts[c] > 0) classes[CLASS_NAME[c]] = { packets: this.classPkts[c], bytes: this.classBytes[c] };
    }
    const tunnels: ViewRecord['tunnels'] = [];
    const keys = this.tunnels.keys;
    const order: number[] = [];
    for (let e = 0; e < this.tunnels.used; e++) if (this.tunBytes[e] > this.tunBytesShown[e]) order.push(e);
    order.sort((a, b) => (this.tunBytes[b] - this.tunBytesShown[b]) - (this.tunBytes[a] - this.tunBytesShown[a]));
    for (const e of order.slice(0, TOP_TUNNELS)) {
      const at = e * KEY;
      const v6 = keys[at + 3] !== 0 || keys[at + 4] !== 0 || keys[at + 5] !== 0 || keys[at + 7] !== 0 || keys[at + 8] !== 0 || keys[at + 9] !== 0;
      const addr = (w: number) => formatIp(wordsToBytes(keys, at + w, v6 ? 4 : 1));
      const db = this.tunBytes[e] - this.tunBytesShown[e], dp = this.tunPkts[e] - this.tunPktsShown[e];
      tunnels.push({
        class: CLASS_NAME[keys[at]], a: addr(2), b: addr(6), id: keys[at + 1] ? keys[at + 1] - 1 : null,
        packets: this.tunPkts[e], bytes: this.tunBytes[e], bytesPerS: Math.round(db / dt), packetsPerS: Math.round((dp / dt) * 10) / 10,
      });
    }
    this.tunBytesShown.set(this.tunBytes);
    this.tunPktsShown.set(this.tunPkts);
    const newFindings: ViewRecord['newFindings'] = [];
    for (const x of this.lint.finish().findings) {
      if (this.seenRules.has(x.rule)) continue;
      this.seenRules.add(x.rule);
      newFindings.push({ rule: x.rule, severity: x.severity, count: x.count, message: x.message });
    }
    const c = this.cni.finish();
    return {
      view: ++this.views, wallTs: new Date(now).toISOString(), elapsedS: Math.round((now - this.started) / 100) / 10,
      captureTs: this.packets ? formatTimestamp(this.lastSec, this.lastNsec) : null,
      packets: this.packets, bytes, classes, tunnels, newFindings,
      cni: { verdict: c.verdict, label: c.label, status: c.status, confidence: c.confidence },
    };
  }

  private show(): void {
    const v = this.view();
    const out = this.opts.out;
    if (this.opts.json || !out.isTTY) { out.write(JSON.stringify(v) + '\n'); return; }
    const lines = viewText(v);
    // Redraw in place: back to the first line of the previous view, clear to the end, draw.
    out.write((this.drawnLines ? `\x1b[${this.drawnLines}F\x1b[J` : '') + lines.join('\n') + '\n');
    this.drawnLines = lines.length;
  }

  finish(): null {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    return null;
  }
}

function wordsToBytes(keys: Uint32Array, at: number, words: number): Uint8Array {
  const out = new Uint8Array(words * 4);
  for (let w = 0; w < words; w++) {
    const v = keys[at + w];
    out[4 * w] = v >>> 24; out[4 * w + 1] = (v >>> 16) & 255; out[4 * w + 2] = (v >>> 8) & 255; out[4 * w + 3] = v & 255;
  }
  return out;
}

function human(n: number): string {
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return i === 0 ? `${n} B` : `${n.toFixed(1)} ${u[i]}`;
}

/** The terminal form of a view: a few short lines. */
export function viewText(v: ViewRecord): string[] {
  const lines = [`tunnelscope: ${v.packets} packets, ${human(v.bytes)} after ${v.elapsedS} s (capture time ${v.captureTs ?? '-'}); CNI: ${v.cni.label} (${v.cni.status})`];
  lines.push('  ' + Object.entries(v.classes).map(([c, x]) => `${c} ${x.packets} pkts ${human(x.bytes)}`).join(' | '));
  for (const t of v.tunnels) lines.push(`  ${t.class} ${t.a} <> ${t.b}${t.id !== null ? ` id ${t.id}` : ''}: ${human(t.bytesPerS)}/s, ${t.packetsPerS} pkt/s`);
  for (const f of v.newFindings) lines.push(`  new ${f.severity}: ${f.rule}: ${f.message}`);
  return lines;
}

/**
 * The analyze options that run the view beside the report: the standard analyses are built here
 * (so the view can sit after them on every packet) and everything runs on one thread.
 */
export function withRollingView(opts: AnalyzeOptions, view: RollingView): AnalyzeOptions {
  return {
    ...opts,
    standard: false,
    extraAnalyses: (decoder) => [...standardAnalyses(opts, decoder), new RollingAnalysis(view, opts), ...(opts.extraAnalyses?.(decoder) ?? [])],
  };
}

/** The report without the view's (empty) section: the same document as without --interval. */
export function withoutRollingView<T extends Record<string, unknown>>(doc: T): T {
  delete doc.live;
  return doc;
}
