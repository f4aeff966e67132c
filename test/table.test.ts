// The text renderers' pieces (issue 13): plain tables fitted to a width, empty columns left out,
// colour marks the data cannot forge, packet times in each -t format.
import { describe, expect, it } from 'vitest';
import { renderTable } from '../src/render/table.js';
import { applyColor, colorWanted, escapeCell, formatTime, outputWidth, setTerminalStyle, styled } from '../src/render/style.js';
import { csvColumns, csvText, flattenRecord } from '../src/render/csv.js';

describe('renderTable', () => {
  it('a header, a rule under it, no rule between rows; numbers right-aligned, addresses not', () => {
    const t = renderTable(['host', 'packets'], [['10.0.0.1', 5], ['10.0.0.254', 120]], { width: Infinity });
    expect(t.split('\n')).toEqual([
      'host        packets',
      '----------  -------',
      '10.0.0.1          5',
      '10.0.0.254      120',
    ]);
  });

  it('leaves out a column empty in every row (but keeps the header when there are no rows)', () => {
    expect(renderTable(['a', 'b', 'c'], [['x', '', 1], ['y', '-', 2]], { width: Infinity }).split('\n')[0]).toBe('a  c');
    expect(renderTable(['a', 'b'], [], { width: Infinity })).toBe('a  b\n-  -');
  });

  it('fits the width by cutting the longest text with an ellipsis, never a number', () => {
    const long = 'x'.repeat(60);
    const t = renderTable(['name', 'other', 'bytes'], [[long, 'short', 123456]], { width: 40 }).split('\n');
    for (const l of t) expect(l.length).toBeLessThanOrEqual(40);
    expect(t[2]).toMatch(/^x+… +short +123456$/);
  });

  it('no limit: nothing cut', () => {
    const long = 'y'.repeat(300);
    expect(renderTable(['name'], [[long]], { width: Infinity })).toContain(long);
  });
});

describe('colour', () => {
  it('NO_COLOR, --color and the terminal decide', () => {
    expect(colorWanted('auto', { isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    // no-color.org: an empty NO_COLOR does not count.
    expect(colorWanted('auto', { isTTY: true }, { NO_COLOR: '' })).toBe(true);
    expect(colorWanted('auto', { isTTY: false }, {})).toBe(false);
    expect(colorWanted('always', { isTTY: false }, { NO_COLOR: '1' })).toBe(true);
    expect(colorWanted('never', { isTTY: true }, {})).toBe(false);
  });

  it("the data's own control characters and colour marks stay visible text; only the renderer's become SGR", () => {
    setTerminalStyle({ color: 'always' });
    try {
      const cell = escapeCell('evil\ue001\x1b[2J');
      expect(cell).toBe('evil\\ue001\\x1b[2J');
      const out = applyColor(`${styled('head', 'bold')} ${cell}`);
      expect(out).toBe('\x1b[1mhead\x1b[0m evil\\ue001\\x1b[2J');
    } finally {
      setTerminalStyle({ color: 'never' });
    }
    expect(applyColor(styled('head', 'bold'))).toBe('head');
  });

  it('width: COLUMNS, else the terminal, else no limit', () => {
    expect(outputWidth({ isTTY: true, columns: 100 }, { COLUMNS: '60' })).toBe(60);
    expect(outputWidth({ isTTY: true, columns: 100 }, {})).toBe(100);
    expect(outputWidth({ isTTY: false }, {})).toBe(Infinity);
  });
});

describe('formatTime', () => {
  // 1700000003 s after the epoch is 2023-11-14 22:13:23 UTC (`date -u -d @1700000003`).
  it('each -t format', () => {
    expect(formatTime(1700000003, 337000000, 'epoch')).toBe('1700000003.337000000');
    expect(formatTime(1700000003, 337000000, 'utc')).toBe('2023-11-14T22:13:23.337000Z');
    expect(formatTime(1700000003, 337000001, 'utc')).toBe('2023-11-14T22:13:23.337000001Z');
    expect(formatTime(1700000003, 100, 'relative', [1700000002, 900000000])).toBe('0.100000100');
    expect(formatTime(1700000003, 0, 'delta', [1700000000, 0], [1700000002, 500000000])).toBe('0.500000000');
    expect(formatTime(1700000002, 0, 'relative', [1700000002, 500000000])).toBe('-0.500000000');
  });

  it('local: the wall time in the zone with its offset', () => {
    const prev = process.env.TZ;
    // Node reads TZ when it changes: Asia/Kolkata is UTC+05:30 all year (no daylight saving).
    process.env.TZ = 'Asia/Kolkata';
    try {
      expect(formatTime(1700000003, 337000000, 'local')).toBe('2023-11-15T03:43:23.337000+05:30');
    } finally {
      if (prev === undefined) delete process.env.TZ; else process.env.TZ = prev;
    }
  });
});

describe('CSV', () => {
  it('dotted names, lists in one cell, quoting', () => {
    const rec = { id: 1, tunnel: { a: '10.0.0.1', vni: 42 }, copyFlows: [3, 7], senders: [{ ip: '1.2.3.4' }], msg: 'a, "b"' };
    expect([...flattenRecord(rec).entries()]).toEqual([
      ['id', '1'], ['tunnel.a', '10.0.0.1'], ['tunnel.vni', '42'], ['copyFlows', '3 7'], ['senders', '[{"ip":"1.2.3.4"}]'], ['msg', 'a, "b"'],
    ]);
    expect(csvText([rec]).split('\n')[1]).toBe('1,10.0.0.1,42,3 7,"[{""ip"":""1.2.3.4""}]","a, ""b"""');
  });

  it('columns: the union in record order; a null object gives way to its fields', () => {
    const a = flattenRecord({ id: 1, tunnel: null, packets: 2 });
    const b = flattenRecord({ id: 2, tunnel: { a: 'x', b: 'y' }, packets: 3, extra: 1 });
    expect(csvColumns([a, b])).toEqual(['id', 'tunnel.a', 'tunnel.b', 'packets', 'extra']);
  });
});
