// Running tshark as an oracle: one process per capture, `-T fields` output parsed into one row per
// frame, each field an ordered list of its occurrences across the packet (outer layers first).
import { execFileSync, spawn } from 'node:child_process';

let cachedPath: string | null | undefined;

/** The tshark executable, or null when it is not installed (`which tshark`). */
export function tsharkPath(): string | null {
  if (cachedPath !== undefined) return cachedPath;
  try {
    cachedPath = execFileSync('which', ['tshark'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || null;
  } catch {
    cachedPath = null;
  }
  return cachedPath;
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
  return new Promise((resolve, reject) => {
    const p = spawn(exe, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (c: Buffer) => out.push(c));
    p.stderr.on('data', (c: Buffer) => err.push(c));
    p.on('error', reject);
    p.on('close', (code) => {
      const text = Buffer.concat(out).toString('utf8');
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
      const stderr = Buffer.concat(err).toString('utf8').replace(/^Running as user "root".*\n/m, '');
      resolve({ frames, stderr, exitCode: code });
    });
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
