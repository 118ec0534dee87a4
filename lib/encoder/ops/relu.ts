// ReLU: max(x, 0) (USE-lite's FFN activation); the gradient passes where x > 0.
import * as tf from '@tensorflow/tfjs';
import { DT } from '../../core/onnx-proto';
import { tidy, type OpForms } from './types';

export const relu: OpForms = {
  packedForward(_c, _op, _P, [x], keep) {
    return tidy(() => ({ y: tf.relu(x!), cache: keep ? tf.clone(x!) : undefined }));
  },
  packedBackward(_c, _op, _P, cache, dy) {
    return tidy(() => ({ dxs: [tf.mul(dy, tf.step(cache as tf.Tensor2D, 0)) as tf.Tensor2D], grads: {} }));
  },
  onnxForward: (c, _op, [x]) => c.g.op('Relu', [x!]),
  onnxRecompute: (c, _op, x) => c.g.op('Relu', [x(0)]),
  onnxBackward(c, _op, x, dy) {
    const g = c.g;
    return [g.op('Mul', [dy, g.op('Cast', [g.op('Greater', [x(0), g.f32('zero', 0)])], { to: DT.FLOAT })])];
  },
};
