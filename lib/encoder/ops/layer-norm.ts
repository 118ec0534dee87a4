// LayerNorm over the last axis: y = (x - mean) / sqrt(var + eps) * g + b, biased variance as in torch.
import * as tf from '@tensorflow/tfjs';
import type { OpNode } from '../arch';
import type { OnnxCtx } from '../onnx-graph';
import { tidy, type OpForms } from './types';

export interface LayerNormCache {
  xhat: tf.Tensor2D;
  rstd: tf.Tensor2D;
}

/** y = (x - mean) / sqrt(var + eps) * g + b over the last axis. x (T, D) -> (T, D) */
export function layerNormForward(
  x: tf.Tensor2D,
  g: tf.Tensor1D,
  b: tf.Tensor1D,
  eps: number,
): { y: tf.Tensor2D; cache: LayerNormCache } {
  const mean = tf.mean(x, 1, true); //                 (T, 1)
  const xc = tf.sub(x, mean); //                        (T, D)
  const variance = tf.mean(tf.square(xc), 1, true); //  (T, 1), biased as in torch
  const rstd = tf.rsqrt(tf.add(variance, eps)) as tf.Tensor2D; // (T, 1)
  const xhat = tf.mul(xc, rstd) as tf.Tensor2D; //      (T, D)
  return { y: tf.add(tf.mul(xhat, g), b), cache: { xhat, rstd } };
}

/** dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), dxhat = dy * g; dg = sum(dy * xhat); db = sum(dy) */
export function layerNormBackward(
  cache: LayerNormCache,
  g: tf.Tensor1D,
  dy: tf.Tensor2D,
): { dx: tf.Tensor2D; dg: tf.Tensor1D; db: tf.Tensor1D } {
  const { xhat, rstd } = cache;
  const dxhat = tf.mul(dy, g); //                                   (T, D)
  const m1 = tf.mean(dxhat, 1, true); //                            (T, 1)
  const m2 = tf.mean(tf.mul(dxhat, xhat), 1, true); //              (T, 1)
  const dx = tf.mul(tf.sub(tf.sub(dxhat, m1), tf.mul(xhat, m2)), rstd) as tf.Tensor2D;
  return { dx, dg: tf.sum(tf.mul(dy, xhat), 0), db: tf.sum(dy, 0) };
}

/**
 * ONNX: one LayerNormalization node. In a training graph it also outputs each row's mean and
 * 1 / sqrt(var + eps) ([rows, 1], kept for the backward: recomputing them took five passes over x).
 */
function layerNormOnnx(c: OnnxCtx, op: OpNode, x: string): string {
  const g = c.g;
  const inputs = [x, g.param(op.params[0]!), g.param(op.params[1]!)];
  const attrs = { axis: -1, epsilon: { float: op.eps! } };
  if (c.inference) return g.op('LayerNormalization', inputs, attrs);
  const [y, mean, rstd] = g.opN('LayerNormalization', inputs, 3, attrs);
  c.keepInternal(`${op.out}.mean`, mean!, statDims(op));
  c.keepInternal(`${op.out}.rstd`, rstd!, statDims(op));
  return y!;
}

const statDims = (op: OpNode) => [op.perText ? 'B' : 'BL', 1];

/**
 * ONNX: LayerNorm recomputed from its input and the forward's saved row statistics (once per op
 * and graph): xhat = (x - mean) * rstd, y = xhat * g + b; and its backward.
 */
function layerNormParts(c: OnnxCtx, op: OpNode, x: string) {
  return c.once(`ln:${op.out}`, () => {
    const g = c.g;
    const [gain, bias] = [g.param(op.params[0]!), g.param(op.params[1]!)];
    const mean = c.saved(`${op.out}.mean`, statDims(op));
    const rstd = c.saved(`${op.out}.rstd`, statDims(op));
    const xhat = g.op('Mul', [g.op('Sub', [x, mean]), rstd]);
    return {
      y: g.op('Add', [g.op('Mul', [xhat, gain]), bias]),
      /** Outputs grad.<gain> and grad.<bias>, returns dx. */
      backward(dy: string): string {
        const dxhat = g.op('Mul', [dy, gain]);
        const m1 = g.op('ReduceMean', [dxhat], { axes: [-1], keepdims: 1 });
        const m2 = g.op('ReduceMean', [g.op('Mul', [dxhat, xhat])], { axes: [-1], keepdims: 1 });
        g.op('ReduceSum', [g.op('Mul', [dy, xhat]), c.ax0], { keepdims: 0 }, g.gradOut(gain));
        g.op('ReduceSum', [dy, c.ax0], { keepdims: 0 }, g.gradOut(bias));
        return g.op('Mul', [g.op('Sub', [g.op('Sub', [dxhat, m1]), g.op('Mul', [xhat, m2])]), rstd]);
      },
    };
  });
}

export const layerNorm: OpForms = {
  packedForward(_c, op, P, [x], keep) {
    return tidy(() => {
      const r = layerNormForward(x!, P[op.params[0]!] as tf.Tensor1D, P[op.params[1]!] as tf.Tensor1D, op.eps!);
      return keep ? { y: r.y, cache: r.cache } : { y: r.y };
    });
  },
  packedBackward(_c, op, P, cache, dy) {
    return tidy(() => {
      const r = layerNormBackward(cache as LayerNormCache, P[op.params[0]!] as tf.Tensor1D, dy);
      return { dxs: [r.dx], grads: { [op.params[0]!]: r.dg, [op.params[1]!]: r.db } };
    });
  },
  onnxForward: (c, op, [x]) => layerNormOnnx(c, op, x!),
  onnxRecompute: (c, op, x) => layerNormParts(c, op, x(0)).y,
  onnxBackward: (c, op, x, dy) => [layerNormParts(c, op, x(0)).backward(dy)],
};
