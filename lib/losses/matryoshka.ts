// Matryoshka representation learning: the same loss on prefixes of the embedding.
import * as tf from '@tensorflow/tfjs';
import {
  contrastiveLossHost,
  type ContrastiveBatch,
  type ContrastiveOptions,
  type HostContrastiveBatch,
} from './contrastive';

/** Keep the first `dim` columns of every embedding tensor of a batch (the loss re-normalises). */
export function truncateBatch(batch: ContrastiveBatch, dim: number): ContrastiveBatch {
  const cut = (t: tf.Tensor2D) => (t.shape[1] === dim ? t : tf.slice(t, [0, 0], [t.shape[0], dim]));
  const out: ContrastiveBatch = { ...batch, queries: cut(batch.queries), positives: cut(batch.positives) };
  if (batch.negatives) out.negatives = cut(batch.negatives);
  return out;
}

/**
 * Wrap a loss: weighted sum over prefix dimensions of the loss on the truncated, re-normalised embeddings.
 * @example const loss = matryoshkaLoss((b) => sameTowerLoss(b, 0.05), [128, 64], [1, 1])(batch);
 */
export function matryoshkaLoss(
  lossFn: (batch: ContrastiveBatch) => tf.Scalar,
  dims: readonly number[],
  weights: readonly number[],
): (batch: ContrastiveBatch) => tf.Scalar {
  if (dims.length === 0 || dims.length !== weights.length)
    throw new Error(`matryoshkaLoss: ${dims.length} dims and ${weights.length} weights`);
  return (batch) =>
    tf.tidy(() => {
      const D = batch.queries.shape[1];
      const terms = dims.map((d, i) => {
        if (d > D) throw new Error(`matryoshkaLoss: dimension ${d} exceeds the embedding dimension ${D}`);
        return tf.mul(lossFn(truncateBatch(batch, d)), weights[i]!);
      });
      return (terms.length === 1 ? terms[0]! : tf.addN(terms)) as tf.Scalar;
    });
}

/**
 * matryoshkaLoss over contrastiveLoss, on host rows: the weighted sum over prefix dimensions of
 * contrastiveLossHost, and its gradient with respect to E.
 * @example const { loss, dE } = matryoshkaLossHost({ E, stride: 128, B: 16, M: 16, negativeOwner }, opts, [128, 64], [1, 1]);
 */
export function matryoshkaLossHost(
  batch: HostContrastiveBatch,
  opts: ContrastiveOptions,
  dims: readonly number[],
  weights: readonly number[],
): { loss: number; dE: Float32Array } {
  if (dims.length === 0 || dims.length !== weights.length)
    throw new Error(`matryoshkaLoss: ${dims.length} dims and ${weights.length} weights`);
  const dE = new Float32Array(batch.E.length);
  let loss = 0;
  dims.forEach((d, i) => {
    if (d > batch.stride)
      throw new Error(`matryoshkaLoss: dimension ${d} exceeds the embedding dimension ${batch.stride}`);
    loss += contrastiveLossHost(batch, opts, d, weights[i]!, dE);
  });
  return { loss, dE };
}
