// Pre-finetuning loss (paper Eq. 2): in-batch negatives only.
import type * as tf from '@tensorflow/tfjs';
import { contrastiveLoss, type ContrastiveBatch } from './contrastive';

/**
 * InfoNCE over cosine / temperature, each query against all in-batch positives.
 * @example const loss = inBatchLoss({ queries: q, positives: p }, 0.05);
 */
export function inBatchLoss(batch: ContrastiveBatch, temperature: number): tf.Scalar {
  return contrastiveLoss(batch, { temperature, hardNegatives: false, sameTower: false });
}
