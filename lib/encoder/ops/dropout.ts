// Dropout (training only): y = x * mask, mask of 0 and 1/(1-p) drawn on the host per text from
// its seed and the op's site label, so that every engine path (packed, padded, onnx) applies the
// same masks however a batch is chunked or spread over workers. Without seeds it is the identity
// (the interpreters then skip it).
import * as tf from '@tensorflow/tfjs';
import { deriveSeed, Rng } from '../../core/rng';
import { type OpForms } from './types';

/**
 * One sequence's dropout values (len * D, row-major) at `out[start..start+count)`: 0 or 1/(1-p),
 * drawn from the sequence's seed and the site label.
 */
export function fillDropout(
  out: Float32Array,
  start: number,
  count: number,
  seed: number,
  p: number,
  site: string,
): void {
  new Rng(deriveSeed(seed, site)).fillKeep(out, start, count, p, 1 / (1 - p));
}

/** A packed dropout mask (T, D): each sequence's rows from its seed and the site label. */
export function packedDropoutMask(
  seeds: readonly number[],
  offsets: readonly number[],
  D: number,
  p: number,
  site: string,
): tf.Tensor2D {
  const T = offsets[offsets.length - 1]!;
  const m = new Float32Array(T * D);
  for (let s = 0; s + 1 < offsets.length; s++)
    fillDropout(m, offsets[s]! * D, (offsets[s + 1]! - offsets[s]!) * D, seeds[s]!, p, site);
  return tf.tensor2d(m, [T, D]);
}

/**
 * The (N * L) x D dropout values of one site for texts of these lengths padded to L: each text's
 * rows as the packed path draws them, zero on padding. The device and onnx paths use this.
 */
export function paddedDropoutValues(
  lengths: readonly number[],
  L: number,
  seeds: readonly number[],
  D: number,
  p: number,
  site: string,
): Float32Array {
  const m = new Float32Array(lengths.length * L * D);
  lengths.forEach((len, s) => fillDropout(m, s * L * D, len * D, seeds[s]!, p, site));
  return m;
}

export const dropout: OpForms = {
  packedForward(c, op, _P, [x], keep) {
    const m = packedDropoutMask(c.dropoutSeeds!, c.offsets, op.width, c.cfg.dropout, op.site!);
    const y = tf.mul(x!, m) as tf.Tensor2D;
    if (keep) return { y, cache: m };
    m.dispose();
    return { y };
  },
  packedBackward: (_c, _op, _P, cache, dy) => ({ dxs: [tf.mul(dy, cache as tf.Tensor2D) as tf.Tensor2D], grads: {} }),
  paddedForward(c, op, _P, [x]) {
    const m = paddedDropoutValues(c.lengths, c.L, c.dropoutSeeds!, op.width, c.cfg.dropout, op.site!);
    return tf.mul(x!, tf.tensor2d(m, [c.N * c.L, op.width]));
  },
  // the mask is a graph input drop.<site> [B*L, width]
  onnxForward: (c, op, [x]) => c.g.op('Mul', [x!, c.g.input(`${c.prefix}drop.${op.site}`, [c.dim('BL'), op.width])]),
  onnxBackward: (c, op, _x, dy) => [
    c.g.op('Mul', [dy, c.g.input(`${c.prefix}drop.${op.site}`, [c.dim('BL'), op.width])]),
  ],
};
