// The library's types hold under `tsc --strict` as a user compiles against the package: the uses
// in test/types/usage.ts compile without casts and each `@ts-expect-error` line there is a
// compile error (an unused directive is itself an error, so looser types fail this test).
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileAgainstPackage, packageBuilt } from '../test-support/typecheck.js';

const built = packageBuilt();
if (!built) console.warn('types.test: dist/ not built (npx tsc -p tsconfig.json): skipped');

describe.skipIf(!built)('library types under tsc --strict', () => {
  const usage = readFileSync(join(import.meta.dirname, 'types', 'usage.ts'), 'utf8');

  it('compiles the typed uses, and every @ts-expect-error line is an error', () => {
    expect(usage.match(/@ts-expect-error/g)?.length).toBeGreaterThanOrEqual(14);
    expect(usage).not.toMatch(/\bas (unknown|any)\b/);
    const r = compileAgainstPackage({ 'usage.ts': usage });
    rmSync(r.dir, { recursive: true, force: true });
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  }, 120_000);

  it('the same file with a directive removed fails (the check has teeth)', () => {
    // The first expected error, un-suppressed: `l.vni` on an unnarrowed Layer.
    const loose = usage.replace('// @ts-expect-error: vni is not on every layer\n', '');
    const r = compileAgainstPackage({ 'usage.ts': loose });
    rmSync(r.dir, { recursive: true, force: true });
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/Property 'vni' does not exist on type/);
  }, 120_000);
});

describe('the HTML report reads the typed document', () => {
  it('without re-validating shapes through `as unknown as` casts', () => {
    const html = readFileSync(join(import.meta.dirname, '..', 'src', 'render', 'html.ts'), 'utf8');
    expect(html.match(/as unknown as/g) ?? []).toEqual([]);
  });
});
