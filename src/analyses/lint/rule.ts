// The interface every lint rule module implements (src/analyses/lint/rules/*.ts), and what the lint
// analysis hands them. A module holds one rule's detection, its state, the merge of that state
// across worker threads and the finding text. A module reports more than one rule only where the
// rules read one table (the tunnel-pair table, the outer-checksum counters), so the table is kept once.
//
// The analysis (src/analyses/lint/analysis.ts) walks each packet once and calls the modules' hooks for the
// events they subscribe to; per-rule match counts, first frame and first file live in one shared
// RuleCounts, and every finding object is built in one place (LintAnalysis.finish).
import type { DecodeTables } from '../../../dissectors/dissector.js';
import type { PacketState, TrafficClassId } from '../../../dissectors/packet.js';
import type { CaptureRecord } from '../../reader/record.js';
import type { PacketFacts } from '../facts.js';
import { R, type RuleIndex } from './rules.js';
import type { LintThresholds, RuleSettings } from './config.js';
import type { BgpInput, FindingDraft } from './bgp.js';
import { countsObject, ipText, type CountTable } from '../../util/tables.js';

/** Everything a rule module may read, fixed for the whole run. */
export interface LintEnv {
  readonly settings: RuleSettings;
  readonly thresholds: LintThresholds;
  /** Which UDP port is VXLAN, Geneve, ... (src/analyses/tunnel.ts udpBindings). */
  readonly tables: DecodeTables;
  /** 1 for the expected VXLAN ports (4789 and --vxlan-port). */
  readonly expectedPort: Uint8Array;
  readonly expectedPortList: readonly number[];
  /** Expected VNI ranges (--vni), or null when none were given. */
  readonly vnis: ReadonlyArray<readonly [number, number]> | null;
  /** The BGP sessions (read once, in finish), or null when the BGP analysis did not run. */
  bgp(): BgpInput | null;
  /** Scratch key words for CountTable.add (one per analysis; fill before each use). */
  readonly key: Uint32Array;
}

/** Matches per rule, with the first frame and file; shared by all modules of one analysis. */
export class RuleCounts {
  readonly count = new Float64Array(R.COUNT);
  readonly first = new Float64Array(R.COUNT);
  readonly firstFile = new Int32Array(R.COUNT);

  constructor(private readonly enabled: readonly boolean[]) {}

  on(rule: RuleIndex): boolean {
    return this.enabled[rule];
  }

  hit(rule: RuleIndex, frame: number, file: number, n = 1): void {
    if (this.count[rule] === 0) {
      this.first[rule] = frame;
      this.firstFile[rule] = file;
    }
    this.count[rule] += n;
  }

  exportState(): RuleCountsState {
    return { count: this.count.slice(), first: this.first.slice(), firstFile: this.firstFile.slice() };
  }

  mergeState(s: RuleCountsState): void {
    for (let r = 0; r < R.COUNT; r++) {
      if (s.count[r] === 0) continue;
      if (this.count[r] === 0) {
        this.first[r] = s.first[r];
        this.firstFile[r] = s.firstFile[r];
      }
      this.count[r] += s.count[r];
    }
  }
}

export interface RuleCountsState {
  count: Float64Array;
  first: Float64Array;
  firstFile: Int32Array;
}

/** One tunnel packet as the hooks see it: a single object, refilled for every packet (no allocation). */
export class TunnelView {
  st!: PacketState;
  /** Index of the tunnel layer (VXLAN, Geneve, GRE). */
  t = -1;
  /** Index of the UDP layer below a VXLAN/Geneve header, else -1. */
  udp = -1;
  /** The UDP port that selected the tunnel (destination first), 0 when not over UDP. */
  port = 0;
  sport = 0;
  frame = 0;
  file = 0;
  /** The capture says this host sent the packet (SLL outgoing or pcapng direction). */
  outgoing = false;
}

/** Receives the finished findings and the rules that could not be judged. */
export interface FindingSink {
  /** A finding for `rule`; dropped when the rule is disabled or the count is 0. */
  add(rule: RuleIndex, draft: FindingDraft): void;
  notEvaluated(rule: RuleIndex, reason: string): void;
}

/**
 * A lint rule module. Hooks are optional: the analysis calls only the modules that define one.
 * State must be plain data or typed arrays in exportState (it crosses worker threads).
 */
export interface RuleModule<S = unknown> {
  /** The rules (R.*) this module reports. */
  readonly rules: readonly RuleIndex[];
  /** An ICMP fragmentation-needed or ICMPv6 packet-too-big message at layer i (not quoted). */
  onPathMtu?(st: PacketState, i: number, family: 4 | 6, frame: number, file: number): void;
  /** An ARP packet at layer i. */
  onArp?(r: CaptureRecord, st: PacketState, i: number, file: number): void;
  /** A VXLAN packet that is VXLAN (the analysis has ruled out the payloads that only sit on a VXLAN port). */
  onVxlan?(p: TunnelView): void;
  /** UDP on a VXLAN port whose payload is not VXLAN. `short`: too short for a VXLAN header and an inner Ethernet header. */
  onNotVxlan?(port: number, short: boolean, frame: number, file: number): void;
  /** A Geneve packet. */
  onGeneve?(p: TunnelView): void;
  /** A GRE packet. */
  onGre?(p: TunnelView): void;
  /** Plain UDP on a port no dissector is bound to (layer udp). */
  onUnboundUdp?(st: PacketState, udp: number, dport: number, frame: number, file: number): void;
  /** Any tunnelled packet, after the tunnel hooks, with the sizes of src/analyses/facts.ts. */
  onEncap?(f: PacketFacts, cls: TrafficClassId, direction: number, frame: number, file: number): void;
  exportState(): S;
  mergeState(s: S): void;
  /** Adds this module's findings (and "not evaluated" notes) to `out`. */
  finish(out: FindingSink, counts: RuleCounts): void;
}

export type RuleModuleFactory = (env: LintEnv, counts: RuleCounts) => RuleModule;

// ---- helpers for finding text ------------------------------------------------------------------

export const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;

/** Per-port counters (65536 entries) as {port: count} for the ports with a count that pass `keep`. */
export function portCounts(arr: Float64Array, keep: (p: number) => boolean = () => true): Record<string, number> {
  const out: [number, number][] = [];
  for (let p = 0; p < 65536; p++) if (arr[p] > 0 && keep(p)) out.push([p, arr[p]]);
  return countsObject(out);
}

/** A sparse copy of a per-port counter array for another thread. */
export function sparsePorts(a: Float64Array): [number, number][] {
  const out: [number, number][] = [];
  for (let p = 0; p < a.length; p++) if (a[p] !== 0) out.push([p, a[p]]);
  return out;
}

export function mergeSparsePorts(into: Float64Array, s: [number, number][]): void {
  for (const [p, v] of s) into[p] += v;
}

const CLASS_NAMES = ['other', 'underlay', 'routed', 'vxlan', 'geneve', 'ipip', 'gre', 'nvgre', 'wireguard'];

/** Per-class counters as {class name: count}. */
export function classCounts(arr: Float64Array): Record<string, number> {
  const o: Record<string, number> = {};
  for (let i = 0; i < CLASS_NAMES.length; i++) if (arr[i] > 0) o[CLASS_NAMES[i]] = arr[i];
  return o;
}

/** [family, addr x4] tables as [{ip, packets, firstFrame}], top 20. */
export function addrList(t: CountTable): { ip: string; packets: number; firstFrame: number }[] {
  return t.sorted().slice(0, 20).map((e) => {
    const k = t.keyOf(e);
    return { ip: ipText(k[0], k, 1), packets: t.counts[e], firstFrame: t.first[e] };
  });
}

/** Directed pair tables ([family, src x4, dst x4]) as [{src, dst, packets}], top 20. */
export function pairList(t: CountTable): { src: string; dst: string; packets: number; firstFrame: number }[] {
  return t.sorted().slice(0, 20).map((e) => {
    const k = t.keyOf(e);
    return { src: ipText(k[0] & 255, k, 1), dst: ipText(k[0] & 255, k, 5), packets: t.counts[e], firstFrame: t.first[e] };
  });
}

/** The finding draft of a rule whose count and first frame are the rule's matches. */
export function draft(counts: RuleCounts, rule: RuleIndex, message: string, evidence: Record<string, unknown>): FindingDraft {
  return { count: counts.count[rule], firstFrame: counts.first[rule], message, evidence };
}

/**
 * A rule module that counts VXLAN packets per UDP port for the ports `matches` accepts, and when any
 * matched reports one finding built by `describe` from the {port: count} table.
 */
export function vxlanPortRule(
  counts: RuleCounts,
  rule: RuleIndex,
  matches: (port: number) => boolean,
  describe: (ports: Record<string, number>) => { message: string; evidence: Record<string, unknown> },
): RuleModule<[number, number][]> {
  const portPkts = new Float64Array(65536);
  return {
    rules: [rule],
    onVxlan(p: TunnelView): void {
      if (!matches(p.port)) return;
      portPkts[p.port]++;
      if (counts.on(rule)) counts.hit(rule, p.frame, p.file);
    },
    exportState: () => sparsePorts(portPkts),
    mergeState: (s) => mergeSparsePorts(portPkts, s),
    finish(out: FindingSink): void {
      if (counts.count[rule] === 0) return;
      const { message, evidence } = describe(portCounts(portPkts));
      out.add(rule, draft(counts, rule, message, evidence));
    },
  };
}
