// The tunnel-pair table and the three rules that read it: VXLAN_MIXED_PORTS (one VTEP pair on more
// than one VXLAN port), VXLAN_SRC_PORT_NO_ENTROPY (one outer source port for many inner flows) and
// VNI_PER_VTEP_INCONSISTENT (a pair whose VNI the rest of the cluster does not use). One module
// because the three share the per-pair table, which is the hottest table in lint: kept once.
import { R, type RuleIndex } from '../rules.js';
import { Proto, type PacketState } from '../../../../dissectors/packet.js';
import { vxlanVni } from '../../../../dissectors/vxlan.js';
import { geneveVni } from '../../../../dissectors/geneve.js';
import { ipv4Dst, ipv4Protocol, ipv4Src } from '../../../../dissectors/ipv4.js';
import { ipv6DstWord, ipv6SrcWord, ipv6UpperProtocol } from '../../../../dissectors/ipv6.js';
import { tcpDstPort, tcpSrcPort } from '../../../../dissectors/tcp.js';
import { udpDstPort, udpSrcPort } from '../../../../dissectors/udp.js';
import type { FindingDraft } from '../bgp.js';
import { CountTable, type CountTableState, compareWords, countsObject, growF64, growI32, growU8, ipFamily, ipText, ipWords, mix32 } from '../../../util/tables.js';
import { plural, type FindingSink, type LintEnv, type RuleCounts, type RuleModule, type TunnelView } from '../rule.js';

const MAX_PAIRS = 1 << 16;
const PORT_SLOTS = 4;
const VNI_SLOTS = 8;
const ENC_VXLAN = 1;
const ENC_GENEVE = 2;
const ENC_NAME = ['', 'vxlan', 'geneve'];

/** Key of the directed outer-IP pair: [family | enc << 8, src x4, dst x4]. */
export function pairKey(st: PacketState, enc: number, key: Uint32Array): void {
  const ip = st.outerIp;
  key[0] = ipFamily(st, ip) | (enc << 8);
  ipWords(st, ip, false, key, 1);
  ipWords(st, ip, true, key, 5);
}

export interface TunnelPairsState {
  pairs: CountTableState;
  pairPorts: Int32Array; pairPortPkts: Float64Array; pairPortFirst: Float64Array; pairVnis: Int32Array; pairVniPkts: Float64Array;
  pairVniOverflow: Float64Array; pairSport: Int32Array; pairMultiSport: Uint8Array; pairFlows: Int32Array; pairNFlows: Uint8Array; flowSlots: number;
}

class TunnelPairs implements RuleModule<TunnelPairsState> {
  readonly rules = [R.VXLAN_MIXED_PORTS, R.VXLAN_SRC_PORT_NO_ENTROPY, R.VNI_PER_VTEP_INCONSISTENT] as const;
  // Tunnel pairs (directed: source VTEP -> destination VTEP), keyed [family | enc << 8, src x4, dst x4].
  private readonly pairs = new CountTable(9, MAX_PAIRS, 64);
  private pairPorts = new Int32Array(64 * PORT_SLOTS).fill(-1);
  private pairPortPkts = new Float64Array(64 * PORT_SLOTS);
  private pairPortFirst = new Float64Array(64 * PORT_SLOTS);
  private pairVnis = new Int32Array(64 * VNI_SLOTS).fill(-1);
  private pairVniPkts = new Float64Array(64 * VNI_SLOTS);
  private pairVniOverflow = new Float64Array(64);
  private pairSport = new Int32Array(64).fill(-1);
  private pairMultiSport = new Uint8Array(64);
  private pairFlows: Int32Array;
  private pairNFlows = new Uint8Array(64);
  private readonly flowSlots: number;

  constructor(private readonly env: LintEnv) {
    this.flowSlots = Math.max(2, Math.min(64, Math.floor(env.thresholds.entropyMinFlows)));
    this.pairFlows = new Int32Array(64 * this.flowSlots);
  }

  onVxlan(p: TunnelView): void {
    this.track(p.st, ENC_VXLAN, p.port, vxlanVni(p.st, p.t), p.sport, p.frame, p.file);
  }

  onGeneve(p: TunnelView): void {
    if (p.udp >= 0) this.track(p.st, ENC_GENEVE, p.port, geneveVni(p.st, p.t), p.sport, p.frame, p.file);
  }

  private track(st: PacketState, enc: number, port: number, vni: number, sport: number, frame: number, file: number): void {
    if (st.outerIp < 0) return;
    const key = this.env.key;
    pairKey(st, enc, key);
    const e = this.pairs.add(key, frame, file);
    if (e < 0) return;
    if (e >= this.pairSport.length) this.growPairs();
    // Ports (up to PORT_SLOTS distinct per pair).
    const pb = e * PORT_SLOTS;
    for (let k = 0; k < PORT_SLOTS; k++) {
      const v = this.pairPorts[pb + k];
      if (v === port) { this.pairPortPkts[pb + k]++; break; }
      if (v < 0) { this.pairPorts[pb + k] = port; this.pairPortPkts[pb + k] = 1; this.pairPortFirst[pb + k] = frame; break; }
    }
    // VNIs (up to VNI_SLOTS distinct per pair).
    const vb = e * VNI_SLOTS;
    let placed = false;
    for (let k = 0; k < VNI_SLOTS; k++) {
      const v = this.pairVnis[vb + k];
      if (v === vni) { this.pairVniPkts[vb + k]++; placed = true; break; }
      if (v < 0) { this.pairVnis[vb + k] = vni; this.pairVniPkts[vb + k] = 1; placed = true; break; }
    }
    if (!placed) this.pairVniOverflow[e]++;
    // Source-port entropy: one source port and at least flowSlots distinct inner flows.
    if (this.pairMultiSport[e]) return;
    if (this.pairSport[e] < 0) this.pairSport[e] = sport;
    else if (this.pairSport[e] !== sport) {
      this.pairMultiSport[e] = 1;
      return;
    }
    const nf = this.pairNFlows[e];
    if (nf >= this.flowSlots) return;
    const inner = st.innerIp;
    if (inner < 0 || inner === st.outerIp) return;
    const h = this.innerFlowHash(st, inner);
    const fb = e * this.flowSlots;
    for (let k = 0; k < nf; k++) if (this.pairFlows[fb + k] === h) return;
    this.pairFlows[fb + nf] = h;
    this.pairNFlows[e] = nf + 1;
  }

  private innerFlowHash(st: PacketState, inner: number): number {
    let h = 0x811c9dc5 | 0;
    if (st.kind[inner] === Proto.IPV4) {
      h = mix32(h, ipv4Src(st, inner));
      h = mix32(h, ipv4Dst(st, inner));
      h = mix32(h, ipv4Protocol(st, inner));
    } else {
      for (let w = 0; w < 4; w++) h = mix32(h, ipv6SrcWord(st, inner, w));
      for (let w = 0; w < 4; w++) h = mix32(h, ipv6DstWord(st, inner, w));
      h = mix32(h, ipv6UpperProtocol(st, inner));
    }
    const l4 = st.l4;
    if (l4 > inner && st.kind[l4] === Proto.TCP) h = mix32(h, (tcpSrcPort(st, l4) << 16) | tcpDstPort(st, l4));
    else if (l4 > inner && st.kind[l4] === Proto.UDP) h = mix32(h, (udpSrcPort(st, l4) << 16) | udpDstPort(st, l4));
    return h | 0;
  }

  private growPairs(): void {
    const n = this.pairSport.length * 2;
    this.pairPorts = growI32(this.pairPorts, n * PORT_SLOTS, -1);
    this.pairPortPkts = growF64(this.pairPortPkts, n * PORT_SLOTS);
    this.pairPortFirst = growF64(this.pairPortFirst, n * PORT_SLOTS);
    this.pairVnis = growI32(this.pairVnis, n * VNI_SLOTS, -1);
    this.pairVniPkts = growF64(this.pairVniPkts, n * VNI_SLOTS);
    this.pairVniOverflow = growF64(this.pairVniOverflow, n);
    this.pairSport = growI32(this.pairSport, n, -1);
    this.pairMultiSport = growU8(this.pairMultiSport, n);
    this.pairFlows = growI32(this.pairFlows, n * this.flowSlots);
    this.pairNFlows = growU8(this.pairNFlows, n);
  }

  exportState(): TunnelPairsState {
    const n = this.pairs.size;
    return {
      pairs: this.pairs.exportState(),
      pairPorts: this.pairPorts.slice(0, n * PORT_SLOTS), pairPortPkts: this.pairPortPkts.slice(0, n * PORT_SLOTS),
      pairPortFirst: this.pairPortFirst.slice(0, n * PORT_SLOTS), pairVnis: this.pairVnis.slice(0, n * VNI_SLOTS),
      pairVniPkts: this.pairVniPkts.slice(0, n * VNI_SLOTS), pairVniOverflow: this.pairVniOverflow.slice(0, n),
      pairSport: this.pairSport.slice(0, n), pairMultiSport: this.pairMultiSport.slice(0, n),
      pairFlows: this.pairFlows.slice(0, n * this.flowSlots), pairNFlows: this.pairNFlows.slice(0, n), flowSlots: this.flowSlots,
    };
  }

  mergeState(s: TunnelPairsState): void {
    const map = this.pairs.mergeState(s.pairs);
    const F = s.flowSlots;
    for (let i = 0; i < map.length; i++) {
      const e = map[i];
      if (e < 0) continue;
      while (e >= this.pairSport.length) this.growPairs();
      for (let k = 0; k < PORT_SLOTS; k++) {
        const port = s.pairPorts[i * PORT_SLOTS + k];
        if (port < 0) break;
        for (let m = 0; m < PORT_SLOTS; m++) {
          const v = this.pairPorts[e * PORT_SLOTS + m];
          if (v === port) { this.pairPortPkts[e * PORT_SLOTS + m] += s.pairPortPkts[i * PORT_SLOTS + k]; break; }
          if (v < 0) {
            this.pairPorts[e * PORT_SLOTS + m] = port;
            this.pairPortPkts[e * PORT_SLOTS + m] = s.pairPortPkts[i * PORT_SLOTS + k];
            this.pairPortFirst[e * PORT_SLOTS + m] = s.pairPortFirst[i * PORT_SLOTS + k];
            break;
          }
        }
      }
      for (let k = 0; k < VNI_SLOTS; k++) {
        const vni = s.pairVnis[i * VNI_SLOTS + k];
        if (vni < 0) break;
        let placed = false;
        for (let m = 0; m < VNI_SLOTS; m++) {
          const v = this.pairVnis[e * VNI_SLOTS + m];
          if (v === vni) { this.pairVniPkts[e * VNI_SLOTS + m] += s.pairVniPkts[i * VNI_SLOTS + k]; placed = true; break; }
          if (v < 0) { this.pairVnis[e * VNI_SLOTS + m] = vni; this.pairVniPkts[e * VNI_SLOTS + m] = s.pairVniPkts[i * VNI_SLOTS + k]; placed = true; break; }
        }
        if (!placed) this.pairVniOverflow[e] += s.pairVniPkts[i * VNI_SLOTS + k];
      }
      this.pairVniOverflow[e] += s.pairVniOverflow[i];
      // Source ports: one port on both sides stays "one port" only when it is the same port.
      if (s.pairMultiSport[i] || (this.pairSport[e] >= 0 && s.pairSport[i] >= 0 && this.pairSport[e] !== s.pairSport[i])) this.pairMultiSport[e] = 1;
      if (this.pairSport[e] < 0) this.pairSport[e] = s.pairSport[i];
      for (let k = 0; k < s.pairNFlows[i] && this.pairNFlows[e] < this.flowSlots; k++) {
        const h = s.pairFlows[i * F + k];
        let dup = false;
        for (let m = 0; m < this.pairNFlows[e]; m++) if (this.pairFlows[e * this.flowSlots + m] === h) { dup = true; break; }
        if (!dup) this.pairFlows[e * this.flowSlots + this.pairNFlows[e]++] = h;
      }
    }
  }

  /** Findings computed from the per-pair tables: mixed ports, source-port entropy, VNI consistency. */
  finish(out: FindingSink): void {
    const add = (rule: RuleIndex, d: FindingDraft) => out.add(rule, d);
    const P = this.pairs;
    interface Undirected { a: string; b: string; enc: number; ports: Map<number, { pkts: number; first: number }>; vnis: Map<number, number>; vniOverflow: number; pkts: number; first: number }
    const und = new Map<string, Undirected>();
    const entropy: Record<string, unknown>[] = [];
    let entropyPkts = 0, entropyFirst = 0;
    for (let e = 0; e < P.size; e++) {
      const k = P.keyOf(e);
      const fam = k[0] & 255, enc = k[0] >>> 8;
      const src = ipText(fam, k, 1), dst = ipText(fam, k, 5);
      const swap = compareWords(k, 1, 5, 4) > 0;
      const a = swap ? dst : src, b = swap ? src : dst;
      const id = `${enc}|${a}|${b}`;
      let u = und.get(id);
      if (!u) {
        u = { a, b, enc, ports: new Map(), vnis: new Map(), vniOverflow: 0, pkts: 0, first: P.first[e] };
        und.set(id, u);
      }
      u.pkts += P.counts[e];
      u.first = Math.min(u.first, P.first[e]);
      for (let s = 0; s < PORT_SLOTS; s++) {
        const port = this.pairPorts[e * PORT_SLOTS + s];
        if (port < 0) break;
        const cur = u.ports.get(port);
        const pk = this.pairPortPkts[e * PORT_SLOTS + s], fr = this.pairPortFirst[e * PORT_SLOTS + s];
        if (cur) { cur.pkts += pk; cur.first = Math.min(cur.first, fr); } else u.ports.set(port, { pkts: pk, first: fr });
      }
      for (let s = 0; s < VNI_SLOTS; s++) {
        const v = this.pairVnis[e * VNI_SLOTS + s];
        if (v < 0) break;
        u.vnis.set(v, (u.vnis.get(v) ?? 0) + this.pairVniPkts[e * VNI_SLOTS + s]);
      }
      u.vniOverflow += this.pairVniOverflow[e];
      if (!this.pairMultiSport[e] && this.pairNFlows[e] >= this.flowSlots) {
        entropyPkts += P.counts[e];
        entropyFirst = entropyFirst === 0 ? P.first[e] : Math.min(entropyFirst, P.first[e]);
        entropy.push({ src, dst, encapsulation: ENC_NAME[enc], sourcePort: this.pairSport[e], innerFlowsAtLeast: this.pairNFlows[e], packets: P.counts[e] });
      }
    }
    if (entropy.length > 0) {
      const ex = entropy[0] as { src: string; dst: string; sourcePort: number };
      add(R.VXLAN_SRC_PORT_NO_ENTROPY, {
        count: entropyPkts, firstFrame: entropyFirst,
        message: `${plural(entropy.length, 'VTEP pair')} send${entropy.length === 1 ? 's' : ''} ${this.flowSlots} or more inner flows from one outer UDP source port ` +
          `(e.g. ${ex.src} -> ${ex.dst} always from port ${ex.sourcePort}): no ECMP/RSS spreading`,
        evidence: { pairs: entropy.slice(0, 20), pairsTotal: entropy.length, minFlows: this.flowSlots },
      });
    }
    // Mixed ports (VXLAN only).
    const mixed: Record<string, unknown>[] = [];
    let mixedPkts = 0, mixedFirst = 0;
    for (const u of und.values()) {
      if (u.enc !== ENC_VXLAN || u.ports.size < 2) continue;
      const firsts = [...u.ports.values()].map((p) => p.first).sort((x, y) => x - y);
      mixedFirst = mixedFirst === 0 ? firsts[1] : Math.min(mixedFirst, firsts[1]);
      mixedPkts += u.pkts;
      mixed.push({ a: u.a, b: u.b, ports: countsObject([...u.ports].map(([p, v]) => [p, v.pkts] as [number, number])) });
    }
    if (mixed.length > 0) {
      const ex = mixed[0] as { a: string; b: string; ports: Record<string, number> };
      add(R.VXLAN_MIXED_PORTS, {
        count: mixedPkts, firstFrame: mixedFirst,
        message: `${plural(mixed.length, 'VTEP pair')} use${mixed.length === 1 ? 's' : ''} more than one VXLAN port (e.g. ${ex.a} <-> ${ex.b} on ${Object.keys(ex.ports).join(' and ')})`,
        evidence: { pairs: mixed.slice(0, 20), pairsTotal: mixed.length },
      });
    }
    // VNI per VTEP pair, per VXLAN port group.
    const groups = new Map<number, Undirected[]>();
    for (const u of und.values()) {
      if (u.enc !== ENC_VXLAN) continue;
      for (const port of u.ports.keys()) {
        let g = groups.get(port);
        if (!g) groups.set(port, (g = []));
        g.push(u);
      }
    }
    const outliers: Record<string, unknown>[] = [];
    let outPkts = 0, outFirst = 0;
    const judged: Record<string, unknown>[] = [];
    for (const [port, g] of [...groups].sort((x, y) => x[0] - y[0])) {
      if (g.length < this.env.thresholds.vniMinPairs) continue;
      const pairsUsing = new Map<number, number>();
      let overflow = false;
      for (const u of g) {
        if (u.vniOverflow > 0) overflow = true;
        for (const v of u.vnis.keys()) pairsUsing.set(v, (pairsUsing.get(v) ?? 0) + 1);
      }
      // Identity-style VNIs (Cilium, Weave): many distinct values, no cluster-wide VNI to compare against.
      if (overflow || pairsUsing.size > 4) continue;
      let dominant = -1, best = 0;
      for (const [v, n] of pairsUsing) if (n > best || (n === best && v < dominant)) { dominant = v; best = n; }
      if (best * 2 <= g.length) continue;
      judged.push({ port, dominantVni: dominant, pairs: g.length });
      for (const u of g) {
        if (u.vnis.has(dominant)) continue;
        outPkts += u.pkts;
        outFirst = outFirst === 0 ? u.first : Math.min(outFirst, u.first);
        outliers.push({ a: u.a, b: u.b, port, vnis: countsObject([...u.vnis]), clusterVni: dominant });
      }
    }
    if (outliers.length > 0) {
      const ex = outliers[0] as { a: string; b: string; vnis: Record<string, number>; clusterVni: number };
      add(R.VNI_PER_VTEP_INCONSISTENT, {
        count: outPkts, firstFrame: outFirst,
        message: `${plural(outliers.length, 'VTEP pair')} use${outliers.length === 1 ? 's' : ''} a VNI the rest of the cluster does not ` +
          `(e.g. ${ex.a} <-> ${ex.b} VNI ${Object.keys(ex.vnis).join(', ')}; the others use VNI ${ex.clusterVni})`,
        evidence: { pairs: outliers.slice(0, 20), pairsTotal: outliers.length, groups: judged },
      });
    }
  }
}

export function tunnelPairs(env: LintEnv, _counts: RuleCounts): RuleModule<TunnelPairsState> {
  return new TunnelPairs(env);
}
