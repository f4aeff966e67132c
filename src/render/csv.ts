// CSV of JSON records: every field of the record, nested objects flattened with dotted names
// (`tunnel.vni`, `tcpFlags.orig`, `sizes.max`, `evidence.ports.8472`). A list of numbers or words
// is one cell, space-separated (`copyFlows` "3 7"); a list of objects is one cell of JSON. The
// columns are the union of the records' fields, in the records' own order; a record without a
// field (a flow outside any tunnel: `tunnel` null) has empty cells there. RFC 4180 quoting.

export type FlatRecord = Map<string, string>;

/** One record as dotted names and cell text. */
export function flattenRecord(value: unknown, prefix = '', out: FlatRecord = new Map()): FlatRecord {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && prefix) out.set(prefix, '');
    for (const [k, v] of entries) flattenRecord(v, prefix ? `${prefix}.${k}` : k, out);
    return out;
  }
  out.set(prefix, cellText(value));
  return out;
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.some((x) => x !== null && typeof x === 'object') ? JSON.stringify(v) : v.map(String).join(' ');
  return String(v);
}

/**
 * The columns of the records: each record's fields in its order, a field first seen in a later
 * record placed after the field that precedes it there. A field that is null in one record and an
 * object in another (`tunnel`) is its dotted columns only.
 */
export function csvColumns(records: readonly FlatRecord[]): string[] {
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const r of records) {
    let after = -1;
    for (const k of r.keys()) {
      if (seen.has(k)) { after = columns.indexOf(k); continue; }
      columns.splice(after + 1, 0, k);
      seen.add(k);
      after++;
    }
  }
  return columns.filter((c) => !seen.has(`${c}.`) && !columns.some((o) => o.startsWith(`${c}.`)));
}

export function csvCell(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The CSV text of the records (header line first), each line ending in a newline. */
export function csvText(records: readonly unknown[], adjust?: (flat: FlatRecord, record: unknown) => void): string {
  const flat = records.map((r) => {
    const f = flattenRecord(r);
    adjust?.(f, r);
    return f;
  });
  const columns = csvColumns(flat);
  const lines = [columns.map(csvCell).join(',')];
  for (const f of flat) lines.push(columns.map((c) => csvCell(f.get(c) ?? '')).join(','));
  return lines.join('\n') + '\n';
}
