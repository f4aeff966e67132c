// This package's version, read from its package.json (the one place it is written): `--version`
// and the JSON documents' `tool.version` cannot drift from what was published. A module of its own
// so that `--version` loads nothing else.
import { readFileSync } from 'node:fs';

export const VERSION: string = packageVersion();

function packageVersion(): string {
  // package.json is one level up from src/version.ts (tests) and two from dist/src/version.js.
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'tunnelscope' && typeof pkg.version === 'string') return pkg.version;
    } catch { /* not at this level: try the next */ }
  }
  return 'unknown';
}
