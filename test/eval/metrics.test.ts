// Metric tests. Expected values are computed by hand below, or read from
// test/fixtures/sklearn_metrics.json: the output of the committed test/fixtures/sklearn_metrics.py
// (scikit-learn 1.2.1, scipy 1.10.1: Debian python3-sklearn). Where sklearn is installed (CI), a
// test re-runs the script and checks the fixture still matches it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apAtK, mrrAtK, ndcgAtK, rankRun, retrievalMetrics } from '../../lib/eval/metrics/retrieval';
import { averageRanks, pearson, spearman } from '../../lib/eval/metrics/correlation';
import { averagePrecision } from '../../lib/eval/metrics/average-precision';
import { bestThresholds, pairClassificationMetrics } from '../../lib/eval/metrics/pair-classification';
import {
  fitLogisticRegression,
  predictLogisticRegression,
  probabilitiesLogisticRegression,
} from '../../lib/eval/metrics/logistic-regression';
import { accuracy, classificationExperiments, f1Score, undersamplePlan } from '../../lib/eval/metrics/classification';
import { vMeasure } from '../../lib/eval/metrics/v-measure';
import { kMeans } from '../../lib/eval/metrics/kmeans';
import { rerankingMetrics } from '../../lib/eval/metrics/reranking';
import { Rng } from '../../lib/core/rng';
import { pythonWith, runPythonJson } from '../helpers';

interface LogRegRef {
  coef: number[][];
  intercept: number[];
  proba: number[][];
  predict: number[];
  n_iter: number;
}
const FIXTURE = join(__dirname, '..', 'fixtures', 'sklearn_metrics.py');
const SK = JSON.parse(readFileSync(FIXTURE.replace(/\.py$/, '.json'), 'utf8')) as {
  logreg_binary_tight: LogRegRef;
  logreg_multinomial_tight: LogRegRef;
  logreg_multinomial_defaults: LogRegRef;
  average_precision: number;
  f1_macro: number;
  f1_weighted: number;
  v_measure: { homogeneity: number; completeness: number; v_measure: number };
  spearman: { x: number[]; y: number[]; rho: number; pearson: number };
};
const SKLEARN_PY = await pythonWith('sklearn');

describe('retrieval metrics', () => {
  // q1: graded, with a score tie (d2 = d3 = 0.9, d1 = d9 = 0.5); q2: judged with zeros only
  // (skipped); q3: relevant passage not retrieved; q4: in the run, not in the qrels (skipped);
  // q5: judged but absent from the run (scores 0).
  const qrels = { q1: { d1: 2, d2: 1, d3: 0, d4: 3 }, q2: { d5: 0 }, q3: { d6: 1 }, q5: { d8: 1 } };
  const run = { q1: { d1: 0.5, d2: 0.9, d3: 0.9, d4: 0.1, d9: 0.5 }, q2: { d5: 1 }, q3: { d7: 1 }, q4: { d1: 1 } };

  it('ranks by score desc, then id asc', () => {
    expect(rankRun(run.q1)).toEqual(['d2', 'd3', 'd1', 'd9', 'd4']);
  });

  it('computes graded nDCG, MAP, recall, precision and MRR by hand', () => {
    const r = rankRun(run.q1); // gains 1, 0, 2, 0, 3
    const dcg10 = 1 / Math.log2(2) + 2 / Math.log2(4) + 3 / Math.log2(6);
    const idcg = 3 / Math.log2(2) + 2 / Math.log2(3) + 1 / Math.log2(4);
    expect(ndcgAtK(r, qrels.q1, 10)).toBeCloseTo(dcg10 / idcg, 12);
    expect(ndcgAtK(r, qrels.q1, 3)).toBeCloseTo(2 / idcg, 12);
    expect(ndcgAtK(r, qrels.q1, 1)).toBeCloseTo(1 / 3, 12);
    expect(apAtK(r, qrels.q1, 10)).toBeCloseTo((1 + 2 / 3 + 3 / 5) / 3, 12);
    expect(apAtK(r, qrels.q1, 3)).toBeCloseTo((1 + 2 / 3) / 3, 12); // divided by all 3 relevant, not min(k, R)
    expect(mrrAtK(['x', 'd1'], qrels.q1, 10)).toBe(0.5);
    expect(mrrAtK(['x', 'd1'], qrels.q1, 1)).toBe(0);

    const s = retrievalMetrics(qrels, run);
    expect(s.evaluated).toBe(3);
    expect(s.skipped).toEqual(['q2', 'q4']);
    expect(s.metrics.ndcg_at_10).toBeCloseTo(dcg10 / idcg / 3, 12);
    expect(s.metrics.map_at_10).toBeCloseTo((1 + 2 / 3 + 3 / 5) / 3 / 3, 12);
    expect(s.metrics.recall_at_1).toBeCloseTo(1 / 3 / 3, 12);
    expect(s.metrics.recall_at_3).toBeCloseTo(2 / 3 / 3, 12);
    expect(s.metrics.recall_at_5).toBeCloseTo(1 / 3, 12);
    expect(s.metrics.precision_at_1).toBeCloseTo(1 / 3, 12);
    expect(s.metrics.precision_at_5).toBeCloseTo(3 / 5 / 3, 12);
    expect(s.metrics.precision_at_10).toBeCloseTo(0.3 / 3, 12);
    expect(s.metrics.mrr_at_10).toBeCloseTo(1 / 3, 12);
    expect(s.perQueryNdcg10).toEqual({ q1: expect.any(Number), q3: 0, q5: 0 });
  });

  it('tie-breaking decides the order: the tied non-relevant d3 is placed after d2', () => {
    // with id descending (trec_eval), d3 would come first and nDCG@1 would be 0
    expect(retrievalMetrics({ q: { d2: 1 } }, { q: { d3: 0.9, d2: 0.9 } }).metrics.ndcg_at_1).toBe(1);
    expect(retrievalMetrics({ q: { d3: 1 } }, { q: { d3: 0.9, d2: 0.9 } }).metrics.ndcg_at_1).toBe(0);
  });

  it('does not depend on object key order', () => {
    const a = retrievalMetrics(qrels, run).metrics;
    const b = retrievalMetrics(qrels, { ...run, q1: { d9: 0.5, d4: 0.1, d3: 0.9, d1: 0.5, d2: 0.9 } }).metrics;
    expect(b).toEqual(a);
  });
});

describe('correlation (scipy.stats spearmanr / pearsonr)', () => {
  it('matches scipy with ties', () => {
    const { x, y, rho, pearson: r } = SK.spearman;
    expect(spearman(x, y)).toBeCloseTo(rho, 12);
    expect(pearson(x, y)).toBeCloseTo(r, 12);
  });
  it('averages tied ranks', () => {
    expect(Array.from(averageRanks([10, 20, 10, 5]))).toEqual([2.5, 4, 2.5, 1]);
  });
  it('is NaN for a constant side', () => {
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNaN();
  });
});

describe('average precision (sklearn average_precision_score)', () => {
  it('matches sklearn with tied scores', () => {
    expect(
      averagePrecision([1, 0, 1, 1, 0, 0, 1, 0, 0, 1], [0.9, 0.8, 0.8, 0.5, 0.5, 0.5, 0.3, 0.2, 0.2, 0.1]),
    ).toBeCloseTo(SK.average_precision, 12);
  });
  it('by hand, and NaN without positives', () => {
    expect(averagePrecision([1, 0, 1], [0.9, 0.8, 0.7])).toBeCloseTo(0.5 + 0.5 * (2 / 3), 12);
    expect(averagePrecision([0, 0], [0.9, 0.8])).toBeNaN();
  });
});

describe('pair classification', () => {
  it('finds the best accuracy and F1 thresholds by hand', () => {
    const t = bestThresholds([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]);
    expect(t.accuracy).toBe(0.75);
    expect(t.accuracyThreshold).toBeCloseTo(0.85, 12);
    expect(t.f1).toBeCloseTo(0.8, 12);
    expect(t.f1Threshold).toBeCloseTo(0.4, 12);
    expect(t.precision).toBeCloseTo(2 / 3, 12);
    expect(t.recall).toBe(1);
  });
  it('never splits tied scores', () => {
    // a cut between the tied 0.5s would give accuracy 1; it must not be considered
    const t = bestThresholds([1, 1, 0, 0], [0.9, 0.5, 0.5, 0.1]);
    expect(t.accuracy).toBe(0.75);
  });
  it('reports MTEB keys with cosine AP', () => {
    const v = (a: number, b: number) => Float32Array.of(a, b);
    const m = pairClassificationMetrics([v(1, 0), v(1, 0), v(0, 1)], [v(1, 0), v(0, 1), v(0.6, 0.8)], [1, 0, 1]);
    // cosine: 1, 0, 0.8 -> AP of [1, 0, 1] ranked 1, 0.8, 0 = 1
    expect(m.cosine_ap).toBeCloseTo(1, 12);
    expect(m.max_ap).toBeCloseTo(1, 12);
    expect(Object.keys(m)).toContain('manhattan_f1');
  });
});

describe('logistic regression (sklearn LogisticRegression C=1, lbfgs, max_iter=10000, tol=1e-10)', () => {
  // sklearn stops at its ftol criterion with max |grad| ~ 5e-6 (ours reaches 1e-8; its objective
  // value is higher than ours by 1e-10), so fits agree to ~5e-5: compared at 3-4 decimals.
  // The same data in python (sklearn_metrics.py data()): X[i][j] = sin(0.7 i + 1.3 j) + 0.3 cos(i j)
  // (float32), y[i] = (7 i + i // 3) % K, then X[i][y[i]] += 0.8; n = 40, d = 6.
  function data(n: number, d: number, K: number) {
    const rows: Float32Array[] = [],
      labels: number[] = [];
    for (let i = 0; i < n; i++) {
      const y = (i * 7 + Math.floor(i / 3)) % K;
      const r = new Float32Array(d);
      for (let j = 0; j < d; j++) r[j] = Math.fround(Math.sin(0.7 * i + 1.3 * j) + 0.3 * Math.cos(i * j));
      r[y] = Math.fround(r[y]! + Math.fround(0.8));
      rows.push(r);
      labels.push(y);
    }
    return { rows, labels };
  }
  it('binary: one weight vector, same coefficients and probabilities', () => {
    const { rows, labels } = data(40, 6, 2);
    const m = fitLogisticRegression(rows, labels, { maxIter: 1000, tol: 1e-6 });
    expect(m.converged).toBe(true);
    const ref = SK.logreg_binary_tight;
    ref.coef[0]!.forEach((c, j) => expect(m.weights[j]).toBeCloseTo(c, 4));
    expect(m.bias[0]).toBeCloseTo(ref.intercept[0]!, 4);
    const p = probabilitiesLogisticRegression(m, rows.slice(0, 3));
    ref.proba.forEach((row, i) => row.forEach((v, k) => expect(p[i]![k]).toBeCloseTo(v, 4)));
    expect(predictLogisticRegression(m, rows)).toEqual(ref.predict);
  });
  it('multinomial: same probabilities and predictions', () => {
    const { rows, labels } = data(40, 6, 3);
    const m = fitLogisticRegression(rows, labels, { maxIter: 1000, tol: 1e-6 });
    const p = probabilitiesLogisticRegression(m, rows.slice(0, 3));
    const ref = SK.logreg_multinomial_tight;
    ref.proba.forEach((row, i) => row.forEach((v, k) => expect(p[i]![k]).toBeCloseTo(v, 4)));
    ref.intercept.forEach((b, k) => expect(m.bias[k]).toBeCloseTo(b, 3)); // sklearn stops early: up to 5e-5 apart
    expect(predictLogisticRegression(m, rows)).toEqual(ref.predict);
  });
  it('with MTEB defaults (max_iter 100, tol 1e-4) matches sklearn defaults', () => {
    // LogisticRegression(max_iter=100): sklearn's lbfgs stops at the same iteration (its ftol test)
    // as with max_iter=10000, tol=1e-10, so the fixture's two fits agree to every digit; the
    // script prints both and the n_iter of each, and this test checks that too.
    const ref = SK.logreg_multinomial_defaults;
    expect(ref.n_iter).toBe(SK.logreg_multinomial_tight.n_iter);
    const { rows, labels } = data(40, 6, 3);
    const m = fitLogisticRegression(rows, labels);
    expect(m.converged).toBe(true);
    const p = probabilitiesLogisticRegression(m, rows.slice(0, 3));
    ref.proba.forEach((row, i) => row.forEach((v, k) => expect(p[i]![k]).toBeCloseTo(v, 4)));
    expect(predictLogisticRegression(m, rows)).toEqual(ref.predict);
  });
  it('keeps original label values', () => {
    const rows = [Float32Array.of(1, 0), Float32Array.of(0, 1), Float32Array.of(1, 0.1), Float32Array.of(0.1, 1)];
    const m = fitLogisticRegression(rows, [7, 3, 7, 3]);
    expect(predictLogisticRegression(m, rows)).toEqual([7, 3, 7, 3]);
  });
});

describe('classification scores and protocol', () => {
  it('F1 matches sklearn (macro over true ∪ predicted labels, weighted by support)', () => {
    const yt = [0, 1, 2, 2, 1, 0, 3, 3, 3],
      yp = [0, 2, 2, 2, 1, 1, 3, 0, 4];
    expect(f1Score(yt, yp, 'macro')).toBeCloseTo(SK.f1_macro, 12);
    expect(f1Score(yt, yp, 'weighted')).toBeCloseTo(SK.f1_weighted, 12);
    expect(accuracy(yt, yp)).toBeCloseTo(5 / 9, 12);
  });
  it('undersamples samplesPerLabel per label, seeded', () => {
    const labels = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2];
    const plan = undersamplePlan(labels, 3, 2, new Rng(42));
    expect(plan).toHaveLength(3);
    for (const idxs of plan) {
      expect(idxs).toHaveLength(6);
      for (const l of [0, 1, 2]) expect(idxs.filter((i) => labels[i] === l)).toHaveLength(2);
    }
    expect(undersamplePlan(labels, 3, 2, new Rng(42))).toEqual(plan);
    expect(new Set(plan.map((p) => p.join()))).not.toEqual(new Set([plan[0]!.join()]));
  });
  it('averages the experiments', () => {
    const rows = [Float32Array.of(1, 0), Float32Array.of(0.9, 0.1), Float32Array.of(0, 1), Float32Array.of(0.1, 0.9)];
    const r = classificationExperiments({
      trainRow: (i) => rows[i]!,
      trainLabels: [0, 0, 1, 1],
      plan: [
        [0, 2],
        [1, 3],
      ],
      testRows: rows,
      testLabels: [0, 0, 1, 1],
    });
    expect(r.accuracy).toBe(1);
    expect(r.ap).toBe(1);
  });
});

describe('clustering', () => {
  it('V-measure matches sklearn', () => {
    const ct = [0, 0, 0, 1, 1, 1, 2, 2, 2, 2],
      cp = [1, 1, 0, 0, 2, 2, 2, 2, 2, 0];
    const v = vMeasure(ct, cp);
    expect(v.v_measure).toBeCloseTo(SK.v_measure.v_measure, 12);
    expect(v.homogeneity).toBeCloseTo(SK.v_measure.homogeneity, 12);
    expect(v.completeness).toBeCloseTo(SK.v_measure.completeness, 12);
    expect(vMeasure([0, 0, 1, 1], ['b', 'b', 'a', 'a']).v_measure).toBe(1);
    expect(vMeasure([0, 0, 0], [0, 1, 2]).homogeneity).toBe(1); // one true class: h = 1 (sklearn)
  });
  it('k-means recovers separated blobs, deterministically per seed', () => {
    const rng = new Rng(1);
    const rows: Float32Array[] = [],
      labels: number[] = [];
    const centres = [
      [5, 0],
      [0, 5],
      [-5, -5],
    ];
    for (let i = 0; i < 90; i++) {
      const c = i % 3;
      rows.push(Float32Array.of(centres[c]![0]! + rng.normal() * 0.5, centres[c]![1]! + rng.normal() * 0.5));
      labels.push(c);
    }
    const a = kMeans(rows, 3, new Rng(7));
    expect(vMeasure(labels, Array.from(a.assignments)).v_measure).toBe(1);
    expect(Array.from(kMeans(rows, 3, new Rng(7)).assignments)).toEqual(Array.from(a.assignments));
  });
});

describe('reranking', () => {
  it('MAP and MRR@10 by hand; queries without positives or negatives are skipped', () => {
    const r = rerankingMetrics([
      { scores: [0.2, 0.9, 0.5], relevant: [true, false, true] }, // order F, T, T: AP = (1/2 + 2/3) / 2, RR = 1/2
      { scores: [0.1, 0.3], relevant: [false, false] },
      { scores: [0.1, 0.3], relevant: [true, true] },
    ]);
    expect(r.evaluated).toBe(1);
    expect(r.map).toBeCloseTo((1 / 2 + 2 / 3) / 2, 12);
    expect(r.mrr_at_10).toBe(0.5);
  });
});

describe('the sklearn fixture', () => {
  it.skipIf(!SKLEARN_PY)(
    "is what sklearn_metrics.py prints with this machine's scikit-learn",
    async () => {
      const now = (await runPythonJson(SKLEARN_PY!, FIXTURE)) as typeof SK & { versions: unknown };
      const { versions: _v, ...rest } = now;
      const { versions: _w, ...want } = SK as typeof SK & { versions: unknown };
      expect(
        JSON.parse(JSON.stringify(rest), (_k, v) => (typeof v === 'number' ? Number(v.toPrecision(9)) : v)),
      ).toEqual(JSON.parse(JSON.stringify(want), (_k, v) => (typeof v === 'number' ? Number(v.toPrecision(9)) : v)));
    },
    300_000,
  ); // importing scikit-learn on a loaded machine
});
