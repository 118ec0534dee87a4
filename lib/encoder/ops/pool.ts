// Pooling: the mean over each text's real tokens (its task prefix included: it is part of the
// text), then L2 normalisation x / sqrt(sum x^2 + 1e-24). One row per text.
import * as tf from '@tensorflow/tfjs';
import type { OnnxCtx } from '../onnx-graph';
import { tidy, type OpForms } from './types';

/**
 * Mean pooling of packed sequences as one matmul with a (N, T) averaging matrix, then L2
 * normalisation. hidden (T, D) -> unit vectors (N, D).
 */
export function poolForward(
  hidden: tf.Tensor2D,
  offsets: readonly number[],
): { emb: tf.Tensor2D; pooled: tf.Tensor2D; norm: tf.Tensor2D } {
  const pooled: tf.Tensor2D = tf.matMul(poolingMatrix(offsets, false), hidden); // (N, T) @ (T, D) -> (N, D)
  const norm = tf.sqrt(tf.add(tf.sum(tf.square(pooled), 1, true), 1e-24)) as tf.Tensor2D; // (N, 1)
  return { emb: tf.div(pooled, norm) as tf.Tensor2D, pooled, norm };
}

/** d hidden from d emb: through u = p / |p| (du - u <du, u>) / |p|, then the averaging matrix transposed. */
export function poolBackward(
  emb: tf.Tensor2D,
  norm: tf.Tensor2D,
  demb: tf.Tensor2D,
  offsets: readonly number[],
): tf.Tensor2D {
  const dpooled = tf.div(tf.sub(demb, tf.mul(emb, tf.sum(tf.mul(demb, emb), 1, true))), norm) as tf.Tensor2D; // (N, D)
  return tf.matMul(poolingMatrix(offsets, true), dpooled); // (T, N) @ (N, D) -> (T, D)
}

/** The (N, T) matrix with 1/len_s over sequence s's tokens, or its transpose (T, N). */
export function poolingMatrix(offsets: readonly number[], transposed: boolean): tf.Tensor2D {
  const N = offsets.length - 1,
    T = offsets[N]!;
  const m = new Float32Array(N * T);
  for (let s = 0; s < N; s++) {
    const a = offsets[s]!,
      b = offsets[s + 1]!,
      w = 1 / (b - a);
    for (let t = a; t < b; t++) m[transposed ? t * N + s : s * T + t] = w;
  }
  return transposed ? tf.tensor2d(m, [T, N]) : tf.tensor2d(m, [N, T]);
}

/** ONNX: mean pooling over the mask and L2 normalisation of hidden [B*L, D] (once per graph and input). */
function poolOnnx(c: OnnxCtx, hidden: string) {
  return c.once(`pool:${hidden}`, () => {
    const g = c.g;
    const h3 = g.op('Reshape', [hidden, c.bldShape]);
    const summed = g.op('ReduceSum', [g.op('Mul', [h3, c.keep]), c.ax1], { keepdims: 0 }); // [B, D]
    const count = g.op('Max', [g.op('ReduceSum', [c.keep, c.ax1], { keepdims: 0 }), c.one]); // [B, 1]
    const pooled = g.op('Div', [summed, count]);
    const ss = g.op('ReduceSum', [g.op('Mul', [pooled, pooled]), c.axLast], { keepdims: 1 });
    const norm = g.op('Sqrt', [g.op('Add', [ss, g.f32('eps24', 1e-24)])]);
    return { emb: g.op('Div', [pooled, norm]), norm, count };
  });
}

interface PoolCache {
  emb: tf.Tensor2D;
  norm: tf.Tensor2D;
}

export const pool: OpForms = {
  packedForward(c, _op, _P, [h], keep) {
    return tidy(() => {
      const r = poolForward(h!, c.offsets);
      return keep ? { y: r.emb, cache: { emb: tf.clone(r.emb), norm: r.norm } } : { y: r.emb };
    });
  },
  packedBackward(c, _op, _P, cache, dy) {
    const { emb, norm } = cache as PoolCache;
    return { dxs: [tidy(() => poolBackward(emb, norm, dy, c.offsets))], grads: {} };
  },
  paddedForward(c, _op, _P, [hidden]) {
    const { N, L } = c;
    const D = hidden!.shape[1];
    const lens = tf.tensor2d(c.lengths as number[], [N, 1]);
    const pooled = tf.div(tf.sum(tf.mul(tf.reshape(hidden!, [N, L, D]), tf.reshape(c.mask, [N, L, 1])), 1), lens); // (N, D)
    return tf.div(pooled, tf.sqrt(tf.add(tf.sum(tf.square(pooled), 1, true), 1e-24))) as tf.Tensor2D;
  },
  onnxForward: (c, _op, [h]) => poolOnnx(c, h!).emb,
  onnxBackward(c, _op, x, demb) {
    const g = c.g;
    const { emb, norm, count } = poolOnnx(c, x(0));
    const dot = g.op('ReduceSum', [g.op('Mul', [demb, emb]), c.axLast], { keepdims: 1 });
    const dpooled = g.op('Div', [g.op('Sub', [demb, g.op('Mul', [emb, dot])]), norm]); // [B, D]
    const per = g.op('Unsqueeze', [g.op('Div', [dpooled, count]), c.ax1]); // [B, 1, D]
    return [g.op('Reshape', [g.op('Mul', [per, c.keep]), c.flat])]; // [B*L, D]
  },
};
