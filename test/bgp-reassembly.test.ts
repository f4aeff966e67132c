// TCP reassembly and BGP framing on synthetic segments: every split point, retransmissions,
// overlaps, reordering, gaps (lost messages, resynchronisation on the marker), captures that
// start mid-stream, SYN/FIN/RST, sequence wrap-around, snaplen cuts, tunnelled sessions, and the
// memory bounds.
import { describe, expect, it } from 'vitest';
import { PacketDecoder } from '../dissectors/decoder.js';
import { CaptureRecord } from '../src/reader/record.js';
import { BgpTracker, type BgpLostEvent, type BgpMessageEvent } from '../src/analyses/bgp/tracker.js';
import { BgpAnalysis } from '../src/analyses/bgp/analysis.js';
import { MAX_OOO_BYTES, MAX_OOO_SEGMENTS, TcpReassembler } from '../src/analyses/bgp/reassembly.js';
import { BgpFramer } from '../src/analyses/bgp/framer.js';

const MARKER = new Array(16).fill(0xff);
function msg(type: number, body: number[]): number[] {
  const len = 19 + body.length;
  return [...MARKER, len >> 8, len & 0xff, type, ...body];
}
const OPEN = msg(1, [0x04, 0xfd, 0xe8, 0x00, 0x5a, 0x0a, 0x00, 0x00, 0x01, 0x08, 0x02, 0x06, 0x41, 0x04, 0x00, 0x00, 0xfd, 0xe8]);
const KEEPALIVE = msg(4, []);
const UPDATE = (third: number) => msg(2, [
  0x00, 0x00, 0x00, 0x14, 0x40, 0x01, 0x01, 0x00, 0x40, 0x02, 0x06, 0x02, 0x01, 0x00, 0x00, 0xfd, 0xe8, 0x40, 0x03, 0x04, 0x0a, 0x00, 0x00, 0x01,
  0x1a, 0x0a, 0xf4, third, 0x40, // 10.244.third.64/26
]);
const NOTIFICATION = msg(3, [0x06, 0x02, 0x00]);

/** A stream: OPEN, KEEPALIVE, 20 UPDATEs, KEEPALIVE, NOTIFICATION. */
function stream(): { bytes: Uint8Array; count: number } {
  const parts = [OPEN, KEEPALIVE];
  for (let i = 0; i < 20; i++) parts.push(UPDATE(i));
  parts.push(KEEPALIVE, NOTIFICATION);
  return { bytes: Uint8Array.from(parts.flat()), count: parts.length };
}

// ---- packets ------------------------------------------------------------------------------------
interface Seg {
  src?: string; dst?: string; sport?: number; dport?: number; seq: number; ack?: number; flags: string;
  payload?: Uint8Array; cut?: number; tunnel?: boolean;
}
const ip = (s: string) => s.split('.').map(Number);
const F: Record<string, number> = { F: 1, S: 2, R: 4, P: 8, A: 16 };

function ipv4(src: string, dst: string, proto: number, payload: number[]): number[] {
  const total = 20 + payload.length;
  return [0x45, 0, total >> 8, total & 255, 0, 1, 0x40, 0, 64, proto, 0, 0, ...ip(src), ...ip(dst), ...payload];
}

function packet(s: Seg): Uint8Array {
  const flags = [...s.flags].reduce((a, c) => a | F[c], 0);
  const ack = s.ack ?? 0;
  const tcp = [
    (s.sport ?? 40000) >> 8, (s.sport ?? 40000) & 255, (s.dport ?? 179) >> 8, (s.dport ?? 179) & 255,
    s.seq >>> 24, (s.seq >>> 16) & 255, (s.seq >>> 8) & 255, s.seq & 255,
    ack >>> 24, (ack >>> 16) & 255, (ack >>> 8) & 255, ack & 255,
    0x50, flags, 0xff, 0xff, 0, 0, 0, 0, ...(s.payload ?? []),
  ];
  let l3 = ipv4(s.src ?? '10.0.0.1', s.dst ?? '10.0.0.2', 6, tcp);
  if (s.tunnel) l3 = ipv4('192.168.0.1', '192.168.0.2', 4, l3);
  return Uint8Array.from([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00, ...l3]);
}

class Harness {
  readonly dec = new PacketDecoder();
  readonly tracker: BgpTracker;
  readonly msgs: BgpMessageEvent[] = [];
  readonly lost: BgpLostEvent[] = [];
  readonly errors: string[] = [];
  frame = 0;
  constructor(maxConnections?: number) {
    this.tracker = new BgpTracker({ layers: true, maxConnections });
    this.tracker.addListener({ message: (e) => this.msgs.push(e), lost: (e) => this.lost.push(e), framingError: (e) => this.errors.push(e.error) });
  }
  send(s: Seg): void {
    const b = packet(s);
    const r = new CaptureRecord();
    r.frame = ++this.frame;
    r.buf = b;
    r.caplen = s.cut !== undefined ? b.length - s.cut : b.length;
    r.len = b.length;
    r.tsSec = 1700000000 + this.frame;
    r.linktype = 1;
    this.tracker.onPacket(r, this.dec.decode(r.buf, 0, r.caplen, r.len, 1));
  }
  /** Client SYN / SYN-ACK / ACK with the given ISNs. */
  handshake(cIsn: number, sIsn: number): void {
    this.send({ seq: cIsn, flags: 'S' });
    this.send({ src: '10.0.0.2', dst: '10.0.0.1', sport: 179, dport: 40000, seq: sIsn, ack: (cIsn + 1) >>> 0, flags: 'SA' });
    this.send({ seq: (cIsn + 1) >>> 0, ack: (sIsn + 1) >>> 0, flags: 'A' });
  }
  data(seq: number, payload: Uint8Array, extra: Partial<Seg> = {}): void {
    this.send({ seq: seq >>> 0, ack: 1, flags: 'PA', payload, ...extra });
  }
  /** The server acknowledges the client's bytes up to `ack`. */
  serverAck(ack: number): void {
    this.send({ src: '10.0.0.2', dst: '10.0.0.1', sport: 179, dport: 40000, seq: 1, ack: ack >>> 0, flags: 'A' });
  }
  types(): string[] {
    return this.msgs.map((m) => m.msg.type);
  }
}

const expectedTypes = (n: number) => ['OPEN', 'KEEPALIVE', ...new Array(n - 4).fill('UPDATE'), 'KEEPALIVE', 'NOTIFICATION'];

describe('in-order delivery', () => {
  it('recovers every message whatever the segment size (1 byte to the whole stream)', () => {
    const { bytes, count } = stream();
    for (const size of [1, 2, 3, 7, 18, 19, 20, 37, 64, 100, 500, bytes.length]) {
      const h = new Harness();
      h.handshake(1000, 5000);
      for (let o = 0; o < bytes.length; o += size) h.data(1001 + o, bytes.subarray(o, Math.min(bytes.length, o + size)));
      expect(h.types(), `segment size ${size}`).toEqual(expectedTypes(count));
      expect(h.msgs.every((m) => m.msg.error === null)).toBe(true);
      expect(h.msgs.map((m) => m.info.offset)).toEqual(offsets());
      expect(h.lost).toEqual([]);
      expect(h.errors).toEqual([]);
    }
  });

  it('sequence numbers wrap around 2^32', () => {
    const { bytes, count } = stream();
    const h = new Harness();
    h.handshake(0xffffff00, 7);
    for (let o = 0; o < bytes.length; o += 50) h.data(0xffffff01 + o, bytes.subarray(o, Math.min(bytes.length, o + 50)));
    expect(h.types()).toEqual(expectedTypes(count));
  });

  it('several messages in one segment all complete in that packet, one message over many completes in its last', () => {
    const h = new Harness();
    h.handshake(0, 0);
    h.data(1, Uint8Array.from([...OPEN, ...KEEPALIVE, ...KEEPALIVE]));
    expect(h.tracker.layersFor(h.frame)?.map((l) => l.type)).toEqual(['OPEN', 'KEEPALIVE', 'KEEPALIVE']);
    const u = Uint8Array.from(UPDATE(1));
    h.data(1 + OPEN.length + 38, u.subarray(0, 10));
    expect(h.tracker.layersFor(h.frame)).toBeNull();
    h.data(1 + OPEN.length + 38 + 10, u.subarray(10));
    expect(h.tracker.layersFor(h.frame)?.map((l) => [l.type, l.segments, l.firstFrame])).toEqual([['UPDATE', 2, h.frame - 1]]);
  });
});

function offsets(): number[] {
  const lens = [OPEN.length, KEEPALIVE.length, ...new Array(20).fill(UPDATE(0).length), KEEPALIVE.length, NOTIFICATION.length];
  const out: number[] = [];
  let o = 0;
  for (const l of lens) { out.push(o); o += l; }
  return out;
}

describe('retransmissions, overlaps, reordering', () => {
  it('random segmentation with duplicates, overlaps and local reordering: every message once, in order', () => {
    const { bytes, count } = stream();
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let round = 0; round < 50; round++) {
      // Segments with random sizes; some re-sent, some re-sent with an overlap; shuffled within windows of 4.
      const segs: [number, number][] = [];
      for (let o = 0; o < bytes.length;) {
        const n = 1 + rnd(120);
        segs.push([o, Math.min(bytes.length, o + n)]);
        if (rnd(5) === 0) segs.push([o, Math.min(bytes.length, o + n)]); // retransmission
        if (rnd(6) === 0 && o > 10) segs.push([o - 10, Math.min(bytes.length, o + n)]); // overlap
        o += n;
      }
      for (let i = 0; i + 4 <= segs.length; i += 4) {
        const w = segs.slice(i, i + 4);
        for (let k = w.length - 1; k > 0; k--) { const j = rnd(k + 1); [w[k], w[j]] = [w[j], w[k]]; }
        segs.splice(i, 4, ...w);
      }
      const h = new Harness();
      h.handshake(100, 200);
      for (const [s, e] of segs) h.data(101 + s, bytes.subarray(s, e));
      expect(h.types(), `round ${round}`).toEqual(expectedTypes(count));
      expect(h.lost).toEqual([]);
      const st = h.msgs[0].conn.dirs[0].reasm.stats;
      expect(st.gaps).toBe(0);
    }
  });

  it('segments in reverse order are held and delivered when the first arrives', () => {
    const { bytes, count } = stream();
    const h = new Harness();
    h.handshake(0, 0);
    const segs: [number, number][] = [];
    for (let o = 0; o < bytes.length; o += 90) segs.push([o, Math.min(bytes.length, o + 90)]);
    for (const [s, e] of segs.reverse()) h.data(1 + s, bytes.subarray(s, e));
    expect(h.types()).toEqual(expectedTypes(count));
    expect(h.msgs[0].conn.dirs[0].reasm.stats.outOfOrderSegments).toBe(segs.length - 1);
  });
});

describe('gaps', () => {
  it('a segment never captured: the message across it is lost, the next ones are recovered', () => {
    const { bytes, count } = stream();
    const h = new Harness();
    h.handshake(0, 0);
    const cut = [130, 140]; // inside the second UPDATE [104, 152), after its header
    h.data(1, bytes.subarray(0, cut[0]));
    h.data(1 + cut[1], bytes.subarray(cut[1]));
    const o = offsets();
    const before = o.filter((x, i) => i + 1 < o.length && o[i + 1] <= cut[0]).length;
    expect(h.types()).toEqual(expectedTypes(count).slice(0, before)); // the rest is held: the hole may still fill
    h.serverAck(1 + bytes.length); // the receiver had it all: the hole is permanent
    expect(h.lost.map((l) => [l.lost.typeCode, l.lost.reason, l.at.frame])).toEqual([[2, 'gap', h.frame]]);
    expect(h.types().length).toBe(count - 1);
    expect(h.errors).toEqual([]);
    expect(h.msgs[0].conn.dirs[0].reasm.stats.gapBytes).toBe(10);
    // The lost message's header was captured: the bytes after the gap up to its end are skipped
    // by its length, so the stream stays synchronised without scanning.
    expect(h.msgs[0].conn.dirs[0].framer.skippedBytes).toBe(0);
  });

  it('a gap over a message boundary: resynchronised on the next marker', () => {
    const { bytes, count } = stream();
    const h = new Harness();
    h.handshake(0, 0);
    const o = offsets();
    const from = o[3] + 5, to = o[6] + 7; // from inside UPDATE #2 to inside UPDATE #5
    h.data(1, bytes.subarray(0, from));
    h.serverAck(1 + to); // ACK first: the next segment's hole is known to be permanent at once
    h.data(1 + to, bytes.subarray(to));
    expect(h.lost.length).toBe(1);
    expect(h.types().length).toBe(count - 4); // UPDATEs #2..#5 are gone (one reported lost, three inside the gap)
    expect(h.msgs.at(-1)!.msg.type).toBe('NOTIFICATION');
    expect(h.msgs[3].info.offset).toBe(o[7]);
    expect(h.msgs[0].conn.dirs[0].framer.skippedBytes).toBe(o[7] - to);
  });

  it('snaplen-cut segments: the missing tail is a gap', () => {
    for (const [cut, types, lost] of [
      [19, ['UPDATE', 'KEEPALIVE'], []], // only the KEEPALIVE is cut: the UPDATE is whole
      [20, ['KEEPALIVE'], [[2, 47]]], // the UPDATE's last byte is cut too: it is lost
    ] as [number, string[], number[][]][]) {
      const h = new Harness();
      h.handshake(0, 0);
      const u = Uint8Array.from([...UPDATE(1), ...KEEPALIVE]);
      h.data(1, u, { cut }); // the last `cut` bytes on the wire are not captured
      h.data(1 + u.length, Uint8Array.from(KEEPALIVE));
      expect(h.types(), `cut ${cut}`).toEqual(types);
      expect(h.lost.map((l) => [l.lost.typeCode, l.lost.capturedBytes])).toEqual(lost);
      expect(h.tracker.layersFor(h.frame)?.map((l) => l.type)).toEqual(['KEEPALIVE']);
      const conn = (h.msgs[0] ?? h.lost[0]).conn;
      expect(conn.dirs[0].reasm.stats.gapBytes).toBe(cut);
    }
  });

  it('a capture that starts mid-message skips to the next marker', () => {
    const { bytes, count } = stream();
    const h = new Harness();
    const o = offsets();
    const start = o[2] + 11; // inside the first UPDATE, no SYN seen
    for (let p = start; p < bytes.length; p += 64) h.data(5000 + p, bytes.subarray(p, Math.min(bytes.length, p + 64)));
    expect(h.types()).toEqual(expectedTypes(count).slice(3));
    expect(h.msgs[0].info.offset).toBe(o[3] - start);
    const conn = h.msgs[0].conn;
    expect(conn.synSeen).toBe(false);
    expect(conn.dirs[0].reasm.stats.midStream).toBe(true);
    expect(conn.dirs[0].framer.skippedBytes).toBe(o[3] - start);
    expect(h.lost).toEqual([]); // nothing of a message was captured before the marker: nothing to report
  });

  it('a marker-like run inside a body does not fool the resynchronisation', () => {
    const h = new Harness();
    // Mid-stream: a body full of 0xFF (17 bytes), then real messages.
    const junk = [...new Array(17).fill(0xff), 0x00, 0x00, 0x05, ...new Array(10).fill(0xff)];
    h.data(1, Uint8Array.from([...junk, ...KEEPALIVE, ...OPEN]));
    expect(h.types()).toEqual(['KEEPALIVE', 'OPEN']);
  });
});

describe('connection life cycle', () => {
  it('FIN with a message in progress: reported lost at the end of the stream', () => {
    const h = new Harness();
    h.handshake(0, 0);
    h.data(1, Uint8Array.from([...KEEPALIVE, ...UPDATE(3).slice(0, 30)]));
    h.send({ seq: 1 + 19 + 30, ack: 1, flags: 'FA' });
    expect(h.lost.map((l) => [l.lost.typeCode, l.lost.reason, l.lost.capturedBytes])).toEqual([[2, 'end-of-stream', 30]]);
    expect(h.tracker.openConnections).toBe(1); // the server side is still open
    h.send({ src: '10.0.0.2', dst: '10.0.0.1', sport: 179, dport: 40000, seq: 1, ack: 51, flags: 'FA' });
    expect(h.tracker.openConnections).toBe(0);
    expect(h.msgs[0].conn.closed).toBe('fin');
  });

  it('RST closes the connection; a new SYN starts a new one with its own ISN', () => {
    const h = new Harness();
    h.handshake(0, 0);
    h.data(1, Uint8Array.from(OPEN));
    h.send({ seq: 1 + OPEN.length, flags: 'R' });
    const first = h.msgs[0].conn;
    expect(first.closed).toBe('rst');
    h.data(1 + OPEN.length, Uint8Array.from(KEEPALIVE)); // after the RST: ignored
    expect(h.tracker.afterClose).toBe(1);
    h.handshake(777777, 888888);
    h.data(777778, Uint8Array.from([...OPEN, ...KEEPALIVE]));
    expect(h.types()).toEqual(['OPEN', 'OPEN', 'KEEPALIVE']);
    expect(h.msgs[1].conn).not.toBe(first);
    expect(h.tracker.connections).toBe(2);
  });

  it('a SYN with another ISN on a live 4-tuple replaces the connection', () => {
    const h = new Harness();
    h.handshake(10, 20);
    h.data(11, Uint8Array.from(OPEN.slice(0, 30)));
    h.handshake(5000, 6000);
    h.data(5001, Uint8Array.from(OPEN));
    expect(h.types()).toEqual(['OPEN']);
    expect(h.lost.map((l) => l.lost.reason)).toEqual(['end-of-stream']);
    expect(h.lost[0].conn.closed).toBe('replaced');
  });

  it('a tunnelled session (IP-in-IP) is keyed by the inner 4-tuple', () => {
    const h = new Harness();
    h.send({ seq: 1, flags: 'S', tunnel: true });
    h.data(2, Uint8Array.from([...OPEN, ...KEEPALIVE]), { tunnel: true });
    expect(h.types()).toEqual(['OPEN', 'KEEPALIVE']);
    expect(h.msgs[0].conn.ends.map((e) => `${e.ip}:${e.port}`)).toEqual(['10.0.0.1:40000', '10.0.0.2:179']);
  });

  it('packets without TCP port 179 cost nothing and produce nothing', () => {
    const h = new Harness();
    h.send({ seq: 1, flags: 'PA', sport: 40000, dport: 443, payload: Uint8Array.from(OPEN) });
    expect(h.tracker.packets).toBe(0);
    expect(h.tracker.layersFor(h.frame)).toBeNull();
  });
});

describe('memory bounds', () => {
  it('out-of-order data beyond a hole that never fills stays within the buffer bounds', () => {
    const r = new TcpReassembler({ data() {}, gap() {} });
    r.segment(0, true, false, new Uint8Array(0), 0, 0, 0, 1, 0);
    const chunk = new Uint8Array(1400);
    let maxHeld = 0;
    for (let i = 0; i < 2000; i++) {
      r.segment(1 + 1400 + i * 2800, false, false, chunk, 0, chunk.length, chunk.length, i + 2, i); // every other segment missing
      maxHeld = Math.max(maxHeld, r.bufferedBytes);
    }
    expect(maxHeld).toBeLessThanOrEqual(MAX_OOO_BYTES);
    expect(r.stats.gaps).toBeGreaterThan(1000);
    expect(MAX_OOO_SEGMENTS).toBeGreaterThan(0);
  });

  it('a stream of garbage on port 179 keeps the framer buffer small and never throws', () => {
    let seed = 99;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed & 0xff;
    };
    const f = new BgpFramer({ message() {}, lost() {}, framingError() {} });
    let maxPending = 0;
    const buf = new Uint8Array(1500);
    for (let i = 0; i < 2000; i++) {
      for (let k = 0; k < buf.length; k++) buf[k] = rnd() < 40 ? 0xff : rnd();
      f.data(buf, 0, buf.length, i);
      maxPending = Math.max(maxPending, f.pendingBytes);
    }
    expect(maxPending).toBeLessThanOrEqual(65535 + 4096);
  });

  it('a SYN flood to port 179 keeps the connection table bounded', () => {
    const h = new Harness(500);
    for (let i = 0; i < 5000; i++) h.send({ sport: 1024 + i, seq: i * 7919, flags: 'S' });
    expect(h.tracker.connections).toBe(5000);
    expect(h.tracker.trackedConnections).toBe(500);
    expect(h.tracker.evicted).toBe(4500);
    // Stray segments without SYN or payload (a scan's RSTs, late ACKs) make no connections.
    for (let i = 0; i < 100; i++) h.send({ sport: 20000 + i, seq: 1, ack: 1, flags: 'R' });
    expect(h.tracker.connections).toBe(5000);
  });

  it('a session that reconnects many times lists its last 100 connections and counts the rest', () => {
    const dec = new PacketDecoder();
    const a = new BgpAnalysis();
    let frame = 0;
    const feed = (s: Seg) => {
      const b = packet(s);
      const r = new CaptureRecord();
      r.frame = ++frame; r.buf = b; r.caplen = r.len = b.length; r.linktype = 1;
      a.onPacket(r, dec.decode(b, 0, b.length, b.length, 1));
    };
    for (let i = 0; i < 300; i++) {
      feed({ sport: 30000 + i, seq: 1000, flags: 'S' });
      feed({ src: '10.0.0.2', dst: '10.0.0.1', sport: 179, dport: 30000 + i, seq: 0, ack: 1001, flags: 'RA' });
    }
    const res = a.finish();
    expect(res.sessions.length).toBe(1);
    expect(res.sessions[0].connections.length).toBe(100);
    expect(res.sessions[0].connectionsNotListed).toBe(200);
    expect(res.sessions[0].state).toBe('connect'); // SYNs answered by RSTs: never got to OPEN
    expect(res.sessions[0].connections.every((c) => c.ended === 'rst')).toBe(true);
  });

  it('a 65535-byte claimed length is framed, not buffered forever past its end', () => {
    const h = new Harness();
    h.handshake(0, 0);
    const huge = Uint8Array.from([...MARKER, 0xff, 0xff, 2]); // UPDATE of 65535 bytes, 65516 never sent
    h.data(1, huge);
    h.send({ seq: 1 + huge.length, ack: 1, flags: 'FA' });
    expect(h.lost.map((l) => [l.lost.length, l.lost.reason])).toEqual([[65535, 'end-of-stream']]);
  });
});
