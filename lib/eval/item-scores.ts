// Per-item scores: one number per scored item whose mean over items is the task's main score,
// so paired intervals (lib/ablate/intervals.ts) can resample items. Definitions per task type:
//
//   Retrieval           item = an evaluated query; score = its nDCG@10 (mean = ndcg_at_10).
//   Reranking           item = an evaluated query; score = its average precision (mean = map).
//   STS                 item = a pair; score = z(rank of the model's cosine) * z(rank of the gold
//                       score), ranks averaged over ties, z with the population sd. The mean over
//                       pairs is exactly Spearman's rho (the Pearson of the ranks).
//   PairClassification  item = a positive pair; score = precision at the cosine threshold that
//                       first admits it (a tie block is one threshold, as sklearn). The mean over
//                       positives is exactly cosine average precision. Negatives count through
//                       the precision of the positives ranked below them.
//   Classification      item = a test text; score = the fraction of the n experiments' classifiers
//                       that label it correctly (mean = accuracy, the mean over experiments).
//   Clustering          V-measure does not split into items: one item ('all') with the V-measure,
//                       so for clustering only seeds are resampled.
// The decompositions of STS and AP hold the ranks fixed at the full sample: resampling items
// and averaging their scores is the usual linearisation of these statistics, not a recomputation.
import { averageRanks } from './metrics/correlation';
import { ndcgAtK, rankRun } from './metrics/retrieval';
import type { Qrels, RunScores } from '../core/types';

export interface ItemScore {
  item: string;
  score: number;
}

/**
 * Per-query nDCG@k for queries with at least one relevant passage (the queries retrievalMetrics evaluates).
 * @example retrievalItems({ q1: { a: 1 } }, { q1: { a: 2, b: 1 } }) // [{ item: 'q1', score: 1 }]
 */
export function retrievalItems(qrels: Qrels, run: RunScores, k = 10): ItemScore[] {
  const out: ItemScore[] = [];
  for (const [q, rels] of Object.entries(qrels)) {
    if (!Object.values(rels).some((g) => g > 0)) continue;
    out.push({ item: q, score: ndcgAtK(rankRun(run[q] ?? {}), rels, k) });
  }
  return out;
}

/**
 * Per-pair contributions to Spearman's rho: their mean equals spearman(pred, gold).
 * @example stsItems(['a', 'b', 'c'], [0.1, 0.5, 0.9], [1, 2, 3]).reduce((s, x) => s + x.score, 0) / 3 // 1
 */
export function stsItems(ids: readonly string[], pred: ArrayLike<number>, gold: ArrayLike<number>): ItemScore[] {
  const z = (x: ArrayLike<number>) => {
    const r = averageRanks(x);
    const n = r.length;
    const mean = r.reduce((s, v) => s + v, 0) / n;
    const sd = Math.sqrt(r.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
    return Array.from(r, (v) => (sd > 0 ? (v - mean) / sd : 0));
  };
  const a = z(pred),
    b = z(gold);
  return ids.map((item, i) => ({ item, score: a[i]! * b[i]! }));
}

/**
 * Per-positive precision at its threshold: the mean over positives equals average precision
 * (sklearn's, tied scores forming one threshold).
 * @example apItems(['p', 'n', 'q'], [1, 0, 1], [0.9, 0.8, 0.7]) // [{ item: 'p', score: 1 }, { item: 'q', score: 2 / 3 }]
 */
export function apItems(
  ids: readonly string[],
  labels: ArrayLike<number | boolean>,
  scores: ArrayLike<number>,
): ItemScore[] {
  const n = ids.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => scores[y]! - scores[x]! || x - y);
  const prec = new Float64Array(n);
  let tp = 0,
    seen = 0,
    i = 0;
  while (i < n) {
    const start = i;
    const s = scores[order[i]!]!;
    while (i < n && scores[order[i]!]! === s) {
      if (labels[order[i]!]) tp++;
      seen++;
      i++;
    }
    for (let j = start; j < i; j++) prec[order[j]!] = tp / seen;
  }
  return ids.flatMap((item, j) => (labels[j] ? [{ item, score: prec[j]! }] : []));
}

/**
 * Per-query average precision of reranking (queries with both a positive and a negative, as rerankingMetrics).
 * @example rerankingItems([{ id: 'q', scores: [0.2, 0.9], relevant: [true, false] }]) // [{ item: 'q', score: 0.5 }]
 */
export function rerankingItems(
  queries: readonly { id: string; scores: readonly number[]; relevant: readonly boolean[] }[],
): ItemScore[] {
  return queries.flatMap((q) => {
    const pos = q.relevant.filter(Boolean).length;
    if (pos === 0 || pos === q.relevant.length) return [];
    const ids = q.scores.map((_, i) => String(i));
    const items = apItems(ids, q.relevant, q.scores);
    return [{ item: q.id, score: items.reduce((s, x) => s + x.score, 0) / items.length }];
  });
}

/**
 * Per test item: the fraction of experiments that predicted its label.
 * @example classificationItems(['a', 'b'], [0, 1], [[0, 0], [0, 1]]) // a: 1, b: 0.5
 */
export function classificationItems(
  ids: readonly string[],
  labels: readonly number[],
  predictions: readonly (readonly number[])[],
): ItemScore[] {
  return ids.map((item, i) => ({
    item,
    score: predictions.length ? predictions.filter((p) => p[i] === labels[i]).length / predictions.length : 0,
  }));
}
