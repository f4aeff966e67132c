// Capture readers: classic pcap and pcapng variants, gzip, streams, chunking at every byte
// position, damaged and non-capture inputs, exact timestamps, and the CLI's exit statuses.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ETHERTYPE_IPV4, eth, filler, ipv4, udp } from '../test-support/bytes.js';
import { PcapngWriter, writePcap, type PcapOptions, type PcapRecord } from '../test-support/capture.js';
import { collect, collectIter, fixedSlices, randomSlices, slices, slowStream, streamOf, type Rec } from '../test-support/streams.js';
import { CaptureError, formatTimestamp } from '../src/reader/record.js';
import { forEachRecord } from '../src/reader/capture.js';

const ROOT = join(import.meta.dirname, '..');
let dir = '';
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'tunnelscope-reader-')); });
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });
function file(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

const hex = (b: Uint8Array | number[]) => Buffer.from(b).toString('hex');
const PKT = [
  eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 17 }, udp({ src: 1, dst: 2 }, filler(13)))), // odd length
  filler(1, 0xa0), // tiny records: a record smaller than a record header
  eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 17 }, udp({ src: 3, dst: 4789 }, filler(100)))),
  new Uint8Array(0), // empty record
  filler(7, 0xb0),
];

const PCAP_RECORDS: PcapRecord[] = PKT.map((data, i) => ({ sec: 1677687389 + i, frac: 123456 + i, data }));

function expectedPcap(nano: boolean, linktype = 1): Rec[] {
  return PCAP_RECORDS.map((r, i) => ({
    frame: i + 1,
    ts: `${r.sec}.${nano ? String(r.frac).padStart(9, '0') : String(r.frac).padStart(6, '0') + '000'}`,
    caplen: r.data.length, len: r.data.length, linktype, iface: 0, dir: 0, data: hex(Array.from(r.data)),
  }));
}

describe('classic pcap', () => {
  const variants: [string, PcapOptions][] = [
    ['little-endian microsecond', {}],
    ['big-endian microsecond', { bigEndian: true }],
    ['little-endian nanosecond', { nano: true }],
    ['big-endian nanosecond', { bigEndian: true, nano: true }],
    ['little-endian modified (0xa1b2cd34)', { modified: true }],
    ['big-endian modified (0xa1b2cd34)', { modified: true, bigEndian: true }],
  ];
  for (const [name, o] of variants) {
    it(`${name}: every record, its timestamp and bytes`, async () => {
      const { recs, info } = await collect(streamOf([writePcap(PCAP_RECORDS, o)]));
      expect(recs).toEqual(expectedPcap(!!o.nano));
      expect(info.format).toBe('pcap');
      expect(info.bigEndian).toBe(!!o.bigEndian);
      expect(info.nanosecond).toBe(!!o.nano);
      expect(info.packets).toBe(PKT.length);
      expect(info.warnings).toEqual([]);
    });
  }

  it('the magic alone decides: first bytes d4 c3 b2 a1 (LE) and a1 b2 c3 d4 (BE)', () => {
    expect(hex(writePcap([]).subarray(0, 4))).toBe('d4c3b2a1');
    expect(hex(writePcap([], { bigEndian: true }).subarray(0, 4))).toBe('a1b2c3d4');
    expect(hex(writePcap([], { nano: true }).subarray(0, 4))).toBe('4d3cb2a1');
    expect(hex(writePcap([], { modified: true }).subarray(0, 4))).toBe('34cdb2a1');
  });

  it('a single record smaller than a record header, all in one chunk', async () => {
    const { recs, info } = await collect(streamOf([writePcap([{ sec: 1, frac: 2, data: [9, 8, 7, 6] }])]));
    expect(recs.map((r) => r.data)).toEqual(['09080706']);
    expect(info.warnings).toEqual([]);
  });

  it('link type from the header, FCS bits ignored; caplen < len kept', async () => {
    const b = writePcap([{ sec: 5, frac: 0, data: filler(20), orig: 1500 }], { linktype: 276 | 0x10000000 });
    const { recs, info } = await collect(streamOf([b]));
    expect(recs[0]).toMatchObject({ linktype: 276, caplen: 20, len: 1500 });
    expect(info.interfaces[0].linktype).toBe(276);
  });

  it('header only: no records, no warning', async () => {
    const { recs, info } = await collect(streamOf([writePcap([])]));
    expect(recs).toEqual([]);
    expect(info.warnings).toEqual([]);
  });

  it('an implausible record length stops reading with a warning, records before kept', async () => {
    const b = writePcap([{ sec: 1, frac: 0, data: filler(10) }, { sec: 2, frac: 0, data: filler(10), incl: 0x7fffffff }]);
    const { recs, info } = await collect(streamOf([b]));
    expect(recs.length).toBe(1);
    expect(info.warnings.length).toBe(1);
    expect(info.warnings[0]).toMatch(/damaged capture at byte 50: record length 2147483647 is implausible/);
  });
});

// pcapng timestamps are 64-bit unit counts; expected values computed exactly with BigInt.
function tsText(units: bigint, tsresol: number, offset = 0n): string {
  const div = tsresol & 0x80 ? 1n << BigInt(tsresol & 0x7f) : 10n ** BigInt(tsresol);
  const sec = units / div + offset;
  const ns = ((units % div) * 1_000_000_000n) / div;
  return `${sec}.${ns.toString().padStart(9, '0')}`;
}

describe('pcapng', () => {
  for (const be of [false, true]) {
    const order = be ? 'big-endian' : 'little-endian';

    it(`${order}: SHB, IDB, EPB with the default microsecond resolution`, async () => {
      const w = new PcapngWriter(be).idb(1, { name: 'eth0', snaplen: 262144 });
      PKT.forEach((p, i) => w.epb(0, 1_700_000_000_123_456n + BigInt(i), p));
      const { recs, info } = await collect(streamOf([w.bytes()]));
      expect(recs).toEqual(PKT.map((p, i) => ({
        frame: i + 1, ts: `1700000000.${String(123456 + i).padStart(6, '0')}000`, caplen: p.length, len: p.length,
        linktype: 1, iface: 0, dir: 0, data: hex(Array.from(p)),
      })));
      expect(info.format).toBe('pcapng');
      expect(info.bigEndian).toBe(be);
      expect(info.interfaces).toEqual([{ id: 0, linktype: 1, name: 'eth0', unitsPerSecond: 1e6, snaplen: 262144 }]);
      expect(info.warnings).toEqual([]);
    });

    it(`${order}: if_tsresol 9 is exact to the nanosecond`, async () => {
      const w = new PcapngWriter(be).idb(1, { tsresol: 9 })
        .epb(0, 1_700_000_000_123_456_789n, PKT[0])
        .epb(0, 1_700_000_000_999_999_999n, PKT[0])
        .epb(0, 4_102_444_800_000_000_001n, PKT[0]); // 2100-01-01, beyond 2^62 units
      const { recs, info } = await collect(streamOf([w.bytes()]));
      expect(recs.map((r) => r.ts)).toEqual(['1700000000.123456789', '1700000000.999999999', '4102444800.000000001']);
      expect(info.nanosecond).toBe(true);
    });

    it(`${order}: if_tsresol 10^-3 and 10^-1`, async () => {
      const w = new PcapngWriter(be).idb(1, { tsresol: 3 }).idb(1, { tsresol: 1 })
        .epb(0, 1_700_000_000_123n, PKT[0]).epb(1, 17_000_000_005n, PKT[0]);
      const { recs } = await collect(streamOf([w.bytes()]));
      expect(recs.map((r) => r.ts)).toEqual(['1700000000.123000000', '1700000000.500000000']);
    });

    it(`${order}: if_tsresol 2^-k (binary fractions)`, async () => {
      const cases: [number, bigint][] = [
        [0x80 | 10, (1_700_000_000n << 10n) + 512n],
        [0x80 | 20, (1_700_000_000n << 20n) + 1n],
        [0x80 | 20, (1_700_000_000n << 20n) + (1n << 20n) - 1n],
        [0x80 | 30, (1_700_000_000n << 30n) + 123_456_789n],
        [0x80 | 32, (1_700_000_000n << 32n) + 0xffffffffn],
        [0x80 | 40, (1_000_000n << 40n) + 0x123456789an],
      ];
      const w = new PcapngWriter(be);
      cases.forEach(([r]) => w.idb(1, { tsresol: r }));
      cases.forEach(([, units], i) => w.epb(i, units, PKT[0]));
      const { recs } = await collect(streamOf([w.bytes()]));
      expect(recs.map((r) => r.ts)).toEqual(cases.map(([r, units]) => tsText(units, r)));
      // Spot-check one by hand: 512 / 2^10 = 0.5 s.
      expect(recs[0].ts).toBe('1700000000.500000000');
    });

    it(`${order}: if_tsresol 10^-12 (picoseconds) is exact too`, async () => {
      const units = 1_700_000_000_123_456_789_999n;
      const w = new PcapngWriter(be).idb(1, { tsresol: 12 }).epb(0, units & 0xffffffffffffffffn, PKT[0]);
      const { recs } = await collect(streamOf([w.bytes()]));
      expect(recs[0].ts).toBe(tsText(units & 0xffffffffffffffffn, 12));
    });

    it(`${order}: if_tsoffset adds seconds (positive and negative)`, async () => {
      const w = new PcapngWriter(be).idb(1, { tsoffset: 1_000_000_000 }).idb(1, { tsresol: 9, tsoffset: -3600 })
        .epb(0, 700_000_000_250_000n, PKT[0]).epb(1, 1_700_003_600_000_000_007n, PKT[0]);
      const { recs } = await collect(streamOf([w.bytes()]));
      expect(recs.map((r) => r.ts)).toEqual(['1700000000.250000000', '1700000000.000000007']);
    });

    it(`${order}: several interfaces with different link types`, async () => {
      const w = new PcapngWriter(be).idb(1, { name: 'eth0' }).idb(101, { name: 'tun0' }).idb(276, { name: 'any' }).idb(113)
        .epb(2, 1n, PKT[0]).epb(0, 2n, PKT[2]).epb(1, 3n, PKT[4]).epb(3, 4n, PKT[1]);
      const { recs, info } = await collect(streamOf([w.bytes()]));
      expect(recs.map((r) => [r.iface, r.linktype, r.data])).toEqual([
        [2, 276, hex(PKT[0])], [0, 1, hex(PKT[2])], [1, 101, hex(PKT[4])], [3, 113, hex(PKT[1])],
      ]);
      expect(info.interfaces.map((i) => [i.id, i.linktype, i.name])).toEqual([[0, 1, 'eth0'], [1, 101, 'tun0'], [2, 276, 'any'], [3, 113, null]]);
    });

    it(`${order}: EPB, SPB and OPB`, async () => {
      const w = new PcapngWriter(be).idb(1, { snaplen: 0 })
        .epb(0, 10n, PKT[0])
        .spb(PKT[2])
        .opb(0, 20n, PKT[4])
        .spb(PKT[2].subarray(0, 40), 1514); // snapped: original longer than the data
      const { recs } = await collect(streamOf([w.bytes()]));
      expect(recs.map((r) => [r.ts, r.caplen, r.len, r.data])).toEqual([
        ['0.000010000', PKT[0].length, PKT[0].length, hex(PKT[0])],
        ['0.000000000', PKT[2].length, PKT[2].length, hex(PKT[2])],
        ['0.000020000', PKT[4].length, PKT[4].length, hex(PKT[4])],
        ['0.000000000', 40, 1514, hex(PKT[2].subarray(0, 40))],
      ]);
    });

    it(`${order}: SPB captured length bounded by the interface snaplen`, async () => {
      const w = new PcapngWriter(be).idb(1, { snaplen: 64 }).spb(PKT[2]);
      const { recs } = await collect(streamOf([w.bytes()]));
      expect(recs[0]).toMatchObject({ caplen: 64, len: PKT[2].length, data: hex(PKT[2].subarray(0, 64)) });
    });

    it(`${order}: NRB, ISB, DSB, custom and unknown blocks are skipped`, async () => {
      const w = new PcapngWriter(be).nrb().idb(1).custom().epb(0, 1n, PKT[0]).isb(0).nrb()
        .block(0x0a, [0, 0, 0, 1, 0, 0, 0, 0]) // DSB
        .block(0x40000bad, [0, 0, 0x7e, 0xd9, 9, 9]) // custom, do not copy
        .block(0x12345678, filler(20)) // unknown
        .epb(0, 2n, PKT[2]);
      const { recs, info } = await collect(streamOf([w.bytes()]));
      expect(recs.map((r) => r.data)).toEqual([hex(PKT[0]), hex(PKT[2])]);
      expect(info.warnings).toEqual([]);
    });

    it(`${order}: epb_flags direction (1 inbound, 2 outbound)`, async () => {
      const w = new PcapngWriter(be).idb(1)
        .epb(0, 1n, PKT[0], { flags: 1 }).epb(0, 2n, PKT[0], { flags: 2 }).epb(0, 3n, PKT[0]).epb(0, 4n, PKT[0], { flags: 0x00000060 | 2 });
      const { recs } = await collect(streamOf([w.bytes()]));
      expect(recs.map((r) => r.dir)).toEqual([1, 2, 0, 2]);
    });

    it(`${order}: EPB with caplen < original length`, async () => {
      const w = new PcapngWriter(be).idb(1).epb(0, 1n, PKT[2].subarray(0, 30), { orig: PKT[2].length });
      const { recs } = await collect(streamOf([w.bytes()]));
      expect(recs[0]).toMatchObject({ caplen: 30, len: PKT[2].length });
    });
  }

  it('several sections switching byte order; interface ids keep counting across sections', async () => {
    const w = new PcapngWriter(false).idb(1, { name: 'le0' }).idb(101, { name: 'le1' })
      .epb(1, 1n, PKT[0]).epb(0, 2n, PKT[2])
      .section(true).idb(276, { name: 'be0', tsresol: 9 }).epb(0, 1_700_000_000_000_000_001n, PKT[4])
      .section(false).idb(113, { name: 'le2' }).epb(0, 5n, PKT[1]);
    const { recs, info } = await collect(streamOf([w.bytes()]));
    expect(recs.map((r) => [r.frame, r.iface, r.linktype, r.ts, r.data])).toEqual([
      [1, 1, 101, '0.000001000', hex(PKT[0])],
      [2, 0, 1, '0.000002000', hex(PKT[2])],
      [3, 2, 276, '1700000000.000000001', hex(PKT[4])],
      [4, 3, 113, '0.000005000', hex(PKT[1])],
    ]);
    expect(info.sections).toBe(3);
    expect(info.interfaces.map((i) => i.name)).toEqual(['le0', 'le1', 'be0', 'le2']);
    expect(info.warnings).toEqual([]);
  });

  it('a packet for an undeclared interface is skipped with a warning; later ones are read', async () => {
    const w = new PcapngWriter(false).idb(1).epb(3, 1n, PKT[0]).epb(0, 2n, PKT[2]);
    const { recs, info } = await collect(streamOf([w.bytes()]));
    expect(recs.map((r) => r.data)).toEqual([hex(PKT[2])]);
    expect(info.warnings).toHaveLength(1);
    expect(info.warnings[0]).toMatch(/undeclared interface 3/);
  });

  it('a first section header with a broken byte-order magic: not a capture (CaptureError, exit 3)', async () => {
    // Was "a warning, no records" (exit 0); issue 9 item 12: a file that never yields a valid
    // header is exit 3, as a pcap whose file header is cut off already was.
    const w = new PcapngWriter(false).idb(1).epb(0, 1n, PKT[0]).bytes();
    const broken = w.slice();
    broken[8] = 0;
    await expect(collect(streamOf([broken]))).rejects.toThrow(/no valid pcapng section header \(.*byte-order magic/);
    await expect(collect(streamOf([broken]))).rejects.toBeInstanceOf(CaptureError);
  });

  it('a broken section header after a good section is damage: a warning, the records before it', async () => {
    const w = new PcapngWriter(false).idb(1).epb(0, 1n, PKT[0]).section(false).idb(1).epb(0, 2n, PKT[1]).bytes();
    const second = new PcapngWriter(false).idb(1).epb(0, 1n, PKT[0]).bytes().length;
    const broken = w.slice();
    broken[second + 8] = 0;
    const { recs, info } = await collect(streamOf([broken]));
    expect(recs.map((r) => r.data)).toEqual([hex(PKT[0])]);
    expect(info.warnings[0]).toMatch(/byte-order magic/);
  });
});

// ---------------------------------------------------------------------------------------------
// Chunking: the same records however the bytes arrive.

function samples(): [string, Uint8Array][] {
  const ng = new PcapngWriter(false).idb(1).nrb().epb(0, 1_700_000_000_123_456n, PKT[0], { flags: 1 })
    .idb(101, { tsresol: 9 }).spb(PKT[2]).epb(1, 1_700_000_000_123_456_789n, PKT[4]).opb(0, 9n, PKT[1]).isb(0)
    .section(true).idb(276).epb(0, 77n, PKT[3]).custom().epb(0, 78n, PKT[2]);
  return [
    ['pcap LE us', writePcap(PCAP_RECORDS)],
    ['pcap BE ns', writePcap(PCAP_RECORDS, { bigEndian: true, nano: true })],
    ['pcap modified', writePcap(PCAP_RECORDS, { modified: true })],
    ['pcapng LE+BE sections', ng.bytes()],
  ];
}

describe('records split across chunks', () => {
  for (const [name, bytes] of samples()) {
    describe(name, () => {
      let whole: Rec[] = [];
      beforeAll(async () => { whole = (await collect(streamOf([bytes]))).recs; });

      it('whole file sanity', () => {
        expect(whole.length).toBeGreaterThanOrEqual(5);
      });

      it('split into two chunks at every byte position', async () => {
        for (let p = 1; p < bytes.length; p++) {
          const { recs, info } = await collect(streamOf([bytes.slice(0, p), bytes.slice(p)]));
          if (JSON.stringify(recs) !== JSON.stringify(whole) || info.warnings.length) {
            expect({ p, recs, warnings: info.warnings }).toEqual({ p, recs: whole, warnings: [] });
          }
        }
      });

      it('split into three chunks around every position (1-byte middle chunk)', async () => {
        for (let p = 1; p + 1 < bytes.length; p++) {
          const { recs } = await collect(streamOf([bytes.slice(0, p), bytes.slice(p, p + 1), bytes.slice(p + 1)]));
          if (JSON.stringify(recs) !== JSON.stringify(whole)) expect({ p, recs }).toEqual({ p, recs: whole });
        }
      });

      for (const size of [1, 3, 7]) {
        it(`file read with chunkSize ${size}`, async () => {
          const p = file(`${name.replace(/\W+/g, '_')}-${size}.cap`, bytes);
          const { recs, info } = await collect(p, { chunkSize: size });
          expect(recs).toEqual(whole);
          expect(info.warnings).toEqual([]);
          expect(info.inputBytes).toBe(bytes.length);
        });
        it(`stream in fixed ${size}-byte slices, and readCapture over it`, async () => {
          expect((await collect(streamOf(fixedSlices(bytes, size)))).recs).toEqual(whole);
          expect((await collectIter(streamOf(fixedSlices(bytes, size)))).recs).toEqual(whole);
        });
      }

      it('streams yielding random-size slices (20 seeds), including a slow stdin-like stream', async () => {
        for (let seed = 1; seed <= 20; seed++) {
          const { recs } = await collect(streamOf(randomSlices(bytes, seed)));
          expect(recs).toEqual(whole);
        }
        expect((await collect(slowStream(randomSlices(bytes, 99, 16)))).recs).toEqual(whole);
      });

      it('gzip: whole, in random slices, and as a .gz file', async () => {
        const gz = gzipSync(bytes);
        const a = await collect(streamOf([gz]));
        expect(a.recs).toEqual(whole);
        expect(a.info.gzip).toBe(true);
        for (let seed = 1; seed <= 5; seed++) expect((await collect(streamOf(randomSlices(gz, seed, 8)))).recs).toEqual(whole);
        expect((await collect(file(`${name.replace(/\W+/g, '_')}.gz`, gz), { chunkSize: 5 })).recs).toEqual(whole);
        expect((await collectIter(streamOf(fixedSlices(gz, 3)))).recs).toEqual(whole);
      });

      it('cut off at every byte position: a warning, and every whole record before the cut', async () => {
        const headerLen = name.startsWith('pcap ') ? 24 : 28;
        for (let cut = headerLen + 1; cut < bytes.length; cut++) {
          const { recs, info } = await collect(streamOf([bytes.slice(0, cut)]));
          // Records are a prefix of the full list; a cut inside a record drops only that one.
          expect(recs).toEqual(whole.slice(0, recs.length));
          // Read in 3-byte slices, the same records survive the cut.
          expect((await collect(streamOf(fixedSlices(bytes.slice(0, cut), 3)))).recs).toEqual(recs);
          const atBoundary = info.warnings.length === 0;
          if (!atBoundary) expect(info.warnings[0]).toMatch(/cut off mid-record/);
          // The warning is a single line.
          for (const w of info.warnings) expect(w).not.toMatch(/\n/);
        }
      });

      it('limit stops after N records', async () => {
        expect((await collect(streamOf([bytes]), { limit: 2 })).recs).toEqual(whole.slice(0, 2));
        expect((await collectIter(streamOf(fixedSlices(bytes, 7)), { limit: 3 })).recs).toEqual(whole.slice(0, 3));
      });
    });
  }

  it('readCapture records are independent objects that keep their bytes', async () => {
    const bytes = writePcap(PCAP_RECORDS);
    const out = [];
    for await (const r of (await import('../src/reader/capture.js')).readCapture(streamOf(fixedSlices(bytes, 5)))) out.push(r);
    expect(out.map((r) => Buffer.from(r.data).toString('hex'))).toEqual(PKT.map((p) => hex(p)));
    expect(new Set(out).size).toBe(out.length);
  });

  it('cut off mid-record: the warning names the byte and the records before are kept', async () => {
    const bytes = writePcap(PCAP_RECORDS);
    const cut = bytes.length - 3;
    const { recs, info } = await collect(file('cut.pcap', bytes.slice(0, cut)));
    expect(recs.length).toBe(PKT.length - 1);
    expect(info.warnings).toHaveLength(1);
    // Last record: 16-byte header + 7 data bytes; 4 were read... the message says where it starts.
    expect(info.warnings[0]).toBe(`capture cut off mid-record at byte ${bytes.length - 23}: 20 bytes of a 23-byte record left unread`);
  });
});

describe('streaming', () => {
  it('memory does not grow with the number of packets (300,000 records streamed)', async () => {
    const { setFlagsFromString } = await import('node:v8');
    const { runInNewContext } = await import('node:vm');
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const rec = pcapRecordBytes(PKT[0]);
    const per = Math.floor(65536 / rec.length);
    const chunk = new Uint8Array(per * rec.length);
    for (let k = 0; k < per; k++) chunk.set(rec, k * rec.length);
    const total = 300_000;
    async function* gen() {
      yield writePcap([]);
      for (let n = 0; n < total; n += per) yield chunk.slice(0, Math.min(per, total - n) * rec.length);
    }
    gc();
    const before = process.memoryUsage().heapUsed;
    let peak = 0, n = 0;
    const info = await forEachRecord(gen(), () => {
      if (++n % 50_000 === 0) { gc(); peak = Math.max(peak, process.memoryUsage().heapUsed); }
    });
    expect(info.packets).toBe(total);
    expect(n).toBe(total);
    expect(peak - before).toBeLessThan(16 << 20);
  });
});

function pcapRecordBytes(data: Uint8Array): Uint8Array {
  return writePcap([{ sec: 1, frac: 2, data }]).subarray(24);
}

// ---------------------------------------------------------------------------------------------
// Inputs that are not captures.

describe('not a capture', () => {
  async function err(input: Parameters<typeof forEachRecord>[0]): Promise<CaptureError> {
    try {
      await forEachRecord(input, () => {});
    } catch (e) {
      expect(e).toBeInstanceOf(CaptureError);
      const ce = e as CaptureError;
      expect(ce.message).not.toMatch(/\n/);
      expect(ce.exitCode).toBe(3);
      return ce;
    }
    throw new Error('no CaptureError');
  }

  it('a text file', async () => {
    const e = await err(file('notes.txt', new Uint8Array(Buffer.from('hello, this is not a capture\n'))));
    expect(e.message).toMatch(/notes\.txt: not a pcap or pcapng capture \(starts with 0x68656c6c\)/);
  });
  it('an empty file', async () => {
    const e = await err(file('empty.pcap', new Uint8Array(0)));
    expect(e.message).toMatch(/empty/);
  });
  it('an empty stream', async () => {
    await err(streamOf([]));
  });
  it('1, 2 and 3 bytes', async () => {
    for (const n of [1, 2, 3]) await err(streamOf([writePcap([]).subarray(0, n)]));
  });
  it('a pcap global header cut off', async () => {
    const e = await err(streamOf([writePcap([]).subarray(0, 10)]));
    expect(e.message).toMatch(/header cut off/);
  });
  it('gzip of a text file', async () => {
    const e = await err(streamOf([gzipSync(Buffer.from('just text, gzipped, long enough'))]));
    expect(e.message).toMatch(/not a pcap or pcapng capture/);
  });
  it('a missing file and a directory', async () => {
    expect((await err(join(dir, 'nope.pcap'))).message).toMatch(/no such file/);
    const d = join(dir, 'adir');
    mkdirSync(d, { recursive: true });
    expect((await err(d)).message).toMatch(/is a directory/);
  });
  it('gzip damaged before the capture header says so', async () => {
    const gz = Buffer.from(gzipSync(writePcap(PCAP_RECORDS)));
    // The first deflate block header (RFC 1951 3.2.3): BFINAL=1, BTYPE=11, a reserved type. (This
    // test used to flip byte 15, which with this data still inflates, only to a wrong checksum:
    // that is now read, with a warning, as gzip -d does; see the checksum test below.)
    gz[10] = 0x07;
    const e = await err(streamOf([gz]));
    expect(e.message).toMatch(/gzip data damaged or cut off before the capture header/);
  });
  it('readCapture: a pcap header cut off, and 2 bytes, are CaptureErrors', async () => {
    const { readCapture } = await import('../src/reader/capture.js');
    await expect(readCapture(streamOf([writePcap([]).subarray(0, 10)])).next()).rejects.toThrow(/header cut off/);
    await expect(readCapture(streamOf([writePcap([]).subarray(0, 2)])).next()).rejects.toThrow(/too short/);
  });
  it('readCapture throws CaptureError too', async () => {
    const it2 = (await import('../src/reader/capture.js')).readCapture(streamOf([Buffer.from('GET / HTTP/1.1\r\n')]));
    await expect(it2.next()).rejects.toBeInstanceOf(CaptureError);
  });
  it('a gzip stream cut off: warning, records read so far', async () => {
    const gz = gzipSync(writePcap(PCAP_RECORDS));
    const { recs, info } = await collect(streamOf([gz.subarray(0, gz.length - 30)]));
    expect(recs.length).toBeLessThan(PKT.length);
    expect(info.warnings.join(' ')).toMatch(/gzip|cut off/);
  });
});

describe('formatTimestamp', () => {
  it('nine fractional digits', () => {
    expect(formatTimestamp(1700000000, 123456789)).toBe('1700000000.123456789');
    expect(formatTimestamp(0, 0)).toBe('0.000000000');
    expect(formatTimestamp(1677687389, 123456000)).toBe('1677687389.123456000');
    expect(formatTimestamp(5, 7)).toBe('5.000000007');
  });
});

// ---------------------------------------------------------------------------------------------
// CLI round trip (needs `npm run build`; built here when dist/ is missing).

describe('CLI', () => {
  const bin = join(ROOT, 'bin', 'tunnelscope.js');
  beforeAll(() => {
    const out = join(ROOT, 'dist', 'src', 'cli.js');
    const built = existsSync(out) ? statSync(out).mtimeMs : 0;
    const newest = Math.max(...['src', 'src/reader', 'src/commands', 'dissectors'].flatMap((d) =>
      existsSync(join(ROOT, d)) ? readdirSync(join(ROOT, d)).filter((f) => f.endsWith('.ts')).map((f) => statSync(join(ROOT, d, f)).mtimeMs) : [0]));
    if (built < newest) {
      const b = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: ROOT, encoding: 'utf8' });
      if (b.status !== 0) {
        if (!existsSync(out)) throw new Error(`build failed: ${b.stdout}${b.stderr}`);
        console.warn(`CLI tests: dist/ is older than the sources and \`npm run build\` failed; testing the old build:\n${b.stdout}`);
      }
    }
  }, 120_000);
  const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd: ROOT, encoding: 'utf8' });

  it('dissect NOT_A_CAPTURE exits 3 with one line on stderr, no stack trace', () => {
    const p = file('NOT_A_CAPTURE', new Uint8Array(Buffer.from('this is not a capture file at all\n')));
    const r = run('dissect', p);
    expect(r.status).toBe(3);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^tunnelscope: .*NOT_A_CAPTURE: not a pcap or pcapng capture/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a missing file exits 3', () => {
    const r = run('dissect', join(dir, 'missing.pcap'));
    expect(r.status).toBe(3);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('an unknown option exits 2, no stack trace', () => {
    const r = run('dissect', '--no-such-option', 'x.pcap');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no-such-option/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('an unknown command exits 2', () => {
    expect(run('frobnicate').status).toBe(2);
  });

  it('dissect --json of a good file: one JSON object per packet, exit 0; a damaged file warns and exits 0', () => {
    const good = file('good.pcap', writePcap(PCAP_RECORDS));
    const r = run('dissect', '--json', good);
    expect(r.status).toBe(0);
    const objs = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(objs.map((o) => o.frame)).toEqual([1, 2, 3, 4, 5]);
    expect(objs[0].ts).toBe('1677687389.123456000');
    const bytes = writePcap(PCAP_RECORDS);
    const cut = run('dissect', file('cut2.pcap', bytes.slice(0, bytes.length - 3)));
    expect(cut.status).toBe(0);
    expect(cut.stderr).toMatch(/warning: .*cut off mid-record/);
  });

  it('- reads standard input', () => {
    const r = spawnSync(process.execPath, [bin, 'dissect', '--json', '-'], { cwd: ROOT, input: Buffer.from(gzipSync(writePcap(PCAP_RECORDS))), encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(PKT.length);
  });
});

void slices;
