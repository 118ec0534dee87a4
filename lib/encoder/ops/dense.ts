// Dense: y = x @ w + b.  x (T, I), w (I, O), b (O) -> (T, O).
// Every matmul is a plain 2-D product without transpose flags: the only fast path of TF.js wasm.
import * as tf from '@tensorflow/tfjs';
import type { OpNode } from '../arch';
import type { OnnxCtx } from '../onnx-graph';
import { tidy, type OpForms, type ParamTensors } from './types';

/** y = x @ w + b.  x (T, I), w (I, O), b (O) -> (T, O) */
export function denseForward(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  return tf.add(tf.matMul(x, w), b);
}

/**
 * Gradients of dense. wT is transpose(w) (I, O -> O, I), passed in so one transpose serves many chunks.
 * dx = dy @ wT (T, I); dw = xT @ dy (I, O); db = sum_rows dy (O)
 */
export function denseBackward(
  x: tf.Tensor2D,
  wT: tf.Tensor2D,
  dy: tf.Tensor2D,
): { dx: tf.Tensor2D; dw: tf.Tensor2D; db: tf.Tensor1D } {
  return {
    dx: tf.matMul(dy, wT), //                         (T, O) @ (O, I) -> (T, I)
    dw: tf.matMul(tf.transpose(x), dy), //            (I, T) @ (T, O) -> (I, O)
    db: tf.sum(dy, 0), //                             (O)
  };
}

/** ONNX: y = x @ w + b (onnxruntime fuses MatMul + Add into one Gemm). */
export function denseOnnx(c: OnnxCtx, x: string, w: string, b: string): string {
  const g = c.g;
  return g.op('Add', [g.op('MatMul', [x, g.param(w)]), g.param(b)]);
}

/** ONNX backward of y = x @ w + b: outputs grad.<w> and grad.<b>, returns dx. */
export function denseBackwardOnnx(c: OnnxCtx, x: string, w: string, b: string, dy: string): string {
  const g = c.g;
  g.op('Gemm', [x, dy], { transA: 1 }, g.gradOut(w));
  g.op('ReduceSum', [dy, c.ax0], { keepdims: 0 }, g.gradOut(b));
  return g.op('Gemm', [dy, g.param(w)], { transB: 1 });
}

const wb = (op: OpNode, P: ParamTensors) => [P[op.params[0]!] as tf.Tensor2D, P[op.params[1]!] as tf.Tensor1D] as const;

export const dense: OpForms = {
  packedForward(_c, op, P, [x], keep) {
    const [w, b] = wb(op, P);
    return tidy(() => ({ y: denseForward(x!, w, b), cache: keep ? tf.clone(x!) : undefined }));
  },
  packedBackward(_c, op, P, cache, dy) {
    const [w] = wb(op, P);
    return tidy(() => {
      const r = denseBackward(cache as tf.Tensor2D, tf.transpose(w), dy);
      return { dxs: [r.dx], grads: { [op.params[0]!]: r.dw, [op.params[1]!]: r.db } };
    });
  },
  onnxForward: (c, op, [x]) => denseOnnx(c, x!, op.params[0]!, op.params[1]!),
  onnxBackward: (c, op, x, dy) => [denseBackwardOnnx(c, x(0), op.params[0]!, op.params[1]!, dy)],
};
