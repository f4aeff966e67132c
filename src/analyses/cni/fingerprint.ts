// From the facts a capture shows to a CNI verdict. Each signature (a VXLAN port/VNI pattern,
// Geneve options, IP-in-IP, BGP, routed pod blocks, WireGuard ports, Calico's proxy-ARP MAC)
// proposes candidates with a confidence and the facts behind it; candidates of the same CNI
// combine; the verdict is the best candidate only when no other CNI comes close. Otherwise the
// verdict is "unknown" and the candidates are listed. The defaults come from the CNIs' own
// documentation and code (see the README, "CNI fingerprint").

export type Level = 'high' | 'medium' | 'low';

export interface EvidenceFact {
  fact: string;
  packets?: number;
  count?: number;
  firstFrame?: number;
}

export interface CniCandidate {
  cni: string;
  mode: string;
  label: string;
  confidence: number;
  level: Level;
  evidence: EvidenceFact[];
  /** Other explanations of the same facts that traffic alone cannot rule out. */
  caveats: string[];
}

export interface PortFacts {
  port: number;
  packets: number;
  firstFrame: number;
  vnis: { vni: number; packets: number }[];
  vtepPairs: number;
  innerSources: number;
  innerSourcesWithSeveralVnis: number;
  innerPrefixes: string[];
}

export interface CniEvidence {
  packets: number;
  durationS: number;
  vxlan: (PortFacts & { gbpPackets: number })[];
  geneve: (PortFacts & { optionClasses: Record<string, number>; ovnOptionPackets: number; noOptionPackets: number })[];
  ipip: { packets: number; firstFrame: number; pairs: number; innerPrefixes: string[] };
  gre: { packets: number; firstFrame: number };
  nvgre: { packets: number; firstFrame: number };
  wireguard: { port: number; packets: number; firstFrame: number }[];
  tcp179: { packets: number; pairs: number; firstFrame: number };
  /** From the BGP analysis; null when it did not run. */
  bgp: { sessions: number; asns: number[]; prefixes: string[]; prefixLengths: Record<string, number>; firstFrame: number } | null;
  routed: {
    packets: number; firstFrame: number;
    blocks: { block: string; macs: string[]; nodeIp: string | null; packets: number }[];
    consistent: boolean; betweenNodes: boolean; macs: number; blocksInBgpRoutes: number;
  } | null;
  routedByPodCidr: { packets: number; firstFrame: number };
  proxyArpMac: { frames: number; arpAnswers: number; firstFrame: number } | null;
  /** Every tunnelled packet by kind (VXLAN, Geneve, IP-in-IP, GRE, NVGRE, WireGuard, ERSPAN), whether or not a CNI signature matches it. */
  tunnelsSeen: { tunnel: string; packets: number; firstFrame: number }[];
}

export interface CniResult {
  /** The CNI the traffic looks like, or "unknown". */
  verdict: string;
  mode: string | null;
  label: string;
  status: 'identified' | 'ambiguous' | 'mixed' | 'unknown';
  confidence: number;
  level: Level | null;
  reason: string;
  candidates: CniCandidate[];
  encryption: { kind: 'wireguard'; port: number; packets: number; firstFrame: number; usedBy: string }[];
  facts: CniEvidence;
}

/** Calico's default BGP AS (libcalico-go default; Calico BGP full mesh). */
export const CALICO_DEFAULT_AS = 64512;
/** A capture at least this long without BGP makes an idle BGP session unlikely (keepalives are sent at least every hold time / 3). */
export const BGP_QUIET_S = 90;

const LABEL: Readonly<Record<string, string>> = {
  flannel: 'flannel', calico: 'Calico', cilium: 'Cilium', weave: 'Weave Net', antrea: 'Antrea', 'ovn-kubernetes': 'OVN-Kubernetes',
};

export function level(c: number): Level {
  return c >= 0.75 ? 'high' : c >= 0.5 ? 'medium' : 'low';
}

/** Few packets make any signature weaker. */
function volume(packets: number): number {
  return packets >= 10 ? 1 : packets >= 3 ? 0.8 : 0.5;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

interface Draft { cni: string; mode: string; confidence: number; evidence: EvidenceFact[]; caveats: string[] }

function vniList(p: PortFacts): string {
  const v = p.vnis.map((x) => x.vni);
  return v.length <= 6 ? v.join(', ') : `${v.slice(0, 6).join(', ')} and ${v.length - 6} more`;
}

/** VNIs that look like Cilium security identities: several values, each inner source using one. */
function identityLike(p: PortFacts): boolean {
  return p.vnis.length >= 2 && p.innerSourcesWithSeveralVnis === 0 && p.innerSources >= 2;
}

function vxlanDrafts(p: CniEvidence['vxlan'][number]): Draft[] {
  const out: Draft[] = [];
  const only = p.vnis.length === 1 ? p.vnis[0].vni : -1;
  const base: EvidenceFact = { fact: `VXLAN on UDP ${p.port}, VNI ${vniList(p)}`, packets: p.packets, firstFrame: p.firstFrame };
  const facts = (...extra: EvidenceFact[]) => [base, ...extra, ...(p.vtepPairs > 0 ? [{ fact: 'VTEP pairs (outer IP pairs)', count: p.vtepPairs }] : []),
    ...(p.innerPrefixes.length ? [{ fact: `inner addresses in ${p.innerPrefixes.join(', ')}` }] : [])];
  const gbp: EvidenceFact[] = p.gbpPackets > 0 ? [{ fact: 'VXLAN Group Policy (G) flag set (flannel `GBP: true`)', packets: p.gbpPackets }] : [];
  const vol = volume(p.packets);
  const ids = identityLike(p);
  const world = p.vnis.some((x) => x.vni === 2);
  const idFacts = (): EvidenceFact[] => [
    { fact: `${p.vnis.length} distinct VNIs, each inner source using one VNI (VNI = sender's security identity)`, count: p.vnis.length },
    ...(world ? [{ fact: 'VNI 2 (Cilium\'s reserved "world" identity)', packets: p.vnis.find((x) => x.vni === 2)!.packets }] : []),
  ];
  if (p.port === 8472) {
    if (only === 1) {
      out.push({ cni: 'flannel', mode: 'vxlan', confidence: 0.8 * vol, evidence: facts({ fact: 'UDP 8472 + VNI 1 are flannel\'s VXLAN defaults (Linux)' }, ...gbp),
        caveats: ['any Linux VXLAN device created with `id 1` and no dstport looks the same'] });
    } else if (p.vnis.length >= 2) {
      const c = (p.vnis.length >= 3 && ids ? 0.8 : ids ? 0.6 : 0.45) + (world ? 0.1 : 0);
      out.push({ cni: 'cilium', mode: 'vxlan', confidence: Math.min(0.9, c) * vol, evidence: facts({ fact: 'UDP 8472 is Cilium\'s default VXLAN port' }, ...idFacts()), caveats: [] });
    } else {
      out.push({ cni: 'flannel', mode: 'vxlan', confidence: 0.35 * vol, evidence: facts({ fact: `UDP 8472 with VNI ${only} (flannel's default is VNI 1)` }), caveats: [] });
      out.push({ cni: 'cilium', mode: 'vxlan', confidence: 0.3 * vol, evidence: facts({ fact: 'UDP 8472 with a single VNI (one Cilium identity?)' }), caveats: [] });
    }
  } else if (p.port === 4789) {
    if (only === 4096) {
      out.push({ cni: 'calico', mode: 'vxlan', confidence: 0.8 * vol, evidence: facts({ fact: 'UDP 4789 + VNI 4096 are Calico\'s VXLAN defaults (Felix VXLANPort, VXLANVNI)' }),
        caveats: ['flannel on Windows also requires UDP 4789 and a VNI of 4096 or more'] });
    } else if (only === 1) {
      out.push({ cni: 'flannel', mode: 'vxlan', confidence: 0.55 * vol, evidence: facts({ fact: 'VNI 1 is flannel\'s default; UDP 4789 is its `Port` set to the IANA port' }, ...gbp), caveats: [] });
    } else if (p.vnis.length >= 2 && ids) {
      out.push({ cni: 'cilium', mode: 'vxlan', confidence: (p.vnis.length >= 3 ? 0.55 : 0.45) * vol + (world ? 0.1 : 0), evidence: facts({ fact: 'Cilium with tunnel-port 4789?' }, ...idFacts()), caveats: [] });
    } else if (only >= 0) {
      out.push({ cni: 'calico', mode: 'vxlan', confidence: 0.3 * vol, evidence: facts({ fact: `UDP 4789 with VNI ${only} (Calico's default VNI is 4096)` }), caveats: [] });
      out.push({ cni: 'antrea', mode: 'vxlan', confidence: 0.3 * vol, evidence: facts({ fact: 'UDP 4789 is Antrea\'s VXLAN port (tunnelType vxlan)' }), caveats: [] });
    }
  } else if (p.port === 6784) {
    out.push({ cni: 'weave', mode: 'fastdp', confidence: 0.8 * vol, evidence: facts({ fact: 'UDP 6784 is Weave Net\'s fastdp (VXLAN) data port' },
      ...(p.vnis.length >= 2 ? [{ fact: 'per-direction VNIs (Weave encodes the source and destination peer IDs in the VNI)', count: p.vnis.length }] : [])), caveats: [] });
  } else if (only === 4096) {
    out.push({ cni: 'calico', mode: 'vxlan', confidence: 0.5 * vol, evidence: facts({ fact: `VNI 4096 (Calico's default) on a non-default port ${p.port}` }), caveats: [] });
  } else if (only === 1) {
    out.push({ cni: 'flannel', mode: 'vxlan', confidence: 0.5 * vol, evidence: facts({ fact: `VNI 1 (flannel's default) on a non-default port ${p.port}` }, ...gbp), caveats: [] });
  } else if (p.vnis.length >= 3 && ids) {
    out.push({ cni: 'cilium', mode: 'vxlan', confidence: 0.45 * vol, evidence: facts(...idFacts()), caveats: [] });
  }
  return out;
}

function geneveDrafts(p: CniEvidence['geneve'][number]): Draft[] {
  const vol = volume(p.packets);
  const base: EvidenceFact = { fact: `Geneve on UDP ${p.port}, VNI ${vniList(p)}`, packets: p.packets, firstFrame: p.firstFrame };
  const classes = Object.entries(p.optionClasses).map(([c, n]) => `${c} (${n})`).join(', ');
  const facts = (...extra: EvidenceFact[]) => [base, ...extra, ...(p.vtepPairs > 0 ? [{ fact: 'tunnel endpoint pairs', count: p.vtepPairs }] : [])];
  if (p.ovnOptionPackets * 2 >= p.packets) {
    return [{ cni: 'ovn-kubernetes', mode: 'geneve', confidence: 0.75 * vol,
      evidence: facts({ fact: 'Geneve option class 0x0102 (OVN\'s logical ports, type 0x80)', packets: p.ovnOptionPackets }),
      caveats: ['Kube-OVN (and any OVN deployment) uses the same Geneve option'] }];
  }
  if (p.noOptionPackets * 2 >= p.packets) {
    if (p.vnis.length >= 3 && identityLike(p)) {
      return [{ cni: 'cilium', mode: 'geneve', confidence: 0.6 * vol,
        evidence: facts({ fact: `${p.vnis.length} distinct VNIs, each inner source using one (Cilium identities)`, count: p.vnis.length }), caveats: [] }];
    }
    return [
      { cni: 'antrea', mode: 'geneve', confidence: 0.55 * vol, evidence: facts({ fact: 'Geneve without options (Antrea\'s default tunnel type)', packets: p.noOptionPackets }),
        caveats: ['Cilium with tunnel-protocol=geneve looks the same when few identities talk'] },
      { cni: 'cilium', mode: 'geneve', confidence: 0.3 * vol, evidence: facts({ fact: 'Geneve without options (also Cilium with tunnel-protocol=geneve)', packets: p.noOptionPackets }), caveats: [] },
    ];
  }
  return [{ cni: 'antrea', mode: 'geneve', confidence: 0.3 * vol, evidence: facts({ fact: `Geneve with option classes ${classes}` }), caveats: [] }];
}

export function fingerprint(ev: CniEvidence): CniResult {
  const drafts: Draft[] = [];
  for (const p of ev.vxlan) drafts.push(...vxlanDrafts(p));
  for (const p of ev.geneve) drafts.push(...geneveDrafts(p));

  // BGP facts, shared by the IP-in-IP and the routed signatures.
  const bgpFacts: EvidenceFact[] = [];
  let bgpScore = 0;
  if (ev.bgp && ev.bgp.sessions > 0) {
    bgpFacts.push({ fact: `BGP sessions between nodes (ASNs ${ev.bgp.asns.join(', ') || 'unknown'})`, count: ev.bgp.sessions, firstFrame: ev.bgp.firstFrame || undefined });
    // BGP alone is weak (routers, MetalLB, labs use AS 64512 too): the /26 blocks and routed pod traffic carry the verdict.
    bgpScore = 0.2;
    if (ev.bgp.asns.includes(CALICO_DEFAULT_AS)) {
      bgpFacts.push({ fact: `AS ${CALICO_DEFAULT_AS} (Calico's default AS; also the first private AS, common in labs)` });
      bgpScore += 0.15;
    }
    const n26 = ev.bgp.prefixLengths['/26'] ?? 0;
    if (n26 > 0) {
      bgpFacts.push({ fact: '/26 prefixes announced (Calico IPAM blocks)', count: n26 });
      bgpScore += 0.2;
    }
  } else if (ev.tcp179.packets > 0) {
    bgpFacts.push({ fact: `TCP 179 between ${ev.tcp179.pairs} node pair${ev.tcp179.pairs === 1 ? '' : 's'} (BGP; AS and routes unknown: the BGP analysis did not run)`, packets: ev.tcp179.packets, firstFrame: ev.tcp179.firstFrame });
    bgpScore = 0.3;
  }

  if (ev.ipip.packets > 0) {
    const vol = volume(ev.ipip.packets);
    drafts.push({
      cni: 'calico', mode: 'ipip',
      confidence: (0.45 + bgpScore * 0.8) * vol,
      evidence: [
        { fact: `IPv4-in-IPv4 (protocol 4) between ${ev.ipip.pairs} node pair${ev.ipip.pairs === 1 ? '' : 's'}`, packets: ev.ipip.packets, firstFrame: ev.ipip.firstFrame },
        ...(ev.ipip.innerPrefixes.length ? [{ fact: `inner addresses in ${ev.ipip.innerPrefixes.join(', ')}` }] : []),
        ...bgpFacts,
      ],
      caveats: ['kube-router and flannel\'s ipip backend also use IP-in-IP'],
    });
  }

  const encapsulated = ev.vxlan.length + ev.geneve.length > 0 || ev.ipip.packets > 0;
  const r = ev.routed;
  const routedFacts: EvidenceFact[] = [];
  if (r) {
    routedFacts.push({ fact: `unencapsulated traffic between ${r.blocks.length} private /24 blocks with no node address, forwarded between ${r.macs} MACs`, packets: r.packets, firstFrame: r.firstFrame });
    if (r.consistent) routedFacts.push({ fact: 'each block behind exactly one MAC (a per-node pod subnet)', count: r.blocks.length });
    if (r.betweenNodes) routedFacts.push({ fact: 'the MACs belong to node addresses seen in ARP' });
  }
  if (ev.routedByPodCidr.packets > 0) routedFacts.push({ fact: 'packets classed routed (pod CIDR given or learned)', packets: ev.routedByPodCidr.packets, firstFrame: ev.routedByPodCidr.firstFrame });
  const routedOk = (r !== null && r.consistent && r.blocks.length >= 2) || ev.routedByPodCidr.packets > 0;

  if (bgpFacts.length > 0 && ev.ipip.packets === 0) {
    // BGP without IP-in-IP: Calico's routed (no encapsulation) mode when pod blocks travel unencapsulated.
    let c = bgpScore + (routedOk ? 0.25 : 0) + (r && r.blocksInBgpRoutes > 0 ? 0.1 : 0);
    if (encapsulated && !routedOk) c *= 0.5;
    drafts.push({
      cni: 'calico', mode: 'bgp', confidence: Math.min(0.9, c),
      evidence: [...bgpFacts, ...routedFacts, ...(r && r.blocksInBgpRoutes > 0 ? [{ fact: 'routed blocks lie in BGP-announced prefixes', count: r.blocksInBgpRoutes }] : [])],
      caveats: ['kube-router and MetalLB also speak BGP between nodes'],
    });
  } else if (routedOk && !encapsulated) {
    // Routed pod subnets and no BGP seen: flannel host-gw, unless the capture is too short to have caught a BGP keepalive.
    const long = ev.durationS >= BGP_QUIET_S;
    drafts.push({
      cni: 'flannel', mode: 'host-gw', confidence: long ? 0.55 : 0.35,
      evidence: [...routedFacts, { fact: `no BGP (TCP 179) in ${Math.round(ev.durationS)} s of capture` }],
      caveats: long ? ['any static per-node pod routes (cloud route tables, kube-router without BGP in the capture) look the same'] : [],
    });
    if (!long) {
      drafts.push({
        cni: 'calico', mode: 'bgp', confidence: 0.25,
        evidence: [...routedFacts, { fact: `capture shorter than ${BGP_QUIET_S} s: an established BGP session may simply not have sent a KEEPALIVE yet` }],
        caveats: [],
      });
    }
  }

  const encryption: CniResult['encryption'] = [];
  for (const w of ev.wireguard) {
    const usedBy = w.port === 51871 ? 'Cilium (WireGuard port 51871)' : w.port === 51820 ? 'Calico (wireguardListeningPort 51820), flannel\'s wireguard backend, or plain WireGuard' : 'WireGuard on a custom port';
    encryption.push({ kind: 'wireguard', port: w.port, packets: w.packets, firstFrame: w.firstFrame, usedBy });
    const vol = volume(w.packets);
    const fact: EvidenceFact = { fact: `WireGuard on UDP ${w.port}`, packets: w.packets, firstFrame: w.firstFrame };
    if (w.port === 51871) drafts.push({ cni: 'cilium', mode: 'wireguard', confidence: 0.6 * vol, evidence: [fact, { fact: 'UDP 51871 is Cilium\'s WireGuard port' }], caveats: [] });
    else if (w.port === 51820) {
      drafts.push({ cni: 'calico', mode: 'wireguard', confidence: 0.3 * vol, evidence: [fact, { fact: 'UDP 51820 is Calico\'s default WireGuard port (and WireGuard\'s own)' }], caveats: [] });
      drafts.push({ cni: 'flannel', mode: 'wireguard', confidence: 0.3 * vol, evidence: [fact, { fact: 'UDP 51820 is the port of flannel\'s wireguard backend (and WireGuard\'s own)' }], caveats: [] });
    }
  }
  if (ev.proxyArpMac) {
    drafts.push({
      cni: 'calico', mode: 'pod-interface', confidence: 0.45,
      evidence: [{ fact: 'Calico\'s proxy-ARP MAC ee:ee:ee:ee:ee:ee on a pod interface', packets: ev.proxyArpMac.frames, firstFrame: ev.proxyArpMac.firstFrame }],
      caveats: [],
    });
  }

  // Combine drafts per CNI: confidence 1 - prod(1 - c), modes joined.
  const byCni = new Map<string, Draft[]>();
  for (const d of drafts) {
    if (d.confidence <= 0) continue;
    let l = byCni.get(d.cni);
    if (!l) byCni.set(d.cni, (l = []));
    l.push(d);
  }
  const candidates: CniCandidate[] = [];
  for (const [cni, list] of byCni) {
    list.sort((a, b) => b.confidence - a.confidence);
    let miss = 1;
    for (const d of list) miss *= 1 - Math.min(0.95, d.confidence);
    const confidence = round2(Math.min(0.95, 1 - miss));
    const modes = [...new Set(list.map((d) => d.mode))].filter((m) => m !== 'pod-interface' || list.length === 1);
    const mode = modes.join('+');
    const evidence: EvidenceFact[] = [];
    const seen = new Set<string>();
    for (const d of list) for (const f of d.evidence) if (!seen.has(f.fact)) { seen.add(f.fact); evidence.push(f); }
    const caveats = [...new Set(list.flatMap((d) => d.caveats))];
    candidates.push({ cni, mode, label: `${LABEL[cni] ?? cni} (${mode})`, confidence, level: level(confidence), evidence, caveats });
  }
  candidates.sort((a, b) => b.confidence - a.confidence || a.cni.localeCompare(b.cni));

  const top = candidates[0];
  const second = candidates[1];
  let status: CniResult['status'];
  let reason: string;
  if (!top) {
    status = 'unknown';
    // Say what was seen: a capture full of GRE or ERSPAN is not a capture without tunnels.
    const seen = ev.tunnelsSeen ?? [];
    reason = seen.length > 0
      ? `tunnels seen (${seen.map((x, i) => `${x.tunnel} ${x.packets}${i === 0 ? (x.packets === 1 ? ' packet' : ' packets') : ''}`).join(', ')}) but no CNI signature matches them` +
        ' (and no BGP, routed pod blocks or Calico proxy-ARP MAC)'
      : 'no CNI signature in the capture (no tunnels, BGP, routed pod blocks, WireGuard or Calico proxy-ARP MAC)';
  } else if (top.confidence < 0.4) {
    const close = second !== undefined && top.confidence - second.confidence < 0.15;
    status = close ? 'ambiguous' : 'unknown';
    reason = close
      ? `weak evidence that fits ${top.label} (${top.confidence}) and ${second.label} (${second.confidence}) alike`
      : `evidence too thin: best candidate ${top.label} at ${top.confidence}`;
  } else if (second && second.confidence >= 0.6) {
    status = 'mixed';
    reason = `two CNIs' signatures at once: ${top.label} (${top.confidence}) and ${second.label} (${second.confidence}); a migration, or several clusters on one link`;
  } else if (second && top.confidence - second.confidence < 0.15) {
    status = 'ambiguous';
    reason = `the same facts fit ${top.label} (${top.confidence}) and ${second.label} (${second.confidence})`;
  } else {
    status = 'identified';
    reason = `looks like ${top.label}: ${top.evidence.slice(0, 2).map((e) => e.fact).join('; ')}`;
  }
  const identified = status === 'identified';
  return {
    verdict: identified ? top.cni : 'unknown',
    mode: identified ? top.mode : null,
    label: identified ? top.label : 'unknown',
    status,
    confidence: identified ? top.confidence : 0,
    level: identified ? top.level : null,
    reason,
    candidates,
    encryption,
    facts: ev,
  };
}
