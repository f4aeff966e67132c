// The CNI fingerprint analysis: per packet it counts the facts that CNIs leave in traffic (VXLAN
// port and VNI, Geneve options, IP-in-IP between nodes, TCP 179, WireGuard ports, routed pod
// blocks between node MACs, Calico's proxy-ARP MAC); finish() turns them into evidence and a
// verdict (src/analyses/cni/fingerprint.ts).
import type { AnalysisContext, PacketAnalysis } from '../../engine/analysis.js';
import type { CaptureRecord } from '../../reader/record.js';
import type { DecodeTables } from '../../../dissectors/dissector.js';
import { Proto, TrafficClass, type PacketState } from '../../../dissectors/packet.js';
import { VXLAN_FLAG_G, vxlanFlags, vxlanVni } from '../../../dissectors/vxlan.js';
import {
  GENEVE_OPT_HEADER_LEN, geneveFirstOption, geneveNextOption, geneveOptionClass, geneveOptionsEnd, geneveVni,
} from '../../../dissectors/geneve.js';
import { ETH_DST, ETH_SRC } from '../../../dissectors/ethernet.js';
import { ipv4Dst, ipv4Src } from '../../../dissectors/ipv4.js';
import { ipv6DstWord, ipv6SrcWord } from '../../../dissectors/ipv6.js';
import { tcpDstPort, tcpSrcPort } from '../../../dissectors/tcp.js';
import { isBgpPortPair } from '../../../dissectors/bgp.js';
import { CountTable, type CountTableState, growI32, ipv4Text, macHi, macLo, macText, mix32 } from '../../util/tables.js';
import { tunnelPort, udpBindings, vxlanLooksReal } from '../tunnel.js';
import type { BgpInput } from '../lint/bgp.js';
import { L2Analysis, type L2Result, type L2State } from './l2.js';
import { fingerprint, type CniEvidence, type CniResult } from './fingerprint.js';

export interface CniOptions {
  /** Extra VXLAN / Geneve ports (as given to the decoder). */
  vxlanPorts?: readonly number[];
  genevePorts?: readonly number[];
  /**
   * A shared L2 analysis. When given, the driver feeds it (it is a PacketAnalysis of its own, 'l2')
   * and this analysis only reads it; when absent, this analysis keeps and feeds a private one.
   */
  l2?: L2Analysis;
  /** BGP sessions and routes (adapted from the 'bgp' analysis); absent or null: only TCP 179 counts are used. */
  bgp?: () => BgpInput | null;
}

const OVN_CLASS = 0x0102;

// Tunnel routes (see CniAnalysis.routes): their kinds, and the slots of the entries kept per route.
const ROUTE_VXLAN = 1;
const ROUTE_GENEVE = 2;
const ROUTE_IPIP = 3;
const SLOT_MAIN = 0;
const SLOT_SRC = 1;
const SLOT_INNER16 = 2;
const SLOT_PAIRS = 3;
const SLOT_NODE_SRC = 4;
const SLOT_NODE_DST = 5;
const ROUTE_SLOTS = 6;
/** A slot the route's packets add nothing to (no inner IP, an IPv6 outer without node addresses). */
const NO_ENTRY = -2;

function isPrivate4(a: number): boolean {
  const o1 = a >>> 24, o2 = (a >>> 16) & 255;
  return o1 === 10 || (o1 === 172 && o2 >= 16 && o2 < 32) || (o1 === 192 && o2 === 168) || (o1 === 100 && o2 >= 64 && o2 < 128);
}

const CNI_TABLES = ['vxlan', 'vxlanGbp', 'vxlanSrc', 'vxlanPairs', 'vxlanInner16', 'geneve', 'geneveClasses', 'geneveNoOpt', 'geneveOvn',
  'geneveSrc', 'genevePairs', 'ipipPairs', 'ipipInner16', 'wireguard', 'bgpPairs', 'nodeIps', 'routed'] as const;
type CniTableName = (typeof CNI_TABLES)[number];

/** Tunnel kinds as the tunnels table names them: the traffic classes, and ERSPAN apart from other GRE. */
const TUNNEL_SLOT_NAME = ['', '', '', 'VXLAN', 'Geneve', 'IP-in-IP', 'GRE', 'NVGRE', 'WireGuard', 'ERSPAN'];
const ERSPAN_SLOT = 9;

export interface CniState {
  tables: Record<CniTableName, CountTableState>;
  scalars: { packets: number; tsMin: number; tsMax: number; gre: number; greFirst: number; nvgre: number; nvgreFirst: number; routedByCidr: number; routedByCidrFirst: number };
  tunnelPkts: Float64Array; tunnelFirst: Float64Array;
  l2: L2State | null;
}

export class CniAnalysis implements PacketAnalysis<CniResult> {
  readonly name = 'cni';
  private readonly tables: DecodeTables;
  private readonly l2: L2Analysis;
  private readonly ownL2: boolean;
  private readonly bgp: (() => BgpInput | null) | null;
  private readonly key = new Uint32Array(8);

  private packets = 0;
  private tsMin = Infinity;
  private tsMax = -Infinity;
  /** [port, vni] */
  private readonly vxlan = new CountTable(2, 65536);
  /** [port] packets with the Group Policy (G) flag. */
  private readonly vxlanGbp = new CountTable(1, 1024);
  /** [port, vni, inner source hash] */
  private readonly vxlanSrc = new CountTable(3, 65536);
  /** [port, endpoint a hash, endpoint b hash] (unordered) */
  private readonly vxlanPairs = new CountTable(3, 65536);
  /** [port, inner IPv4 /16] */
  private readonly vxlanInner16 = new CountTable(2, 4096);
  /** [port, vni] */
  private readonly geneve = new CountTable(2, 65536);
  /** [port, option class] */
  private readonly geneveClasses = new CountTable(2, 4096);
  /** [port] packets without options / with OVN's option */
  private readonly geneveNoOpt = new CountTable(1, 1024);
  private readonly geneveOvn = new CountTable(1, 1024);
  private readonly geneveSrc = new CountTable(3, 65536);
  private readonly genevePairs = new CountTable(3, 65536);
  /** [endpoint a hash, endpoint b hash] */
  private readonly ipipPairs = new CountTable(2, 65536);
  private readonly ipipInner16 = new CountTable(1, 4096);
  private gre = 0;
  private greFirst = 0;
  private nvgre = 0;
  private nvgreFirst = 0;
  /** [port] */
  private readonly wireguard = new CountTable(1, 1024);
  /** [endpoint a hash, endpoint b hash] */
  private readonly bgpPairs = new CountTable(2, 65536);
  /** IPv4 node addresses: tunnel endpoints and TCP 179 speakers. */
  private readonly nodeIps = new CountTable(1, 65536);
  /** [src mac hi, lo, dst mac hi, lo, src /24, dst /24] of plain IPv4 between private addresses */
  private readonly routed = new CountTable(6, 16384);
  private routedByCidr = 0;
  private routedByCidrFirst = 0;
  /**
   * Tunnel routes [kind | outer family << 4 | inner family << 8, port, VNI, outer source, outer
   * destination, inner source, VNI of the inner-source table]: every packet of one route adds the same keys to the tables above,
   * so the entries its first packet got are kept (ROUTE_SLOTS per route) and its later packets bump
   * their counts instead of looking up each key again. Only this thread's shortcut: not merged.
   */
  private readonly routes = new CountTable(7, 65536, 256);
  private routeEntries = new Int32Array(256 * ROUTE_SLOTS);
  private readonly routeKey = new Uint32Array(7);
  /** Per route kind, the table of each slot. */
  private readonly routeTables: CountTable[][] = [];
  /** The entries of the route being filled (its first packet), or -1 when the route table is full. */
  private fill = -1;
  /** Every tunnelled packet by kind (whether or not it matches a CNI signature), for the verdict's reason. */
  private readonly tunnelPkts = new Float64Array(TUNNEL_SLOT_NAME.length);
  private readonly tunnelFirst = new Float64Array(TUNNEL_SLOT_NAME.length);

  constructor(opts: CniOptions = {}) {
    this.tables = udpBindings(opts);
    this.ownL2 = opts.l2 === undefined;
    this.l2 = opts.l2 ?? new L2Analysis();
    this.bgp = opts.bgp ?? null;
    this.routeTables[ROUTE_VXLAN] = [this.vxlan, this.vxlanSrc, this.vxlanInner16, this.vxlanPairs, this.nodeIps, this.nodeIps];
    this.routeTables[ROUTE_GENEVE] = [this.geneve, this.geneveSrc, this.geneve, this.genevePairs, this.nodeIps, this.nodeIps];
    this.routeTables[ROUTE_IPIP] = [this.ipipPairs, this.ipipInner16, this.ipipInner16, this.ipipPairs, this.nodeIps, this.nodeIps];
  }

  /** 32-bit address (IPv4) or hash (IPv6) of one side of IP layer `ip`. */
  private addr(st: PacketState, ip: number, dst: boolean): number {
    if (st.kind[ip] === Proto.IPV4) return dst ? ipv4Dst(st, ip) : ipv4Src(st, ip);
    let h = 0x811c9dc5 | 0;
    for (let w = 0; w < 4; w++) h = mix32(h, dst ? ipv6DstWord(st, ip, w) : ipv6SrcWord(st, ip, w));
    return h >>> 0;
  }

  /** Writes [x, min(a,b), max(a,b)] of the outer IP pair at key[pos..]. */
  private pair(st: PacketState, ip: number, pos: number): void {
    const a = this.addr(st, ip, false), b = this.addr(st, ip, true);
    this.key[pos] = Math.min(a, b);
    this.key[pos + 1] = Math.max(a, b);
  }

  private node(st: PacketState, ip: number, frame: number, file: number): void {
    if (st.kind[ip] !== Proto.IPV4) return;
    this.key[0] = this.addr(st, ip, false);
    this.keep(SLOT_NODE_SRC, this.nodeIps.add(this.key, frame, file));
    this.key[0] = this.addr(st, ip, true);
    this.keep(SLOT_NODE_DST, this.nodeIps.add(this.key, frame, file));
  }

  /**
   * True when an earlier packet of this tunnel route added its keys: their counts are bumped and
   * the caller skips the lookups. Else the caller adds the keys, and keep() notes their entries.
   */
  private knownRoute(
    kind: number, st: PacketState, outer: number, port: number, vni: number, srcVni: number, inner: number, innerFamily: number, frame: number, file: number,
  ): boolean {
    const k = this.routeKey;
    k[0] = kind | (st.kind[outer] === Proto.IPV4 ? 4 << 4 : 6 << 4) | (innerFamily << 8);
    k[1] = port;
    k[2] = vni;
    k[3] = this.addr(st, outer, false);
    k[4] = this.addr(st, outer, true);
    k[5] = inner;
    k[6] = srcVni;
    const r = this.routes.add(k, frame, file);
    if (r >= 0 && this.routes.counts[r] > 1) {
      const ents = this.routeEntries, base = r * ROUTE_SLOTS;
      for (let s = 0; s < ROUTE_SLOTS; s++) {
        const e = ents[base + s];
        if (e !== NO_ENTRY) this.routeTables[kind][s].bump(e);
      }
      this.fill = -1;
      return true;
    }
    if (r >= 0) {
      if ((r + 1) * ROUTE_SLOTS > this.routeEntries.length) this.routeEntries = growI32(this.routeEntries, this.routeEntries.length * 2);
      this.routeEntries.fill(NO_ENTRY, r * ROUTE_SLOTS, (r + 1) * ROUTE_SLOTS);
    }
    this.fill = r;
    return false;
  }

  /** Notes the entry a route's first packet got in the table of `slot`. */
  private keep(slot: number, e: number): void {
    if (this.fill >= 0) this.routeEntries[this.fill * ROUTE_SLOTS + slot] = e;
  }

  onPacket(r: CaptureRecord, st: PacketState, ctx: AnalysisContext): void {
    if (this.ownL2) this.l2.onPacket(r, st, ctx);
    this.packets++;
    const ts = r.tsSec + r.tsNsec * 1e-9;
    if (ts < this.tsMin) this.tsMin = ts;
    if (ts > this.tsMax) this.tsMax = ts;
    const frame = r.frame, file = ctx.fileIndex;
    const b = st.buf, t = st.tunnel, outer = st.outerIp;
    if (t >= 0 && outer >= 0) {
      const k = st.kind[t];
      const slot = k === Proto.GRE && t + 1 < st.count && st.kind[t + 1] === Proto.ERSPAN ? ERSPAN_SLOT : st.cls;
      if (this.tunnelPkts[slot]++ === 0) this.tunnelFirst[slot] = frame;
      if (k === Proto.VXLAN) {
        const udp = t - 1;
        if (udp < 0 || st.kind[udp] !== Proto.UDP) return;
        if (!vxlanLooksReal(st, t)) return;
        const port = tunnelPort(this.tables, st, udp, Proto.VXLAN);
        const vni = vxlanVni(st, t);
        if (vxlanFlags(st, t) & VXLAN_FLAG_G) {
          this.key[0] = port;
          this.vxlanGbp.add(this.key, frame, file);
        }
        if (this.knownRoute(ROUTE_VXLAN, st, outer, port, vni, vni, this.innerSource(st), this.innerFamily(st), frame, file)) return;
        this.key[0] = port;
        this.key[1] = vni;
        this.keep(SLOT_MAIN, this.vxlan.add(this.key, frame, file));
        this.innerFacts(st, port, this.vxlanSrc, this.vxlanInner16, frame, file);
        this.key[0] = port;
        this.pair(st, outer, 1);
        this.keep(SLOT_PAIRS, this.vxlanPairs.add(this.key, frame, file));
        this.node(st, outer, frame, file);
      } else if (k === Proto.GENEVE) {
        const udp = t - 1;
        if (udp < 0 || st.kind[udp] !== Proto.UDP) return;
        const port = tunnelPort(this.tables, st, udp, Proto.GENEVE);
        const vni = geneveVni(st, t);
        this.key[0] = port;
        this.key[1] = vni;
        let ovn = false;
        const optEnd = geneveOptionsEnd(st, t);
        if (optEnd === geneveFirstOption(st, t)) this.geneveNoOpt.add(this.key, frame, file);
        for (let p = geneveFirstOption(st, t); p + GENEVE_OPT_HEADER_LEN <= optEnd; p = geneveNextOption(b, p)) {
          const cls = geneveOptionClass(b, p);
          if (cls === OVN_CLASS) ovn = true;
          this.key[0] = port;
          this.key[1] = cls;
          this.geneveClasses.add(this.key, frame, file);
        }
        this.key[0] = port;
        if (ovn) this.geneveOvn.add(this.key, frame, file);
        // Inner sources are counted per VNI (innerFacts reads it from key[1]), as for VXLAN; the
        // option loop above had left the last option's class there.
        if (this.knownRoute(ROUTE_GENEVE, st, outer, port, vni, vni, this.innerSource(st), this.innerFamily(st), frame, file)) return;
        this.key[0] = port;
        this.key[1] = vni;
        this.keep(SLOT_MAIN, this.geneve.add(this.key, frame, file));
        this.innerFacts(st, port, this.geneveSrc, null, frame, file);
        this.key[0] = port;
        this.pair(st, outer, 1);
        this.keep(SLOT_PAIRS, this.genevePairs.add(this.key, frame, file));
        this.node(st, outer, frame, file);
      } else if (st.cls === TrafficClass.IPIP) {
        // Calico's IP-in-IP is IPv4 in IPv4 (protocol 4); 6in4/4in6 tunnels are something else.
        if (st.kind[outer] !== Proto.IPV4 || st.kind[t] !== Proto.IPV4) return;
        const inner16 = ipv4Src(st, t) >>> 16;
        if (this.knownRoute(ROUTE_IPIP, st, outer, 0, 0, 0, inner16, 4, frame, file)) return;
        this.pair(st, outer, 0);
        this.keep(SLOT_MAIN, this.ipipPairs.add(this.key, frame, file));
        this.node(st, outer, frame, file);
        this.key[0] = inner16;
        this.keep(SLOT_INNER16, this.ipipInner16.add(this.key, frame, file));
      } else if (k === Proto.WIREGUARD) {
        const udp = t - 1;
        if (udp < 0 || st.kind[udp] !== Proto.UDP) return;
        this.fill = -1;
        this.key[0] = tunnelPort(this.tables, st, udp, Proto.WIREGUARD);
        this.wireguard.add(this.key, frame, file);
        this.node(st, outer, frame, file);
      } else if (st.cls === TrafficClass.NVGRE) {
        if (this.nvgre++ === 0) this.nvgreFirst = frame;
      } else if (st.cls === TrafficClass.GRE) {
        if (this.gre++ === 0) this.greFirst = frame;
      }
      return;
    }
    if (outer < 0) return;
    const l4 = st.l4;
    if (l4 >= 0 && st.kind[l4] === Proto.TCP) {
      // BGP by the decoder's TCP port binding (179, and -d tcp.port==P,bgp).
      if (isBgpPortPair((ctx.tables ?? this.tables).tcpPort, tcpSrcPort(st, l4), tcpDstPort(st, l4))) {
        this.fill = -1;
        this.pair(st, outer, 0);
        this.bgpPairs.add(this.key, frame, file);
        this.node(st, outer, frame, file);
        return;
      }
    }
    if (st.cls === TrafficClass.ROUTED) {
      if (this.routedByCidr++ === 0) this.routedByCidrFirst = frame;
    }
    // Plain IPv4 between two private addresses, directly on an Ethernet link: routed-pod candidates.
    if (st.kind[outer] !== Proto.IPV4 || st.kind[0] !== Proto.ETH) return;
    let p = outer - 1;
    while (p > 0 && st.kind[p] === Proto.VLAN) p--;
    if (p !== 0) return;
    const src = ipv4Src(st, outer), dst = ipv4Dst(st, outer);
    if (!isPrivate4(src) || !isPrivate4(dst)) return;
    const eo = st.off[0];
    const k = this.key;
    k[0] = macHi(b, eo + ETH_SRC);
    k[1] = macLo(b, eo + ETH_SRC);
    k[2] = macHi(b, eo + ETH_DST);
    k[3] = macLo(b, eo + ETH_DST);
    k[4] = (src & 0xffffff00) >>> 0;
    k[5] = (dst & 0xffffff00) >>> 0;
    this.routed.add(k, frame, file);
  }

  /** [port, vni, inner source] and inner /16 of tunnelled IPv4. */
  private innerFacts(st: PacketState, port: number, srcTable: CountTable, inner16: CountTable | null, frame: number, file: number): void {
    const inner = st.innerIp;
    if (inner < 0 || inner === st.outerIp) return;
    const vni = this.key[1];
    const a = this.addr(st, inner, false);
    this.key[0] = port;
    this.key[1] = vni;
    this.key[2] = a;
    this.keep(SLOT_SRC, srcTable.add(this.key, frame, file));
    if (inner16 && st.kind[inner] === Proto.IPV4) {
      this.key[0] = port;
      this.key[1] = a >>> 16;
      this.keep(SLOT_INNER16, inner16.add(this.key, frame, file));
    }
  }

  /** The inner source innerFacts counts (address or IPv6 hash), 0 when there is no inner IP. */
  private innerSource(st: PacketState): number {
    const inner = st.innerIp;
    return inner < 0 || inner === st.outerIp ? 0 : this.addr(st, inner, false);
  }

  /** 4 or 6 for the inner IP innerFacts counts, 0 when none. */
  private innerFamily(st: PacketState): number {
    const inner = st.innerIp;
    return inner < 0 || inner === st.outerIp ? 0 : st.kind[inner] === Proto.IPV4 ? 4 : 6;
  }

  exportState(): CniState {
    return {
      tables: Object.fromEntries(CNI_TABLES.map((k) => [k, this[k].exportState()])) as Record<CniTableName, CountTableState>,
      scalars: { packets: this.packets, tsMin: this.tsMin, tsMax: this.tsMax, gre: this.gre, greFirst: this.greFirst, nvgre: this.nvgre,
        nvgreFirst: this.nvgreFirst, routedByCidr: this.routedByCidr, routedByCidrFirst: this.routedByCidrFirst },
      tunnelPkts: this.tunnelPkts.slice(), tunnelFirst: this.tunnelFirst.slice(),
      l2: this.ownL2 ? this.l2.exportState() : null,
    };
  }

  /** Merges another file's state (in file order). A shared L2 analysis is merged by its own mergeState. */
  mergeState(s: CniState): void {
    for (const k of CNI_TABLES) this[k].mergeState(s.tables[k]);
    const x = s.scalars;
    this.packets += x.packets;
    this.tsMin = Math.min(this.tsMin, x.tsMin);
    this.tsMax = Math.max(this.tsMax, x.tsMax);
    if (this.gre === 0) this.greFirst = x.greFirst;
    if (this.nvgre === 0) this.nvgreFirst = x.nvgreFirst;
    if (this.routedByCidr === 0) this.routedByCidrFirst = x.routedByCidrFirst;
    this.gre += x.gre;
    this.nvgre += x.nvgre;
    this.routedByCidr += x.routedByCidr;
    for (let i = 0; i < this.tunnelPkts.length; i++) {
      if (this.tunnelPkts[i] === 0) this.tunnelFirst[i] = s.tunnelFirst[i];
      this.tunnelPkts[i] += s.tunnelPkts[i];
    }
    if (this.ownL2 && s.l2) this.l2.mergeState(s.l2);
  }

  /** The facts gathered so far, for the fingerprint. */
  evidence(): CniEvidence {
    const l2 = this.l2;
    const bgp = this.bgp ? this.bgp() : null;
    const perPort = (tab: CountTable, pairs: CountTable, src: CountTable, inner16: CountTable | null) => {
      const ports = new Map<number, { packets: number; firstFrame: number; vnis: Map<number, number> }>();
      for (let e = 0; e < tab.size; e++) {
        const k = tab.keyOf(e);
        let p = ports.get(k[0]);
        if (!p) ports.set(k[0], (p = { packets: 0, firstFrame: tab.first[e], vnis: new Map() }));
        p.packets += tab.counts[e];
        p.firstFrame = Math.min(p.firstFrame, tab.first[e]);
        p.vnis.set(k[1], (p.vnis.get(k[1]) ?? 0) + tab.counts[e]);
      }
      const pairCount = new Map<number, number>();
      for (let e = 0; e < pairs.size; e++) pairCount.set(pairs.keyOf(e)[0], (pairCount.get(pairs.keyOf(e)[0]) ?? 0) + 1);
      // Inner sources per port, and how many use more than one VNI.
      const srcVnis = new Map<number, Map<number, Set<number>>>();
      for (let e = 0; e < src.size; e++) {
        const k = src.keyOf(e);
        let m = srcVnis.get(k[0]);
        if (!m) srcVnis.set(k[0], (m = new Map()));
        let s = m.get(k[2]);
        if (!s) m.set(k[2], (s = new Set()));
        s.add(k[1]);
      }
      const inner = new Map<number, [number, number][]>();
      if (inner16) {
        for (let e = 0; e < inner16.size; e++) {
          const k = inner16.keyOf(e);
          let l = inner.get(k[0]);
          if (!l) inner.set(k[0], (l = []));
          l.push([k[1], inner16.counts[e]]);
        }
      }
      return [...ports].sort((a, b) => b[1].packets - a[1].packets).map(([port, p]) => {
        const m = srcVnis.get(port);
        let several = 0;
        if (m) for (const s of m.values()) if (s.size > 1) several++;
        return {
          port,
          packets: p.packets,
          firstFrame: p.firstFrame,
          vnis: [...p.vnis].sort((a, b) => b[1] - a[1]).map(([vni, packets]) => ({ vni, packets })),
          vtepPairs: pairCount.get(port) ?? 0,
          innerSources: m ? m.size : 0,
          innerSourcesWithSeveralVnis: several,
          innerPrefixes: (inner.get(port) ?? []).sort((a, b) => b[1] - a[1]).slice(0, 4).map(([v16]) => `${v16 >>> 8}.${v16 & 255}.0.0/16`),
        };
      });
    };
    const vxlan = perPort(this.vxlan, this.vxlanPairs, this.vxlanSrc, this.vxlanInner16).map((p) => {
      const g = this.findCount(this.vxlanGbp, [p.port]);
      return { ...p, gbpPackets: g };
    });
    const geneve = perPort(this.geneve, this.genevePairs, this.geneveSrc, null).map((p) => {
      const classes: Record<string, number> = {};
      for (let e = 0; e < this.geneveClasses.size; e++) {
        const k = this.geneveClasses.keyOf(e);
        if (k[0] === p.port) classes[`0x${k[1].toString(16).padStart(4, '0')}`] = this.geneveClasses.counts[e];
      }
      return { ...p, optionClasses: classes, ovnOptionPackets: this.findCount(this.geneveOvn, [p.port]), noOptionPackets: this.findCount(this.geneveNoOpt, [p.port]) };
    });
    let ipipPackets = 0, ipipFirst = 0;
    for (let e = 0; e < this.ipipPairs.size; e++) {
      ipipPackets += this.ipipPairs.counts[e];
      ipipFirst = ipipFirst === 0 ? this.ipipPairs.first[e] : Math.min(ipipFirst, this.ipipPairs.first[e]);
    }
    let tcp179 = 0, tcp179First = 0;
    for (let e = 0; e < this.bgpPairs.size; e++) {
      tcp179 += this.bgpPairs.counts[e];
      tcp179First = tcp179First === 0 ? this.bgpPairs.first[e] : Math.min(tcp179First, this.bgpPairs.first[e]);
    }
    const wireguard: CniEvidence['wireguard'] = [];
    for (const e of this.wireguard.sorted()) wireguard.push({ port: this.wireguard.keyOf(e)[0], packets: this.wireguard.counts[e], firstFrame: this.wireguard.first[e] });
    return {
      packets: this.packets,
      durationS: this.packets > 0 && Number.isFinite(this.tsMin) ? Math.max(0, this.tsMax - this.tsMin) : 0,
      vxlan,
      geneve,
      ipip: {
        packets: ipipPackets, firstFrame: ipipFirst, pairs: this.ipipPairs.size,
        innerPrefixes: this.ipipInner16.sorted().slice(0, 4).map((e) => { const v = this.ipipInner16.keyOf(e)[0]; return `${v >>> 8}.${v & 255}.0.0/16`; }),
      },
      gre: { packets: this.gre, firstFrame: this.greFirst },
      nvgre: { packets: this.nvgre, firstFrame: this.nvgreFirst },
      wireguard,
      tcp179: { packets: tcp179, pairs: this.bgpPairs.size, firstFrame: tcp179First },
      bgp: bgp ? summarizeBgp(bgp) : null,
      routed: this.routedEvidence(l2, bgp),
      routedByPodCidr: { packets: this.routedByCidr, firstFrame: this.routedByCidrFirst },
      proxyArpMac: l2.proxyArpMac(),
      tunnelsSeen: this.tunnelsSeen(),
    };
  }

  /** Tunnelled packets by kind, most first. */
  private tunnelsSeen(): CniEvidence['tunnelsSeen'] {
    const out: CniEvidence['tunnelsSeen'] = [];
    for (let i = 0; i < this.tunnelPkts.length; i++) {
      if (this.tunnelPkts[i] > 0) out.push({ tunnel: TUNNEL_SLOT_NAME[i], packets: this.tunnelPkts[i], firstFrame: this.tunnelFirst[i] });
    }
    return out.sort((a, b) => b.packets - a.packets || a.firstFrame - b.firstFrame);
  }

  private findCount(t: CountTable, words: number[]): number {
    for (let e = 0; e < t.size; e++) {
      const k = t.keyOf(e);
      let ok = true;
      for (let i = 0; i < words.length; i++) if (k[i] !== words[i]) { ok = false; break; }
      if (ok) return t.counts[e];
    }
    return 0;
  }

  /**
   * Routed pod traffic: plain IPv4 between private /24 blocks that hold no node address (ARP-bound,
   * tunnel endpoint, BGP speaker), forwarded between two different MACs.
   */
  private routedEvidence(l2: L2Analysis, bgp: BgpInput | null): CniEvidence['routed'] {
    if (this.routed.size === 0) return null;
    const arpBound = l2.arpBoundIpv4();
    const nodeBlocks = new Set<number>();
    for (const ip of arpBound.keys()) nodeBlocks.add((ip & 0xffffff00) >>> 0);
    for (let e = 0; e < this.nodeIps.size; e++) nodeBlocks.add((this.nodeIps.keyOf(e)[0] & 0xffffff00) >>> 0);
    for (const s of bgp?.sessions ?? []) for (const p of s.peers) {
      const m = /^(\d+)\.(\d+)\.(\d+)\.\d+$/.exec(p);
      if (m) nodeBlocks.add((((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8)) >>> 0));
    }
    const macNode = new Map<string, string>();
    for (const [ip, mac] of arpBound) if (!macNode.has(mac)) macNode.set(mac, ipv4Text(ip));
    const blocks = new Map<number, { macs: Set<string>; packets: number }>();
    let packets = 0, first = 0;
    const macsSeen = new Set<string>();
    for (let e = 0; e < this.routed.size; e++) {
      const k = this.routed.keyOf(e);
      if (k[0] === k[2] && k[1] === k[3]) continue;
      if (k[4] === k[5] || nodeBlocks.has(k[4]) || nodeBlocks.has(k[5])) continue;
      const sMac = macText(k[0], k[1]), dMac = macText(k[2], k[3]);
      if ((k[2] >>> 8) & 1) continue; // to a group address: not forwarded to a next hop
      packets += this.routed.counts[e];
      first = first === 0 ? this.routed.first[e] : Math.min(first, this.routed.first[e]);
      for (const [blk, mac] of [[k[4], sMac], [k[5], dMac]] as [number, string][]) {
        let x = blocks.get(blk);
        if (!x) blocks.set(blk, (x = { macs: new Set(), packets: 0 }));
        x.macs.add(mac);
        x.packets += this.routed.counts[e];
        macsSeen.add(mac);
      }
    }
    if (packets === 0) return null;
    const list = [...blocks].sort((a, b) => a[0] - b[0]).map(([blk, x]) => {
      const macs = [...x.macs].sort();
      return { block: `${ipv4Text(blk)}/24`, macs, nodeIp: macs.length === 1 ? macNode.get(macs[0]) ?? null : null, packets: x.packets };
    });
    const consistent = list.every((x) => x.macs.length === 1) && macsSeen.size >= 2;
    const betweenNodes = [...macsSeen].every((m) => macNode.has(m));
    const prefixes = (bgp?.routes ?? []).map((r) => r.prefix);
    const v4 = ipv4Prefixes(prefixes);
    const covered = list.filter((x) => blockInPrefixes(x.block, v4)).length;
    return { packets, firstFrame: first, blocks: list, consistent, betweenNodes, macs: macsSeen.size, blocksInBgpRoutes: covered };
  }

  finish(): CniResult {
    return fingerprint(this.evidence());
  }

  /** The L2 result when this analysis owns its L2 inventory (lint --json prints it as "l2"). */
  l2Result(): L2Result {
    return this.l2.finish();
  }
}

function summarizeBgp(bgp: BgpInput): NonNullable<CniEvidence['bgp']> {
  const asns = new Set<number>();
  for (const s of bgp.sessions) for (const a of s.asns ?? []) if (a !== null) asns.add(a);
  const prefixes = [...new Set((bgp.routes ?? []).map((r) => r.prefix))];
  const lens = new Map<number, number>();
  for (const p of prefixes) {
    const m = /\/(\d+)$/.exec(p);
    if (m) lens.set(Number(m[1]), (lens.get(Number(m[1])) ?? 0) + 1);
  }
  let first = 0;
  for (const s of bgp.sessions) if (s.firstFrame) first = first === 0 ? s.firstFrame : Math.min(first, s.firstFrame);
  return {
    sessions: bgp.sessions.length,
    asns: [...asns].sort((a, b) => a - b),
    prefixes: prefixes.slice(0, 50),
    prefixLengths: Object.fromEntries([...lens].sort((a, b) => a[0] - b[0]).map(([l, n]) => [`/${l}`, n])),
    firstFrame: first,
  };
}

const IPV4_DOTTED = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/;
const dottedValue = (m: RegExpExecArray): number => ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;

/** The IPv4 prefixes among `prefixes` as [address, length], each parsed once (not once per block). */
function ipv4Prefixes(prefixes: readonly string[]): [number, number][] {
  const out: [number, number][] = [];
  for (const p of prefixes) {
    const m = IPV4_DOTTED.exec(p);
    if (m) out.push([dottedValue(m), Number(m[5])]);
  }
  return out;
}

/** Whether the /24 `block24` holds one of the prefixes (a /26 block inside it) or lies inside one. */
function blockInPrefixes(block24: string, prefixes: readonly [number, number][]): boolean {
  const bm = IPV4_DOTTED.exec(block24);
  if (!bm || bm[5] !== '24') return false;
  const blk = dottedValue(bm);
  for (const [pre, len] of prefixes) {
    const shorter = Math.min(len, 24);
    const mask = shorter === 0 ? 0 : (0xffffffff << (32 - shorter)) >>> 0;
    if (((blk & mask) >>> 0) === ((pre & mask) >>> 0)) return true;
  }
  return false;
}
