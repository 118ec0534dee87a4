// Each hand-written backward against TF.js autograd (cpu backend, float32).
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../lib/core/rng';
import { attentionBackward, attentionForward, attentionOps } from '../../lib/encoder/ops/attention';
import { denseBackward, denseForward } from '../../lib/encoder/ops/dense';
import { geluBackward, geluForward } from '../../lib/encoder/ops/gelu';
import { layerNormBackward, layerNormForward } from '../../lib/encoder/ops/layer-norm';
import { poolBackward, poolForward } from '../../lib/encoder/ops/pool';
import {
  disposeCache,
  disposeParams,
  encoderBackward,
  encoderForward,
  packBatch,
  paramTensors,
} from '../../lib/encoder/model';
import { initParams, paramSpecs } from '../../lib/encoder/params';
import type { EncoderConfig } from '../../lib/encoder/config';

function randn(shape: number[], seed: number, scale = 1): tf.Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => scale * rng.normal()),
    shape,
  );
}

function expectClose(a: tf.Tensor, b: tf.Tensor, tol = 1e-4): void {
  expect(a.shape).toEqual(b.shape);
  const x = a.dataSync(),
    y = b.dataSync();
  let maxAbs = 0,
    maxRef = 0;
  for (let i = 0; i < x.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(x[i]! - y[i]!));
    maxRef = Math.max(maxRef, Math.abs(y[i]!));
  }
  expect(maxAbs).toBeLessThanOrEqual(tol * Math.max(1, maxRef));
}

describe('hand-written layer gradients equal autograd', () => {
  it('dense', () =>
    tf.tidy(() => {
      const x = randn([5, 3], 1) as tf.Tensor2D,
        w = randn([3, 4], 2) as tf.Tensor2D,
        b = randn([4], 3) as tf.Tensor1D,
        dy = randn([5, 4], 4) as tf.Tensor2D;
      const auto = tf.grads((x_, w_, b_) =>
        tf.sum(tf.mul(denseForward(x_ as tf.Tensor2D, w_ as tf.Tensor2D, b_ as tf.Tensor1D), dy)),
      )([x, w, b]);
      const ours = denseBackward(x, tf.transpose(w), dy);
      expectClose(ours.dx, auto[0]!);
      expectClose(ours.dw, auto[1]!);
      expectClose(ours.db, auto[2]!);
    }));

  it('layer norm', () =>
    tf.tidy(() => {
      const x = randn([6, 8], 5, 3) as tf.Tensor2D,
        g = randn([8], 6) as tf.Tensor1D,
        b = randn([8], 7) as tf.Tensor1D,
        dy = randn([6, 8], 8) as tf.Tensor2D;
      const auto = tf.grads((x_, g_, b_) =>
        tf.sum(tf.mul(layerNormForward(x_ as tf.Tensor2D, g_ as tf.Tensor1D, b_ as tf.Tensor1D, 1e-5).y, dy)),
      )([x, g, b]);
      const ours = layerNormBackward(layerNormForward(x, g, b, 1e-5).cache, g, dy);
      expectClose(ours.dx, auto[0]!);
      expectClose(ours.dg, auto[1]!);
      expectClose(ours.db, auto[2]!);
    }));

  it('exact GELU (value and gradient)', () =>
    tf.tidy(() => {
      const x = tf.tensor2d([
          [-3, -1, -0.5, 0],
          [0.5, 1, 2, 4],
        ]),
        dy = randn([2, 4], 9) as tf.Tensor2D;
      // GELU(1) = 0.5 * (1 + erf(1/sqrt 2)) = 0.8413447
      expect(geluForward(x).dataSync()[5]).toBeCloseTo(0.8413447, 5);
      const auto = tf.grad((x_) => tf.sum(tf.mul(geluForward(x_ as tf.Tensor2D), dy)))(x);
      expectClose(geluBackward(x, dy), auto);
    }));

  it('packed multi-head attention (fused q|k|v input)', () =>
    tf.tidy(() => {
      const offsets = [0, 3, 7, 8]; // three sequences of length 3, 4, 1
      const qkv = randn([8, 18], 10) as tf.Tensor2D,
        dy = randn([8, 6], 13) as tf.Tensor2D;
      const auto = tf.grad((x) => tf.sum(tf.mul(attentionOps(x as tf.Tensor2D, offsets, 2), dy)))(qkv);
      const f = attentionForward(qkv, offsets, 2, true);
      expectClose(f.ctx, attentionOps(qkv, offsets, 2), 1e-5);
      expectClose(attentionBackward(f.cache!, dy, offsets, 2), auto);
      // the last sequence has one token: its context is exactly its value row
      expectClose(tf.slice(f.ctx, [7, 0], [1, 6]), tf.slice(qkv, [7, 12], [1, 6]), 1e-6);
      tf.dispose(f.cache!.p);
    }));

  it('mean pooling + L2 normalisation', () =>
    tf.tidy(() => {
      const offsets = [0, 2, 5];
      const h = randn([5, 4], 14) as tf.Tensor2D,
        dy = randn([2, 4], 15) as tf.Tensor2D;
      const auto = tf.grad((h_) => tf.sum(tf.mul(poolForward(h_ as tf.Tensor2D, offsets).emb, dy)))(h);
      const f = poolForward(h, offsets);
      expectClose(poolBackward(f.emb, f.norm, dy, offsets), auto);
      const hv = h.arraySync();
      const mean0 = [0, 1, 2, 3].map((j) => (hv[0]![j]! + hv[1]![j]!) / 2);
      const n0 = Math.hypot(...mean0);
      expect(f.emb.arraySync()[0]![2]).toBeCloseTo(mean0[2]! / n0, 5);
    }));
});

describe('whole encoder backward equals autograd', () => {
  const cfg: EncoderConfig = {
    vocabSize: 20,
    layers: 2,
    dModel: 8,
    heads: 2,
    ffn: 16,
    maxLen: 6,
    dropout: 0.2,
    lnEps: 1e-5,
  };
  const seqs = [[5, 6, 7], [8, 9, 10, 11, 12, 13], [14], [5, 5, 19]];
  const seeds = [11, 12, 13, 14];

  for (const dropout of [false, true]) {
    it(`pooled embeddings${dropout ? ', with dropout' : ''}`, () => {
      const flat = initParams(cfg, 3);
      // larger weights than the 0.02 init so that every path carries signal
      for (let i = 0; i < flat.length; i++) flat[i] = flat[i]! * 20;
      const P = paramTensors(cfg, flat);
      const batch = packBatch(seqs);
      const demb = randn([4, 8], 16) as tf.Tensor2D;
      const dhidden = randn([13, 8], 17, 0.1) as tf.Tensor2D;
      const opts = { keepCache: false, dropoutSeeds: dropout ? seeds : undefined };
      const names = paramSpecs(cfg)
        .map((s) => s.name)
        .filter((n) => n !== 'mlm.bias');
      const vars = names.map((n) => P[n]!);
      const auto = tf.grads((...ts: tf.Tensor[]) => {
        const Q = { ...P };
        names.forEach((n, i) => {
          Q[n] = ts[i]!;
        });
        const f = encoderForward(cfg, Q, batch, { ...opts, autograd: true });
        return tf.add(tf.sum(tf.mul(f.emb, demb)), tf.sum(tf.mul(f.hidden, dhidden)));
      })(vars);
      const before = tf.memory().numTensors;
      const f = encoderForward(cfg, P, batch, { ...opts, keepCache: true });
      const plain = encoderForward(cfg, P, batch, { ...opts, autograd: true });
      expectClose(f.emb, plain.emb, 1e-5);
      tf.dispose([plain.emb, plain.hidden]);
      const ours = encoderBackward(cfg, P, f.cache!, { demb, dhidden });
      names.forEach((n, i) => expectClose(ours[n]!, auto[i]!, 2e-4));
      tf.dispose([f.hidden, f.emb]);
      disposeCache(f.cache!);
      disposeParams(ours);
      expect(tf.memory().numTensors).toBe(before); // nothing leaked by forward + backward
      tf.dispose([demb, dhidden, ...auto]);
      disposeParams(P);
    });
  }
});
