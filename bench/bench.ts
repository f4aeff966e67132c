// Throughput and memory benchmark: tunnelscope against tshark, tcpdump and a bare pcap record
// walk, all reading the same generated Kubernetes node-mix capture.
//
//   npm run build && npm run bench -- [--packets N | --sizes 200000,2000000]
//                                     [--tools analyze,flows,tshark,tcpdump,walk] [--runs R]
//                                     [--timeout SEC] [--json PATH]
//
// For every capture size the file is generated if absent (bench/out/mix-<N>.pcap), read once
// to warm the page cache (and to check its packet count), then each tool runs as a child
// process with stdout to /dev/null. Wall time comes from process.hrtime.bigint() around the
// child's lifetime; peak RSS from GNU time's %M (maximum resident set size) or, without
// /usr/bin/time, from polling VmHWM in /proc/<pid>/status. A Markdown table goes to stdout,
// progress to stderr, and everything to bench/out/results.json.

import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { walk } from './walk.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
// bench.js runs from dist/bench/; the TypeScript source sits in bench/.
const ROOT = path.basename(path.dirname(HERE)) === 'dist' ? path.resolve(HERE, '../..') : path.resolve(HERE, '..');
const OUT_DIR = path.join(ROOT, 'bench', 'out');
const DIST_BENCH = path.join(ROOT, 'dist', 'bench');
const GNU_TIME = '/usr/bin/time';

// ---------------------------------------------------------------------------------------------
// Tools

interface Tool {
  name: string;
  label: string;
  /** Executable that must be on PATH, or null when the tool runs under this node. */
  needs: string | null;
  exe: string;
  args(file: string): string[];
  /** Command line as shown in the table (FILE stands for the capture). */
  shown: string;
}

const NODE = process.execPath;
const CLI = path.join(ROOT, 'bin', 'tunnelscope.js');

const TOOLS: Tool[] = [
  {
    name: 'analyze', label: 'tunnelscope analyze', needs: null, exe: NODE,
    args: (f) => [CLI, 'analyze', f, '--json'],
    shown: 'node bin/tunnelscope.js analyze FILE --json',
  },
  {
    name: 'flows', label: 'tunnelscope flows', needs: null, exe: NODE,
    args: (f) => [CLI, 'flows', f, '--json'],
    shown: 'node bin/tunnelscope.js flows FILE --json',
  },
  {
    name: 'tshark', label: 'tshark conv,ip', needs: 'tshark', exe: 'tshark',
    args: (f) => ['-q', '-r', f, '-z', 'conv,ip', '-d', 'udp.port==8472,vxlan'],
    shown: 'tshark -q -r FILE -z conv,ip -d udp.port==8472,vxlan',
  },
  {
    name: 'tcpdump', label: 'tcpdump', needs: 'tcpdump', exe: 'tcpdump',
    args: (f) => ['-nn', '-r', f],
    shown: 'tcpdump -nn -r FILE',
  },
  {
    name: 'walk', label: 'bare record walk', needs: null, exe: NODE,
    args: (f) => [path.join(DIST_BENCH, 'walk.js'), f],
    shown: 'node dist/bench/walk.js FILE',
  },
];

function which(cmd: string): string | null {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return null;
}

function firstLine(cmd: string, args: string[]): string | null {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
  if (r.error !== undefined) return null;
  const text = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
  return text.split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('Running as user')) ?? null;
}

// ---------------------------------------------------------------------------------------------
// Measuring one child process

interface Measurement {
  wallNs: bigint;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  peakRssKiB: number | null;
  /** User + system CPU seconds of the child (GNU time only). */
  cpuSeconds: number | null;
  stderrTail: string;
}

let gnuTime: boolean | null = null;
/** Peak RSS in KiB, user and system CPU seconds. */
const TIME_FORMAT = '%M %U %S';

/** GNU time with -f/-o; BusyBox or BSD time would not understand them. */
function haveGnuTime(): boolean {
  if (gnuTime !== null) return gnuTime;
  gnuTime = false;
  if (!fs.existsSync(GNU_TIME)) return gnuTime;
  const tmp = path.join(os.tmpdir(), `tunnelscope-bench-probe-${process.pid}`);
  const r = spawnSync(GNU_TIME, ['-f', TIME_FORMAT, '-o', tmp, process.execPath, '-e', '0'], { stdio: 'ignore' });
  try {
    gnuTime = r.status === 0 && /^\d+ [\d.]+ [\d.]+\s*$/m.test(fs.readFileSync(tmp, 'utf8'));
    fs.rmSync(tmp, { force: true });
  } catch {
    gnuTime = false;
  }
  return gnuTime;
}

function readVmHwmKiB(pid: number): number | null {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m !== null ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** The child currently running, so Ctrl-C can take its process group down with the bench. */
let running: number | null = null;

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function measure(exe: string, args: string[], timeoutSec: number): Promise<Measurement> {
  const useTime = haveGnuTime();
  const rssFile = path.join(os.tmpdir(), `tunnelscope-bench-rss-${process.pid}`);
  const [cmd, argv] = useTime ? [GNU_TIME, ['-f', TIME_FORMAT, '-o', rssFile, exe, ...args]] : [exe, args];
  return new Promise((resolve) => {
    let stderrTail = '';
    let polledKiB: number | null = null;
    let timedOut = false;
    const start = process.hrtime.bigint();
    // Own process group, so a timeout can stop the tool as well as GNU time wrapped around it.
    const child = spawn(cmd, argv, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    const pid = child.pid;
    running = pid ?? null;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => {
      stderrTail = (stderrTail + s).slice(-4000);
    });
    let poll: NodeJS.Timeout | undefined;
    if (!useTime && pid !== undefined) {
      poll = setInterval(() => {
        const v = readVmHwmKiB(pid);
        if (v !== null) polledKiB = Math.max(polledKiB ?? 0, v);
      }, 10);
    }
    const timer = timeoutSec > 0 && pid !== undefined
      ? setTimeout(() => {
        timedOut = true;
        killGroup(pid);
      }, timeoutSec * 1000)
      : undefined;
    const finish = (exitCode: number | null, signal: string | null): void => {
      const wallNs = process.hrtime.bigint() - start;
      running = null;
      if (poll !== undefined) clearInterval(poll);
      if (timer !== undefined) clearTimeout(timer);
      let peakRssKiB = polledKiB;
      let cpuSeconds: number | null = null;
      if (useTime) {
        peakRssKiB = null;
        try {
          // GNU time may put "Command exited with non-zero status N" before the format line.
          const lines = fs.readFileSync(rssFile, 'utf8').trim().split('\n');
          const f = (lines[lines.length - 1] ?? '').trim().split(/\s+/).map(Number);
          if (f.length === 3 && f.every(Number.isFinite)) {
            peakRssKiB = f[0]! > 0 ? f[0]! : null;
            cpuSeconds = f[1]! + f[2]!;
          }
          fs.rmSync(rssFile, { force: true });
        } catch {
          // leave both unknown
        }
      }
      resolve({ wallNs, exitCode, signal, timedOut, peakRssKiB, cpuSeconds, stderrTail });
    };
    child.on('error', (e) => {
      stderrTail += String(e.message);
      finish(127, null);
    });
    child.on('close', (code, signal) => finish(code, signal));
  });
}

// ---------------------------------------------------------------------------------------------
// Results

interface Row {
  tool: string;
  label: string;
  command: string;
  status: 'ok' | 'failed' | 'skipped';
  note?: string;
  exitCode?: number | null;
  runs?: number;
  wallSeconds?: number;
  allWallSeconds?: number[];
  /** Median user + system CPU seconds (null without GNU time). */
  cpuSeconds?: number | null;
  /** 1-minute load average before and after the tool ran (other work on the host skews wall time). */
  loadAvg?: [number, number];
  packetsPerSecond?: number;
  mbPerSecond?: number;
  peakRssMiB?: number | null;
  stderrTail?: string;
  /** This tool's wall time / analyze's: >1 means analyze is faster. */
  analyzeSpeedup?: number;
  /** analyze's peak RSS / this tool's. */
  analyzeRssRatio?: number;
}

interface SizeResult {
  packets: number;
  file: string;
  fileBytes: number;
  capturedBytes: number;
  generatedSeconds?: number;
  rows: Row[];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function runTool(tool: Tool, file: string, sz: SizeResult, runs: number, timeoutSec: number): Promise<Row> {
  const base = { tool: tool.name, label: tool.label, command: tool.shown };
  if (tool.needs !== null && which(tool.needs) === null) {
    return { ...base, status: 'skipped', note: `${tool.needs} not installed` };
  }
  const walls: number[] = [];
  const cpus: number[] = [];
  let peak: number | null = null;
  const load0 = os.loadavg()[0]!;
  for (let i = 0; i < runs; i++) {
    const m = await measure(tool.exe, tool.args(file), timeoutSec);
    const secs = Number(m.wallNs) / 1e9;
    if (m.timedOut || m.exitCode !== 0) {
      const why = m.timedOut ? `timeout after ${timeoutSec} s`
        : m.signal !== null ? `failed (signal ${m.signal})`
        : `failed (exit ${m.exitCode ?? '?'})`;
      return {
        ...base, status: 'failed', note: why, exitCode: m.exitCode, wallSeconds: secs,
        stderrTail: m.stderrTail.trim().split('\n').slice(-5).join('\n'),
      };
    }
    walls.push(secs);
    if (m.cpuSeconds !== null) cpus.push(m.cpuSeconds);
    if (m.peakRssKiB !== null) peak = Math.max(peak ?? 0, m.peakRssKiB);
  }
  const wall = median(walls);
  return {
    ...base,
    status: 'ok',
    exitCode: 0,
    runs,
    wallSeconds: wall,
    allWallSeconds: walls,
    cpuSeconds: cpus.length === walls.length ? median(cpus) : null,
    loadAvg: [load0, os.loadavg()[0]!],
    packetsPerSecond: sz.packets / wall,
    mbPerSecond: sz.fileBytes / 1e6 / wall,
    peakRssMiB: peak === null ? null : peak / 1024,
  };
}

function addRatios(rows: Row[]): void {
  const a = rows.find((r) => r.tool === 'analyze' && r.status === 'ok');
  if (a === undefined || a.wallSeconds === undefined) return;
  for (const r of rows) {
    if (r === a || r.status !== 'ok' || r.wallSeconds === undefined) continue;
    r.analyzeSpeedup = r.wallSeconds / a.wallSeconds;
    if (a.peakRssMiB != null && r.peakRssMiB != null && r.peakRssMiB > 0) {
      r.analyzeRssRatio = a.peakRssMiB / r.peakRssMiB;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Formatting

const int = (n: number): string => Math.round(n).toLocaleString('en-US');

function rate(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)} k`;
  return n.toFixed(0);
}

function secs(s: number): string {
  return s >= 100 ? `${s.toFixed(0)} s` : s >= 10 ? `${s.toFixed(1)} s` : `${s.toFixed(2)} s`;
}

function mib(m: number | null | undefined): string {
  return m == null ? 'n/a' : `${m >= 100 ? m.toFixed(0) : m.toFixed(1)} MiB`;
}

function speedup(x: number | undefined): string {
  if (x === undefined) return 'n/a';
  return x >= 1 ? `${x.toFixed(x >= 10 ? 0 : 1)}× faster` : `${(1 / x).toFixed(1 / x >= 10 ? 0 : 1)}× slower`;
}

function markdown(sizes: SizeResult[], header: string): string {
  const out: string[] = [header, ''];
  const loads = sizes.flatMap((sz) => sz.rows.flatMap((r) => r.loadAvg ?? []));
  if (loads.length > 0) {
    const lo = Math.min(...loads);
    const hi = Math.max(...loads);
    out.push(`1-minute load average while the tools ran: ${lo.toFixed(1)} to ${hi.toFixed(1)} ` +
      `on ${os.cpus().length} cores.`, '');
  }
  for (const sz of sizes) {
    out.push(`### ${path.basename(sz.file)}: ${int(sz.packets)} packets, ${(sz.fileBytes / 1e6).toFixed(0)} MB`);
    out.push('');
    out.push('| Tool | Command | Wall | CPU | Packets/s | MB/s | Peak RSS | analyze vs this: time | analyze vs this: RSS |');
    out.push('|---|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of sz.rows) {
      const cmd = `\`${r.command}\``;
      if (r.status !== 'ok') {
        out.push(`| ${r.label} | ${cmd} | ${r.note ?? r.status} | | | | | | |`);
        continue;
      }
      const isAnalyze = r.tool === 'analyze';
      out.push(`| ${r.label} | ${cmd} | ${secs(r.wallSeconds!)} | ${r.cpuSeconds == null ? 'n/a' : secs(r.cpuSeconds)} | ${rate(r.packetsPerSecond!)} | ` +
        `${r.mbPerSecond!.toFixed(0)} | ${mib(r.peakRssMiB)} | ` +
        `${isAnalyze ? '(baseline)' : speedup(r.analyzeSpeedup)} | ` +
        `${isAnalyze ? '(baseline)' : r.analyzeRssRatio === undefined ? 'n/a' : `${r.analyzeRssRatio.toFixed(2)}×`} |`);
    }
    out.push('');
  }
  if (sizes.length > 1) {
    out.push('### Peak RSS by capture size');
    out.push('');
    out.push(`| Tool | ${sizes.map((s) => `${int(s.packets)} packets`).join(' | ')} |`);
    out.push(`|---|${sizes.map(() => '---:').join('|')}|`);
    for (const t of sizes[0]!.rows.map((r) => r.tool)) {
      const cells = sizes.map((s) => {
        const r = s.rows.find((x) => x.tool === t);
        return r === undefined ? '' : r.status === 'ok' ? mib(r.peakRssMiB) : (r.note ?? r.status);
      });
      out.push(`| ${sizes[0]!.rows.find((r) => r.tool === t)!.label} | ${cells.join(' | ')} |`);
    }
    out.push('');
  }
  out.push('Wall = child process lifetime (median of runs), CPU = user + system time, MB/s = file size (10^6 bytes) / wall, ' +
    'peak RSS = maximum resident set size. "analyze vs this: time" = this tool\'s wall time / ' +
    'tunnelscope analyze\'s; "RSS" = analyze\'s peak RSS / this tool\'s (below 1× = analyze uses less).');
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Main

interface Options {
  sizes: number[];
  tools: string[];
  runs: number;
  timeoutSec: number;
  json: string;
}

function usage(): string {
  return [
    'usage: npm run bench -- [options]',
    '  --packets N          one capture of N packets (default 2000000)',
    '  --sizes A,B,...      several captures, e.g. 200000,2000000 (memory should stay flat)',
    `  --tools a,b,...      subset of ${TOOLS.map((t) => t.name).join(',')} (default: all)`,
    '  --runs R             runs per tool, median wall time reported (default 1)',
    '  --timeout SEC        kill a tool after SEC seconds (default: no limit)',
    '  --json PATH          results file (default bench/out/results.json)',
  ].join('\n');
}

function count(name: string, v: string | undefined, min: number): number {
  const n = Number(v);
  if (v === undefined || !Number.isSafeInteger(n) || n < min) throw new Error(`${name}: expected an integer >= ${min}, got ${String(v)}`);
  return n;
}

function parseArgs(argv: string[]): Options | null {
  const o: Options = {
    sizes: [2_000_000], tools: TOOLS.map((t) => t.name), runs: 1, timeoutSec: 0,
    json: path.join(OUT_DIR, 'results.json'),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = (): string | undefined => argv[++i];
    switch (a) {
      case '--packets': o.sizes = [count(a, next(), 1)]; break;
      case '--sizes': o.sizes = (next() ?? '').split(',').filter((s) => s !== '').map((s) => count(a, s, 1)); break;
      case '--tools': o.tools = (next() ?? '').split(',').filter((s) => s !== ''); break;
      case '--runs': o.runs = count(a, next(), 1); break;
      case '--timeout': o.timeoutSec = count(a, next(), 0); break;
      case '--json': o.json = path.resolve(next() ?? ''); break;
      case '-h': case '--help': return null;
      default: throw new Error(`unknown argument ${a}\n${usage()}`);
    }
  }
  if (o.sizes.length === 0) throw new Error('--sizes: no sizes given');
  for (const t of o.tools) {
    if (!TOOLS.some((x) => x.name === t)) throw new Error(`--tools: unknown tool ${t} (known: ${TOOLS.map((x) => x.name).join(', ')})`);
  }
  return o;
}

function log(s: string): void {
  process.stderr.write(`${s}\n`);
}

async function prepareCapture(packets: number): Promise<SizeResult> {
  const file = path.join(OUT_DIR, `mix-${packets}.pcap`);
  let generatedSeconds: number | undefined;
  if (!fs.existsSync(file)) {
    log(`generating ${path.relative(ROOT, file)} ...`);
    const t0 = process.hrtime.bigint();
    const r = spawnSync(NODE, [path.join(DIST_BENCH, 'gen-mix.js'), '--packets', String(packets), '--out', file],
      { stdio: ['ignore', 2, 2] });
    if (r.status !== 0) throw new Error(`gen-mix failed (exit ${String(r.status)})`);
    generatedSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  }
  // Reading the whole file once warms the page cache and checks the capture at the same time.
  log(`warming page cache: ${path.relative(ROOT, file)}`);
  const w = await walk(file);
  if (w.truncated || w.packets !== packets) {
    throw new Error(`${file}: expected ${packets} packets, found ${w.packets}${w.truncated ? ' (truncated)' : ''}; delete it to regenerate`);
  }
  return {
    packets, file, fileBytes: fs.statSync(file).size, capturedBytes: w.bytes,
    ...(generatedSeconds !== undefined ? { generatedSeconds } : {}), rows: [],
  };
}

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  if (opts === null) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  fs.mkdirSync(OUT_DIR, { recursive: true });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (running !== null) killGroup(running);
      process.exit(130);
    });
  }
  const tools = TOOLS.filter((t) => opts.tools.includes(t.name));
  if (!fs.existsSync(path.join(DIST_BENCH, 'walk.js'))) throw new Error('dist/bench is missing: run `npm run build` first');

  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown';
  const host = {
    cpu, cores: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.type()} ${os.release()} ${os.arch()}`, node: process.version,
  };
  const versions: Record<string, string | null> = {
    tshark: which('tshark') !== null ? firstLine('tshark', ['--version']) : null,
    tcpdump: which('tcpdump') !== null ? firstLine('tcpdump', ['--version']) : null,
  };
  // "TShark (Wireshark) 4.0.17 (Git ...)" -> "tshark 4.0.17" for the table heading.
  const short = (name: string, line: string | null): string | null => {
    const m = line === null ? null : /(\d+\.\d+(?:\.\d+)?)/.exec(line);
    return m === null ? null : `${name} ${m[1]}`;
  };
  const rssMethod = haveGnuTime() ? 'GNU time %M' : '/proc/<pid>/status VmHWM polled every 10 ms';
  log(`peak RSS via ${rssMethod}`);

  const sizes: SizeResult[] = [];
  for (const n of opts.sizes) {
    const sz = await prepareCapture(n);
    sizes.push(sz);
    const load = os.loadavg()[0]!;
    if (load > host.cores * 0.75) {
      log(`warning: load average ${load.toFixed(1)} on ${host.cores} cores; other work inflates wall times ` +
        '(the CPU column is less sensitive to it)');
    }
    for (const t of tools) {
      log(`[${int(n)} packets] ${t.label} ...`);
      const row = await runTool(t, sz.file, sz, opts.runs, opts.timeoutSec);
      sz.rows.push(row);
      log(row.status === 'ok'
        ? `  ${secs(row.wallSeconds!)}, ${rate(row.packetsPerSecond!)} packets/s, ${row.mbPerSecond!.toFixed(0)} MB/s, peak RSS ${mib(row.peakRssMiB)}`
        : `  ${row.note ?? row.status}${row.stderrTail ? `\n    ${row.stderrTail.replace(/\n/g, '\n    ')}` : ''}`);
    }
    addRatios(sz.rows);
  }

  const header = `## Benchmark (${[`${cpu}, ${host.cores} cores`, `Node ${process.version}`,
    short('tshark', versions['tshark'] ?? null), short('tcpdump', versions['tcpdump'] ?? null)]
    .filter((x) => x !== null).join(', ')})`;
  process.stdout.write(`${markdown(sizes, header)}\n`);

  const json = {
    date: new Date().toISOString(), host, versions, rssMethod, runsPerTool: opts.runs,
    sizes: sizes.map((s) => ({ ...s, file: path.relative(ROOT, s.file) })),
  };
  fs.mkdirSync(path.dirname(opts.json), { recursive: true });
  fs.writeFileSync(opts.json, `${JSON.stringify(json, null, 2)}\n`);
  log(`wrote ${path.relative(ROOT, opts.json)}`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`bench: ${(e as Error).message}\n`);
    process.exitCode = 2;
  },
);
