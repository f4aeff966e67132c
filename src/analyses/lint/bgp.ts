// The BGP facts lint and the CNI fingerprint need, as a small interface of their own, so they do
// not depend on the shape of the BGP analysis' full result. `bgpInputFrom` adapts the result of the
// 'bgp' analysis (src/analyses/bgp/) to it; tests and other callers can build a BgpInput directly.
import { notificationName } from '../../../dissectors/bgp-names.js';

export interface BgpNotificationInput {
  /** Frame number of the packet that completed the NOTIFICATION. */
  frame: number;
  /** Sender IP, when known. */
  from?: string | null;
  code: number;
  subcode: number;
  /** Human name of the code/subcode, when the producer has one. */
  name?: string | null;
}

export interface BgpSessionInput {
  /** The two peer IPs. */
  peers: [string, string];
  /** Each side's ASN (4-octet capability when present, else My AS); null when its OPEN was not seen. */
  asns?: [number | null, number | null];
  /** Each side's OPEN hold time (seconds); null when its OPEN was not seen. */
  holdTimes: [number | null, number | null];
  /** Frame of the first packet of the session. */
  firstFrame?: number | null;
  /** Frame of the later of the two OPENs, when both were seen. */
  openFrame?: number | null;
  notifications: BgpNotificationInput[];
}

export interface BgpRouteInput {
  prefix: string;
  nextHop?: string | null;
  /** Peer IP that announced it. */
  from?: string | null;
  frame?: number | null;
}

export interface BgpInput {
  sessions: BgpSessionInput[];
  /** Prefixes announced (NLRI, IPv4 and MP_REACH). */
  routes?: BgpRouteInput[];
}

export interface FindingDraft {
  count: number;
  firstFrame: number;
  message: string;
  evidence: Record<string, unknown>;
}


function minFrame(a: number, b: number | null | undefined): number {
  if (b === null || b === undefined || b <= 0) return a;
  return a === 0 ? b : Math.min(a, b);
}

/** BGP_NOTIFICATION: one finding over all sessions that saw a NOTIFICATION. */
export function bgpNotificationFinding(input: BgpInput): FindingDraft | null {
  let count = 0, first = 0;
  const sessions: Record<string, unknown>[] = [];
  const byCode = new Map<string, number>();
  for (const s of input.sessions) {
    if (s.notifications.length === 0) continue;
    const notes = s.notifications.map((n) => {
      count++;
      first = minFrame(first, n.frame);
      const name = n.name ?? notificationName(n.code, n.subcode);
      byCode.set(name, (byCode.get(name) ?? 0) + 1);
      return { frame: n.frame, from: n.from ?? null, code: n.code, subcode: n.subcode, name };
    });
    sessions.push({ peers: s.peers, notifications: notes });
  }
  if (count === 0) return null;
  const kinds = [...byCode.keys()].join(', ');
  return {
    count,
    firstFrame: first,
    message: `${count} BGP NOTIFICATION${count === 1 ? '' : 's'} (${kinds}) on ${sessions.length} session${sessions.length === 1 ? '' : 's'}: ` +
      `the routes learned over ${sessions.length === 1 ? 'it' : 'them'} are withdrawn`,
    evidence: { sessions },
  };
}

/** BGP_HOLD_TIME_MISMATCH: sessions whose two OPENs carry different hold times. */
export function bgpHoldTimeFinding(input: BgpInput): FindingDraft | null {
  let first = 0;
  const sessions: Record<string, unknown>[] = [];
  for (const s of input.sessions) {
    const [a, b] = s.holdTimes;
    if (a === null || b === null || a === b) continue;
    first = minFrame(first, s.openFrame ?? s.firstFrame ?? 0);
    sessions.push({ peers: s.peers, holdTimes: [a, b], negotiated: Math.min(a, b) });
  }
  if (sessions.length === 0) return null;
  const ex = sessions[0] as { peers: string[]; holdTimes: number[] };
  return {
    count: sessions.length,
    firstFrame: first,
    message:
      `${sessions.length} BGP session${sessions.length === 1 ? '' : 's'} with different hold times in the two OPENs ` +
      `(e.g. ${ex.peers[0]} ${ex.holdTimes[0]} s vs ${ex.peers[1]} ${ex.holdTimes[1]} s)`,
    evidence: { sessions },
  };
}

// ---- adapter from the 'bgp' analysis result -------------------------------------------------

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => x !== null && typeof x === 'object' && !Array.isArray(x);
const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
const str = (x: unknown): string | null => (typeof x === 'string' ? x : null);

function pick(o: Obj, ...names: string[]): unknown {
  for (const n of names) if (o[n] !== undefined) return o[n];
  return undefined;
}

/**
 * Builds a BgpInput from the result of the 'bgp' analysis (src/analyses/bgp/analysis.ts BgpResult: sessions
 * with `peers: [{ip, asn, holdTime, openFrame}, ...]`, `notifications` with errorCode/errorSubcode/name,
 * `holdTime.offered`, and a top-level `routes` table). Tolerant of field naming: a session has
 * its two peers as `peers` [a, b] or as `a`/`b` (or `local`/`remote`, `orig`/`resp`) objects or strings;
 * each side's OPEN as `open` with `holdTime`/`asn`; notifications as `notifications` lists (on the
 * session or on each side). Returns null when the value does not look like a BGP result.
 */
export function bgpInputFrom(result: unknown): BgpInput | null {
  if (!isObj(result)) return null;
  const rawSessions = pick(result, 'sessions');
  if (!Array.isArray(rawSessions)) return null;
  const sessions: BgpSessionInput[] = [];
  const routes: BgpRouteInput[] = [];
  for (const s of rawSessions) {
    if (!isObj(s)) continue;
    const sides: Obj[] = [];
    const peersField = pick(s, 'peers');
    if (Array.isArray(peersField) && peersField.length === 2) {
      for (const p of peersField) sides.push(isObj(p) ? p : { ip: p });
    } else {
      for (const [x, y] of [['a', 'b'], ['local', 'remote'], ['orig', 'resp'], ['client', 'server']]) {
        const A = s[x], B = s[y];
        if (A !== undefined && B !== undefined) {
          sides.push(isObj(A) ? A : { ip: A }, isObj(B) ? B : { ip: B });
          break;
        }
      }
    }
    if (sides.length !== 2) continue;
    const ip = (o: Obj) => str(pick(o, 'ip', 'address', 'addr')) ?? '?';
    const open = (o: Obj): Obj => (isObj(o.open) ? (o.open as Obj) : o);
    const hold = (o: Obj) => num(pick(open(o), 'holdTime', 'hold'));
    const asn = (o: Obj) => num(pick(open(o), 'asn', 'as'));
    const holdTimes: [number | null, number | null] = [hold(sides[0]), hold(sides[1])];
    let sessionHold = pick(s, 'holdTimes');
    const holdObj = s.holdTime;
    if (isObj(holdObj) && Array.isArray(holdObj.offered)) sessionHold = holdObj.offered;
    if (Array.isArray(sessionHold) && sessionHold.length === 2) {
      holdTimes[0] ??= num(sessionHold[0]);
      holdTimes[1] ??= num(sessionHold[1]);
    }
    const notifications: BgpNotificationInput[] = [];
    const addNotes = (list: unknown, from: string | null) => {
      if (!Array.isArray(list)) return;
      for (const n of list) {
        if (!isObj(n)) continue;
        notifications.push({
          frame: num(pick(n, 'frame', 'firstFrame')) ?? 0,
          from: str(pick(n, 'from', 'sender', 'src')) ?? from,
          code: num(pick(n, 'errorCode', 'code')) ?? 0,
          subcode: num(pick(n, 'errorSubcode', 'subcode')) ?? 0,
          name: str(pick(n, 'name', 'text', 'description')),
        });
      }
    };
    addNotes(pick(s, 'notifications'), null);
    addNotes(sides[0].notifications, ip(sides[0]));
    addNotes(sides[1].notifications, ip(sides[1]));
    const openFrames = [num(pick(open(sides[0]), 'openFrame', 'frame')), num(pick(open(sides[1]), 'openFrame', 'frame'))];
    sessions.push({
      peers: [ip(sides[0]), ip(sides[1])],
      asns: [asn(sides[0]), asn(sides[1])],
      holdTimes,
      firstFrame: num(pick(s, 'firstFrame')),
      openFrame: openFrames[0] !== null && openFrames[1] !== null ? Math.max(openFrames[0], openFrames[1]) : num(pick(s, 'firstFrame')),
      notifications,
    });
    const sessRoutes = pick(s, 'routes', 'announced');
    collectRoutes(sessRoutes, routes);
    collectRoutes(sides[0].routes ?? sides[0].announced, routes, ip(sides[0]));
    collectRoutes(sides[1].routes ?? sides[1].announced, routes, ip(sides[1]));
  }
  collectRoutes(pick(result, 'routes', 'announced'), routes);
  return { sessions, routes };
}

function collectRoutes(list: unknown, out: BgpRouteInput[], from: string | null = null): void {
  if (isObj(list)) {
    // { announced: [...], withdrawn: [...] }
    collectRoutes(list.announced, out, from);
    return;
  }
  if (!Array.isArray(list)) return;
  for (const r of list) {
    if (typeof r === 'string') out.push({ prefix: r, from });
    else if (isObj(r)) {
      // A route table entry that was never announced (only withdrawn) is no announcement.
      if (typeof r.announcements === 'number' && r.announcements === 0) continue;
      const prefix = str(pick(r, 'prefix', 'nlri', 'route'));
      if (prefix) out.push({ prefix, nextHop: str(pick(r, 'nextHop')), from: str(pick(r, 'from', 'peer')) ?? from, frame: num(pick(r, 'frame')) });
    }
  }
}
