import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { defineConfig } from 'vitest/config';
import { resolvePathVars } from './lib/core/env';

// A relative GECKO_DATA_DIR (the README's `GECKO_DATA_DIR=../shared/data npm test`) or GECKO_MODELS_DIR
// becomes absolute here, once, against the folder npm was started in: test workers and the child
// processes they start from temporary folders inherit the absolute path.
resolvePathVars();
// Tests read the shared data beside the project unless GECKO_DATA_DIR says otherwise;
// where it is absent, tests that need it skip with a message (and fail on CI).
const dataDir = process.env.GECKO_DATA_DIR ?? resolve(__dirname, '..', 'shared', 'data');
// Every test run gets one fresh temporary folder, made by test/global-setup.ts and removed when the
// run ends: the cache and runs folders (never the project's ./cache and ./runs: an answer cached by
// an earlier run would otherwise hide an inference regression), and TMPDIR of every test worker and
// child process, so that nothing a test or a child leaves in the temporary folder outlives the run.
const runTmp = join(tmpdir(), `gecko-vitest-${randomBytes(6).toString('hex')}`);

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup.ts'],
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
      TMPDIR: runTmp,
    },
  },
});
