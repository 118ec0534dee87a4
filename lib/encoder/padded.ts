// The padded TF.js engine path (accelerators, the device path): an interpreter of the model
// definition (arch.ts) that runs each op's TF.js forward on a padded (N * L) batch, as TF.js
// ops only, so that autograd (tf.variableGrads) gives the backward and every op runs on the
// device. Row-wise ops (LayerNorm, dense, GELU, the residual sum) use their packed forward; the
// ops that see the batch's layout (embedding, attention, pooling, dropout) have a padded form.
// Dropout masks are drawn on the host per sequence from the same seeds and site labels as the
// packed path and uploaded, so both paths compute the same step. Nothing here reads a tensor
// back to the host.
import * as tf from '@tensorflow/tfjs';
import { archOf, program } from './arch';
import type { EncoderConfig } from './config';
import { formsOf } from './ops/index';
import { mlmLossPadded } from './ops/mlm-head';
import type { PackedCtx, PaddedCtx, ParamTensors } from './ops/types';

/** Token ids of N texts, each padded with id 0 to the longest (L). */
export interface PaddedBatch {
  /** (N * L) row-major ids, 0 after each sequence's end. */
  ids: Int32Array;
  lengths: number[];
  N: number;
  L: number;
}

/** Pad token-id lists (each non-empty). @example padBatch([[5, 6], [7]]).ids // [5, 6, 7, 0] */
export function padBatch(seqs: readonly (readonly number[])[]): PaddedBatch {
  const N = seqs.length;
  const lengths = seqs.map((s) => {
    if (s.length === 0) throw new Error('padBatch: empty token sequence (tokenizers return at least [UNK])');
    return s.length;
  });
  const L = Math.max(...lengths);
  const ids = new Int32Array(N * L);
  seqs.forEach((s, i) => ids.set(s, i * L));
  return { ids, lengths, N, L };
}

/** Row-wise ops read nothing of the batch: their packed forward gets no context. */
const ROW_WISE = undefined as unknown as PackedCtx;

/**
 * Run the encoder on a padded batch. Call inside tf.tidy or tf.variableGrads (it creates
 * intermediates). Returns the final hidden states (N * L, D), padded rows included, and the
 * sentence embeddings (N, D).
 */
export function paddedForward(
  cfg: EncoderConfig,
  P: ParamTensors,
  b: PaddedBatch,
  opts: { dropoutSeeds?: readonly number[] } = {},
): { hidden: tf.Tensor2D; emb: tf.Tensor2D } {
  const { N, L } = b;
  if (L > cfg.maxLen) throw new Error(`paddedForward: a sequence of ${L} tokens exceeds maxLen ${cfg.maxLen}`);
  const drop = opts.dropoutSeeds && cfg.dropout > 0 ? opts.dropoutSeeds : undefined;
  if (drop && drop.length !== N) throw new Error(`paddedForward: ${drop.length} dropout seeds for ${N} sequences`);
  const real = new Float32Array(N * L);
  b.lengths.forEach((len, s) => real.fill(1, s * L, s * L + len));
  const ctx: PaddedCtx = {
    cfg,
    N,
    L,
    lengths: b.lengths,
    ids: b.ids,
    mask: tf.tensor2d(real, [N, L]),
    dropoutSeeds: drop,
  };
  const prog = program(archOf(cfg), drop !== undefined);
  const values = new Map<string, tf.Tensor2D>();
  for (const s of prog.steps) {
    const f = formsOf(s.op.kind);
    const xs = s.inputs.map((v) => values.get(v)!);
    values.set(
      s.op.out,
      f.paddedForward ? f.paddedForward(ctx, s.op, P, xs) : f.packedForward(ROW_WISE, s.op, P, xs, false).y,
    );
  }
  return { hidden: values.get(prog.hidden)!, emb: values.get(prog.embedding)! };
}

/**
 * Mean MLM cross-entropy at masked positions of a padded batch (the definition's MLM head, its
 * autograd form): rows index the (N * L) rows.
 */
export function paddedMlmLoss(
  cfg: EncoderConfig,
  hidden: tf.Tensor2D,
  rows: Int32Array,
  targets: Int32Array,
  P: ParamTensors,
  denominator: number,
): tf.Scalar {
  return mlmLossPadded(archOf(cfg).mlm, hidden, rows, targets, P, denominator);
}
