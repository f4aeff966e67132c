// The BGP stage after the packet decoder: finds the TCP segments on ports bound to BGP (179, and
// those `-d tcp.port==P,bgp` adds: the decoder's DecodeTables) in the decoded state,
// keeps one connection per (possibly tunnelled) inner 4-tuple with a reassembler and a message
// framer per direction, parses each complete message with what the connection's OPENs
// negotiated (4-octet AS, ADD-PATH, extended messages) and hands the results to listeners.
//
// Cost when there is no BGP: one layer-kind check and one port check per packet.
import { Proto, ipv4String, ipv6String, u32, type PacketState } from '../../../dissectors/packet.js';
import type { CaptureRecord } from '../../reader/record.js';
import type { BgpLayer } from '../../../dissectors/layers.js';
import { IPV4_DST, IPV4_SRC, IPV4_TOTAL_LEN } from '../../../dissectors/ipv4.js';
import { IPV6_DST, IPV6_SRC } from '../../../dissectors/ipv6.js';
import { TCP_ACK, TCP_ACK_FLAG, TCP_FIN, TCP_MIN_HEADER, TCP_RST, TCP_SEQ, TCP_SYN, tcpDstPort, tcpFlags, tcpSrcPort } from '../../../dissectors/tcp.js';
import { defaultBgpBinding, isBgpPortPair } from '../../../dissectors/bgp.js';
import type { DecodeTables } from '../../../dissectors/dissector.js';
import { ReassemblyBudget, TcpReassembler, type StreamSink } from './reassembly.js';
import { BgpFramer, type FrameInfo, type FramerSink, type LostMessage } from './framer.js';
import {
  BGP_MAX_EXTENDED_LEN, BGP_MAX_LEN, addPathMode, hasCapability, parseBgpMessage, type BgpMessage, type BgpOpen,
  type ParseContext,
} from '../../../dissectors/bgp-message.js';
import { CAP_AS4, CAP_EXTENDED_MESSAGE } from '../../../dissectors/bgp-names.js';
import { lostLayer, messageLayer, framingErrorLayer } from './layer.js';

export interface Endpoint {
  ip: string;
  port: number;
}

export interface PacketTime {
  frame: number;
  tsSec: number;
  tsNsec: number;
}

/** A complete BGP message. */
export interface BgpMessageEvent {
  msg: BgpMessage;
  conn: BgpConnection;
  /** 0: sent by conn.ends[0] (the first sender seen, the client when the SYN was captured). */
  dir: 0 | 1;
  /** The packet during which the message became complete. */
  at: PacketTime;
  info: FrameInfo;
}

export interface BgpLostEvent {
  lost: LostMessage;
  conn: BgpConnection;
  dir: 0 | 1;
  at: PacketTime;
}

export interface BgpFramingErrorEvent {
  error: string;
  conn: BgpConnection;
  dir: 0 | 1;
  at: PacketTime;
  offset: number;
}

export interface BgpListener {
  message?(ev: BgpMessageEvent): void;
  lost?(ev: BgpLostEvent): void;
  framingError?(ev: BgpFramingErrorEvent): void;
  connectionStart?(conn: BgpConnection, at: PacketTime): void;
  connectionEnd?(conn: BgpConnection, at: PacketTime): void;
}

class Direction implements StreamSink, FramerSink {
  readonly reasm: TcpReassembler;
  readonly framer: BgpFramer;
  ended = false;
  messages = 0;
  lostMessages = 0;
  framingErrors = 0;

  constructor(readonly conn: BgpConnection, readonly index: 0 | 1) {
    this.reasm = new TcpReassembler(this, conn.tracker.reassemblyBudget);
    this.framer = new BgpFramer(this);
  }

  // StreamSink
  data(b: Uint8Array, s: number, e: number, frame: number): void {
    this.framer.data(b, s, e, frame);
  }
  gap(n: number, frame: number): void {
    this.framer.gap(n, frame);
  }

  // FramerSink
  message(b: Uint8Array, s: number, e: number, info: FrameInfo): void {
    const conn = this.conn;
    const msg = parseBgpMessage(b, s, e, conn.context(this.index));
    this.messages++;
    if (msg.type === 'OPEN') conn.setOpen(this.index, msg);
    conn.tracker.emitMessage({ msg, conn, dir: this.index, at: { ...conn.tracker.now }, info });
  }
  lost(m: LostMessage): void {
    this.lostMessages++;
    this.conn.tracker.emitLost({ lost: m, conn: this.conn, dir: this.index, at: { ...this.conn.tracker.now } });
  }
  framingError(text: string, _frame: number, offset: number): void {
    this.framingErrors++;
    this.conn.tracker.emitFramingError({ error: text, conn: this.conn, dir: this.index, at: { ...this.conn.tracker.now }, offset });
  }
}

export class BgpConnection {
  readonly dirs: [Direction, Direction];
  readonly opens: [BgpOpen | null, BgpOpen | null] = [null, null];
  /**
   * How the connection ended: 'fin' (both directions closed), 'rst', 'replaced' (a new SYN),
   * 'evicted' (too many connections), 'end-of-capture' or null (open).
   */
  closed: 'fin' | 'rst' | 'replaced' | 'evicted' | 'end-of-capture' | null = null;
  synSeen = false;
  firstFrame: number;
  lastFrame: number;
  firstTs: [number, number];
  /** Updated in place with every packet. */
  readonly lastTs: [number, number];
  packets = 0;
  /** Neighbours in the tracker's least-recently-active list. */
  lruPrev: BgpConnection | null = null;
  lruNext: BgpConnection | null = null;
  /** Parse contexts, made when the first message is parsed (most connections of a scan never get one). */
  private ctx: [ParseContext, ParseContext] | null = null;
  /** IPv4 addresses of ends[0] and ends[1] as numbers (the tracker's string-free lookup), else -1. */
  v4a = -1;
  v4b = -1;

  constructor(readonly tracker: BgpTracker, readonly id: number, readonly key: string, readonly ends: [Endpoint, Endpoint], at: PacketTime) {
    this.dirs = [new Direction(this, 0), new Direction(this, 1)];
    this.firstFrame = this.lastFrame = at.frame;
    this.firstTs = [at.tsSec, at.tsNsec];
    this.lastTs = [at.tsSec, at.tsNsec];
  }

  /** What the parser needs for messages sent in direction `dir`. */
  context(dir: 0 | 1): ParseContext {
    this.ctx ??= [this.makeContext(0), this.makeContext(1)];
    return this.ctx[dir];
  }

  setOpen(dir: 0 | 1, open: BgpOpen): void {
    this.opens[dir] = open;
    this.ctx = [this.makeContext(0), this.makeContext(1)];
    const ext = this.ctx[0].extendedMessage === true;
    for (const d of this.dirs) d.framer.maxLength = ext ? BGP_MAX_EXTENDED_LEN : BGP_MAX_LEN;
  }

  /** True / false when the OPENs say whether 4-octet ASNs are in use, null when they were not both seen. */
  as4(): boolean | null {
    const [a, b] = this.opens;
    if (a && b) return hasCapability(a, CAP_AS4) && hasCapability(b, CAP_AS4);
    if ((a && !hasCapability(a, CAP_AS4)) || (b && !hasCapability(b, CAP_AS4))) return false;
    return null;
  }

  private makeContext(dir: 0 | 1): ParseContext {
    const sender = this.opens[dir], receiver = this.opens[1 - dir];
    const as4 = this.as4();
    const extendedMessage = sender && receiver
      ? hasCapability(sender, CAP_EXTENDED_MESSAGE) && hasCapability(receiver, CAP_EXTENDED_MESSAGE) : null;
    // The answer per family, worked out once (the OPENs do not change under a context).
    const addPathByFamily = new Map<number, boolean | null>();
    const addPath = (afi: number, safi: number): boolean | null => {
      const family = afi * 256 + safi;
      let answer = addPathByFamily.get(family);
      if (answer !== undefined) return answer;
      // RFC 7911: the sender includes path identifiers when it advertised Send and the receiver Receive.
      const s = sender ? addPathMode(sender, afi, safi) : -1, r = receiver ? addPathMode(receiver, afi, safi) : -1;
      if (s === 0 || r === 0 || (s > 0 && !(s & 2)) || (r > 0 && !(r & 1))) answer = false;
      else if (s < 0 || r < 0) answer = null;
      else answer = true;
      addPathByFamily.set(family, answer);
      return answer;
    };
    return { as4, extendedMessage, addPath };
  }

  get isOpen(): boolean {
    return this.closed === null;
  }
}

/** A hash of an IPv4 4-tuple, the same in both directions (the key of BgpTracker.v4Conns). */
function v4TupleHash(a: number, aPort: number, b: number, bPort: number): number {
  const first = a < b || (a === b && aPort <= bPort);
  const x = first ? a : b, xp = first ? aPort : bPort, y = first ? b : a, yp = first ? bPort : aPort;
  let h = Math.imul(x ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ y, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ ((xp << 16) | yp), 0x27d4eb2f);
  return (h ^ (h >>> 15)) >>> 0;
}

/** The key of a connection in BgpTracker.conns: the 4-tuple, the same in both directions. */
function connectionKey(src: string, sport: number, dst: string, dport: number): string {
  return src < dst || (src === dst && sport <= dport) ? `${src}|${sport}|${dst}|${dport}` : `${dst}|${dport}|${src}|${sport}`;
}

/** Source and destination IP of layer `ip` as strings. */
function ipPair(st: PacketState, ip: number): [string, string] {
  const b = st.buf, o = st.off[ip];
  if (st.kind[ip] === Proto.IPV4) return [ipv4String(b, o + IPV4_SRC), ipv4String(b, o + IPV4_DST)];
  return [ipv6String(b, o + IPV6_SRC), ipv6String(b, o + IPV6_DST)];
}

/** TCP payload length on the wire (more than the captured bytes when snaplen cut the record). */
function wirePayloadLength(st: PacketState, ip: number, l4: number): number {
  const captured = st.end[l4] - st.off[l4] - st.hlen[l4];
  if (!st.snapCut) return captured;
  const b = st.buf, o = st.off[ip];
  let ipEnd: number;
  if (st.kind[ip] === Proto.IPV4) {
    if (o + 4 > st.capEnd) return captured;
    const total = (b[o + IPV4_TOTAL_LEN] << 8) | b[o + IPV4_TOTAL_LEN + 1];
    if (total === 0) return captured;
    ipEnd = o + total;
  } else {
    if (o + 6 > st.capEnd) return captured;
    const plen = (b[o + 4] << 8) | b[o + 5];
    if (plen === 0) return captured;
    ipEnd = o + 40 + plen;
  }
  return Math.max(captured, ipEnd - st.off[l4] - st.hlen[l4]);
}

export interface BgpTrackerOptions {
  /** The decoder's binding tables: the TCP ports bound to BGP (default: 179 only). */
  tables?: DecodeTables;
  /** Build dissect layer objects for the messages that complete in each packet. */
  layers?: boolean;
  /** Connections kept (open ones and recently closed ones); the least recently active go first. Default 16384. */
  maxConnections?: number;
  /** Bytes the out-of-order buffers of all connections may hold together (default MAX_OOO_TOTAL_BYTES). */
  reassemblyBudgetBytes?: number;
}

/**
 * 16384 concurrent BGP connections is far more than a real capture holds (a route reflector has
 * hundreds of peers) and keeps a SYN flood's connection state to ~40 MB.
 */
export const MAX_CONNECTIONS = 16384;

export class BgpTracker {
  private readonly conns = new Map<string, BgpConnection>();
  /**
   * The IPv4 connections of `conns` again, by v4TupleHash, checked against the connection's
   * numbers: a packet of a known connection is matched without building address strings. A hash
   * collision only sends the packet down the string lookup.
   */
  private readonly v4Conns = new Map<number, BgpConnection>();
  /** The connections of `conns`, least recently active first (a Map's delete-and-set reordering
   * leaves holes that make finding its oldest entry slow after many evictions). */
  private lruHead: BgpConnection | null = null;
  private lruTail: BgpConnection | null = null;
  private readonly listeners: BgpListener[] = [];
  private readonly wantLayers: boolean;
  private layers: BgpLayer[] = [];
  private layersFrame = -1;
  /** The packet being processed. */
  readonly now: PacketTime = { frame: 0, tsSec: 0, tsNsec: 0 };
  /** BGP port packets seen, connections created. */
  packets = 0;
  connections = 0;
  /** Segments on a closed connection that were not a new SYN. */
  afterClose = 0;
  /** Connections closed early to stay within maxConnections. */
  evicted = 0;
  private currentSrc = '';
  private readonly maxConnections: number;
  /** DecodeTables.tcpPort of the decoder's binding: which TCP ports carry BGP. */
  private readonly tcpPort: Uint8Array;
  /** One byte budget for the out-of-order buffers of every connection (its highWater is the peak held). */
  readonly reassemblyBudget: ReassemblyBudget;

  constructor(opts: BgpTrackerOptions = {}) {
    this.reassemblyBudget = new ReassemblyBudget(opts.reassemblyBudgetBytes);
    this.wantLayers = opts.layers === true;
    this.maxConnections = Math.max(2, opts.maxConnections ?? MAX_CONNECTIONS);
    this.tcpPort = (opts.tables ?? defaultBgpBinding()).tcpPort;
  }

  /** The decoded packet's innermost transport is TCP on a port bound to BGP. */
  isBgpSegment(st: PacketState): boolean {
    const l4 = st.l4;
    return l4 >= 0 && st.kind[l4] === Proto.TCP && isBgpPortPair(this.tcpPort, tcpSrcPort(st, l4), tcpDstPort(st, l4));
  }

  addListener(l: BgpListener): void {
    this.listeners.push(l);
  }

  /** Feeds one decoded packet. Must be called for every packet, in capture order. */
  onPacket(r: CaptureRecord, st: PacketState): void {
    if (this.layers.length) this.layers = [];
    const l4 = st.l4;
    if (l4 < 0 || st.kind[l4] !== Proto.TCP) return;
    const sport = tcpSrcPort(st, l4), dport = tcpDstPort(st, l4);
    if (!isBgpPortPair(this.tcpPort, sport, dport)) return;
    if (st.hlen[l4] < TCP_MIN_HEADER || st.off[l4] + st.hlen[l4] > st.end[l4]) return;
    this.segment(r, st, l4, sport, dport);
  }

  /** The layer objects of the BGP messages that completed in `frame` (for `dissect`). */
  layersFor(frame: number): BgpLayer[] | null {
    return frame === this.layersFrame && this.layers.length ? this.layers : null;
  }

  /** Ends every open connection (end of input): held segments are delivered, partial messages reported lost. */
  finish(): void {
    for (const c of this.conns.values()) if (c.isOpen) this.close(c, 'end-of-capture');
    this.conns.clear();
    this.v4Conns.clear();
    this.lruHead = this.lruTail = null;
  }

  /** Connections held (open, and recently closed ones kept to recognise their last packets). */
  get trackedConnections(): number {
    return this.conns.size;
  }

  get openConnections(): number {
    let n = 0;
    for (const c of this.conns.values()) if (c.isOpen) n++;
    return n;
  }

  private segment(r: CaptureRecord, st: PacketState, l4: number, sport: number, dport: number): void {
    this.packets++;
    const now = this.now;
    now.frame = r.frame;
    now.tsSec = r.tsSec;
    now.tsNsec = r.tsNsec;
    this.layersFrame = r.frame;
    const ip = st.innerIp;
    const b = st.buf, o = st.off[l4];
    let src = '', dst = '', key = '';
    let conn: BgpConnection | undefined;
    let v4src = -1, v4dst = -1, hash = 0;
    if (st.kind[ip] === Proto.IPV4) {
      v4src = u32(b, st.off[ip] + IPV4_SRC);
      v4dst = u32(b, st.off[ip] + IPV4_DST);
      hash = v4TupleHash(v4src, sport, v4dst, dport);
      const c = this.v4Conns.get(hash);
      if (c !== undefined && ((c.v4a === v4src && c.ends[0].port === sport && c.v4b === v4dst && c.ends[1].port === dport)
        || (c.v4a === v4dst && c.ends[0].port === dport && c.v4b === v4src && c.ends[1].port === sport))) conn = c;
    }
    if (conn !== undefined) {
      this.currentSrc = conn.v4a === v4src && conn.ends[0].port === sport ? conn.ends[0].ip : conn.ends[1].ip;
    } else {
      [src, dst] = ipPair(st, ip);
      this.currentSrc = src;
      key = connectionKey(src, sport, dst, dport);
      conn = this.conns.get(key);
    }
    const flags = tcpFlags(b, o);
    const syn = (flags & TCP_SYN) !== 0, ackf = (flags & TCP_ACK_FLAG) !== 0;
    const seq = u32(b, o + TCP_SEQ);
    if (conn && !conn.isOpen) {
      if (!(syn && !ackf)) {
        this.afterClose++;
        return;
      }
      conn = undefined;
    } else if (conn && syn && !ackf) {
      // A new SYN from the client with another ISN: the old connection is over.
      const d = conn.ends[0].ip === this.currentSrc && conn.ends[0].port === sport ? 0 : 1;
      const re = conn.dirs[d].reasm;
      if (re.isn !== seq || !conn.synSeen) {
        this.close(conn, 'replaced');
        conn = undefined;
      }
    }
    if (!conn) {
      // Only a SYN or payload starts tracking: stray ACKs, FINs and RSTs (after a close, of a
      // scan) do not make connections.
      if (!syn && st.end[l4] <= o + st.hlen[l4]) return;
      if (key === '') {
        [src, dst] = ipPair(st, ip);
        key = connectionKey(src, sport, dst, dport);
      }
      if (this.conns.size >= this.maxConnections) this.evict();
      this.connections++;
      const replaced = this.conns.get(key);
      if (replaced) this.unlink(replaced);
      conn = new BgpConnection(this, this.connections, key, [{ ip: src, port: sport }, { ip: dst, port: dport }], now);
      this.conns.set(key, conn);
      if (v4src >= 0) {
        conn.v4a = v4src;
        conn.v4b = v4dst;
        this.v4Conns.set(hash, conn);
      }
      this.append(conn);
      for (const l of this.listeners) l.connectionStart?.(conn, { ...now });
    } else if (conn !== this.lruTail) {
      // Most recently active last (the eviction order).
      this.unlink(conn);
      this.append(conn);
    }
    conn.packets++;
    conn.lastFrame = r.frame;
    conn.lastTs[0] = r.tsSec;
    conn.lastTs[1] = r.tsNsec;
    const dir: 0 | 1 = conn.ends[0].ip === this.currentSrc && conn.ends[0].port === sport ? 0 : 1;
    const d = conn.dirs[dir];
    if (syn) conn.synSeen = true;
    if (!d.reasm.started) d.framer.synced = syn;
    const nowNs = r.tsSec * 1e9 + r.tsNsec;
    const s = o + st.hlen[l4], e = st.end[l4];
    d.reasm.segment(seq, syn, (flags & TCP_FIN) !== 0, b, s, e, wirePayloadLength(st, ip, l4), r.frame, nowNs);
    const other = conn.dirs[1 - dir];
    if (ackf) other.reasm.ack(u32(b, o + TCP_ACK), r.frame);
    other.reasm.tick(nowNs, r.frame);
    if (flags & TCP_RST) {
      this.close(conn, 'rst');
      return;
    }
    for (const x of conn.dirs) {
      if (!x.ended && x.reasm.finished) {
        x.ended = true;
        x.framer.end(r.frame);
      }
    }
    if (conn.dirs[0].ended && conn.dirs[1].ended) this.close(conn, 'fin');
  }

  /** Drops the least recently active connection (closing it first when it is still open). */
  private evict(): void {
    const c = this.lruHead;
    if (!c) return;
    if (c.isOpen) {
      this.close(c, 'evicted');
      this.evicted++;
    }
    this.unlink(c);
    if (this.conns.get(c.key) === c) this.conns.delete(c.key);
    if (c.v4a >= 0) {
      const h = v4TupleHash(c.v4a, c.ends[0].port, c.v4b, c.ends[1].port);
      if (this.v4Conns.get(h) === c) this.v4Conns.delete(h);
    }
  }

  private append(c: BgpConnection): void {
    c.lruPrev = this.lruTail;
    c.lruNext = null;
    if (this.lruTail) this.lruTail.lruNext = c;
    else this.lruHead = c;
    this.lruTail = c;
  }

  private unlink(c: BgpConnection): void {
    if (c.lruPrev) c.lruPrev.lruNext = c.lruNext;
    else if (this.lruHead === c) this.lruHead = c.lruNext;
    if (c.lruNext) c.lruNext.lruPrev = c.lruPrev;
    else if (this.lruTail === c) this.lruTail = c.lruPrev;
    c.lruPrev = c.lruNext = null;
  }

  private close(conn: BgpConnection, how: NonNullable<BgpConnection['closed']>): void {
    if (!conn.isOpen) return;
    for (const x of conn.dirs) {
      if (!x.ended) {
        x.reasm.flush(this.now.frame);
        x.framer.end(this.now.frame);
        x.ended = true;
      }
    }
    conn.closed = how;
    for (const l of this.listeners) l.connectionEnd?.(conn, { ...this.now });
  }

  // Event fan-out (called by the directions).
  emitMessage(ev: BgpMessageEvent): void {
    if (this.wantLayers) this.layers.push(messageLayer(ev, this.currentSrc));
    for (const l of this.listeners) l.message?.(ev);
  }
  emitLost(ev: BgpLostEvent): void {
    if (this.wantLayers) this.layers.push(lostLayer(ev));
    for (const l of this.listeners) l.lost?.(ev);
  }
  emitFramingError(ev: BgpFramingErrorEvent): void {
    if (this.wantLayers) this.layers.push(framingErrorLayer(ev));
    for (const l of this.listeners) l.framingError?.(ev);
  }
}
