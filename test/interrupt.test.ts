// Issue 14, first bullet: Ctrl-C keeps the results. A capture is fed to the CLI slowly (through a
// pipe kept open, or a FIFO read by a worker thread), SIGINT is sent part way, and the output must
// be the normal one covering exactly the records written before the signal. CLI tests run
// bin/tunnelscope.js on dist/ (`npx tsc -p tsconfig.json` first).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants as zlib, createGzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ETHERTYPE_IPV4, eth, ipv4, udp } from '../test-support/bytes.js';
import { pcapHeader, pcapRecord, writePcap } from '../test-support/capture.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'tunnelscope.js');
const built = existsSync(new URL('../dist/src/index.js', import.meta.url));
if (!built) console.warn('interrupt: dist/ is not built (npx tsc -p tsconfig.json); the CLI tests are skipped');
// The least time given to the child to read what was written (it reads a pipe as the data comes).
const SETTLE_MS = 1000;

let dir = '';
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'tunnelscope-interrupt-')); });
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

/** Record `i`: one UDP packet of its own flow (source port 10000 + i), one second after the previous one. */
function record(i: number): Uint8Array {
  const data = eth({ type: ETHERTYPE_IPV4 }, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 17 }, udp({ src: 10000 + i, dst: 5000 }, new Uint8Array(64))));
  return pcapRecord({ sec: 1_700_000_000 + i, frac: 0, data });
}

function records(from: number, n: number): Uint8Array {
  return Buffer.concat(Array.from({ length: n }, (_, k) => record(from + k)));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGINT is caught (bit 1 of SigCgt) and the bytes read so far (rchar, all threads), or null without /proc. */
function childState(pid: number): { catchesInt: boolean; rchar: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    const cgt = /SigCgt:\s*([0-9a-f]+)/.exec(status);
    const rchar = /rchar:\s*(\d+)/.exec(io);
    if (!cgt || !rchar) return null;
    return { catchesInt: (BigInt('0x' + cgt[1]) & 2n) !== 0n, rchar: Number(rchar[1]) };
  } catch {
    return null;
  }
}

/**
 * Waits until the child has installed its SIGINT handler and stopped reading (its read count still
 * for 400 ms), and at least SETTLE_MS: a fixed sleep alone signalled a child still loading its
 * modules on a loaded machine (killed by the default action, or before it read the data).
 */
async function settled(child: ChildProcess): Promise<void> {
  const started = Date.now();
  let last = -1, stillSince = Date.now();
  while (Date.now() - started < 30000) {
    await sleep(50);
    const s = child.pid === undefined ? null : childState(child.pid);
    if (s === null) { await sleep(Math.max(0, SETTLE_MS - (Date.now() - started))); return; }
    if (s.rchar !== last) { last = s.rchar; stillSince = Date.now(); }
    if (s.catchesInt && Date.now() - stillSince >= 400 && Date.now() - started >= SETTLE_MS) return;
  }
}

interface Outcome { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

function start(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; done: Promise<Outcome> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stdout = '', stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
  child.stderr!.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
  child.stdin!.on('error', () => {}); // the child closes its end when it stops
  const done = new Promise<Outcome>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

/** Writes the pcap header and `n` records to the command's standard input, waits, sends SIGINT with the pipe still open. */
async function interruptedOnStdin(args: string[], n: number): Promise<Outcome> {
  const { child, done } = start(args);
  child.stdin!.write(pcapHeader());
  child.stdin!.write(records(0, n));
  await settled(child);
  child.kill('SIGINT');
  const out = await done;
  child.stdin!.destroy();
  return out;
}

describe.skipIf(!built)('SIGINT keeps the results', () => {
  const N = 37;

  it('analyze --json on standard input covers exactly the records written before the signal', async () => {
    const r = await interruptedOnStdin(['analyze', '--json', '-'], N);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.summary.packets).toBe(N);
    expect(doc.flows.total).toBe(N);
    expect(doc.summary.files[0].warnings).toEqual([]);
    expect(r.stderr).toContain(`tunnelscope: interrupted: results cover the first ${N} packets`);
  }, 60000);

  it('flows --json lists the flows of the records written before the signal', async () => {
    const r = await interruptedOnStdin(['flows', '--json', '-'], N);
    expect(r.code).toBe(0);
    const flows = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { packets: number });
    expect(flows.length).toBe(N);
    expect(flows.reduce((s, f) => s + f.packets, 0)).toBe(N);
  }, 60000);

  it('dissect --json prints one line per record written before the signal', async () => {
    const r = await interruptedOnStdin(['dissect', '--json', '-'], N);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(lines.length).toBe(N);
    expect(r.stderr).toContain(`results cover the first ${N} packets`);
  }, 60000);

  it('SIGTERM does the same as SIGINT, and a gzip stream cut by the stop is no damage', async () => {
    const { child, done } = start(['analyze', '--json', '-']);
    const gz = createGzip();
    gz.pipe(child.stdin!);
    gz.write(pcapHeader());
    gz.write(records(0, N));
    gz.flush(zlib.Z_SYNC_FLUSH); // the compressed records go out now, the gzip member stays open
    await settled(child);
    child.kill('SIGTERM');
    const r = await done;
    gz.unpipe();
    child.stdin!.destroy();
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.summary.packets).toBe(N);
    expect(doc.summary.files[0].gzip).toBe(true);
    expect(doc.summary.files[0].warnings).toEqual([]);
    expect(r.stderr).not.toContain('warning');
  }, 60000);

  it('interrupted before the capture header: a one-line error and status 3, not a wait for input', async () => {
    const { child, done } = start(['analyze', '--json', '-']);
    await settled(child);
    child.kill('SIGINT');
    const r = await done;
    child.stdin!.destroy();
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('tunnelscope: -: interrupted before the capture header');
  }, 60000);

  it('a second SIGINT quits at once with 130', async () => {
    // dissect's output is not read, so after the first SIGINT it waits on the full pipe for ever.
    const { child, done } = start(['dissect', '-']);
    child.stdout!.pause();
    child.stdin!.write(pcapHeader());
    child.stdin!.write(records(0, 20000));
    await settled(child);
    child.kill('SIGINT');
    await sleep(SETTLE_MS);
    expect(child.exitCode).toBe(null); // still waiting for its reader: the first SIGINT did not kill it
    child.kill('SIGINT');
    const r = await done;
    child.stdin!.destroy();
    expect(r.code).toBe(130);
  }, 60000);

  it('on files read by worker threads, the workers stop too and the output covers what they read', async () => {
    // Two files with the threshold at 0: each is read on a worker thread. The second is a FIFO
    // written here, so the signal comes while that worker is part way through it.
    const K = 25;
    const plain = join(dir, 'plain.pcap');
    writeFileSync(plain, writePcap(Array.from({ length: K }, (_, i) => ({ sec: 1_600_000_000 + i, frac: 0, data: eth({ type: ETHERTYPE_IPV4 }, ipv4({ src: '10.1.0.1', dst: '10.1.0.2', protocol: 17 }, udp({ src: 20000 + i, dst: 6000 }))) }))));
    const fifo = join(dir, 'live.fifo');
    const mk = spawn('mkfifo', [fifo]);
    await new Promise((r) => mk.on('close', r));
    const { child, done } = start(['analyze', '--json', plain, fifo], { TUNNELSCOPE_PARALLEL_THRESHOLD: '0' });
    const w = createWriteStream(fifo);
    w.write(pcapHeader());
    w.write(records(0, N));
    await settled(child);
    child.kill('SIGINT');
    await sleep(SETTLE_MS);
    // Written after the stop: the worker reads them but must not count them.
    w.end(records(N, 10));
    const r = await done;
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.summary.files.map((f: { packets: number }) => f.packets)).toEqual([K, N]);
    expect(doc.summary.packets).toBe(K + N);
    expect(r.stderr).toContain(`results cover the first ${K + N} packets`);
  }, 60000);
});
