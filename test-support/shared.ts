// Where the shared public corpus lives: $TUNNELSCOPE_SHARED, else ../shared next to the checkout,
// else /work/shared. Tests that read it skip with a visible message when none exists.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function findShared(): string {
  const candidates: string[] = [];
  if (process.env.TUNNELSCOPE_SHARED) candidates.push(process.env.TUNNELSCOPE_SHARED);
  // test-support/ (or dist/test-support/) is inside the checkout: the repository root is above it.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4 && !existsSync(join(dir, 'package.json')); i++) dir = dirname(dir);
  candidates.push(resolve(dir, '..', 'shared'), '/work/shared');
  return candidates.find((c) => existsSync(join(c, 'corpus'))) ?? candidates[0];
}

/** The shared directory (may not exist: check with existsSync). */
export const SHARED_DIR = findShared();
export const CORPUS_DIR = join(SHARED_DIR, 'corpus');
