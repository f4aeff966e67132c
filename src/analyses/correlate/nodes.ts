// Node names and node addresses. A node's own underlay address is the one that sends its egress
// and receives its ingress. It is inferred from a sample at the start of each capture:
// 1. packets seen at two nodes: the sender is the node where the outer TTL is higher (routers
//    decrement it) or, when the TTLs agree, the side the clocks say it left first (the minimum
//    of t(Y) - t(X) over packets X sent is above every value over packets Y sent, whatever the
//    clock offset); its outer source there is its address, the outer destination at the receiver
//    is the receiver's. The same packets teach the NAT mappings (an outer address rewritten on the
//    way names the node behind it).
// 2. pcapng direction flags and Linux cooked packet types of tunnel packets (outgoing: the source
//    is ours; to this host: the destination is ours).
// 3. Failing both, the one address in every sampled packet that no other node claims.
import { basename } from 'node:path';
import { forEachRecord } from '../../reader/capture.js';
import type { PacketDecoder } from '../../../dissectors/decoder.js';
import { AddressBook } from './addresses.js';
import { Sighting, readSighting } from './identity.js';
import { DIR_HINT_IN, DIR_HINT_OUT, directionHint, fingerprintChunks, fingerprintField, readFingerprint, type FingerprintTrailer } from './fingerprints.js';


export interface NodeInput {
  name: string;
  file: string;
}

export interface AddressEvidence {
  address: string;
  /** Packets this node sent from the address (seen leaving here and arriving at another node). */
  sends: number;
  /** Packets this node received on the address. */
  receives: number;
  /** How the address was learned: "matched" (seen at both ends), "direction" (capture metadata), "only-address". */
  via: 'matched' | 'direction' | 'only-address';
}

/** What the sample of one capture holds (cold path: bounded by the sample size). */
export class NodeSample {
  firstSec = -1;
  firstNsec = 0;
  records = 0;
  /** Identity (h1, h2 folded into one number) -> index of its first sighting in the arrays below. */
  readonly byIdentity = new Map<number, number>();
  readonly ts: number[] = [];
  readonly src: number[] = [];
  readonly dst: number[] = [];
  readonly ttl: number[] = [];
  /** Per address: packets with it as outer source / destination, and metadata hints. */
  readonly asSrc = new Map<number, number>();
  readonly asDst = new Map<number, number>();
  readonly outSrc = new Map<number, number>();
  readonly inDst = new Map<number, number>();
  ipPackets = 0;

  /** Counts one sighting; `dir` is a direction hint of a tunnel packet (0 none, 1 out, 2 in). */
  add(sg: Sighting, ts: number, dir: number): void {
    this.ipPackets++;
    bump(this.asSrc, sg.src);
    bump(this.asDst, sg.dst);
    // Direction hints only from tunnel packets: a forwarded plain packet leaves with a foreign source.
    if (dir === DIR_HINT_OUT) bump(this.outSrc, sg.src);
    else if (dir === DIR_HINT_IN) bump(this.inDst, sg.dst);
    const key = sg.h1 * 2097152 + (sg.h2 >>> 11);
    if (!this.byIdentity.has(key)) {
      this.byIdentity.set(key, this.ts.length);
      this.ts.push(ts);
      this.src.push(sg.src);
      this.dst.push(sg.dst);
      this.ttl.push(sg.ttl);
    }
  }
}

export function nodeName(file: string): string {
  const b = basename(file);
  return b.replace(/\.(pcapng|pcap|cap)(\.gz)?$/i, '') || b;
}

function bump(m: Map<number, number>, k: number, by = 1): void {
  m.set(k, (m.get(k) ?? 0) + by);
}

/** Reads up to `limit` records of a capture into a sample. */
export async function sampleCapture(file: string, decoder: PacketDecoder, book: AddressBook, limit: number, base: { sec: number }): Promise<NodeSample> {
  const s = new NodeSample();
  const sg = new Sighting();
  await forEachRecord(file, (r) => {
    if (s.firstSec < 0 || r.tsSec < s.firstSec || (r.tsSec === s.firstSec && r.tsNsec < s.firstNsec)) {
      s.firstSec = r.tsSec;
      s.firstNsec = r.tsNsec;
    }
    s.records++;
    if (base.sec < 0) base.sec = r.tsSec;
    const st = decoder.decode(r.buf, r.offset, r.caplen, r.len, r.linktype);
    if (!readSighting(st, book, sg)) return;
    s.add(sg, (r.tsSec - base.sec) * 1e9 + r.tsNsec, directionHint(sg.cls, r.direction, st.pktType));
  }, { limit });
  return s;
}

/** The sample of a fingerprint file (see fingerprints.ts). */
export async function sampleFingerprints(file: string, t: FingerprintTrailer, addr: Int32Array, limit: number, base: { sec: number }): Promise<NodeSample> {
  const s = new NodeSample();
  s.firstSec = t.firstSec;
  s.firstNsec = t.firstNsec;
  s.records = t.packets;
  if (t.firstSec < 0) return s;
  if (base.sec < 0) base.sec = t.firstSec;
  const shift = (t.baseSec - base.sec) * 1e9;
  const sg = new Sighting();
  let n = 0;
  for await (const { buf, count } of fingerprintChunks(file, t)) {
    for (let k = 0; k < count && n < limit; k++, n++) {
      const o = k * 64;
      readFingerprint(buf, o, addr, sg);
      s.add(sg, shift + fingerprintField.ts(buf, o), fingerprintField.dir(buf, o));
    }
    if (n >= limit) break;
  }
  return s;
}

export interface AddressPlan {
  /** Per node: its own addresses (AddressBook indexes) with evidence. */
  own: Map<number, { sends: number; receives: number; via: AddressEvidence['via'] }>[];
  /** Addresses rewritten on the way (NAT) that still name a node: address index -> node. */
  nat: Map<number, number>;
  warnings: string[];
}

/** Infers the nodes' addresses from their samples. */
export function inferAddresses(samples: NodeSample[], book: AddressBook, names: string[]): AddressPlan {
  const n = samples.length;
  const own = samples.map(() => new Map<number, { sends: number; receives: number; via: AddressEvidence['via'] }>());
  const nat = new Map<number, number>();
  const warnings: string[] = [];
  const sameCapture = new Set<number>();
  const credit = (node: number, addr: number, sends: number, receives: number, via: AddressEvidence['via']) => {
    const e = own[node].get(addr);
    if (e) { e.sends += sends; e.receives += receives; }
    else own[node].set(addr, { sends, receives, via });
  };
  // 1. Packets seen at two nodes.
  for (let x = 0; x < n; x++) {
    for (let y = x + 1; y < n; y++) {
      const X = samples[x], Y = samples[y];
      // Matched sample packets, grouped by (source at X, source at Y): one group per direction and NAT mapping.
      const groups = new Map<string, { ix: number[]; iy: number[]; minD: number; ttlVote: number }>();
      for (const [key, ix] of X.byIdentity) {
        const iy = Y.byIdentity.get(key);
        if (iy === undefined) continue;
        const g = `${X.src[ix]}/${Y.src[iy]}`;
        let e = groups.get(g);
        if (!e) { e = { ix: [], iy: [], minD: Infinity, ttlVote: 0 }; groups.set(g, e); }
        e.ix.push(ix);
        e.iy.push(iy);
        const d = (Y.ts[iy] - X.ts[ix]);
        if (d < e.minD) e.minD = d;
        e.ttlVote += Math.sign(X.ttl[ix] - Y.ttl[iy]);
      }
      if (groups.size === 0) continue;
      const list = [...groups.values()];
      // Every packet of both at the very same instant: one capture under two names.
      let matched = 0, simultaneous = 0;
      for (const e of list) for (let k = 0; k < e.ix.length; k++) { matched++; if (X.ts[e.ix[k]] === Y.ts[e.iy[k]]) simultaneous++; }
      if (simultaneous === matched && matched >= 0.9 * Math.min(X.byIdentity.size, Y.byIdentity.size)) {
        warnings.push(`${names[x]} and ${names[y]} hold the same packets at the same instants: the same capture twice?`);
        sameCapture.add(x); sameCapture.add(y);
        continue;
      }
      // Sender per group: the TTL when it says, else the clock test (largest gap between group minima).
      const senderIsX = new Map<typeof list[number], boolean>();
      for (const e of list) if (e.ttlVote !== 0) senderIsX.set(e, e.ttlVote > 0);
      const undecided = list.filter((e) => !senderIsX.has(e));
      if (undecided.length > 0) {
        const sorted = [...list].sort((a, b) => a.minD - b.minD);
        let gapAt = -1, gap = -Infinity;
        for (let i = 1; i < sorted.length; i++) if (sorted[i].minD - sorted[i - 1].minD > gap) { gap = sorted[i].minD - sorted[i - 1].minD; gapAt = i; }
        // TTL-decided groups calibrate the split when there is one direction only among the rest.
        const xSentMin = Math.min(...list.filter((e) => senderIsX.get(e) === true).map((e) => e.minD));
        const ySentMax = Math.max(...list.filter((e) => senderIsX.get(e) === false).map((e) => e.minD));
        for (const e of undecided) {
          if (Number.isFinite(xSentMin) || Number.isFinite(ySentMax)) {
            const threshold = Number.isFinite(xSentMin) && Number.isFinite(ySentMax) ? (xSentMin + ySentMax) / 2
              : Number.isFinite(xSentMin) ? xSentMin - 1 : ySentMax + 1;
            if (e.minD >= threshold && Number.isFinite(xSentMin)) senderIsX.set(e, true);
            else if (e.minD <= threshold && Number.isFinite(ySentMax)) senderIsX.set(e, false);
          } else if (gapAt > 0) {
            senderIsX.set(e, sorted.indexOf(e) >= gapAt);
          }
        }
      }
      for (const e of list) {
        const sx = senderIsX.get(e);
        if (sx === undefined) continue;
        const [S, R, is, ir, s, r] = sx ? [X, Y, e.ix, e.iy, x, y] : [Y, X, e.iy, e.ix, y, x];
        for (let k = 0; k < is.length; k++) {
          credit(s, S.src[is[k]], 1, 0, 'matched');
          credit(r, R.dst[ir[k]], 0, 1, 'matched');
          if (R.src[ir[k]] !== S.src[is[k]]) nat.set(R.src[ir[k]], s);
          if (S.dst[is[k]] !== R.dst[ir[k]]) nat.set(S.dst[is[k]], r);
        }
      }
    }
  }
  // 2. Capture metadata, for nodes that nothing matched.
  for (let i = 0; i < n; i++) {
    if (own[i].size > 0 || sameCapture.has(i)) continue;
    for (const [a, c] of samples[i].outSrc) credit(i, a, c, 0, 'direction');
    for (const [a, c] of samples[i].inDst) credit(i, a, 0, c, 'direction');
  }
  // 3. The one address in every packet, not claimed elsewhere.
  const claimed = new Set<number>();
  for (const m of own) for (const a of m.keys()) claimed.add(a);
  for (let i = 0; i < n; i++) {
    if (own[i].size > 0 || sameCapture.has(i)) continue;
    const s = samples[i];
    const every: number[] = [];
    for (const [a, c] of s.asSrc) if (c + (s.asDst.get(a) ?? 0) === s.ipPackets && !claimed.has(a)) every.push(a);
    for (const [a, c] of s.asDst) if (!s.asSrc.has(a) && c === s.ipPackets && !claimed.has(a)) every.push(a);
    if (every.length === 1) {
      credit(i, every[0], s.asSrc.get(every[0]) ?? 0, s.asDst.get(every[0]) ?? 0, 'only-address');
      claimed.add(every[0]);
    } else if (s.ipPackets > 0) {
      warnings.push(`${names[i]}: could not tell this node's own address (candidates: ${every.map((a) => book.text(a)).join(', ') || 'none'})`);
    }
  }
  // An address claimed by two nodes names neither (the same capture given twice, a shared VIP).
  for (let i = 0; i < n; i++) {
    for (const a of [...own[i].keys()]) {
      for (let j = i + 1; j < n; j++) {
        if (own[j].has(a)) {
          warnings.push(`${book.text(a)} looks like an address of both ${names[i]} and ${names[j]}: the same capture twice?`);
          own[i].delete(a);
          own[j].delete(a);
        }
      }
    }
  }
  for (const [a, node] of [...nat]) if (own.some((m) => m.has(a))) nat.delete(a); else if (node < 0) nat.delete(a);
  return { own, nat, warnings };
}
