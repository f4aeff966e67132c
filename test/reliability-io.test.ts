// Issue 9, input and output reliability: damaged gzip, back-pressure and closed pipes, unreadable
// files, escape sequences from the capture, output paths, several files with one bad, header
// damage, numeric option ranges. Inputs are built here; CLI tests run bin/tunnelscope.js on dist/
// (`npx tsc -p tsconfig.json` first).
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Out, OutputClosed } from '../src/commands/common.js';
import { escapeControls, escapeJsonControls } from '../src/render/escape.js';
import { ETHERTYPE_IPV4, eth, ipv4, udp } from '../test-support/bytes.js';
import { PcapngWriter, writePcap, type PcapRecord } from '../test-support/capture.js';
import { CaptureError } from '../src/reader/record.js';
import { collect, randomSlices, rng, streamOf } from '../test-support/streams.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'tunnelscope.js');
const DIST = new URL('../dist/src/index.js', import.meta.url);
const built = existsSync(DIST);
if (!built) console.warn('reliability-io: dist/ is not built (npx tsc -p tsconfig.json); the CLI tests are skipped');

let dir = '';
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'tunnelscope-relio-')); });
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

function file(name: string, bytes: Uint8Array | string): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

function cli(args: string[], input?: Uint8Array): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', input, maxBuffer: 1 << 28 });
}

/** `n` UDP packets with incompressible payloads, so their gzip spans several read chunks; `flows` source ports. */
function udpRecords(n: number, payload = 1000, seed = 7, flows = 50): PcapRecord[] {
  const r = rng(seed);
  const out: PcapRecord[] = [];
  for (let i = 0; i < n; i++) {
    const body = Array.from({ length: payload }, () => Math.floor(r() * 256));
    const pkt = eth({ type: ETHERTYPE_IPV4 }, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 17 }, udp({ src: 10000 + (i % flows), dst: 5000 }, body)));
    out.push({ sec: 1700000000 + i, frac: 0, data: pkt });
  }
  return out;
}

const JUNK = Buffer.from('JUNK from a transfer tool');

describe('gzip with bytes after the compressed stream (issue 9 item 1)', () => {
  const small = writePcap(udpRecords(5, 60));
  const big = writePcap(udpRecords(3000)); // about 3 MB, gzip of the same size: three 1 MiB reads

  it('reader: every record, and a warning naming the trailing bytes; in pieces too', async () => {
    const bytes = Buffer.concat([gzipSync(small), JUNK]);
    const whole = await collect(streamOf([bytes]));
    expect(whole.recs).toHaveLength(5);
    expect(whole.info.warnings).toEqual([`${JUNK.length} trailing bytes after the end of the gzip data ignored (they start 0x${JUNK.subarray(0, 8).toString('hex')})`]);
    for (let seed = 1; seed <= 4; seed++) expect((await collect(streamOf(randomSlices(bytes, seed, 16)))).recs).toEqual(whole.recs);
    const plain = await collect(streamOf([small]));
    expect(whole.recs).toEqual(plain.recs);
  });

  it('reader: concatenated members are one stream (as gzip -d reads them), zero padding is named', async () => {
    const cut = 24 + 3 * (16 + 102); // file header and three records in the first member
    const two = Buffer.concat([gzipSync(small.subarray(0, cut)), gzipSync(small.subarray(cut))]);
    const r = await collect(streamOf([two]));
    expect(r.recs).toHaveLength(5);
    expect(r.info.warnings).toEqual([]);
    const padded = await collect(streamOf([Buffer.concat([gzipSync(small), Buffer.alloc(512)])]));
    expect(padded.recs).toHaveLength(5);
    expect(padded.info.warnings).toEqual(['512 zero bytes of padding after the gzip data ignored']);
  });

  it('reader: a wrong checksum is read with a warning (gzip -d: "crc error")', async () => {
    const gz = Buffer.from(gzipSync(small));
    gz[gz.length - 8] ^= 0xff; // CRC32 in the trailer (RFC 1952 2.2)
    const r = await collect(streamOf([gz]));
    expect(r.recs).toHaveLength(5);
    expect(r.info.warnings.join()).toMatch(/checksum or length does not match/);
  });

  describe.skipIf(!built)('CLI and worker threads', () => {
    it('dissect: small file, large file and standard input give every packet, a warning and exit 0', () => {
      const smallGz = file('small-junk.pcap.gz', Buffer.concat([gzipSync(small), JUNK]));
      const bigGz = file('big-junk.pcap.gz', Buffer.concat([gzipSync(big), JUNK]));
      for (const [args, input, n] of [
        [['dissect', '--json', smallGz], undefined, 5],
        [['dissect', '--json', bigGz], undefined, 3000],
        [['dissect', '--json', '-'], Buffer.concat([gzipSync(big), JUNK]), 3000],
      ] as const) {
        const r = cli([...args], input);
        expect(r.status, r.stderr).toBe(0);
        expect(r.stdout.trim().split('\n')).toHaveLength(n);
        expect(r.stderr).toMatch(/warning: .*25 trailing bytes after the end of the gzip data ignored/);
      }
    });

    it('analyze, flows and report read it too', () => {
      const bigGz = file('big-junk2.pcap.gz', Buffer.concat([gzipSync(big), JUNK]));
      const a = cli(['analyze', '--json', bigGz]);
      expect(a.status, a.stderr).toBe(0);
      expect(JSON.parse(a.stdout).summary.packets).toBe(3000);
      const f = cli(['flows', '--json', bigGz]);
      expect(f.status, f.stderr).toBe(0);
      // Sources 10000..10049 to 5000: fifty flows.
      expect(f.stdout.trim().split('\n')).toHaveLength(50);
      const html = join(dir, 'junk.html');
      const rep = cli(['report', bigGz, '-o', html]);
      expect(rep.status, rep.stderr).toBe(0);
      expect(existsSync(html)).toBe(true);
    });

    it('on worker threads: one file split by analysis, and several files', async () => {
      const { analyze } = await import(DIST.href);
      const a = file('w1.pcap.gz', Buffer.concat([gzipSync(big), JUNK]));
      const b = file('w2.pcap.gz', Buffer.concat([gzipSync(small), JUNK]));
      const split = await analyze(a, { parallelThreshold: 0 });
      expect(split.summary.packets).toBe(3000);
      expect(split.summary.files[0].warnings.join()).toMatch(/trailing bytes/);
      const many = await analyze([a, b], { parallelThreshold: 0, workers: 2 });
      expect(many.summary.packets).toBe(3005);
      expect(many.summary.files.map((f: { warnings: string[] }) => f.warnings.length)).toEqual([1, 1]);
    });
  });
});

describe('a file that never yields a valid header is exit 3 (issue 9 item 12)', () => {
  const ng = new PcapngWriter(false).idb(1).epb(0, 1n, udpRecords(1, 60)[0].data).bytes();
  const le32 = (b: Uint8Array, o: number, v: number) => { b[o] = v & 255; b[o + 1] = (v >>> 8) & 255; b[o + 2] = (v >>> 16) & 255; b[o + 3] = v >>> 24; };
  // The SHB (draft-ietf-opsawg-pcapng 4.1): type(4) total length(4) byte-order magic(4) major(2) minor(2) section length(8) ... total length(4).
  const cutInShb = ng.slice(0, 20);
  const zeroLength = ng.slice(); le32(zeroLength, 4, 0);
  const shortShb = ng.slice(); le32(shortShb, 4, 16); // below the 28-byte minimum (tshark: "less than the minimum SHB size 28")
  const oddLength = ng.slice(); le32(oddLength, 4, 30);

  it('reader: CaptureError for an SHB cut off, of length 0, below the minimum or not a multiple of 4', async () => {
    for (const [name, b, why] of [
      ['cut', cutInShb, /cut off/], ['zero', zeroLength, /block length 0 is invalid/],
      ['short', shortShb, /below the minimum 28/], ['odd', oddLength, /block length 30 is invalid/],
    ] as const) {
      const e = await collect(streamOf([b])).then(() => null, (x: unknown) => x);
      expect(e, name).toBeInstanceOf(CaptureError);
      expect((e as Error).message, name).toMatch(/no valid pcapng section header/);
      expect((e as Error).message, name).toMatch(why);
    }
    // A section length of 0 in the SHB body is not damage (tshark reads the file): still read.
    const sectionLengthZero = ng.slice(); sectionLengthZero.fill(0, 16, 24);
    expect((await collect(streamOf([sectionLengthZero]))).recs).toHaveLength(1);
  });

  it.skipIf(!built)('CLI: exit 3 with one line, like a pcap cut in its file header', () => {
    for (const [name, b] of [['cut.pcapng', cutInShb], ['zero.pcapng', zeroLength], ['cut.pcap', writePcap([]).slice(0, 20)]] as const) {
      const r = cli(['dissect', file(name, b)]);
      expect(r.status, name).toBe(3);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
    }
  });
});

const COMMANDS = ['dissect', 'flows', 'overhead', 'lint', 'bgp', 'analyze', 'report'];

describe('output: back-pressure and a closed pipe (issue 9 item 4)', () => {
  it('Out waits for a reader that does not read: the queue stays bounded, nothing is lost or reordered', async () => {
    const held: (() => void)[] = [];
    const got: string[] = [];
    const sink = new Writable({ highWaterMark: 16384, write(chunk, _enc, cb) { got.push(String(chunk)); held.push(cb); } });
    const out = new Out(false, sink);
    let written = 0, queuedMax = 0;
    const line = (i: number) => `line ${String(i).padStart(6, '0')} ${'x'.repeat(1000)}\n`;
    const writer = (async () => {
      for (let i = 0; i < 1000; i++) {
        await out.write(line(i));
        written++;
        queuedMax = Math.max(queuedMax, sink.writableLength);
      }
      await out.end();
    })();
    // The sink takes nothing: the writer must stop after about one 64 KiB piece, not queue 1 MB.
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(written).toBeLessThan(200);
    expect(sink.writableLength).toBeLessThanOrEqual(2 * 65536);
    while (held.length || written < 1000) {
      held.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    await writer;
    expect(queuedMax).toBeLessThanOrEqual(2 * 65536 + 2048);
    expect(got.join('')).toBe(Array.from({ length: 1000 }, (_, i) => line(i)).join(''));
  });

  it('Out: a failed stream (EPIPE) ends the writing with OutputClosed, never an uncaught error', async () => {
    const sink = new Writable({ write(_c, _e, cb) { const e = new Error('write EPIPE') as NodeJS.ErrnoException; e.code = 'EPIPE'; cb(e); } });
    const out = new Out(false, sink);
    out.write('x'.repeat(70000));
    await expect(out.end()).rejects.toBeInstanceOf(OutputClosed);
    expect(() => out.write('more')).toThrow(OutputClosed);
  });

  /** Runs the CLI with stdout read up to the first newline, then closed (like `| head -1`). */
  function firstLineThenClose(args: string[]): Promise<{ status: number | null; first: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '', stderr = '', closed = false;
      child.stdout.on('data', (c: Buffer) => {
        if (closed) return;
        out += String(c);
        if (out.includes('\n')) { closed = true; child.stdout.destroy(); }
      });
      child.stderr.on('data', (c: Buffer) => { stderr += String(c); });
      child.on('close', (status) => resolve({ status, first: out.split('\n')[0], stderr }));
    });
  }

  it.skipIf(!built)('dissect, flows --json/--csv, analyze, bgp --json and report -o - into a reader that closes: exit 0, nothing on stderr', async () => {
    const big = file('epipe.pcap', writePcap(udpRecords(20000, 200, 3, 5000)));
    for (const args of [['dissect', big], ['dissect', '--json', big], ['flows', '--json', big], ['flows', '--csv', big],
      ['analyze', '--json', big], ['report', big, '-o', '-'], ['bgp', '--json', big]]) {
      const r = await firstLineThenClose(args);
      expect(r.stderr, args.join(' ')).toBe('');
      expect(r.status, args.join(' ')).toBe(0);
      expect(r.first.length, args.join(' ')).toBeGreaterThan(0);
    }
  }, 120_000);
});

describe.skipIf(!built)('a file that cannot be opened is exit 3 with one line (issue 9 item 5)', () => {
  // Root reads a chmod 000 file, so: /proc/sys files without read permission refuse even root
  // (EACCES on open), and the CLI is run as nobody on a chmod 000 file when setpriv is there.
  const PROC_WRITE_ONLY = '/proc/sys/vm/compact_memory';
  const procDenies = (() => { try { readFileSync(PROC_WRITE_ONLY); return false; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EACCES'; } })();
  const isRoot = process.getuid?.() === 0;
  const setpriv = isRoot && spawnSync('setpriv', ['--version']).status === 0;
  if (!procDenies) console.warn(`reliability-io: ${PROC_WRITE_ONLY} is readable or absent here; that permission case is skipped`);
  if (isRoot && !setpriv) console.warn('reliability-io: running as root without setpriv; the chmod 000 case is skipped');

  const expectDenied = (r: SpawnSyncReturns<string>, what: string) => {
    expect(r.status, `${what}: ${r.stderr}`).toBe(3);
    expect(r.stderr.trimEnd().split('\n'), what).toHaveLength(1);
    expect(r.stderr, what).toMatch(/^tunnelscope: .*: permission denied\n$/);
  };

  it.skipIf(!procDenies)('all seven commands on a file whose open fails with EACCES', () => {
    for (const c of COMMANDS) expectDenied(cli(c === 'report' ? [c, PROC_WRITE_ONLY, '-o', join(dir, 'denied.html')] : [c, PROC_WRITE_ONLY]), c);
  });

  it.skipIf(isRoot && !setpriv)('all seven commands on a chmod 000 file (as nobody when run as root)', () => {
    const d = mkdtempSync(join(tmpdir(), 'tunnelscope-denied-'));
    chmodSync(d, 0o777);
    const p = join(d, 'denied.pcap');
    writeFileSync(p, writePcap(udpRecords(2, 60)));
    chmodSync(p, 0o000);
    try {
      for (const c of COMMANDS) {
        const args = [BIN, c, p, ...(c === 'report' ? ['-o', join(d, 'r.html')] : [])];
        const r = isRoot
          ? spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, ...args], { cwd: d, encoding: 'utf8' })
          : spawnSync(process.execPath, args, { cwd: d, encoding: 'utf8' });
        expectDenied(r, c);
      }
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('control characters from the capture are shown as escapes (issue 9 item 6)', () => {
  const ESC_SEQS = '\x1b[2J\x1b]52;c;aGk=\x07';
  const RAW = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

  it('escapeControls: visible, idempotent; JSON keeps its value', () => {
    expect(escapeControls(`a${ESC_SEQS}\u009b\u202e\tb\n`)).toBe('a\\x1b[2J\\x1b]52;c;aGk=\\x07\\x9b\\u202e\tb\n');
    expect(escapeControls(escapeControls(ESC_SEQS))).toBe(escapeControls(ESC_SEQS));
    const json = JSON.stringify({ s: `x\u009b\u007f\u202ey${ESC_SEQS}` });
    expect(escapeJsonControls(json)).not.toMatch(RAW);
    expect(JSON.parse(escapeJsonControls(json))).toEqual(JSON.parse(json));
  });

  // The BIRD fixture's Cease/Administrative Shutdown NOTIFICATION carries the RFC 9003 text
  // "tunnelscope fixture: maintenance" (32 bytes): the same number of bytes with escapes instead.
  const BIRD = join(ROOT, 'fixtures', 'bgp', 'bird-sessions.pcap');
  const SHUTDOWN = Buffer.from('tunnelscope fixture: maintenance');
  const EVIL = Buffer.from(`${ESC_SEQS}\x1b[31mmaintenance`.padEnd(SHUTDOWN.length, '.'));

  it.skipIf(!built || !existsSync(BIRD))('bgp, analyze and lint text: the shutdown text with escapes, nothing raw; the file name too', () => {
    expect(EVIL.length).toBe(SHUTDOWN.length);
    const bytes = readFileSync(BIRD);
    const at = bytes.indexOf(SHUTDOWN);
    expect(at).toBeGreaterThan(0);
    EVIL.copy(bytes, at);
    const evilName = file(`evil${ESC_SEQS}.pcap`, bytes);
    for (const args of [['bgp', evilName], ['analyze', evilName], ['lint', evilName], ['flows', evilName], ['overhead', evilName]]) {
      const r = cli(args);
      expect(r.status === 0 || r.status === 1, `${args[0]}: ${r.stderr}`).toBe(true);
      expect(r.stdout, args[0]).not.toMatch(RAW);
      expect(r.stderr, args[0]).not.toMatch(RAW);
    }
    const bgp = cli(['bgp', evilName]).stdout;
    expect(bgp).toContain(escapeControls(EVIL.toString()));
    expect(bgp).toContain('\\x1b[2J\\x1b]52;c;aGk=\\x07');
    expect(cli(['analyze', evilName]).stdout).toContain(`evil\\x1b[2J\\x1b]52;c;aGk=\\x07.pcap`);
    // JSON carries the same text, escaped the JSON way, and parses back to the capture's bytes.
    const doc = JSON.parse(cli(['bgp', '--json', evilName]).stdout);
    expect(doc.notifications.map((n: { shutdownCommunication?: string }) => n.shutdownCommunication)).toContain(EVIL.toString());
  });

  it.skipIf(!built)('stderr: a warning about a file whose name holds escapes', () => {
    const pcap = writePcap(udpRecords(2, 60));
    const cut = file(`cut${ESC_SEQS}.pcap`, pcap.slice(0, pcap.length - 5));
    const r = cli(['dissect', cut]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/warning: .*cut\\x1b\[2J/);
    expect(r.stderr).not.toMatch(RAW);
  });
});

describe.skipIf(!built)('report -o checked before reading (issue 9 item 10)', () => {
  it('a missing directory, a directory as the file: exit 2 with a message, no analysis', () => {
    const cap = file('small.pcap', writePcap(udpRecords(3, 60)));
    for (const [out, why] of [[join(dir, 'no', 'such', 'x.html'), /does not exist/], [dir, /is a directory/], [join(cap, 'x.html'), /is not a directory/]] as const) {
      const r = cli(['report', cap, '-o', out]);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(why);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    // Checked first: a missing capture with a bad -o is the usage error.
    expect(cli(['report', join(dir, 'missing.pcap'), '-o', join(dir, 'no', 'x.html')]).status).toBe(2);
  });
});

describe.skipIf(!built)('several files, some unreadable (issue 9 item 11)', () => {
  it('every command reports the readable files, names each bad one on stderr, exits 3', () => {
    const good = file('good.pcap', writePcap(udpRecords(4, 60)));
    const good2 = file('good2.pcap', writePcap(udpRecords(3, 60, 9)));
    const missing = join(dir, 'missing.pcap');
    const text = file('notes.txt', 'not a capture at all\n');
    for (const c of COMMANDS) {
      const args = [c, good, missing, text, good2, ...(c === 'report' ? ['-o', join(dir, 'several.html')] : [])];
      const r = cli(args);
      expect(r.status, `${c}: ${r.stderr}`).toBe(3);
      const errs = r.stderr.trimEnd().split('\n').filter((l) => !/warning|wrote/.test(l));
      expect(errs, c).toEqual([`tunnelscope: ${missing}: no such file`, `tunnelscope: ${text}: not a pcap or pcapng capture (starts with 0x6e6f7420)`]);
      if (c === 'report') expect(existsSync(join(dir, 'several.html'))).toBe(true);
      else expect(r.stdout.length, c).toBeGreaterThan(0);
    }
    expect(cli(['dissect', '--json', good, missing, good2]).stdout.trim().split('\n')).toHaveLength(7);
    const doc = JSON.parse(cli(['analyze', '--json', good, missing, text, good2]).stdout);
    expect(doc.summary.packets).toBe(7);
    expect(doc.summary.files.map((f: { name: string; error: string | null }) => [f.name, f.error])).toEqual([
      [good, null], [missing, 'no such file'], [text, 'not a pcap or pcapng capture (starts with 0x6e6f7420)'], [good2, null],
    ]);
  });

  it('the same on worker threads', async () => {
    const { analyze } = await import(DIST.href);
    const good = file('wgood.pcap', writePcap(udpRecords(4, 60)));
    const doc = await analyze([good, join(dir, 'wmissing.pcap'), good], { parallelThreshold: 0, workers: 2 });
    expect(doc.summary.packets).toBe(8);
    expect(doc.summary.files.map((f: { error: string | null }) => f.error)).toEqual([null, 'no such file', null]);
  });

  it('only unreadable files: exit 3, one line each, no output', () => {
    const r = cli(['analyze', join(dir, 'a.pcap'), join(dir, 'b.pcap')]);
    expect(r.status).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(2);
  });
});

describe.skipIf(!built)('numeric options within their real ranges (issue 9)', () => {
  it('out of range, not decimal or too large: exit 2 naming the option and its range', () => {
    const cap = file('n.pcap', writePcap(udpRecords(1, 60)));
    for (const args of [
      ['analyze', '--mtu', '99999999999999999999'], ['overhead', '--mtu', '67'], ['flows', '--mtu', '65536'], ['lint', '--mtu', '1e3'],
      ['analyze', '--max-flows', '999999999999'], ['flows', '--top', '0'], ['report', '--top', '0'], ['dissect', '-c', '0x10'],
      ['dissect', '-c', '99999999999999999999'], ['lint', '--arp-storm-rate', '1.5'], ['analyze', '--vxlan-port', '65536'], ['bgp', '--geneve-port', '0x17c1'],
    ]) {
      const r = cli([...args, cap]);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(new RegExp(`${args[1]}: '${args[2].replace(/[.+]/g, '\\$&')}' is not a (whole number from \\d+ to \\d+|port number \\(1 to 65535\\))`));
    }
    for (const args of [['analyze', '--mtu', '68'], ['overhead', '--mtu', '65535'], ['dissect', '-c', '1']]) expect(cli([...args, cap]).status, args.join(' ')).toBe(0);
  });
});
