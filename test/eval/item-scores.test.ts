// Per-item scores average to the task's main score, for every task type's definition.
import { describe, expect, it } from 'vitest';
import { apItems, classificationItems, rerankingItems, retrievalItems, stsItems } from '../../lib/eval/item-scores';
import { averagePrecision } from '../../lib/eval/metrics/average-precision';
import { spearman } from '../../lib/eval/metrics/correlation';
import { rerankingMetrics } from '../../lib/eval/metrics/reranking';
import { retrievalMetrics } from '../../lib/eval/metrics/retrieval';

const mean = (xs: { score: number }[]) => xs.reduce((s, x) => s + x.score, 0) / xs.length;

describe('per-item scores', () => {
  it('retrieval: per-query nDCG@10 averages to ndcg_at_10', () => {
    const qrels = { q1: { a: 1, b: 2 }, q2: { c: 1 }, q3: { d: 0 } };
    const run = { q1: { a: 0.9, x: 0.8, b: 0.1 }, q2: { y: 1, c: 0.5 }, q3: { d: 1 } };
    const items = retrievalItems(qrels, run);
    expect(items.map((i) => i.item)).toEqual(['q1', 'q2']); // q3 has no relevant passage: not evaluated
    expect(mean(items)).toBeCloseTo(retrievalMetrics(qrels, run).metrics.ndcg_at_10!, 12);
  });

  it('STS: standardized rank products average to Spearman, ties included', () => {
    const pred = [0.1, 0.5, 0.5, 0.9, 0.3, 0.7];
    const gold = [1, 2, 4, 3, 2, 5];
    const items = stsItems(
      pred.map((_, i) => String(i)),
      pred,
      gold,
    );
    expect(mean(items)).toBeCloseTo(spearman(pred, gold), 12);
  });

  it('pair classification: per-positive precision averages to AP, ties as one threshold', () => {
    const labels = [1, 0, 1, 1, 0, 0, 1];
    const scores = [0.9, 0.8, 0.8, 0.4, 0.3, 0.3, 0.1];
    const items = apItems(
      labels.map((_, i) => String(i)),
      labels,
      scores,
    );
    expect(items).toHaveLength(4);
    expect(mean(items)).toBeCloseTo(averagePrecision(labels, scores), 12);
  });

  it('reranking: per-query AP averages to MAP', () => {
    const qs = [
      { id: 'a', scores: [0.2, 0.9, 0.5], relevant: [true, false, true] },
      { id: 'b', scores: [0.1, 0.3], relevant: [false, true] },
      { id: 'c', scores: [0.1], relevant: [true] }, // no negative: skipped, as MTEB
    ];
    const items = rerankingItems(qs);
    expect(items.map((i) => i.item)).toEqual(['a', 'b']);
    expect(mean(items)).toBeCloseTo(rerankingMetrics(qs).map, 12);
  });

  it('classification: fraction of experiments correct averages to the mean accuracy', () => {
    const labels = [0, 1, 1, 2];
    const preds = [
      [0, 1, 0, 2],
      [1, 1, 1, 2],
      [0, 0, 1, 1],
    ];
    const acc = preds.map((p) => p.filter((x, i) => x === labels[i]).length / labels.length);
    expect(mean(classificationItems(['a', 'b', 'c', 'd'], labels, preds))).toBeCloseTo(
      acc.reduce((s, x) => s + x) / 3,
      12,
    );
  });
});
