import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'dissectors/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    // vitest's default is one file at a time on a 2-core machine (cores - 1): run as many files as
    // there are cores. Files start longest first (vitest's default order, from the last run's times).
    maxWorkers: Math.max(2, availableParallelism()),
  },
});
