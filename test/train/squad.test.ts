// Done-when check, smoke scale: a pretrain + train cycle on real pairs (SQuAD question ->
// paragraph, held-out articles kept out) lowers the loss and raises held-out retrieval.
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { selectBackend } from '../../lib/backend/select';
import { resolveConfig } from '../../lib/config/resolve';
import { silentLogger } from '../../lib/core/log';
import { loadEmbedder } from '../../lib/encoder/embedder';
import { pretrain } from '../../lib/train/pretrain';
import { trainContrastive } from '../../lib/train/contrastive-stage';
import { heldOutScores, isHeldOutArticle, squadPairsSplit } from '../../lib/train/heldout';
import { have, SHARED_DATA, tmpDir } from '../helpers';

const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;

describe('training on SQuAD pairs (smoke scale)', () => {
  beforeAll(async () => {
    await selectBackend({ override: 'wasm' });
  });

  it.skipIf(
    !have(join(SHARED_DATA, 'squad_v1.1_dev', 'dev-v1.1.json'), 'SQuAD v1.1 dev') ||
      !have(join(SHARED_DATA, 'ag_news'), 'AG News'),
  )(
    'lowers the loss and raises held-out MRR@10',
    async () => {
      const config = resolveConfig('smoke', {
        pretrain: { steps: 30 },
        prefinetune: { steps: 100, batchSize: 32, lr: 2e-3, warmupSteps: 5, evalEvery: 0 },
      }).config;
      const dir = tmpDir();
      const { train, heldOut } = squadPairsSplit({ seed: 1, maxQueries: 200, dataDir: SHARED_DATA });
      expect(train.every((e) => !isHeldOutArticle(e.positive.title!))).toBe(true);
      const pre = await pretrain({ config, dir: join(dir, 'pretrain'), log: silentLogger, showProgress: false });
      const before = await loadEmbedder(pre.checkpoint);
      const s0 = await heldOutScores((t) => before.embed(t), heldOut);
      await before.close();
      const r = await trainContrastive({
        stage: 'prefinetune',
        config,
        examples: train,
        init: pre.checkpoint,
        dir: join(dir, 'pft'),
        log: silentLogger,
        showProgress: false,
      });
      const after = await loadEmbedder(r.checkpoint);
      const s1 = await heldOutScores((t) => after.embed(t), heldOut);
      await after.close();
      expect(mean(r.losses.slice(-10))).toBeLessThan(mean(r.losses.slice(0, 10)) - 0.5);
      expect(s1.mrr_at_10!).toBeGreaterThan(s0.mrr_at_10! + 0.02);
    },
    120_000,
  );
});
