// Classification's logistic regression with its two big products on onnxruntime's float64 Gemm
// (backend/onnx-gemm64.ts, what runners/classification.ts uses when onnxruntime loads) is the
// same fit as the plain-TS path: same iterations, weights to 1e-9 (only the products' summation
// order differs), identical predictions and accuracy, on Banking77-shaped data (bench/logreg-data.ts:
// 616 x 512 train rows, 77 classes) and on a two-class task (the sigmoid path).
import { describe, expect, it } from 'vitest';
import { onnxGemm64 } from '../../lib/backend/onnx-gemm64';
import { Rng } from '../../lib/core/rng';
import {
  classificationExperiments,
  classificationExperimentsWith,
  undersamplePlan,
} from '../../lib/eval/metrics/classification';
import {
  fitLogisticRegression,
  fitLogisticRegressionWith,
  predictLogisticRegression,
  predictLogisticRegressionWith,
} from '../../lib/eval/metrics/logistic-regression';
import { banking77Like } from '../../bench/logreg-data';
import { haveOnnxRuntime } from '../helpers';

const maxAbsDiff = (a: Float64Array, b: Float64Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);

describe.skipIf(!haveOnnxRuntime())('logistic regression on onnxruntime float64 Gemm', () => {
  const mm = onnxGemm64()!;

  it('products equal the naive sums, subarray inputs included', async () => {
    const rng = new Rng(5);
    const buf = Float64Array.from({ length: 3 + 4 * 3 + 5 * 3 + 5 }, () => rng.normal());
    const A = buf.subarray(3, 15), // (4, 3), not at the buffer's start
      B = buf.subarray(15, 30), // (5, 3)
      bias = buf.subarray(30); // (5)
    const y = await mm.abT(A, 4, 3, B, 5, bias);
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 5; j++) {
        let s = bias[j]!;
        for (let k = 0; k < 3; k++) s += A[i * 3 + k]! * B[j * 3 + k]!;
        expect(y[i * 5 + j]).toBeCloseTo(s, 12);
      }
    const C = buf.subarray(10, 30); // (4, 5)
    const z = await mm.aTb(A, 4, 3, C, 5); // (3, 5)
    for (let k = 0; k < 3; k++)
      for (let j = 0; j < 5; j++) {
        let s = 0;
        for (let i = 0; i < 4; i++) s += A[i * 3 + k]! * C[i * 5 + j]!;
        expect(z[k * 5 + j]).toBeCloseTo(s, 12);
      }
  });

  for (const [dim, K] of [
    [512, 77],
    [64, 77],
    [32, 2],
  ] as const)
    it(`the same fit as the TS path: ${K} classes, dim ${dim}`, async () => {
      const d = banking77Like({ seed: 3, dim, K, test: 770 });
      const old = fitLogisticRegression(d.train, d.trainLabels);
      const neu = await fitLogisticRegressionWith(mm, d.train, d.trainLabels);
      expect(neu.iterations).toBe(old.iterations);
      expect(neu.iterations).toBeGreaterThan(3);
      expect(neu.converged).toBe(old.converged);
      expect(maxAbsDiff(neu.weights, old.weights)).toBeLessThan(1e-9);
      expect(maxAbsDiff(neu.bias, old.bias)).toBeLessThan(1e-9);
      const pOld = predictLogisticRegression(old, d.test);
      expect(await predictLogisticRegressionWith(mm, neu, d.test)).toEqual(pOld);
      expect(await predictLogisticRegressionWith(mm, old, d.test)).toEqual(pOld);
      const acc = pOld.filter((p, i) => p === d.testLabels[i]).length / pOld.length;
      expect(acc).toBeGreaterThan(1.2 / K); // above chance: the fit learnt something
      expect(acc).toBeLessThan(1); // not trivially separable: near-ties exist
    });

  it('classificationExperimentsWith scores and predicts as classificationExperiments', async () => {
    const d = banking77Like({ seed: 4, dim: 128, perClass: 12, test: 770 });
    const plan = undersamplePlan(d.trainLabels, 2, 8, new Rng(42));
    const run = (pred: number[][]) => ({
      trainRow: (i: number) => d.train[i]!,
      trainLabels: d.trainLabels,
      plan,
      testRows: d.test,
      testLabels: d.testLabels,
      onPredictions: (p: number[]) => pred.push(p),
    });
    const pOld: number[][] = [],
      pNew: number[][] = [];
    const old = classificationExperiments(run(pOld));
    expect(await classificationExperimentsWith(mm, run(pNew))).toEqual(old);
    expect(pNew).toEqual(pOld);
  });
});
