// The HTML report without a browser: the timeline analysis (bucket widths, merging, out-of-order
// packets, totals against the analysis document), the page's contents and limits (row caps,
// escaping, missing and unknown sections, no external references) and the `report` command.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze, type AnalysisDocument } from '../src/engine/analyze.js';
import type { AnalysisContext } from '../src/engine/analysis.js';
import { PacketFacts } from '../src/analyses/facts.js';
import { PacketState, TrafficClass } from '../dissectors/packet.js';
import { CaptureRecord } from '../src/reader/record.js';
import { MAX_BUCKETS, TimelineAnalysis, type TimelineResult } from '../src/analyses/timeline.js';
import { CHART_BUCKETS, coarsen, renderReport } from '../src/render/html.js';
import { reportAnalyzeOptions } from '../src/commands/report.js';
import { niceTicks } from '../src/render/html/format.js';

const ROOT = join(import.meta.dirname, '..');
const SAMPLE = join(ROOT, 'fixtures', 'sample', 'node-mix.pcap');

/** Feeds (seconds, nanoseconds, class, wire length) packets to a fresh timeline. */
function feed(pkts: [number, number, number, number][]): TimelineResult {
  const t = new TimelineAnalysis();
  const r = new CaptureRecord();
  const facts = new PacketFacts();
  const ctx: AnalysisContext = { fileIndex: 0, fileName: 'x', facts, capturePoint: 0 };
  const st = new PacketState();
  for (const [s, ns, c, len] of pkts) {
    r.tsSec = s; r.tsNsec = ns; facts.cls = c; facts.wireLen = len;
    t.onPacket(r, st, ctx);
  }
  return t.finish();
}

const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
const seriesTotal = (tl: TimelineResult, f: 'bytes' | 'packets') => sum(tl.series.map((s) => sum(s[f])));

describe('timeline analysis', () => {
  it('starts at 1/1024 s buckets and keeps every packet', () => {
    const tl = feed([[1000, 0, TrafficClass.VXLAN, 100], [1000, 500_000, TrafficClass.VXLAN, 50], [1000, 2_000_000, TrafficClass.UNDERLAY, 70]]);
    expect(tl.bucketSeconds).toBe(1 / 1024);
    expect(tl.start).toBe(1000);
    expect(tl.buckets).toBe(3); // 0, 0.5 ms (same bucket), 2 ms (bucket 2)
    expect(tl.series.map((s) => s.class)).toEqual(['underlay', 'vxlan']);
    expect(tl.series[1].bytes).toEqual([150, 0, 0]);
    expect(tl.series[1].packets).toEqual([2, 0, 0]);
    expect(tl.series[0].bytes).toEqual([0, 0, 70]);
    expect(tl.packets).toBe(3);
    expect(tl.wireBytes).toBe(220);
  });

  it('doubles the bucket width until the span fits MAX_BUCKETS, aligned to absolute multiples', () => {
    const pkts: [number, number, number, number][] = [];
    for (let s = 0; s < 3600; s += 7) pkts.push([1_700_000_000 + s, 123_000_000, TrafficClass.GENEVE, 1000]);
    const tl = feed(pkts);
    // 3600 s over at most 600 buckets: 6 s or more, a power of two: 8 s.
    expect(tl.bucketSeconds).toBe(8);
    expect(tl.buckets).toBeLessThanOrEqual(MAX_BUCKETS);
    expect(tl.start % 8).toBe(0);
    expect(tl.start).toBeLessThanOrEqual(1_700_000_000);
    expect(tl.start + tl.buckets * 8).toBeGreaterThan(1_700_003_593);
    expect(seriesTotal(tl, 'packets')).toBe(pkts.length);
    expect(seriesTotal(tl, 'bytes')).toBe(pkts.length * 1000);
    // Bucket i holds the packets of [start + 8i, start + 8i + 8).
    const want = new Array(tl.buckets).fill(0);
    for (const [s] of pkts) want[Math.floor((s + 0.123 - tl.start) / 8)]++;
    expect(tl.series[0].packets).toEqual(want);
  });

  it('handles packets earlier than the first one (several files, reordering) and very long spans', () => {
    const tl = feed([
      [5000, 0, TrafficClass.IPIP, 10], [4999, 999_999_999, TrafficClass.IPIP, 20], [4000, 0, TrafficClass.OTHER, 30],
      [90_000, 0, TrafficClass.ROUTED, 40], [3000, 0, TrafficClass.WIREGUARD, 50],
    ]);
    expect(tl.buckets).toBeLessThanOrEqual(MAX_BUCKETS);
    expect(tl.start).toBeLessThanOrEqual(3000);
    expect(tl.start + tl.buckets * tl.bucketSeconds).toBeGreaterThan(90_000);
    expect(seriesTotal(tl, 'bytes')).toBe(150);
    const at = (t: number) => Math.floor((t - tl.start) / tl.bucketSeconds);
    const by = Object.fromEntries(tl.series.map((s) => [s.class, s]));
    expect(by.wireguard.bytes[at(3000)]).toBe(50);
    expect(by.other.bytes[at(4000)]).toBe(30);
    expect(by.ipip.bytes[at(5000)]).toBe(30);
    expect(by.routed.bytes[at(90_000)]).toBe(40);
  });

  it('a single packet is one bucket; no packet is an empty result', () => {
    expect(feed([[1, 0, 3, 60]]).buckets).toBe(1);
    expect(feed([])).toMatchObject({ buckets: 0, packets: 0, series: [] });
  });

  it('matches the analysis document on the sample: packets, bytes, and per class', async () => {
    const doc = await analyze(SAMPLE, reportAnalyzeOptions({ quiet: true }));
    const tl = doc.timeline as TimelineResult;
    expect(tl.packets).toBe(doc.summary.packets);
    expect(tl.wireBytes).toBe(doc.summary.wireBytes);
    expect(seriesTotal(tl, 'bytes')).toBe(doc.summary.wireBytes);
    const by = Object.fromEntries(tl.series.map((s) => [s.class, sum(s.packets)]));
    for (const c of doc.classes) {
      if (c.class === 'routed' || c.class === 'underlay') continue;
      expect(by[c.class], c.class).toBe(c.packets);
    }
    // Plain traffic: routed vs underlay is settled per flow at the end; the sum agrees.
    const plain = doc.classes.filter((c) => c.class === 'routed' || c.class === 'underlay').reduce((a, c) => a + c.packets, 0);
    expect((by.routed ?? 0) + (by.underlay ?? 0)).toBe(plain);
    expect(tl.buckets).toBeLessThanOrEqual(MAX_BUCKETS);
    expect(tl.start).toBeLessThanOrEqual(Number(doc.summary.firstTs));
    expect(tl.start + tl.buckets * tl.bucketSeconds).toBeGreaterThan(Number(doc.summary.lastTs));
  });

  it('coarsen merges aligned pairs down to the chart size and keeps totals', () => {
    const pkts: [number, number, number, number][] = [];
    for (let i = 0; i < 5000; i++) pkts.push([100 + Math.floor(i / 17), (i * 7919) % 1e9, i % 3 ? TrafficClass.VXLAN : TrafficClass.UNDERLAY, 64 + (i % 1400)]);
    const tl = feed(pkts);
    const c = coarsen(tl);
    expect(c.buckets).toBeLessThanOrEqual(CHART_BUCKETS);
    expect(c.bucketSeconds).toBeGreaterThan(tl.bucketSeconds);
    expect(Math.round(c.start / c.bucketSeconds) * c.bucketSeconds).toBe(c.start);
    expect(seriesTotal(c, 'bytes')).toBe(seriesTotal(tl, 'bytes'));
    expect(seriesTotal(c, 'packets')).toBe(5000);
    expect(c.start).toBeLessThanOrEqual(tl.start);
    expect(c.start + c.buckets * c.bucketSeconds).toBeGreaterThanOrEqual(tl.start + tl.buckets * tl.bucketSeconds);
  });
});

describe('HTML page', () => {
  let doc: AnalysisDocument;
  beforeAll(async () => { doc = await analyze(SAMPLE, reportAnalyzeOptions({ quiet: true })); });

  it('is one self-contained document: no external reference, CSP forbids requests', () => {
    const html = renderReport(doc);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain("default-src 'none'");
    expect(html).not.toMatch(/<(script|link|img|iframe)[^>]+(src|href)=/i);
    expect(html).not.toMatch(/url\(/i);
    expect(html).not.toMatch(/https?:\/\//);
    for (const id of ['summary', 'traffic', 'overhead', 'sizes', 'flows', 'tunnels', 'bgp', 'lint', 'cni', 'glossary']) {
      expect(html).toContain(`<section id="${id}"`);
    }
  });

  it('is deterministic without a generation time', () => {
    expect(renderReport(doc)).toBe(renderReport(doc));
  });

  it('says "not available" for sections the analysis did not produce, and no timeline', () => {
    const bare = { ...doc, bgp: undefined, lint: undefined, cni: undefined, timeline: undefined } as AnalysisDocument;
    const html = renderReport(bare);
    for (const s of ['BGP', 'Lint', 'CNI fingerprint', 'Traffic over time']) expect(html).toContain(`${s}: not available`);
  });

  it('escapes file names and values from the capture', () => {
    const evil = structuredClone(doc);
    evil.summary.files[0].name = '<script>alert(1)</script>.pcap';
    evil.podCidrs = [{ cidr: '10.0.0.0/8', source: 'flag', evidence: '"><img src=x onerror=alert(1)>' } as never];
    const html = renderReport(evil);
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;.pcap');
  });

  it('caps tables and says how many rows were left out', () => {
    const big = structuredClone(doc);
    const f = doc.topFlows[0];
    big.topFlows = Array.from({ length: 1200 }, (_, i) => ({ ...f, id: i + 1, bytes: 10_000 - i }));
    big.flows = { ...doc.flows, total: 100_000 };
    big.tunnels = Array.from({ length: 700 }, (_, i) => ({ ...doc.tunnels[0], vni: i }));
    const html = renderReport(big);
    const flows = html.slice(html.indexOf('id="flows-table"'), html.indexOf('</table>', html.indexOf('id="flows-table"')));
    expect(flows.match(/<tr data-flow=/g)).toHaveLength(500);
    expect(html).toContain('data-left-out="99500"');
    expect(html).toContain('Showing 500 of 100,000 flows; 99,500 left out');
    expect(html).toContain('data-left-out="200"'); // tunnels table
    expect(html).toContain('680 more in the <a href="#tunnels">tunnels table</a>'); // tunnel bars: top 20
    expect(renderReport(big, { rowCap: 50 }).match(/<tr data-flow=/g)).toHaveLength(50);
  });

  it('renders BGP, lint and CNI sections of the shapes their modules produce, and unknown sections generically', () => {
    const d = structuredClone(doc) as AnalysisDocument;
    d.bgp = {
      sessions: [{ a: { ip: '192.168.56.11', port: 48629 }, b: { ip: '192.168.56.12', port: 179 }, asns: [64512, 64512], holdTime: 90, state: 'Established', messages: 12 }],
      routes: [{ prefix: '10.244.1.0/26', action: 'announce', nextHop: '192.168.56.12', asPath: [64512], frame: 7 }],
    };
    d.lint = {
      findings: [
        { rule: 'VXLAN_NONSTANDARD_PORT', severity: 'warning', message: 'VXLAN on UDP 8472', count: 146, firstFrame: 3, evidence: { port: 8472, vteps: ['192.168.56.11', '192.168.56.12'] } },
        { rule: 'ICMP_FRAG_NEEDED', severity: 'info', message: 'path MTU signals', count: 2, firstFrame: 491, evidence: { mtu: 1450 } },
      ],
      summary: { error: 0, warning: 1, info: 1 },
    };
    d.cni = { verdict: 'flannel (VXLAN)', confidence: 0.9, evidence: ['VXLAN on UDP 8472', 'pod CIDR 10.244.0.0/16 in /24 per node'], candidates: [{ cni: 'Calico VXLAN', confidence: 0.2, evidence: ['VXLAN on 4789 to 192.168.56.13'] }] };
    d.l2 = { arp: { requests: 3, replies: 2 }, vlans: [{ id: 100, packets: 4 }] };
    const html = renderReport(d, { rules: { VXLAN_NONSTANDARD_PORT: { severity: 'warning', trigger: 'VXLAN off 4789', cause: 'flannel uses 8472', fix: 'say --vxlan-port 8472' } } });
    expect(html).toContain('id="bgp-sessions-table"');
    expect(html).toContain('10.244.1.0/26');
    expect(html).toContain('Established');
    expect(html).toContain('href="#lint-VXLAN_NONSTANDARD_PORT"');
    expect(html).toContain('<dt id="lint-VXLAN_NONSTANDARD_PORT">');
    expect(html).toContain('say --vxlan-port 8472');
    // A rule without an explanation here links to the README.
    expect(html).toContain('href="README.md#icmp-frag-needed"');
    expect(html).toContain('data-verdict="flannel (VXLAN)"');
    expect(html).toContain('90%');
    expect(html).toContain('pod CIDR 10.244.0.0/16 in /24 per node');
    expect(html).toContain('data-verdict="Calico VXLAN"');
    expect(html).toContain('<section id="extra-l2"');
    expect(html).not.toContain('not available');
  });

  it('handles an empty capture', () => {
    const empty: AnalysisDocument = {
      ...structuredClone(doc), classes: [], topFlows: [], tunnels: [], podCidrs: [],
      timeline: { bucketSeconds: 1 / 1024, start: 0, buckets: 0, packets: 0, wireBytes: 0, series: [] },
    };
    empty.summary = { ...empty.summary, packets: 0, uniquePackets: 0, wireBytes: 0, firstTs: null, lastTs: null, durationS: 0 };
    empty.flows = { ...empty.flows, total: 0 };
    empty.overhead = { ...empty.overhead, encapsulations: [], sizeBins: [], exceeded: [], superFrames: [], outerFragments: [], icmpMtuSignals: [] };
    const html = renderReport(empty);
    expect(html).toContain('No packets.');
    expect(html).toContain('No tunnels in this capture.');
  });

  it('nice ticks are round and cover the maximum', () => {
    expect(niceTicks(1234, 5)).toEqual([0, 250, 500, 750, 1000, 1250]);
    expect(niceTicks(9.6, 4)).toEqual([0, 2.5, 5, 7.5, 10]);
    expect(niceTicks(0)).toEqual([0, 1]);
  });

  it('uses one colour per class in every chart', () => {
    const html = renderReport(doc);
    const fills = new Set([...html.matchAll(/data-series="vxlan" fill="(#[0-9a-f]{6})"/g), ...html.matchAll(/id="hist-vxlan"[\s\S]*?fill="(#[0-9a-f]{6})"/g)].map((m) => m[1]));
    expect(fills.size).toBe(1);
    const bar = html.match(/id="overhead-class-chart"[\s\S]*?<rect class="bar"[^>]*fill="(#[0-9a-f]{6})"><title>VXLAN/);
    expect(bar?.[1]).toBe([...fills][0]);
  });
});

describe('report command', () => {
  let dir = '';
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'tunnelscope-report-')); });
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });
  const bin = join(ROOT, 'bin', 'tunnelscope.js');
  const built = existsSync(join(ROOT, 'dist', 'src', 'commands', 'report.js'));

  it.skipIf(!built)('writes the page with -o, to stdout with -o -, and rejects bad options', () => {
    const out = join(dir, 'r.html');
    const r = spawnSync(process.execPath, [bin, 'report', SAMPLE, '-o', out, '--top', '5'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`wrote ${out}`);
    const html = readFileSync(out, 'utf8');
    expect(html.match(/<tr data-flow=/g)).toHaveLength(5);
    const s = spawnSync(process.execPath, [bin, 'report', SAMPLE, '-o', '-'], { encoding: 'utf8', maxBuffer: 1 << 26 });
    expect(s.status).toBe(0);
    expect(s.stdout.startsWith('<!doctype html>')).toBe(true);
    expect(spawnSync(process.execPath, [bin, 'report', '--json'], { encoding: 'utf8' }).status).toBe(2);
    expect(spawnSync(process.execPath, [bin, 'report', '--top', '0'], { encoding: 'utf8' }).status).toBe(2);
    expect(spawnSync(process.execPath, [bin, 'report', join(dir, 'missing.pcap'), '-o', join(dir, 'm.html')], { encoding: 'utf8' }).status).toBe(3);
  });

  it.skipIf(!built)('with no file, reports on the bundled sample', () => {
    const out = join(dir, 'sample.html');
    const r = spawnSync(process.execPath, [bin, 'report', '-o', out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('bundled sample');
    expect(readFileSync(out, 'utf8')).toContain('node-mix.pcap');
  });
});
