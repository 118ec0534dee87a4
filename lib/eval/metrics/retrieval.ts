// Retrieval metrics with MTEB key names (ndcg_at_10, map_at_10, recall_at_100, precision_at_1,
// mrr_at_10), following pytrec_eval / trec_eval conventions as MTEB uses them:
//
// - Ranking: a query's run is sorted by score descending, ties broken by passage id ascending
//   (string order). trec_eval breaks ties by docno *descending*; with real-valued scores ties
//   are rare, but we document ours and never rely on object key order.
// - Relevance: a passage is relevant when its grade is > 0 (trec_eval relevance_level 1).
//   Grades <= 0, and passages absent from the qrels, count as not relevant.
// - nDCG@k: gain = grade (linear, as trec_eval's ndcg_cut; not 2^grade - 1), discount
//   1/log2(rank + 1); the ideal ranking sorts all judged grades > 0 descending.
// - MAP@k (trec_eval map_cut.k): sum of precision@rank over relevant passages retrieved in the
//   top k, divided by the total number of relevant passages of the query (not min(k, R)).
// - recall@k: relevant in top k / relevant in total. precision@k: relevant in top k / k
//   (k is the denominator even when fewer than k passages were retrieved).
// - MRR@k (MTEB's own function): 1 / rank of the first relevant passage within the top k, else 0.
// - Which queries count: a query is evaluated only if it has at least one passage with grade
//   > 0 in the qrels. Queries absent from the qrels, or judged with zeros only, are skipped
//   (reported in `skipped`), as MTEB/BEIR do. A judged query missing from the run scores 0.
// - Averages are plain means over evaluated queries.
import type { Qrels, RunScores } from '../../core/types';

/** The cut-offs MTEB reports. */
export const MTEB_K_VALUES: readonly number[] = [1, 3, 5, 10, 20, 100, 1000];

/**
 * Passage ids of one query's run, best first: score descending, then id ascending (computed once per scores object).
 * @example rankRun({ b: 1, a: 1, c: 2 }) // ['c', 'a', 'b']
 */
export function rankRun(scores: Record<string, number>): readonly string[] {
  let ids = rankings.get(scores);
  if (!ids) {
    const sorted = Object.keys(scores);
    sorted.sort((x, y) => scores[y]! - scores[x]! || (x < y ? -1 : x > y ? 1 : 0));
    ids = Object.freeze(sorted);
    rankings.set(scores, ids);
  }
  return ids;
}

/**
 * Rankings by scores object: the metrics, the per-item scores and the TREC run file each rank the
 * same run (1,000 passages per query), so each query is sorted once. Runs are not changed after scoring.
 */
const rankings = new WeakMap<Record<string, number>, readonly string[]>();

const grade = (rels: Record<string, number>, id: string): number => {
  const g = rels[id];
  return g !== undefined && g > 0 ? g : 0;
};

/** nDCG@k of one ranking (ids best first) against one query's graded judgements. @example ndcgAtK(['a', 'b'], { b: 1 }, 10) // 1/log2(3) ≈ 0.6309 */
export function ndcgAtK(ranking: readonly string[], rels: Record<string, number>, k: number): number {
  let dcg = 0;
  for (let i = 0; i < Math.min(k, ranking.length); i++) dcg += grade(rels, ranking[i]!) / Math.log2(i + 2);
  const ideal = Object.values(rels)
    .filter((g) => g > 0)
    .sort((a, b) => b - a);
  let idcg = 0;
  for (let i = 0; i < Math.min(k, ideal.length); i++) idcg += ideal[i]! / Math.log2(i + 2);
  return idcg > 0 ? dcg / idcg : 0;
}

/** MAP@k (trec_eval map_cut): divided by all relevant passages. @example apAtK(['a', 'b'], { b: 1, c: 1 }, 10) // (1/2) / 2 = 0.25 */
export function apAtK(ranking: readonly string[], rels: Record<string, number>, k: number): number {
  const nRel = Object.values(rels).filter((g) => g > 0).length;
  if (nRel === 0) return 0;
  let hits = 0;
  let sum = 0;
  for (let i = 0; i < Math.min(k, ranking.length); i++) {
    if (grade(rels, ranking[i]!) > 0) {
      hits++;
      sum += hits / (i + 1);
    }
  }
  return sum / nRel;
}

/** recall@k. @example recallAtK(['a', 'b'], { b: 1, c: 1 }, 1) // 0 */
export function recallAtK(ranking: readonly string[], rels: Record<string, number>, k: number): number {
  const nRel = Object.values(rels).filter((g) => g > 0).length;
  if (nRel === 0) return 0;
  let hits = 0;
  for (let i = 0; i < Math.min(k, ranking.length); i++) if (grade(rels, ranking[i]!) > 0) hits++;
  return hits / nRel;
}

/** precision@k (denominator k). @example precisionAtK(['a', 'b'], { b: 1 }, 10) // 0.1 */
export function precisionAtK(ranking: readonly string[], rels: Record<string, number>, k: number): number {
  let hits = 0;
  for (let i = 0; i < Math.min(k, ranking.length); i++) if (grade(rels, ranking[i]!) > 0) hits++;
  return hits / k;
}

/** MRR@k: reciprocal rank of the first relevant passage in the top k. @example mrrAtK(['a', 'b'], { b: 2 }, 10) // 0.5 */
export function mrrAtK(ranking: readonly string[], rels: Record<string, number>, k: number): number {
  for (let i = 0; i < Math.min(k, ranking.length); i++) if (grade(rels, ranking[i]!) > 0) return 1 / (i + 1);
  return 0;
}

export interface RetrievalScores {
  /** MTEB key names: ndcg_at_k, map_at_k, recall_at_k, precision_at_k, mrr_at_k for each k. */
  metrics: Record<string, number>;
  /** Per-query nDCG@10 (evaluated queries only), for significance tests and plots. */
  perQueryNdcg10: Record<string, number>;
  /** Number of queries averaged over. */
  evaluated: number;
  /** Query ids in the qrels or the run that were not evaluated (no passage with grade > 0). */
  skipped: string[];
}

/**
 * Score a run against qrels with MTEB's retrieval metrics (see the file header for conventions).
 * @example
 * const s = retrievalMetrics({ q1: { d1: 2, d2: 0 } }, { q1: { d2: 0.9, d1: 0.5 } });
 * s.metrics.ndcg_at_10 // 2/log2(3) / 2 ≈ 0.6309
 */
export function retrievalMetrics(qrels: Qrels, run: RunScores, ks: readonly number[] = MTEB_K_VALUES): RetrievalScores {
  const qids = Object.keys(qrels).sort();
  const evaluatedIds = qids.filter((q) => Object.values(qrels[q]!).some((g) => g > 0));
  const judged = new Set(evaluatedIds);
  const skipped = [...new Set([...qids, ...Object.keys(run)])].filter((q) => !judged.has(q)).sort();
  const sums: Record<string, number> = {};
  const names = ['ndcg', 'map', 'recall', 'precision', 'mrr'] as const;
  const fns = { ndcg: ndcgAtK, map: apAtK, recall: recallAtK, precision: precisionAtK, mrr: mrrAtK };
  for (const n of names) for (const k of ks) sums[`${n}_at_${k}`] = 0;
  const perQueryNdcg10: Record<string, number> = {};
  for (const q of evaluatedIds) {
    const ranking = rankRun(run[q] ?? {});
    const rels = qrels[q]!;
    for (const n of names) for (const k of ks) sums[`${n}_at_${k}`]! += fns[n](ranking, rels, k);
    perQueryNdcg10[q] = ndcgAtK(ranking, rels, 10);
  }
  const metrics: Record<string, number> = {};
  for (const [key, s] of Object.entries(sums)) metrics[key] = evaluatedIds.length ? s / evaluatedIds.length : 0;
  return { metrics, perQueryNdcg10, evaluated: evaluatedIds.length, skipped };
}
