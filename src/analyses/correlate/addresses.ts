// Outer addresses interned as small numbers: an IPv4 address or a 32-bit hash of an IPv6 address
// is looked up in an open-addressing table (typed arrays, no allocation per packet); the text is
// made once, when an address is first seen.
import { ipv4FromU32, ipv6String } from '../../../dissectors/packet.js';
import { parseIp } from '../../util/cidr.js';

const V6_BASE = 2 ** 32;

export class AddressBook {
  private keys = new Float64Array(1024).fill(-1);
  private vals = new Int32Array(1024);
  private used = 0;
  readonly texts: string[] = [];

  /** The index of an IPv4 address given as an unsigned 32-bit number. */
  v4(addr: number): number {
    const slot = this.find(addr);
    if (this.keys[slot] === addr) return this.vals[slot];
    return this.add(slot, addr, ipv4FromU32(addr));
  }

  /** The index of the IPv6 address at b[o..o+16). */
  v6(b: Uint8Array, o: number): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < 16; i++) h = Math.imul(h ^ b[o + i], 0x01000193);
    const key = V6_BASE + (h >>> 0);
    const slot = this.find(key);
    if (this.keys[slot] === key) return this.vals[slot];
    return this.add(slot, key, ipv6String(b, o));
  }

  /** The index of an address given as text, added when new (cold path: fingerprint files). */
  intern(text: string): number {
    const b = parseIp(text);
    if (b === null) throw new RangeError(`not an IP address: ${text}`);
    if (b.length === 4) return this.v4(((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0);
    return this.v6(b, 0);
  }

  /** The index of an address given as text (cold path: command line, tests). */
  byText(text: string): number {
    return this.texts.indexOf(text);
  }

  text(index: number): string {
    return this.texts[index] ?? '?';
  }

  get size(): number {
    return this.texts.length;
  }

  private find(key: number): number {
    const mask = this.keys.length - 1;
    let s = (Math.imul(key >>> 0, 0x9e3779b1) ^ (key / V6_BASE)) & mask;
    while (this.keys[s] !== -1 && this.keys[s] !== key) s = (s + 1) & mask;
    return s;
  }

  private add(slot: number, key: number, text: string): number {
    const index = this.texts.length;
    this.texts.push(text);
    this.keys[slot] = key;
    this.vals[slot] = index;
    if (++this.used * 2 > this.keys.length) this.grow();
    return index;
  }

  private grow(): void {
    const oldK = this.keys, oldV = this.vals;
    this.keys = new Float64Array(oldK.length * 2).fill(-1);
    this.vals = new Int32Array(oldK.length * 2);
    for (let i = 0; i < oldK.length; i++) {
      if (oldK[i] === -1) continue;
      const s = this.find(oldK[i]);
      this.keys[s] = oldK[i];
      this.vals[s] = oldV[i];
    }
  }
}
