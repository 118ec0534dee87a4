// Resume equivalence (bit-identical final weights), metrics, and the NaN stop keeping the last good checkpoint.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { selectBackend } from '../../lib/backend/select';
import { resolveConfig } from '../../lib/config/resolve';
import { silentLogger } from '../../lib/core/log';
import type { TrainingExample } from '../../lib/core/types';
import { loadCheckpoint } from '../../lib/encoder/checkpoint';
import { pretrain } from '../../lib/train/pretrain';
import { trainContrastive } from '../../lib/train/contrastive-stage';
import { runLoop } from '../../lib/train/loop';
import { tmpDir } from '../helpers';

const TEXTS = Array.from(
  { length: 40 },
  (_, i) =>
    `document ${i} talks about ${['cats', 'dogs', 'stocks', 'football', 'elections'][i % 5]} and ${['prices', 'games', 'votes', 'food'][i % 4]} in ${2000 + i}`,
);
const EXAMPLES: TrainingExample[] = TEXTS.map((t, i) => ({
  id: `e${i}`,
  source: 'toy',
  task: 'search result',
  query: `about ${['cats', 'dogs', 'stocks', 'football', 'elections'][i % 5]} ${i}`,
  positive: { text: t },
  negatives: [{ text: TEXTS[(i + 1) % TEXTS.length]! }],
  symmetric: i % 3 === 0,
}));

const config = resolveConfig('smoke', {
  tokenizer: { vocabSize: 120 },
  encoder: { layers: 1, dModel: 16, heads: 2, ffn: 32, maxLen: 24, dropout: 0.1 },
  pretrain: { steps: 5, batchSize: 6, seqLen: 16, checkpointEvery: 2 },
  finetune: {
    steps: 5,
    batchSize: 6,
    checkpointEvery: 2,
    chunkSize: 5,
    matryoshkaDims: [16, 8],
    matryoshkaWeights: [1, 1],
  },
  eval: { dims: [16, 8] },
}).config;

describe('training loop', () => {
  beforeAll(async () => {
    await selectBackend({ override: 'wasm' });
  });

  it('a killed-and-resumed run ends with bit-identical weights (pretrain, then finetune with dropout)', async () => {
    const a = tmpDir(),
      b = tmpDir();
    const run = (dir: string, stopAfter?: number) =>
      pretrain({
        config,
        dir: join(dir, 'pretrain'),
        log: silentLogger,
        texts: TEXTS,
        replicas: 1,
        stopAfter,
        showProgress: false,
      });
    const full = await run(a);
    const part = await run(b, 3); // "killed" after 3 steps: the checkpoint holds step 2
    expect(part.steps).toBe(3);
    expect(loadCheckpoint(part.checkpoint).meta.step).toBe(2);
    const resumed = await run(b);
    expect(resumed.resumedFrom).toBe(2);
    expect(resumed.steps).toBe(5);
    const wa = loadCheckpoint(full.checkpoint).params,
      wb = loadCheckpoint(resumed.checkpoint).params;
    expect(Buffer.from(wb.buffer).equals(Buffer.from(wa.buffer))).toBe(true);
    // every step's loss is a finite number (5 steps are too few to ask that it falls: test/train/learns.test.ts does)
    expect(full.losses).toHaveLength(5);
    expect(full.losses.every((l) => Number.isFinite(l) && l > 0)).toBe(true);
    // metrics: one line per step, the killed run's extra step dropped on resume
    const rows = readFileSync(join(b, 'pretrain', 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((r) => r.step)).toEqual([1, 2, 3, 4, 5]);

    const ft = (dir: string, stopAfter?: number) =>
      trainContrastive({
        stage: 'finetune',
        config,
        examples: EXAMPLES,
        init: full.checkpoint,
        dir: join(dir, 'finetune'),
        log: silentLogger,
        replicas: 1,
        stopAfter,
        showProgress: false,
      });
    const f1 = await ft(a);
    await ft(b, 3);
    const f2 = await ft(b);
    expect(f2.resumedFrom).toBe(2);
    const fa = loadCheckpoint(f1.checkpoint).params,
      fb = loadCheckpoint(f2.checkpoint).params;
    expect(Buffer.from(fb.buffer).equals(Buffer.from(fa.buffer))).toBe(true);
    expect(loadCheckpoint(f1.checkpoint).params).not.toEqual(wa); // fine-tuning moved the weights
  });

  it('stops on NaN with a clear message and keeps the last good checkpoint', async () => {
    const dir = tmpDir();
    const first = await pretrain({
      config,
      dir: join(dir, 'p'),
      log: silentLogger,
      texts: TEXTS,
      replicas: 1,
      showProgress: false,
    });
    const good = loadCheckpoint(first.checkpoint);
    const ck = loadCheckpoint(first.checkpoint);
    let calls = 0;
    const attempt = runLoop({
      stage: 'poison',
      dir: join(dir, 'poison'),
      config: ck.config,
      tokenizer: ck.tokenizer,
      init: () => ck.params,
      steps: 6,
      lr: 1e-3,
      warmupSteps: 0,
      clipNorm: 1,
      weightDecay: 0,
      checkpointEvery: 2,
      log: silentLogger,
      replicas: 1,
      showProgress: false,
      step: async (engine) => {
        calls++;
        const r = await engine.mlm({ seqs: [[5, 6, 7]], maskedPositions: [[1]], targets: [[6]] }, { chunkSize: 1 });
        return calls === 4 ? { ...r, loss: NaN } : r;
      },
    });
    await expect(attempt).rejects.toThrow(/step 4: the loss \(NaN\) is not finite; training stopped/);
    const kept = loadCheckpoint(join(dir, 'poison', 'ckpt'));
    expect(kept.meta.step).toBe(2);
    expect(kept.params).not.toEqual(good.params);
    const rows = readFileSync(join(dir, 'poison', 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows[rows.length - 1].error).toMatch(/not finite/);
  });
});
