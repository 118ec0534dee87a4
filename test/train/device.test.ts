// The device path (padded batches, batched attention, autograd, tf.Variables, AdamW as TF.js
// ops) against the packed path (hand-written backward, host AdamW), both on the cpu backend:
// same loss and gradients (1e-4 relative, per parameter), same encodings, 20 training steps
// from the same checkpoint that agree, and each path resuming the other's checkpoint. The onnx
// path (onnxruntime training graphs, encoder/onnx-replica.ts) is held to the same 20 steps.
// Run: npx vitest run test/train/device.test.ts
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../lib/backend/select';
import { silentLogger } from '../../lib/core/log';
import { deriveSeed, Rng } from '../../lib/core/rng';
import { loadCheckpoint } from '../../lib/encoder/checkpoint';
import { DeviceEncoder } from '../../lib/encoder/device-encoder';
import { EncoderEmbedder } from '../../lib/encoder/embedder';
import type { EncoderConfig } from '../../lib/encoder/config';
import { initParams, paramSpecs } from '../../lib/encoder/params';
import { trainWordPiece } from '../../lib/encoder/wordpiece-train';
import { contrastiveLoss, type ContrastiveBatch } from '../../lib/losses/contrastive';
import { matryoshkaLoss } from '../../lib/losses/matryoshka';
import { DeviceEngine, type DeviceStep } from '../../lib/train/device-engine';
import { enginePath, type EnginePath } from '../../lib/backend/engine-path';
import { inferenceRuntime } from '../../lib/backend/onnx';
import { TrainEngine } from '../../lib/train/engine';
import { runLoop } from '../../lib/train/loop';
import { haveOnnxRuntime, tmpDir } from '../helpers';

const tok = trainWordPiece(
  ['cats and dogs play in the garden', 'stock prices fell on monday', 'the football game ended in a draw'],
  { vocabSize: 60, lowercase: true },
);
const cfg: EncoderConfig = {
  vocabSize: tok.vocabSize,
  layers: 2,
  dModel: 16,
  heads: 2,
  ffn: 32,
  maxLen: 12,
  dropout: 0.1,
  lnEps: 1e-5,
};
const D = cfg.dModel;
const B = 6,
  M = 3;
const owner = [0, 0, 3];
const randomSeqs = (rng: Rng, n: number) =>
  Array.from({ length: n }, () =>
    Array.from({ length: 2 + rng.int(cfg.maxLen - 1) }, () => 5 + rng.int(cfg.vocabSize - 5)),
  );
const seqs = randomSeqs(new Rng(5), 2 * B + M);
const seeds = seqs.map((_, i) => 1000 + i);
// text keys with one duplicate positive (rows 1 and 4): the duplicate-masking branch of the loss
const keys = seqs.map((s, i) => (i === B + 4 ? seqs[B + 1]!.join(' ') : s.join(' ')));

/** Gecko's fine-tuning loss: in-batch + own hard negatives + same-tower, duplicate masking, Matryoshka [16, 8]. */
const lossFn = (E: tf.Tensor2D) => {
  const b: ContrastiveBatch = {
    queries: tf.slice(E, [0, 0], [B, D]),
    positives: tf.slice(E, [B, 0], [B, D]),
    negatives: tf.slice(E, [2 * B, 0], [M, D]),
    negativeOwner: owner,
    queryKeys: keys.slice(0, B),
    positiveKeys: keys.slice(B, 2 * B),
    negativeKeys: keys.slice(2 * B),
  };
  return matryoshkaLoss(
    (x) => contrastiveLoss(x, { temperature: 0.1, hardNegatives: true, sameTower: true }),
    [16, 8],
    [1, 0.5],
  )(b);
};

type RunOf = { losses: number[]; checkpoint: string };
const rel = (x: number, y: number) => Math.abs(x - y) / Math.abs(y);
/** The measured differences, printed so that the figures quoted in README.md can be reproduced. */
const report = (line: string) => console.info(`device-vs-packed ${line}`);

/** Largest |a - b| over one parameter, relative to that parameter's largest |b|; 0 when both are all zero. */
function worstParamRelDiff(a: Float32Array, b: Float32Array): { rel: number; name: string } {
  let worst = { rel: 0, name: '' };
  for (const s of paramSpecs(cfg)) {
    let d = 0,
      m = 0;
    for (let i = s.offset; i < s.offset + s.size; i++) {
      d = Math.max(d, Math.abs(a[i]! - b[i]!));
      m = Math.max(m, Math.abs(b[i]!));
    }
    const rel = m === 0 ? (d === 0 ? 0 : Infinity) : d / m;
    if (rel > worst.rel) worst = { rel, name: s.name };
  }
  return worst;
}

describe('device path = packed path (cpu backend)', () => {
  const engines: { close(): Promise<void> }[] = [];
  beforeAll(async () => {
    await selectBackend({ override: 'cpu' });
  });
  afterAll(async () => {
    await Promise.all(engines.map((e) => e.close()));
  });
  const pair = async (seed: number) => {
    const params = initParams(cfg, seed);
    const packed = await TrainEngine.create(cfg, params, { replicas: 1 });
    const device = await DeviceEngine.create(cfg, params);
    engines.push(packed, device);
    return { packed, device };
  };

  it('gives the same contrastive loss and gradients (whole batch and GradCache chunks, with dropout)', async () => {
    const { packed, device } = await pair(9);
    const a = await packed.contrastive(seqs, lossFn, { chunkSize: seqs.length, gradCache: false, dropoutSeeds: seeds });
    expect(a.grads.some((g) => g !== 0)).toBe(true);
    for (const opts of [
      { chunkSize: seqs.length, gradCache: false },
      { chunkSize: 4, gradCache: true },
      { chunkSize: 5, gradCache: false },
    ]) {
      const b = await device.contrastive(seqs, lossFn, { ...opts, dropoutSeeds: seeds });
      const g = await device.hostGrads(b);
      device.release(b);
      const w = worstParamRelDiff(g, a.grads);
      report(
        `contrastive ${JSON.stringify(opts)}: loss rel diff ${rel(b.loss, a.loss)}, worst gradient ${w.name} ${w.rel.toExponential(2)}`,
      );
      expect(rel(b.loss, a.loss)).toBeLessThan(1e-4);
      expect(w.rel, w.name).toBeLessThan(1e-4);
    }
    // the dropout masks matter: other seeds give another loss on both paths
    const c = await device.contrastive(seqs, lossFn, {
      chunkSize: seqs.length,
      gradCache: false,
      dropoutSeeds: seeds.map((s) => s + 1),
    });
    device.release(c);
    expect(Math.abs(c.loss - a.loss)).toBeGreaterThan(1e-4);
  });

  it('gives the same MLM loss and gradients (tied output embeddings + bias)', async () => {
    const { packed, device } = await pair(4);
    const batch = {
      seqs: seqs.slice(0, 5),
      maskedPositions: [[0], [1], [0, 1], [], [1]],
      targets: [[7], [8], [9, 10], [], [11]],
    };
    const a = await packed.mlm(batch, { chunkSize: 2, dropoutSeeds: seeds.slice(0, 5) });
    const b = await device.mlm(batch, { chunkSize: 2, dropoutSeeds: seeds.slice(0, 5) });
    expect(Math.abs(b.loss - a.loss) / a.loss).toBeLessThan(1e-4);
    const g = await device.hostGrads(b);
    device.release(b);
    const w = worstParamRelDiff(g, a.grads);
    report(`MLM: loss rel diff ${rel(b.loss, a.loss)}, worst gradient ${w.name} ${w.rel.toExponential(2)}`);
    expect(w.rel, w.name).toBeLessThan(1e-4);
  });

  it('gives the same encodings', async () => {
    const { packed, device } = await pair(2);
    const a = await packed.encode(seqs, 4);
    const b = await device.encode(seqs, 4);
    let worst = 0;
    a.forEach((row, i) => row.forEach((x, j) => (worst = Math.max(worst, Math.abs(x - b[i]![j]!)))));
    report(`encodings: max abs diff ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-5); // unit vectors: 1e-5 is float32 noise
  });

  it('leaks no tensor across device steps and stops on NaN without touching the weights', async () => {
    const { device } = await pair(3);
    const counts: number[] = [];
    for (let s = 0; s < 3; s++) {
      const r1 = await device.contrastive(seqs, lossFn, { chunkSize: 7, gradCache: s % 2 === 1, dropoutSeeds: seeds });
      await device.update(s + 1, r1, { lr: 1e-3, clipNorm: 1 });
      const r2 = await device.mlm(
        { seqs: seqs.slice(0, 4), maskedPositions: [[0], [1], [0, 1], []], targets: [[7], [8], [9, 10], []] },
        { chunkSize: 2 },
      );
      await device.update(s + 1, r2, { lr: 1e-3, clipNorm: 1 });
      counts.push(tf.memory().numTensors);
    }
    expect(counts[1]).toBe(counts[0]);
    expect(counts[2]).toBe(counts[0]);
    const before = (await device.snapshot()).params;
    const r = (await device.contrastive(seqs, lossFn, { chunkSize: 20, gradCache: false })) as DeviceStep;
    await expect(device.update(7, { ...r, loss: NaN }, { lr: 1e-3, clipNorm: 1 })).rejects.toThrow(
      /step 7: the loss \(NaN\) is not finite/,
    );
    expect((await device.snapshot()).params).toEqual(before);
    expect(tf.memory().numTensors).toBe(counts[0]); // the refused step's gradients were freed
  });

  const rng20 = new Rng(11);
  const batches = Array.from({ length: 20 }, () => randomSeqs(rng20, 2 * B + M));
  const root = tmpDir();
  const train = (dir: string, engine: EnginePath, stopAfter?: number, config = cfg) =>
    runLoop({
      stage: 'finetune',
      dir,
      config,
      tokenizer: tok,
      init: () => initParams(config, 21),
      steps: 20,
      lr: 2e-3,
      warmupSteps: 3,
      clipNorm: 1,
      weightDecay: 0.5, // large, so that a weight-decay difference would show within 20 steps
      checkpointEvery: 5,
      step: (eng, s) =>
        eng.contrastive(batches[s]!, lossFn, {
          chunkSize: 8,
          gradCache: s % 4 === 0,
          dropoutSeeds: batches[s]!.map((_, i) => deriveSeed(7, 'dropout', s, i)),
        }),
      replicas: 1,
      engine,
      log: silentLogger,
      stopAfter,
      showProgress: false,
    });
  // each path runs 10 steps, its step-10 folder is copied and resumed by the other path,
  // and the original goes on to step 20 on its own path
  const halves = async (own: EnginePath, other: EnginePath) => {
    const first = await train(join(root, own), own, 10);
    cpSync(join(root, own), join(root, `${own}-then-${other}`), { recursive: true });
    const rest = await train(join(root, own), own);
    const crossed = await train(join(root, `${own}-then-${other}`), other);
    expect([rest.resumedFrom, crossed.resumedFrom]).toEqual([10, 10]);
    return { whole: { ...rest, losses: [...first.losses, ...rest.losses] }, crossed };
  };
  let packedRun: Awaited<ReturnType<typeof halves>> | undefined;
  const packedHalves = async () => (packedRun ??= await halves('packed', 'device'));
  /**
   * Stated tolerance: per-step losses within 1e-5 relative, final weights and first moments
   * within 1e-4 absolute, while training moves the weights by about 0.02 (printed).
   */
  const agreeWithPacked = (label: string, whole: RunOf, others: Record<string, RunOf>, packed: RunOf) => {
    const lossDiff = Math.max(...whole.losses.map((l, s) => rel(l, packed.losses[s]!)));
    expect(whole.losses).toHaveLength(20);
    report(`20 steps, ${label} vs packed: max per-step loss rel diff ${lossDiff.toExponential(2)}`);
    expect(lossDiff).toBeLessThan(1e-5);
    const init = initParams(cfg, 21);
    const ref = loadCheckpoint(packed.checkpoint, { optimizer: true });
    const maxDiff = (x: Float32Array, y: Float32Array) => x.reduce((a, v, i) => Math.max(a, Math.abs(v - y[i]!)), 0);
    const moved = maxDiff(ref.params, init);
    expect(moved).toBeGreaterThan(1e-2);
    for (const [name, r] of Object.entries({ [label]: whole, ...others })) {
      const ck = loadCheckpoint(r.checkpoint, { optimizer: true });
      report(
        `20 steps, ${name} vs packed: max weight diff ${maxDiff(ck.params, ref.params).toExponential(2)} (weights moved ${moved.toFixed(4)})`,
      );
      expect(maxDiff(ck.params, ref.params)).toBeLessThan(1e-4);
      expect(maxDiff(ck.optimizer!.m, ref.optimizer!.m)).toBeLessThan(1e-4);
      expect(ck.optimizer!.t).toBe(20);
    }
  };

  it('trains 20 steps like the packed path, and each path resumes the other one`s checkpoint', async () => {
    const { whole: packed, crossed: p2d } = await packedHalves();
    const { whole: device, crossed: d2p } = await halves('device', 'packed');
    expect(loadCheckpoint(d2p.checkpoint).meta).toMatchObject({ engine: 'packed', step: 20 });
    agreeWithPacked('device', device, { d2p, p2d }, packed);
  });

  // definition options (lib/encoder/arch.ts): each variant trains alike on every engine path
  const variants: [string, Partial<EncoderConfig>, string][] = [
    ['an embedding LayerNorm', { embLayerNorm: true }, 'emb_ln.g'],
    [
      'BERT-style options (post-LN, embedding LayerNorm, token-type row, position offset 2, CLS pooling) and ReLU',
      { norm: 'post', embLayerNorm: true, tokenTypeRow: true, positionOffset: 2, pooling: 'cls', activation: 'relu' },
      'type_emb',
    ],
    ['sinusoidal positions and ReLU (USE-lite style)', { positions: 'sinusoidal', activation: 'relu' }, 'l0.w1'],
    [
      'the USE-lite definition (embeddings 8 wide into width 16 with a residual projection, no final LayerNorm, tanh head)',
      {
        embDim: 8,
        positions: 'sinusoidal',
        activation: 'relu',
        finalLayerNorm: false,
        poolHead: 'tanh',
        lnEps: 1e-6,
      },
      'l0.wres',
    ],
  ];
  for (const [label, options, trained] of variants)
    it(`with ${label}, the packed, device and onnx paths train the same 20 steps`, async () => {
      const variant: EncoderConfig = { ...cfg, ...options };
      const paths: EnginePath[] = haveOnnxRuntime() ? ['packed', 'device', 'onnx'] : ['packed', 'device'];
      const tag = Object.keys(options).join('-');
      const runs = [];
      for (const p of paths) runs.push(await train(join(root, `${tag}-${p}`), p, undefined, variant));
      const [ref, ...others] = runs.map((r) => ({ ...r, ck: loadCheckpoint(r.checkpoint) }));
      expect(ref!.ck.config).toMatchObject(options);
      // the option's own parameter was trained
      const spec = paramSpecs(variant).find((s) => s.name === trained)!;
      const init = initParams(variant, 21).subarray(spec.offset, spec.offset + spec.size);
      const now = ref!.ck.params.subarray(spec.offset, spec.offset + spec.size);
      expect(now.some((x, i) => Math.abs(x - init[i]!) > 1e-3)).toBe(true);
      others.forEach((o, i) => {
        const lossDiff = Math.max(...o.losses.map((l, s) => rel(l, ref!.losses[s]!)));
        const weightDiff = o.ck.params.reduce((a, v, k) => Math.max(a, Math.abs(v - ref!.ck.params[k]!)), 0);
        report(
          `20 steps with ${tag}, ${paths[i + 1]} vs packed: loss rel diff ${lossDiff.toExponential(2)}, weight diff ${weightDiff.toExponential(2)}`,
        );
        expect(lossDiff).toBeLessThan(1e-5);
        expect(weightDiff).toBeLessThan(1e-4);
      });
    });

  it.skipIf(!haveOnnxRuntime())('the onnx path trains the same 20 steps and resumes across paths', async () => {
    const { whole: packed } = await packedHalves();
    const { whole: onnx, crossed: o2p } = await halves('onnx', 'packed');
    expect(loadCheckpoint(o2p.checkpoint).meta).toMatchObject({ engine: 'packed', step: 20 });
    expect(loadCheckpoint(onnx.checkpoint).meta).toMatchObject({ engine: 'onnx', step: 20 });
    agreeWithPacked('onnx', onnx, { o2p }, packed);
  });

  it('the embedder encodes on the device path under GECKO_ENGINE=device, with the same vectors', async () => {
    const params = initParams(cfg, 2);
    const texts = ['cats and dogs play', 'stock prices fell on monday', 'the game', 'a draw'];
    const packed = await EncoderEmbedder.create(cfg, params, tok, { replicas: 1, batchSize: 3, runtime: 'tfjs' });
    process.env.GECKO_ENGINE = 'device';
    const device = await EncoderEmbedder.create(cfg, params, tok, { batchSize: 3, runtime: 'tfjs' }).finally(
      () => delete process.env.GECKO_ENGINE,
    );
    engines.push(packed, device);
    expect((device as unknown as { replicas: unknown[] }).replicas[0]).toBeInstanceOf(DeviceEncoder);
    const a = await packed.embed(texts),
      b = await device.embed(texts);
    let worst = 0;
    a.forEach((row, i) => row.forEach((x, j) => (worst = Math.max(worst, Math.abs(x - b[i]![j]!)))));
    expect(worst).toBeLessThan(1e-5);
  });

  it('picks the path from the backend, or GECKO_ENGINE', () => {
    expect(enginePath('wasm', undefined)).toBe(inferenceRuntime().ort ? 'onnx' : 'packed');
    expect(enginePath('wasm', 'packed')).toBe('packed');
    expect(enginePath('cpu', undefined)).toBe('packed');
    expect(enginePath('tensorflow', 'auto')).toBe('device');
    expect(enginePath('webgpu', undefined)).toBe('device');
    expect(enginePath('cpu', 'device')).toBe('device');
    expect(enginePath('tensorflow', 'packed')).toBe('packed');
    expect(() => enginePath('wasm', 'device')).toThrowError(/UnsortedSegmentSum/);
    expect(() => enginePath('cpu', 'gpu')).toThrowError(/not a path/);
  });
});
