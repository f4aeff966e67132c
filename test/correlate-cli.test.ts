// `tunnelscope correlate` as a command: exit statuses, --node names, --json shape, text output,
// and bad input (one capture shorter than the other, no overlap in time, the same file twice,
// captures without tunnels). Runs bin/tunnelscope.js (needs `npm run build`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ruleEvidence } from '../src/analyses/findings/filters.js';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'tunnelscope.js');
const DIR = join(ROOT, 'fixtures', 'correlate');
const built = existsSync(join(ROOT, 'dist', 'src', 'commands', 'correlate.js'));
if (!built) console.warn('correlate-cli: dist/ is not built (run npm run build); skipping the CLI tests');

const A = join(DIR, 'kernel-3ns.a.pcap');
const B = join(DIR, 'kernel-3ns.b.pcap');

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'correlate', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The records of a classic pcap (either timestamp unit), little-endian as tcpdump writes here. */
function readPcap(file: string): { header: Buffer; records: { sec: number; frac: number; data: Buffer }[] } {
  const b = readFileSync(file);
  expect(b.readUInt32LE(0) === 0xa1b2c3d4 || b.readUInt32LE(0) === 0xa1b23c4d).toBe(true);
  const records = [];
  for (let o = 24; o + 16 <= b.length;) {
    const incl = b.readUInt32LE(o + 8);
    records.push({ sec: b.readUInt32LE(o), frac: b.readUInt32LE(o + 4), data: b.subarray(o + 16, o + 16 + incl) });
    o += 16 + incl;
  }
  return { header: b.subarray(0, 24), records };
}

function writePcap(file: string, header: Buffer, records: { sec: number; frac: number; data: Buffer }[]): void {
  const parts: Buffer[] = [header];
  for (const r of records) {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(r.sec, 0); h.writeUInt32LE(r.frac, 4); h.writeUInt32LE(r.data.length, 8); h.writeUInt32LE(r.data.length, 12);
    parts.push(h, r.data);
  }
  writeFileSync(file, Buffer.concat(parts));
}

/** Ethernet + IPv4 + UDP to port 4789 (a VXLAN packet in these captures). */
function isVxlan(d: Buffer): boolean {
  return d.readUInt16BE(12) === 0x0800 && d[23] === 17 && d.readUInt16BE(14 + (d[14] & 15) * 4 + 2) === 4789;
}

describe.skipIf(!built)('tunnelscope correlate (CLI)', () => {
  let dir = '';
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'tunnelscope-correlate-')); });
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it('--json follows the contract; --node names the nodes', () => {
    const r = run(A, '--node', `nodeB=${B}`, '--json');
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).toEqual(expect.arrayContaining(['nodes', 'clock', 'paths', 'findings']));
    expect(doc.nodes.map((n: { name: string }) => n.name)).toEqual(['kernel-3ns.a', 'nodeB']);
    for (const n of doc.nodes) expect(Object.keys(n)).toEqual(expect.arrayContaining(['name', 'file', 'addresses', 'packets']));
    expect(Object.keys(doc.clock[0])).toEqual(expect.arrayContaining(['a', 'b', 'offset', 'uncertainty']));
    const p = doc.paths.find((x: { class: string }) => x.class === 'vxlan');
    expect(Object.keys(p)).toEqual(expect.arrayContaining(['from', 'to', 'class', 'tunnel', 'sent', 'received', 'lost', 'duplicated', 'reordered', 'delay', 'lostBySize', 'rewrites']));
    expect(Object.keys(p.delay)).toEqual(expect.arrayContaining(['p50', 'p90', 'p99', 'max']));
    expect(Object.keys(p.rewrites)).toEqual(expect.arrayContaining(['outerSrc', 'outerDst', 'ttlDecrement', 'dscp']));
    // The pair has findings (a loop over none would check nothing).
    expect(doc.findings.length).toBeGreaterThan(0);
    for (const f of doc.findings) expect(Object.keys(f)).toEqual(expect.arrayContaining(['rule', 'severity', 'message', 'evidence']));
  });

  it('text output: nodes, the clock, a table of paths and the findings', () => {
    const r = run(A, B);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^node kernel-3ns\.a: .*addresses 192\.168\.10\.1$/m);
    expect(r.stdout).toMatch(/^clock kernel-3ns\.b - kernel-3ns\.a: /m);
    expect(r.stdout).toMatch(/^kernel-3ns\.a +kernel-3ns\.b +vxlan +42 +4789 /m);
    expect(r.stdout).toMatch(/^error +PATH_MTU_BLACKHOLE /m);
  });

  it('text output shows where the loss is and the MSS clamp (syn-burst, gen_pairs.py ground truth)', () => {
    const r = run(join(DIR, 'syn-burst.a.pcap'), join(DIR, 'syn-burst.b.pcap'), '--window', '0.2');
    expect(r.status).toBe(0);
    // syn_burst(): 3 SYN attempts of flow 2 lost of 10 SYNs, flow 5's RST, one data segment, 10 of 150 UDP;
    // the longest run: the UDP packets sent 1510.5 .. 1690.5 ms, overlap from 203 ms.
    expect(r.stdout).toContain('syn-burst.a -> syn-burst.b vxlan 42: protocol TCP SYN 3/10, TCP RST 1/1, TCP data 1/35, UDP 10/150;');
    expect(r.stdout).toContain('longest 10 (1.308-1.488 s)');
    expect(r.stdout).toMatch(/^syn-burst\.a +syn-burst\.b +vxlan .* mss 1460->1410$/m);
    expect(r.stdout).toMatch(/^syn-burst\.b +syn-burst\.a +vxlan .* mss 8960->1410$/m);
  });

  it('--config takes lint\'s config format: rules disabled or given another severity', () => {
    const cfg = join(dir, 'rules.json');
    // A lint rule and a lint threshold in the same file are accepted (one file for both commands).
    writeFileSync(cfg, JSON.stringify({ rules: { PATH_MSS_CLAMP: { enabled: false }, PATH_LOSS_BURST: { severity: 'error' }, VXLAN_VNI_UNEXPECTED: { enabled: false } }, thresholds: { mtu: 1450 } }));
    const files = [join(DIR, 'syn-burst.a.pcap'), join(DIR, 'syn-burst.b.pcap'), '--window', '0.2', '--json'];
    const plain = JSON.parse(run(...files).stdout) as { findings: { rule: string; severity: string }[] };
    const r = run(...files, '--config', cfg);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as typeof plain;
    expect(plain.findings.filter((f) => f.rule === 'PATH_MSS_CLAMP')).toHaveLength(2);
    expect(doc.findings.filter((f) => f.rule === 'PATH_MSS_CLAMP')).toHaveLength(0);
    expect(doc.findings.filter((f) => f.rule === 'PATH_LOSS_BURST').map((f) => f.severity)).toEqual(['error']);
    expect(doc.findings.filter((f) => f.rule === 'PATH_LOSS')).toEqual(plain.findings.filter((f) => f.rule === 'PATH_LOSS'));
    // ... and lint takes the same file, leaving correlate's rules to correlate.
    const lint = spawnSync(process.execPath, [BIN, 'lint', join(DIR, 'syn-burst.a.pcap'), '--config', cfg, '--json'], { encoding: 'utf8' });
    expect(lint.stderr).toBe('');
    expect(lint.status).toBe(0);
    writeFileSync(cfg, JSON.stringify({ rules: { PATH_LOST: { enabled: false } } }));
    const bad = run(...files, '--config', cfg);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown rule 'PATH_LOST'/);
    writeFileSync(cfg, JSON.stringify({ rules: { PATH_LOSS: { severity: 'fatal' } } }));
    expect(run(...files, '--config', cfg).stderr).toMatch(/rules\.PATH_LOSS\.severity must be one of error, warning, info/);
  });

  it('--export writes a fingerprint file that correlate reads back, named after its node', () => {
    const fa = join(dir, 'a.tsfp'), fb = join(dir, 'b.tsfp');
    const e = run(A, '--node', `left=${A}`, '--export', fa);
    expect(e.status).toBe(0);
    expect(e.stderr).toMatch(/a\.tsfp: \d+ fingerprints of \d+ packets \(node left\)/);
    expect(run(B, '--export', fb, '--quiet').status).toBe(0);
    const r = run(fa, fb, '--json');
    expect(r.status).toBe(0);
    const fromPrints = JSON.parse(r.stdout), fromCaptures = JSON.parse(run(A, '--node', `left=${A}`, B, '--json').stdout);
    expect(fromPrints.nodes.map((n: { name: string }) => n.name)).toEqual(['left', 'kernel-3ns.b']);
    expect(fromPrints.paths).toEqual(fromCaptures.paths);
    // The same findings; their filters name the file they apply to (the capture, or here the fingerprint file).
    const rule = (fs: { evidence: Record<string, unknown> }[]) => fs.map((f) => ({ ...f, evidence: ruleEvidence(f.evidence) }));
    expect(rule(fromPrints.findings)).toEqual(rule(fromCaptures.findings));
  });

  it('a missing file exits 3, usage errors exit 2', () => {
    const missing = run(A, join(dir, 'nope.pcap'));
    expect(missing.status).toBe(3);
    expect(missing.stderr).toMatch(/nope\.pcap: no such file/);
    expect(run().status).toBe(2);
    expect(run(A, B, '--window', '0').status).toBe(2);
    expect(run(A, '--node', 'noequals').status).toBe(2);
    expect(run(A, B, '--export', join(dir, 'two.tsfp')).status).toBe(2);
  });

  it('the same file twice is refused with a clear message', () => {
    const r = run(A, A);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/given twice/);
    // A copy under another name is caught too: its addresses belong to both "nodes".
    const copy = join(dir, 'copy.pcap');
    copyFileSync(A, copy);
    const c = run(A, copy, '--json');
    expect(c.status).toBe(0);
    expect(JSON.parse(c.stdout).paths).toEqual([]);
    expect(c.stderr).toMatch(/the same capture twice\?/);
  });

  it('no overlap in time: a clear message, exit 0, no paths', () => {
    const { header, records } = readPcap(B);
    const later = join(dir, 'later.pcap');
    writePcap(later, header, records.map((x) => ({ ...x, sec: x.sec + 3600 })));
    const r = run(A, later, '--json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).paths).toEqual([]);
    expect(r.stderr).toMatch(/do not overlap in time/);
    const t = run(A, later);
    expect(t.stdout).toMatch(/no paths: the captures do not overlap in time/);
  });

  it('one capture shorter than the other: only the time both cover counts, no false loss', () => {
    const full = JSON.parse(run(A, B, '--json').stdout);
    const { header, records } = readPcap(B);
    // B stops capturing halfway through the tunnel traffic.
    const tunnel = records.filter((x) => isVxlan(x.data));
    const cut = tunnel[Math.floor(tunnel.length / 2)];
    const short = join(dir, 'short.pcap');
    writePcap(short, header, records.filter((x) => x.sec < cut.sec || (x.sec === cut.sec && x.frac <= cut.frac)));
    const r = JSON.parse(run(A, short, '--json', '--window', '0.2').stdout);
    const ab = (doc: { paths: { from: string; class: string; sent: number; lost: number; lostBySize: { maxBytes: number; lost: number }[] }[] }) =>
      doc.paths.find((p) => p.from === 'kernel-3ns.a' && p.class === 'vxlan')!;
    expect(ab(r).sent).toBeGreaterThan(0);
    expect(ab(r).sent).toBeLessThan(ab(full).sent);
    // Without trimming, every packet A sent after B stopped would count as lost. Loss here can
    // only be what the full run lost too: the nftables drops of small packets (at most all 4).
    const lostSmall = (doc: Parameters<typeof ab>[0]) => ab(doc).lostBySize.filter((b) => b.maxBytes <= 256).reduce((s, b) => s + b.lost, 0);
    expect(lostSmall(r)).toBeLessThanOrEqual(lostSmall(full));
    // The 1378-byte packets all arrived in reality (they come after the cut: untrimmed, they would be lost).
    for (const b of ab(r).lostBySize) if (b.maxBytes === 1400) expect(b.lost).toBe(0);
  });

  it('captures without tunnels: plain packets are matched without their addresses', () => {
    const strip = (file: string, name: string) => {
      const { header, records } = readPcap(file);
      const out = join(dir, name);
      writePcap(out, header, records.filter((x) => !isVxlan(x.data)));
      return out;
    };
    const r = run(strip(A, 'plain-a.pcap'), strip(B, 'plain-b.pcap'), '--json');
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.nodes.map((n: { addresses: string[] }) => n.addresses)).toEqual([['192.168.10.1'], ['192.168.20.2']]);
    expect(doc.paths.map((p: { class: string; tunnel: unknown }) => [p.class, p.tunnel])).toEqual([['underlay', null], ['underlay', null]]);
    for (const p of doc.paths) expect(p.received === p.sent && p.lost === 0 && p.sent > 0).toBe(true);
    // The SNAT of the pings is seen although the identity leaves the addresses out.
    expect(doc.paths[0].rewrites.outerSrc).toEqual([{ from: '192.168.10.1', to: '192.168.20.254', packets: doc.paths[0].received }]);
  });
});
