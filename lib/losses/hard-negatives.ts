// In-batch negatives plus each query's own hard negative(s) (paper Eq. 3 without same-tower).
import type * as tf from '@tensorflow/tfjs';
import { contrastiveLoss, type ContrastiveBatch } from './contrastive';

/**
 * Each query against all in-batch positives and its own hard negatives (batch.negatives / negativeOwner).
 * @example const loss = hardNegativeLoss({ queries: q, positives: p, negatives: n, negativeOwner: [0, 1] }, 0.05);
 */
export function hardNegativeLoss(batch: ContrastiveBatch, temperature: number): tf.Scalar {
  return contrastiveLoss(batch, { temperature, hardNegatives: true, sameTower: false });
}
