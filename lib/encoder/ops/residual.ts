// The residual sum y = a + b: the gradient passes to both unchanged.
import * as tf from '@tensorflow/tfjs';
import type { OpForms } from './types';

export const add: OpForms = {
  packedForward: (_c, _op, _P, [a, b]) => ({ y: tf.add(a!, b!) as tf.Tensor2D }),
  packedBackward: (_c, _op, _P, _cache, dy) => ({ dxs: [tf.clone(dy), tf.clone(dy)], grads: {} }),
  onnxForward: (c, _op, [a, b]) => c.g.op('Add', [a!, b!]),
  onnxBackward: (_c, _op, _x, dy) => [dy, dy],
};
