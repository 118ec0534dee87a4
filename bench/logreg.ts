// Classification evaluation's logistic regression: the plain-TS fit (the path before onnxruntime's
// Gemm, bit-identical to it; GECKO_ONNX=off still runs it) against the same fit with its products
// on onnxruntime's float64 Gemm (backend/onnx-gemm64.ts, what runners/classification.ts uses),
// on Banking77-shaped random data (bench/logreg-data.ts: 77 classes, 8 train rows per class drawn
// by MTEB's undersampling from a pool, 3080 test rows) at the eval's dims 512/256/128/64, in one
// process, alternating old and new per round. Prints per-round times, the ratio old / new (median
// of rounds, with its range), whether accuracies and predictions were identical, and the 1-min load
// average before and after: the machine is shared, so read the same-run ratio, not the seconds.
//
//   npx tsx bench/logreg.ts                          # 3 rounds x 10 experiments x 4 dims, ~3 min on 2 busy cores
//   npx tsx bench/logreg.ts --rounds 1 --experiments 2
import { loadavg } from 'node:os';
import { onnxGemm64 } from '../lib/backend/onnx-gemm64';
import { Rng } from '../lib/core/rng';
import {
  classificationExperiments,
  classificationExperimentsWith,
  undersamplePlan,
  type ClassificationInput,
} from '../lib/eval/metrics/classification';
import { banking77Like } from './logreg-data';

const argv = process.argv.slice(2);
const flag = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const rounds = Number(flag('--rounds') ?? 3);
const experiments = Number(flag('--experiments') ?? 10);
const DIMS = [512, 256, 128, 64];

const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main(): Promise<void> {
  const mm = onnxGemm64();
  if (!mm) throw new Error('onnxruntime-node did not load (or GECKO_ONNX=off): nothing to compare the TS fit with');
  const load0 = loadavg()[0]!;
  const data = DIMS.map((dim) => banking77Like({ seed: 11, dim, perClass: 24 }));
  const plan = undersamplePlan(data[0]!.trainLabels, experiments, 8, new Rng(42));
  const inputs = (pred: number[][]): ClassificationInput[] =>
    data.map((d) => ({
      trainRow: (i) => d.train[i]!,
      trainLabels: d.trainLabels,
      plan,
      testRows: d.test,
      testLabels: d.testLabels,
      onPredictions: (p) => pred.push(p),
    }));
  await classificationExperimentsWith(mm, { ...inputs([])[3]!, plan: plan.slice(0, 1) }); // sessions created
  const ratios: number[] = [];
  let identical = true;
  for (let r = 0; r < rounds; r++) {
    const pOld: number[][] = [],
      pNew: number[][] = [];
    const order = r % 2 ? ['new', 'old'] : ['old', 'new'];
    const t: Record<string, number> = {},
      acc: Record<string, number[]> = {};
    for (const which of order) {
      const t0 = performance.now();
      acc[which] = [];
      for (const input of inputs(which === 'old' ? pOld : pNew))
        acc[which]!.push(
          (which === 'old' ? classificationExperiments(input) : await classificationExperimentsWith(mm, input))
            .accuracy!,
        );
      t[which] = (performance.now() - t0) / 1000;
    }
    const same = JSON.stringify(acc.old) === JSON.stringify(acc.new) && JSON.stringify(pOld) === JSON.stringify(pNew);
    identical &&= same;
    ratios.push(t.old! / t.new!);
    console.log(
      `round ${r + 1} (${order.join(' then ')}): TS ${t.old!.toFixed(1)} s, onnxruntime ${t.new!.toFixed(1)} s, ` +
        `ratio ${(t.old! / t.new!).toFixed(2)}, accuracies ${acc.new!.map((a) => a.toFixed(4)).join('/')} ` +
        `(dims ${DIMS.join('/')}), identical: ${same}`,
    );
  }
  console.log(
    JSON.stringify({
      rounds,
      experiments_per_dim: experiments,
      dims: DIMS,
      ratio_old_over_new_median: Math.round(median(ratios) * 100) / 100,
      ratio_range: [Math.min(...ratios), Math.max(...ratios)].map((x) => Math.round(x * 100) / 100),
      predictions_and_accuracies_identical: identical,
      load_avg_1min: [load0, loadavg()[0]!].map((x) => Math.round(x * 100) / 100),
    }),
  );
  if (!identical) process.exitCode = 1;
}

void main();
