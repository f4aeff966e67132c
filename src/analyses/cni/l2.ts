// Underlay (L2) evidence: MAC-to-IP bindings from ARP, NDP (ICMPv6 135/136) and traffic (link
// source MAC + IP source), Calico's proxy-ARP MAC ee:ee:ee:ee:ee:ee, many IPs behind one MAC
// (IPVLAN, proxy ARP, a router) versus many MACs on one link (MACVLAN), and ARP statistics.
// Bindings inside a tunnel (inner Ethernet) are kept apart from the underlay ones (scope).
import type { AnalysisContext, PacketAnalysis } from '../../engine/analysis.js';
import type { CaptureRecord } from '../../reader/record.js';
import { Proto, u16, u32, type PacketState } from '../../../dissectors/packet.js';
import { ETH_DST, ETH_SRC, ethDstIsBroadcast } from '../../../dissectors/ethernet.js';
import {
  ARP_REPLY, ARP_REQUEST, ARP_SHA, ARP_SPA, arpIsEthernetIpv4, arpOperation, arpSenderIpv4, arpTargetIpv4, arpTargetMacUnknown,
} from '../../../dissectors/arp.js';
import { ICMPV6_ND_TARGET, ICMPV6_NEIGHBOR_ADVERT, ICMPV6_NEIGHBOR_SOLICIT, icmpv6Type } from '../../../dissectors/icmpv6.js';
import { IPV4_SRC } from '../../../dissectors/ipv4.js';
import { IPV6_SRC } from '../../../dissectors/ipv6.js';
import { PACKET_BROADCAST, PACKET_OUTGOING, SLL_ADDR, SLL_HALEN, SLL2_ADDR, SLL2_HALEN, sllHatype } from '../../../dissectors/sll.js';
import { CountTable, type CountTableState, RateWindow, type RateWindowState, growI32, growU8, ipText, ipv4Text, macHi, macLo, macText } from '../../util/tables.js';

export const CALICO_PROXY_ARP_MAC = 'ee:ee:ee:ee:ee:ee';
const EE_HI = 0xeeee;
const EE_LO = 0xeeeeeeee;

const SRC_ARP = 1;
const SRC_NDP = 2;
const SRC_TRAFFIC = 4;
const SOURCE_NAMES: [number, string][] = [[SRC_ARP, 'arp'], [SRC_NDP, 'ndp'], [SRC_TRAFFIC, 'traffic']];

export interface L2Options {
  /** MACs with at least this many IPs are listed as "many IPs behind one MAC" hints (default 4). */
  manyIps?: number;
  /** Capture points with at least this many source MACs are listed as "many MACs on one link" hints (default 16). */
  manyMacs?: number;
}

export interface L2Binding {
  mac: string;
  ip: string;
  scope: 'underlay' | 'overlay';
  sources: string[];
  packets: number;
  firstFrame: number;
}

export interface L2Mac {
  mac: string;
  scope: 'underlay' | 'overlay';
  ips: number;
  /** IPs this MAC announced in ARP/NDP (its own, or answered for them: proxy ARP). */
  announcedIps: number;
  /** IPs seen only as IP sources behind this MAC (forwarded traffic). */
  trafficOnlyIps: number;
  sampleIps: string[];
  label: 'calico-proxy-arp' | 'proxy-arp-or-ipvlan' | 'router-or-forwarding-node' | null;
}

export interface L2Hint {
  kind: 'calico-proxy-arp-mac' | 'many-ips-behind-one-mac' | 'many-macs-on-one-link' | 'ip-claimed-by-several-macs';
  detail: string;
  evidence: Record<string, unknown>;
}

export interface L2Result {
  bindings: L2Binding[];
  bindingsTotal: number;
  macs: L2Mac[];
  ipConflicts: { ip: string; macs: string[] }[];
  links: { capturePoint: number; macs: number; locallyAdministered: number }[];
  calicoProxyArpMac: { frames: number; arpAnswers: number; firstFrame: number } | null;
  arp: { packets: number; requests: number; replies: number; gratuitous: number; probes: number; broadcasts: number; peakBroadcastsPerSecond: number };
  ndp: { solicitations: number; advertisements: number };
  hints: L2Hint[];
}

const L2_SCALARS = ['eeFrames', 'eeArp', 'eeFirst', 'arpPackets', 'arpRequests', 'arpReplies', 'arpGratuitous', 'arpProbes', 'ns', 'na'] as const;

export interface L2State {
  bindings: CountTableState;
  sources: Uint8Array;
  linkMacs: CountTableState;
  arpRate: RateWindowState;
  scalars: Record<(typeof L2_SCALARS)[number], number>;
}

export class L2Analysis implements PacketAnalysis<L2Result> {
  readonly name = 'l2';
  /** [macHi, macLo, family | scope << 8, addr x4] */
  readonly bindings = new CountTable(7, 65536, 256);
  private sources = new Uint8Array(256);
  /** Per binding: the capture point whose linkMacs entry of the binding's MAC is known (-1: none), and that entry. */
  private bindingLinkPoint = new Int32Array(256).fill(-1);
  private bindingLinkEntry = new Int32Array(256);
  /** [capturePoint, macHi, macLo] for the outermost link source MAC. */
  private readonly linkMacs = new CountTable(3, 65536, 64);
  private readonly key = new Uint32Array(8);
  private readonly arpRate = new RateWindow(1);
  private readonly manyIps: number;
  private readonly manyMacs: number;
  private eeFrames = 0;
  private eeArp = 0;
  private eeFirst = 0;
  private arpPackets = 0;
  private arpRequests = 0;
  private arpReplies = 0;
  private arpGratuitous = 0;
  private arpProbes = 0;
  private ns = 0;
  private na = 0;

  constructor(opts: L2Options = {}) {
    this.manyIps = opts.manyIps ?? 4;
    this.manyMacs = opts.manyMacs ?? 16;
  }

  /** Counts the binding of MAC to the address at addrOff; returns its entry, or -1 when none was counted. */
  private bind(mHi: number, mLo: number, family: number, scope: number, st: PacketState, addrOff: number, source: number, frame: number, file: number): number {
    if ((mHi >>> 8) & 1) return -1; // group (multicast/broadcast) MAC: not a host
    if (mHi === 0 && mLo === 0) return -1;
    const k = this.key, b = st.buf;
    k[0] = mHi;
    k[1] = mLo;
    k[2] = family | (scope << 8);
    if (family === 4) {
      const a = u32(b, addrOff);
      if (a === 0) return -1;
      k[3] = a; k[4] = 0; k[5] = 0; k[6] = 0;
    } else {
      k[3] = u32(b, addrOff); k[4] = u32(b, addrOff + 4); k[5] = u32(b, addrOff + 8); k[6] = u32(b, addrOff + 12);
      if ((k[3] | k[4] | k[5] | k[6]) === 0) return -1; // :: (duplicate address detection)
    }
    const e = this.bindings.add(k, frame, file);
    if (e < 0) return -1;
    if (e >= this.sources.length) this.growBindings();
    this.sources[e] |= source;
    return e;
  }

  private growBindings(): void {
    const n = this.sources.length * 2;
    this.sources = growU8(this.sources, n);
    this.bindingLinkPoint = growI32(this.bindingLinkPoint, n, -1);
    this.bindingLinkEntry = growI32(this.bindingLinkEntry, n);
  }

  /**
   * The link MAC of the outermost Ethernet header, once the binding of its source MAC to the IP
   * source right after it is counted (entry `e`, -1: none): a binding always has the same MAC, so
   * at the same capture point it is the same linkMacs entry as last time, bumped without a lookup.
   */
  private linkMacOfBinding(e: number, cp: number, hi: number, lo: number, frame: number, file: number): void {
    if (e < 0) {
      this.linkMac(cp, hi, lo, frame, file);
      return;
    }
    if (this.bindingLinkPoint[e] === cp) {
      this.linkMacs.bump(this.bindingLinkEntry[e]);
      return;
    }
    this.bindingLinkEntry[e] = this.linkMac(cp, hi, lo, frame, file);
    this.bindingLinkPoint[e] = cp;
  }

  onPacket(r: CaptureRecord, st: PacketState, ctx: AnalysisContext): void {
    const b = st.buf, n = st.count, frame = r.frame, file = ctx.fileIndex;
    let mHi = -1, mLo = 0, linkIdx = -1, scope = 0;
    // The outermost Ethernet source MAC is counted in linkMacs with the IP binding after it (or at the end).
    let linkPending = false;
    const cp = ctx.capturePoint >>> 0;
    for (let i = 0; i < n; i++) {
      if (st.quoted[i]) break;
      const k = st.kind[i], o = st.off[i];
      if (k === Proto.ETH) {
        mHi = macHi(b, o + ETH_SRC);
        mLo = macLo(b, o + ETH_SRC);
        linkIdx = i;
        scope = st.tunnel >= 0 && i > st.tunnel ? 1 : 0;
        const dHi = macHi(b, o + ETH_DST), dLo = macLo(b, o + ETH_DST);
        if ((mHi === EE_HI && mLo === EE_LO) || (dHi === EE_HI && dLo === EE_LO)) {
          if (this.eeFrames === 0) this.eeFirst = frame;
          this.eeFrames++;
        }
        if (i === 0) linkPending = true;
        continue;
      }
      if (k === Proto.SLL || k === Proto.SLL2) {
        const sll2 = k === Proto.SLL2;
        const halen = sll2 ? b[o + SLL2_HALEN] : u16(b, o + SLL_HALEN);
        const hatype = sllHatype(st, i);
        if (halen === 6 && hatype === 1) {
          const a = o + (sll2 ? SLL2_ADDR : SLL_ADDR);
          mHi = macHi(b, a);
          mLo = macLo(b, a);
          linkIdx = i;
          scope = 0;
          if (mHi === EE_HI && mLo === EE_LO) {
            if (this.eeFrames === 0) this.eeFirst = frame;
            this.eeFrames++;
          }
          this.linkMac(ctx.capturePoint, mHi, mLo, frame, file);
        }
        continue;
      }
      if (k === Proto.VLAN) continue;
      if (k === Proto.ARP) {
        this.arp(r, st, i, linkIdx, file);
        mHi = -1;
        continue;
      }
      if (k === Proto.IPV4 || k === Proto.IPV6) {
        // Only the IP header right after a link header binds to that link's source MAC.
        let p = i - 1;
        while (p >= 0 && st.kind[p] === Proto.VLAN) p--;
        if (mHi >= 0 && p === linkIdx) {
          const e = k === Proto.IPV4
            ? this.bind(mHi, mLo, 4, scope, st, o + IPV4_SRC, SRC_TRAFFIC, frame, file)
            : this.bind(mHi, mLo, 6, scope, st, o + IPV6_SRC, SRC_TRAFFIC, frame, file);
          if (linkPending && linkIdx === 0) {
            linkPending = false;
            this.linkMacOfBinding(e, cp, mHi, mLo, frame, file);
          }
        }
        continue;
      }
      if (k === Proto.ICMPV6) {
        const type = icmpv6Type(st, i);
        if (type === ICMPV6_NEIGHBOR_SOLICIT || type === ICMPV6_NEIGHBOR_ADVERT) this.ndp(st, i, type, scope, frame, file);
        continue;
      }
    }
    if (linkPending) this.linkMac(cp, macHi(b, st.off[0] + ETH_SRC), macLo(b, st.off[0] + ETH_SRC), frame, file);
  }

  /** Counts a source MAC on a capture point; returns its linkMacs entry (-1: a group MAC, or the table is full). */
  private linkMac(cp: number, hi: number, lo: number, frame: number, file: number): number {
    if ((hi >>> 8) & 1) return -1;
    this.key[0] = cp >>> 0;
    this.key[1] = hi;
    this.key[2] = lo;
    return this.linkMacs.add(this.key, frame, file);
  }

  private arp(r: CaptureRecord, st: PacketState, i: number, linkIdx: number, file: number): void {
    const b = st.buf, o = st.off[i];
    this.arpPackets++;
    if (!arpIsEthernetIpv4(st, i)) return;
    const op = arpOperation(st, i);
    if (op === ARP_REQUEST) this.arpRequests++;
    else if (op === ARP_REPLY) this.arpReplies++;
    const spa = arpSenderIpv4(st, i), tpa = arpTargetIpv4(st, i);
    if (spa === 0) this.arpProbes++;
    else if (spa === tpa) this.arpGratuitous++;
    const sHi = macHi(b, o + ARP_SHA), sLo = macLo(b, o + ARP_SHA);
    const scope = st.tunnel >= 0 && i > st.tunnel ? 1 : 0;
    this.bind(sHi, sLo, 4, scope, st, o + ARP_SPA, SRC_ARP, r.frame, file);
    if (sHi === EE_HI && sLo === EE_LO && op === ARP_REPLY) this.eeArp++;
    // Broadcast: Ethernet destination ff:..:ff, SLL packet type 1, or an outgoing request with an unknown target MAC.
    let broadcast = false;
    if (linkIdx >= 0 && st.kind[linkIdx] === Proto.ETH) broadcast = ethDstIsBroadcast(st, linkIdx);
    else if (st.pktType === PACKET_BROADCAST) broadcast = true;
    else if (st.pktType === PACKET_OUTGOING && op === ARP_REQUEST) broadcast = arpTargetMacUnknown(st, i);
    if (broadcast) this.arpRate.push(r.tsSec + r.tsNsec * 1e-9, file, r.frame);
  }

  /** NDP options after the 24-byte NS/NA body: type 1 source / type 2 target link-layer address. */
  private ndp(st: PacketState, i: number, type: number, scope: number, frame: number, file: number): void {
    const b = st.buf, o = st.off[i], end = st.end[i];
    if (type === ICMPV6_NEIGHBOR_SOLICIT) this.ns++;
    else this.na++;
    const ip = i - 1;
    if (ip < 0 || st.kind[ip] !== Proto.IPV6 || o + 24 > end) return;
    for (let p = o + 24; p + 8 <= end; ) {
      const ot = b[p], len = b[p + 1] * 8;
      if (len === 0) break;
      if (len >= 8 && p + len <= end) {
        if (ot === 1 && type === ICMPV6_NEIGHBOR_SOLICIT) this.bind(macHi(b, p + 2), macLo(b, p + 2), 6, scope, st, st.off[ip] + IPV6_SRC, SRC_NDP, frame, file);
        if (ot === 2 && type === ICMPV6_NEIGHBOR_ADVERT) this.bind(macHi(b, p + 2), macLo(b, p + 2), 6, scope, st, o + ICMPV6_ND_TARGET, SRC_NDP, frame, file);
      }
      p += len;
    }
  }

  exportState(): L2State {
    return {
      bindings: this.bindings.exportState(), sources: this.sources.slice(0, this.bindings.size), linkMacs: this.linkMacs.exportState(),
      arpRate: this.arpRate.exportState(),
      scalars: Object.fromEntries(L2_SCALARS.map((k) => [k, this[k]])) as Record<(typeof L2_SCALARS)[number], number>,
    };
  }

  /** Merges another file's state (in file order). */
  mergeState(s: L2State): void {
    const eeBefore = this.eeFrames;
    const map = this.bindings.mergeState(s.bindings);
    for (let i = 0; i < map.length; i++) {
      const e = map[i];
      if (e < 0) continue;
      while (e >= this.sources.length) this.growBindings();
      this.sources[e] |= s.sources[i];
    }
    this.linkMacs.mergeState(s.linkMacs);
    this.arpRate.mergeState(s.arpRate);
    for (const k of L2_SCALARS) this[k] += s.scalars[k];
    if (eeBefore > 0) this.eeFirst -= s.scalars.eeFirst; // keep the earlier file's first frame
  }

  /** IPv4 addresses announced in ARP (underlay scope), with their MAC: node addresses on the link. */
  arpBoundIpv4(): Map<number, string> {
    const out = new Map<number, string>();
    const t = this.bindings;
    for (let e = 0; e < t.size; e++) {
      const k = t.keyOf(e);
      if ((k[2] & 255) !== 4 || k[2] >> 8 !== 0 || !(this.sources[e] & SRC_ARP)) continue;
      out.set(k[3], macText(k[0], k[1]));
    }
    return out;
  }

  /** Underlay MAC text -> IPv4 addresses seen for it (any source). */
  macIpv4(): Map<string, { arp: Set<number>; traffic: Set<number> }> {
    const out = new Map<string, { arp: Set<number>; traffic: Set<number> }>();
    const t = this.bindings;
    for (let e = 0; e < t.size; e++) {
      const k = t.keyOf(e);
      if ((k[2] & 255) !== 4 || k[2] >> 8 !== 0) continue;
      const m = macText(k[0], k[1]);
      let v = out.get(m);
      if (!v) out.set(m, (v = { arp: new Set(), traffic: new Set() }));
      if (this.sources[e] & (SRC_ARP | SRC_NDP)) v.arp.add(k[3]);
      else v.traffic.add(k[3]);
    }
    return out;
  }

  proxyArpMac(): { frames: number; arpAnswers: number; firstFrame: number } | null {
    return this.eeFrames > 0 || this.eeArp > 0 ? { frames: this.eeFrames, arpAnswers: this.eeArp, firstFrame: this.eeFirst } : null;
  }

  finish(): L2Result {
    const t = this.bindings;
    const rows: (L2Binding & { e: number })[] = [];
    const perMac = new Map<string, { scope: number; ips: Map<string, number> }>(); // ip -> sources
    const perIp = new Map<string, Set<string>>();
    for (let e = 0; e < t.size; e++) {
      const k = t.keyOf(e);
      const family = k[2] & 255, scope = k[2] >> 8;
      const mac = macText(k[0], k[1]);
      const ip = family === 4 ? ipv4Text(k[3]) : ipText(6, k, 3);
      const sources = SOURCE_NAMES.filter(([bit]) => this.sources[e] & bit).map(([, s]) => s);
      rows.push({ e, mac, ip, scope: scope ? 'overlay' : 'underlay', sources, packets: t.counts[e], firstFrame: t.first[e] });
      const id = `${scope}|${mac}`;
      let m = perMac.get(id);
      if (!m) perMac.set(id, (m = { scope, ips: new Map() }));
      m.ips.set(ip, (m.ips.get(ip) ?? 0) | this.sources[e]);
      if (this.sources[e] & (SRC_ARP | SRC_NDP) && !ip.startsWith('fe80:')) {
        const id2 = `${scope}|${ip}`;
        let s = perIp.get(id2);
        if (!s) perIp.set(id2, (s = new Set()));
        s.add(mac);
      }
    }
    rows.sort((a, b) => b.packets - a.packets || a.firstFrame - b.firstFrame);
    const macs: L2Mac[] = [];
    for (const [id, m] of perMac) {
      if (m.ips.size < 2) continue;
      const mac = id.slice(id.indexOf('|') + 1);
      let announced = 0, trafficOnly = 0;
      for (const s of m.ips.values()) {
        if (s & (SRC_ARP | SRC_NDP)) announced++;
        else trafficOnly++;
      }
      // IPv6 link-local plus one global address per host is normal: judge IPv4 and global IPv6 only.
      const ips = [...m.ips.keys()].filter((ip) => !ip.startsWith('fe80:'));
      if (ips.length < 2) continue;
      let label: L2Mac['label'] = null;
      if (mac === CALICO_PROXY_ARP_MAC) label = 'calico-proxy-arp';
      else if (announced >= 2) label = 'proxy-arp-or-ipvlan';
      else if (trafficOnly >= 2) label = 'router-or-forwarding-node';
      macs.push({ mac, scope: m.scope ? 'overlay' : 'underlay', ips: ips.length, announcedIps: announced, trafficOnlyIps: trafficOnly, sampleIps: ips.slice(0, 8), label });
    }
    macs.sort((a, b) => b.ips - a.ips || a.mac.localeCompare(b.mac));
    const ipConflicts: { ip: string; macs: string[] }[] = [];
    for (const [id, s] of perIp) {
      if (s.size < 2) continue;
      const ip = id.slice(id.indexOf('|') + 1);
      // Calico answers for every pod gateway with the one proxy MAC; several MACs for one IP is a real conflict (or a failover).
      ipConflicts.push({ ip, macs: [...s].sort() });
    }
    const links = new Map<number, { macs: number; local: number }>();
    for (let e = 0; e < this.linkMacs.size; e++) {
      const k = this.linkMacs.keyOf(e);
      const l = links.get(k[0]) ?? { macs: 0, local: 0 };
      l.macs++;
      if ((k[1] >>> 8) & 2) l.local++;
      links.set(k[0], l);
    }
    const hints: L2Hint[] = [];
    const ee = this.proxyArpMac();
    if (ee) {
      hints.push({
        kind: 'calico-proxy-arp-mac',
        detail: `Calico's proxy-ARP MAC ${CALICO_PROXY_ARP_MAC} seen in ${ee.frames} frames: a Calico pod interface (cali*) was captured`,
        evidence: ee,
      });
    }
    for (const m of macs) {
      if (m.ips < this.manyIps || m.label === 'calico-proxy-arp') continue;
      hints.push({
        kind: 'many-ips-behind-one-mac',
        detail: m.label === 'router-or-forwarding-node'
          ? `${m.mac} forwards traffic from ${m.ips} source IPs: a router, or a node routing pod traffic`
          : `${m.mac} announces ${m.announcedIps} IPs in ARP/NDP: IPVLAN (L2 mode) or proxy ARP`,
        evidence: { mac: m.mac, ips: m.ips, sampleIps: m.sampleIps, scope: m.scope },
      });
    }
    for (const [cp, l] of links) {
      if (l.macs < this.manyMacs) continue;
      hints.push({
        kind: 'many-macs-on-one-link',
        detail: `${l.macs} source MACs on capture point ${cp} (${l.local} locally administered): MACVLAN pods, or a large flat L2 segment`,
        evidence: { capturePoint: cp, macs: l.macs, locallyAdministered: l.local },
      });
    }
    for (const c of ipConflicts.slice(0, 20)) {
      hints.push({ kind: 'ip-claimed-by-several-macs', detail: `${c.ip} announced by ${c.macs.join(', ')}: an address conflict or a failover`, evidence: c });
    }
    return {
      bindings: rows.slice(0, 500).map(({ e: _e, ...x }) => x),
      bindingsTotal: rows.length,
      macs: macs.slice(0, 100),
      ipConflicts: ipConflicts.slice(0, 100),
      links: [...links].sort((a, b) => a[0] - b[0]).map(([capturePoint, l]) => ({ capturePoint, macs: l.macs, locallyAdministered: l.local })),
      calicoProxyArpMac: ee,
      arp: {
        packets: this.arpPackets, requests: this.arpRequests, replies: this.arpReplies, gratuitous: this.arpGratuitous, probes: this.arpProbes,
        broadcasts: this.arpRate.total, peakBroadcastsPerSecond: this.arpRate.peak,
      },
      ndp: { solicitations: this.ns, advertisements: this.na },
      hints,
    };
  }
}
