// One wiring: `gecko fret`, `gecko pretrain` and `gecko mixture` are thin wrappers over the
// pipeline's stage functions (fretForRun, pretrainForRun, makeMixture). The first two leave the
// stage record (stage.json, written only by a pipeline context's stage run) in --out, with the
// hash the pipeline plans for that config; the mixture command writes what mixtureForRun writes
// for the same FRet examples.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ExperimentConfig } from '../../lib/config/schema';
import { resolveConfig } from '../../lib/config/resolve';
import { FRET_FILES } from '../../lib/fret/pipeline';
import { pipelineContext } from '../../lib/pipeline/context';
import { mixtureForRun } from '../../lib/pipeline/mixture';
import { stagePlan } from '../../lib/pipeline/stages';
import { have, runAsync, SHARED_DATA, tmpDir } from '../helpers';

const ROOT = join(__dirname, '..', '..');
// Asynchronous: a blocking spawnSync would starve the worker's RPC on a loaded machine (test/helpers.ts runAsync).
const gecko = (args: string[], cache: string) =>
  runAsync('node', [join(ROOT, 'bin', 'gecko.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, GECKO_DATA_DIR: SHARED_DATA, GECKO_CACHE_DIR: cache, GECKO_PROGRESS: 'off' },
    timeoutMs: 280_000,
  });
const readJson = <T>(p: string): T => JSON.parse(readFileSync(p, 'utf8')) as T;

describe('the CLI runs the pipeline stages', () => {
  it.skipIf(!have(join(SHARED_DATA, 'ag_news'), 'AG News'))(
    'gecko pretrain --out DIR is pretrainForRun with DIR as its stage folder',
    async () => {
      const dir = tmpDir('gecko-wrap-');
      const out = join(dir, 'run');
      const r = await gecko(
        ['pretrain', '--preset', 'smoke', '--set', 'pretrain.steps=2', '--out', out],
        join(dir, 'cache'),
      );
      expect(r.status, r.stderr.slice(-2000)).toBe(0);
      expect(r.stdout.trim()).toBe(join(out, 'ckpt'));
      const cfg = readJson<{ config: ExperimentConfig }>(join(out, 'config.json')).config;
      const rec = readJson<{ stage: string; hash: string }>(join(out, 'stage.json'));
      expect(rec).toMatchObject({ stage: 'pretrain', hash: stagePlan(cfg).pretrain.hash });
      expect(existsSync(join(out, 'leak.json'))).toBe(true);
      // A rerun reads the finished stage back and prints the same checkpoint.
      const again = await gecko(
        ['pretrain', '--preset', 'smoke', '--set', 'pretrain.steps=2', '--out', out],
        join(dir, 'cache'),
      );
      expect(again.status, again.stderr.slice(-2000)).toBe(0);
      expect(again.stdout.trim()).toBe(join(out, 'ckpt'));
    },
    600_000,
  );

  it.skipIf(!have(join(SHARED_DATA, 'bbc_news'), 'BBC News'))(
    'gecko fret --out DIR is fretForRun with DIR as its fret folder, and gecko mixture makes the mixture mixtureForRun makes',
    async () => {
      process.env.GECKO_DATA_DIR ??= SHARED_DATA; // mixtureForRun below runs in this process
      const dir = tmpDir('gecko-wrap-');
      const out = join(dir, 'fret');
      const r = await gecko(
        ['fret', '--preset', 'smoke', '--teacher', 'offline', '--n', '3', '--out', out],
        join(dir, 'cache'),
      );
      expect(r.status, r.stderr.slice(-2000)).toBe(0);
      const cfg = resolveConfig('smoke', { seeding: { n: 3 }, llm: { teacher: 'offline' } }).config;
      const rec = readJson<{ stage: string; hash: string }>(join(out, 'stage.json'));
      expect(rec).toMatchObject({ stage: 'fret', hash: stagePlan(cfg).fret.hash });
      expect(existsSync(join(out, FRET_FILES.examples))).toBe(true);

      // The same FRet examples through gecko mixture and through mixtureForRun (the preset's
      // weights: FRet plus sampled academic sources): the same files.
      const mixOut = join(dir, 'mix');
      const m = await gecko(
        ['mixture', '--preset', 'smoke', '--fret', join(out, FRET_FILES.examples), '--out', mixOut],
        join(dir, 'cache'),
      );
      expect(m.status, m.stderr.slice(-2000)).toBe(0);
      const ctx = pipelineContext(cfg, { dirs: { fret: out, mixture: join(dir, 'pipeline-mix') } });
      const viaPipeline = await mixtureForRun(ctx);
      expect(Object.keys(viaPipeline.report.taken).length).toBeGreaterThan(1);
      expect(viaPipeline.report.taken.fret).toBeGreaterThan(0);
      expect(readJson(join(mixOut, 'mixture.report.json'))).toEqual(viaPipeline.report);
      expect(readFileSync(join(mixOut, 'mixture.jsonl'), 'utf8')).toBe(readFileSync(viaPipeline.path, 'utf8'));
    },
    600_000,
  );
});
