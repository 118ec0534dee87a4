// Exact GELU: 0.5 x (1 + erf(x / sqrt 2)) (hidden_act "gelu" in transformers).
import * as tf from '@tensorflow/tfjs';
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

/** ONNX forward: (h (1 + erf(h / sqrt 2))) 0.5, the pattern onnxruntime fuses into one Gelu kernel. */
function geluOnnx(c: OnnxCtx, h: string): string {
  const g = c.g;
  const erf1 = g.op('Add', [g.op('Erf', [g.op('Div', [h, g.f32('sqrt2', Math.SQRT2)])]), c.one]);
  return g.op('Mul', [g.op('Mul', [h, erf1]), g.f32('half', 0.5)]);
}

export const gelu: OpForms = {
  packedForward(_c, _op, _P, [x], keep) {
    return tidy(() => ({ y: geluForward(x!), cache: keep ? tf.clone(x!) : undefined }));
  },
  packedBackward(_c, _op, _P, cache, dy) {
    return tidy(() => ({ dxs: [geluBackward(cache as tf.Tensor2D, dy)], grads: {} }));
  },
  onnxForward: (c, _op, [h]) => geluOnnx(c, h!),
  // the forward's own nodes: one fused Gelu kernel
  onnxRecompute: (c, _op, x) => geluOnnx(c, x(0)),
  // dGELU/dh = 0.5 (1 + erf(u)) + u exp(-u^2) / sqrt(pi), u = h / sqrt 2 (= Phi(h) + h phi(h)): ten passes
  // over [B*L, FFN] (a three-input Sum node was slower than two Adds). u comes from a Mul, not the forward's Div, so that onnxruntime does not merge it
  // with the recompute's nodes (which would stop their Gelu fusion). exp(u^2) overflows to inf for
  // |u| > 9.4, where u / inf = 0 is the right value.
  onnxBackward(c, _op, x, dy) {
    const g = c.g;
    const u = g.op('Mul', [x(0), g.f32('inv_sqrt2', INV_SQRT2)]);
    const r = g.op('Div', [u, g.op('Exp', [g.op('Mul', [u, u])])]); // u exp(-u^2)
    const cdf = g.op('Mul', [g.op('Add', [g.op('Erf', [u]), c.one]), g.f32('half', 0.5)]);
    const slope = g.op('Add', [cdf, g.op('Mul', [r, g.f32('inv_sqrt_pi', 1 / Math.sqrt(Math.PI))])]);
    return [g.op('Mul', [dy, slope])];
  },
};
