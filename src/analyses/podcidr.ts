// Pod CIDRs: given on the command line, announced over BGP, or inferred from the inner addresses
// seen in tunnels. Inference rules (README "Classes"):
// - never from multicast, broadcast, link-local, loopback, unspecified, reserved or documentation
//   addresses, nor from a tunnel endpoint (a node address);
// - an address counts only when it was seen both sending and receiving inside tunnels (a broadcast
//   or multicast destination never sends; a DNS server is one address);
// - IPv4 addresses are grouped into /24 blocks (flannel's per-node subnet; Calico's /26 blocks fall
//   inside), IPv6 into /64s; a private block (RFC 1918, 100.64/10, fc00::/7) needs 2 counted
//   addresses, a public one 4; private blocks widen to the /16 (/48) that covers several of them
//   when no node address is inside it; where nodes share the /24 (/64), only host addresses are kept;
// - confidence: high with twice the needed addresses, medium at the minimum, low for host addresses.
import { CidrSet, parseCidr, formatIp } from '../util/cidr.js';
import { ipv4FromU32 } from '../../dissectors/packet.js';
import { KeyTable } from '../util/keytable.js';

export type CidrSource = 'flag' | 'bgp' | 'inferred';
export type PodCidrConfidence = 'high' | 'medium' | 'low';

export interface PodCidr {
  cidr: string;
  source: CidrSource;
  evidence: string;
  /** Inferred CIDRs only: how strong the evidence is (see the rules above). */
  confidence?: PodCidrConfidence;
}

/** Counted addresses a block needs before it is called a pod block, by the range it is in. */
export const POD_BLOCK_MIN_PRIVATE = 2;
export const POD_BLOCK_MIN_PUBLIC = 4;

const SENT = 1, RECEIVED = 2, BOTH = SENT | RECEIVED;
const MAX_INNER_V4 = 1_000_000, MAX_INNER_V6 = 250_000, MAX_OUTER = 100_000;

/** Why an IPv4 address (unsigned 32-bit) can never be a pod's, or null when it can. */
export function ipv4NotPod(a: number): string | null {
  const o1 = a >>> 24;
  if (o1 === 0) return 'unspecified';
  if (o1 === 127) return 'loopback';
  if (o1 >= 224 && o1 < 240) return 'multicast';
  if (a === 0xffffffff) return 'broadcast';
  if (o1 >= 240) return 'reserved';
  if (a >>> 16 === 0xa9fe) return 'link-local';
  const n24 = a >>> 8;
  if (n24 === 0xc00002 || n24 === 0xc63364 || n24 === 0xcb0071) return 'documentation';
  return null;
}

/** RFC 1918 and the RFC 6598 shared (CGNAT) range. */
export function ipv4Private(a: number): boolean {
  return a >>> 24 === 10 || a >>> 20 === 0xac1 || a >>> 16 === 0xc0a8 || a >>> 22 === 0x191;
}

/** Why the IPv6 address at b[o..o+16) can never be a pod's, or null when it can. */
export function ipv6NotPod(b: Uint8Array, o: number): string | null {
  if (b[o] === 0xff) return 'multicast';
  if (b[o] === 0xfe && (b[o + 1] & 0xc0) === 0x80) return 'link-local';
  if (b[o] === 0x20 && b[o + 1] === 0x01 && b[o + 2] === 0x0d && b[o + 3] === 0xb8) return 'documentation';
  let zeros = 0;
  while (zeros < 15 && b[o + zeros] === 0) zeros++;
  if (zeros === 15) return b[o + 15] === 1 ? 'loopback' : b[o + 15] === 0 ? 'unspecified' : null;
  if (zeros >= 10 && b[o + 10] === 0xff && b[o + 11] === 0xff) return 'IPv4-mapped';
  return null;
}

/** Unique local addresses, fc00::/7. */
export function ipv6Private(b: Uint8Array, o: number): boolean {
  return (b[o] & 0xfe) === 0xfc;
}

/** Inner addresses seen in tunnels with the roles they played, and the tunnel endpoints. */
export class PodCidrInference {
  private readonly inner4 = new KeyTable(1, 1024);
  private roles4: Uint8Array = new Uint8Array(1024);
  private readonly inner6 = new KeyTable(4, 256);
  private roles6: Uint8Array = new Uint8Array(256);
  private readonly outer4 = new KeyTable(1, 256);
  private readonly outer6 = new KeyTable(4, 64);
  private readonly k1 = new Uint32Array(1);
  private readonly k4 = new Uint32Array(4);

  /**
   * One tunnelled IPv4 packet's inner addresses. `dstIsGroup`: the inner frame went to a link-layer
   * broadcast or multicast address, so its destination (a directed broadcast) is not a host.
   */
  addInnerV4(src: number, dst: number, dstIsGroup = false): void {
    if (ipv4NotPod(src) === null) this.mark4(src, SENT);
    if (!dstIsGroup && ipv4NotPod(dst) === null) this.mark4(dst, RECEIVED);
  }

  /** One tunnelled IPv6 packet's inner addresses at b[srcOff..] and b[dstOff..]. */
  addInnerV6(b: Uint8Array, srcOff: number, dstOff: number, dstIsGroup = false): void {
    if (ipv6NotPod(b, srcOff) === null) this.mark6(b, srcOff, SENT);
    if (!dstIsGroup && ipv6NotPod(b, dstOff) === null) this.mark6(b, dstOff, RECEIVED);
  }

  addOuterV4(addr: number): void {
    if (this.outer4.size >= MAX_OUTER) return;
    this.k1[0] = addr;
    this.outer4.findOrInsert(this.k1);
  }

  addOuterV6(b: Uint8Array, o: number): void {
    if (this.outer6.size >= MAX_OUTER) return;
    readWords(b, o, this.k4);
    this.outer6.findOrInsert(this.k4);
  }

  private mark4(addr: number, role: number): void {
    this.k1[0] = addr;
    this.roles4 = markRole(this.inner4, this.k1, this.roles4, role, MAX_INNER_V4);
  }

  private mark6(b: Uint8Array, o: number, role: number): void {
    readWords(b, o, this.k4);
    this.roles6 = markRole(this.inner6, this.k4, this.roles6, role, MAX_INNER_V6);
  }

  exportState(): PodCidrState {
    return {
      inner4: this.inner4.keys.slice(0, this.inner4.size), roles4: this.roles4.slice(0, this.inner4.size),
      inner6: this.inner6.keys.slice(0, this.inner6.size * 4), roles6: this.roles6.slice(0, this.inner6.size),
      outer4: this.outer4.keys.slice(0, this.outer4.size), outer6: this.outer6.keys.slice(0, this.outer6.size * 4),
    };
  }

  mergeState(s: PodCidrState): void {
    for (let i = 0; i < s.roles4.length; i++) {
      this.k1[0] = s.inner4[i];
      this.roles4 = markRole(this.inner4, this.k1, this.roles4, s.roles4[i], MAX_INNER_V4);
    }
    for (let i = 0; i < s.roles6.length; i++) {
      this.k4.set(s.inner6.subarray(i * 4, i * 4 + 4));
      this.roles6 = markRole(this.inner6, this.k4, this.roles6, s.roles6[i], MAX_INNER_V6);
    }
    for (const a of s.outer4) this.addOuterV4(a);
    for (let i = 0; i + 4 <= s.outer6.length; i += 4) {
      if (this.outer6.size >= MAX_OUTER) break;
      this.k4.set(s.outer6.subarray(i, i + 4));
      this.outer6.findOrInsert(this.k4);
    }
  }

  infer(): PodCidr[] {
    return [...this.inferV4(), ...this.inferV6()];
  }

  private inferV4(): PodCidr[] {
    const nodes24 = new Set<number>(), nodes16 = new Set<number>(), nodes = new Set<number>();
    for (let i = 0; i < this.outer4.size; i++) {
      const a = this.outer4.keys[i];
      nodes.add(a); nodes24.add(a >>> 8); nodes16.add(a >>> 16);
    }
    const by24 = new Map<number, number[]>(); // /24 network >>> 8 -> counted addresses
    for (let i = 0; i < this.inner4.size; i++) {
      const a = this.inner4.keys[i];
      if (this.roles4[i] !== BOTH || nodes.has(a)) continue;
      const list = by24.get(a >>> 8);
      if (list) list.push(a); else by24.set(a >>> 8, [a]);
    }
    const blocks: { key: number; out: PodCidr[] }[] = [];
    const covered = new Set<number>();
    const by16 = new Map<number, number[]>();
    for (const n24 of by24.keys()) {
      if (!ipv4Private(n24 << 8 >>> 0)) continue;
      const list = by16.get(n24 >>> 8);
      if (list) list.push(n24); else by16.set(n24 >>> 8, [n24]);
    }
    for (const [n16, nets] of by16) {
      if (nets.length < 2 || nodes16.has(n16)) continue;
      const count = nets.reduce((n, x) => n + by24.get(x)!.length, 0);
      if (count < POD_BLOCK_MIN_PRIVATE) continue;
      nets.forEach((x) => covered.add(x));
      const confidence = level(count, POD_BLOCK_MIN_PRIVATE);
      blocks.push({ key: n16 << 16 >>> 0, out: [{
        cidr: `${ipv4FromU32(n16 << 16 >>> 0)}/16`, source: 'inferred', confidence,
        evidence: `${count} tunnel inner addresses seen sending and receiving, in ${nets.length} /24 blocks of a private range; ` +
          `no tunnel endpoint inside (${POD_BLOCK_MIN_PRIVATE} needed, ${2 * POD_BLOCK_MIN_PRIVATE} for high confidence)`,
      }] });
    }
    for (const [n24, addrs] of by24) {
      if (covered.has(n24)) continue;
      const net = n24 << 8 >>> 0;
      const priv = ipv4Private(net);
      const min = priv ? POD_BLOCK_MIN_PRIVATE : POD_BLOCK_MIN_PUBLIC;
      if (addrs.length < min) continue;
      blocks.push({ key: net, out: nodes24.has(n24)
        ? hostsOf(addrs.sort((x, y) => x - y).map((a) => `${ipv4FromU32(a)}/32`), '/24', addrs.length)
        : [blockOf(`${ipv4FromU32(net)}/24`, addrs.length, priv, min)] });
    }
    return blocks.sort((x, y) => x.key - y.key).flatMap((b) => b.out);
  }

  private inferV6(): PodCidr[] {
    const keys = this.inner6.keys, okeys = this.outer6.keys;
    const word = (k: Uint32Array, i: number, w: number) => k[i * 4 + w];
    const nodes = new Set<string>(), nodes64 = new Set<string>(), nodes48 = new Set<string>();
    for (let i = 0; i < this.outer6.size; i++) {
      const w0 = word(okeys, i, 0), w1 = word(okeys, i, 1);
      nodes.add(`${w0}:${w1}:${word(okeys, i, 2)}:${word(okeys, i, 3)}`);
      nodes64.add(`${w0}:${w1}`);
      nodes48.add(`${w0}:${w1 >>> 16}`);
    }
    const by64 = new Map<string, number[]>(); // /64 -> entry indexes of counted addresses
    for (let i = 0; i < this.inner6.size; i++) {
      if (this.roles6[i] !== BOTH) continue;
      const w0 = word(keys, i, 0), w1 = word(keys, i, 1);
      if (nodes.has(`${w0}:${w1}:${word(keys, i, 2)}:${word(keys, i, 3)}`)) continue;
      const k = `${w0}:${w1}`;
      const list = by64.get(k);
      if (list) list.push(i); else by64.set(k, [i]);
    }
    const text = (i: number, len: number) => {
      const b = new Uint8Array(16);
      for (let w = 0; w < 4; w++) {
        const v = w * 32 >= len ? 0 : len - w * 32 >= 32 ? keys[i * 4 + w] : (keys[i * 4 + w] & (0xffffffff << (32 - (len - w * 32)))) >>> 0;
        b[4 * w] = v >>> 24; b[4 * w + 1] = (v >>> 16) & 255; b[4 * w + 2] = (v >>> 8) & 255; b[4 * w + 3] = v & 255;
      }
      return `${formatIp(b)}/${len}`;
    };
    const isPrivate = (i: number) => (keys[i * 4] >>> 25) === 0x7e; // fc00::/7
    const blocks: { key: number[]; out: PodCidr[] }[] = [];
    const covered = new Set<string>();
    const by48 = new Map<string, string[]>();
    for (const [k64, list] of by64) {
      if (!isPrivate(list[0])) continue;
      const k48 = `${word(keys, list[0], 0)}:${word(keys, list[0], 1) >>> 16}`;
      const nets = by48.get(k48);
      if (nets) nets.push(k64); else by48.set(k48, [k64]);
    }
    for (const [k48, nets] of by48) {
      if (nets.length < 2 || nodes48.has(k48)) continue;
      const count = nets.reduce((n, x) => n + by64.get(x)!.length, 0);
      if (count < POD_BLOCK_MIN_PRIVATE) continue;
      nets.forEach((x) => covered.add(x));
      const first = by64.get(nets[0])![0];
      const confidence = level(count, POD_BLOCK_MIN_PRIVATE);
      blocks.push({ key: [keys[first * 4], keys[first * 4 + 1] >>> 16], out: [{
        cidr: text(first, 48), source: 'inferred', confidence,
        evidence: `${count} tunnel inner addresses seen sending and receiving, in ${nets.length} /64 blocks of a private range; ` +
          `no tunnel endpoint inside (${POD_BLOCK_MIN_PRIVATE} needed, ${2 * POD_BLOCK_MIN_PRIVATE} for high confidence)`,
      }] });
    }
    for (const [k64, list] of by64) {
      if (covered.has(k64)) continue;
      const priv = isPrivate(list[0]);
      const min = priv ? POD_BLOCK_MIN_PRIVATE : POD_BLOCK_MIN_PUBLIC;
      if (list.length < min) continue;
      const first = list[0];
      blocks.push({ key: [keys[first * 4], keys[first * 4 + 1]], out: nodes64.has(k64)
        ? hostsOf(list.map((i) => text(i, 128)).sort(), '/64', list.length)
        : [blockOf(text(first, 64), list.length, priv, min)] });
    }
    return blocks.sort((x, y) => x.key[0] - y.key[0] || x.key[1] - y.key[1]).flatMap((b) => b.out);
  }
}

/** What a worker posts back; merged with mergeState(). */
export interface PodCidrState {
  inner4: Uint32Array; roles4: Uint8Array;
  inner6: Uint32Array; roles6: Uint8Array;
  outer4: Uint32Array; outer6: Uint32Array;
}

function readWords(b: Uint8Array, o: number, out: Uint32Array): void {
  for (let w = 0; w < 4; w++) out[w] = ((b[o + 4 * w] << 24) | (b[o + 4 * w + 1] << 16) | (b[o + 4 * w + 2] << 8) | b[o + 4 * w + 3]) >>> 0;
}

/** ORs `role` into the key's role bits (inserting it while under the cap); returns the role array, grown if needed. */
function markRole(t: KeyTable, k: Uint32Array, roles: Uint8Array, role: number, cap: number): Uint8Array {
  const e = t.size >= cap ? t.find(k) : t.findOrInsert(k);
  if (e < 0) return roles;
  if (e >= roles.length) {
    const bigger = new Uint8Array(Math.max(roles.length * 2, e + 1));
    bigger.set(roles);
    roles = bigger;
  }
  roles[e] |= role;
  return roles;
}

function level(count: number, min: number): PodCidrConfidence {
  return count >= 2 * min ? 'high' : 'medium';
}

function blockOf(cidr: string, count: number, priv: boolean, min: number): PodCidr {
  const confidence = level(count, min);
  return {
    cidr, source: 'inferred', confidence,
    evidence: `${count} tunnel inner addresses seen sending and receiving, ${priv ? 'private' : 'public'} range ` +
      `(${min} needed, ${2 * min} for high confidence)`,
  };
}

function hostsOf(cidrs: string[], block: string, count: number): PodCidr[] {
  return cidrs.map((cidr) => ({
    cidr, source: 'inferred' as const, confidence: 'low' as const,
    evidence: `tunnel inner address seen sending and receiving, one of ${count} in its ${block}; a tunnel endpoint shares the ${block}, so only host addresses are taken`,
  }));
}

/** Merges the CIDRs of all sources into one set (first source wins for duplicates). */
export function buildCidrSet(list: readonly PodCidr[]): CidrSet {
  const set = new CidrSet();
  for (const c of list) {
    const parsed = parseCidr(c.cidr);
    if (parsed) set.add(parsed);
  }
  return set;
}
