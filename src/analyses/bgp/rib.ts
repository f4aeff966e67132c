// The routes seen in a capture: a table keyed by (speaker, receiving peer, prefix, path id)
// holding each route's latest attributes and status, plus a chronological log of the
// announcements and withdrawals (bounded). Fed with parsed UPDATEs in stream order.
//
// Stored compactly, for full Internet tables: a route is one entry of a KeyTable (the prefix as
// numbers, no string) with its counters and times in typed-array columns, and an index into a
// list of interned attribute sets (the routes of one UPDATE share theirs). About 120 bytes per
// route; RouteJson objects are built only by list(), for the routes asked for.
import { parseCidr, parseIp } from '../../util/cidr.js';
import { ipv4String, ipv6String } from '../../../dissectors/packet.js';
import { KeyTable } from '../../util/keytable.js';
import { formatTimestamp } from '../../reader/record.js';
import {
  asPathString, effectiveAsPathSegments, flattenAsPath, mpReachAll, mpUnreachAll, type AsPathElement, type BgpUpdate,
} from '../../../dissectors/bgp-message.js';
import type { PacketTime } from './tracker.js';

export type RouteStatus = 'announced' | 'withdrawn' | 'session-down';

export interface RouteAttributes {
  nextHop: string | null;
  /** Further next hops of MP_REACH_NLRI (an IPv6 link-local one). */
  nextHops?: string[];
  /** The real AS path (AS4_PATH merged in when needed), AS_SETs nested. */
  asPath: AsPathElement[];
  asPathString: string;
  origin: string | null;
  med: number | null;
  localPref: number | null;
  communities: string[];
  largeCommunities: string[];
  extendedCommunities: string[];
  originatorId: string | null;
  clusterList: string[];
  atomicAggregate: boolean;
  aggregator: { asn: number; address: string } | null;
}

export interface RouteJson extends Partial<RouteAttributes> {
  prefix: string;
  family: string;
  pathId?: number;
  /** The BGP speaker that sent the UPDATE (who announced or withdrew the route). */
  from: string;
  /** The peer that received it. */
  to: string;
  status: RouteStatus;
  /** Frame of the latest announcement or withdrawal. */
  frame: number;
  announcements: number;
  withdrawals: number;
  firstAnnouncedTs: string | null;
  lastAnnouncedTs: string | null;
  lastAnnouncedFrame: number | null;
  withdrawnTs: string | null;
  withdrawnFrame: number | null;
}

export interface RouteEventJson extends Partial<RouteAttributes> {
  frame: number;
  ts: string;
  action: 'announce' | 'withdraw' | 'session-down';
  prefix: string;
  family: string;
  pathId?: number;
  from: string;
  to: string;
}

export const MAX_ROUTE_EVENTS = 100_000;
/** Routes held in the table (a full IPv4 + IPv6 table fits); announcements of further new routes are counted, not stored. */
export const MAX_ROUTES = 2_000_000;
/** Routes and announced prefixes `bgp --json` and `analyze --json` list unless asked for all (--all-routes). */
export const MAX_LISTED_ROUTES = 10_000;

const STATUS: readonly RouteStatus[] = ['announced', 'withdrawn', 'session-down'];
const S_ANNOUNCED = 0, S_WITHDRAWN = 1, S_SESSION_DOWN = 2;

/** Prefix kinds in the key, in list order: IPv4, IPv6, then anything else (kept as a string). */
const P_V4 = 0, P_V6 = 1, P_OTHER = 2;

// Key words: direction, prefix kind << 16 | has path id << 8 | prefix length, 4 address words
// (IPv4 uses the first; another kind holds a string id there), path id.
const K_DIR = 0, K_KIND = 1, K_ADDR = 2, K_PATH = 6, KEY_WIDTH = 7;

function attributesOf(u: BgpUpdate, nextHop: string | null, nextHops: string[] | null): RouteAttributes {
  const segs = effectiveAsPathSegments(u);
  const a: RouteAttributes = {
    nextHop,
    asPath: flattenAsPath(segs),
    asPathString: asPathString(segs),
    origin: u.origin,
    med: u.med,
    localPref: u.localPref,
    communities: u.communities,
    largeCommunities: u.largeCommunities,
    extendedCommunities: u.extendedCommunities,
    originatorId: u.originatorId,
    clusterList: u.clusterList,
    atomicAggregate: u.atomicAggregate,
    aggregator: u.as4Aggregator && u.aggregator && u.aggregator.asn === 23456 ? u.as4Aggregator : u.aggregator,
  };
  if (nextHops && nextHops.length > 1) a.nextHops = nextHops.slice(1);
  return a;
}

/** Growable typed-array columns, one slot per route. */
class Columns {
  capacity = 0;
  status = new Uint8Array(0);
  family = new Uint16Array(0);
  frame = new Float64Array(0);
  announcements = new Uint32Array(0);
  withdrawals = new Uint32Array(0);
  /** Seconds (-1: none) and nanoseconds of the first and last announcement and of the withdrawal. */
  firstSec = new Float64Array(0);
  firstNsec = new Uint32Array(0);
  lastSec = new Float64Array(0);
  lastNsec = new Uint32Array(0);
  lastFrame = new Float64Array(0);
  wdSec = new Float64Array(0);
  wdNsec = new Uint32Array(0);
  wdFrame = new Float64Array(0);
  /** Interned attribute set (-1: never announced). */
  attrs = new Int32Array(0);
  /** Next route of the same direction (-1: last), for a session going down. */
  nextInDir = new Int32Array(0);

  ensure(n: number): void {
    if (n <= this.capacity) return;
    const cap = Math.max(1024, this.capacity * 2, n);
    const self = this as unknown as Record<string, unknown>;
    for (const k of Object.keys(self)) {
      const old = self[k];
      if (!ArrayBuffer.isView(old)) continue;
      const next = new (old.constructor as new (n: number) => Float64Array)(cap);
      next.set(old as Float64Array);
      self[k] = next;
    }
    this.capacity = cap;
  }
}

export class RouteTable {
  private readonly index = new KeyTable(KEY_WIDTH, 1024);
  private readonly cols = new Columns();
  private readonly key = new Uint32Array(KEY_WIDTH);
  /** Interned strings: directions ("from|to"), families, attribute sets, other prefixes. */
  private readonly dirIds = new Map<string, number>();
  private readonly dirs: { from: string; to: string; head: number; tail: number; announced: number }[] = [];
  private readonly familyIds = new Map<string, number>();
  private readonly families: string[] = [];
  private readonly attrIds = new Map<string, number>();
  private readonly attrSets: RouteAttributes[] = [];
  private readonly otherIds = new Map<string, number>();
  private readonly others: string[] = [];
  readonly events: RouteEventJson[] = [];
  eventsDropped = 0;
  /**
   * Events kept (the rest are counted in eventsDropped): MAX_ROUTE_EVENTS, or fewer when the
   * caller lists fewer (`routeEvents` shows the first 10000 unless --all-routes), so that events
   * never listed are never built.
   */
  private readonly eventLimit: number;

  constructor(eventLimit = MAX_ROUTE_EVENTS) {
    this.eventLimit = Math.min(MAX_ROUTE_EVENTS, eventLimit);
  }
  routesNotTracked = 0;
  announcements = 0;
  withdrawals = 0;

  /** Applies one UPDATE sent by `speaker` to `peer`. */
  update(u: BgpUpdate, speaker: string, peer: string, at: PacketTime): void {
    // The time text only for the event log (no string per UPDATE once it is full).
    const ts = this.events.length < this.eventLimit ? formatTimestamp(at.tsSec, at.tsNsec) : '';
    const dir = this.direction(speaker, peer);
    let wi = 0;
    const wids = u.withdrawnPathIds;
    const wcount = u.withdrawnFieldCount;
    for (let i = 0; i < wcount && i < u.withdrawn.length; i++) this.withdraw(u.withdrawn[i], 'ipv4-unicast', wids?.[wi++], dir, at, ts);
    for (const mp of mpUnreachAll(u)) for (const p of mp.withdrawn) this.withdraw(p, mp.family, wids?.[wi++], dir, at, ts);
    let ni = 0;
    const nids = u.nlriPathIds;
    for (const mp of mpReachAll(u)) {
      if (!mp.nlri.length) continue;
      const attrs = this.intern(attributesOf(u, mp.nextHops[0] ?? null, mp.nextHops));
      for (const p of mp.nlri) this.announce(p, mp.family, nids?.[ni++], dir, attrs, at, ts);
    }
    if (u.nlriFieldCount > 0) {
      // NEXT_HOP (attribute 3) applies to the NLRI field.
      const nh = u.attributes.some((a) => a.code === 3) ? u.nextHop : null;
      const attrs = this.intern(attributesOf(u, nh, null));
      for (let i = u.nlri.length - u.nlriFieldCount; i < u.nlri.length; i++) this.announce(u.nlri[i], 'ipv4-unicast', nids?.[ni++], dir, attrs, at, ts);
    }
  }

  /** The session between a and b went down: routes either sent are no longer in use. */
  sessionDown(a: string, b: string, at: PacketTime): void {
    const ts = this.events.length < this.eventLimit ? formatTimestamp(at.tsSec, at.tsNsec) : '';
    const c = this.cols;
    for (const d of [this.dirIds.get(`${a}|${b}`), this.dirIds.get(`${b}|${a}`)]) {
      if (d === undefined || this.dirs[d].announced === 0) continue;
      for (let r = this.dirs[d].head; r >= 0; r = c.nextInDir[r]) {
        if (c.status[r] !== S_ANNOUNCED) continue;
        c.status[r] = S_SESSION_DOWN;
        this.dirs[d].announced--;
        c.wdSec[r] = at.tsSec; c.wdNsec[r] = at.tsNsec; c.wdFrame[r] = at.frame; c.frame[r] = at.frame;
        if (this.events.length < this.eventLimit) {
          const pathId = this.pathIdOf(r);
          this.log({ frame: at.frame, ts, action: 'session-down', prefix: this.prefixOf(r), family: this.families[c.family[r]], ...(pathId !== undefined ? { pathId } : {}), from: this.dirs[d].from, to: this.dirs[d].to });
        } else {
          this.eventsDropped++;
        }
      }
    }
  }

  private direction(from: string, to: string): number {
    const k = `${from}|${to}`;
    let d = this.dirIds.get(k);
    if (d === undefined) {
      d = this.dirs.length;
      this.dirIds.set(k, d);
      this.dirs.push({ from, to, head: -1, tail: -1, announced: 0 });
    }
    return d;
  }

  private familyId(f: string): number {
    return listedId(this.familyIds, this.families, f, f);
  }

  /** One shared copy of each distinct attribute set (the routes of an UPDATE have the same). */
  private intern(a: RouteAttributes): number {
    return listedId(this.attrIds, this.attrSets, JSON.stringify(a), a);
  }

  /** Fills this.key for (direction, prefix, path id); false when the prefix is not understood. */
  private setKey(dir: number, prefix: string, pathId: number | undefined): void {
    const k = this.key;
    k[K_DIR] = dir;
    k[K_PATH] = pathId ?? 0;
    const has = pathId !== undefined ? 1 << 8 : 0;
    k[K_ADDR] = k[K_ADDR + 1] = k[K_ADDR + 2] = k[K_ADDR + 3] = 0;
    const slash = prefix.lastIndexOf('/');
    const len = slash > 0 ? Number(prefix.slice(slash + 1)) : -1;
    if (len >= 0 && prefix.indexOf(':') < 0 && len <= 32) {
      const v = parseIpv4Number(prefix, slash);
      if (v >= 0) {
        k[K_KIND] = (P_V4 << 16) | has | len;
        k[K_ADDR] = v;
        return;
      }
    } else if (len >= 0 && len <= 128) {
      const b = parseIp(prefix.slice(0, slash));
      if (b && b.length === 16) {
        k[K_KIND] = (P_V6 << 16) | has | len;
        for (let i = 0; i < 4; i++) k[K_ADDR + i] = ((b[4 * i] << 24) | (b[4 * i + 1] << 16) | (b[4 * i + 2] << 8) | b[4 * i + 3]) >>> 0;
        return;
      }
    }
    let id = this.otherIds.get(prefix);
    if (id === undefined) {
      id = this.others.length;
      this.otherIds.set(prefix, id);
      this.others.push(prefix);
    }
    k[K_KIND] = (P_OTHER << 16) | has;
    k[K_ADDR] = id;
  }

  /** The route of the key in this.key, created when absent (-1: the table is full). */
  private route(family: string, status: number): number {
    const idx = this.index;
    const r = idx.find(this.key);
    if (r >= 0) return r;
    if (idx.size >= MAX_ROUTES) {
      this.routesNotTracked++;
      return -1;
    }
    const n = idx.findOrInsert(this.key);
    const c = this.cols;
    c.ensure(n + 1);
    c.status[n] = status;
    c.family[n] = this.familyId(family);
    c.announcements[n] = 0; c.withdrawals[n] = 0;
    c.firstSec[n] = -1; c.lastSec[n] = -1; c.lastFrame[n] = -1; c.wdSec[n] = -1; c.wdFrame[n] = -1;
    c.attrs[n] = -1;
    c.nextInDir[n] = -1;
    const d = this.dirs[this.key[K_DIR]];
    if (d.tail >= 0) c.nextInDir[d.tail] = n;
    else d.head = n;
    d.tail = n;
    return n;
  }

  private announce(prefix: string, family: string, pathId: number | undefined, dir: number, attrs: number, at: PacketTime, ts: string): void {
    this.announcements++;
    this.setKey(dir, prefix, pathId);
    const r = this.route(family, S_ANNOUNCED);
    if (r >= 0) {
      const c = this.cols;
      if (c.status[r] !== S_ANNOUNCED || c.announcements[r] === 0) this.dirs[dir].announced++;
      c.attrs[r] = attrs;
      c.status[r] = S_ANNOUNCED;
      c.announcements[r]++;
      if (c.firstSec[r] < 0) { c.firstSec[r] = at.tsSec; c.firstNsec[r] = at.tsNsec; }
      c.lastSec[r] = at.tsSec; c.lastNsec[r] = at.tsNsec;
      c.lastFrame[r] = at.frame;
      c.frame[r] = at.frame;
      // Announced again: the earlier withdrawal is history (routeEvents keeps it).
      c.wdSec[r] = -1; c.wdFrame[r] = -1;
    }
    if (this.events.length < this.eventLimit) {
      const d = this.dirs[dir];
      this.log({ frame: at.frame, ts, action: 'announce', prefix, family, ...(pathId !== undefined ? { pathId } : {}), from: d.from, to: d.to, ...this.attrSets[attrs] });
    } else {
      this.eventsDropped++;
    }
  }

  private withdraw(prefix: string, family: string, pathId: number | undefined, dir: number, at: PacketTime, ts: string): void {
    this.withdrawals++;
    this.setKey(dir, prefix, pathId);
    const r = this.route(family, S_WITHDRAWN);
    if (r >= 0) {
      const c = this.cols;
      if (c.status[r] === S_ANNOUNCED && c.announcements[r] > 0) this.dirs[dir].announced--;
      c.status[r] = S_WITHDRAWN;
      c.withdrawals[r]++;
      c.wdSec[r] = at.tsSec; c.wdNsec[r] = at.tsNsec; c.wdFrame[r] = at.frame;
      c.frame[r] = at.frame;
    }
    if (this.events.length < this.eventLimit) {
      const d = this.dirs[dir];
      this.log({ frame: at.frame, ts, action: 'withdraw', prefix, family, ...(pathId !== undefined ? { pathId } : {}), from: d.from, to: d.to });
    } else {
      this.eventsDropped++;
    }
  }

  private log(e: RouteEventJson): void {
    if (this.events.length < this.eventLimit) this.events.push(e);
    else this.eventsDropped++;
  }

  private pathIdOf(r: number): number | undefined {
    const k = this.index.keys, base = r * KEY_WIDTH;
    return k[base + K_KIND] & (1 << 8) ? k[base + K_PATH] : undefined;
  }

  /** The prefix of route r as the parser wrote it ("10.0.0.0/24", "fd00::/64"). */
  private prefixOf(r: number): string {
    const k = this.index.keys, base = r * KEY_WIDTH;
    const kind = k[base + K_KIND] >>> 16, len = k[base + K_KIND] & 0xff;
    if (kind === P_OTHER) return this.others[k[base + K_ADDR]];
    const b = prefixScratch;
    for (let i = 0; i < 4; i++) {
      const v = k[base + K_ADDR + i];
      b[4 * i] = v >>> 24; b[4 * i + 1] = (v >>> 16) & 255; b[4 * i + 2] = (v >>> 8) & 255; b[4 * i + 3] = v & 255;
    }
    return `${kind === P_V4 ? ipv4String(b, 0) : ipv6String(b, 0)}/${len}`;
  }

  private routeJson(r: number): RouteJson {
    const c = this.cols, d = this.dirs[this.index.keys[r * KEY_WIDTH + K_DIR]];
    const pathId = this.pathIdOf(r);
    const tsOf = (sec: number, nsec: number) => (sec < 0 ? null : formatTimestamp(sec, nsec));
    const o: RouteJson = {
      prefix: this.prefixOf(r), family: this.families[c.family[r]], ...(pathId !== undefined ? { pathId } : {}),
      from: d.from, to: d.to, status: STATUS[c.status[r]], frame: c.frame[r],
      announcements: c.announcements[r], withdrawals: c.withdrawals[r],
      firstAnnouncedTs: tsOf(c.firstSec[r], c.firstNsec[r]), lastAnnouncedTs: tsOf(c.lastSec[r], c.lastNsec[r]),
      lastAnnouncedFrame: c.lastFrame[r] < 0 ? null : c.lastFrame[r],
      withdrawnTs: tsOf(c.wdSec[r], c.wdNsec[r]), withdrawnFrame: c.wdFrame[r] < 0 ? null : c.wdFrame[r],
    };
    return c.attrs[r] >= 0 ? Object.assign(o, this.attrSets[c.attrs[r]]) : o;
  }

  /** Route numbers sorted by prefix (IPv4 first, numerically), then sender and receiver, then path id. */
  private sorted(): Uint32Array {
    // Keys never change once inserted: the order holds until a route is added.
    if (this.order && this.order.length === this.index.size) return this.order;
    this.order = this.sortRoutes();
    return this.order;
  }

  private order: Uint32Array | null = null;

  private sortRoutes(): Uint32Array {
    const n = this.index.size, k = this.index.keys;
    const dirRank = rankOf(this.dirs.map((d) => [d.from, d.to]));
    const otherRank = rankOf(this.others.map((p) => [p, '']));
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    return order.sort((x, y) => {
      const a = x * KEY_WIDTH, b = y * KEY_WIDTH;
      const ka = k[a + K_KIND] >>> 16, kb = k[b + K_KIND] >>> 16;
      if (ka !== kb) return ka - kb;
      if (ka === P_OTHER) {
        const d = otherRank[k[a + K_ADDR]] - otherRank[k[b + K_ADDR]];
        if (d) return d;
      } else {
        for (let i = 0; i < 4; i++) if (k[a + K_ADDR + i] !== k[b + K_ADDR + i]) return k[a + K_ADDR + i] - k[b + K_ADDR + i];
        const la = k[a + K_KIND] & 0xff, lb = k[b + K_KIND] & 0xff;
        if (la !== lb) return la - lb;
      }
      return dirRank[k[a + K_DIR]] - dirRank[k[b + K_DIR]] || k[a + K_PATH] - k[b + K_PATH];
    });
  }

  /** The routes sorted by prefix (IPv4 first, numerically), then sender and receiver; the first `limit` of them. */
  list(limit = Infinity): RouteJson[] {
    const order = this.sorted();
    const n = Math.min(order.length, limit);
    const out: RouteJson[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.routeJson(order[i]);
    return out;
  }

  /** Prefixes announced by some speaker and neither withdrawn nor lost with their session since (sorted; the first `limit`). */
  announcedPrefixes(limit = Infinity): string[] {
    const order = this.sorted();
    const c = this.cols, k = this.index.keys;
    const out: string[] = [];
    let prev = -1;
    for (let i = 0; i < order.length && out.length < limit; i++) {
      const r = order[i];
      if (c.status[r] !== S_ANNOUNCED || c.announcements[r] === 0) continue;
      if (prev >= 0 && samePrefix(k, prev, r)) continue;
      prev = r;
      out.push(this.prefixOf(r));
    }
    return out;
  }

  /** How many distinct prefixes announcedPrefixes() would list without a limit. */
  announcedPrefixCount(): number {
    const order = this.sorted();
    const c = this.cols, k = this.index.keys;
    let n = 0, prev = -1;
    for (let i = 0; i < order.length; i++) {
      const r = order[i];
      if (c.status[r] !== S_ANNOUNCED || c.announcements[r] === 0) continue;
      if (prev >= 0 && samePrefix(k, prev, r)) continue;
      prev = r;
      n++;
    }
    return n;
  }

  get size(): number {
    return this.index.size;
  }
}

const prefixScratch = new Uint8Array(16);

/** Same prefix (kind, length, address words) in key slots a and b. */
function samePrefix(k: Uint32Array, a: number, b: number): boolean {
  const x = a * KEY_WIDTH, y = b * KEY_WIDTH;
  if ((k[x + K_KIND] & 0xffff00ff) !== (k[y + K_KIND] & 0xffff00ff)) return false;
  for (let i = 0; i < 4; i++) if (k[x + K_ADDR + i] !== k[y + K_ADDR + i]) return false;
  return true;
}

/** Rank of each item by its strings (for sorting by interned ids). */
function rankOf(items: [string, string][]): Int32Array {
  const idx = items.map((_, i) => i).sort((a, b) => {
    const [a0, a1] = items[a], [b0, b1] = items[b];
    return a0 < b0 ? -1 : a0 > b0 ? 1 : a1 < b1 ? -1 : a1 > b1 ? 1 : 0;
  });
  const rank = new Int32Array(items.length);
  idx.forEach((item, r) => { rank[item] = r; });
  return rank;
}

/** "a.b.c.d" in s[0, end) as an unsigned number, or -1. */
function parseIpv4Number(s: string, end: number): number {
  let v = 0, part = 0, digits = 0, dots = 0;
  for (let i = 0; i < end; i++) {
    const ch = s.charCodeAt(i);
    if (ch === 46) {
      if (digits === 0 || part > 255) return -1;
      v = v * 256 + part;
      part = 0; digits = 0; dots++;
    } else if (ch >= 48 && ch <= 57 && digits < 3) {
      part = part * 10 + (ch - 48);
      digits++;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0 || part > 255) return -1;
  return v * 256 + part;
}

/** Orders "10.0.0.0/8" < "10.0.0.0/16" < "10.1.0.0/16" < "::/0". */
export function comparePrefix(a: string, b: string): number {
  const x = parseCidr(a), y = parseCidr(b);
  if (!x || !y) return a < b ? -1 : a > b ? 1 : 0;
  if (x.family !== y.family) return x.family - y.family;
  for (let i = 0; i < x.bytes.length; i++) if (x.bytes[i] !== y.bytes[i]) return x.bytes[i] - y.bytes[i];
  return x.prefixLen - y.prefixLen;
}

/** The index of `key`'s value in `list`, appending `value` the first time the key is seen. */
function listedId<T>(ids: Map<string, number>, list: T[], key: string, value: T): number {
  let id = ids.get(key);
  if (id === undefined) {
    id = list.length;
    ids.set(key, id);
    list.push(value);
  }
  return id;
}
