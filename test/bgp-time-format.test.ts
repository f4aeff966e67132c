// `tunnelscope bgp -t epoch|utc|local|relative|delta`: the time columns of the Notifications and
// Routes tables follow -t like the other commands' tables (UTC by default). The expected times come
// from tshark's frame.time_epoch / frame.time_relative / UTC time column (-t ud) of the frames the JSON
// document names (notification frame, lastAnnouncedFrame, withdrawnFrame); delta is worked out
// here from tshark's epoch times. Runs in process; skipped with a message without tshark.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { bgpCommand } from '../src/commands/bgp.js';
import { runTshark, tsharkPath } from './helpers/tshark.js';

const BIRD = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'bgp', 'bird-sessions.pcap');
const haveTshark = tsharkPath() !== null;
if (!haveTshark) console.warn('bgp -t: SKIPPED: tshark is not installed; the times are not compared');

async function bgpOut(args: string[]): Promise<string> {
  let out = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => { out += String(s); return true; });
  try {
    expect(await bgpCommand.run([BIRD, ...args])).toBe(0);
  } finally {
    o.mockRestore();
  }
  return out;
}

/** A text table under its title: cells cut at the columns of the dashed rule line. */
function table(text: string, title: string): Record<string, string>[] {
  const lines = text.split('\n');
  const at = lines.indexOf(title);
  expect(at, `no ${title} table`).toBeGreaterThanOrEqual(1);
  const head = lines[at + 1], rule = lines[at + 2];
  const cols = [...rule.matchAll(/-+/g)].map((m) => [m.index!, m.index! + m[0].length]);
  const cell = (l: string, [a, b]: number[], last: boolean) => (last ? l.slice(a) : l.slice(a, b)).trim();
  const names = cols.map((c, i) => cell(head, c, i === cols.length - 1));
  const rows: Record<string, string>[] = [];
  for (const l of lines.slice(at + 3)) {
    if (l.trim() === '' || !/^\s*\S/.test(l) || l.startsWith('  ...')) break;
    rows.push(Object.fromEntries(names.map((n, i) => [n, cell(l, cols[i], i === cols.length - 1)])));
  }
  return rows;
}

/** tshark's UTC time column (-t ud: "2026-11-22 02:01:21.633569", as precise as the file) as ISO 8601. */
function isoFromTshark(utc: string): string {
  expect(utc, 'tshark -t ud time').toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}(\d{3})?$/);
  return `${utc.replace(' ', 'T')}Z`;
}

/** Nanoseconds since the epoch of tshark's "sec.nnnnnnnnn". */
const nanos = (epoch: string) => BigInt(epoch.replace('.', ''));
/** A signed nanosecond count as seconds with nine decimals. */
function seconds(ns: bigint): string {
  const neg = ns < 0n, a = neg ? -ns : ns;
  return `${neg ? '-' : ''}${a / 1_000_000_000n}.${String(a % 1_000_000_000n).padStart(9, '0')}`;
}

interface Times { epoch: string; relative: string; utc: string }
interface Doc {
  notifications: { frame: number; ts: string }[];
  routes: { lastAnnouncedFrame: number | null; withdrawnFrame: number | null; lastAnnouncedTs: string | null; withdrawnTs: string | null }[];
}

describe.skipIf(!haveTshark || !existsSync(BIRD))('bgp -t: the tables\' times as tshark gives them', () => {
  const byFrame = new Map<number, Times>();
  let doc: Doc;
  let firstEpoch = '';

  beforeAll(async () => {
    const t = await runTshark(BIRD, ['frame.time_epoch', 'frame.time_relative', '_ws.col.Time'], { extraArgs: ['-t', 'ud'] });
    for (const f of t.frames) {
      byFrame.set(f.frame, { epoch: f.fields.get('frame.time_epoch')![0], relative: f.fields.get('frame.time_relative')![0], utc: f.fields.get('_ws.col.Time')![0] });
    }
    expect(byFrame.size, t.stderr).toBeGreaterThan(0);
    firstEpoch = byFrame.get(1)!.epoch;
    doc = JSON.parse(await bgpOut(['--json'])) as Doc;
  });

  /** The tshark times of the frames behind each time column, row by row (null: '-'). */
  function columns(): Record<string, (Times | null)[]> {
    const at = (n: number | null) => (n === null ? null : byFrame.get(n)!);
    return {
      'Notifications/Time': doc.notifications.map((n) => at(n.frame)),
      'Routes/Announced': doc.routes.map((r) => at(r.lastAnnouncedFrame)),
      'Routes/Withdrawn': doc.routes.map((r) => at(r.withdrawnFrame)),
    };
  }

  function shown(text: string): Record<string, string[]> {
    return {
      'Notifications/Time': table(text, 'Notifications').map((r) => r.Time),
      'Routes/Announced': table(text, 'Routes').map((r) => r.Announced),
      'Routes/Withdrawn': table(text, 'Routes').map((r) => r.Withdrawn),
    };
  }

  it('the fixture has notifications, announced and withdrawn routes, and JSON keeps epoch seconds', () => {
    const c = columns();
    expect(c['Notifications/Time'].length).toBeGreaterThan(0);
    expect(c['Routes/Withdrawn'].filter((x) => x !== null).length).toBeGreaterThan(0);
    expect(doc.notifications.map((n) => n.ts)).toEqual(c['Notifications/Time'].map((x) => x!.epoch));
    expect(doc.routes.map((r) => r.withdrawnTs)).toEqual(c['Routes/Withdrawn'].map((x) => x?.epoch ?? null));
  });

  // The default first: -t is a setting of the process, and a later run without -t keeps the last one.
  it('default (no -t) and -t utc: UTC ISO 8601 (tshark -t ud)', async () => {
    const want = Object.fromEntries(Object.entries(columns()).map(([k, v]) => [k, v.map((x) => (x ? isoFromTshark(x.utc) : '-'))]));
    expect(shown(await bgpOut([]))).toEqual(want);
    expect(shown(await bgpOut(['-t', 'utc']))).toEqual(want);
  });

  it('-t epoch: tshark frame.time_epoch', async () => {
    const want = Object.fromEntries(Object.entries(columns()).map(([k, v]) => [k, v.map((x) => x?.epoch ?? '-')]));
    expect(shown(await bgpOut(['--time-format', 'epoch']))).toEqual(want);
  });

  it('-t relative: tshark frame.time_relative (from the capture\'s first packet, not the first BGP one)', async () => {
    const want = Object.fromEntries(Object.entries(columns()).map(([k, v]) => [k, v.map((x) => x?.relative ?? '-')]));
    expect(shown(await bgpOut(['-t', 'relative']))).toEqual(want);
  });

  it('-t delta: from the last time above in the same column (the first from the capture\'s first packet)', async () => {
    const want = Object.fromEntries(Object.entries(columns()).map(([k, v]) => {
      let prev = firstEpoch;
      return [k, v.map((x) => {
        if (!x) return '-';
        const d = seconds(nanos(x.epoch) - nanos(prev));
        prev = x.epoch;
        return d;
      })];
    }));
    const got = shown(await bgpOut(['-t', 'delta']));
    expect(got).toEqual(want);
    // Routes are listed by prefix, not time: some deltas are negative.
    expect(got['Routes/Announced'].some((s) => s.startsWith('-0') || s.startsWith('-1'))).toBe(true);
  });

  it('-t local: the same instants in the local zone, with its offset', async () => {
    const got = shown(await bgpOut(['-t', 'local']));
    for (const [k, v] of Object.entries(columns())) {
      expect(got[k].length, k).toBe(v.length);
      got[k].forEach((s, i) => {
        const x = v[i];
        if (!x) { expect(s, k).toBe('-'); return; }
        expect(s, k).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(\d{3})?[+-]\d\d:\d\d$/);
        // Milliseconds since the epoch, from tshark's epoch time, against the instant the text names.
        expect(new Date(s.replace(/(\.\d{3})\d+/, '$1')).getTime(), `${k} ${s}`).toBe(Number(nanos(x.epoch) / 1_000_000n));
      });
    }
  });
});
