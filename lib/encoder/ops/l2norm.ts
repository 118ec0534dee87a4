// L2 normalisation of each row: y = x / sqrt(sum x^2 + 1e-24) (after USE-lite's tanh layer; the
// pool op does the same itself when nothing follows it). The gradient is (dy - y <dy, y>) / |x|.
import * as tf from '@tensorflow/tfjs';
import type { OpNode } from '../arch';
import type { OnnxCtx } from '../onnx-graph';
import { tidy, type OpForms } from './types';

/** y = x / |x| and |x| (N, 1). */
export function l2normForward(x: tf.Tensor2D): { y: tf.Tensor2D; norm: tf.Tensor2D } {
  const norm = tf.sqrt(tf.add(tf.sum(tf.square(x), 1, true), 1e-24)) as tf.Tensor2D; // (N, 1)
  return { y: tf.div(x, norm) as tf.Tensor2D, norm };
}

/** d x from d y, given y and |x|. */
export function l2normBackward(y: tf.Tensor2D, norm: tf.Tensor2D, dy: tf.Tensor2D): tf.Tensor2D {
  return tf.div(tf.sub(dy, tf.mul(y, tf.sum(tf.mul(dy, y), 1, true))), norm) as tf.Tensor2D;
}

/** ONNX: y and |x| of rows x (once per op and graph: the backward's recompute shares them). */
export function l2normOnnx(c: OnnxCtx, key: string, x: string): { y: string; norm: string } {
  return c.once(`l2:${key}`, () => {
    const g = c.g;
    const ss = g.op('ReduceSum', [g.op('Mul', [x, x]), c.axLast], { keepdims: 1 });
    const norm = g.op('Sqrt', [g.op('Add', [ss, g.f32('eps24', 1e-24)])]);
    return { y: g.op('Div', [x, norm]), norm };
  });
}

/** ONNX backward of l2normOnnx: (dy - y <dy, y>) / |x|. */
export function l2normBackwardOnnx(c: OnnxCtx, y: string, norm: string, dy: string): string {
  const g = c.g;
  const dot = g.op('ReduceSum', [g.op('Mul', [dy, y]), c.axLast], { keepdims: 1 });
  return g.op('Div', [g.op('Sub', [dy, g.op('Mul', [y, dot])]), norm]);
}

const key = (op: OpNode) => op.out;

export const l2norm: OpForms = {
  packedForward(_c, _op, _P, [x], keep) {
    return tidy(() => {
      const r = l2normForward(x!);
      return keep ? { y: r.y, cache: { y: tf.clone(r.y), norm: r.norm } } : { y: r.y };
    });
  },
  packedBackward(_c, _op, _P, cache, dy) {
    const { y, norm } = cache as { y: tf.Tensor2D; norm: tf.Tensor2D };
    return { dxs: [tidy(() => l2normBackward(y, norm, dy))], grads: {} };
  },
  onnxForward: (c, op, [x]) => l2normOnnx(c, key(op), x!).y,
  onnxRecompute: (c, op, x) => l2normOnnx(c, key(op), x(0)).y,
  onnxBackward(c, op, x, dy) {
    const { y, norm } = l2normOnnx(c, key(op), x(0));
    return [l2normBackwardOnnx(c, y, norm, dy)];
  },
};
