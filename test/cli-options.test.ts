// The command line as a tshark/tcpdump user meets it (issue 13): --help lists every option with its
// meaning, and the README's option table is the same list; did-you-mean; completion; -t against
// tshark's own times; colour only when wanted and never from the data; tables fitted to the width;
// protocol names; dissect naming its files; CSV holding every field of the JSON records.
// Runs bin/tunnelscope.js (needs `npm run build`).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'tunnelscope.js');
const built = existsSync(join(ROOT, 'dist', 'src', 'cli.js'));
if (!built) console.warn('cli-options: dist/ is not built (run npm run build); skipping the CLI tests');
const VXLAN = join(ROOT, 'fixtures', 'vxlan-8472.pcap');
const SAMPLE = join(ROOT, 'fixtures', 'sample', 'node-mix.pcap');
const COMMANDS = ['dissect', 'lint', 'flows', 'overhead', 'analyze', 'report', 'bgp', 'correlate'];

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const base = { ...process.env };
  delete base.COLUMNS;
  delete base.NO_COLOR;
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...base, ...env }, maxBuffer: 1 << 26 });
}

const hasTshark = (() => { try { execFileSync('tshark', ['--version'], { stdio: 'ignore' }); return true; } catch { return false; } })();
if (!hasTshark) console.warn('cli-options: tshark not found; skipping the -t comparisons with tshark');

/** The long option names a command's --help lists. */
function helpOptions(cmd: string): Set<string> {
  const r = cli([cmd, '--help']);
  expect(r.status, r.stderr).toBe(0);
  return new Set([...r.stdout.matchAll(/^\s+(?:-\w, )?--([a-z][\w-]*)/gm)].map((m) => m[1]));
}

/** README's option table: long option name -> the commands it lists. */
function readmeOptions(): Map<string, Set<string>>[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('| option | commands | meaning |');
  expect(start, 'README has the option table').toBeGreaterThan(0);
  const rows: Map<string, Set<string>>[] = [];
  for (const line of readme.slice(start).split('\n').slice(2)) {
    if (!line.startsWith('|')) break;
    const [, option, commands] = line.split(/(?<!\\)\|/).map((c) => c.trim());
    const names = [...option.matchAll(/`--([a-z][\w-]*)/g)].map((m) => m[1]);
    const but = /^all but (.*)$/.exec(commands);
    const set = new Set(commands === 'all' ? COMMANDS : but ? COMMANDS.filter((c) => !but[1].split(/,\s*/).includes(c)) : commands.split(/,\s*/));
    rows.push(new Map(names.map((n) => [n, set])));
  }
  return rows;
}

describe.skipIf(!built)('--help and the README list the same options', () => {
  it('every option of every command, in both directions', () => {
    const table = readmeOptions();
    for (const cmd of COMMANDS) {
      const inReadme = new Set<string>();
      for (const row of table) for (const [name, cmds] of row) if (cmds.has(cmd)) inReadme.add(name);
      expect([...helpOptions(cmd)].sort(), `${cmd} --help vs README`).toEqual([...inReadme].sort());
    }
  });

  it('each option has its meaning, and the choices are shown', () => {
    const r = cli(['flows', '--help']);
    expect(r.stdout).toMatch(/--sort\s+order of the flows/);
    expect(r.stdout).toMatch(/choices: "packets", "bytes", "duration"/);
    expect(r.stdout).toMatch(/-t, --time-format/);
    // Every option line (the two-column layout) has a description after its name.
    for (const m of r.stdout.matchAll(/^\s+(?:-\w, )?--[\w-]+(.*)$/gm)) expect(m[1].trim(), m[0]).not.toBe('');
  });

  it('the top-level help lists every command and every exit status the program returns', () => {
    const r = cli(['--help']);
    expect(r.status).toBe(0);
    for (const c of [...COMMANDS, 'completion']) expect(r.stdout).toMatch(new RegExp(`tunnelscope ${c}\\b`));
    // bin/tunnelscope.js: 70 for an internal error; src/cli.ts: 0-3 and 130.
    for (const s of [0, 1, 2, 3, 70, 130]) expect(r.stdout.replace(/\s+/g, ' ')).toMatch(new RegExp(`\\b${s} [a-z]`));
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const exit = readme.slice(readme.indexOf('Exit status: 0 success'), readme.indexOf('Exit status: 0 success') + 900);
    for (const s of [0, 1, 2, 3, 70, 130]) expect(exit).toMatch(new RegExp(`\\b${s} [a-z]`));
  });
});

describe.skipIf(!built)('usage errors: one line, exit 2, the closest name', () => {
  it('an option misspelt', () => {
    const r = cli(['flows', '--srot', 'packets', VXLAN]);
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain("unknown option '--srot': did you mean --sort?");
  });

  it('a command misspelt', () => {
    const r = cli(['anlyze', VXLAN]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe("tunnelscope: unknown command 'anlyze': did you mean analyze? (try --help)");
  });

  it('a value outside the choices, and a missing value', () => {
    const bad = cli(['dissect', '-t', 'gmt', VXLAN]);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe("tunnelscope dissect: --time-format: 'gmt' is not one of epoch, utc, local, relative, delta");
    const missing = cli(['flows', VXLAN, '--mtu']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/--mtu: a value is needed/);
  });

  it('--version is the package.json version', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(cli(['--version']).stdout).toBe(`tunnelscope ${pkg.version}\n`);
  });
});

describe.skipIf(!built)('completion', () => {
  it('prints a bash script and a zsh script that call back for the words', () => {
    const bash = cli(['completion', 'bash']);
    expect(bash.status).toBe(0);
    expect(bash.stdout).toMatch(/complete .*-F _tunnelscope_yargs_completions tunnelscope/);
    expect(bash.stdout).toContain('--get-yargs-completions');
    const zsh = cli(['completion', 'zsh']);
    expect(zsh.stdout).toContain('compdef _tunnelscope_yargs_completions tunnelscope');
  });

  it('completes commands, and the options of the command being typed', () => {
    expect(cli(['--get-yargs-completions', 'tunnelscope', 'fl']).stdout.split('\n')).toContain('flows');
    const opts = cli(['--get-yargs-completions', 'tunnelscope', 'flows', '--so']).stdout.split('\n');
    expect(opts).toContain('--sort');
    expect(opts).not.toContain('--list-rules');
  });
});

describe.skipIf(!built || !hasTshark)('-t: packet times as tshark shows them', () => {
  const fields = (f: string) => execFileSync('tshark', ['-r', VXLAN, '-T', 'fields', '-e', f], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n');
  const times = (format: string) => cli(['dissect', VXLAN, '-t', format]).stdout.trim().split('\n').map((l) => l.split(' ')[1]);

  it('relative and delta are frame.time_relative and frame.time_delta_displayed', () => {
    expect(times('relative')).toEqual(fields('frame.time_relative'));
    expect(times('delta')).toEqual(fields('frame.time_delta_displayed'));
    expect(times('epoch')).toEqual(fields('frame.time_epoch'));
  });

  it('utc is frame.time_epoch in ISO 8601 (date -u), microseconds', () => {
    const epoch = fields('frame.time_epoch');
    const expected = epoch.map((e) => {
      const [sec, frac] = e.split('.');
      return `${execFileSync('date', ['-u', '-d', `@${sec}`, '+%Y-%m-%dT%H:%M:%S'], { encoding: 'utf8' }).trim()}.${frac.slice(0, 6)}Z`;
    });
    expect(times('utc')).toEqual(expected);
  });
});

describe.skipIf(!built)('terminal output', () => {
  it('colour: only with --color always (or auto on a terminal), never with NO_COLOR or in a pipe', () => {
    const always = cli(['flows', VXLAN, '--color', 'always']).stdout;
    expect(always).toContain('\x1b[1mclass');
    expect(cli(['flows', VXLAN]).stdout).not.toContain('\x1b');
    expect(cli(['flows', VXLAN, '--color', 'auto'], { NO_COLOR: '1' }).stdout).not.toContain('\x1b');
  });

  it('fitted to COLUMNS with an ellipsis; no limit in a pipe', () => {
    const narrow = cli(['flows', SAMPLE, '--top', '10'], { COLUMNS: '72' }).stdout.trimEnd().split('\n');
    for (const l of narrow) expect(l.length, l).toBeLessThanOrEqual(72);
    expect(narrow.join('\n')).toContain('…');
    const wide = cli(['flows', SAMPLE, '--top', '10']).stdout.trimEnd().split('\n');
    expect(Math.max(...wide.map((l) => l.length))).toBeGreaterThan(72);
    expect(wide.join('\n')).not.toContain('…');
  });

  it('protocols by name; columns empty in every row left out', () => {
    // vxlan-8472.pcap: ICMP echo in VXLAN (tshark: ip.proto 1 inside), no TCP flags, no copies.
    const lines = cli(['flows', VXLAN]).stdout.split('\n');
    expect(lines[0].split(/\s{2,}/)).toEqual(['class', 'tunnel', 'orig', 'resp', 'proto', 'start', 'packets', 'bytes', 'overhead', 'duration s']);
    expect(lines[2]).toMatch(/ ICMP /);
    const json = JSON.parse(cli(['flows', VXLAN, '--json']).stdout.split('\n')[0]);
    expect(json.protocol).toBe(1);
  });

  it('analyze: "Classes" carries the overhead, and no "Overhead by class" repeats it; overhead keeps its own', () => {
    const analyze = cli(['analyze', VXLAN]).stdout;
    expect(analyze).toMatch(/^Classes\nclass +flows +packets +wire bytes +overhead +overhead share +efficiency$/m);
    expect(analyze).not.toContain('Overhead by class');
    expect(cli(['overhead', VXLAN]).stdout).toMatch(/^Overhead by class$/m);
  });

  it('dissect with several files names the file on each line and in each object', () => {
    const one = cli(['dissect', VXLAN]).stdout.trimEnd().split('\n');
    const two = cli(['dissect', VXLAN, SAMPLE, '-c', '3']).stdout.trimEnd().split('\n');
    expect(two.slice(0, 3)).toEqual(one.slice(0, 3).map((l) => `${VXLAN}: ${l}`));
    expect(two.length).toBeGreaterThan(3);
    expect(two.slice(3).every((l) => l.startsWith(`${SAMPLE}: `))).toBe(true);
    const objs = cli(['dissect', '--json', VXLAN, SAMPLE, '-c', '2']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(objs.map((o) => [o.file, o.frame])).toEqual([[VXLAN, 1], [VXLAN, 2], [SAMPLE, 1], [SAMPLE, 2]]);
    // One file: no file field or prefix (the output a single capture always had).
    expect(JSON.parse(cli(['dissect', '--json', VXLAN, '-c', '1']).stdout)).not.toHaveProperty('file');
  });
});

/** The JSON record's leaves as dotted names, in order (what a CSV of it must have as columns). */
function jsonLeaves(v: unknown, prefix = ''): string[] {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return Object.entries(v).flatMap(([k, x]) => jsonLeaves(x, prefix ? `${prefix}.${k}` : k));
  return [prefix];
}

/** RFC 4180 lines of simple CSV (quoted fields may hold commas and doubled quotes, not newlines). */
function csvRows(text: string): string[][] {
  return text.trimEnd().split('\n').map((line) => [...line.matchAll(/("(?:[^"]|"")*"|[^,]*)(?:,|$)/g)].slice(0, -1).map((m) => m[1].startsWith('"') ? m[1].slice(1, -1).replace(/""/g, '"') : m[1]));
}

describe.skipIf(!built)('CSV: every field of the JSON records', () => {
  function compare(csv: string, records: Record<string, unknown>[]) {
    const [head, ...rows] = csvRows(csv);
    expect(rows).toHaveLength(records.length);
    // Each record's own fields are columns, in the record's order, with the record's values.
    for (let i = 0; i < records.length; i++) {
      const leaves = jsonLeaves(records[i]);
      const cols = leaves.filter((l) => head.includes(l));
      expect(cols, `record ${i}: every field is a column`).toEqual(leaves.filter((l) => {
        // A field that is null here and an object in another record is that object's columns.
        return !head.some((h) => h.startsWith(`${l}.`));
      }));
    }
    const all = new Set(records.flatMap((r) => jsonLeaves(r)));
    for (const h of head) expect(all.has(h), `column ${h} is a JSON field`).toBe(true);
    return { head, rows };
  }

  it('flows: tcp flags, sizes, fragments, copies and all the rest', () => {
    const file = join(ROOT, 'fixtures', 'kernel-vxlan-any-sll2.pcap');
    const records = cli(['flows', file, '--json']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    const { head, rows } = compare(cli(['flows', file, '--csv']).stdout, records);
    for (const c of ['tcpFlags.orig', 'tcpFlags.resp', 'sizes.min', 'sizes.max', 'sizes.mean', 'fragments', 'copies', 'copyFlows', 'tunnel.vni', 'orig.ip']) expect(head).toContain(c);
    const col = (name: string) => head.indexOf(name);
    rows.forEach((row, i) => {
      const r = records[i];
      expect(row[col('id')]).toBe(String(r.id));
      expect(row[col('sizes.max')]).toBe(String(r.sizes.max));
      expect(row[col('copyFlows')]).toBe(r.copyFlows.join(' '));
      expect(row[col('tcpFlags.orig')]).toBe(r.tcpFlags?.orig ?? '');
      // Protocol by name in CSV (IANA: 1 ICMP, 6 TCP, 17 UDP).
      expect(row[col('protocol')]).toBe(r.protocol === null ? '' : ({ 1: 'ICMP', 6: 'TCP', 17: 'UDP' } as Record<number, string>)[r.protocol]);
    });
  });

  it('overhead: classes and tunnels', () => {
    const doc = JSON.parse(cli(['overhead', SAMPLE, '--json']).stdout);
    compare(cli(['overhead', SAMPLE, '--csv', 'classes']).stdout, doc.classes);
    compare(cli(['overhead', SAMPLE, '--csv', 'tunnels']).stdout, doc.tunnels);
  });

  it('lint findings, evidence included', () => {
    const doc = JSON.parse(cli(['lint', SAMPLE, '--json']).stdout);
    expect(doc.findings.length).toBeGreaterThan(1);
    const { head } = compare(cli(['lint', SAMPLE, '--csv']).stdout, doc.findings);
    expect(head.some((h) => h.startsWith('evidence.'))).toBe(true);
  });
});
