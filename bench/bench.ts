// Throughput and memory benchmark: tunnelscope against tshark, tcpdump and a bare pcap record
// walk, all reading the same generated Kubernetes node-mix capture (bench/gen-mix.ts), plus the
// start-up cost of the CLI.
//
//   npm run build && npm run bench -- [--packets N | --sizes 200000,2000000]
//                                     [--flows N] [--bgp-share F] [--seed S]
//                                     [--tools analyze,analyze1,flows,tshark,tcpdump,walk,correlate,startup]
//                                     [--runs R] [--timeout SEC] [--json PATH]
//
// For every capture size the file is generated if absent (bench/out/mix-<N>-f<flows>-b<bgp>-
// s<seed>.pcap), read once to warm the page cache (and to check its packet count), then each
// tool runs as a child process with stdout to /dev/null. Wall time comes from
// process.hrtime.bigint() around the child's lifetime; peak RSS from GNU time's %M (maximum
// resident set size) or, without /usr/bin/time, from polling VmHWM in /proc/<pid>/status. A
// Markdown table goes to stdout, progress to stderr, and everything to bench/out/results.json.

import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultCapturePath, GEN_DEFAULTS, writeCorrelatePair } from './gen-mix.js';
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

const SAMPLE = path.join(ROOT, 'fixtures', 'sample', 'node-mix.pcap');

/** Start-up: the CLI on the bundled sample (555 packets) against Node doing nothing, and --version (the CLI's own floor). */
const STARTUP_TOOLS: Tool[] = [
  {
    name: 'startup', label: 'tunnelscope analyze, bundled sample', needs: null, exe: NODE,
    args: () => [CLI, 'analyze', SAMPLE, '--json'],
    shown: 'node bin/tunnelscope.js analyze fixtures/sample/node-mix.pcap --json',
  },
  {
    name: 'node', label: 'node -e 0', needs: null, exe: NODE,
    args: () => ['-e', '0'],
    shown: 'node -e 0',
  },
  {
    name: 'version', label: 'tunnelscope --version', needs: null, exe: NODE,
    args: () => [CLI, '--version'],
    shown: 'node bin/tunnelscope.js --version',
  },
];

const TOOLS: Tool[] = [
  {
    name: 'analyze', label: 'tunnelscope analyze', needs: null, exe: NODE,
    args: (f) => [CLI, 'analyze', f, '--json'],
    shown: 'node bin/tunnelscope.js analyze FILE --json',
  },
  {
    // The same on one thread: the threshold above any file size turns the record split off.
    name: 'analyze1', label: 'tunnelscope analyze, one thread', needs: null, exe: '/usr/bin/env',
    args: (f) => ['TUNNELSCOPE_PARALLEL_THRESHOLD=9999999999999999', NODE, CLI, 'analyze', f, '--json'],
    shown: 'TUNNELSCOPE_PARALLEL_THRESHOLD=9999999999999999 node bin/tunnelscope.js analyze FILE --json',
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
  /** tshark's wall time / this tool's: above 1, this tool is faster than tshark. */
  speedVsTshark?: number;
  /** This tool's peak RSS / tshark's: below 1, this tool uses less memory. */
  rssVsTshark?: number;
}

interface SizeResult {
  packets: number;
  flows: number;
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
  const t = rows.find((r) => r.tool === 'tshark' && r.status === 'ok');
  if (t === undefined || t.wallSeconds === undefined) return;
  for (const r of rows) {
    if (r.status !== 'ok' || r.wallSeconds === undefined) continue;
    r.speedVsTshark = t.wallSeconds / r.wallSeconds;
    if (t.peakRssMiB != null && r.peakRssMiB != null && t.peakRssMiB > 0) {
      r.rssVsTshark = r.peakRssMiB / t.peakRssMiB;
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

function ratio(x: number | undefined): string {
  if (x === undefined) return 'n/a';
  return `${x.toFixed(x >= 10 ? 0 : x >= 1 ? 1 : 2)}×`;
}

function loadText(r: Row): string {
  return r.loadAvg === undefined ? '' : `${r.loadAvg[0].toFixed(1)}–${r.loadAvg[1].toFixed(1)}`;
}

interface StartupResult {
  samplePackets: number;
  rows: Row[];
}

function markdown(sizes: SizeResult[], startup: StartupResult | null, header: string, mix: string, uptimeLines: string[]): string {
  const out: string[] = [header, '', mix, ''];
  if (uptimeLines.length > 0) {
    out.push('`uptime` before and after (the host is shared; wall times rise with the load, CPU times less):', '');
    for (const u of uptimeLines) out.push(`    ${u}`);
    out.push('');
  }
  for (const sz of sizes) {
    out.push(`### ${int(sz.packets)} packets, ${(sz.fileBytes / 1e6).toFixed(0)} MB (\`${path.basename(sz.file)}\`)`);
    out.push('');
    out.push('| Tool | Command | Wall | CPU | Packets/s | MB/s | Peak RSS | Speed vs tshark | RSS vs tshark | Load (1 min) |');
    out.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of sz.rows) {
      const cmd = `\`${r.command}\``;
      if (r.status !== 'ok') {
        out.push(`| ${r.label} | ${cmd} | ${r.note ?? r.status} | | | | | | | |`);
        continue;
      }
      out.push(`| ${r.label} | ${cmd} | ${secs(r.wallSeconds!)} | ${r.cpuSeconds == null ? 'n/a' : secs(r.cpuSeconds)} | ` +
        `${rate(r.packetsPerSecond!)} | ${r.mbPerSecond!.toFixed(0)} | ${mib(r.peakRssMiB)} | ` +
        `${r.tool === 'tshark' ? '1×' : ratio(r.speedVsTshark)} | ${r.tool === 'tshark' ? '1×' : ratio(r.rssVsTshark)} | ${loadText(r)} |`);
    }
    const a = sz.rows.find((r) => r.tool === 'analyze' && r.status === 'ok');
    const c = sz.rows.find((r) => r.tool === 'correlate' && r.status === 'ok');
    if (c !== undefined) {
      out.push('', `correlate read ${c.note} from two captures made from this one (its VXLAN traffic, B missing 1% of A's).`);
    }
    const w = sz.rows.find((r) => r.tool === 'walk' && r.status === 'ok');
    if (a !== undefined && w !== undefined) {
      out.push('', `analyze takes ${(a.wallSeconds! / w.wallSeconds!).toFixed(1)}× the bare walk's wall time.`);
    }
    out.push('');
  }
  if (startup !== null) {
    out.push('### Start-up', '');
    out.push('| What | Command | Wall (median) | CPU | Peak RSS | Load (1 min) |');
    out.push('|---|---|---:|---:|---:|---:|');
    for (const r of startup.rows) {
      if (r.status !== 'ok') {
        out.push(`| ${r.label} | \`${r.command}\` | ${r.note ?? r.status} | | | |`);
        continue;
      }
      out.push(`| ${r.label} | \`${r.command}\` | ${secs(r.wallSeconds!)} | ${r.cpuSeconds == null ? 'n/a' : secs(r.cpuSeconds)} | ` +
        `${mib(r.peakRssMiB)} | ${loadText(r)} |`);
    }
    const [cli, bare] = startup.rows;
    if (cli?.status === 'ok' && bare?.status === 'ok') {
      out.push('', `Start-up cost of tunnelscope over bare Node: ${secs(cli.wallSeconds! - bare.wallSeconds!)} ` +
        `(the sample has ${int(startup.samplePackets)} packets, read on one thread: almost all of it is loading modules).`);
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
    'peak RSS = maximum resident set size. "Speed vs tshark" = tshark\'s wall time / this tool\'s (above 1×: faster ' +
    'than tshark); "RSS vs tshark" = this tool\'s peak RSS / tshark\'s (below 1×: less memory).');
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Main

interface Options {
  sizes: number[];
  /** Data flows in every capture; null: 35 per 1,000 packets (70,000 at 2M). */
  flows: number | null;
  bgpShare: number;
  seed: number;
  tools: string[];
  runs: number;
  timeoutSec: number;
  json: string;
}

/**
 * correlate: two nodes' captures made from the mix (bench/gen-mix.ts writeCorrelatePair): A's
 * VXLAN traffic re-addressed to a node B whose capture misses 1% of A's packets, 150 us later.
 * Packets/s counts the packets of both captures.
 */
const CORRELATE_TOOL: Tool = {
  name: 'correlate', label: 'tunnelscope correlate (2 nodes)', needs: null, exe: NODE,
  args: (f) => [CLI, 'correlate', '--node', `a=${f}`, '--node', `b=${f.replace(/\.a\.pcap$/, '.b.pcap')}`, '--window', '0.05', '--json'],
  shown: 'node bin/tunnelscope.js correlate --node a=A --node b=B --window 0.05 --json',
};

const ALL_TOOLS = [...TOOLS.map((t) => t.name), 'correlate', 'startup'];
const FLOWS_PER_PACKET = GEN_DEFAULTS.flows / GEN_DEFAULTS.packets;

function usage(): string {
  return [
    'usage: npm run bench -- [options]',
    '  --sizes A,B,...      capture sizes in packets (default 200000,2000000)',
    '  --packets N          one capture of N packets',
    '  --flows N            data flows in every capture (default: 35 per 1,000 packets, 70,000 at 2M)',
    `  --bgp-share F        share of packets on BGP sessions (default ${GEN_DEFAULTS.bgpShare})`,
    `  --seed S             generator seed (default ${GEN_DEFAULTS.seed})`,
    `  --tools a,b,...      subset of ${ALL_TOOLS.join(',')} (default: all)`,
    '  --runs R             runs per tool, median wall time reported (default 1; start-up: at least 5)',
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
    sizes: [200_000, 2_000_000], flows: null, bgpShare: GEN_DEFAULTS.bgpShare, seed: GEN_DEFAULTS.seed,
    tools: ALL_TOOLS, runs: 1, timeoutSec: 0, json: path.join(OUT_DIR, 'results.json'),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = (): string | undefined => argv[++i];
    switch (a) {
      case '--packets': o.sizes = [count(a, next(), 1)]; break;
      case '--sizes': o.sizes = (next() ?? '').split(',').filter((s) => s !== '').map((s) => count(a, s, 1)); break;
      case '--flows': o.flows = count(a, next(), 1); break;
      case '--bgp-share': {
        const v = next();
        const f = Number(v);
        if (v === undefined || v === '' || !(f >= 0 && f <= 0.5)) throw new Error(`--bgp-share: expected a fraction within 0..0.5, got ${String(v)}`);
        o.bgpShare = f;
        break;
      }
      case '--seed': o.seed = count(a, next(), 0); break;
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
    if (!ALL_TOOLS.includes(t)) throw new Error(`--tools: unknown tool ${t} (known: ${ALL_TOOLS.join(', ')})`);
  }
  return o;
}

function log(s: string): void {
  process.stderr.write(`${s}\n`);
}

function uptime(): string {
  return firstLine('uptime', []) ?? `load average: ${os.loadavg().map((x) => x.toFixed(2)).join(', ')}`;
}

async function prepareCapture(packets: number, opts: Options): Promise<SizeResult> {
  const flows = opts.flows ?? Math.max(1, Math.round(packets * FLOWS_PER_PACKET));
  const gen = { packets, flows, bgpShare: opts.bgpShare, seed: opts.seed };
  const file = defaultCapturePath(gen);
  let generatedSeconds: number | undefined;
  if (!fs.existsSync(file)) {
    log(`generating ${path.relative(ROOT, file)} ...`);
    const t0 = process.hrtime.bigint();
    const r = spawnSync(NODE, [path.join(DIST_BENCH, 'gen-mix.js'), '--packets', String(packets), '--flows', String(flows),
      '--bgp-share', String(opts.bgpShare), '--seed', String(opts.seed), '--out', file],
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
    packets, flows, file, fileBytes: fs.statSync(file).size, capturedBytes: w.bytes,
    ...(generatedSeconds !== undefined ? { generatedSeconds } : {}), rows: [],
  };
}

function progress(label: string, row: Row): void {
  log(row.status === 'ok'
    ? `  ${secs(row.wallSeconds!)}, ${rate(row.packetsPerSecond!)} packets/s, peak RSS ${mib(row.peakRssMiB)}, load ${loadText(row)}`
    : `  ${label}: ${row.note ?? row.status}${row.stderrTail ? `\n    ${row.stderrTail.replace(/\n/g, '\n    ')}` : ''}`);
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
  const uptimeLines = [uptime()];
  log(uptimeLines[0]!);

  let startup: StartupResult | null = null;
  if (opts.tools.includes('startup')) {
    // Start-up runs are short: take the median of several to damp the noise of a shared host.
    const runs = Math.max(5, opts.runs);
    const sample = await walk(SAMPLE);
    const probe: SizeResult = { packets: sample.packets, flows: 0, file: SAMPLE, fileBytes: fs.statSync(SAMPLE).size, capturedBytes: sample.bytes, rows: [] };
    startup = { samplePackets: sample.packets, rows: [] };
    for (const t of STARTUP_TOOLS) {
      log(`[start-up] ${t.label} x${runs} ...`);
      const row = await runTool(t, SAMPLE, probe, runs, opts.timeoutSec);
      startup.rows.push(row);
      progress(t.label, row);
    }
  }

  const sizes: SizeResult[] = [];
  for (const n of opts.sizes) {
    const sz = await prepareCapture(n, opts);
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
      progress(t.label, row);
    }
    if (opts.tools.includes('correlate')) {
      const stem = path.join(OUT_DIR, `pair-${path.basename(sz.file, '.pcap')}`);
      const fa = `${stem}.a.pcap`, fb = `${stem}.b.pcap`;
      if (!fs.existsSync(fa) || !fs.existsSync(fb)) {
        log(`writing the correlate pair ${path.relative(ROOT, stem)}.{a,b}.pcap ...`);
        const p = writeCorrelatePair(sz.file, fa, fb);
        log(`  A ${int(p.packetsA)} packets, B ${int(p.packetsB)} (${int(p.lostAB)} of A's dropped)`);
      }
      const wa = await walk(fa), wb = await walk(fb);
      const probe: SizeResult = { packets: wa.packets + wb.packets, flows: sz.flows, file: fa, fileBytes: fs.statSync(fa).size + fs.statSync(fb).size, capturedBytes: wa.bytes + wb.bytes, rows: [] };
      log(`[${int(n)} packets] ${CORRELATE_TOOL.label}: ${int(probe.packets)} packets in the two captures ...`);
      const row = await runTool(CORRELATE_TOOL, fa, probe, opts.runs, opts.timeoutSec);
      row.note = `${int(probe.packets)} packets (A ${int(wa.packets)} + B ${int(wb.packets)})`;
      sz.rows.push(row);
      progress(CORRELATE_TOOL.label, row);
    }
    addRatios(sz.rows);
  }
  uptimeLines.push(uptime());

  const header = `## Benchmark (${[`${cpu}, ${host.cores} cores`, `Node ${process.version}`,
    short('tshark', versions['tshark'] ?? null), short('tcpdump', versions['tcpdump'] ?? null)]
    .filter((x) => x !== null).join(', ')})`;
  const mix = `Mix: \`node dist/bench/gen-mix.js --packets N --flows ${opts.flows ?? 'N×0.035'} --bgp-share ${opts.bgpShare} ` +
    `--seed ${opts.seed}\`; ${opts.runs} run(s) per tool, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.`;
  process.stdout.write(`${markdown(sizes, startup, header, mix, uptimeLines)}\n`);

  const json = {
    date: new Date().toISOString(), host, versions, rssMethod, runsPerTool: opts.runs, uptime: uptimeLines,
    mix: { flows: opts.flows, bgpShare: opts.bgpShare, seed: opts.seed },
    startup: startup?.rows ?? null,
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
