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
import type { OpNode } from '../arch';
import type { EncoderConfig } from '../config';
import { tidy, type OpForms, type ParamTensors } from './types';

/** Rows of an embedding table. Forward gather works on every backend. */
export function embeddingForward(table: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  return tf.gather(table, ids);
}

/** Gradient of a gather: dy rows summed into a zero table (rows, D). Duplicate ids add up. */
export function embeddingBackward(ids: tf.Tensor1D, dy: tf.Tensor2D, rows: number): tf.Tensor2D {
  return tf.scatterND(tf.reshape(ids, [-1, 1]), dy, [rows, dy.shape[1]]);
}

/**
 * The fixed sinusoidal timing signal (Vaswani et al. 2017, tensor2tensor's get_timing_signal):
 * row p = [sin(p * inv_i) for i < D/2, cos(p * inv_i) for i < D/2], inv_i = 1e4^(-i / (D/2 - 1)).
 */
export function sinusoidalTable(rows: number, D: number): Float32Array {
  const half = Math.floor(D / 2);
  const logInc = Math.log(1e4) / Math.max(half - 1, 1);
  const out = new Float32Array(rows * D);
  for (let p = 0; p < rows; p++)
    for (let i = 0; i < half; i++) {
      const t = p * Math.exp(-i * logInc);
      out[p * D + i] = Math.sin(t);
      out[p * D + half + i] = Math.cos(t);
    }
  return out;
}

/** The embedding's parameters by role: the token table, the learned position table (or none), the token-type row (or none). */
export function embeddingParams(op: OpNode): { tok: string; pos?: string; type?: string } {
  const [tok, ...rest] = op.params;
  return op.sinusoidal ? { tok: tok!, type: rest[0] } : { tok: tok!, pos: rest[0], type: rest[1] };
}

/** Rows of the position table an op reads: its learned parameter, or the fixed signal. */
function positionTable(c: { cfg: EncoderConfig }, op: OpNode, P: ParamTensors): tf.Tensor2D {
  const pos = embeddingParams(op).pos;
  if (pos) return P[pos] as tf.Tensor2D;
  const rows = c.cfg.maxLen + (op.offset ?? 0);
  return tf.tensor2d(sinusoidalTable(rows, op.width), [rows, op.width]);
}

/** Position ids shifted by the op's offset (a new tensor). */
const shifted = (positions: tf.Tensor1D, offset: number): tf.Tensor1D =>
  offset ? (tf.add(positions, tf.scalar(offset, 'int32')) as tf.Tensor1D) : tf.clone(positions);

export const embedding: OpForms = {
  packedForward(c, op, P) {
    const { tok, type } = embeddingParams(op);
    return {
      y: tidy(() => {
        const pos = positionTable(c, op, P);
        const e = tf.add(
          embeddingForward(P[tok] as tf.Tensor2D, c.ids),
          embeddingForward(pos, shifted(c.positions, op.offset ?? 0)),
        );
        return (type ? tf.add(e, P[type]!) : e) as tf.Tensor2D;
      }),
    };
  },
  packedBackward(c, op, P, _cache, dy) {
    const { tok, pos, type } = embeddingParams(op);
    return tidy(() => {
      const grads: Record<string, tf.Tensor> = { [tok]: embeddingBackward(c.ids, dy, P[tok]!.shape[0]!) };
      if (pos) grads[pos] = embeddingBackward(shifted(c.positions, op.offset ?? 0), dy, P[pos]!.shape[0]!);
      if (type) grads[type] = tf.sum(dy, 0, true);
      return { dxs: [], grads };
    });
  },
  paddedForward(c, op, P) {
    const { N, L } = c;
    const D = op.width;
    const { tok, type } = embeddingParams(op);
    const t = tf.reshape(tf.gather(P[tok]!, tf.tensor1d(c.ids, 'int32')), [N, L, D]);
    const pos = tf.slice(positionTable(c, op, P), [op.offset ?? 0, 0], [L, D]);
    const e = tf.reshape(tf.add(t, pos), [N * L, D]) as tf.Tensor2D; // (N L, D)
    return type ? tf.add(e, P[type]!) : e;
  },
  onnxForward(c, op) {
    const g = c.g;
    const { tok, pos, type } = embeddingParams(op);
    const rows = c.cfg.maxLen + (op.offset ?? 0);
    const table = pos
      ? g.param(pos)
      : g.f32t(`sinusoidal${rows}x${op.width}`, [rows, op.width], sinusoidalTable(rows, op.width));
    let positions = c.once('positions', c.positions); // [B, L]
    if (op.offset) positions = g.op('Add', [positions, g.i64s(`offset${op.offset}`, op.offset)]);
    const sum = g.op('Add', [g.op('Gather', [g.param(tok), c.ids]), g.op('Gather', [table, positions])]); // [B, L, D]
    const flat = g.op('Reshape', [sum, op.width === c.D ? c.flat : g.i64(`flat${op.width}`, [-1, op.width])]); // [B*L, D]
    return type ? g.op('Add', [flat, g.param(type)]) : flat;
  },
  onnxBackward(c, op, _x, dy) {
    const g = c.g;
    const { type } = embeddingParams(op);
    // padded rows have zero gradient, so the sum over all rows is the sum over the real ones
    if (type) g.op('ReduceSum', [dy, c.ax0], { keepdims: 1 }, g.gradOut(type));
    g.outputAs(dy, `${c.prefix}d_embedded`, [c.dim('BL'), op.width]);
    return [];
  },
};
