// Tables for the terminal: plain aligned columns (a header, a rule under it, no rules between
// rows), the same on a terminal, in a pipe and in CI logs. Fitted to the output's width (see
// outputWidth) by shortening the widest text columns, cells cut with an ellipsis rather than
// wrapped; numbers are never cut. Columns empty in every row are left out.
import { escapeCell, outputWidth, styled } from './style.js';

export interface TableOptions {
  /** Columns the table may take (default: the output's width; Infinity: no limit). */
  width?: number;
}

const GAP = 2;
/** A text column is not narrowed below this (or its header's length, if shorter than its cells). */
const MIN_WIDTH = 6;

export function renderTable(head: string[], rows: (string | number)[][], options: TableOptions = {}): string {
  // Cells are escaped here (idempotent with the writer's escaping) so that widths count what is shown.
  let cells = rows.map((r) => head.map((_, i) => escapeCell(String(r[i] ?? ''))));
  let heads = head.map(escapeCell);
  // A column with nothing in any row says nothing: leave it out (not when there are no rows).
  if (cells.length > 0) {
    const keep = heads.map((_, i) => cells.some((r) => !isEmpty(r[i])));
    if (keep.includes(false)) {
      heads = heads.filter((_, i) => keep[i]);
      cells = cells.map((r) => r.filter((_, i) => keep[i]));
    }
  }
  const numeric = heads.map((_, i) => cells.length > 0 && cells.every((r) => isNumeric(r[i]) || isEmpty(r[i])));
  const cellWidths = heads.map((_, i) => Math.max(1, ...cells.map((r) => r[i].length)));
  const widths = fit(heads.map((h, i) => Math.max(h.length, cellWidths[i])), cellWidths, heads, numeric, options.width ?? outputWidth());
  const line = (r: string[]) => r.map((c, i) => {
    const s = cut(c, widths[i]);
    return numeric[i] ? s.padStart(widths[i]) : s.padEnd(widths[i]);
  }).join(' '.repeat(GAP)).trimEnd();
  const header = line(heads);
  return [styled(header, 'bold'), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** Column widths narrowed, widest text column first, until the row fits `limit` (or nothing more can give). */
function fit(widths: number[], cellWidths: number[], heads: string[], numeric: boolean[], limit: number): number[] {
  const total = () => widths.reduce((a, b) => a + b, 0) + GAP * Math.max(0, widths.length - 1);
  let over = total() - limit;
  if (over <= 0) return widths;
  // Long columns (addresses, tunnels) give first; short ones (class, flags) only when that is not enough.
  for (const soft of [16, 0]) {
    const floor = widths.map((w, i) => (numeric[i] ? w : Math.min(w, Math.max(MIN_WIDTH, soft, Math.min(heads[i].length, 12)))));
    over = narrow(widths, floor, over);
  }
  // Still too wide: text down to a few characters, and headers over numbers cut to the numbers' width.
  if (over > 0) over = narrow(widths, widths.map((w, i) => Math.min(w, numeric[i] ? cellWidths[i] : 3)), over);
  return widths;
}

/** Narrows the widest column above its floor, repeatedly; returns what is still over. */
function narrow(widths: number[], floor: number[], over: number): number {
  while (over > 0) {
    let widest = -1;
    for (let i = 0; i < widths.length; i++) if (widths[i] > floor[i] && (widest < 0 || widths[i] > widths[widest])) widest = i;
    if (widest < 0) break;
    // Down to the next widest column's width (or as far as needed) in one step.
    const next = Math.max(floor[widest], ...widths.map((w, i) => (i !== widest && w < widths[widest] ? w : 0)));
    const step = Math.max(1, Math.min(over, widths[widest] - next));
    widths[widest] -= step;
    over -= step;
  }
  return over;
}

function cut(s: string, width: number): string {
  return s.length <= width ? s : `${s.slice(0, Math.max(0, width - 1))}…`;
}

function isEmpty(s: string): boolean {
  return s === '' || s === '-';
}

/** Numbers, percentages and byte sizes: right-aligned, never cut. */
function isNumeric(s: string): boolean {
  // One decimal point at most: 10.0.0.1 is an address, not a number.
  return /^-?\d[\d,]*(\.\d+)?%?$/.test(s) || /^\d+(\.\d+)? (B|KiB|MiB|GiB|TiB)$/.test(s);
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const u = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024, i = 0;
  while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(1)} ${u[i]}`;
}

export function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

/** IANA protocol numbers as tshark and tcpdump name them; others stay numbers. */
const PROTOCOL_NAMES: Record<number, string> = {
  1: 'ICMP', 2: 'IGMP', 4: 'IPIP', 6: 'TCP', 17: 'UDP', 41: 'IPv6', 47: 'GRE', 50: 'ESP', 51: 'AH', 58: 'ICMPv6',
  89: 'OSPF', 103: 'PIM', 112: 'VRRP', 132: 'SCTP',
};

export function protocolName(p: number): string {
  return PROTOCOL_NAMES[p] ?? String(p);
}
