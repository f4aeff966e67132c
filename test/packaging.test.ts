// What `npm pack` ships: the CLI, the compiled library with its types, the bundled sample, README and
// LICENSE; never the tests, the fuzzer or the bench; no source map that points at a file not shipped.
// Reads the tarball's file list from npm itself (`npm pack --dry-run --json`), so that is the
// independent source. Uses the dist/ built by `pretest` (`--ignore-scripts`: packing must not rebuild
// dist/ under the other test files that run it).
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VERSION } from '../src/engine/analyze.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string };

interface PackResult { size: number; unpackedSize: number; files: { path: string }[] }

function packList(): PackResult {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024,
  });
  return (JSON.parse(out) as PackResult[])[0];
}

/** "about 540 kB" / "1.3 MB" in README's Set-up section, in bytes (npm's units: 1 kB = 1000 B). */
function readmeSize(label: RegExp): number {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const setup = readme.slice(readme.indexOf('## Set-up'), readme.indexOf('\n## ', readme.indexOf('## Set-up') + 1));
  const m = label.exec(setup);
  if (!m) throw new Error(`README's Set-up section does not state the ${label.source}`);
  return Number(m[1]) * (m[2] === 'MB' ? 1e6 : 1e3);
}

describe('npm pack', () => {
  const pack = packList();
  const shipped = new Set(pack.files.map((f) => f.path));

  it('ships the CLI, the library with its types, the bundled sample, README and LICENSE', () => {
    for (const path of ['LICENSE', 'README.md', 'package.json', 'bin/tunnelscope.js', 'dist/src/index.js', 'dist/src/index.d.ts',
      'dist/src/cli.js', 'dist/src/engine/worker.js', 'fixtures/sample/node-mix.pcap']) {
      expect(shipped, path).toContain(path);
    }
    expect([...shipped].some((p) => p.startsWith('dist/dissectors/') && p.endsWith('.js'))).toBe(true);
    expect([...shipped].some((p) => p.startsWith('dist/dissectors/') && p.endsWith('.d.ts'))).toBe(true);
  });

  it('ships no tests, fuzzer or bench', () => {
    const dev = [...shipped].filter((p) =>
      /^(dist\/)?(test-support|bench|test)\//.test(p) || /\.test\.(js|ts|d\.ts)$/.test(p));
    expect(dev).toEqual([]);
  });

  it('ships no source map, and no sourceMappingURL, that points at a file it does not ship', () => {
    const dangling: string[] = [];
    for (const path of shipped) {
      if (path.endsWith('.map')) {
        const map = JSON.parse(readFileSync(join(root, path), 'utf8')) as { sourceRoot?: string; sources: string[] };
        for (const source of map.sources) {
          const target = posix.normalize(posix.join(posix.dirname(path), map.sourceRoot ?? '', source));
          if (!shipped.has(target)) dangling.push(`${path} -> ${target}`);
        }
      } else if (path.endsWith('.js')) {
        const m = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(join(root, path), 'utf8'));
        if (m && !m[1].startsWith('data:')) {
          const target = posix.normalize(posix.join(posix.dirname(path), m[1]));
          if (!shipped.has(target)) dangling.push(`${path} -> ${target}`);
        }
      }
    }
    expect(dangling).toEqual([]);
  });

  it("states the tarball's size and its installed size in README's Set-up section, to within a third", () => {
    const packed = readmeSize(/([\d.]+) (kB|MB) tarball/);
    const unpacked = readmeSize(/([\d.]+) (kB|MB) installed/);
    expect(packed).toBeGreaterThan(pack.size / 1.34);
    expect(packed).toBeLessThan(pack.size * 1.34);
    expect(unpacked).toBeGreaterThan(pack.unpackedSize / 1.34);
    expect(unpacked).toBeLessThan(pack.unpackedSize * 1.34);
  });
});

describe('package-lock.json', () => {
  // `npm ci` refuses a lockfile that lacks an optional dependency of a locked package ("Missing:
  // @rollup/rollup-darwin-arm64@… from lock file"), and a lockfile written on one platform by an older
  // npm kept only that platform's rollup/esbuild binaries: every platform's must be there.
  it('locks every optional (platform-specific) dependency of every locked package', () => {
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as
      { packages: Record<string, { optionalDependencies?: Record<string, string> }> };
    const missing: string[] = [];
    for (const [location, entry] of Object.entries(lock.packages)) {
      for (const dep of Object.keys(entry.optionalDependencies ?? {})) {
        // Node's resolution: the nearest node_modules/<dep> from this package up to the root.
        let base = location;
        let found = false;
        for (;;) {
          if (lock.packages[(base ? base + '/' : '') + 'node_modules/' + dep]) { found = true; break; }
          if (!base) break;
          const up = base.lastIndexOf('/node_modules/');
          base = up >= 0 ? base.slice(0, up) : '';
        }
        if (!found) missing.push(`${location} -> ${dep}`);
      }
    }
    expect(missing).toEqual([]);
    for (const platformPackage of ['@rollup/rollup-linux-x64-musl', '@rollup/rollup-darwin-arm64', '@esbuild/darwin-arm64', '@esbuild/linux-x64']) {
      expect(lock.packages, platformPackage).toHaveProperty([`node_modules/${platformPackage}`]);
    }
  });
});

describe('--version', () => {
  it("prints package.json's version", () => {
    const out = execFileSync(process.execPath, [join(root, 'bin', 'tunnelscope.js'), '--version'], { encoding: 'utf8' });
    expect(out).toBe(`tunnelscope ${packageJson.version}\n`);
    // analyze --json's tool.version is this same constant.
    expect(VERSION).toBe(packageJson.version);
  });

  it('follows package.json rather than a constant compiled into the CLI', () => {
    // The installed layout (package.json beside bin/ and dist/) with a version nobody would hard-code.
    const dir = mkdtempSync(join(tmpdir(), 'tunnelscope-version-'));
    try {
      for (const part of ['bin', 'dist/src', 'dist/dissectors']) cpSync(join(root, part), join(dir, part), { recursive: true });
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...packageJson, version: '9.8.7-packaging.1' }));
      if (existsSync(join(root, 'node_modules'))) symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
      const out = execFileSync(process.execPath, [join(dir, 'bin', 'tunnelscope.js'), '--version'], { encoding: 'utf8' });
      expect(out).toBe('tunnelscope 9.8.7-packaging.1\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
