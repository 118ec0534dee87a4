// tanh (USE-lite's output layer, after pooling): the gradient is dy (1 - y^2).
import * as tf from '@tensorflow/tfjs';
import { tidy, type OpForms } from './types';

export const tanh: OpForms = {
  packedForward(_c, _op, _P, [x], keep) {
    return tidy(() => {
      const y = tf.tanh(x!);
      return { y, cache: keep ? tf.clone(y) : undefined };
    });
  },
  packedBackward(_c, _op, _P, cache, dy) {
    const y = cache as tf.Tensor2D;
    return tidy(() => ({ dxs: [tf.mul(dy, tf.sub(1, tf.square(y))) as tf.Tensor2D], grads: {} }));
  },
  onnxForward: (c, op, [x]) => c.once(`tanh:${op.out}`, () => c.g.op('Tanh', [x!])),
  onnxRecompute: (c, op, x) => c.once(`tanh:${op.out}`, () => c.g.op('Tanh', [x(0)])),
  onnxBackward(c, op, x, dy) {
    const g = c.g;
    const y = c.once(`tanh:${op.out}`, () => g.op('Tanh', [x(0)]));
    return [g.op('Mul', [dy, g.op('Sub', [c.one, g.op('Mul', [y, y])])])];
  },
};
