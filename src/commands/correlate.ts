// `tunnelscope correlate FILE... [--node NAME=FILE]... [--window SECONDS] [--json]`: captures from
// several nodes matched packet by packet (src/analyses/correlate).
import { realpathSync } from 'node:fs';
import { correlate, exportFingerprints, isFingerprintFile, nodeName, readTrailer, type CorrelateResult, type NodeInput } from '../analyses/correlate/index.js';
import { renderTable } from '../render/table.js';
import type { ClusterSection } from '../analyses/correlate/cluster.js';
import { loadCorrelateConfig } from '../analyses/correlate/config.js';
import { LintConfigError, type RuleOverride } from '../analyses/lint/config.js';
import { formatFinding } from '../analyses/lint/text.js';
import { selectionSpec } from '../filter/options.js';
import { DECODE_OPTIONS, Out, UsageError, decoderOptions, parse, printWarnings, stringList, type Command } from './common.js';

/** `--node NAME=FILE` options: file -> node name. */
export function parseNodeSpecs(specs: unknown): Map<string, string> {
  const named = new Map<string, string>();
  for (const spec of stringList(specs)) {
    const eq = spec.indexOf('=');
    if (eq <= 0 || eq === spec.length - 1) throw new UsageError(`--node: '${spec}' is not NAME=FILE`);
    named.set(spec.slice(eq + 1), spec.slice(0, eq));
  }
  return named;
}

/** `--window SECONDS` (default 1). */
export function parseWindow(v: unknown): number {
  if (v === undefined) return 1;
  const w = Number(v);
  if (!Number.isFinite(w) || w <= 0 || w > 3600) throw new UsageError(`--window: '${String(v)}' is not a number of seconds in (0, 3600]`);
  return w;
}

const PROTO_NAME: Record<number, string> = { 1: 'ICMP', 6: 'TCP', 17: 'UDP', 47: 'GRE', 58: 'ICMPv6', 132: 'SCTP' };

/** One line per path with loss: lostByProtocol, lostBySize, bursts and the worst lostByTime bucket, lossy parts only. */
function lossLine(p: CorrelateResult['paths'][number]): string {
  const t = p.tunnel;
  const parts: string[] = [];
  const proto = p.lostByProtocol.filter((x) => x.lost > 0)
    .map((x) => `${x.protocol === null ? 'unreadable' : PROTO_NAME[x.protocol] ?? `proto ${x.protocol}`}${x.tcpFlags ? ` ${x.tcpFlags}` : ''} ${x.lost}/${x.sent}`);
  if (proto.length) parts.push(`protocol ${proto.join(', ')}`);
  const size = p.lostBySize.filter((x) => x.lost > 0).map((x) => `<=${x.maxBytes} ${x.lost}/${x.sent}`);
  if (size.length) parts.push(`size ${size.join(', ')}`);
  const b = p.bursts;
  if (b.longest > 0) {
    parts.push(`runs ${b.runs}, longest ${b.longest}${b.longest > 1 && b.longestStart !== null ? ` (${b.longestStart.toFixed(3)}-${b.longestEnd!.toFixed(3)} s)` : ''}`);
  }
  const worst = p.lostByTime.reduce<CorrelateResult['paths'][number]['lostByTime'][number] | null>((w, x) => (x.lost > (w?.lost ?? 0) ? x : w), null);
  if (worst) parts.push(`most in ${worst.start.toFixed(3)}-${worst.end.toFixed(3)} s ${worst.lost}/${worst.sent}`);
  const id = t === null ? '' : ` ${t.vni ?? t.key ?? ''}`;
  return `  ${p.from} -> ${p.to} ${p.class}${id}: ${parts.join('; ')}`;
}

function ms(s: number | undefined | null): string {
  return s === null || s === undefined ? '-' : (s * 1000).toFixed(3);
}

export function formatCorrelateText(r: CorrelateResult): string {
  const lines: string[] = [];
  for (const n of r.nodes) {
    lines.push(`node ${n.name}: ${n.file}, ${n.packets} packets, addresses ${n.addresses.join(', ') || 'unknown'}`);
  }
  for (const c of r.clock) {
    lines.push(c.uncertainty === null
      ? `clock ${c.b} - ${c.a}: unknown (packets one way only; delays below are not corrected)`
      : `clock ${c.b} - ${c.a}: ${ms(c.offset)} ms +- ${ms(c.uncertainty)} ms (delays below are corrected by it)`);
  }
  lines.push('');
  if (r.paths.length === 0) {
    lines.push(r.overlap.every((o) => o.seconds === 0) && r.nodes.length > 1
      ? `no paths: the captures do not overlap in time (after trimming the ${r.window} s window off each edge)`
      : 'no paths: no packet was seen leaving one of these nodes toward another');
  } else {
    const head = ['from', 'to', 'class', 'vni/key', 'port', 'sent', 'received', 'lost', 'loss', 'dup', 'reord', 'p50 ms', 'p99 ms', 'max ms', 'rewrites'];
    const rows = r.paths.map((p) => {
      const t = p.tunnel;
      const rw: string[] = [];
      for (const x of p.rewrites.outerSrc) rw.push(`src ${x.from}->${x.to}`);
      for (const x of p.rewrites.outerDst) rw.push(`dst ${x.from}->${x.to}`);
      if (p.rewrites.outerSrcPort > 0) rw.push(`sport x${p.rewrites.outerSrcPort}`);
      if (p.rewrites.ttlDecrement) rw.push(`ttl -${p.rewrites.ttlDecrement}`);
      for (const x of p.rewrites.dscp) rw.push(`dscp ${x.from}->${x.to}`);
      for (const x of p.rewrites.ecn) rw.push(`ecn ${x.from}->${x.to}`);
      if (p.rewrites.fragmentedInTransit > 0) rw.push(`frag x${p.rewrites.fragmentedInTransit}`);
      for (const x of p.rewrites.mssClamp) rw.push(`mss ${x.from}->${x.to}`);
      return [p.from, p.to, p.class, t === null ? '-' : String(t.vni ?? t.key ?? '-'), t?.dstPort ?? '-', p.sent, p.received, p.lost,
        `${(p.sent === 0 ? 0 : (100 * p.lost) / p.sent).toFixed(1)}%`, p.duplicated, p.reordered,
        ms(p.delay?.p50), ms(p.delay?.p99), ms(p.delay?.max), rw.join(' ') || '-'];
    });
    lines.push(renderTable(head, rows));
    const why = r.paths.filter((p) => p.lost > 0).map(lossLine);
    if (why.length > 0) lines.push('', 'where the loss is (lost/sent):', ...why);
  }
  lines.push('');
  for (const f of r.findings) lines.push(formatFinding(f));
  if (r.findings.length === 0) lines.push('no findings');
  return lines.join('\n') + '\n';
}

/** The cluster section of `analyze` / `report` as text: per-node and cluster totals, the node x node matrix. */
export function formatClusterText(c: ClusterSection): string {
  const lines = ['', 'Cluster (packets seen at their sender and their receiver count once; see `correlate` for every path)'];
  const num = (x: number | null) => (x === null ? '-' : String(x));
  lines.push(renderTable(['node', 'file', 'addresses', 'packets', 'bytes', 'counted at another node'],
    c.nodes.map((n) => [n.name, n.file, n.addresses.join(', ') || 'unknown', n.packets, num(n.bytes), n.countedElsewhere.packets])));
  lines.push(`cluster: ${c.totals.packets} packets, ${num(c.totals.bytes)} bytes (${c.totals.countedOnce} packets seen at several nodes counted once; the nodes' sum is ${c.totals.sumOfNodes.packets} packets)`);
  if (c.matrix.length > 0) {
    lines.push('', renderTable(['from', 'to', 'packets', 'bytes', 'lost', 'loss', 'p50 ms', 'p99 ms'],
      c.matrix.map((m) => [m.from, m.to, m.packets, m.bytes, m.lost, `${((100 * m.lost) / m.packets).toFixed(1)}%`, ms(m.delayP50), ms(m.delayP99)])));
  }
  for (const f of c.findings) lines.push(formatFinding(f));
  return lines.join('\n') + '\n';
}

export const correlateCommand: Command = {
  name: 'correlate',
  summary: 'match captures from several nodes: per node pair and tunnel sent, received, lost, delay, rewrites',
  usage: 'tunnelscope correlate FILE... [options] | tunnelscope correlate FILE --export FINGERPRINTS [--node NAME=FILE]',
  options: {
    ...DECODE_OPTIONS,
    node: { type: 'string', multiple: true, arg: 'NAME=FILE', describe: "the node a capture was taken on (default: from the file name)" },
    window: { type: 'string', arg: 'SECONDS', default: '1', describe: 'how far apart in time two sightings of a packet may be (0 to 3600)' },
    sample: { type: 'string', arg: 'N', describe: 'match one packet in N (large captures)' },
    export: { type: 'string', arg: 'FILE', describe: "write this capture's fingerprints to FILE instead (the per-node pass)" },
    config: { type: 'string', arg: 'FILE', describe: "rule severities and switches, in lint's --config format" },
  },
  async run(args) {
    const p = parse(this, args, this.options);
    if (!p) return 0;
    const named = parseNodeSpecs(p.values.node);
    const files = [...p.positionals];
    for (const f of named.keys()) if (!files.includes(f)) files.push(f);
    if (files.length === 0) throw new UsageError(`no capture file given (usage: ${this.usage})`);
    if (typeof p.values.export === 'string') {
      // The per-node pass alone: one capture in, one fingerprint file out.
      if (files.length !== 1) throw new UsageError(`--export takes exactly one capture (got ${files.length})`);
      if (['filter', 'count', 'from', 'to'].some((k) => p.values[k] !== undefined)) {
        throw new UsageError('--export keeps every packet: give -Y, -c, --from and --to when correlating');
      }
      if (isFingerprintFile(files[0])) throw new UsageError(`${files[0]} is a fingerprint file already`);
      const t = await exportFingerprints(files[0], p.values.export, named.get(files[0]) ?? nodeName(files[0]), decoderOptions(p.values));
      printWarnings(t.warnings, files[0]);
      if (p.values.quiet !== true) process.stderr.write(`tunnelscope: ${p.values.export}: ${t.sightings} fingerprints of ${t.packets} packets (node ${t.node})\n`);
      return 0;
    }
    // A fingerprint file carries its node's name.
    const defaultName = (file: string) => {
      if (!isFingerprintFile(file)) return nodeName(file);
      return readTrailer(file).node;
    };
    const inputs: NodeInput[] = files.map((file) => ({ name: named.get(file) ?? defaultName(file), file }));
    // Same name twice: number them so every node stays apart.
    const seenNames = new Map<string, number>();
    for (const i of inputs) {
      const k = seenNames.get(i.name) ?? 0;
      seenNames.set(i.name, k + 1);
      if (k > 0) i.name = `${i.name}#${k + 1}`;
    }
    // The same file twice would match every packet with itself.
    const real = new Map<string, string>();
    for (const i of inputs) {
      if (i.file === '-') throw new UsageError('correlate reads files (each capture is read twice), not standard input');
      let r = i.file;
      try { r = realpathSync(i.file); } catch { /* missing: reported when read */ }
      const other = real.get(r);
      if (other !== undefined) throw new UsageError(`${i.file} is given twice (nodes ${other} and ${i.name}): give each node's own capture`);
      real.set(r, i.name);
    }
    const windowS = parseWindow(p.values.window);
    let sample: number | undefined;
    if (p.values.sample !== undefined) {
      sample = Number(p.values.sample);
      if (!Number.isInteger(sample) || sample < 1) throw new UsageError(`--sample: '${p.values.sample}' is not a whole number >= 1`);
    }
    let rules: Map<string, RuleOverride> | undefined;
    try {
      rules = typeof p.values.config === 'string' ? loadCorrelateConfig(p.values.config) : undefined;
    } catch (e) {
      if (e instanceof LintConfigError) throw new UsageError(e.message);
      throw e;
    }
    const result = await correlate(inputs, { ...decoderOptions(p.values), windowS, sample, rules, select: selectionSpec(p.values) });
    const out = new Out(p.values.json === true);
    if (p.values.json) await out.write(JSON.stringify(result) + '\n');
    else await out.write(formatCorrelateText(result));
    await out.end();
    for (const n of result.nodes) printWarnings(n.warnings, n.file);
    for (const w of result.warnings) process.stderr.write(`tunnelscope: warning: ${w}\n`);
    if (result.nodes.length > 1 && result.overlap.every((o) => o.seconds === 0)) {
      process.stderr.write(`tunnelscope: warning: the captures do not overlap in time (after trimming the ${windowS} s window off each edge): nothing to correlate\n`);
    }
    return 0;
  },
};
