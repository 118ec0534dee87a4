// The test run's own folders: vitest.config.ts points the cache, runs and temporary folders at a
// fresh folder per run (test/global-setup.ts removes it when the run ends), so no test reads an
// answer cached by an earlier run in ./cache, and a run leaves nothing in the system's temp folder.
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { cacheDir, projectRoot, runsDir } from '../../lib/core/paths';
import { removeRunFolder } from '../global-setup';
import { haveOnnxRuntime, removeTmpDirs, SHARED_DATA, tmpDir } from '../helpers';

describe('test environment', () => {
  it("caches and runs go to this test run's temporary folder, not the project", () => {
    for (const dir of [cacheDir(), runsDir()]) {
      expect(dir.startsWith(tmpdir())).toBe(true);
      expect(dir.startsWith(projectRoot())).toBe(false);
      expect(basename(dirname(dir))).toMatch(/^gecko-vitest-/);
    }
    expect(dirname(cacheDir())).toBe(dirname(runsDir()));
  });

  it("the temporary folder (TMPDIR) of workers and their children is the run's folder", () => {
    expect(tmpdir()).toBe(dirname(cacheDir()));
    expect(process.env.TMPDIR).toBe(tmpdir()); // inherited by child processes
  });

  it('the data folder is absolute in the workers, whatever GECKO_DATA_DIR was given (vitest.config.ts)', () => {
    expect(isAbsolute(process.env.GECKO_DATA_DIR!)).toBe(true);
    expect(process.env.GECKO_DATA_DIR).toBe(SHARED_DATA);
  });

  it('tmpDir folders are removed by removeTmpDirs (test/setup.ts runs it after each file)', async () => {
    const a = tmpDir('gecko-cleanup-'),
      b = tmpDir('gecko-cleanup-');
    writeFileSync(join(a, 'x'), 'x');
    mkdirSync(join(b, 'deep', 'er'), { recursive: true });
    expect(dirname(a)).toBe(tmpdir());
    await removeTmpDirs();
    expect([existsSync(a), existsSync(b)]).toEqual([false, false]);
  });

  it('the run folder is removed even with a read-only folder inside', () => {
    const run = tmpDir('gecko-vitest-fake-');
    mkdirSync(join(run, 'ro', 'inner'), { recursive: true });
    writeFileSync(join(run, 'ro', 'inner', 'f'), 'x');
    chmodSync(join(run, 'ro'), 0o555);
    removeRunFolder(run);
    expect(existsSync(run)).toBe(false);
  });
});

describe('haveOnnxRuntime (skips for a missing onnxruntime-node must not pass on CI)', () => {
  const off = { name: 'tfjs' as const, reason: 'GECKO_ONNX=off' };
  it('true when onnxruntime-node loaded', () => {
    expect(haveOnnxRuntime({ name: 'onnxruntime', reason: 'x', ort: {} as never })).toBe(true);
  });
  it('without it: false (the test skips) on a user machine, an error naming why on CI', () => {
    vi.stubEnv('CI', '');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      expect(haveOnnxRuntime(off)).toBe(false);
      expect(warn.mock.calls[0]![0]).toMatch(/skipping: onnxruntime-node is not in use \(GECKO_ONNX=off\)/);
      vi.stubEnv('CI', 'true');
      expect(() => haveOnnxRuntime(off)).toThrowError(/CI must run this test: onnxruntime-node is not in use/);
    } finally {
      vi.unstubAllEnvs();
      warn.mockRestore();
    }
  });
});
