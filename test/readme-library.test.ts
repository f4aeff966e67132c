// The README's "Library" TypeScript examples are real: every ```ts block of that section is
// compiled under tsc --strict against the built package (no casts allowed), then run on a fixture,
// and what it prints is checked against tshark's view of the same capture.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, compileAgainstPackage, packageBuilt, type Compiled } from '../test-support/typecheck.js';
import { tsharkPath } from './helpers/tshark.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const FIX = join(ROOT, 'fixtures');
const TSHARK = tsharkPath();
const built = packageBuilt();
if (!built) console.warn('readme-library.test: dist/ not built (npx tsc -p tsconfig.json): skipped');
if (!TSHARK) console.warn('readme-library.test: tshark not installed: the runs are not checked against it');

/** The ```ts blocks of the README's "## Library" section. */
function librarySnippets(): string[] {
  const start = README.indexOf('\n## Library\n');
  const end = README.indexOf('\n## ', start + 1);
  const section = README.slice(start, end);
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
}

function run(compiled: Compiled, name: string, fixture: string): string {
  const r = spawnSync(process.execPath, [join(compiled.dir, name.replace(/\.ts$/, '.js')), fixture], { encoding: 'utf8', cwd: compiled.dir });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
}

function tshark(file: string, args: string[]): string {
  return execFileSync(TSHARK!, ['-r', file, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}

describe.skipIf(!built)('README library examples', () => {
  const snippets = librarySnippets();
  let compiled: Compiled | null = null;
  const names = snippets.map((_, i) => `example${i + 1}.ts`);
  afterAll(() => { if (compiled) rmSync(compiled.dir, { recursive: true, force: true }); });

  it('has the two examples, and they use no casts', () => {
    expect(snippets.length).toBe(2);
    for (const s of snippets) {
      expect(s).toMatch(/from 'tunnelscope'/);
      expect(s).not.toMatch(/\bas [A-Za-z{[]/);
      expect(s).not.toMatch(/<[A-Za-z]+>\s*\w/); // no angle-bracket assertions either
    }
  });

  it('compiles them under tsc --strict against the built package', () => {
    compiled = compileAgainstPackage(Object.fromEntries(names.map((n, i) => [n, snippets[i]])), true);
    expect(compiled.output).toBe('');
    expect(compiled.status).toBe(0);
  }, 120_000);

  it.skipIf(!TSHARK)('the packets() example prints each VXLAN frame and VNI as tshark decodes them', () => {
    expect(compiled).not.toBeNull();
    const file = join(FIX, 'vxlan-8472.pcap');
    const expected = tshark(file, ['-d', 'udp.port==8472,vxlan', '-Y', 'vxlan', '-T', 'fields', '-e', 'frame.number', '-e', 'vxlan.vni'])
      .split('\n').filter(Boolean).map((l) => l.replace('\t', ' '));
    expect(expected.length).toBe(10);
    expect(run(compiled!, names[0], file).split('\n').filter(Boolean)).toEqual(expected);
  }, 60_000);

  it.skipIf(!TSHARK)('the flows/analyze example prints the flows, packet count and largest frame as tshark counts them', () => {
    expect(compiled).not.toBeNull();
    const file = join(FIX, 'vxlan-4789.pcap');
    const out = run(compiled!, names[1], file).split('\n').filter(Boolean);
    // Flows: the inner TCP conversations of tshark's conv,tcp, most packets first.
    const conv = [...tshark(file, ['-q', '-z', 'conv,tcp']).matchAll(/^(\S+)\s+<->\s+(\S+)\s+\d+ \d+ bytes\s+\d+ \d+ bytes\s+(\d+) \d+ bytes/gm)]
      .map((m) => ({ ends: [m[1], m[2]].sort(), packets: Number(m[3]) }))
      .sort((a, b) => b.packets - a.packets);
    expect(conv.length).toBe(2);
    const flowLines = out.filter((l) => l.startsWith('vxlan '));
    expect(flowLines.map((l) => {
      const [, a, b, n] = l.split(' ');
      return { ends: [a, b].sort(), packets: Number(n) };
    })).toEqual(conv);
    // Packets and the largest frame: tshark's frame count and the frame with the greatest frame.len (first of equals).
    const lens = tshark(file, ['-T', 'fields', '-e', 'frame.number', '-e', 'frame.len']).split('\n').filter(Boolean).map((l) => l.split('\t').map(Number));
    const largest = lens.reduce((m, x) => (x[1] > m[1] ? x : m));
    expect(out).toContain(`packets ${lens.length} largest ${largest[1]} in frame ${largest[0]}`);
  }, 60_000);
});
