// Relative folder variables: `GECKO_DATA_DIR=../shared/data npm test` (the README's command) must
// mean the same folder in every process, including children started from another folder. They are
// made absolute once, at startup, against the folder the user started in (lib/core/env.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resolvePathVars, startDir } from '../../lib/core/env';
import { dataDir, modelsDir } from '../../lib/core/paths';
import { runAsync, tmpDir } from '../helpers';

const ROOT = join(__dirname, '..', '..');

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('resolvePathVars', () => {
  it('makes relative folder variables absolute against the base, and leaves absolute and unset ones', () => {
    vi.stubEnv('GECKO_DATA_DIR', '../shared/data');
    vi.stubEnv('GECKO_MODELS_DIR', 'models');
    vi.stubEnv('GECKO_RUNS_DIR', '/abs/runs');
    vi.stubEnv('GECKO_CACHE_DIR', '');
    const changed = resolvePathVars('/home/me/gecko');
    expect(process.env.GECKO_DATA_DIR).toBe('/home/me/shared/data');
    expect(process.env.GECKO_MODELS_DIR).toBe('/home/me/gecko/models');
    expect(process.env.GECKO_RUNS_DIR).toBe('/abs/runs');
    expect(process.env.GECKO_CACHE_DIR).toBe('');
    expect(changed).toEqual({ GECKO_DATA_DIR: '/home/me/shared/data', GECKO_MODELS_DIR: '/home/me/gecko/models' });
  });

  it("startDir is npm's INIT_CWD when run in a package folder (npm run), else the working directory", () => {
    const elsewhere = tmpDir('gecko-start-');
    vi.stubEnv('INIT_CWD', elsewhere);
    vi.spyOn(process, 'cwd').mockReturnValue(ROOT);
    expect(startDir()).toBe(elsewhere);
    vi.spyOn(process, 'cwd').mockReturnValue(elsewhere + '/sub');
    expect(startDir()).toBe(elsewhere + '/sub'); // a child started elsewhere: a stale INIT_CWD is ignored
    vi.stubEnv('INIT_CWD', '');
    vi.spyOn(process, 'cwd').mockReturnValue(ROOT);
    expect(startDir()).toBe(ROOT);
  });

  it('paths.ts resolves a relative value against the start folder, not the working directory', () => {
    const start = tmpDir('gecko-start-');
    vi.stubEnv('INIT_CWD', start);
    vi.stubEnv('GECKO_DATA_DIR', 'd');
    vi.stubEnv('GECKO_MODELS_DIR', '../m');
    vi.spyOn(process, 'cwd').mockReturnValue(ROOT); // npm runs scripts in the package folder
    expect(dataDir()).toBe(join(start, 'd'));
    expect(modelsDir()).toBe(join(start, '..', 'm'));
  });
});

describe('bin/gecko.js with a relative GECKO_DATA_DIR', () => {
  const dirs = async (cwd: string, extra: Record<string, string>) => {
    const { INIT_CWD: _inherited, ...env } = process.env; // as a user's shell: no INIT_CWD unless npm started it
    Object.assign(env, extra);
    const r = await runAsync('node', [join(ROOT, 'bin', 'gecko.js'), 'env', '--json'], {
      cwd,
      env,
      timeoutMs: 100_000,
    });
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as { dataDir: { path: string }; settings: Record<string, string | null> };
  };

  it('resolves it against the folder it was started in, and passes it on absolute', async () => {
    const start = tmpDir('gecko-rel-');
    mkdirSync(join(start, 'data'));
    writeFileSync(join(start, 'data', 'marker'), '');
    const r = await dirs(join(start, 'data'), { GECKO_DATA_DIR: '../data' });
    expect(r.dataDir.path).toBe(join(start, 'data'));
    expect(r.settings.GECKO_DATA_DIR).toBe(join(start, 'data')); // what a child process would inherit
  }, 120_000);

  it('under `npm run gecko` (started in the package folder), against INIT_CWD, where the user typed it', async () => {
    const start = tmpDir('gecko-rel-');
    const r = await dirs(ROOT, { INIT_CWD: start, GECKO_DATA_DIR: 'mydata' });
    expect(r.dataDir.path).toBe(join(start, 'mydata'));
  }, 120_000);
});
