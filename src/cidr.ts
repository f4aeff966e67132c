// A set of IPv4/IPv6 prefixes with numeric lookups (no strings built per packet).
import { u32 } from './packet.js';

export interface Cidr { family: 4 | 6; bytes: Uint8Array; prefixLen: number; text: string }

export function parseCidr(text: string): Cidr | null {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text.trim());
  if (!m) return null;
  const len = Number(m[2]);
  const addr = parseIp(m[1]);
  if (!addr) return null;
  const family = addr.length === 4 ? 4 : 6;
  if (len > addr.length * 8) return null;
  const bytes = new Uint8Array(addr);
  for (let bit = len; bit < bytes.length * 8; bit++) bytes[bit >> 3] &= ~(0x80 >> (bit & 7));
  return { family, bytes, prefixLen: len, text: `${formatIp(bytes)}/${len}` };
}

export function parseIp(s: string): Uint8Array | null {
  if (s.includes(':')) return parseIpv6(s);
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^\d{1,3}$/.test(parts[i])) return null;
    const v = Number(parts[i]);
    if (v > 255) return null;
    out[i] = v;
  }
  return out;
}

function parseIpv6(s: string): Uint8Array | null {
  let tail4: Uint8Array | null = null;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    tail4 = parseIp(s.slice(lastColon + 1));
    if (!tail4) return null;
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const groups = halves.length === 2 ? [...head, ...new Array(8 - head.length - tail.length).fill('0'), ...tail] : head;
  if (groups.length !== 8) return null;
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(groups[i])) return null;
    const v = parseInt(groups[i], 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 255;
  }
  if (tail4) out.set(tail4, 12);
  return out;
}

export function formatIp(b: Uint8Array): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(((b[i] << 8) | b[i + 1]).toString(16));
  // Compress the longest zero run (RFC 5952).
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === '0') j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  if (best < 0) return g.join(':');
  return `${g.slice(0, best).join(':')}::${g.slice(best + bestLen).join(':')}`;
}

/** Prefix set. IPv4 lookups are one masked Set probe per distinct prefix length. */
export class CidrSet {
  private readonly v4ByLen = new Map<number, Set<number>>();
  private v4Lens: number[] = [];
  private readonly v6: Cidr[] = [];
  readonly entries: Cidr[] = [];

  add(c: Cidr): boolean {
    if (this.entries.some((e) => e.text === c.text)) return false;
    this.entries.push(c);
    if (c.family === 4) {
      let set = this.v4ByLen.get(c.prefixLen);
      if (!set) {
        set = new Set();
        this.v4ByLen.set(c.prefixLen, set);
        this.v4Lens = [...this.v4ByLen.keys()].sort((a, b) => b - a);
      }
      set.add(u32(c.bytes, 0));
    } else {
      this.v6.push(c);
    }
    return true;
  }

  get size(): number {
    return this.entries.length;
  }

  /** Does the IPv4 address (as an unsigned 32-bit number) fall in a prefix of the set? */
  hasV4(addr: number): boolean {
    const lens = this.v4Lens;
    for (let k = 0; k < lens.length; k++) {
      const len = lens[k];
      const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
      if (this.v4ByLen.get(len)!.has((addr & mask) >>> 0)) return true;
    }
    return false;
  }

  /** Does the IPv6 address at b[o..o+16) fall in a prefix of the set? */
  hasV6(b: Uint8Array, o: number): boolean {
    outer: for (const c of this.v6) {
      const full = c.prefixLen >> 3, rem = c.prefixLen & 7;
      for (let i = 0; i < full; i++) if (b[o + i] !== c.bytes[i]) continue outer;
      if (rem && ((b[o + full] ^ c.bytes[full]) & (0xff << (8 - rem)) & 0xff) !== 0) continue;
      return true;
    }
    return false;
  }
}
