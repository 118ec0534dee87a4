// MTEB's classification protocol (AbsTaskClassification + logRegClassificationEvaluator):
// n_experiments runs; each draws a per-label undersampled train set (the first
// samplesPerLabel examples of each label in a fresh seeded shuffle of the train indices; the
// shuffle compounds across runs, as MTEB re-shuffles the same index array), fits logistic
// regression (C = 1, max_iter = 100) and scores accuracy, macro F1, weighted F1 and, for two
// classes, average precision of the hard predictions (as MTEB v1). Scores are averaged over runs.
import type { Rng } from '../../core/rng';
import { averagePrecision } from './average-precision';
import {
  fitLogisticRegression,
  fitLogisticRegressionWith,
  predictLogisticRegression,
  predictLogisticRegressionWith,
  type Matmul64,
} from './logistic-regression';

/**
 * Train-index sets for each experiment.
 * @example undersamplePlan([0, 0, 1, 1, 1], 2, 1, new Rng(42)) // e.g. [[3, 0], [1, 4]]
 */
export function undersamplePlan(
  labels: readonly number[],
  nExperiments: number,
  samplesPerLabel: number,
  rng: Rng,
): number[][] {
  let idxs = labels.map((_, i) => i);
  const plan: number[][] = [];
  for (let e = 0; e < nExperiments; e++) {
    idxs = rng.shuffle(idxs);
    const count = new Map<number, number>();
    const chosen: number[] = [];
    for (const i of idxs) {
      const c = count.get(labels[i]!) ?? 0;
      if (c < samplesPerLabel) {
        chosen.push(i);
        count.set(labels[i]!, c + 1);
      }
    }
    plan.push(chosen);
  }
  return plan;
}

/** Accuracy. @example accuracy([1, 0, 1], [1, 1, 1]) // 2/3 */
export function accuracy(yTrue: readonly number[], yPred: readonly number[]): number {
  let ok = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) ok++;
  return yTrue.length ? ok / yTrue.length : 0;
}

/**
 * F1 per label, averaged as sklearn: 'macro' over the union of true and predicted labels,
 * 'weighted' by true support. Undefined precision/recall count as 0 (sklearn zero_division).
 * @example f1Score([0, 0, 1], [0, 1, 1], 'macro') // (2/3 + 2/3) / 2
 */
export function f1Score(
  yTrue: readonly number[],
  yPred: readonly number[],
  average: 'macro' | 'weighted' = 'macro',
): number {
  const labels = [...new Set([...yTrue, ...yPred])].sort((a, b) => a - b);
  let sum = 0,
    weightSum = 0;
  for (const l of labels) {
    let tp = 0,
      fp = 0,
      fn = 0;
    for (let i = 0; i < yTrue.length; i++) {
      const t = yTrue[i] === l,
        p = yPred[i] === l;
      if (t && p) tp++;
      else if (p) fp++;
      else if (t) fn++;
    }
    const f1 = tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
    const w = average === 'macro' ? 1 : tp + fn;
    sum += w * f1;
    weightSum += w;
  }
  return weightSum ? sum / weightSum : 0;
}

/** accuracy, f1, f1_weighted (+ ap for two classes, positive = the larger label). */
export function classificationScores(yTrue: readonly number[], yPred: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {
    accuracy: accuracy(yTrue, yPred),
    f1: f1Score(yTrue, yPred, 'macro'),
    f1_weighted: f1Score(yTrue, yPred, 'weighted'),
  };
  const classes = [...new Set(yTrue)].sort((a, b) => a - b);
  if (classes.length === 2) {
    const pos = classes[1]!;
    out.ap = averagePrecision(
      yTrue.map((y) => (y === pos ? 1 : 0)),
      yPred.map((y) => (y === pos ? 1 : 0)),
    );
  }
  return out;
}

export interface ClassificationInput {
  /** Train embeddings by train index; only indices in `plan` are read. */
  trainRow: (index: number) => Float32Array;
  trainLabels: readonly number[];
  plan: readonly number[][];
  testRows: readonly Float32Array[];
  testLabels: readonly number[];
  maxIter?: number;
  /** Called with each experiment's test predictions (for per-item scores). */
  onPredictions?: (predictions: number[]) => void;
}

/**
 * Run the experiments of `plan` and average their scores (keys: accuracy, f1, f1_weighted[, ap]).
 * @example classificationExperiments({ trainRow: (i) => emb[i], trainLabels, plan, testRows, testLabels }).accuracy
 */
export function classificationExperiments(input: ClassificationInput): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const idxs of input.plan) {
    const model = fitLogisticRegression(
      idxs.map(input.trainRow),
      idxs.map((i) => input.trainLabels[i]!),
      { maxIter: input.maxIter ?? 100 },
    );
    addScores(input, predictLogisticRegression(model, input.testRows), sums);
  }
  return averaged(sums, input.plan.length);
}

/**
 * classificationExperiments with the fits' and predictions' products done by `mm` (onnxruntime's
 * float64 Gemm from the runner): the same fits up to the last bits of those sums.
 * @example await classificationExperimentsWith(onnxGemm64()!, input)
 */
export async function classificationExperimentsWith(
  mm: Matmul64,
  input: ClassificationInput,
): Promise<Record<string, number>> {
  const sums: Record<string, number> = {};
  for (const idxs of input.plan) {
    const model = await fitLogisticRegressionWith(
      mm,
      idxs.map(input.trainRow),
      idxs.map((i) => input.trainLabels[i]!),
      { maxIter: input.maxIter ?? 100 },
    );
    addScores(input, await predictLogisticRegressionWith(mm, model, input.testRows), sums);
  }
  return averaged(sums, input.plan.length);
}

function addScores(input: ClassificationInput, predictions: number[], sums: Record<string, number>): void {
  input.onPredictions?.(predictions);
  const scores = classificationScores(input.testLabels, predictions);
  for (const [k, v] of Object.entries(scores)) sums[k] = (sums[k] ?? 0) + v;
}

function averaged(sums: Record<string, number>, runs: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(sums)) out[k] = v / runs;
  return out;
}
