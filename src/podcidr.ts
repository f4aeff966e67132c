// Pod CIDRs: given on the command line, announced over BGP, or inferred from the inner addresses
// seen in tunnels. Inference groups inner IPv4 addresses into /24 blocks (flannel's per-node
// subnet size; Calico's /26 blocks fall inside) and widens to the /16 that covers several blocks
// only when no tunnel endpoint (node address) falls inside it, so node traffic is never taken
// for pod traffic. Each CIDR says where it came from.
import { CidrSet, parseCidr } from './cidr.js';
import { ipv4FromU32 } from './packet.js';
import { KeyTable } from './flows/keytable.js';

export type CidrSource = 'flag' | 'bgp' | 'inferred';

export interface PodCidr {
  cidr: string;
  source: CidrSource;
  evidence: string;
}

export class PodCidrInference {
  private readonly inner = new KeyTable(1, 1024);
  private readonly outer = new KeyTable(1, 256);
  private readonly k = new Uint32Array(1);

  addInner(addr: number): void {
    if (this.inner.size >= 1_000_000) return;
    this.k[0] = addr;
    this.inner.findOrInsert(this.k);
  }

  addOuter(addr: number): void {
    if (this.outer.size >= 100_000) return;
    this.k[0] = addr;
    this.outer.findOrInsert(this.k);
  }

  exportState(): { inner: Uint32Array; outer: Uint32Array } {
    return { inner: this.inner.keys.slice(0, this.inner.size), outer: this.outer.keys.slice(0, this.outer.size) };
  }

  mergeState(s: { inner: Uint32Array; outer: Uint32Array }): void {
    for (const a of s.inner) this.addInner(a);
    for (const a of s.outer) this.addOuter(a);
  }

  infer(): PodCidr[] {
    const outerAddrs = Array.from(this.outer.keys.subarray(0, this.outer.size));
    const outerSet = new Set(outerAddrs);
    const blocks = new Map<number, number>(); // /24 network -> inner addresses seen
    for (let i = 0; i < this.inner.size; i++) {
      const a = this.inner.keys[i];
      if (outerSet.has(a)) continue; // a node address that also appears inside: not a pod
      const net = (a & 0xffffff00) >>> 0;
      blocks.set(net, (blocks.get(net) ?? 0) + 1);
    }
    const out: PodCidr[] = [];
    const bySixteen = new Map<number, number[]>();
    for (const net of blocks.keys()) {
      const s = (net & 0xffff0000) >>> 0;
      const list = bySixteen.get(s) ?? [];
      list.push(net);
      bySixteen.set(s, list);
    }
    for (const [s16, nets] of [...bySixteen].sort((a, b) => a[0] - b[0])) {
      const nodeInside = outerAddrs.some((a) => ((a & 0xffff0000) >>> 0) === s16);
      if (nets.length >= 2 && !nodeInside) {
        const count = nets.reduce((n, x) => n + blocks.get(x)!, 0);
        out.push({
          cidr: `${ipv4FromU32(s16)}/16`, source: 'inferred',
          evidence: `${count} tunnel inner addresses in ${nets.length} /24 blocks; no tunnel endpoint inside`,
        });
        continue;
      }
      for (const net of nets.sort((a, b) => a - b)) {
        const nodeIn24 = outerAddrs.some((a) => ((a & 0xffffff00) >>> 0) === net);
        if (nodeIn24) {
          // Nodes and pods share this /24 (a test bed or a flat network): stay at host addresses.
          for (let i = 0; i < this.inner.size; i++) {
            const a = this.inner.keys[i];
            if (((a & 0xffffff00) >>> 0) === net && !outerSet.has(a)) {
              out.push({ cidr: `${ipv4FromU32(a)}/32`, source: 'inferred', evidence: 'tunnel inner address; a tunnel endpoint shares its /24' });
            }
          }
          continue;
        }
        out.push({ cidr: `${ipv4FromU32(net)}/24`, source: 'inferred', evidence: `${blocks.get(net)} tunnel inner addresses` });
      }
    }
    return out;
  }
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
