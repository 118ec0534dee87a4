// Gecko's fine-tuning loss (paper Eq. 3): in-batch positives, the query's own hard
// negatives, and the other queries of the batch as same-tower negatives (diagonal masked).
import type * as tf from '@tensorflow/tfjs';
import { contrastiveLoss, type ContrastiveBatch } from './contrastive';

/**
 * The full Eq. 3 denominator: sum_j [e^{s(q_i,p_j)/t} + 1[j != i] e^{s(q_i,q_j)/t}] + e^{s(q_i,p_i^-)/t}.
 * @example const loss = sameTowerLoss({ queries: q, positives: p, negatives: n, negativeOwner: [0, 1] }, 0.05);
 */
export function sameTowerLoss(batch: ContrastiveBatch, temperature: number): tf.Scalar {
  return contrastiveLoss(batch, { temperature, hardNegatives: true, sameTower: true });
}
