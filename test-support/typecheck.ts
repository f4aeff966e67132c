// Compiling TypeScript written against the published package, as a user would: a scratch
// directory whose node_modules/tunnelscope links to this checkout (so 'tunnelscope' resolves
// through package.json "exports" to the built types in dist/), compiled with tsc under --strict.
// Needs a build (`npx tsc -p tsconfig.json`), like the CLI tests.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** Whether the package's types are built. */
export function packageBuilt(): boolean {
  return existsSync(join(ROOT, 'dist', 'src', 'index.d.ts'));
}

export interface Compiled {
  dir: string;
  /** tsc's exit status and its diagnostics. */
  status: number | null;
  output: string;
}

/**
 * Writes `files` (name -> source) into a new scratch project and compiles them with tsc --strict
 * (ES2022 modules, Node's resolution). With `emit`, the JavaScript lands beside the sources.
 */
export function compileAgainstPackage(files: Record<string, string>, emit = false): Compiled {
  const dir = mkdtempSync(join(tmpdir(), 'tunnelscope-types-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'tunnelscope'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', noEmit: !emit,
      skipLibCheck: true, types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')],
    },
    files: Object.keys(files),
  }));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const r = spawnSync(process.execPath, [TSC, '-p', join(dir, 'tsconfig.json')], { encoding: 'utf8', cwd: dir });
  return { dir, status: r.status, output: `${r.stdout}${r.stderr}` };
}
