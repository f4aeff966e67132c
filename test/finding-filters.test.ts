// Every lint finding and flow carries filters that lead to its packets (src/analyses/findings/filters.ts).
// The independent check is tshark: `tshark -r FILE <tsharkArgs> -Y '<tsharkFilter>'` must show
// exactly `count` frames, the first being `firstFrame`, for the rules whose filters say they are
// exact, and a superset holding `firstFrame` for the others (documented in INEXACT_RULES and the
// README). The same check runs through `tunnelscope dissect -Y` (the command, in process).
// Skipped with a message where tshark is missing.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { runLint } from '../src/commands/lint.js';
import { parseVniRanges } from '../src/analyses/lint/config.js';
import { analyze } from '../src/engine/analyze.js';
import { correlate } from '../src/analyses/correlate/index.js';
import { INEXACT_RULES, dissectCommand, flowFilters, tsharkCommand, type PacketFilters } from '../src/analyses/findings/filters.js';
import type { Finding } from '../src/analyses/lint/analysis.js';
import type { FlowObject } from '../src/analyses/flows/analysis.js';
import { dissectCommand as dissectCli } from '../src/commands/dissect.js';

const ROOT = join(import.meta.dirname, '..');
const LINT = join(ROOT, 'fixtures', 'lint');
const hasTshark = spawnSync('tshark', ['--version'], { encoding: 'utf8' }).status === 0;
if (!hasTshark) console.warn('finding-filters: tshark is not installed; the tshark checks are SKIPPED');

const expected = JSON.parse(readFileSync(join(LINT, 'expected.json'), 'utf8')) as Record<string, { options?: string[] }>;
/** The lint fixtures (with the options expected.json runs them with), the VXLAN lint capture and the sample. */
const CAPTURES: string[] = [
  ...readdirSync(LINT).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => join(LINT, f)),
  join(ROOT, 'fixtures', 'vxlan-lint.pcap'),
  join(ROOT, 'fixtures', 'sample', 'node-mix.pcap'),
];
/** Tunnelled and plain flows of several encapsulations, for the flow filters. */
const FLOW_CAPTURES = ['sample/node-mix.pcap', 'vxlan-8472.pcap', 'vxlan-4789.pcap', 'geneve.pcap', 'gre.pcap', 'nvgre.pcap', 'ipip.pcap', 'vxlan-ipv6-outer.pcap']
  .map((f) => join(ROOT, 'fixtures', f));

async function lintFindings(file: string): Promise<Finding[]> {
  const o = expected[file.split('/').pop()!]?.options ?? [];
  const vxlanPorts: number[] = [], vni: string[] = [];
  for (let i = 0; i < o.length; i += 2) (o[i] === '--vni' ? vni : vxlanPorts).push(o[i] === '--vni' ? o[i + 1] : (Number(o[i + 1]) as never));
  const run = await runLint([file], { vxlanPorts, vnis: parseVniRanges(vni) });
  return run.lint.findings;
}

function tsharkFrames(file: string, e: PacketFilters): number[] {
  const r = spawnSync('tshark', ['-r', file, ...e.tsharkArgs, '-Y', e.tsharkFilter, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tshark failed on ${e.tsharkFilter}: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean).map(Number);
}

/** What a filter selected: how many frames, the first, and whether `frame` is among them. */
interface Selection { n: number; first: number; has: boolean }

/**
 * Many filters over one capture in one tshark pass (the machine is slow to start tshark): its IO
 * statistics count the frames each filter matches, their smallest number, and whether a given frame
 * matches. Filters with a comma (io,stat splits on commas) get a -Y run of their own.
 */
function tsharkSelections(file: string, args: string[], queries: { filter: string; frame: number }[]): Selection[] {
  const out: Selection[] = new Array(queries.length);
  const cols: string[] = [];
  const batched: number[] = [];
  queries.forEach((q, i) => {
    if (q.filter.includes(',')) {
      const frames = tsharkFrames(file, { tsharkArgs: args, tsharkFilter: q.filter } as PacketFilters);
      out[i] = { n: frames.length, first: frames[0] ?? 0, has: frames.includes(q.frame) };
      return;
    }
    batched.push(i);
    cols.push(`COUNT(frame.number)frame.number && (${q.filter})`, `MIN(frame.number)frame.number && (${q.filter})`,
      `COUNT(frame.number)frame.number == ${q.frame} && (${q.filter})`);
  });
  if (batched.length) {
    const r = spawnSync('tshark', ['-q', '-r', file, ...args, '-z', `io,stat,0,${cols.join(',')}`], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tshark failed on ${file}: ${r.stderr}`);
    const row = r.stdout.split('\n').filter((l) => /^\|\s*[\d.]+ <> /.test(l)).pop()!;
    const nums = row.split('|').slice(2).map((c) => c.trim()).filter((c) => c !== '').map(Number);
    batched.forEach((qi, k) => { out[qi] = { n: nums[3 * k], first: nums[3 * k + 1], has: nums[3 * k + 2] === 1 }; });
  }
  return out;
}

/** The frames `count`/`firstFrame` promise, checked against what a filter selected. */
function checkSelection(f: Finding, sel: Selection, where: string): void {
  const e = f.evidence as unknown as PacketFilters;
  if (e.filterExact) {
    expect({ where, rule: f.rule, n: sel.n, first: sel.first }).toEqual({ where, rule: f.rule, n: f.count, first: f.firstFrame });
  } else {
    // Not exact: the packets that show the problem, at least as many as counted, holding the first.
    expect({ where, rule: f.rule, has: sel.has }).toEqual({ where, rule: f.rule, has: true });
    expect(sel.n, `${where} ${f.rule}`).toBeGreaterThanOrEqual(f.count);
  }
}

/** Groups items by their tshark arguments (one tshark pass per group). */
function byArgs<T>(items: T[], args: (x: T) => string[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of items) {
    const k = JSON.stringify(args(x));
    m.set(k, [...(m.get(k) ?? []), x]);
  }
  return m;
}

describe('filters on lint findings', () => {
  it('every finding of every fixture has both filters, and inexact ones say why', async () => {
    let findings = 0;
    for (const file of CAPTURES) {
      for (const f of await lintFindings(file)) {
        findings++;
        const e = f.evidence as unknown as PacketFilters;
        expect(typeof e.filter, f.rule).toBe('string');
        expect(typeof e.tsharkFilter, f.rule).toBe('string');
        expect(Array.isArray(e.tsharkArgs)).toBe(true);
        if (!e.filterExact) expect(e.filterNote, f.rule).toBeTruthy();
        // Only the documented rules are inexact (MTU: only when offload super-frames were skipped).
        // VXLAN rules turn inexact for tshark where a VXLAN port also carries packets that are not VXLAN.
        if (!e.filterExact && f.rule !== 'ENCAP_MTU_EXCEEDED' && !/VXLAN_PORT_NOT_VXLAN/.test(e.filterNote ?? '')) expect(Object.keys(INEXACT_RULES), f.rule).toContain(f.rule);
      }
    }
    expect(findings).toBeGreaterThan(40);
  });

  it('the text line under a finding is a dissect command with the filter, quoted for the shell', () => {
    const e = { filter: "vxlan && udp.dstport == 8472", dissectArgs: ['--vxlan-port', '9999'] };
    expect(dissectCommand('my capture.pcap', e)).toBe("tunnelscope dissect 'my capture.pcap' --vxlan-port 9999 -Y 'vxlan && udp.dstport == 8472'");
    expect(tsharkCommand('a.pcap', { tsharkFilter: 'vxlan', tsharkArgs: ['-d', 'udp.port==8472,vxlan'] })).toBe('tshark -r a.pcap -d udp.port==8472,vxlan -Y vxlan');
  });

  it.skipIf(!hasTshark)('tshark with the suggested arguments shows count frames from firstFrame (exact rules) or a superset', async () => {
    let exact = 0;
    const exactRules = new Set<string>();
    for (const file of CAPTURES) {
      const findings = await lintFindings(file);
      for (const [args, group] of byArgs(findings, (f) => (f.evidence as unknown as PacketFilters).tsharkArgs)) {
        const sels = tsharkSelections(file, JSON.parse(args) as string[], group.map((f) => ({ filter: (f.evidence as unknown as PacketFilters).tsharkFilter, frame: f.firstFrame })));
        group.forEach((f, i) => checkSelection(f, sels[i], file.split('/').pop()!));
      }
      for (const f of findings) if ((f.evidence as unknown as PacketFilters).filterExact) { exact++; exactRules.add(f.rule); }
    }
    // Most rules are exact; this pins them so that none silently turns inexact.
    expect([...exactRules].sort()).toEqual(expect.arrayContaining([
      'BGP_NOTIFICATION', 'ENCAP_MTU_EXCEEDED', 'ENCAP_OUTER_FRAGMENTED', 'GENEVE_CRITICAL_OPTION', 'ICMP_FRAG_NEEDED', 'NVGRE_KEY_MISSING',
      'VNI_PER_VTEP_INCONSISTENT', 'VXLAN_I_FLAG_UNSET', 'VXLAN_NONSTANDARD_PORT', 'VXLAN_RESERVED_BITS', 'VXLAN_SRC_PORT_NO_ENTROPY',
      'VXLAN_VNI_UNEXPECTED', 'VXLAN_VNI_ZERO', 'VXLAN_WELL_KNOWN_PORT_COLLISION',
    ]));
    expect(exact).toBeGreaterThan(25);
  }, 1_200_000); // one tshark per capture (about 50): minutes when the machine is loaded
});

describe('filters on flows', () => {
  it('a tunnelled flow filters on the tunnel (class, VNI, outer pair) and the inner 5-tuple both ways', () => {
    const flow = {
      class: 'vxlan', tunnel: { a: '192.168.56.11', b: '192.168.56.12', vni: 1, key: null, dstPort: 8472 },
      orig: { ip: '10.244.1.2', port: 40000 }, resp: { ip: '10.244.2.3', port: 80 }, protocol: 6, fragments: 0,
    } as unknown as FlowObject;
    const e = flowFilters(flow);
    expect(e.tsharkArgs).toEqual(['-d', 'udp.port==8472,vxlan']);
    expect(e.tsharkFilter).toBe('vxlan && vxlan.vni == 1 && ((ip.src#1 == 192.168.56.11 && ip.dst#1 == 192.168.56.12) || (ip.src#1 == 192.168.56.12 && ip.dst#1 == 192.168.56.11))' +
      ' && tcp && ((ip.src#2 == 10.244.1.2 && ip.dst#2 == 10.244.2.3 && tcp.srcport == 40000 && tcp.dstport == 80) || (ip.src#2 == 10.244.2.3 && ip.dst#2 == 10.244.1.2 && tcp.srcport == 80 && tcp.dstport == 40000))');
    expect(e.filter).toContain('class == vxlan && tunnel.vni == 1');
    expect(e.filter).toContain('inner.ip.src == 10.244.1.2 && inner.ip.dst == 10.244.2.3 && inner.tcp.srcport == 40000 && inner.tcp.dstport == 80');
  });

  it.skipIf(!hasTshark)('tshark with a flow\'s filter shows exactly its packets', async () => {
    let checked = 0;
    for (const file of FLOW_CAPTURES) {
      const doc = await analyze(file, { top: 200, standard: false });
      for (const f of doc.topFlows) expect(f.evidence, file).toBeDefined();
      const exact = doc.topFlows.filter((f) => f.evidence!.filterExact);
      for (const [args, group] of byArgs(exact, (f) => f.evidence!.tsharkArgs)) {
        const sels = tsharkSelections(file, JSON.parse(args) as string[], group.map((f) => ({ filter: f.evidence!.tsharkFilter, frame: 0 })));
        group.forEach((f, i) => expect({ file, id: f.id, n: sels[i].n }).toEqual({ file, id: f.id, n: f.packets }));
        checked += group.length;
      }
    }
    expect(checked).toBeGreaterThan(20);
  }, 1_200_000);
});

describe('filters on correlate findings', () => {
  it.skipIf(!hasTshark)('a lost-packet finding selects the path\'s packets in the sender\'s capture: all sent, the first lost among them', async () => {
    const dir = join(ROOT, 'fixtures', 'correlate');
    const r = await correlate([{ name: 'nodeA', file: join(dir, 'nat-pair.a.pcap') }, { name: 'nodeB', file: join(dir, 'nat-pair.b.pcap') }], { windowS: 0.5 });
    const losses = r.findings.filter((f) => f.rule === 'PATH_LOSS');
    expect(losses.length).toBeGreaterThan(0);
    for (const f of losses) {
      const e = f.evidence as unknown as PacketFilters & { from: string; sent: number };
      expect(e.filterFile).toBe(r.nodes.find((n) => n.name === e.from)!.file);
      expect(e.filterExact).toBe(false);
      const [sel] = tsharkSelections(e.filterFile!, e.tsharkArgs, [{ filter: e.tsharkFilter, frame: f.firstFrame }]);
      // The gap shows among the packets the sender sent on that path: all of them are selected (and those
      // in the trimmed window edges, which correlate does not count as sent), the first lost one among them.
      expect(sel.has).toBe(true);
      expect(sel.n).toBeGreaterThanOrEqual(e.sent);
    }
  }, 120_000);
});

/**
 * `tunnelscope dissect ARGS --json` run in process (the command's own option parsing, filter and
 * output; no node start-up per filter, which made this file slow): exit status and frame numbers.
 */
async function dissectJson(args: string[]): Promise<{ status: number; frames: number[]; stderr: string }> {
  let out = '', err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => { out += String(c); return true; });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => { err += String(c); return true; });
  let status: number;
  try {
    status = await dissectCli.run([...args, '--json']);
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  return { status, stderr: err, frames: out.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { frame: number }).frame) };
}

describe('filters on lint findings through tunnelscope dissect -Y', () => {
  it('dissect -Y filter --json shows count frames from firstFrame (exact rules) or a superset', async () => {
    let checked = 0;
    for (const file of CAPTURES) {
      for (const f of await lintFindings(file)) {
        const e = f.evidence as unknown as PacketFilters;
        const r = await dissectJson([file, ...e.dissectArgs, '-Y', e.filter]);
        expect(r.status, `${file} ${f.rule}: ${e.filter}: ${r.stderr}`).toBe(0);
        checkSelection(f, { n: r.frames.length, first: r.frames[0] ?? 0, has: r.frames.includes(f.firstFrame) }, `dissect ${file.split('/').pop()}`);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(40);
  }, 300_000);

  it('dissect -Y with a flow\'s filter shows exactly its packets', async () => {
    let checked = 0;
    for (const file of FLOW_CAPTURES) {
      const doc = await analyze(file, { top: 200, standard: false });
      for (const f of doc.topFlows) {
        const e = f.evidence!;
        if (!e.filterExact) continue;
        const r = await dissectJson([file, ...e.dissectArgs, '-Y', e.filter]);
        expect(r.status, `${file}: ${e.filter}: ${r.stderr}`).toBe(0);
        expect({ file, id: f.id, n: r.frames.length }).toEqual({ file, id: f.id, n: f.packets });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  }, 300_000);
});
