// Every example in README.md is produced by the code. The test reads the README itself:
//
// - each fenced block (```) whose lines start with `$ tunnelscope ...` is a transcript: every `$`
//   line is run with bash (`tunnelscope` is `node bin/tunnelscope.js`, stdout and stderr together)
//   and what it prints must be the lines that follow it, up to the next `$` line or the end of the
//   block. A line `...` in the README stands for any number of lines left out;
// - a ```json block right after an HTML comment `<!-- readme-example: tunnelscope ARGS -->` is one
//   object of that command's JSON output (one document, or NDJSON): the object with the same
//   `id` (flows) or `frame` (dissect) must equal it field for field.
//
// Commands run from a scratch directory holding a link to fixtures/, so `report -o report.html`
// writes nothing into the checkout. Normalised, because inherently variable: the size in
// `tunnelscope: wrote FILE (N KiB)` (it moves with the bytes of the page, i.e. with every wording
// change in the report). Trailing spaces are ignored. Nothing else is.
//
// When the code's output changes on purpose, re-run `npx vitest run test/readme-examples.test.ts`:
// a failure prints the README's text against the command's output as a diff; fix the README (or
// the code, if the README was right).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const BIN = join(ROOT, 'bin', 'tunnelscope.js');

interface Transcript { line: number; command: string; expected: string[] }
interface JsonExample { line: number; command: string; object: Record<string, unknown> }

/** The README's transcripts and tied JSON examples, with the README line each starts on. */
function examples(text: string): { transcripts: Transcript[]; json: JsonExample[] } {
  const lines = text.split('\n');
  const transcripts: Transcript[] = [];
  const json: JsonExample[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(\w*)\s*$/.exec(lines[i]);
    if (!fence) continue;
    let end = i + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end])) end++;
    const body = lines.slice(i + 1, end);
    if (fence[1] === '' && body.length && body[0].startsWith('$ tunnelscope ')) {
      let cur: Transcript | null = null;
      body.forEach((l, k) => {
        if (l.startsWith('$ ')) {
          cur = { line: i + 2 + k, command: l.slice(2), expected: [] };
          transcripts.push(cur);
        } else cur!.expected.push(l);
      });
    } else if (fence[1] === 'json') {
      const marker = /^<!-- readme-example: (tunnelscope .*) -->$/.exec(lines[i - 1] ?? '');
      if (marker) json.push({ line: i + 2, command: marker[1], object: JSON.parse(body.join('\n')) });
    }
    i = end;
  }
  return { transcripts, json };
}

const NORMALISE: [RegExp, string][] = [
  [/^(tunnelscope: wrote \S+) \(\d+(?:\.\d+)? (?:B|KiB|MiB)\)$/, '$1 (N KiB)'],
];
function normalise(lines: string[]): string[] {
  return lines.map((l) => NORMALISE.reduce((s, [re, to]) => s.replace(re, to), l.trimEnd()));
}

/**
 * The actual lines with the stretches the README leaves out ("...") replaced by "...", when the
 * shown parts match in order; otherwise the actual lines unchanged (the diff then shows where).
 */
function elide(actual: string[], expected: string[]): string[] {
  if (!expected.includes('...')) return actual;
  const segs: string[][] = [[]];
  for (const l of expected) if (l === '...') segs.push([]); else segs[segs.length - 1].push(l);
  const at = (seg: string[], from: number) => {
    for (let p = from; p + seg.length <= actual.length; p++) if (seg.every((l, k) => actual[p + k] === l)) return p;
    return -1;
  };
  const out: string[] = [];
  let cur = 0;
  for (let s = 0; s < segs.length; s++) {
    const seg = segs[s];
    const last = s === segs.length - 1;
    const p = s === 0 ? (at(seg, 0) === 0 ? 0 : -1) : last ? actual.length - seg.length : at(seg, cur);
    if (p < cur || (last && !seg.every((l, k) => actual[p + k] === l))) return actual;
    if (s > 0) out.push('...');
    out.push(...seg);
    cur = p + seg.length;
  }
  return out;
}

function run(cwd: string, command: string): string {
  const script = `tunnelscope() { node ${JSON.stringify(BIN)} "$@"; }\n{ ${command}\n} 2>&1`;
  const r = spawnSync('bash', ['-c', script], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 1 << 28 });
  return r.stdout;
}

const { transcripts, json } = examples(README);

describe('README examples are what the code prints', () => {
  let dir = '';
  beforeAll(() => {
    // CLI tests run dist/: build it when a source is newer (as the other CLI tests do).
    const out = join(ROOT, 'dist', 'src', 'cli.js');
    const built = existsSync(out) ? statSync(out).mtimeMs : 0;
    const newest = Math.max(0, ...['src', 'dissectors'].flatMap((d) =>
      readdirSync(join(ROOT, d), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => statSync(join(ROOT, d, f)).mtimeMs)));
    if (built < newest) {
      const b = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: ROOT, encoding: 'utf8' });
      if (b.status !== 0) throw new Error(`build failed: ${b.stdout}${b.stderr}`);
    }
    dir = mkdtempSync(join(tmpdir(), 'tunnelscope-readme-'));
    symlinkSync(join(ROOT, 'fixtures'), join(dir, 'fixtures'));
  }, 180_000);
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it('finds the examples (a README reshuffle must not silently check nothing)', () => {
    expect(transcripts.length).toBeGreaterThanOrEqual(8);
    expect(json.length).toBeGreaterThanOrEqual(2);
  });

  for (const t of transcripts) {
    it(`README.md:${t.line}: $ ${t.command}`, () => {
      const expected = normalise(t.expected);
      const actual = normalise(run(dir, t.command).replace(/\n$/, '').split('\n'));
      expect(elide(actual, expected).join('\n')).toBe(expected.join('\n'));
    }, 60_000);
  }

  for (const j of json) {
    it(`README.md:${j.line}: the JSON example of $ ${j.command}`, () => {
      const text = run(dir, j.command).trim();
      const objects: Record<string, unknown>[] = text.startsWith('{') && !text.includes('\n{') ? [JSON.parse(text)]
        : text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
      const idKey = 'id' in j.object ? 'id' : 'frame' in j.object ? 'frame' : null;
      const found = idKey ? objects.find((o) => o[idKey] === j.object[idKey]) : objects[0];
      expect(found, `${j.command} prints an object with ${idKey} ${idKey ? String(j.object[idKey]) : ''}`).toBeDefined();
      expect(found).toEqual(j.object);
    }, 60_000);
  }
});
