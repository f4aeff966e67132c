// The BGP analysis (`tunnelscope bgp`, the `bgp` section of `analyze --json`): reassembly of the
// TCP ports bound to BGP (179, and `-d tcp.port==P,bgp`) and message parsing (tracker.ts), sessions (session.ts) and routes (rib.ts).
import type { AnalysisContext, PacketAnalysis } from '../../engine/analysis.js';
import type { PacketState } from '../../../dissectors/packet.js';
import type { DecodeTables } from '../../../dissectors/dissector.js';
import type { CaptureInfo, CaptureRecord } from '../../reader/record.js';
import { MAX_LISTED_ROUTES, RouteTable, type RouteEventJson, type RouteJson } from './rib.js';
import { MESSAGE_TYPES, SessionTracker, type ErrorRecord, type MessageCounts, type NotificationRecord, type SessionJson } from './session.js';
import { BgpTracker, type BgpConnection, type BgpMessageEvent, type PacketTime } from './tracker.js';

export interface BgpSummary {
  /** TCP segments to or from a port bound to BGP (179 unless -d adds others). */
  segments: number;
  connections: number;
  sessions: number;
  established: number;
  messages: number;
  messagesByType: MessageCounts;
  lostMessages: number;
  malformedMessages: number;
  framingErrors: number;
  gaps: number;
  gapBytes: number;
  retransmittedBytes: number;
  outOfOrderSegments: number;
  notifications: number;
  routesAnnounced: number;
  routesWithdrawn: number;
  announcedPrefixes: number;
  /** Connections closed early to keep memory bounded (more than 16384 at once). */
  evictedConnections: number;
  /** Connections between peer pairs beyond the 10000 sessions tracked (counted only). */
  connectionsNotTracked: number;
  /** New routes beyond the 2000000 the table holds (counted only). */
  routesNotTracked: number;
  /** Routes in the table (`routes` lists the first 10000 of them unless allRoutes). */
  routes: number;
  /** Routes held but not listed in `routes`, and prefixes not listed in `announcedPrefixes` (0 with allRoutes). */
  routesNotListed: number;
  announcedPrefixesNotListed: number;
  /** Connections left out of the sessions' `connections` lists (counted only). */
  connectionsNotListed: number;
  /** Most bytes the out-of-order buffers of all connections held at once (64 MiB at most, counting 256 bytes per segment). */
  outOfOrderBufferPeak: number;
  /** Out-of-order segments not buffered because that budget was spent (their holes became gaps). */
  outOfOrderNotBuffered: number;
}

export interface BgpOptions {
  /** List every route and announced prefix (default: the first 10000 of each, the rest counted). */
  allRoutes?: boolean;
  /** The decoder's binding tables (which TCP ports are BGP); used when no tracker is passed. Default: port 179 only. */
  tables?: DecodeTables;
}

export interface BgpResult {
  summary: BgpSummary;
  sessions: SessionJson[];
  notifications: (NotificationRecord & { session: string })[];
  routes: RouteJson[];
  routeEvents: RouteEventJson[];
  routeEventsDropped: number;
  announcedPrefixes: string[];
  errors: ErrorRecord[];
  errorCount: number;
}

export class BgpAnalysis implements PacketAnalysis<BgpResult> {
  readonly name = 'bgp';
  readonly tracker: BgpTracker;
  readonly sessions = new SessionTracker();
  readonly rib: RouteTable;
  private messageCounts: MessageCounts = { OPEN: 0, UPDATE: 0, NOTIFICATION: 0, KEEPALIVE: 0, 'ROUTE-REFRESH': 0, UNKNOWN: 0 };
  private lostMessages = 0;
  private framingErrors = 0;
  private malformed = 0;
  private done = false;
  private readonly listLimit: number;

  /** Pass a tracker to share one with `dissect` (it must be fed by exactly one caller). */
  constructor(tracker?: BgpTracker, opts: BgpOptions = {}) {
    this.listLimit = opts.allRoutes ? Infinity : MAX_LISTED_ROUTES;
    // Route events beyond those listed are only counted (routeEventsDropped adds them up the same).
    this.rib = new RouteTable(this.listLimit);
    this.tracker = tracker ?? new BgpTracker({ tables: opts.tables });
    this.tracker.addListener(this.sessions);
    this.tracker.addListener({
      message: (ev) => this.onMessage(ev),
      lost: () => { this.lostMessages++; },
      framingError: () => { this.framingErrors++; },
      connectionEnd: (conn, at) => this.onConnectionEnd(conn, at),
    });
  }

  /** TCP segments on a port bound to BGP (the innermost transport): the packets a parallel run replays here. */
  wants(st: PacketState): boolean {
    return this.tracker.isBgpSegment(st);
  }

  onPacket(r: CaptureRecord, st: PacketState, _ctx?: AnalysisContext): void {
    this.tracker.onPacket(r, st);
  }

  onFileEnd(_info: CaptureInfo, _ctx: AnalysisContext): void {
    // TCP streams may continue in the next file (rotated captures): nothing to close here.
  }

  /** Prefixes currently announced (IPv4 and IPv6, e.g. "10.244.1.0/26"), sorted: all of them, however many. */
  announcedPrefixes(opts: { includeDefault?: boolean } = {}): string[] {
    const all = this.rib.announcedPrefixes();
    return opts.includeDefault === false ? all.filter((p) => !p.endsWith('/0')) : all;
  }

  finish(): BgpResult {
    if (!this.done) {
      this.tracker.finish();
      this.done = true;
    }
    const sessions = [...this.sessions.sessions.values()].map((s) => s.toJSON());
    const notifications: (NotificationRecord & { session: string })[] = [];
    let gaps = 0, gapBytes = 0, retrans = 0, ooo = 0;
    for (const s of sessions) {
      for (const n of s.notifications) notifications.push({ ...n, session: `${s.peers[0].ip} - ${s.peers[1].ip}` });
      for (const c of s.connections) {
        gaps += c.reassembly.gaps;
        gapBytes += c.reassembly.gapBytes;
        retrans += c.reassembly.retransmittedBytes;
        ooo += c.reassembly.outOfOrderSegments;
      }
    }
    notifications.sort((a, b) => a.frame - b.frame);
    let messages = 0;
    for (const t of MESSAGE_TYPES) messages += this.messageCounts[t];
    const announced = this.rib.announcedPrefixCount();
    const announcedPrefixes = this.rib.announcedPrefixes(this.listLimit);
    const routes = this.rib.list(this.listLimit);
    let connectionsNotListed = 0;
    for (const s of sessions) connectionsNotListed += s.connectionsNotListed;
    return {
      summary: {
        segments: this.tracker.packets,
        connections: this.tracker.connections,
        sessions: sessions.length,
        established: sessions.filter((s) => s.established).length,
        messages,
        messagesByType: { ...this.messageCounts },
        lostMessages: this.lostMessages,
        malformedMessages: this.malformed,
        framingErrors: this.framingErrors,
        gaps,
        gapBytes,
        retransmittedBytes: retrans,
        outOfOrderSegments: ooo,
        notifications: notifications.length,
        routesAnnounced: this.rib.announcements,
        routesWithdrawn: this.rib.withdrawals,
        announcedPrefixes: announced,
        evictedConnections: this.tracker.evicted,
        connectionsNotTracked: this.sessions.connectionsNotTracked,
        routesNotTracked: this.rib.routesNotTracked,
        routes: this.rib.size,
        routesNotListed: this.rib.size - routes.length,
        announcedPrefixesNotListed: announced - announcedPrefixes.length,
        connectionsNotListed,
        outOfOrderBufferPeak: this.tracker.reassemblyBudget.highWater,
        outOfOrderNotBuffered: this.tracker.reassemblyBudget.refused,
      },
      sessions,
      notifications,
      routes,
      routeEvents: this.rib.events.slice(0, Math.min(this.rib.events.length, this.listLimit)),
      routeEventsDropped: this.rib.eventsDropped + Math.max(0, this.rib.events.length - this.listLimit),
      announcedPrefixes,
      errors: this.sessions.errors.slice(),
      errorCount: this.sessions.errorCount,
    };
  }

  private onMessage(ev: BgpMessageEvent): void {
    const { msg, conn, dir, at } = ev;
    this.messageCounts[msg.type]++;
    if (msg.error) this.malformed++;
    const from = conn.ends[dir].ip, to = conn.ends[1 - dir].ip;
    if (msg.type === 'UPDATE') this.rib.update(msg, from, to, at);
    else if (msg.type === 'NOTIFICATION') this.rib.sessionDown(from, to, at);
  }

  private onConnectionEnd(conn: BgpConnection, at: PacketTime): void {
    if (conn.closed !== 'end-of-capture' && conn.closed !== 'evicted') this.rib.sessionDown(conn.ends[0].ip, conn.ends[1].ip, at);
  }
}
