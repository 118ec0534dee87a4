// Run folders: startRun writes the resolved config (with its hash) and the environment, resumes
// a folder of the same config, and refuses a folder that holds a run of a different config.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../lib/config/resolve';
import { silentLogger } from '../../lib/core/log';
import { startRun } from '../../lib/runs/run';
import { tmpDir } from '../helpers';

describe('startRun', () => {
  it('writes config.json and env.json, and a rerun of the same config resumes the folder', async () => {
    const dir = join(tmpDir('gecko-run-'), 'r1');
    const resolved = resolveConfig('smoke', { seed: 11 });
    const ctx = await startRun(resolved, { dir, log: silentLogger, quiet: true, command: 'test' });
    expect(ctx.dir).toBe(dir);
    expect(ctx.configHash).toBe(resolved.hash);
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(cfg).toMatchObject({ preset: 'smoke', hash: resolved.hash, config: { seed: 11 } });
    const env = JSON.parse(readFileSync(join(dir, 'env.json'), 'utf8'));
    expect(env).toMatchObject({ command: 'test', node: process.version });
    expect(env.backend.name).toBe(ctx.backend.name);
    expect(ctx.path('a', 'b.json')).toBe(join(dir, 'a', 'b.json'));
    // same process, same config: resumes (the lock is this process's own)
    const again = await startRun(resolveConfig('smoke', { seed: 11 }), { dir, log: silentLogger, quiet: true });
    expect(again.configHash).toBe(resolved.hash);
    expect(ctx.rng('x').uint32()).toBe(again.rng('x').uint32());
  });

  it('refuses a run folder whose config differs, with both hashes and the fix', async () => {
    const dir = join(tmpDir('gecko-run-'), 'r2');
    await startRun(resolveConfig('smoke', { seed: 1 }), { dir, log: silentLogger, quiet: true });
    await expect(
      startRun(resolveConfig('smoke', { seed: 2 }), { dir, log: silentLogger, quiet: true }),
    ).rejects.toThrow(/holds a run of a different config \(hash [0-9a-f]{8} vs [0-9a-f]{8}\)[\s\S]*new --out folder/);
  });
});
