// BGP session tracking: one session per pair of peer addresses (a session survives TCP
// reconnections: each connection is listed with the state it reached). Fed by the tracker's
// events; produces the `sessions` part of `tunnelscope bgp --json`.
import { formatTimestamp } from '../../reader/record.js';
import type { BgpNotification, BgpOpen, Capability } from '../../../dissectors/bgp-message.js';
import { addPathMode, as4Capability, hasCapability } from '../../../dissectors/bgp-message.js';
import {
  CAP_ADD_PATH, CAP_EXTENDED_MESSAGE, CAP_GRACEFUL_RESTART, CAP_MULTIPROTOCOL, CAP_ROUTE_REFRESH,
  CAP_ROUTE_REFRESH_CISCO, familyName, messageTypeName,
} from '../../../dissectors/bgp-names.js';
import type { BgpConnection, BgpFramingErrorEvent, BgpListener, BgpLostEvent, BgpMessageEvent, PacketTime } from './tracker.js';

/** States a connection can be seen to reach, lowest first. */
export const STATES = ['idle/unknown', 'connect', 'open-sent', 'open-confirm', 'established'] as const;
export type SessionState = (typeof STATES)[number];

export const MESSAGE_TYPES = ['OPEN', 'UPDATE', 'NOTIFICATION', 'KEEPALIVE', 'ROUTE-REFRESH', 'UNKNOWN'] as const;
export type MessageCounts = Record<(typeof MESSAGE_TYPES)[number], number>;

function zeroCounts(): MessageCounts {
  return { OPEN: 0, UPDATE: 0, NOTIFICATION: 0, KEEPALIVE: 0, 'ROUTE-REFRESH': 0, UNKNOWN: 0 };
}

function ts(at: PacketTime): string {
  return formatTimestamp(at.tsSec, at.tsNsec);
}

export interface NotificationRecord {
  frame: number;
  ts: string;
  from: string;
  to: string;
  errorCode: number;
  errorSubcode: number;
  /** "Cease / Administrative Shutdown" */
  name: string;
  errorName: string;
  errorSubcodeName: string | null;
  data: string;
  shutdownCommunication?: string;
  badPeerAs?: number;
  hardReset?: BgpNotification['hardReset'];
}

export interface ErrorRecord {
  frame: number;
  ts: string;
  from: string;
  to: string;
  type: string;
  error: string;
}

export interface PeerJson {
  ip: string;
  /** The real ASN (the 4-octet AS capability's value, else My AS); null when no OPEN was seen. */
  asn: number | null;
  /** The 2-octet My AS field as sent. */
  myAs: number | null;
  routerId: string | null;
  /** Hold time this peer offered in its OPEN. */
  holdTime: number | null;
  openSeen: boolean;
  openFrame: number | null;
  capabilities: Capability[];
}

export interface DirectionJson {
  from: string;
  to: string;
  messages: MessageCounts;
  total: number;
  lostMessages: number;
  malformedMessages: number;
  prefixesAnnounced: number;
  prefixesWithdrawn: number;
  endOfRib: string[];
}

export interface ConnectionJson {
  id: number;
  /** The endpoint that sent the first packet seen (the client when the SYN was captured). */
  client: string;
  server: string;
  synSeen: boolean;
  /** Joined after the session came up: neither the SYN nor an OPEN was captured. */
  midSession: boolean;
  state: SessionState;
  opensSeen: [boolean, boolean];
  keepalives: [number, number];
  /** 'notification', 'fin', 'rst', 'replaced' (a new connection), 'end-of-capture' or null (still open at the end). */
  ended: string | null;
  firstFrame: number;
  lastFrame: number;
  firstTs: string;
  lastTs: string;
  reassembly: {
    gaps: number;
    gapBytes: number;
    retransmittedBytes: number;
    overlapBytes: number;
    outOfOrderSegments: number;
    lostMessages: number;
    framingErrors: number;
    resyncSkippedBytes: number;
  };
}

export interface SessionJson {
  peers: [PeerJson, PeerJson];
  type: 'ibgp' | 'ebgp' | null;
  /** The highest state any connection of the session reached. */
  state: SessionState;
  established: boolean;
  opensExchanged: boolean;
  keepalivesFlowed: boolean;
  holdTime: { offered: [number | null, number | null]; agreed: number | null; mismatch: boolean };
  negotiated: {
    fourOctetAs: boolean | null;
    extendedMessage: boolean | null;
    routeRefresh: boolean | null;
    gracefulRestart: boolean | null;
    families: string[];
    addPath: { family: string; from: string; to: string }[];
  };
  directions: [DirectionJson, DirectionJson];
  notifications: NotificationRecord[];
  routeReflection: { originatorIds: string[]; clusterIds: string[]; reflectedBy: string[] } | null;
  connections: ConnectionJson[];
  /** Older connections left out of `connections` (at most 100 are listed). */
  connectionsNotListed: number;
  firstFrame: number;
  firstTs: string;
  lastTs: string;
}

class ConnState {
  opens: [boolean, boolean] = [false, false];
  keepalives: [number, number] = [0, 0];
  updates = 0;
  notification = false;
  ended: string | null = null;
  /** The live connection; replaced by `snapshot` once it ends (its buffers can go). */
  conn: BgpConnection | null;
  snapshot: ConnectionJson | null = null;
  /** Dropped from its session's list (only counted there now). */
  unlisted = false;
  constructor(conn: BgpConnection, readonly session: Session) {
    this.conn = conn;
  }

  get synSeen(): boolean {
    return this.conn ? this.conn.synSeen : this.snapshot!.synSeen;
  }

  state(): SessionState {
    const [a, b] = this.opens;
    if ((a && b && this.keepalives[0] > 0 && this.keepalives[1] > 0) || this.updates > 0) return 'established';
    if (a && b) return 'open-confirm';
    if (a || b) return 'open-sent';
    if (this.synSeen) return 'connect';
    return 'idle/unknown';
  }
}

function maxState(a: SessionState, b: SessionState): SessionState {
  return STATES.indexOf(a) >= STATES.indexOf(b) ? a : b;
}

/** Connections listed per session; older ended ones beyond this are only counted. */
export const MAX_LISTED_CONNECTIONS = 100;
/**
 * Ended connections listed over all sessions together (10,000 sessions x 100 would be a million
 * records): beyond this the oldest ended ones are dropped from their session's list and counted
 * in its connectionsNotListed. Open connections are always listed (the tracker bounds them).
 */
export const MAX_LISTED_ENDED_CONNECTIONS = 10_000;
/** Sessions (peer address pairs) tracked; more are counted, not detailed. */
export const MAX_SESSIONS = 10_000;

class DirCounters {
  messages = zeroCounts();
  lost = 0;
  malformed = 0;
  announced = 0;
  withdrawn = 0;
  endOfRib = new Set<string>();
}

export class Session {
  readonly peers: [PeerJson, PeerJson];
  readonly dirs: [DirCounters, DirCounters] = [new DirCounters(), new DirCounters()];
  readonly conns: ConnState[] = [];
  readonly notifications: NotificationRecord[] = [];
  opens: [BgpOpen | null, BgpOpen | null] = [null, null];
  originatorIds = new Set<string>();
  clusterIds = new Set<string>();
  reflectedBy = new Set<string>();
  firstTs: string;
  /** The latest message or connection end: seconds and nanoseconds (formatted by toJSON). */
  lastSec: number;
  lastNsec: number;
  firstFrame = 0;
  /** Connections dropped from the list (MAX_LISTED_CONNECTIONS), the best state they reached, whether one exchanged OPENs. */
  connectionsNotListed = 0;
  droppedState: SessionState = 'idle/unknown';
  droppedOpensExchanged = false;

  /** Drops connection record i from the list, keeping what the session summary needs from it. */
  unlist(i: number): void {
    const old = this.conns[i];
    this.conns.splice(i, 1);
    old.unlisted = true;
    this.connectionsNotListed++;
    this.droppedState = maxState(this.droppedState, old.state());
    this.droppedOpensExchanged ||= old.opens[0] && old.opens[1];
  }

  constructor(readonly key: string, a: string, b: string, at: PacketTime) {
    const peer = (ip: string): PeerJson => ({
      ip, asn: null, myAs: null, routerId: null, holdTime: null, openSeen: false, openFrame: null, capabilities: [],
    });
    this.peers = [peer(a), peer(b)];
    this.firstTs = ts(at);
    this.lastSec = at.tsSec;
    this.lastNsec = at.tsNsec;
  }

  /** Something happened at `at` (a message, a connection ending). */
  touch(at: PacketTime): void {
    this.lastSec = at.tsSec;
    this.lastNsec = at.tsNsec;
  }

  /** 0 or 1: the index of the peer with address `ip`. */
  index(ip: string): 0 | 1 {
    return this.peers[0].ip === ip ? 0 : 1;
  }

  toJSON(): SessionJson {
    const [o0, o1] = this.opens;
    const both = o0 !== null && o1 !== null;
    const [p0, p1] = this.peers;
    const offered: [number | null, number | null] = [p0.holdTime, p1.holdTime];
    const agreed = both ? Math.min(o0.holdTime, o1.holdTime) : null;
    const type = p0.asn !== null && p1.asn !== null ? (p0.asn === p1.asn ? 'ibgp' : 'ebgp') : null;
    let state: SessionState = this.droppedState;
    for (const c of this.conns) state = maxState(state, c.state());
    const bothHave = (code: number): boolean | null => (both ? hasCapability(o0, code) && hasCapability(o1, code) : null);
    const families: string[] = [];
    const addPath: { family: string; from: string; to: string }[] = [];
    if (both) {
      const mp = (o: BgpOpen) => new Set(o.capabilities.filter((c) => c.code === CAP_MULTIPROTOCOL && c.family).map((c) => c.family!));
      const f0 = mp(o0), f1 = mp(o1);
      // RFC 4760: without the capability, IPv4 unicast is implied.
      if (f0.size === 0) f0.add('ipv4-unicast');
      if (f1.size === 0) f1.add('ipv4-unicast');
      for (const f of f0) if (f1.has(f)) families.push(f);
      for (const [s, r, from, to] of [[o0, o1, p0.ip, p1.ip], [o1, o0, p1.ip, p0.ip]] as const) {
        for (const c of s.capabilities) {
          if (c.code !== CAP_ADD_PATH || !c.families) continue;
          for (const x of c.families) {
            if ((addPathMode(s, x.afi, x.safi) & 2) && (addPathMode(r, x.afi, x.safi) & 1)) {
              addPath.push({ family: familyName(x.afi, x.safi), from, to });
            }
          }
        }
      }
    }
    const dirJson = (i: 0 | 1): DirectionJson => {
      const d = this.dirs[i];
      let total = 0;
      for (const t of MESSAGE_TYPES) total += d.messages[t];
      return {
        from: this.peers[i].ip, to: this.peers[1 - i].ip, messages: { ...d.messages }, total, lostMessages: d.lost,
        malformedMessages: d.malformed, prefixesAnnounced: d.announced, prefixesWithdrawn: d.withdrawn, endOfRib: [...d.endOfRib],
      };
    };
    const keepalivesFlowed = this.dirs[0].messages.KEEPALIVE > 0 && this.dirs[1].messages.KEEPALIVE > 0;
    return {
      peers: [{ ...p0, capabilities: p0.capabilities }, { ...p1, capabilities: p1.capabilities }],
      type,
      state,
      established: state === 'established',
      opensExchanged: this.droppedOpensExchanged || this.conns.some((c) => c.opens[0] && c.opens[1]),
      keepalivesFlowed,
      holdTime: { offered, agreed, mismatch: both && o0.holdTime !== o1.holdTime },
      negotiated: {
        fourOctetAs: both ? as4Capability(o0) !== null && as4Capability(o1) !== null : null,
        extendedMessage: bothHave(CAP_EXTENDED_MESSAGE),
        routeRefresh: both
          ? (hasCapability(o0, CAP_ROUTE_REFRESH) || hasCapability(o0, CAP_ROUTE_REFRESH_CISCO))
            && (hasCapability(o1, CAP_ROUTE_REFRESH) || hasCapability(o1, CAP_ROUTE_REFRESH_CISCO))
          : null,
        gracefulRestart: bothHave(CAP_GRACEFUL_RESTART),
        families,
        addPath,
      },
      directions: [dirJson(0), dirJson(1)],
      notifications: this.notifications.slice(),
      routeReflection: this.originatorIds.size || this.clusterIds.size
        ? { originatorIds: [...this.originatorIds], clusterIds: [...this.clusterIds], reflectedBy: [...this.reflectedBy] }
        : null,
      connections: this.conns.map((c) => connectionJson(c, this)),
      connectionsNotListed: this.connectionsNotListed,
      firstFrame: this.firstFrame,
      firstTs: this.firstTs,
      lastTs: formatTimestamp(this.lastSec, this.lastNsec),
    };
  }
}

function connectionJson(c: ConnState, s: Session): ConnectionJson {
  if (!c.conn) {
    const snap = c.snapshot!;
    return { ...snap, state: c.state(), ended: c.ended ?? snap.ended, midSession: !snap.synSeen && !c.opens[0] && !c.opens[1] };
  }
  const conn = c.conn;
  const [d0, d1] = conn.dirs;
  const st0 = d0.reasm.stats, st1 = d1.reasm.stats;
  // opens/keepalives are indexed by the session's peers; report them by the connection's ends.
  const i0 = s.index(conn.ends[0].ip);
  const by = <T>(pair: [T, T]): [T, T] => (i0 === 0 ? [pair[0], pair[1]] : [pair[1], pair[0]]);
  return {
    id: conn.id,
    client: `${conn.ends[0].ip}:${conn.ends[0].port}`,
    server: `${conn.ends[1].ip}:${conn.ends[1].port}`,
    synSeen: conn.synSeen,
    midSession: !conn.synSeen && !c.opens[0] && !c.opens[1],
    state: c.state(),
    opensSeen: by(c.opens),
    keepalives: by(c.keepalives),
    ended: c.ended ?? conn.closed,
    firstFrame: conn.firstFrame,
    lastFrame: conn.lastFrame,
    firstTs: formatTimestamp(conn.firstTs[0], conn.firstTs[1]),
    lastTs: formatTimestamp(conn.lastTs[0], conn.lastTs[1]),
    reassembly: {
      gaps: st0.gaps + st1.gaps,
      gapBytes: st0.gapBytes + st1.gapBytes,
      retransmittedBytes: st0.retransmittedBytes + st1.retransmittedBytes,
      overlapBytes: st0.overlapBytes + st1.overlapBytes,
      outOfOrderSegments: st0.outOfOrderSegments + st1.outOfOrderSegments,
      lostMessages: d0.lostMessages + d1.lostMessages,
      framingErrors: d0.framingErrors + d1.framingErrors,
      resyncSkippedBytes: d0.framer.skippedBytes + d1.framer.skippedBytes,
    },
  };
}

export const MAX_ERRORS = 1000;

export class SessionTracker implements BgpListener {
  readonly sessions = new Map<string, Session>();
  private readonly byConn = new Map<BgpConnection, ConnState>();
  readonly errors: ErrorRecord[] = [];
  errorCount = 0;
  /** Connections whose session was not tracked (more than MAX_SESSIONS peer pairs). */
  connectionsNotTracked = 0;
  /** Ended connections still listed, oldest first (a queue: entries before endedHead are gone). */
  private ended: [Session, ConnState][] = [];
  private endedHead = 0;
  private endedListed = 0;
  /** Connections of sessions beyond MAX_SESSIONS. */
  private readonly untracked = new WeakSet<BgpConnection>();

  session(conn: BgpConnection, at: PacketTime): Session | null {
    const a = conn.ends[0].ip, b = conn.ends[1].ip;
    const key = a < b ? `${a}|${b}` : `${b}|${a}`;
    let s = this.sessions.get(key);
    if (!s) {
      if (this.sessions.size >= MAX_SESSIONS) return null;
      s = new Session(key, a, b, at);
      s.firstFrame = conn.firstFrame;
      this.sessions.set(key, s);
    }
    return s;
  }

  private connState(conn: BgpConnection, at: PacketTime): [Session, ConnState] | null {
    let c = this.byConn.get(conn);
    if (c) return [c.session, c];
    if (this.untracked.has(conn)) return null;
    const s = this.session(conn, at);
    if (!s) {
      this.untracked.add(conn);
      return null;
    }
    {
      c = new ConnState(conn, s);
      this.byConn.set(conn, c);
      if (s.conns.length >= MAX_LISTED_CONNECTIONS) {
        const i = s.conns.findIndex((x) => x.conn === null);
        if (i >= 0) {
          s.unlist(i);
          this.endedListed--;
        }
      }
      s.conns.push(c);
    }
    return [s, c];
  }

  connectionStart(conn: BgpConnection, at: PacketTime): void {
    if (!this.connState(conn, at)) this.connectionsNotTracked++;
  }

  connectionEnd(conn: BgpConnection, at: PacketTime): void {
    const sc = this.connState(conn, at);
    if (!sc) return;
    const [s, c] = sc;
    if (c.ended === null) c.ended = conn.closed;
    s.touch(at);
    // Keep the numbers, let the connection (and its buffers) go.
    c.snapshot = connectionJson(c, s);
    c.conn = null;
    this.byConn.delete(conn);
    this.ended.push([s, c]);
    this.endedListed++;
    while (this.endedListed > MAX_LISTED_ENDED_CONNECTIONS && this.endedHead < this.ended.length) {
      const [os, oc] = this.ended[this.endedHead++];
      if (oc.unlisted) continue;
      const i = os.conns.indexOf(oc);
      if (i >= 0) os.unlist(i);
      this.endedListed--;
    }
    // Compact the queue: consumed entries, and ones a session's own limit already unlisted.
    if (this.ended.length - this.endedHead > 2 * MAX_LISTED_ENDED_CONNECTIONS || (this.endedHead > 4096 && this.endedHead * 2 > this.ended.length)) {
      this.ended = this.ended.slice(this.endedHead).filter(([, x]) => !x.unlisted);
      this.endedHead = 0;
    }
  }

  message(ev: BgpMessageEvent): void {
    const { msg, conn, dir, at } = ev;
    const sc = this.connState(conn, at);
    if (!sc) return;
    const [s, c] = sc;
    const from = conn.ends[dir].ip, to = conn.ends[1 - dir].ip;
    const i = s.index(from);
    const d = s.dirs[i];
    s.touch(at);
    d.messages[msg.type]++;
    if (msg.error) {
      d.malformed++;
      this.errorCount++;
      if (this.errors.length < MAX_ERRORS) this.errors.push({ frame: at.frame, ts: ts(at), from, to, type: msg.type, error: msg.error });
    }
    switch (msg.type) {
      case 'OPEN': {
        c.opens[i] = true;
        s.opens[i] = msg;
        const p = s.peers[i];
        p.asn = msg.asn;
        p.myAs = msg.myAs;
        p.routerId = msg.routerId;
        p.holdTime = msg.holdTime;
        p.openSeen = true;
        p.openFrame = at.frame;
        p.capabilities = msg.capabilities;
        break;
      }
      case 'KEEPALIVE':
        c.keepalives[i]++;
        break;
      case 'UPDATE':
        c.updates++;
        d.announced += msg.nlri.length;
        d.withdrawn += msg.withdrawn.length;
        if (msg.endOfRib) d.endOfRib.add(msg.endOfRib);
        if (msg.originatorId) s.originatorIds.add(msg.originatorId);
        for (const id of msg.clusterList) s.clusterIds.add(id);
        if (msg.originatorId || msg.clusterList.length) s.reflectedBy.add(from);
        break;
      case 'NOTIFICATION': {
        c.notification = true;
        c.ended = 'notification';
        const n: NotificationRecord = {
          frame: at.frame, ts: ts(at), from, to, errorCode: msg.errorCode, errorSubcode: msg.errorSubcode, name: msg.name,
          errorName: msg.errorName, errorSubcodeName: msg.errorSubcodeName, data: msg.data,
        };
        if (msg.shutdownCommunication !== undefined) n.shutdownCommunication = msg.shutdownCommunication;
        if (msg.badPeerAs !== undefined) n.badPeerAs = msg.badPeerAs;
        if (msg.hardReset) n.hardReset = msg.hardReset;
        s.notifications.push(n);
        break;
      }
    }
  }

  lost(ev: BgpLostEvent): void {
    const sc = this.connState(ev.conn, ev.at);
    if (!sc) return;
    const [s] = sc;
    const from = ev.conn.ends[ev.dir].ip, to = ev.conn.ends[1 - ev.dir].ip;
    s.dirs[s.index(from)].lost++;
    this.errorCount++;
    const l = ev.lost;
    const type = l.typeCode >= 0 ? messageTypeName(l.typeCode) : 'UNKNOWN';
    if (this.errors.length < MAX_ERRORS) {
      this.errors.push({
        frame: ev.at.frame, ts: ts(ev.at), from, to, type,
        error: `bgp: ${type} message${l.length >= 0 ? ` of ${l.length} bytes` : ''} lost (${l.reason === 'gap' ? 'capture gap' : 'end of stream'}; ${l.capturedBytes} bytes captured)`,
      });
    }
  }

  framingError(ev: BgpFramingErrorEvent): void {
    this.errorCount++;
    const from = ev.conn.ends[ev.dir].ip, to = ev.conn.ends[1 - ev.dir].ip;
    if (this.errors.length < MAX_ERRORS) this.errors.push({ frame: ev.at.frame, ts: ts(ev.at), from, to, type: 'UNKNOWN', error: ev.error });
  }
}

