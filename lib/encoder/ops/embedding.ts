// The embedding: row ids[t] of the token table plus row position[t] + offset of the learned
// position table (a token's position counts the real tokens before it in its own text; XLM-R's
// offset is padding_idx + 1), plus the one token-type row when the definition has it.
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

/** Position ids shifted by the op's offset (a new tensor). */
const shifted = (positions: tf.Tensor1D, offset: number): tf.Tensor1D =>
  offset ? (tf.add(positions, tf.scalar(offset, 'int32')) as tf.Tensor1D) : tf.clone(positions);

export const embedding: OpForms = {
  packedForward(c, op, P) {
    const [tok, pos, type] = op.params.map((n) => P[n] as tf.Tensor2D);
    return {
      y: tidy(() => {
        const e = tf.add(embeddingForward(tok!, c.ids), embeddingForward(pos!, shifted(c.positions, op.offset ?? 0)));
        return (type ? tf.add(e, type) : e) as tf.Tensor2D;
      }),
    };
  },
  packedBackward(c, op, P, _cache, dy) {
    const [tok, pos, type] = op.params;
    return tidy(() => {
      const grads: Record<string, tf.Tensor> = {
        [tok!]: embeddingBackward(c.ids, dy, P[tok!]!.shape[0]!),
        [pos!]: embeddingBackward(shifted(c.positions, op.offset ?? 0), dy, P[pos!]!.shape[0]!),
      };
      if (type) grads[type] = tf.sum(dy, 0, true);
      return { dxs: [], grads };
    });
  },
  paddedForward(c, op, P) {
    const { N, L } = c;
    const D = op.width;
    const [tok, pos, type] = op.params.map((n) => P[n]!);
    const t = tf.reshape(tf.gather(tok!, tf.tensor1d(c.ids, 'int32')), [N, L, D]);
    const e = tf.reshape(tf.add(t, tf.slice(pos!, [op.offset ?? 0, 0], [L, D])), [N * L, D]) as tf.Tensor2D; // (N L, D)
    return type ? tf.add(e, type) : e;
  },
  onnxForward(c, op) {
    const g = c.g;
    const [tok, pos, type] = op.params.map((n) => g.param(n));
    let positions = c.once('positions', c.positions); // [B, L]
    if (op.offset) positions = g.op('Add', [positions, g.i64s(`offset${op.offset}`, op.offset)]);
    const rows = g.op('Add', [g.op('Gather', [tok!, c.ids]), g.op('Gather', [pos!, positions])]); // [B, L, D]
    const flat = g.op('Reshape', [rows, c.flat]); // [B*L, D]
    return type ? g.op('Add', [flat, type]) : flat;
  },
  onnxBackward(c, op, _x, dy) {
    const g = c.g;
    const type = op.params[2];
    // padded rows have zero gradient, so the sum over all rows is the sum over the real ones
    if (type) g.op('ReduceSum', [dy, c.ax0], { keepdims: 1 }, g.gradOut(type));
    g.output(g.alias(dy, 'd_embedded'), ['BL', c.D]);
    return [];
  },
};
