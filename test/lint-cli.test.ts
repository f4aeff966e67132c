// `tunnelscope lint` as scripts and CI use it: exit status 1 when a finding at or above --fail-on
// exists, 0 otherwise, 2 on usage errors, 3 on unreadable input; --json as the SPEC's schema;
// --config switching rules off and changing severities. Runs bin/tunnelscope.js (needs `npm run build`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ruleEvidence } from '../src/analyses/findings/filters.js';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'tunnelscope.js');
const LINT = join(ROOT, 'fixtures', 'lint');
const built = existsSync(join(ROOT, 'dist', 'src', 'commands', 'lint.js'));
if (!built) console.warn('lint-cli: dist/ is not built (run npm run build); skipping the CLI tests');

function lint(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'lint', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Severities the fixtures produce (from fixtures/lint/expected.json and the rules' defaults):
const ERROR = join(LINT, 'vxlan-i-flag-unset.trigger.pcap'); // VXLAN_I_FLAG_UNSET: error
const WARNING = join(LINT, 'vxlan-nonstandard-port.trigger.pcap'); // warning + info
const CLEAN = join(LINT, 'vxlan-i-flag-unset.clean.pcap'); // nothing

describe.skipIf(!built)('tunnelscope lint (CLI)', () => {
  let dir = '';
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'tunnelscope-lint-')); });
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it('--fail-on drives the exit status', () => {
    expect(lint(ERROR).status).toBe(1);
    expect(lint(CLEAN).status).toBe(0);
    expect(lint(WARNING).status).toBe(0); // default --fail-on error
    expect(lint(WARNING, '--fail-on', 'error').status).toBe(0);
    expect(lint(WARNING, '--fail-on', 'warning').status).toBe(1);
    expect(lint(WARNING, '--fail-on', 'info').status).toBe(1);
    // Only the info finding left (8472 declared as expected):
    expect(lint(WARNING, '--vxlan-port', '8472', '--fail-on', 'warning').status).toBe(0);
    expect(lint(WARNING, '--vxlan-port', '8472', '--fail-on', 'info').status).toBe(1);
    expect(lint(CLEAN, '--fail-on', 'info').status).toBe(0);
  });

  it('text output: one finding per line with severity, rule, message, count and first frame', () => {
    const r = lint(WARNING);
    // Under each finding, indented, the command that shows its packets.
    const all = r.stdout.trim().split('\n');
    const lines = all.filter((l) => !l.startsWith(' '));
    expect(all.filter((l) => l.startsWith(' ')).map((l) => l.trim())).toEqual([
      `tunnelscope dissect ${WARNING} -Y 'vxlan && udp.dstport == 8472'`, `tunnelscope dissect ${WARNING} -Y 'vxlan && udp.dstport == 8472'`]);
    expect(lines[0]).toMatch(/^warning +VXLAN_NONSTANDARD_PORT {2}VXLAN on UDP 8472, expected 4789 .* \(count 4, first frame 1\)$/);
    expect(lines[1]).toMatch(/^info +VXLAN_WELL_KNOWN_PORT_COLLISION {2}.*\(count 4, first frame 1\)$/);
    expect(lines).toContain('summary: 0 errors, 1 warning, 1 info');
    expect(r.stdout).toMatch(/^cni: /m);
    expect(lint(CLEAN).stdout).toContain('no findings');
  });

  it('--json: the SPEC schema, plus cni and l2', () => {
    const r = lint(ERROR, '--json');
    expect(r.status).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).toEqual(['findings', 'summary', 'notEvaluated', 'cni', 'l2']);
    expect(doc.summary).toEqual({ error: 1, warning: 0, info: 0 });
    expect(doc.findings.map((f: { evidence: Record<string, unknown> }) => ({ ...f, evidence: ruleEvidence(f.evidence) }))).toEqual([{
      rule: 'VXLAN_I_FLAG_UNSET', severity: 'error', message: '3 VXLAN packets without the I flag (receivers drop them)', count: 3, firstFrame: 3,
      evidence: { senders: [{ ip: '192.168.56.11', packets: 3, firstFrame: 3 }] },
    }]);
    expect(doc.cni.verdict).toBeTypeOf('string');
    expect(Array.isArray(doc.l2.bindings)).toBe(true);
  });

  it('--config switches a rule off and changes a severity (and with it the exit status)', () => {
    const demote = join(dir, 'demote.json');
    writeFileSync(demote, JSON.stringify({ rules: { VXLAN_I_FLAG_UNSET: { severity: 'warning' } } }));
    const d = lint(ERROR, '--config', demote, '--json');
    expect(d.status).toBe(0);
    expect(JSON.parse(d.stdout).findings[0]).toMatchObject({ rule: 'VXLAN_I_FLAG_UNSET', severity: 'warning' });
    expect(lint(ERROR, '--config', demote, '--fail-on', 'warning').status).toBe(1);

    const off = join(dir, 'off.json');
    writeFileSync(off, JSON.stringify({ rules: { VXLAN_I_FLAG_UNSET: { enabled: false } } }));
    const o = lint(ERROR, '--config', off, '--json');
    expect(o.status).toBe(0);
    expect(JSON.parse(o.stdout).findings).toEqual([]);

    const promote = join(dir, 'promote.json');
    writeFileSync(promote, JSON.stringify({ rules: { VXLAN_NONSTANDARD_PORT: { severity: 'error' } }, thresholds: { mtu: 9000 } }));
    expect(lint(WARNING, '--config', promote).status).toBe(1);
  });

  it('usage errors exit 2, unreadable input exits 3', () => {
    const badRule = join(dir, 'bad-rule.json');
    writeFileSync(badRule, JSON.stringify({ rules: { NO_SUCH_RULE: { enabled: false } } }));
    const badJson = join(dir, 'bad.json');
    writeFileSync(badJson, '{"rules": ');
    for (const args of [
      [ERROR, '--fail-on', 'fatal'],
      [ERROR, '--vni', 'abc'],
      [ERROR, '--vni', '9-3'],
      [ERROR, '--mtu', 'big'],
      [ERROR, '--arp-storm-rate', '0'],
      [ERROR, '--vxlan-port', '70000'],
      [ERROR, '--config', join(dir, 'missing.json')],
      [ERROR, '--config', badRule],
      [ERROR, '--config', badJson],
      [ERROR, '--no-such-option'],
      [],
    ]) {
      const r = lint(...args);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/^tunnelscope lint: /);
    }
    expect(lint(join(dir, 'missing.pcap')).status).toBe(3);
  });

  it('--list-rules and --explain', () => {
    const l = lint('--list-rules');
    expect(l.status).toBe(0);
    // 22 since GENEVE_BAD_OUTER_CHECKSUM split from VXLAN_BAD_OUTER_CHECKSUM (issue 10 item 9).
    expect(l.stdout.trim().split('\n')).toHaveLength(22);
    const e = lint('--explain', 'VXLAN_BAD_OUTER_CHECKSUM');
    expect(e.status).toBe(0);
    expect(e.stdout).toContain('tx-checksum-ip-generic off');
    expect(lint('--explain', 'NOPE').status).toBe(2);
  });
});
