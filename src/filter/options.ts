// The packet selection every capture-reading command applies: `-Y/--filter EXPR`, `-c/--count N`
// and `--from`/`--to`, turned into one object. The read loops ask `accept(r, st)` for each decoded
// packet and hand on only the accepted ones; the capture's own frame numbers are kept.
//
// - The count and the relative times are per file: `-c 10` gives at most 10 packets of each file,
//   `--from +30s` starts 30 s after the first packet of each file (as tshark's frame.time_relative).
// - `--from` is inclusive and `--to` exclusive, as editcap's -A and -B.
// - Once `-c` packets were accepted, `stopSignal()` ends the reading of that file.
import { extractFacts, PacketFacts } from '../analyses/facts.js';
import type { PacketState } from '../../dissectors/packet.js';
import type { CaptureRecord } from '../reader/record.js';
import type { StopSignal } from '../reader/capture.js';
import { BgpTracker } from '../analyses/bgp/tracker.js';
import type { DecodeTables } from '../../dissectors/dissector.js';
import { FilterError } from './lexer.js';
import { UsageError } from '../commands/common.js';
import { compileFilter, type CompiledFilter } from './compile.js';
import type { FilterEnv } from './fields.js';

/** The selection as plain data (it crosses to worker threads as is). */
export interface SelectionSpec {
  filter?: string;
  count?: number;
  from?: string;
  to?: string;
}

/** Whether a spec selects anything (an empty one leaves every packet in). */
export function selects(spec: SelectionSpec | undefined): boolean {
  return spec !== undefined && (spec.filter !== undefined || spec.count !== undefined || spec.from !== undefined || spec.to !== undefined);
}

/** A time bound: absolute (epoch seconds and nanoseconds) or relative to the file's first packet. */
interface TimeBound { relative: boolean; sec: number; nsec: number }

/** A mistake in a selection option, with the option's name and, for filters, the column. */
export class SelectionError extends Error {}

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9, d: 86400e9 };

/** RFC 3339 ("2024-05-01T12:00:00.5Z", "+02:00" offsets), epoch seconds ("1714564800.5") or "+30s", "+2m", "+1h30m". */
export function parseTimeBound(s: string, flag: string): TimeBound {
  const bad = () => new SelectionError(`${flag}: '${s}' is not a time (RFC 3339 like 2024-05-01T12:00:00Z, epoch seconds, or +30s / +2m / +1h relative to the first packet)`);
  if (s.startsWith('+')) {
    const parts = s.slice(1).match(/([0-9]+(?:\.[0-9]+)?)(ns|us|ms|s|m|h|d)?/g);
    if (!parts || parts.join('') !== s.slice(1)) throw bad();
    let ns = 0;
    for (const p of parts) {
      const m = /^([0-9]+(?:\.[0-9]+)?)(ns|us|ms|s|m|h|d)?$/.exec(p)!;
      ns += Number(m[1]) * UNIT_NS[m[2] ?? 's'];
    }
    if (!Number.isFinite(ns)) throw bad();
    const sec = Math.floor(ns / 1e9);
    return { relative: true, sec, nsec: Math.round(ns - sec * 1e9) };
  }
  const epoch = /^([0-9]{1,12})(?:\.([0-9]{1,9}))?$/.exec(s);
  if (epoch) return { relative: false, sec: Number(epoch[1]), nsec: Number((epoch[2] ?? '').padEnd(9, '0')) };
  const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?(Z|z|[+-][0-9]{2}:[0-9]{2})$/.exec(s);
  if (!m) throw bad();
  const [y, mo, d, h, mi, se] = [1, 2, 3, 4, 5, 6].map((k) => Number(m[k]));
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) throw bad();
  let sec = Date.UTC(y, mo - 1, d, h, mi, se) / 1000;
  if (m[8] !== 'Z' && m[8] !== 'z') {
    const sign = m[8][0] === '-' ? -1 : 1;
    sec -= sign * (Number(m[8].slice(1, 3)) * 3600 + Number(m[8].slice(4, 6)) * 60);
  }
  return { relative: false, sec, nsec: Number((m[7] ?? '').padEnd(9, '0')) };
}

/** The filter error as the lines a user reads: the message, the expression, a caret under the column. */
export function filterErrorText(flag: string, expr: string, e: FilterError): string {
  const pad = ' '.repeat(e.column);
  const marks = '^' + '~'.repeat(Math.max(0, Math.min(e.length, expr.length - e.column) - 1));
  return `${flag}: ${e.message} (column ${e.column + 1})\n  ${expr}\n  ${pad}${marks}`;
}

export class Selection {
  /** Whether anything is selected at all (else accept() is always true and costs nothing). */
  readonly active: boolean;
  readonly filter: CompiledFilter | null;
  readonly count: number;
  private readonly from: TimeBound | null;
  private readonly to: TimeBound | null;
  private readonly env: FilterEnv;
  private accepted = 0;
  private firstSeen = false;
  /** The BGP reassembly the filter's `bgp` fields read, when no caller lends one. */
  private ownBgp: BgpTracker | null = null;
  private lentBgp: BgpTracker | null = null;

  /** `tables`: the decoder's binding, whose TCP ports the filter's own BGP reassembly follows (default: 179 only). */
  constructor(readonly spec: SelectionSpec = {}, private readonly tables?: DecodeTables) {
    this.env = {
      firstSec: 0, firstNsec: 0, facts: new PacketFacts(),
      bgpLayers: (frame: number) => (this.lentBgp ?? this.ownBgp)?.layersFor(frame) ?? null,
    };
    if (spec.filter !== undefined) {
      try {
        this.filter = compileFilter(spec.filter, this.env);
      } catch (e) {
        if (e instanceof FilterError) throw new SelectionError(filterErrorText('-Y', spec.filter, e));
        throw e;
      }
      if (this.filter.needsBgp) this.ownBgp = new BgpTracker({ layers: true, tables: this.tables });
    } else {
      this.filter = null;
    }
    this.count = spec.count ?? Infinity;
    this.from = spec.from !== undefined ? parseTimeBound(spec.from, '--from') : null;
    this.to = spec.to !== undefined ? parseTimeBound(spec.to, '--to') : null;
    this.active = this.filter !== null || this.from !== null || this.to !== null || this.count !== Infinity;
  }

  /**
   * Lets the filter's `bgp` fields read a BGP tracker (with layers) the caller already feeds every
   * packet before asking accept(), instead of reassembling a second time.
   */
  useBgpTracker(t: BgpTracker): void {
    this.lentBgp = t;
    this.ownBgp = null;
  }

  /** Call at the start of each file: the count and the relative time start again. */
  startFile(): void {
    this.accepted = 0;
    this.firstSeen = false;
  }

  /** Whether `-c` is reached for this file (nothing more will be accepted). */
  get done(): boolean {
    return this.accepted >= this.count;
  }

  /**
   * The reader's record limit, when the selection is only a count (then the reader stops exactly
   * there, and the file's packet count is the count); else undefined.
   */
  readLimit(): number | undefined {
    return this.filter === null && this.from === null && this.to === null && this.count !== Infinity ? this.count : undefined;
  }

  /** A stop signal for the reader: `base` (Ctrl-C) or `-c` reached. */
  stopSignal(base: StopSignal | undefined): StopSignal | undefined {
    if (this.count === Infinity) return base;
    const sel = this;
    return {
      get aborted() { return sel.done || base?.aborted === true; },
      addEventListener: base?.addEventListener?.bind(base),
      removeEventListener: base?.removeEventListener?.bind(base),
    };
  }

  /** Whether the decoded packet is selected. Call once per packet, in capture order. */
  accept(r: CaptureRecord, st: PacketState): boolean {
    if (!this.active) return true;
    const env = this.env;
    if (!this.firstSeen) {
      this.firstSeen = true;
      env.firstSec = r.tsSec;
      env.firstNsec = r.tsNsec;
    }
    // Reassembly needs every packet, selected or not.
    if (this.ownBgp !== null) this.ownBgp.onPacket(r, st);
    if (this.accepted >= this.count) return false;
    if (this.from !== null && before(r, this.from, env)) return false;
    if (this.to !== null && !before(r, this.to, env)) return false;
    const f = this.filter;
    if (f !== null) {
      if (f.needsFacts) extractFacts(st, r.len, env.facts);
      if (!f.test(r, st)) return false;
    }
    this.accepted++;
    return true;
  }
}

/** The packet's timestamp is before the bound. */
function before(r: CaptureRecord, b: TimeBound, env: FilterEnv): boolean {
  let sec = b.sec, nsec = b.nsec;
  if (b.relative) {
    sec += env.firstSec;
    nsec += env.firstNsec;
    if (nsec >= 1e9) { sec++; nsec -= 1e9; }
  }
  return r.tsSec < sec || (r.tsSec === sec && r.tsNsec < nsec);
}

/**
 * The selection options of a command line (`-Y/--filter`, `-c/--count`, `--from`, `--to`) as a
 * SelectionSpec, checked now: a bad expression or time is a usage error before any file is read.
 */
export function selectionSpec(values: Record<string, unknown>): SelectionSpec {
  const spec: SelectionSpec = {};
  if (values.filter !== undefined) spec.filter = String(values.filter);
  if (values.count !== undefined) {
    const s = String(values.count);
    const n = /^[0-9]{1,16}$/.test(s) ? Number(s) : NaN;
    if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`-c: '${s}' is not a whole number from 1 to ${Number.MAX_SAFE_INTEGER}`);
    spec.count = n;
  }
  if (values.from !== undefined) spec.from = String(values.from);
  if (values.to !== undefined) spec.to = String(values.to);
  try {
    new Selection(spec);
  } catch (e) {
    if (e instanceof SelectionError) throw new UsageError(e.message);
    throw e;
  }
  return spec;
}
