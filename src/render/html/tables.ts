// HTML tables for the report: sortable (a small inline script; numbers sort by their raw value in
// data-v), capped at a row limit with a note saying how many rows were left out, and a generic
// renderer for sections whose shape this module does not know (new analyses, future fields).
import { esc, int } from './format.js';

export interface Col {
  label: string;
  /** Numeric column: right-aligned, sorts by value, first click sorts largest first. */
  num?: boolean;
  title?: string;
}

/** A cell: a number (formatted, sorts by value), text, or prepared HTML with an optional sort value. */
export type Cell = number | string | null | undefined | { html: string; v?: number | string; cls?: string };

export const ROW_CAP = 500;

export interface TableOptions {
  id: string;
  /** Rows that exist in all (when more than given); the note says how many were left out. */
  total?: number;
  /** Noun for the note: "flows", "routes". */
  what?: string;
  cap?: number;
  caption?: string;
  /** Extra attributes per row (already escaped). */
  rowAttrs?: (i: number) => string;
}

function cellHtml(c: Cell, col: Col): string {
  const cls = col.num ? ' class="num"' : '';
  if (c === null || c === undefined || c === '') return `<td${cls}>–</td>`;
  // Whole numbers sort by their text (the script drops the separators); others carry their value.
  if (typeof c === 'number') return Number.isInteger(c) ? `<td class="num">${int(c)}</td>` : `<td class="num" data-v="${Number.isFinite(c) ? c : ''}">${esc(c)}</td>`;
  if (typeof c === 'string') return `<td${cls}>${esc(c)}</td>`;
  const v = c.v === undefined ? '' : ` data-v="${esc(c.v)}"`;
  const k = [col.num ? 'num' : '', c.cls ?? ''].filter(Boolean).join(' ');
  return `<td${k ? ` class="${k}"` : ''}${v}>${c.html}</td>`;
}

export function table(cols: readonly Col[], rows: readonly Cell[][], opts: TableOptions): string {
  const cap = opts.cap ?? ROW_CAP;
  const shown = rows.slice(0, cap);
  const total = Math.max(opts.total ?? rows.length, rows.length);
  const out: string[] = [];
  out.push(`<div class="table-wrap"><table id="${esc(opts.id)}" class="sortable">`);
  if (opts.caption) out.push(`<caption>${opts.caption}</caption>`);
  out.push('<thead><tr>');
  cols.forEach((c) => {
    out.push(`<th scope="col"${c.num ? ' class="num" data-type="num"' : ''}${c.title ? ` title="${esc(c.title)}"` : ''}><button type="button">${esc(c.label)}</button></th>`);
  });
  out.push('</tr></thead><tbody>');
  shown.forEach((r, i) => {
    out.push(`<tr${opts.rowAttrs ? ' ' + opts.rowAttrs(i) : ''}>${cols.map((c, j) => cellHtml(r[j], c)).join('')}</tr>`);
  });
  out.push('</tbody></table></div>');
  if (shown.length === 0) out.push('<p class="note">None.</p>');
  const left = total - shown.length;
  if (left > 0) {
    out.push(`<p class="note left-out" data-left-out="${left}">Showing ${int(shown.length)} of ${int(total)} ${esc(opts.what ?? 'rows')}; ${int(left)} left out to keep the page fast to open.</p>`);
  }
  return out.join('');
}

const isPlain = (v: unknown): v is string | number | boolean | null => v === null || ['string', 'number', 'boolean'].includes(typeof v);

/** A value of unknown shape as short text. */
export function plainText(v: unknown, depth = 0): string {
  if (v === null || v === undefined) return '–';
  // No digit grouping: these are often ports, VNIs, ASNs and frame numbers.
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toFixed(4)));
  if (typeof v === 'string' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) {
    if (v.length === 0) return '–';
    const parts = v.slice(0, 12).map((x) => plainText(x, depth + 1));
    return parts.join(', ') + (v.length > 12 ? `, … ${v.length - 12} more` : '');
  }
  if (typeof v === 'object') {
    if (depth > 3) return '{…}';
    const ents = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    const s = ents.slice(0, 10).map(([k, x]) => `${k}: ${plainText(x, depth + 1)}`).join('; ');
    return ents.length > 10 ? `${s}; …` : s;
  }
  return String(v);
}

/** Nested objects as dotted columns (a.ip, a.open.asn), two levels deep; lists stay one cell. */
function flatten(o: Record<string, unknown>, prefix = '', depth = 0, out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [k, v] of Object.entries(o)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && depth < 2) flatten(v as Record<string, unknown>, key, depth + 1, out);
    else out[key] = v;
  }
  return out;
}

/** Columns a generic table shows at most; the others are left out with a note. */
const MAX_COLS = 16;

/** A table of objects of unknown shape: one column per (flattened) key seen in the first rows. */
export function genericTable(list: readonly unknown[], id: string, what = 'rows', cap = ROW_CAP): string {
  const objs = list.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x)).map((o) => flatten(o));
  if (objs.length === 0) {
    return list.length ? `<ul class="plain">${list.slice(0, cap).map((x) => `<li>${esc(plainText(x))}</li>`).join('')}</ul>` : '<p class="note">None.</p>';
  }
  const all: string[] = [];
  for (const o of objs.slice(0, 200)) for (const k of Object.keys(o)) if (!all.includes(k)) all.push(k);
  const keys = all.slice(0, MAX_COLS);
  const numeric = new Set(keys.filter((k) => objs.slice(0, 200).every((o) => o[k] === undefined || o[k] === null || typeof o[k] === 'number')));
  const cols: Col[] = keys.map((k) => ({ label: k, num: numeric.has(k) }));
  const rows: Cell[][] = objs.map((o) => keys.map((k) => {
    const v = o[k];
    if (typeof v === 'number') return v;
    if (v === null || v === undefined) return null;
    return plainText(v);
  }));
  const more = all.length > keys.length ? `<p class="note">${all.length - keys.length} more fields not shown: ${esc(all.slice(MAX_COLS).join(', '))}.</p>` : '';
  return table(cols, rows, { id, what, cap }) + more;
}

/** Any JSON value as HTML: scalars as a definition list, arrays of objects as tables. */
export function genericBlock(v: unknown, id: string, depth = 0, cap = ROW_CAP): string {
  if (Array.isArray(v)) return genericTable(v, id, 'rows', cap);
  if (typeof v !== 'object' || v === null) return `<p>${esc(plainText(v))}</p>`;
  const ents = Object.entries(v as Record<string, unknown>);
  const scalars = ents.filter(([, x]) => isPlain(x) || (Array.isArray(x) && x.every(isPlain)) || (depth >= 2 && typeof x === 'object'));
  const rest = ents.filter((e) => !scalars.includes(e));
  const out: string[] = [];
  if (scalars.length) {
    out.push(`<dl class="kv">${scalars.map(([k, x]) => `<dt>${esc(k)}</dt><dd>${esc(plainText(x))}</dd>`).join('')}</dl>`);
  }
  for (const [k, x] of rest) {
    out.push(`<h4>${esc(k)}</h4>`);
    out.push(genericBlock(x, `${id}-${k.replace(/[^A-Za-z0-9_-]/g, '_')}`, depth + 1, cap));
  }
  return out.join('');
}

export { isPlain };
