// Training does what the paper's losses say, end to end through trainContrastive (not only the
// loss functions): the loss goes down on a toy set the model can learn, and fine-tuning's loss
// includes the same-tower term of Eq. 3 (switching it off changes the very first step's loss, which
// sees the same weights, batch and dropout either way, and can only lower it: fewer terms in the
// denominator). The toy model and texts follow test/train/loop.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { selectBackend } from '../../lib/backend/select';
import { resolveConfig } from '../../lib/config/resolve';
import { silentLogger } from '../../lib/core/log';
import type { TrainingExample } from '../../lib/core/types';
import { pretrain } from '../../lib/train/pretrain';
import { trainContrastive } from '../../lib/train/contrastive-stage';
import { tmpDir as newTmpDir } from '../helpers';

const TOPICS = ['cats', 'dogs', 'stocks', 'football', 'elections', 'rain', 'trains', 'music'];
const TEXTS = Array.from(
  { length: 48 },
  (_, i) => `document ${i} talks about ${TOPICS[i % 8]} and ${TOPICS[(i * 3 + 1) % 8]}`,
);
const EXAMPLES: TrainingExample[] = TEXTS.map((t, i) => ({
  id: `e${i}`,
  source: 'toy',
  task: 'search result',
  query: `about ${TOPICS[i % 8]} ${i}`,
  positive: { text: t },
  negatives: [{ text: TEXTS[(i + 1) % TEXTS.length]! }],
  symmetric: false,
}));

const base = {
  tokenizer: { vocabSize: 120 },
  encoder: { layers: 1, dModel: 16, heads: 2, ffn: 32, maxLen: 24, dropout: 0 },
  pretrain: { steps: 3, batchSize: 6, seqLen: 16, checkpointEvery: 100 },
  finetune: { matryoshkaDims: [16, 8], matryoshkaWeights: [1, 1] },
  eval: { dims: [16, 8] },
};
const ftConfig = (finetune: Record<string, unknown>) =>
  resolveConfig('smoke', {
    ...base,
    finetune: { ...base.finetune, batchSize: 8, checkpointEvery: 100, ...finetune },
  }).config;
const made: string[] = [];
const tmpDir = () => {
  const d = newTmpDir('gecko-learns-');
  made.push(d);
  return d;
};
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('training learns, with the terms of Eq. 3', () => {
  let init = '';
  beforeAll(async () => {
    await selectBackend({ override: 'wasm' });
    const r = await pretrain({
      config: resolveConfig('smoke', base).config,
      dir: join(tmpDir(), 'pretrain'),
      log: silentLogger,
      texts: TEXTS,
      replicas: 1,
      showProgress: false,
    });
    init = r.checkpoint;
  });
  const finetune = (finetune: Record<string, unknown>) =>
    trainContrastive({
      stage: 'finetune',
      config: ftConfig(finetune),
      examples: EXAMPLES,
      init,
      dir: join(tmpDir(), 'finetune'),
      log: silentLogger,
      replicas: 1,
      showProgress: false,
    });

  it('the pretraining (MLM) loss goes down: the last 5 of 40 steps average at least 10% below the first 5', async () => {
    const r = await pretrain({
      config: resolveConfig('smoke', { ...base, pretrain: { ...base.pretrain, steps: 40, lr: 3e-3, warmupSteps: 0 } })
        .config,
      dir: join(tmpDir(), 'pretrain'),
      log: silentLogger,
      texts: TEXTS,
      replicas: 1,
      showProgress: false,
    });
    expect(r.losses).toHaveLength(40);
    const first = mean(r.losses.slice(0, 5)),
      last = mean(r.losses.slice(-5));
    console.log(`pretraining loss: first 5 steps ${first.toFixed(3)}, last 5 ${last.toFixed(3)}`);
    expect(last).toBeLessThan(0.9 * first);
  }, 120_000);

  it('the fine-tuning loss goes down: the last 5 steps average at most half the first 5', async () => {
    const r = await finetune({ steps: 30, lr: 3e-3, warmupSteps: 0 });
    expect(r.losses).toHaveLength(30);
    expect(r.losses.every(Number.isFinite)).toBe(true);
    const first = mean(r.losses.slice(0, 5)),
      last = mean(r.losses.slice(-5));
    console.log(`fine-tuning loss: first 5 steps ${first.toFixed(3)}, last 5 ${last.toFixed(3)}`);
    expect(last).toBeLessThan(0.5 * first);
  }, 120_000);

  it('same-tower negatives are in the trained loss: the first step loses more with them than without', async () => {
    const on = await finetune({ steps: 1, sameTower: true });
    const off = await finetune({ steps: 1, sameTower: false });
    console.log(`step-1 loss: same-tower on ${on.losses[0]!.toFixed(4)}, off ${off.losses[0]!.toFixed(4)}`);
    expect(on.losses[0]! - off.losses[0]!).toBeGreaterThan(1e-3);
    // and the hard negatives likewise
    const noHard = await finetune({ steps: 1, hardNegatives: false });
    expect(on.losses[0]! - noHard.losses[0]!).toBeGreaterThan(1e-3);
  }, 120_000);
});
