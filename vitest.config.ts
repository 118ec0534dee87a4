import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// Tests read the shared data beside the project unless GECKO_DATA_DIR says otherwise;
// where it is absent, tests that need it skip with a message (and fail on CI).
const dataDir = process.env.GECKO_DATA_DIR ?? resolve(__dirname, '..', 'shared', 'data');

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: two test files at a time.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    env: { GECKO_PROGRESS: 'off', GECKO_DATA_DIR: dataDir },
  },
});
