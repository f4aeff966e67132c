// Tables for the terminal: boxed with cli-table3 on a TTY, plain aligned columns otherwise
// (so pipes and CI logs get clean text).
import Table from 'cli-table3';
import { escapeControls } from './escape.js';

export function renderTable(head: string[], rows: (string | number)[][], tty = process.stdout.isTTY === true): string {
  // Cells are escaped here too (escapeControls is idempotent) so that widths count what is shown.
  const cells = rows.map((r) => r.map((c) => escapeControls(String(c))));
  if (tty) {
    // No colours: the output writer makes every control character visible, ours included.
    const t = new Table({ head, style: { head: [], border: [] } });
    for (const r of cells) t.push(r);
    return t.toString();
  }
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (isNumeric(c) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

function isNumeric(s: string): boolean {
  return /^-?[\d.,]+%?$/.test(s);
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
