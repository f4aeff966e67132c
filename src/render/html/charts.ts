// Charts as SVG written here, on the server side: no charting library, nothing to inline, and
// the page renders without JavaScript. Every chart has axis labels with units and a legend or
// row labels; colours come from CLASS_COLORS so a class looks the same everywhere.
import { byteUnit, c1, esc, int, niceTicks, tick, width as widthText } from './format.js';

export interface AreaSeries {
  key: string;
  label: string;
  color: string;
  /** Bytes per bucket. */
  values: number[];
}

const FONT = 'font-size="12"';

/** Tick values in [a, b] with a round step (about `count` of them). */
function ticksIn(a: number, b: number, count: number): number[] {
  const span = b - a;
  if (!(span > 0)) return [a];
  const t = niceTicks(span, count);
  const step = t.length > 1 ? t[1] - t[0] : span;
  const out: number[] = [];
  for (let v = Math.ceil(a / step - 1e-9) * step; v <= b + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Drops points in the middle of a horizontal or vertical run, and repeated points. */
function simplify(pts: readonly [string, string][]): [string, string][] {
  const out: [string, string][] = [];
  for (const p of pts) {
    const a = out[out.length - 1], b = out[out.length - 2];
    if (a && a[0] === p[0] && a[1] === p[1]) continue;
    if (a && b && ((a[1] === p[1] && b[1] === p[1]) || (a[0] === p[0] && b[0] === p[0]))) out[out.length - 1] = p;
    else out.push(p);
  }
  return out;
}

/**
 * Stacked area of bytes per second over time. `t0` is the start of the first bucket in seconds
 * relative to the first packet; buckets are `width` seconds wide.
 */
export function stackedArea(series: readonly AreaSeries[], t0: number, width: number, opts: { id: string; label: string }): string {
  const W = 1000, H = 320, L = 78, R = 16, T = 14, B = 48;
  const pw = W - L - R, ph = H - T - B;
  const n = series.length ? series[0].values.length : 0;
  const totals = new Array<number>(n).fill(0);
  for (const s of series) for (let i = 0; i < n; i++) totals[i] += s.values[i] / width;
  const max = Math.max(0, ...totals);
  const { div, unit } = byteUnit(max);
  const yt = niceTicks(max / div, 5);
  const ymax = yt[yt.length - 1] * div || 1;
  const x0 = t0, x1 = t0 + Math.max(1, n) * width;
  const X = (t: number) => L + ((t - x0) / (x1 - x0)) * pw;
  const Y = (v: number) => T + ph - (v / ymax) * ph;
  const out: string[] = [];
  out.push(`<svg id="${esc(opts.id)}" class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(opts.label)}" ${FONT}>`);
  out.push(`<title>${esc(opts.label)}</title>`);
  // Grid and y axis.
  for (const v of yt) {
    const y = c1(Y(v * div));
    out.push(`<line class="grid" x1="${L}" x2="${W - R}" y1="${y}" y2="${y}"/><text class="tick" x="${L - 6}" y="${y}" dy="4" text-anchor="end">${tick(v)}</text>`);
  }
  out.push(`<text class="axis-label" transform="translate(16 ${T + ph / 2}) rotate(-90)" text-anchor="middle">${esc(unit)}/s (wire bytes per second)</text>`);
  // X axis: seconds since the first packet.
  for (const t of ticksIn(Math.max(x0, Math.min(0, x1)), x1, 10)) {
    const x = c1(X(t));
    out.push(`<line class="axis" x1="${x}" x2="${x}" y1="${T + ph}" y2="${T + ph + 5}"/><text class="tick" x="${x}" y="${T + ph + 18}" text-anchor="middle">${tick(t)}</text>`);
  }
  out.push(`<line class="axis" x1="${L}" x2="${W - R}" y1="${T + ph}" y2="${T + ph}"/>`);
  out.push(`<text class="axis-label" x="${L + pw / 2}" y="${H - 6}" text-anchor="middle">seconds since the first packet (buckets of ${widthText(width)})</text>`);
  // Areas, bottom up, as steps: each bucket is flat over its own time span.
  const base = new Array<number>(n).fill(0);
  for (const s of series) {
    const top = base.map((b, i) => b + s.values[i] / width);
    const pts: [string, string][] = [];
    for (let i = 0; i < n; i++) {
      const xa = c1(X(t0 + i * width)), xb = c1(X(t0 + (i + 1) * width)), y = c1(Y(top[i]));
      pts.push([xa, y], [xb, y]);
    }
    for (let i = n - 1; i >= 0; i--) {
      const xa = c1(X(t0 + i * width)), xb = c1(X(t0 + (i + 1) * width)), y = c1(Y(base[i]));
      pts.push([xb, y], [xa, y]);
    }
    const sum = s.values.reduce((a, b) => a + b, 0);
    out.push(`<path class="area" data-series="${esc(s.key)}" fill="${s.color}" d="M${simplify(pts).map((p) => p.join(' ')).join('L')}Z"><title>${esc(s.label)}: ${int(sum)} bytes in total</title></path>`);
    for (let i = 0; i < n; i++) base[i] = top[i];
  }
  out.push('</svg>');
  return out.join('');
}

export interface BarRow {
  label: string;
  /** Full label for the tooltip when the shown one is shortened. */
  title?: string;
  color: string;
  a: number;
  aText: string;
  b: number;
  bText: string;
}

/**
 * Two bar panels side by side sharing the row labels: e.g. header bytes and share of wire bytes.
 * `aUnit` is 'bytes' (binary units on the axis) or 'share' (percent).
 */
export function pairedBars(rows: readonly BarRow[], opts: { id: string; label: string; aTitle: string; bTitle: string; aUnit: 'bytes' | 'share'; bUnit: 'bytes' | 'share' }): string {
  const longest = Math.max(4, ...rows.map((r) => r.label.length));
  const W = 1000, LBL = Math.min(360, Math.max(90, Math.round(longest * 6.9) + 18)), VA = 80, VB = 130, GAP = 24, T = 30, RH = 26, B = 44;
  const pw = (W - LBL - VA - VB - GAP) / 2;
  const H = T + rows.length * RH + B;
  const out: string[] = [];
  out.push(`<svg id="${esc(opts.id)}" class="chart bars" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(opts.label)}" ${FONT}>`);
  out.push(`<title>${esc(opts.label)}</title>`);
  const panel = (x0: number, title: string, unit: 'bytes' | 'share', val: (r: BarRow) => number, text: (r: BarRow) => string, key: string) => {
    const max = Math.max(0, ...rows.map(val));
    let ticks: number[], scale: number, suffix: string;
    if (unit === 'share') {
      ticks = niceTicks(max * 100, 4);
      scale = (ticks[ticks.length - 1] || 1) / 100;
      suffix = '%';
    } else {
      const u = byteUnit(max);
      ticks = niceTicks(max / u.div, 4);
      scale = (ticks[ticks.length - 1] || 1) * u.div;
      suffix = ` ${u.unit}`;
    }
    out.push(`<text class="panel-title" x="${x0}" y="16">${esc(title)}</text>`);
    const yb = T + rows.length * RH;
    for (const t of ticks) {
      const x = c1(x0 + (t / (ticks[ticks.length - 1] || 1)) * pw);
      out.push(`<line class="grid" x1="${x}" x2="${x}" y1="${T - 4}" y2="${yb}"/><text class="tick" x="${x}" y="${yb + 16}" text-anchor="middle">${tick(t)}${t === ticks[ticks.length - 1] ? esc(suffix) : ''}</text>`);
    }
    out.push(`<line class="axis" x1="${x0}" x2="${x0}" y1="${T - 4}" y2="${yb}"/>`);
    rows.forEach((r, i) => {
      const w = Math.max(val(r) > 0 ? 1 : 0, (val(r) / scale) * pw);
      const y = T + i * RH + 4;
      out.push(`<rect class="bar" data-bar="${key}" data-row="${i}" x="${x0}" y="${y}" width="${c1(w)}" height="${RH - 8}" fill="${r.color}"><title>${esc(r.title ?? r.label)}: ${esc(text(r))}</title></rect>`);
      out.push(`<text class="val" x="${c1(x0 + w + 5)}" y="${y + RH / 2}">${esc(text(r))}</text>`);
    });
  };
  rows.forEach((r, i) => {
    out.push(`<text class="row-label" x="${LBL - 10}" y="${T + i * RH + RH / 2 + 4}" text-anchor="end">${esc(r.label)}${r.title ? `<title>${esc(r.title)}</title>` : ''}</text>`);
  });
  panel(LBL, opts.aTitle, opts.aUnit, (r) => r.a, (r) => r.aText, 'a');
  panel(LBL + pw + VA + GAP, opts.bTitle, opts.bUnit, (r) => r.b, (r) => r.bText, 'b');
  out.push(`<text class="axis-label" x="${LBL + pw / 2}" y="${H - 6}" text-anchor="middle">${opts.aUnit === 'bytes' ? 'bytes (binary units)' : 'percent'}</text>`);
  out.push(`<text class="axis-label" x="${LBL + pw * 1.5 + VA + GAP}" y="${H - 6}" text-anchor="middle">${opts.bUnit === 'bytes' ? 'bytes (binary units)' : 'percent of wire bytes'}</text>`);
  out.push('</svg>');
  return out.join('');
}

/** Upper-edge label of a size bin. */
function binLabel(edges: readonly number[], i: number): string {
  const k = (v: number) => (v >= 2000 && v % 1000 === 0 ? `${v / 1000}k` : String(v));
  return i < edges.length ? k(edges[i]) : `>${k(edges[edges.length - 1])}`;
}

function binRange(edges: readonly number[], i: number): string {
  if (i >= edges.length) return `over ${edges[edges.length - 1]} B`;
  return `${i === 0 ? 0 : edges[i - 1] + 1}–${edges[i]} B`;
}

/**
 * Packet-size histogram of one class: packets per size bin (bins are the flow table's, unequal
 * widths, drawn as equal slots) with the MTU marked where it falls. `shares` optionally gives the
 * header share of bytes per bin (tunnel classes) for the tooltips.
 */
export function histogram(counts: readonly number[], edges: readonly number[], mtu: number, opts: { id: string; label: string; color: string; shares?: readonly number[] }): string {
  const W = 380, H = 220, L = 50, R = 8, T = 22, B = 44;
  const pw = W - L - R, ph = H - T - B;
  const n = counts.length;
  const total = counts.reduce((a, b) => a + b, 0);
  const max = Math.max(0, ...counts);
  const yt = niceTicks(Math.max(max, 1), 4).filter((v, _i, a) => Number.isInteger(v) || a.length <= 2);
  const ymax = yt[yt.length - 1] || 1;
  const slot = pw / n;
  const Y = (v: number) => T + ph - (v / ymax) * ph;
  const out: string[] = [];
  out.push(`<svg id="${esc(opts.id)}" class="chart hist" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(opts.label)}" ${FONT}>`);
  out.push(`<title>${esc(opts.label)}</title>`);
  for (const v of yt) {
    const y = c1(Y(v));
    out.push(`<line class="grid" x1="${L}" x2="${W - R}" y1="${y}" y2="${y}"/><text class="tick" x="${L - 6}" y="${y}" dy="4" text-anchor="end">${tick(v)}</text>`);
  }
  out.push(`<text class="axis-label" transform="translate(12 ${T + ph / 2}) rotate(-90)" text-anchor="middle">packets</text>`);
  for (let i = 0; i < n; i++) {
    const h = (counts[i] / ymax) * ph;
    const x = L + i * slot;
    const sh = opts.shares && opts.shares[i] !== undefined && counts[i] ? `; headers ${(opts.shares[i] * 100).toFixed(1)}% of bytes` : '';
    const pc = total ? ` (${((counts[i] / total) * 100).toFixed(1)}%)` : '';
    if (counts[i] > 0) out.push(`<rect class="bar" data-bin="${i}" x="${c1(x + 2)}" y="${c1(T + ph - h)}" width="${c1(slot - 4)}" height="${c1(Math.max(h, 1))}" fill="${opts.color}"><title>${binRange(edges, i)}: ${int(counts[i])} packets${pc}${sh}</title></rect>`);
    out.push(`<text class="tick" x="${c1(x + slot / 2)}" y="${T + ph + 15}" text-anchor="middle">${esc(binLabel(edges, i))}</text>`);
  }
  out.push(`<line class="axis" x1="${L}" x2="${W - R}" y1="${T + ph}" y2="${T + ph}"/>`);
  out.push(`<text class="axis-label" x="${L + pw / 2}" y="${H - 8}" text-anchor="middle">IP packet size, bytes (bin upper edge)</text>`);
  // The MTU: interpolated inside the bin whose range holds it.
  let j = 0;
  while (j < edges.length && mtu > edges[j]) j++;
  const lo = j === 0 ? 0 : edges[j - 1];
  const frac = j < edges.length ? (mtu - lo) / (edges[j] - lo) : 0.5;
  const mx = c1(L + (j + frac) * slot);
  out.push(`<g class="mtu"><line x1="${mx}" x2="${mx}" y1="${T - 8}" y2="${T + ph}"/><text x="${mx}" y="${T - 10}" text-anchor="${j >= n - 2 ? 'end' : 'middle'}">MTU ${int(mtu)}</text></g>`);
  out.push('</svg>');
  return out.join('');
}
