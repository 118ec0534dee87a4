// The notebook stage helpers on the smoke preset with the shared data (offline teacher, BM25).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../lib/config/resolve';
import { silentLogger } from '../../lib/core/log';
import { fretForRun, fretSettingsOf, seedForRun } from '../../lib/pipeline/fret';
import { mixtureForRun, mixtureSample } from '../../lib/pipeline/mixture';
import { splitTable } from '../../lib/pipeline/data';
import { have, SHARED_DATA, tmpDir } from '../helpers';

function fakeCtx(dir: string, overrides: Record<string, unknown> = {}) {
  const config = resolveConfig('smoke', { seeding: { n: 12 }, ...overrides }).config;
  return { config, log: silentLogger, path: (...parts: string[]) => join(dir, ...parts) };
}

describe('notebook stage helpers', () => {
  it('maps the config to FRet settings', () => {
    const cfg = resolveConfig('smoke').config;
    expect(fretSettingsOf(cfg)).toEqual({
      corpus: cfg.seeding.corpus,
      seed: cfg.seed,
      n: cfg.seeding.n,
      minChars: cfg.seeding.minChars,
      maxChars: cfg.seeding.maxChars,
      poolSize: cfg.fret.poolSize,
      teacher: 'offline',
      retriever: 'bm25',
      numCandidates: cfg.fret.numCandidates,
      rrfK: 0,
      negativeStrategy: 'lowest',
      positive: 'fused',
      signals: 'both',
      taskTypes: [],
      format: 'unified',
    });
    const plain = resolveConfig('smoke', { format: 'plain', fret: { positive: 'seed', signals: 'rc' } }).config;
    expect(fretSettingsOf(plain)).toMatchObject({ format: 'plain', positive: 'seed', signals: 'rc' });
  });

  it.skipIf(!have(SHARED_DATA, 'shared data sets'))(
    'lists every split with its role; evaluation collections are never seed corpora',
    () => {
      const rows = splitTable(SHARED_DATA);
      const scifact = rows.filter((r) => r.dataset === 'scifact');
      expect(scifact.length).toBeGreaterThan(0);
      expect(scifact.every((r) => !r.seedCorpus)).toBe(true);
      expect(rows.find((r) => r.dataset === 'stsbenchmark' && r.split === 'test')!.role).toBe('evaluation');
      expect(rows.find((r) => r.dataset === 'stsbenchmark' && r.split === 'train')!.role).toBe('training');
      expect(rows.every((r) => r.state === 'available')).toBe(true);
    },
  );

  it.skipIf(!have(SHARED_DATA, 'shared data sets'))(
    'the mixture resolves its own input: FRet runs first when the run has none',
    async () => {
      const prev = process.env.GECKO_DATA_DIR;
      process.env.GECKO_DATA_DIR = SHARED_DATA;
      try {
        const dir = tmpDir('gecko-pipeline-');
        const ctx = fakeCtx(dir);
        expect(existsSync(join(dir, 'fret'))).toBe(false);
        const m = await mixtureForRun(ctx);
        expect(m.report.taken.fret).toBeGreaterThan(0);
        expect(existsSync(join(dir, 'fret', 'fret-examples.jsonl'))).toBe(true);
      } finally {
        if (prev === undefined) delete process.env.GECKO_DATA_DIR;
        else process.env.GECKO_DATA_DIR = prev;
      }
    },
  );

  it.skipIf(!have(SHARED_DATA, 'shared data sets'))(
    'seeds, runs FRet resumably, and builds the mixture from its examples',
    async () => {
      const prev = process.env.GECKO_DATA_DIR;
      process.env.GECKO_DATA_DIR = SHARED_DATA;
      try {
        const ctx = fakeCtx(tmpDir('gecko-pipeline-'));
        const s = seedForRun(ctx);
        expect(s.report.seeds).toBe(12);
        expect(s.report.eligible).toBe(s.report.passages - s.report.duplicates - s.report.tooShort - s.report.tooLong);
        const a = await fretForRun(ctx);
        expect(a.records.length + Object.values(a.report.skipped).reduce((x, y) => x + y, 0)).toBe(12);
        expect(a.records.every((r) => a.poolById.has(r.positiveId) && a.poolById.has(r.negativeId!))).toBe(true);
        const b = await fretForRun(ctx); // resumed from <run>/fret/, identical
        expect(b.records).toEqual(a.records);
        const m = await mixtureForRun(ctx);
        expect(existsSync(m.path)).toBe(true);
        expect(m.report.taken.fret).toBeGreaterThan(0);
        expect((await mixtureForRun(ctx)).examples).toEqual(m.examples); // read back
        const sample = mixtureSample(m.examples, 1);
        expect(new Set(sample.map((x) => x.source)).size).toBe(sample.length);
      } finally {
        if (prev === undefined) delete process.env.GECKO_DATA_DIR;
        else process.env.GECKO_DATA_DIR = prev;
      }
    },
  );
});
