// Exact GELU: 0.5 x (1 + erf(x / sqrt 2)) (hidden_act "gelu" in transformers).
import * as tf from '@tensorflow/tfjs';
import type { OpNode } from '../arch';
import type { OnnxCtx } from '../onnx-graph';
import { tidy, type OpForms } from './types';

const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** Exact GELU: 0.5 x (1 + erf(x / sqrt 2)). */
export function geluForward(x: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, INV_SQRT2)), 1));
}

/** dGELU/dx = 0.5 (1 + erf(x / sqrt 2)) + x exp(-x^2 / 2) / sqrt(2 pi) */
export function geluBackward(x: tf.Tensor2D, dy: tf.Tensor2D): tf.Tensor2D {
  const cdf = tf.mul(tf.add(tf.erf(tf.mul(x, INV_SQRT2)), 1), 0.5);
  const pdf = tf.mul(tf.exp(tf.mul(tf.square(x), -0.5)), INV_SQRT_2PI);
  return tf.mul(dy, tf.add(cdf, tf.mul(x, pdf)));
}

/** ONNX: the normal CDF 0.5 (1 + erf(h / sqrt 2)), once per op and graph (the backward's recompute and its gradient share it). */
function cdfOnnx(c: OnnxCtx, op: OpNode, h: string): string {
  return c.once(`cdf:${op.out}`, () => {
    const g = c.g;
    return g.op('Mul', [
      g.op('Add', [g.op('Erf', [g.op('Div', [h, g.f32('sqrt2', Math.SQRT2)])]), c.one]),
      g.f32('half', 0.5),
    ]);
  });
}

export const gelu: OpForms = {
  packedForward(_c, _op, _P, [x], keep) {
    return tidy(() => ({ y: geluForward(x!), cache: keep ? tf.clone(x!) : undefined }));
  },
  packedBackward(_c, _op, _P, cache, dy) {
    return tidy(() => ({ dxs: [geluBackward(cache as tf.Tensor2D, dy)], grads: {} }));
  },
  // (h (1 + erf(h / sqrt 2))) 0.5: onnxruntime fuses this pattern into one Gelu kernel
  onnxForward(c, _op, [h]) {
    const g = c.g;
    const erf1 = g.op('Add', [g.op('Erf', [g.op('Div', [h!, g.f32('sqrt2', Math.SQRT2)])]), c.one]);
    return g.op('Mul', [g.op('Mul', [h!, erf1]), g.f32('half', 0.5)]);
  },
  onnxRecompute: (c, op, x) => c.g.op('Mul', [x(0), cdfOnnx(c, op, x(0))]),
  onnxBackward(c, op, x, dy) {
    const g = c.g;
    const h = x(0);
    const pdf = g.op('Mul', [
      g.op('Exp', [g.op('Mul', [g.op('Mul', [h, h]), g.f32('neg_half', -0.5)])]),
      g.f32('inv_sqrt_2pi', INV_SQRT_2PI),
    ]);
    return [g.op('Mul', [dy, g.op('Add', [cdfOnnx(c, op, h), g.op('Mul', [h, pdf])])])];
  },
};
