// The test run's own folders: vitest.config.ts points the cache and runs folders at a fresh
// temporary directory per run, so no test reads an answer cached by an earlier run in ./cache.
import { basename, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { cacheDir, projectRoot, runsDir } from '../../lib/core/paths';

describe('test environment', () => {
  it("caches and runs go to this test run's temporary folder, not the project", () => {
    for (const dir of [cacheDir(), runsDir()]) {
      expect(dir.startsWith(tmpdir())).toBe(true);
      expect(dir.startsWith(projectRoot())).toBe(false);
      expect(basename(dirname(dir))).toMatch(/^gecko-vitest-/);
    }
    expect(dirname(cacheDir())).toBe(dirname(runsDir()));
  });
});
