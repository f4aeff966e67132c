// The routes seen in a capture: a table keyed by (speaker, receiving peer, prefix, path id)
// holding each route's latest attributes and status, plus a chronological log of the
// announcements and withdrawals (bounded). Fed with parsed UPDATEs in stream order.
import { parseCidr } from '../cidr.js';
import { formatTimestamp } from '../reader/record.js';
import {
  asPathString, effectiveAsPathSegments, flattenAsPath, mpReachAll, mpUnreachAll, type AsPathElement, type BgpUpdate,
} from './message.js';
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
/** Routes held in the table; announcements of further new routes are counted, not stored. */
export const MAX_ROUTES = 500_000;

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

export class RouteTable {
  private readonly routes = new Map<string, RouteJson>();
  /** Routes by direction ("from|to"), for a session going down. */
  private readonly byDirection = new Map<string, Set<RouteJson>>();
  readonly events: RouteEventJson[] = [];
  eventsDropped = 0;
  routesNotTracked = 0;
  announcements = 0;
  withdrawals = 0;

  /** Applies one UPDATE sent by `speaker` to `peer`. */
  update(u: BgpUpdate, speaker: string, peer: string, at: PacketTime): void {
    const ts = formatTimestamp(at.tsSec, at.tsNsec);
    let wi = 0;
    const wids = u.withdrawnPathIds;
    for (const p of u.withdrawn.slice(0, u.withdrawnFieldCount)) this.withdraw(p, 'ipv4-unicast', wids?.[wi++], speaker, peer, at, ts);
    for (const mp of mpUnreachAll(u)) for (const p of mp.withdrawn) this.withdraw(p, mp.family, wids?.[wi++], speaker, peer, at, ts);
    let ni = 0;
    const nids = u.nlriPathIds;
    for (const mp of mpReachAll(u)) {
      const attrs = attributesOf(u, mp.nextHops[0] ?? null, mp.nextHops);
      for (const p of mp.nlri) this.announce(p, mp.family, nids?.[ni++], speaker, peer, attrs, at, ts);
    }
    const field = u.nlri.slice(u.nlri.length - u.nlriFieldCount);
    if (field.length) {
      // NEXT_HOP (attribute 3) applies to the NLRI field.
      const nh = u.attributes.some((a) => a.code === 3) ? u.nextHop : null;
      const attrs = attributesOf(u, nh, null);
      for (const p of field) this.announce(p, 'ipv4-unicast', nids?.[ni++], speaker, peer, attrs, at, ts);
    }
  }

  /** The session between a and b went down: routes either sent are no longer in use. */
  sessionDown(a: string, b: string, at: PacketTime): void {
    const ts = formatTimestamp(at.tsSec, at.tsNsec);
    for (const r of [...(this.byDirection.get(`${a}|${b}`) ?? []), ...(this.byDirection.get(`${b}|${a}`) ?? [])]) {
      if (r.status !== 'announced') continue;
      r.status = 'session-down';
      r.withdrawnTs = ts;
      r.withdrawnFrame = at.frame;
      r.frame = at.frame;
      this.log({ frame: at.frame, ts, action: 'session-down', prefix: r.prefix, family: r.family, ...(r.pathId !== undefined ? { pathId: r.pathId } : {}), from: r.from, to: r.to });
    }
  }

  private key(prefix: string, pathId: number | undefined, speaker: string, peer: string): string {
    return `${speaker}|${peer}|${prefix}|${pathId ?? ''}`;
  }

  private announce(prefix: string, family: string, pathId: number | undefined, speaker: string, peer: string,
    attrs: RouteAttributes, at: PacketTime, ts: string): void {
    this.announcements++;
    const k = this.key(prefix, pathId, speaker, peer);
    let r = this.routes.get(k);
    if (!r) {
      r = this.add(k, {
        prefix, family, ...(pathId !== undefined ? { pathId } : {}), from: speaker, to: peer, status: 'announced', frame: at.frame, announcements: 0, withdrawals: 0,
        firstAnnouncedTs: ts, lastAnnouncedTs: null, lastAnnouncedFrame: null, withdrawnTs: null, withdrawnFrame: null,
      });
    }
    if (r) {
      Object.assign(r, attrs);
      r.status = 'announced';
      r.announcements++;
      r.firstAnnouncedTs ??= ts;
      r.lastAnnouncedTs = ts;
      r.lastAnnouncedFrame = at.frame;
      r.frame = at.frame;
      // Announced again: the earlier withdrawal is history (routeEvents keeps it).
      r.withdrawnTs = null;
      r.withdrawnFrame = null;
    }
    this.log({ frame: at.frame, ts, action: 'announce', prefix, family, ...(pathId !== undefined ? { pathId } : {}), from: speaker, to: peer, ...attrs });
  }

  private withdraw(prefix: string, family: string, pathId: number | undefined, speaker: string, peer: string, at: PacketTime, ts: string): void {
    this.withdrawals++;
    const k = this.key(prefix, pathId, speaker, peer);
    let r = this.routes.get(k);
    if (!r) {
      r = this.add(k, {
        prefix, family, ...(pathId !== undefined ? { pathId } : {}), from: speaker, to: peer, status: 'withdrawn', frame: at.frame, announcements: 0, withdrawals: 0,
        firstAnnouncedTs: null, lastAnnouncedTs: null, lastAnnouncedFrame: null, withdrawnTs: null, withdrawnFrame: null,
      });
    }
    if (r) {
      r.status = 'withdrawn';
      r.withdrawals++;
      r.withdrawnTs = ts;
      r.withdrawnFrame = at.frame;
      r.frame = at.frame;
    }
    this.log({ frame: at.frame, ts, action: 'withdraw', prefix, family, ...(pathId !== undefined ? { pathId } : {}), from: speaker, to: peer });
  }

  private add(k: string, r: RouteJson): RouteJson | undefined {
    if (this.routes.size >= MAX_ROUTES) {
      this.routesNotTracked++;
      return undefined;
    }
    this.routes.set(k, r);
    const d = `${r.from}|${r.to}`;
    let set = this.byDirection.get(d);
    if (!set) this.byDirection.set(d, (set = new Set()));
    set.add(r);
    return r;
  }

  private log(e: RouteEventJson): void {
    if (this.events.length < MAX_ROUTE_EVENTS) this.events.push(e);
    else this.eventsDropped++;
  }

  /** Every route, sorted by prefix (IPv4 first, numerically), then sender and receiver. */
  list(): RouteJson[] {
    return [...this.routes.values()].sort((a, b) => comparePrefix(a.prefix, b.prefix)
      || (a.from < b.from ? -1 : a.from > b.from ? 1 : 0)
      || (a.to < b.to ? -1 : a.to > b.to ? 1 : 0)
      || (a.pathId ?? 0) - (b.pathId ?? 0));
  }

  /** Prefixes announced by some speaker and neither withdrawn nor lost with their session since. */
  announcedPrefixes(): string[] {
    const set = new Set<string>();
    for (const r of this.routes.values()) if (r.status === 'announced') set.add(r.prefix);
    return [...set].sort(comparePrefix);
  }

  get size(): number {
    return this.routes.size;
  }
}

/** Orders "10.0.0.0/8" < "10.0.0.0/16" < "10.1.0.0/16" < "::/0". */
export function comparePrefix(a: string, b: string): number {
  const x = parseCidr(a), y = parseCidr(b);
  if (!x || !y) return a < b ? -1 : a > b ? 1 : 0;
  if (x.family !== y.family) return x.family - y.family;
  for (let i = 0; i < x.bytes.length; i++) if (x.bytes[i] !== y.bytes[i]) return x.bytes[i] - y.bytes[i];
  return x.prefixLen - y.prefixLen;
}
