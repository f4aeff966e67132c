// -Y/--filter, -c/--count, --from/--to on the command line (issue 13): frame numbers kept, -c
// counting selected packets, time windows, exit status 2 with the column of a bad expression, and
// every capture-reading command taking the options. Runs bin/tunnelscope.js (needs `npm run build`).
// The capture is built here: frames 1..10, one second apart from 1700000000 (2023-11-14T22:13:20Z),
// odd frames UDP to port 53, even frames TCP to port 80.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePcap } from '../test-support/capture.js';
import { ethernet, ipv4, tcp, udp } from '../test-support/packets.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'tunnelscope.js');
const built = existsSync(join(ROOT, 'dist', 'src', 'filter', 'options.js'));
if (!built) console.warn('filter-cli: dist/ is not built (run npm run build); skipping the CLI tests');

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!built)('selection options (CLI)', () => {
  let dir = '', file = '', file2 = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tunnelscope-filter-'));
    const records = Array.from({ length: 10 }, (_, i) => {
      const k = i + 1;
      const l4 = k % 2 ? udp(40000 + k, 53, new Uint8Array(8)) : tcp(40000 + k, 80, 0x018, new Uint8Array(8));
      return { sec: 1700000000 + i, frac: 0, data: ethernet('52:54:00:00:00:02', '52:54:00:00:00:01', 0x0800, ipv4('10.0.0.1', '10.0.0.2', k % 2 ? 17 : 6, l4)) };
    });
    file = join(dir, 'mix.pcap');
    file2 = join(dir, 'mix2.pcap');
    writeFileSync(file, writePcap(records));
    writeFileSync(file2, writePcap(records));
  });
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  const frames = (args: string[]) => {
    const r = cli(['dissect', file, '--json', ...args]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    return r.stdout.trim().split('\n').filter((l) => l).map((l) => (JSON.parse(l) as { frame: number }).frame);
  };

  it('dissect -Y keeps the capture\'s frame numbers', () => {
    expect(frames(['-Y', 'tcp'])).toEqual([2, 4, 6, 8, 10]);
    expect(frames(['--filter', 'udp.dstport == 53 && frame.number > 4'])).toEqual([5, 7, 9]);
  });
  it('-c counts the packets that pass the filter', () => {
    expect(frames(['-Y', 'tcp', '-c', '2'])).toEqual([2, 4]);
    expect(frames(['--count', '3'])).toEqual([1, 2, 3]);
  });
  it('--from (inclusive) and --to (exclusive): relative, RFC 3339, epoch seconds', () => {
    expect(frames(['--from', '+3s', '--to', '+6s'])).toEqual([4, 5, 6]);
    expect(frames(['--from', '2023-11-14T22:13:23Z', '-Y', 'udp'])).toEqual([5, 7, 9]);
    expect(frames(['--from', '1700000007', '--to', '2023-11-14T23:13:29+01:00'])).toEqual([8, 9]);
  });
  it('a syntax error is exit 2, with the expression and a caret under the column', () => {
    const r = cli(['dissect', file, '-Y', 'tcp and (udp.port == 53']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe([
      "tunnelscope dissect: -Y: missing ')' (column 24)",
      '  tcp and (udp.port == 53',
      '                         ^',
      '',
    ].join('\n'));
    const u = cli(['dissect', file, '-Y', 'udp.dsport == 53']);
    expect(u.status).toBe(2);
    expect(u.stderr).toContain("unknown field or protocol 'udp.dsport' (did you mean 'udp.dstport'?) (column 1)\n  udp.dsport == 53\n  ^~~~~~~~~~");
    expect(cli(['dissect', file, '--from', 'noon']).status).toBe(2);
    expect(cli(['dissect', file, '-c', '0']).status).toBe(2);
  });
  it('analyze -Y analyses only the selected packets, on one thread and on worker threads', () => {
    const one = cli(['analyze', file, '-Y', 'tcp', '--json', '-q']);
    expect(one.status).toBe(0);
    const doc = JSON.parse(one.stdout) as { summary: { packets: number; files: { packets: number }[] }; classes: { packets: number }[] };
    expect(doc.summary.packets).toBe(5);
    expect(doc.summary.files[0].packets).toBe(10);
    expect(doc.classes.reduce((n, c) => n + c.packets, 0)).toBe(5);
    // Two files over the threshold 0: each read on a worker thread, with the selection.
    const par = cli(['analyze', file, file2, '-Y', 'tcp', '-c', '2', '--json', '-q'], { TUNNELSCOPE_PARALLEL_THRESHOLD: '0' });
    expect(par.status).toBe(0);
    const pdoc = JSON.parse(par.stdout) as { summary: { packets: number }; classes: { packets: number }[] };
    expect(pdoc.summary.packets).toBe(4);
    expect(pdoc.classes.reduce((n, c) => n + c.packets, 0)).toBe(4);
  });
  for (const cmd of ['dissect', 'flows', 'overhead', 'lint', 'analyze', 'bgp', 'correlate']) {
    it(`${cmd} takes the options, and rejects a bad filter with status 2`, () => {
      const args = cmd === 'correlate' ? [cmd, file, file2] : [cmd, file];
      const ok = cli([...args, '-Y', 'tcp', '-c', '2', '--from', '+1s', '--to', '+9s', '-q']);
      expect(ok.status, `${cmd}: ${ok.stderr}`).toBe(0);
      const bad = cli([...args, '-Y', 'tcp ==']);
      expect(bad.status, cmd).toBe(2);
      expect(bad.stderr, cmd).toContain('-Y: a value must follow');
    });
  }
  it('report takes the options, and rejects a bad filter with status 2', () => {
    const out = join(dir, 'r.html');
    expect(cli(['report', file, '-o', out, '-Y', 'udp', '-q']).status).toBe(0);
    expect(cli(['report', file, '-o', out, '-Y', 'udp ==']).status).toBe(2);
  });
  it('flows -Y lists only the selected packets\' flows', () => {
    const r = cli(['flows', file, '-Y', 'udp', '--json', '-q']);
    expect(r.status).toBe(0);
    const text = r.stdout;
    expect(text).not.toMatch(/"protocol":\s*6\b/);
    expect(text).toMatch(/"protocol":\s*17\b/);
  });
});
