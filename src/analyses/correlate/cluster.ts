// The cluster view of `analyze` and `report` over captures from several nodes: per-node totals,
// cluster totals that count a packet seen at its sender and at its receiver once, and a node x node
// matrix (bytes, loss, delay). It is computed by `correlate` over the same files after the analyze
// run (it reads them again), so analyze's own passes are unchanged.
import { realpathSync, statSync } from 'node:fs';
import { correlateNodes, nodeName, type CorrelateOptions, type CorrelateResult, type NodeInput, type NodeJson } from './index.js';
import type { PathStats } from './paths.js';
import { percentile } from './paths.js';
import type { PairClock } from './clock.js';

/** One cell of the node x node matrix: everything `from` sent toward `to` over all its paths. */
export interface MatrixCell {
  from: string;
  to: string;
  /** Packets sent (within the time both captures cover) and outer IP bytes of them. */
  packets: number;
  bytes: number;
  received: number;
  lost: number;
  /** Outer IP bytes of the packets lost. */
  bytesLost: number;
  /** Seconds, clock-corrected when the pair's offset is known; null when nothing arrived. */
  delayP50: number | null;
  delayP99: number | null;
  clockCorrected: boolean;
}

export interface ClusterSection {
  /** Each node's own totals, and of them the records counted at another node in the cluster totals. */
  nodes: Pick<NodeJson, 'name' | 'file' | 'addresses' | 'packets' | 'bytes' | 'countedElsewhere'>[];
  totals: {
    /** Records in all captures with every packet seen at several nodes counted once, and their wire bytes. */
    packets: number;
    bytes: number | null;
    /** Packets seen at more than one node (each counted once above). */
    countedOnce: number;
    /** The plain sums over the nodes' captures (what summary.packets / wireBytes count). */
    sumOfNodes: { packets: number; bytes: number | null };
  };
  matrix: MatrixCell[];
  clock: CorrelateResult['clock'];
  /** correlate's paths (with the loss breakdowns) and findings. */
  paths: CorrelateResult['paths'];
  findings: CorrelateResult['findings'];
  window: number;
  overlap: CorrelateResult['overlap'];
  warnings: string[];
}

/** The matrix from correlate's per-path counters: paths of one node pair summed, delays merged. */
export function pairMatrix(paths: readonly PathStats[], names: readonly string[], clock: PairClock): MatrixCell[] {
  const byPair = new Map<number, PathStats[]>();
  for (const p of paths) {
    const k = p.from * 65536 + p.to;
    const l = byPair.get(k);
    if (l) l.push(p); else byPair.set(k, [p]);
  }
  const out: MatrixCell[] = [];
  for (const [k, list] of [...byPair].sort((a, b) => a[0] - b[0])) {
    const from = Math.floor(k / 65536), to = k % 65536;
    let packets = 0, bytes = 0, received = 0, lost = 0, bytesLost = 0, n = 0;
    for (const p of list) {
      packets += p.sent; received += p.received; lost += p.lost; n += p.delayCount;
      for (const [size, c] of p.sizeSent) bytes += size * c;
      for (const [size, c] of p.sizeLost) bytesLost += size * c;
    }
    if (packets === 0) continue;
    const correction = clock.correctionNs(from, to);
    const corrected = !Number.isNaN(correction);
    const d = new Float64Array(n);
    let i = 0;
    for (const p of list) for (let j = 0; j < p.delayCount; j++) d[i++] = p.delays[j] - (corrected ? correction : 0);
    d.sort();
    out.push({
      from: names[from], to: names[to], packets, bytes, received, lost, bytesLost,
      delayP50: n ? percentile(d, 0.5) / 1e9 : null, delayP99: n ? percentile(d, 0.99) / 1e9 : null, clockCorrected: corrected,
    });
  }
  return out;
}

/** The `cluster` section from a correlate result. */
export function clusterSection(r: CorrelateResult): ClusterSection {
  const nodes = r.nodes.map((n) => ({
    name: n.name, file: n.file, addresses: n.addresses, packets: n.packets, bytes: n.bytes, countedElsewhere: n.countedElsewhere,
  }));
  const sumPackets = nodes.reduce((s, n) => s + n.packets, 0);
  const sumBytes = nodes.some((n) => n.bytes === null) ? null : nodes.reduce((s, n) => s + (n.bytes ?? 0), 0);
  const repeatPackets = nodes.reduce((s, n) => s + n.countedElsewhere.packets, 0);
  const repeatBytes = nodes.reduce((s, n) => s + n.countedElsewhere.bytes, 0);
  return {
    nodes,
    totals: {
      packets: sumPackets - repeatPackets,
      bytes: sumBytes === null ? null : sumBytes - repeatBytes,
      countedOnce: r.countedOnce,
      sumOfNodes: { packets: sumPackets, bytes: sumBytes },
    },
    matrix: r.matrix,
    clock: r.clock,
    paths: r.paths,
    findings: r.findings,
    window: r.window,
    overlap: r.overlap,
    warnings: [
      ...r.warnings, ...r.nodes.flatMap((n) => n.warnings.map((w) => `${n.name}: ${w}`)),
      ...(r.nodes.length > 1 && r.overlap.every((o) => o.seconds === 0)
        ? [`the captures do not overlap in time (after trimming the ${r.window} s window off each edge): no packet is matched between the nodes`] : []),
    ],
  };
}

/**
 * The nodes behind analyze's inputs: `--node NAME=FILE` names some (files only named there are
 * added to the inputs by the caller); the others are named after their files. Null when there are
 * fewer than two files, the same file is given twice, or one is no regular file (standard input, a
 * FIFO: correlate reads every input twice more, after analyze).
 */
export function clusterInputs(files: readonly string[], named: ReadonlyMap<string, string>): NodeInput[] | null {
  if (files.length < 2 || files.includes('-')) return null;
  const real = new Set<string>();
  for (const f of files) {
    let r = f;
    try {
      r = realpathSync(f);
      if (!statSync(r).isFile()) return null;
    } catch { return null; }
    if (real.has(r)) return null;
    real.add(r);
  }
  const inputs = files.map((file) => ({ name: named.get(file) ?? nodeName(file), file }));
  const seen = new Map<string, number>();
  for (const i of inputs) {
    const k = seen.get(i.name) ?? 0;
    seen.set(i.name, k + 1);
    if (k > 0) i.name = `${i.name}#${k + 1}`;
  }
  return inputs;
}

/**
 * The cluster section for analyze/report, or null when the files are not captures of distinct
 * nodes. With `--node` given the files are taken as nodes; else they must show it: every file has an
 * address of its own, none shared (a capture split into several files is one node, not a cluster).
 */
export async function clusterView(files: readonly string[], named: ReadonlyMap<string, string>, opts: CorrelateOptions = {}): Promise<ClusterSection | null> {
  const inputs = clusterInputs(files, named);
  if (inputs === null) return null;
  const r = await correlateNodes(inputs, { ...opts, requireDistinctNodes: named.size === 0 });
  return r === null ? null : clusterSection(r);
}
