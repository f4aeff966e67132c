// Running tshark as an oracle: one process per capture, `-T fields` output parsed into one row per
// frame, each field an ordered list of its occurrences across the packet (outer layers first).
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const whichCache = new Map<string, string | null>();

/** The path of executable `name` (`which name`, looked up once), or null when it is not installed. */
function which(name: string): string | null {
  let path = whichCache.get(name);
  if (path === undefined) {
    try {
      path = execFileSync('which', [name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || null;
    } catch {
      path = null;
    }
    whichCache.set(name, path);
  }
  return path;
}

/** The tshark executable, or null when it is not installed (`which tshark`). */
export function tsharkPath(): string | null {
  return which('tshark');
}

/** tshark's version string ("4.0.17"), or null. */
export function tsharkVersion(): string | null {
  const p = tsharkPath();
  if (!p) return null;
  try {
    const out = execFileSync(p, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return /TShark \(Wireshark\) (\S+)/.exec(out)?.[1] ?? null;
  } catch {
    return null;
  }
}

/** One frame as tshark sees it: field name -> occurrences in tree order. */
export interface TsharkFrame {
  frame: number;
  fields: Map<string, string[]>;
}

export interface TsharkRun {
  frames: TsharkFrame[];
  stderr: string;
  exitCode: number | null;
}

/**
 * Preferences that make tshark dissect each frame on its own, as tunnelscope does: no IP
 * reassembly (fragments stay fragments) and no TCP desegmentation.
 */
export const TSHARK_PER_FRAME_PREFS = [
  '-o', 'ip.defragment:FALSE',
  '-o', 'ipv6.defragment:FALSE',
  '-o', 'tcp.desegment_tcp_streams:FALSE',
];

/** Decode-as rules for tunnelscope's default VXLAN ports beyond tshark's own (4789). */
export const TSHARK_DEFAULT_DECODE_AS = ['udp.port==8472,vxlan', 'udp.port==6784,vxlan'];

/**
 * Runs `tshark -r file -T fields` once for the given fields. `-n`: no name resolution (faster,
 * and addresses stay numeric). The frame number is always requested first.
 */
export function runTshark(file: string, fields: readonly string[], opts: { decodeAs?: readonly string[]; extraArgs?: readonly string[] } = {}): Promise<TsharkRun> {
  const exe = tsharkPath();
  if (!exe) return Promise.reject(new Error('tshark is not installed'));
  const all = ['frame.number', ...fields.filter((f) => f !== 'frame.number')];
  const args = [
    '-n', '-r', file, '-T', 'fields',
    '-E', 'occurrence=a', '-E', 'aggregator=,', '-E', 'separator=/t', '-E', 'header=n',
    ...TSHARK_PER_FRAME_PREFS,
    ...(opts.decodeAs ?? TSHARK_DEFAULT_DECODE_AS).flatMap((d) => ['-d', d]),
    ...(opts.extraArgs ?? []),
    ...all.flatMap((f) => ['-e', f]),
  ];
  return spawnTshark(exe, args).then(({ stdout: text, stderr, code }) => {
    const frames: TsharkFrame[] = [];
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const cols = line.split('\t');
      const fmap = new Map<string, string[]>();
      for (let k = 0; k < all.length; k++) {
        const v = cols[k] ?? '';
        fmap.set(all[k], v === '' ? [] : v.split(','));
      }
      frames.push({ frame: Number(cols[0]), fields: fmap });
    }
    return { frames, stderr, exitCode: code };
  });
}

/** Runs tshark to its end: all of stdout, and stderr without the "Running as user root" line. */
function spawnTshark(exe: string, args: readonly string[]): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const p = spawn(exe, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (c: Buffer) => out.push(c));
    p.stderr.on('data', (c: Buffer) => err.push(c));
    p.on('error', reject);
    p.on('close', (code) => resolve({
      stdout: Buffer.concat(out).toString('utf8'),
      stderr: Buffer.concat(err).toString('utf8').replace(/^Running as user "root".*\n/m, ''),
      code,
    }));
  });
}

/** Runs `task` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      results[i] = await task(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const FRAMES_PER_FILTER_LUA = fileURLToPath(new URL('./frames-per-filter.lua', import.meta.url));

export interface FilterPass {
  /** For each filter, the frames it matches, in order (as `tshark -Y FILTER -T fields -e frame.number`). */
  frames: number[][];
  /** The `-T fields` rows of the same pass: frame number, then `fields` in order. */
  rows: string[][];
}

/**
 * Many display filters over one capture in ONE tshark pass: a Lua tap per filter
 * (frames-per-filter.lua) reports the frames it matches, as `-Y` would, without starting tshark
 * once per filter (start-up is most of tshark's time on small captures). `fields` are printed
 * for every frame in the same pass. A filter tshark rejects is an error.
 */
export function tsharkFilterPass(file: string, filters: readonly string[], opts: { args?: readonly string[]; fields?: readonly string[] } = {}): Promise<FilterPass> {
  const exe = tsharkPath();
  if (!exe) return Promise.reject(new Error('tshark is not installed'));
  for (const f of filters) if (/[\r\n]/.test(f)) return Promise.reject(new Error(`a filter with a line break cannot be passed: ${JSON.stringify(f)}`));
  const dir = mkdtempSync(join(tmpdir(), 'tshark-filters-'));
  const list = join(dir, 'filters.txt');
  writeFileSync(list, filters.map((f) => `${f}\n`).join(''));
  const fields = opts.fields ?? [];
  const args = ['-n', '-r', file, ...(opts.args ?? []), '-X', `lua_script:${FRAMES_PER_FILTER_LUA}`, '-X', `lua_script1:${list}`,
    '-T', 'fields', '-E', 'separator=/t', '-e', 'frame.number', ...fields.flatMap((f) => ['-e', f])];
  return spawnTshark(exe, args).then(({ stdout, stderr, code }): FilterPass => {
    if (code !== 0) throw new Error(`tshark ${args.join(' ')} failed (${code}): ${stderr}`);
    const frames = filters.map(() => [] as number[]);
    const rows: string[][] = [];
    const errors: string[] = [];
    for (const line of stdout.split('\n')) {
      if (line === '') continue;
      const cols = line.split('\t');
      // The taps' lines start with "match" (see the script); the rest are the -T fields rows.
      if (cols[0] === 'match') frames[Number(cols[1]) - 1].push(Number(cols[2]));
      else if (cols[0] === 'ERROR') errors.push(`${filters[Number(cols[1]) - 1]}: ${cols.slice(2).join(' ')}`);
      else rows.push(cols);
    }
    if (errors.length) throw new Error(`tshark rejected filters: ${errors.join('; ')}`);
    // A Lua script that failed to load prints to stderr and lets tshark run on: no tap, no match.
    if (/lua/i.test(stderr)) throw new Error(`tshark's Lua script failed: ${stderr}`);
    return { frames, rows };
  }).finally(() => rmSync(dir, { recursive: true, force: true }));
}

/** The mergecap executable (Wireshark's), or null when it is not installed. */
export function mergecapPath(): string | null {
  return which('mergecap');
}

/** Classic pcap (either byte order, micro- or nanoseconds): one link type, one interface per file. */
export function isClassicPcap(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(4);
    if (readSync(fd, b, 0, 4, 0) !== 4) return false;
    return [0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1].includes(b.readUInt32BE(0));
  } finally {
    closeSync(fd);
  }
}

function mergecapOnce(files: readonly string[], out: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(mergecapPath()!, ['-a', '-I', 'none', '-F', 'pcapng', '-w', out, ...files], { stdio: ['ignore', 'ignore', 'pipe'] });
    const err: Buffer[] = [];
    p.stderr.on('data', (c: Buffer) => err.push(c));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stderr: Buffer.concat(err).toString('utf8') }));
  });
}

/**
 * runTshark for many classic pcap files in ONE tshark process (its start-up, not the packets, is
 * most of the time on small captures): `mergecap -a -I none` appends the files into one pcapng
 * with one interface per file, in order, and each frame's frame.interface_id says which file it
 * came from; frames are numbered again from 1 per file. The result per file is what runTshark gives
 * for that file alone (test/oracle.test.ts compares the two once in a while: see ORACLE_CHECK_MERGE).
 * When mergecap does not take the set cleanly (a damaged file), every file runs on its own.
 */
export async function runTsharkMerged(files: readonly string[], fields: readonly string[], opts: { decodeAs?: readonly string[] } = {}): Promise<Map<string, TsharkRun>> {
  const result = new Map<string, TsharkRun>();
  const alone = async () => {
    for (const f of files) result.set(f, await runTshark(f, fields, opts));
    return result;
  };
  if (files.length === 1 || !mergecapPath() || !files.every(isClassicPcap)) return alone();
  const dir = mkdtempSync(join(tmpdir(), 'tshark-merged-'));
  try {
    const merged = join(dir, 'merged.pcapng');
    const m = await mergecapOnce(files, merged);
    const mergeErr = m.stderr.replace(/^Running as user "root".*\n/m, '').trim();
    if (m.code !== 0 || mergeErr !== '') return await alone();
    const run = await runTshark(merged, [...fields, 'frame.interface_id'], opts);
    const perFile = files.map(() => [] as TsharkFrame[]);
    for (const t of run.frames) {
      const id = Number(t.fields.get('frame.interface_id')?.[0]);
      if (!Number.isInteger(id) || id < 0 || id >= files.length) throw new Error(`merged capture: frame ${t.frame} has interface id ${String(id)} of ${files.length} files`);
      t.fields.delete('frame.interface_id');
      const list = perFile[id];
      t.frame = list.length + 1;
      t.fields.set('frame.number', [String(t.frame)]);
      list.push(t);
    }
    files.forEach((f, i) => result.set(f, { frames: perFile[i], stderr: run.stderr, exitCode: run.exitCode }));
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

