import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// Tests read the shared data beside the project unless GECKO_DATA_DIR says otherwise;
// where it is absent, tests that need it skip with a message (and fail on CI).
const dataDir = process.env.GECKO_DATA_DIR ?? resolve(__dirname, '..', 'shared', 'data');
// Every test run gets fresh cache and runs folders (never the project's ./cache and ./runs):
// an answer cached by an earlier run would otherwise hide an inference regression.
const runTmp = mkdtempSync(join(tmpdir(), 'gecko-vitest-'));

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: two test files at a time.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    env: {
      GECKO_PROGRESS: 'off',
      GECKO_DATA_DIR: dataDir,
      GECKO_CACHE_DIR: join(runTmp, 'cache'),
      GECKO_RUNS_DIR: join(runTmp, 'runs'),
    },
  },
});
