// GradCache equivalence, worker replicas, no tensor leaks across steps.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../lib/backend/select';
import type { EncoderConfig } from '../../lib/encoder/config';
import { initParams } from '../../lib/encoder/params';
import { TrainEngine } from '../../lib/train/engine';
import { contrastiveLoss, type ContrastiveBatch } from '../../lib/losses/contrastive';
import { matryoshkaLoss } from '../../lib/losses/matryoshka';
import { Rng } from '../../lib/core/rng';

const cfg: EncoderConfig = {
  vocabSize: 50,
  layers: 2,
  dModel: 16,
  heads: 2,
  ffn: 32,
  maxLen: 12,
  dropout: 0.1,
  lnEps: 1e-5,
};
const rng = new Rng(5);
const B = 6;
const seqs = Array.from({ length: 2 * B + 3 }, () => Array.from({ length: 2 + rng.int(10) }, () => 5 + rng.int(45)));
const seeds = seqs.map((_, i) => 1000 + i);
const owner = [0, 0, 3];
const lossFn = (E: tf.Tensor2D) => {
  const b: ContrastiveBatch = {
    queries: tf.slice(E, [0, 0], [B, 16]),
    positives: tf.slice(E, [B, 0], [B, 16]),
    negatives: tf.slice(E, [2 * B, 0], [3, 16]),
    negativeOwner: owner,
  };
  return matryoshkaLoss(
    (x) => contrastiveLoss(x, { temperature: 0.1, hardNegatives: true, sameTower: true }),
    [16, 8],
    [1, 0.5],
  )(b);
};

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let d = 0,
    m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return d / m;
}

describe('training engine', () => {
  beforeAll(async () => {
    await selectBackend({ override: 'wasm' });
  });
  const engines: TrainEngine[] = [];
  afterAll(async () => {
    await Promise.all(engines.map((e) => e.close()));
  });

  it('GradCache (chunks of 4, recomputed) gives the loss and gradients of the plain whole-batch step', async () => {
    const params = initParams(cfg, 9);
    const eng = await TrainEngine.create(cfg, params, { replicas: 1 });
    engines.push(eng);
    const plain = await eng.contrastive(seqs, lossFn, {
      chunkSize: seqs.length,
      gradCache: false,
      dropoutSeeds: seeds,
    });
    const cached = await eng.contrastive(seqs, lossFn, { chunkSize: 4, gradCache: true, dropoutSeeds: seeds });
    expect(cached.loss).toBeCloseTo(plain.loss, 6);
    expect(maxRelDiff(cached.grads, plain.grads)).toBeLessThan(1e-5);
    expect(plain.grads.some((g) => g !== 0)).toBe(true);
    // dropout is on: a different step's seeds give a different loss
    const other = await eng.contrastive(seqs, lossFn, {
      chunkSize: seqs.length,
      gradCache: false,
      dropoutSeeds: seeds.map((s) => s + 1),
    });
    expect(other.loss).not.toBe(plain.loss);
  });

  it('two replicas (a worker thread) give the same step as one', async () => {
    const params = initParams(cfg, 9);
    const one = await TrainEngine.create(cfg, params, { replicas: 1 });
    const two = await TrainEngine.create(cfg, params, { replicas: 2 });
    engines.push(one, two);
    const a = await one.contrastive(seqs, lossFn, { chunkSize: 5, gradCache: false, dropoutSeeds: seeds });
    const b = await two.contrastive(seqs, lossFn, { chunkSize: 5, gradCache: false, dropoutSeeds: seeds });
    expect(b.loss).toBeCloseTo(a.loss, 6);
    expect(maxRelDiff(b.grads, a.grads)).toBeLessThan(1e-5);
  });

  it('leaks no tensor across steps (plain, GradCache and MLM)', async () => {
    const eng = await TrainEngine.create(cfg, initParams(cfg, 3), { replicas: 1 });
    engines.push(eng);
    const counts: number[] = [];
    for (let s = 0; s < 3; s++) {
      const r1 = await eng.contrastive(seqs, lossFn, { chunkSize: 7, gradCache: s % 2 === 1, dropoutSeeds: seeds });
      await eng.update(s + 1, r1, { lr: 1e-3, clipNorm: 1 });
      const r2 = await eng.mlm(
        { seqs: seqs.slice(0, 4), maskedPositions: [[0], [1], [0, 1], []], targets: [[7], [8], [9, 10], []] },
        { chunkSize: 2, dropoutSeeds: seeds.slice(0, 4) },
      );
      await eng.update(s + 1, r2, { lr: 1e-3, clipNorm: 1 });
      counts.push(tf.memory().numTensors);
    }
    expect(counts[2]).toBe(counts[0]);
    expect(counts[1]).toBe(counts[0]);
  });

  it('stops on a NaN loss without touching the weights', async () => {
    const eng = await TrainEngine.create(cfg, initParams(cfg, 3), { replicas: 1 });
    engines.push(eng);
    const before = eng.params.slice();
    const r = await eng.contrastive(seqs, lossFn, { chunkSize: 20, gradCache: false });
    await expect(eng.update(7, { ...r, loss: NaN }, { lr: 1e-3, clipNorm: 1 })).rejects.toThrow(
      /step 7: the loss \(NaN\) is not finite/,
    );
    r.grads[3] = Infinity;
    await expect(eng.update(7, r, { lr: 1e-3, clipNorm: 1 })).rejects.toThrow(/gradient norm/);
    expect(eng.params).toEqual(before);
  });
});
