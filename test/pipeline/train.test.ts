// The training helpers' wiring on a tiny config: stage folders, resume without retraining,
// the no-Matryoshka ablation, and labelled evaluation of the checkpoints.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../lib/config/resolve';
import { silentLogger } from '../../lib/core/log';
import { ablationDims, evaluateModels } from '../../lib/pipeline/eval';
import { fretForRun } from '../../lib/pipeline/fret';
import { finetuneForRun, finishedStage, withoutMatryoshka } from '../../lib/pipeline/train';
import { have, SHARED_DATA, tmpDir } from '../helpers';

describe('training helpers', () => {
  it('drops Matryoshka to one full-width term, and lists the ablation dims', () => {
    const cfg = resolveConfig('smoke').config;
    const plain = withoutMatryoshka(cfg);
    expect(plain.finetune.matryoshkaDims).toEqual([cfg.encoder.dModel]);
    expect(plain.finetune.matryoshkaWeights).toEqual([1]);
    expect(cfg.finetune.matryoshkaDims).toEqual([32, 16, 8]); // the original is untouched
    expect(ablationDims(cfg)).toEqual([32, 16, 8]);
  });

  it.skipIf(!have(SHARED_DATA, 'shared data sets'))(
    'trains pretrain → prefinetune → finetune once, then reads them back',
    async () => {
      const prev = process.env.GECKO_DATA_DIR;
      process.env.GECKO_DATA_DIR = SHARED_DATA;
      try {
        const dir = tmpDir('gecko-train-');
        const config = resolveConfig('smoke', {
          seeding: { n: 12 },
          pretrain: { steps: 2, corpora: ['ag_news'] },
          prefinetune: { steps: 2 },
          finetune: { steps: 2 },
          eval: { maxTest: 30 },
        }).config;
        const ctx = { config, log: silentLogger, path: (...p: string[]) => join(dir, ...p) };
        await fretForRun(ctx);
        const ft = await finetuneForRun(ctx);
        expect(ft.steps).toBe(2);
        expect(ft.resumedFrom).toBe(0);
        expect(ft.metrics.map((r) => r.step)).toEqual([1, 2]);
        for (const stage of ['pretrain', 'prefinetune', 'finetune'])
          expect(existsSync(join(dir, stage, 'ckpt', 'encoder.json')), stage).toBe(true);
        const again = await finetuneForRun(ctx);
        expect(again.resumedFrom).toBe(2); // read back, not retrained
        expect(again.checkpointId).toBe(ft.checkpointId);
        expect(again.metrics).toEqual(ft.metrics);
        expect(finishedStage('finetune', join(dir, 'finetune'), 2)?.checkpointId).toBe(ft.checkpointId);
        expect(finishedStage('finetune', join(dir, 'finetune'), 3)).toBeUndefined(); // more steps asked: the loop must resume
        expect(finishedStage('finetune', join(dir, 'nope'), 2)).toBeUndefined();
        const plain = await finetuneForRun(ctx, { matryoshka: false });
        expect(plain.dir).toBe(join(dir, 'finetune-plain'));
        expect(plain.checkpointId).not.toBe(ft.checkpointId);
        const rows = await evaluateModels(
          ctx,
          { matryoshka: ft.checkpoint, plain: plain.checkpoint },
          { tasks: ['STSBenchmark'], dims: [32, 8] },
        );
        expect(rows.map((r) => [r.model, r.dim])).toEqual([
          ['matryoshka', 32],
          ['matryoshka', 8],
          ['plain', 32],
          ['plain', 8],
        ]);
        expect(rows.every((r) => typeof r.main_score === 'number')).toBe(true);
      } finally {
        if (prev === undefined) delete process.env.GECKO_DATA_DIR;
        else process.env.GECKO_DATA_DIR = prev;
      }
    },
  );
});
