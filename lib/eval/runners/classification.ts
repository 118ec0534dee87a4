// Classification runner (MTEB protocol, see metrics/classification.ts): only the train texts
// some experiment draws are embedded; the same draws are used at every dimension.
import { formatQuery } from '../../core/format';
import { rngFor } from '../../core/rng';
import { onnxGemm64 } from '../../backend/onnx-gemm64';
import {
  classificationExperiments,
  classificationExperimentsWith,
  type ClassificationInput,
  undersamplePlan,
} from '../metrics/classification';
import type { ClassificationData } from '../task-data';
import type { ClassificationTaskMeta } from '../tasks/types';
import { truncateAndNormalize } from '../truncate';
import { classificationItems } from '../item-scores';
import { dimsFor, NotApplicableError, type DimScores, type EvalContext } from './context';

/** @example const scores = await runClassification(getTask('Banking77Classification'), data, ctx); */
export async function runClassification(
  task: ClassificationTaskMeta,
  data: ClassificationData,
  ctx: EvalContext,
): Promise<DimScores[]> {
  if (ctx.model.kind !== 'dense')
    throw new NotApplicableError(task.name, ctx.model.id, 'classification needs embeddings');
  const trainLabels = data.train.map((r) => r.label);
  const plan = undersamplePlan(
    trainLabels,
    task.nExperiments,
    task.samplesPerLabel,
    rngFor(ctx.seed, 'eval', task.name, 'undersample'),
  );
  const used = [...new Set(plan.flat())].sort((x, y) => x - y);
  const trainVecs = await ctx.encode(
    'text',
    used.map((i) => formatQuery(task.prompt, data.train[i]!.text, ctx.format)),
  );
  const testVecs = await ctx.encode(
    'text',
    data.test.map((r) => formatQuery(task.prompt, r.text, ctx.format)),
  );
  const testLabels = data.test.map((r) => r.label);
  // onnxruntime's float64 Gemm does the fits' products when it loads (same fits and predictions,
  // about 10x faster than the TS loops on 2 busy cores: bench/logreg.ts); GECKO_ONNX=off or no
  // onnxruntime: the plain-TS fit, the same optimisation.
  const mm = onnxGemm64();
  const out: DimScores[] = [];
  for (const dim of dimsFor(ctx.dims, testVecs[0]?.length ?? 0, ctx.log, task.name)) {
    const tr = truncateAndNormalize(trainVecs, dim);
    const row = new Map(used.map((i, j) => [i, tr[j]!]));
    const predictions: number[][] = [];
    const input: ClassificationInput = {
      trainRow: (i) => row.get(i)!,
      trainLabels,
      plan,
      testRows: truncateAndNormalize(testVecs, dim),
      testLabels,
      onPredictions: (p) => predictions.push(p),
    };
    const scores: Record<string, number> = {
      ...(mm ? await classificationExperimentsWith(mm, input) : classificationExperiments(input)),
      n_experiments: plan.length,
      samples_per_label: task.samplesPerLabel,
      test_size: testLabels.length,
    };
    const items = classificationItems(
      testLabels.map((_, i) => String(i)),
      testLabels,
      predictions,
    );
    out.push({ dim, main_score: scores.accuracy!, scores, items });
  }
  return out;
}
