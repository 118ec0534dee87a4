// Pooling: the mean over each text's real tokens (its task prefix included: it is part of the
// text), or its first token (CLS), then L2 normalisation x / sqrt(sum x^2 + 1e-24) unless the op
// says normalize: false (a head follows: USE-lite's tanh layer, then the l2norm op). One row per
// text. Both modes are a weighted sum of the text's rows: 1/len on each token, or 1 on the first.
import * as tf from '@tensorflow/tfjs';
import { DT } from '../../core/onnx-proto';
import type { OnnxCtx } from '../onnx-graph';
import { l2normBackwardOnnx, l2normOnnx } from './l2norm';
import { tidy, type OpForms } from './types';

export type PoolMode = 'mean' | 'cls';

/**
 * Mean pooling of packed sequences as one matmul with a (N, T) averaging matrix, then L2
 * normalisation. hidden (T, D) -> unit vectors (N, D).
 */
export function poolForward(
  hidden: tf.Tensor2D,
  offsets: readonly number[],
  mode: PoolMode = 'mean',
): { emb: tf.Tensor2D; pooled: tf.Tensor2D; norm: tf.Tensor2D } {
  const pooled: tf.Tensor2D = tf.matMul(poolingMatrix(offsets, false, mode), hidden); // (N, T) @ (T, D) -> (N, D)
  const norm = tf.sqrt(tf.add(tf.sum(tf.square(pooled), 1, true), 1e-24)) as tf.Tensor2D; // (N, 1)
  return { emb: tf.div(pooled, norm) as tf.Tensor2D, pooled, norm };
}

/** d hidden from d emb: through u = p / |p| (du - u <du, u>) / |p|, then the averaging matrix transposed. */
export function poolBackward(
  emb: tf.Tensor2D,
  norm: tf.Tensor2D,
  demb: tf.Tensor2D,
  offsets: readonly number[],
  mode: PoolMode = 'mean',
): tf.Tensor2D {
  const dpooled = tf.div(tf.sub(demb, tf.mul(emb, tf.sum(tf.mul(demb, emb), 1, true))), norm) as tf.Tensor2D; // (N, D)
  return tf.matMul(poolingMatrix(offsets, true, mode), dpooled); // (T, N) @ (N, D) -> (T, D)
}

/** The (N, T) matrix with 1/len_s over sequence s's tokens, or its transpose (T, N). */
export function poolingMatrix(offsets: readonly number[], transposed: boolean, mode: PoolMode = 'mean'): tf.Tensor2D {
  const N = offsets.length - 1,
    T = offsets[N]!;
  const m = new Float32Array(N * T);
  for (let s = 0; s < N; s++) {
    const a = offsets[s]!,
      b = mode === 'cls' ? offsets[s]! + 1 : offsets[s + 1]!, //   CLS: the first token only
      w = 1 / (b - a);
    for (let t = a; t < b; t++) m[transposed ? t * N + s : s * T + t] = w;
  }
  return transposed ? tf.tensor2d(m, [T, N]) : tf.tensor2d(m, [N, T]);
}

/** ONNX: the weights [B, L, 1] of each token in its text's pooled row (before dividing by their count). */
function tokenWeights(c: OnnxCtx, mode: PoolMode): string {
  if (mode === 'mean') return c.keep; // 1 on real tokens
  return c.once('cls_keep', () => {
    // the first real token: position 0 and not padding (left padding too)
    const g = c.g;
    const first = g.op('Cast', [g.op('Equal', [c.once('positions', c.positions), g.i64s('zero_i', 0)])], {
      to: DT.FLOAT,
    });
    return g.op('Unsqueeze', [g.op('Mul', [first, c.mask]), g.i64('ax2', [2])]);
  });
}

/** ONNX: pooling over the mask of hidden [B*L, D] (once per graph and input). */
function poolOnnx(c: OnnxCtx, hidden: string, mode: PoolMode) {
  return c.once(`pool:${mode}:${hidden}`, () => {
    const g = c.g;
    const keep = tokenWeights(c, mode);
    const h3 = g.op('Reshape', [hidden, c.bldShape]);
    const summed = g.op('ReduceSum', [g.op('Mul', [h3, keep]), c.ax1], { keepdims: 0 }); // [B, D]
    // max(count, 1) as Clip with a min input (no elementwise Max node: onnxruntime's WebGPU provider lacks it)
    const count = g.op('Clip', [g.op('ReduceSum', [keep, c.ax1], { keepdims: 0 }), c.one]); // [B, 1]
    return { pooled: g.op('Div', [summed, count]), count, keep };
  });
}

interface PoolCache {
  emb: tf.Tensor2D;
  norm: tf.Tensor2D;
}

export const pool: OpForms = {
  packedForward(c, op, _P, [h], keep) {
    if (op.normalize === false)
      return { y: tidy(() => tf.matMul(poolingMatrix(c.offsets, false, op.mode), h!) as tf.Tensor2D) };
    return tidy(() => {
      const r = poolForward(h!, c.offsets, op.mode);
      return keep ? { y: r.emb, cache: { emb: tf.clone(r.emb), norm: r.norm } } : { y: r.emb };
    });
  },
  packedBackward(c, op, _P, cache, dy) {
    if (op.normalize === false)
      return { dxs: [tidy(() => tf.matMul(poolingMatrix(c.offsets, true, op.mode), dy) as tf.Tensor2D)], grads: {} };
    const { emb, norm } = cache as PoolCache;
    return { dxs: [tidy(() => poolBackward(emb, norm, dy, c.offsets, op.mode))], grads: {} };
  },
  paddedForward(c, op, _P, [hidden]) {
    const { N, L } = c;
    const D = hidden!.shape[1];
    const lens = tf.tensor2d(c.lengths as number[], [N, 1]);
    const pooled =
      op.mode === 'cls'
        ? tf.gather(
            hidden!,
            tf.tensor1d(
              Int32Array.from({ length: N }, (_, s) => s * L),
              'int32',
            ),
          ) //  (N, D): row 0 of each text
        : tf.div(tf.sum(tf.mul(tf.reshape(hidden!, [N, L, D]), tf.reshape(c.mask, [N, L, 1])), 1), lens); // (N, D)
    if (op.normalize === false) return pooled as tf.Tensor2D;
    return tf.div(pooled, tf.sqrt(tf.add(tf.sum(tf.square(pooled), 1, true), 1e-24))) as tf.Tensor2D;
  },
  onnxForward(c, op, [h]) {
    const { pooled } = poolOnnx(c, h!, op.mode ?? 'mean');
    return op.normalize === false ? pooled : l2normOnnx(c, op.out, pooled).y;
  },
  onnxBackward(c, op, x, demb) {
    const g = c.g;
    const { pooled, count, keep } = poolOnnx(c, x(0), op.mode ?? 'mean');
    let dpooled = demb; // [B, D]
    if (op.normalize !== false) {
      const { y, norm } = l2normOnnx(c, op.out, pooled);
      dpooled = l2normBackwardOnnx(c, y, norm, demb);
    }
    const per = g.op('Unsqueeze', [g.op('Div', [dpooled, count]), c.ax1]); // [B, 1, D]
    return [g.op('Reshape', [g.op('Mul', [per, keep]), c.flat])]; // [B*L, D]
  },
};
