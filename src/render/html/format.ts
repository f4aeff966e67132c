// Formatting, colours and scales shared by the sections and charts of the HTML report.
import { bytes as bytesText, pct } from '../table.js';
import { TRAFFIC_CLASSES } from '../../classes.js';

/** Escapes text for HTML element content and attribute values. */
export function esc(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Integer with thousands separators (fixed en-US style so the page is the same everywhere). */
export function int(n: number): string {
  if (!Number.isFinite(n)) return '-';
  const s = Math.round(Math.abs(n)).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return n < 0 ? `-${s}` : s;
}

export const bytes = (n: number): string => (Number.isFinite(n) ? bytesText(n) : '-');
export const share = (x: number): string => (Number.isFinite(x) ? pct(x) : '-');

/** Binary unit for a byte scale whose largest value is max. */
export function byteUnit(max: number): { div: number; unit: string } {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0, div = 1;
  while (max / div >= 1024 && i < units.length - 1) { div *= 1024; i++; }
  return { div, unit: units[i] };
}

/** Up to about `count` round tick values (1, 2, 5 x 10^k steps) from 0 to at least max. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = 0; v < max + step * 1e-9; v += step) ticks.push(round(v));
  if (ticks[ticks.length - 1] < max) ticks.push(round(ticks[ticks.length - 1] + step));
  return ticks;
}

function round(v: number): number {
  return Number(v.toPrecision(12));
}

/** Short tick label: at most three significant decimals, no trailing zeros. */
export function tick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6) return int(v);
  return String(Number(v.toFixed(a < 1 ? 3 : a < 10 ? 2 : a < 100 ? 1 : 0))).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Coordinates in SVG paths: one decimal. */
export const c1 = (v: number): string => String(Math.round(v * 10) / 10);

/** One colour per class, the same in every chart and table (from the class table, src/classes.ts). */
export const CLASS_COLORS: Record<string, string> = {
  ...Object.fromEntries(TRAFFIC_CLASSES.map((c) => [c.name, c.colour])),
  unencapsulated: '#6b7b8c',
};

export const CLASS_LABELS: Record<string, string> = {
  ...Object.fromEntries(TRAFFIC_CLASSES.map((c) => [c.name, c.label])),
  unencapsulated: 'unencapsulated (routed+underlay)',
};

export function classColor(c: string): string {
  return CLASS_COLORS[c] ?? '#888888';
}

export function classLabel(c: string): string {
  return CLASS_LABELS[c] ?? c;
}

/** Legend chip + label for a class, as HTML (the colour comes from the c-CLASS rule of CLASS_CSS). */
export function classChip(c: string, label = c): string {
  return CLASS_COLORS[c] ? `<span class="chip c-${c}">${esc(label)}</span>` : `<span class="chip" style="--c:${classColor(c)}">${esc(label)}</span>`;
}

/** The chip colour rules, one per class. */
export const CLASS_CSS = Object.entries(CLASS_COLORS).map(([c, col]) => `.c-${c}{--c:${col}}`).join('');

/** Epoch seconds (string or number) as an ISO UTC time with milliseconds. */
export function isoTime(ts: string | number | null | undefined): string {
  if (ts === null || ts === undefined || ts === '') return '-';
  const s = Number(ts);
  if (!Number.isFinite(s)) return String(ts);
  const d = new Date(s * 1000);
  return Number.isNaN(d.getTime()) ? String(ts) : d.toISOString().replace('T', ' ').replace('Z', ' UTC');
}

/** Duration in seconds, short. */
export function duration(s: number): string {
  if (!Number.isFinite(s)) return '-';
  if (s < 1) return `${(s * 1000).toFixed(s < 0.01 ? 3 : 1)} ms`;
  if (s < 120) return `${s.toFixed(s < 10 ? 3 : 1)} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** A bucket width: seconds, or milliseconds below one second (0.0078125 s is "7.81 ms"). */
export function width(s: number): string {
  if (s >= 1) return `${Number(s.toPrecision(6))} s`;
  return `${Number((s * 1000).toPrecision(3))} ms`;
}
