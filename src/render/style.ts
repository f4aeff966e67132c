// How text output looks on this run: colour (--color, NO_COLOR), the width tables fit in, and how
// packet times are shown (-t). Set once by the command's option parsing; read by the renderers.
//
// Colour is marked in the text by private-use characters (STYLE below), not escape sequences: the
// output writer makes every control character of the text visible (a capture's ESC[2J must not
// clear the screen), and only after that turns the marks into SGR sequences. Table cells are
// escaped with escapeCell, which also makes marks found in the data visible, so a capture cannot
// colour the output either.
import { escapeControls } from './escape.js';

export type TimeFormat = 'epoch' | 'utc' | 'local' | 'relative' | 'delta';

const state = { color: false, timeFormat: undefined as TimeFormat | undefined };

/** The marks and the SGR sequence each becomes. */
const STYLE = { reset: '\ue000', bold: '\ue001', dim: '\ue002', red: '\ue003', yellow: '\ue004', green: '\ue005', cyan: '\ue006' } as const;
const SGR: Record<string, string> = {
  '\ue000': '\x1b[0m', '\ue001': '\x1b[1m', '\ue002': '\x1b[2m', '\ue003': '\x1b[31m', '\ue004': '\x1b[33m', '\ue005': '\x1b[32m', '\ue006': '\x1b[36m',
};
const MARKS = /[\ue000-\ue006]/g;

/** Colour on when asked (`always`), or `auto` on a terminal without NO_COLOR (no-color.org: set and not empty). */
export function colorWanted(mode: string | undefined, stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (mode === 'always') return true;
  if (mode === 'never') return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

export function setTerminalStyle(o: { color?: string; timeFormat?: string }): void {
  if ('color' in o) state.color = colorWanted(o.color);
  if (o.timeFormat !== undefined) state.timeFormat = o.timeFormat as TimeFormat;
}

export function colorOn(): boolean {
  return state.color;
}

/** The -t format given, else the renderer's own default. */
export function timeFormat(fallback: TimeFormat): TimeFormat {
  return state.timeFormat ?? fallback;
}

/** `text` in a style (when colour is on). */
export function styled(text: string, style: Exclude<keyof typeof STYLE, 'reset'>): string {
  return state.color && text !== '' ? `${STYLE[style]}${text}${STYLE.reset}` : text;
}

/** Text of a table cell, safe to show: controls and colour marks from the data made visible. */
export function escapeCell(text: string): string {
  const s = escapeControls(text);
  MARKS.lastIndex = 0;
  return MARKS.test(s) ? s.replace(MARKS, (c) => `\\u${c.charCodeAt(0).toString(16)}`) : s;
}

/** The writer's last step on escaped text: marks become SGR sequences (colour on) or nothing. */
export function applyColor(escaped: string): string {
  if (!state.color) return escaped;
  MARKS.lastIndex = 0;
  return MARKS.test(escaped) ? escaped.replace(MARKS, (c) => SGR[c]) : escaped;
}

/** Columns a table may take: COLUMNS when set, the terminal's width, else no limit (a pipe, a file). */
export function outputWidth(stream: { isTTY?: boolean; columns?: number } = process.stdout, env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = Number(env.COLUMNS);
  if (env.COLUMNS !== undefined && Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return stream.isTTY && stream.columns ? stream.columns : Infinity;
}

/** Characters shown by `s` (colour marks take no room). */
export function shownLength(s: string): number {
  MARKS.lastIndex = 0;
  return MARKS.test(s) ? s.replace(MARKS, '').length : s.length;
}

/**
 * A packet time (seconds and nanoseconds since the epoch) as -t says: `epoch` 1700000003.337000000,
 * `utc` 2023-11-14T22:13:23.337000Z, `local` the same in the local zone with its offset, `relative`
 * seconds since `base` (the first packet), `delta` seconds since `prev` (the previous one shown).
 */
export function formatTime(sec: number, nsec: number, format: TimeFormat, base?: readonly [number, number], prev?: readonly [number, number]): string {
  switch (format) {
    case 'epoch':
      return `${sec}.${String(nsec).padStart(9, '0')}`;
    case 'relative':
    case 'delta': {
      const from = (format === 'relative' ? base : prev) ?? base ?? [sec, nsec];
      return secondsBetween(from, sec, nsec);
    }
    case 'utc':
    case 'local': {
      const d = new Date(sec * 1000);
      // Microseconds unless the capture has nanoseconds to show.
      const frac = nsec % 1000 === 0 ? String(nsec / 1000).padStart(6, '0') : String(nsec).padStart(9, '0');
      if (format === 'utc') return `${d.toISOString().slice(0, 19)}.${frac}Z`;
      const off = -d.getTimezoneOffset();
      const p2 = (n: number) => String(n).padStart(2, '0');
      const zone = `${off < 0 ? '-' : '+'}${p2(Math.floor(Math.abs(off) / 60))}:${p2(Math.abs(off) % 60)}`;
      return `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())}T${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.${frac}${zone}`;
    }
  }
}

/** `sec.nsec - from` as seconds with nine decimals, exactly (no floating point). */
function secondsBetween(from: readonly [number, number], sec: number, nsec: number): string {
  let ds = sec - from[0], dn = nsec - from[1];
  if (dn < 0) { ds -= 1; dn += 1e9; }
  if (ds < 0) {
    // Before the base (captures out of order): -(from - t).
    let ns = from[0] - sec, nn = from[1] - nsec;
    if (nn < 0) { ns -= 1; nn += 1e9; }
    return `-${ns}.${String(nn).padStart(9, '0')}`;
  }
  return `${ds}.${String(dn).padStart(9, '0')}`;
}

/** "1700000003.337000000" (the JSON timestamps) as seconds and nanoseconds. */
export function parseEpoch(ts: string): [number, number] {
  const [s, f = ''] = ts.split('.');
  return [Number(s), Number(f.padEnd(9, '0').slice(0, 9))];
}
