// The embedding: row ids[t] of the token table plus row position[t] of the learned position
// table, where a token's position counts the real tokens before it in its own text.
//   packed: gather + gather; the backward scatters the row gradients into both tables
//           (scatterND: wasm has no UnsortedSegmentSum);
//   padded: right padding, so a token's position is its column;
//   onnx:   positions from attention_mask (cumsum(mask) - mask), so left and right padding give
//           the same rows; the backward outputs d_embedded [B*L, D] and the host adds those rows
//           into the two tables (onnx-replica.ts).
import * as tf from '@tensorflow/tfjs';
import { tidy, type OpForms } from './types';

/** Rows of an embedding table. Forward gather works on every backend. */
export function embeddingForward(table: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  return tf.gather(table, ids);
}

/** Gradient of a gather: dy rows summed into a zero table (rows, D). Duplicate ids add up. */
export function embeddingBackward(ids: tf.Tensor1D, dy: tf.Tensor2D, rows: number): tf.Tensor2D {
  return tf.scatterND(tf.reshape(ids, [-1, 1]), dy, [rows, dy.shape[1]]);
}

export const embedding: OpForms = {
  packedForward(c, op, P) {
    const [tok, pos] = op.params.map((n) => P[n] as tf.Tensor2D);
    return { y: tidy(() => tf.add(embeddingForward(tok!, c.ids), embeddingForward(pos!, c.positions)) as tf.Tensor2D) };
  },
  packedBackward(c, op, P, _cache, dy) {
    const [tok, pos] = op.params;
    return tidy(() => ({
      dxs: [],
      grads: {
        [tok!]: embeddingBackward(c.ids, dy, P[tok!]!.shape[0]!),
        [pos!]: embeddingBackward(c.positions, dy, P[pos!]!.shape[0]!),
      },
    }));
  },
  paddedForward(c, op, P) {
    const { N, L } = c;
    const D = op.width;
    const [tok, pos] = op.params.map((n) => P[n]!);
    const t = tf.reshape(tf.gather(tok!, tf.tensor1d(c.ids, 'int32')), [N, L, D]);
    return tf.reshape(tf.add(t, tf.slice(pos!, [0, 0], [L, D])), [N * L, D]) as tf.Tensor2D; // (N L, D)
  },
  onnxForward(c, op) {
    const g = c.g;
    const [tok, pos] = op.params.map((n) => g.param(n));
    const positions = g.op('Sub', [g.op('CumSum', [c.maskI64, g.i64s('axis1', 1)]), c.maskI64]); // [B, L]
    const rows = g.op('Add', [g.op('Gather', [tok!, c.ids]), g.op('Gather', [pos!, positions])]); // [B, L, D]
    return g.op('Reshape', [rows, c.flat]); // [B*L, D]
  },
  onnxBackward(c, _op, _x, dy) {
    c.g.output(c.g.alias(dy, 'd_embedded'), ['BL', c.D]);
    return [];
  },
};
