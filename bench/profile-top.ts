// Top self-time entries of V8 CPU profiles (`node --cpu-prof`, one .cpuprofile per thread: the
// main thread and each worker). Self time of a function = the sampling intervals whose sample
// landed in it, summed over every call site with the same name, file and line.
//
//   node --cpu-prof --cpu-prof-dir bench/out/prof bin/tunnelscope.js analyze FILE --json > /dev/null
//   node dist/bench/profile-top.js [--top N] bench/out/prof/*.cpuprofile

import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number; // 0-based
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number; // µs
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface SelfTimeEntry {
  name: string;
  /** file:line (1-based) relative to the repository, or empty for V8's pseudo-frames. */
  where: string;
  selfMs: number;
  share: number;
}

export interface ProfileSummary {
  file: string;
  /** Sum of the sampling intervals outside (idle), ms: the shares are of this. */
  sampledMs: number;
  /** Sampling intervals in (idle): the thread waited (for the file, a worker, a message). */
  idleMs: number;
  top: SelfTimeEntry[];
}

function shortUrl(url: string): string {
  if (url === '') return '';
  const p = url.startsWith('file://') ? new URL(url).pathname : url;
  const i = p.lastIndexOf('/dist/');
  return i >= 0 ? p.slice(i + 1) : p.startsWith('node:') ? p : path.basename(p);
}

export function summarize(file: string, topN: number): ProfileSummary {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  for (const n of prof.nodes) byId.set(n.id, n);
  const self = new Map<string, { name: string; where: string; us: number }>();
  const samples = prof.samples ?? [];
  const deltas = prof.timeDeltas ?? [];
  let total = 0;
  let idle = 0;
  // timeDeltas[i] is the time from sample i-1 to sample i: the interval that ends at sample i
  // is charged to the frame sampled at i, as Chrome DevTools does.
  for (let i = 0; i < samples.length; i++) {
    const node = byId.get(samples[i]!);
    const dt = Math.max(0, deltas[i] ?? 0);
    if (node === undefined) continue;
    const cf = node.callFrame;
    if (cf.functionName === '(idle)') idle += dt;
    else total += dt;
    const where = cf.url === '' ? '' : `${shortUrl(cf.url)}:${cf.lineNumber + 1}`;
    const name = cf.functionName === '' ? '(anonymous)' : cf.functionName;
    const key = `${name}\u0000${where}`;
    const e = self.get(key);
    if (e === undefined) self.set(key, { name, where, us: dt });
    else e.us += dt;
  }
  const top = [...self.values()]
    .filter((e) => e.name !== '(idle)')
    .sort((a, b) => b.us - a.us)
    .slice(0, topN)
    .map((e) => ({ name: e.name, where: e.where, selfMs: e.us / 1000, share: total > 0 ? e.us / total : 0 }));
  return { file, sampledMs: total / 1000, idleMs: idle / 1000, top };
}

export function markdownTable(s: ProfileSummary, title: string): string {
  const lines = [`${title}: ${(s.sampledMs / 1000).toFixed(2)} s of busy samples (${(s.idleMs / 1000).toFixed(2)} s idle)`, '',
    '| # | Self time | Share | Function | Where |', '|---:|---:|---:|---|---|'];
  s.top.forEach((e, i) => {
    lines.push(`| ${i + 1} | ${(e.selfMs / 1000).toFixed(2)} s | ${(100 * e.share).toFixed(1)} % | \`${e.name}\` | ${e.where === '' ? '' : `\`${e.where}\``} |`);
  });
  return lines.join('\n');
}

function main(argv: string[]): void {
  let top = 10;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--top') top = Number(argv[++i]);
    else files.push(argv[i]!);
  }
  if (files.length === 0 || !Number.isSafeInteger(top) || top < 1) {
    process.stderr.write('usage: profile-top [--top N] FILE.cpuprofile...\n');
    process.exit(2);
  }
  // Node names them CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile: thread 0 is the main one.
  for (const f of files) {
    const tid = /\.\d+\.(\d+)\.\d+\.cpuprofile$/.exec(f)?.[1];
    const title = tid === undefined ? path.basename(f) : tid === '0' ? 'Main thread' : `Worker thread ${tid}`;
    process.stdout.write(`${markdownTable(summarize(f, top), title)}\n\n`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2));
}
