// Issue 13: --help keeps a space (or a line break) between an option's own placeholder tag and
// yargs' tags (`[N][default: "2000000"]` was glued), and completion offers each option once, under
// its long name (yargs also offered aliases: `-h`, `-q`, and `--q`, which is no option at all).
// Runs bin/tunnelscope.js for the CLI cases (needs `npm run build`).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { separateHelpTags } from '../src/commands/common.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'tunnelscope.js');
const built = existsSync(join(ROOT, 'dist', 'src', 'cli.js'));
if (!built) console.warn('help-layout: dist/ is not built (run npm run build); skipping the CLI tests');
const COMMANDS = ['dissect', 'lint', 'flows', 'overhead', 'analyze', 'report', 'bgp', 'correlate'];

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const base = { ...process.env };
  delete base.COLUMNS;
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...base, ...env } });
}

describe('separateHelpTags', () => {
  const desc = `${' '.repeat(28)}evicted at the cap, still counted in the totals  [N]`;

  it('moves tags glued to the description onto a line of their own, right-aligned to the width', () => {
    const tags = '[default: "2000000"]';
    expect(separateHelpTags(desc + tags, 100)).toBe(`${desc}\n${' '.repeat(80)}${tags}`);
    expect(separateHelpTags(`x  [P, repeatable][choices: "a", "b"] [default: "a"]`, 40))
      .toBe(`x  [P, repeatable]\n${' '.repeat(6)}[choices: "a", "b"] [default: "a"]`);
  });

  it('leaves tags that have their space, and text without tags, as they are', () => {
    const spaced = `${desc}  [default: "2000000"]`;
    expect(separateHelpTags(`${spaced}\nno tags here\n${' '.repeat(60)}[boolean]`, 100)).toBe(`${spaced}\nno tags here\n${' '.repeat(60)}[boolean]`);
  });
});

describe.skipIf(!built)('--help layout', () => {
  it('no tag touches the one before it, and no line is wider than the layout (100 off a terminal)', () => {
    for (const args of [['--help'], ...COMMANDS.map((c) => [c, '--help'])]) {
      const r = cli(args);
      expect(r.status, r.stderr).toBe(0);
      for (const line of r.stdout.split('\n')) {
        expect(line, args.join(' ')).not.toMatch(/\]\[(?:boolean|string|required|choices|default)/);
        expect(line.length, line).toBeLessThanOrEqual(100);
      }
    }
    // The --max-flows default, which was glued to its [N], is still shown.
    expect(cli(['flows', '--help']).stdout).toMatch(/totals {2}\[N\]\n +\[default: "2000000"\]\n/);
  });
});

describe.skipIf(!built)('completion words', () => {
  /** The long option names `CMD --help` lists. */
  function helpOptions(cmd: string): string[] {
    return [...new Set([...cli([cmd, '--help']).stdout.matchAll(/^ {2}(?:-\w, | {4})(--[a-z][\w-]*)/gm)].map((m) => m[1]))];
  }

  it('each option of the command once, by its long name (bash)', () => {
    for (const [cmd, current] of [['flows', ''], ['flows', '--'], ['dissect', '-']]) {
      const words = cli(['--get-yargs-completions', 'tunnelscope', cmd, current], { SHELL: '/bin/bash' }).stdout.trim().split('\n');
      expect(words.sort(), `${cmd} '${current}'`).toEqual(helpOptions(cmd).sort());
    }
  });

  it('each option once with its description (zsh), and the top level offers --help and --version once', () => {
    const words = cli(['--get-yargs-completions', 'tunnelscope', 'flows', '--'], { SHELL: '/bin/zsh' }).stdout.trim().split('\n');
    const names = words.map((w) => w.slice(0, w.indexOf(':')));
    expect(names.sort()).toEqual(helpOptions('flows').sort());
    expect(words).toContain('--quiet:no progress bar (it appears only on a terminal anyway)');
    expect(cli(['--get-yargs-completions', 'tunnelscope', '-'], { SHELL: '/bin/bash' }).stdout.trim().split('\n').sort()).toEqual(['--help', '--version']);
  });

  it('an option already given is not offered again, whichever name it was given by', () => {
    const words = cli(['--get-yargs-completions', 'tunnelscope', 'flows', '-q', '--'], { SHELL: '/bin/bash' }).stdout.trim().split('\n');
    expect(words).not.toContain('--quiet');
    expect(words).toContain('--json');
  });
});
