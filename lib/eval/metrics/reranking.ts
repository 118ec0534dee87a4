// Reranking scores as MTEB's RerankingEvaluator: per query, candidates (positives and
// negatives) are ordered by the model's score; MAP = mean over queries of sklearn-style average
// precision (tied scores form one step), MRR@10 = mean reciprocal rank of the first positive
// in the top 10 (candidates sorted by score desc, then candidate order). Queries without a
// positive or without a negative are skipped, as MTEB does.
import { averagePrecision } from './average-precision';

export interface RerankingQuery {
  scores: readonly number[];
  relevant: readonly boolean[];
}

/**
 * @example rerankingMetrics([{ scores: [0.2, 0.9], relevant: [true, false] }]) // { map: 0.5, mrr_at_10: 0.5, evaluated: 1 }
 */
export function rerankingMetrics(queries: readonly RerankingQuery[]): {
  map: number;
  mrr_at_10: number;
  evaluated: number;
} {
  let mapSum = 0,
    mrrSum = 0,
    n = 0;
  for (const q of queries) {
    const pos = q.relevant.filter(Boolean).length;
    if (pos === 0 || pos === q.relevant.length) continue;
    mapSum += averagePrecision(q.relevant, q.scores);
    const order = q.scores.map((_, i) => i).sort((a, b) => q.scores[b]! - q.scores[a]! || a - b);
    const first = order.slice(0, 10).findIndex((i) => q.relevant[i]);
    mrrSum += first >= 0 ? 1 / (first + 1) : 0;
    n++;
  }
  return { map: n ? mapSum / n : 0, mrr_at_10: n ? mrrSum / n : 0, evaluated: n };
}
