// Type-level test, compiled by test/types.test.ts under tsc --strict against the built package:
// what must compile compiles without casts, and every `@ts-expect-error` line must fail (tsc
// reports a directive that suppresses nothing, so a type that got looser fails the test).
import {
  analyze, flows, packets, TRAFFIC_CLASSES,
  type AnalysisDocument, type CaptureRecord, type DissectedPacket, type Finding, type Layer, type LayerOf, type PacketAnalysis,
  type PacketState, type AnalysisContext, type Severity, type TrafficClassName, type VxlanLayer, type BgpLayer,
} from 'tunnelscope';

// ---- layers: narrowing on proto -------------------------------------------------------------
export function vni(l: Layer): number | null {
  return l.proto === 'vxlan' ? l.vni : null;
}
const vniIsNumber: (l: VxlanLayer) => number = (l) => l.vni;
void vniIsNumber;
export function geneveOptions(l: LayerOf<'geneve'>): number {
  return l.options.reduce((n, o) => n + o.length, 0);
}
export function loopFamily(l: LayerOf<'loop'>): number | undefined {
  return l.family;
}
export function srcOf(l: Layer): string | null {
  switch (l.proto) {
    case 'ipv4': case 'ipv6': case 'eth': return l.src;
    default: return null;
  }
}
export function bgpText(l: BgpLayer): string {
  if ('lost' in l) return `lost ${l.missingBytes}`;
  if (l.type === 'UPDATE') return l.nlri.join(' ');
  if (l.type === 'OPEN') return String(l.asn);
  return l.type;
}
export function wrongLayerUse(l: Layer): void {
  // @ts-expect-error: vni is not on every layer
  void l.vni;
  if (l.proto === 'udp') {
    // @ts-expect-error: a UDP layer has no vni
    void l.vni;
    // @ts-expect-error: ports are numbers
    const s: string = l.dstPort;
    void s;
  }
  // @ts-expect-error: no such protocol
  if (l.proto === 'vxlam') return;
}

// ---- packets() and flows() ------------------------------------------------------------------
export async function packetUse(path: string): Promise<number[]> {
  const out: number[] = [];
  for await (const p of packets(path, { vxlanPorts: [8472], filter: (x: DissectedPacket) => x.class === 'vxlan', limit: 10 })) {
    const cls: TrafficClassName = p.class;
    void cls;
    for (const l of p.layers) if (l.proto === 'geneve' || l.proto === 'vxlan') out.push(l.vni);
  }
  // @ts-expect-error: a filter predicate takes a packet
  packets(path, { filter: (x: number) => x > 0 });
  // @ts-expect-error: vxlanPorts is a list of numbers
  packets(path, { vxlanPorts: '8472' });
  return out;
}
export async function flowUse(path: string): Promise<number> {
  const fs = await flows(path, { sort: 'bytes', top: 5, classes: ['vxlan', 'ipip'] });
  // @ts-expect-error: not a class
  await flows(path, { classes: ['vxlna'] });
  // @ts-expect-error: not a sort key
  await flows(path, { sort: 'size' });
  const cls: TrafficClassName[] = fs.map((f) => f.class);
  void cls;
  return fs.reduce((n, f) => n + f.packets + (f.tunnel?.vni ?? 0), 0);
}

// ---- the document ---------------------------------------------------------------------------
export function docUse(doc: AnalysisDocument): string[] {
  const out: string[] = [];
  for (const c of doc.classes) out.push(`${c.class} ${c.bytes} ${c.overheadShare}`);
  for (const t of doc.tunnels) out.push(`${t.a} ${t.b} ${t.vni ?? '-'}`);
  if (doc.lint) for (const f of doc.lint.findings) out.push(`${f.severity} ${f.rule} ${f.count}`);
  if (doc.cni) out.push(`${doc.cni.verdict} ${doc.cni.confidence.toFixed(2)} ${doc.cni.candidates.length}`);
  if (doc.bgp) out.push(`${doc.bgp.summary.sessions} ${doc.bgp.routes.map((r) => r.prefix).join()}`);
  if (doc.l2) out.push(String(doc.l2));
  out.push(doc.summary.files.map((f) => f.error ?? f.name).join(), String(doc.flows.total), String(doc.overhead.mtu));
  const vx = doc.classes.find((c) => c.class === 'vxlan');
  if (vx) out.push(String(vx.efficiency));
  // @ts-expect-error: class names are a closed set: a misspelt one does not compile
  void doc.classes.find((c) => c.class === 'vxlna');
  // @ts-expect-error: in the overhead section too
  void doc.overhead.encapsulations.filter((e) => e.class === 'VXLAN');
  // @ts-expect-error: sections are typed, no index signature: a typo does not compile
  void doc.lnit;
  // @ts-expect-error: lint is absent with standard: false, so it must be checked
  void doc.lint.findings;
  // @ts-expect-error: the summary's packet count is a number
  const n: string = doc.summary.packets;
  void n;
  return out;
}

// ---- findings and your own analysis ---------------------------------------------------------
export function worst(findings: readonly Finding[]): Severity | null {
  const rank: Record<Severity, number> = { error: 3, warning: 2, info: 1 };
  let best: Severity | null = null;
  for (const f of findings) if (best === null || rank[f.severity] > rank[best]) best = f.severity;
  // @ts-expect-error: not a severity
  const s: Severity = 'fatal';
  void s;
  return best;
}

class Vnis implements PacketAnalysis<{ packets: number; tunnelled: number }> {
  readonly name = 'vnis';
  private packets = 0;
  private tunnelled = 0;
  onPacket(r: CaptureRecord, st: PacketState, ctx: AnalysisContext): void {
    this.packets += r.len > 0 ? 1 : 0;
    if (st.tunnel >= 0 && ctx.fileIndex >= 0) this.tunnelled++;
  }
  finish() {
    return { packets: this.packets, tunnelled: this.tunnelled };
  }
}
export async function extraUse(path: string): Promise<number> {
  const doc = await analyze(path, { extraAnalyses: () => [new Vnis()] });
  // @ts-expect-error: the extra section is typed by its analysis' name and result
  const wrong: string = doc.vnis.packets;
  void wrong;
  // @ts-expect-error: no analysis named so
  void doc.dns;
  return doc.vnis.packets + doc.vnis.tunnelled + doc.summary.packets;
}

// ---- the class table ------------------------------------------------------------------------
export const tunnelClasses: TrafficClassName[] = TRAFFIC_CLASSES.filter((c) => c.tunnel).map((c) => c.name);
