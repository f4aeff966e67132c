// Headless Chromium (playwright-core) for the report tests: one persistent context per describe.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

/** Debian's Chromium; REPORT_TEST_CHROMIUM points elsewhere (or at nothing, to see the skip). */
export const CHROMIUM = process.env.REPORT_TEST_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Registers, in the enclosing describe, hooks that create `outDir` and launch CHROMIUM headless
 * with `args` on a fresh profile before the tests, and close it and delete the profile after.
 * Returns the context (valid inside the tests).
 */
export function chromiumContext(outDir: string, args: readonly string[]): () => BrowserContext {
  let ctx: BrowserContext | undefined;
  let profile = '';
  beforeAll(async () => {
    mkdirSync(outDir, { recursive: true });
    profile = mkdtempSync(join(tmpdir(), 'tunnelscope-chromium-'));
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, args: [...args], headless: true, viewport: { width: 1280, height: 1000 }, offline: true,
    });
  });
  afterAll(async () => {
    await ctx?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });
  return () => ctx!;
}
