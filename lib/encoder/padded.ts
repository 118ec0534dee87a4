// The encoder of model.ts written for accelerators (the device path): the same function
// (pre-LN blocks, exact GELU, final LayerNorm, mean pooling over real tokens, L2 norm) on a
// padded (N, L) batch, as TF.js ops only, so that autograd (tf.variableGrads) gives the
// backward and every op runs on the device:
//   - attention is one batched matmul over (N, heads, L, L) with an additive key mask
//     (-1e9 on padded keys), not one small matmul per (sequence, head) as on wasm;
//   - padded query rows compute garbage that nothing reads: pooling and the MLM gather
//     skip them, and as keys they are masked, so they get no gradient either;
//   - dropout masks are drawn on the host per sequence from the same seeds and site labels
//     as the packed path (fillDropout) and uploaded, so both paths compute the same step.
// Nothing here reads a tensor back to the host.
import * as tf from '@tensorflow/tfjs';
import type { EncoderConfig } from './config';
import { paddedDropoutValues, type ParamTensors } from './model';

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

/** The (N * L, D) dropout mask of one site, zero on padding; same values as the packed path's mask. */
function paddedDropout(b: PaddedBatch, seeds: readonly number[], D: number, p: number, site: string): tf.Tensor2D {
  return tf.tensor2d(paddedDropoutValues(b.lengths, b.L, seeds, D, p, site), [b.N * b.L, D]);
}

/** LayerNorm over the last axis, biased variance as in torch. x (T, D) -> (T, D) */
function layerNorm(x: tf.Tensor2D, g: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor2D {
  const mean = tf.mean(x, 1, true);
  const xc = tf.sub(x, mean);
  const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(xc), 1, true), eps));
  return tf.add(tf.mul(tf.mul(xc, rstd), g), b);
}

/** y = x @ w + b. x (T, I) -> (T, O) */
const dense = (x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor): tf.Tensor2D => tf.add(tf.matMul(x, w as tf.Tensor2D), b);

/** Exact GELU: 0.5 x (1 + erf(x / sqrt 2)). */
const gelu = (x: tf.Tensor2D): tf.Tensor2D => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));

/**
 * Run the encoder on a padded batch. Call inside tf.tidy or tf.variableGrads (it creates
 * intermediates). Returns the final hidden states (N * L, D), padded rows included, and the
 * L2-normalised mean-pooled embeddings (N, D).
 */
export function paddedForward(
  cfg: EncoderConfig,
  P: ParamTensors,
  b: PaddedBatch,
  opts: { dropoutSeeds?: readonly number[] } = {},
): { hidden: tf.Tensor2D; emb: tf.Tensor2D } {
  const { N, L } = b;
  const D = cfg.dModel,
    H = cfg.heads,
    dh = D / H;
  if (L > cfg.maxLen) throw new Error(`paddedForward: a sequence of ${L} tokens exceeds maxLen ${cfg.maxLen}`);
  const drop = opts.dropoutSeeds && cfg.dropout > 0 ? opts.dropoutSeeds : undefined;
  if (drop && drop.length !== N) throw new Error(`paddedForward: ${drop.length} dropout seeds for ${N} sequences`);
  const dropout = (x: tf.Tensor2D, site: string): tf.Tensor2D =>
    drop ? tf.mul(x, paddedDropout(b, drop, D, cfg.dropout, site)) : x;
  const real = new Float32Array(N * L);
  b.lengths.forEach((len, s) => real.fill(1, s * L, s * L + len));
  const mask = tf.tensor2d(real, [N, L]); //                                           1 real, 0 padding
  const keyBias = tf.reshape(tf.mul(tf.sub(1, mask), -1e9), [N, 1, 1, L]); //           added to the scores
  const ids = tf.tensor1d(b.ids, 'int32');
  const pos = tf.slice(P.pos_emb!, [0, 0], [L, D]); //                                   (L, D)
  const tok = tf.reshape(tf.gather(P.tok_emb!, ids), [N, L, D]);
  let x = dropout(tf.reshape(tf.add(tok, pos), [N * L, D]) as tf.Tensor2D, 'emb'); //   (N L, D)
  const heads = (t: tf.Tensor2D) => tf.transpose(tf.reshape(t, [N, L, H, dh]), [0, 2, 1, 3]); // (N, H, L, dh)
  for (let l = 0; l < cfg.layers; l++) {
    const w = (n: string) => P[`l${l}.${n}`]!;
    const a = layerNorm(x, w('ln1.g'), w('ln1.b'), cfg.lnEps);
    const qkv = dense(a, w('wqkv'), w('bqkv')); //                                       (N L, 3D)
    const q = heads(tf.slice(qkv, [0, 0], [N * L, D])),
      k = heads(tf.slice(qkv, [0, D], [N * L, D])),
      v = heads(tf.slice(qkv, [0, 2 * D], [N * L, D]));
    const scores = tf.add(tf.div(tf.matMul(q, k, false, true), Math.sqrt(dh)), keyBias); // (N, H, L, L)
    const ctx = tf.matMul(tf.softmax(scores), v); //                                     (N, H, L, dh)
    const c = tf.reshape(tf.transpose(ctx, [0, 2, 1, 3]), [N * L, D]) as tf.Tensor2D; //  (N L, D)
    const x1 = tf.add(x, dropout(dense(c, w('wo'), w('bo')), `l${l}.attn`)) as tf.Tensor2D;
    const h = gelu(dense(layerNorm(x1, w('ln2.g'), w('ln2.b'), cfg.lnEps), w('w1'), w('b1'))); // (N L, F)
    x = tf.add(x1, dropout(dense(h, w('w2'), w('b2')), `l${l}.ffn`)) as tf.Tensor2D;
  }
  const hidden = layerNorm(x, P['lnf.g']!, P['lnf.b']!, cfg.lnEps); //                  (N L, D)
  const lens = tf.tensor2d(b.lengths, [N, 1]);
  const pooled = tf.div(tf.sum(tf.mul(tf.reshape(hidden, [N, L, D]), tf.reshape(mask, [N, L, 1])), 1), lens); // (N, D)
  const emb = tf.div(pooled, tf.sqrt(tf.add(tf.sum(tf.square(pooled), 1, true), 1e-24))) as tf.Tensor2D;
  return { hidden, emb };
}

/**
 * Mean MLM cross-entropy at masked positions of a padded batch, output tied to the token
 * embeddings plus a bias: the autograd twin of losses/mlm.ts. rows index the (N * L) rows.
 */
export function paddedMlmLoss(
  hidden: tf.Tensor2D,
  rows: Int32Array,
  targets: Int32Array,
  P: ParamTensors,
  denominator: number,
): tf.Scalar {
  const V = P.tok_emb!.shape[0]!;
  const sel = tf.gather(hidden, tf.tensor1d(rows, 'int32')); //                                     (M, D)
  const logits = tf.add(tf.matMul(sel, P.tok_emb as tf.Tensor2D, false, true), P['mlm.bias']!); //  (M, V)
  const onehot = tf.oneHot(tf.tensor1d(targets, 'int32'), V);
  return tf.neg(tf.div(tf.sum(tf.mul(tf.logSoftmax(logits), onehot)), denominator)) as tf.Scalar;
}
