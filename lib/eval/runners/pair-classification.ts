// Pair classification runner: both sentences embedded as queries with the task prompt;
// MTEB's threshold scores and average precision for cosine, dot, euclidean and manhattan.
import { formatQuery } from '../../core/format';
import { pairClassificationMetrics } from '../metrics/pair-classification';
import type { PairData } from '../task-data';
import type { PairClassificationTaskMeta } from '../tasks/types';
import { truncateAndNormalize } from '../truncate';
import { apItems } from '../item-scores';
import { dimsFor, NotApplicableError, type DimScores, type EvalContext } from './context';

/** @example const scores = await runPairClassification(getTask('MRPC'), data, ctx); */
export async function runPairClassification(
  task: PairClassificationTaskMeta,
  data: PairData,
  ctx: EvalContext,
): Promise<DimScores[]> {
  if (ctx.model.kind !== 'dense')
    throw new NotApplicableError(task.name, ctx.model.id, 'pair classification needs embeddings');
  const a = await ctx.encode(
    'text',
    data.pairs.map((p) => formatQuery(task.prompt, p.text1, ctx.format)),
  );
  const b = await ctx.encode(
    'text',
    data.pairs.map((p) => formatQuery(task.prompt, p.text2, ctx.format)),
  );
  const labels = data.pairs.map((p) => p.label);
  return dimsFor(ctx.dims, a[0]?.length ?? 0, ctx.log, task.name).map((dim) => {
    const x = truncateAndNormalize(a, dim),
      y = truncateAndNormalize(b, dim);
    const scores: Record<string, number> = {
      ...pairClassificationMetrics(x, y, labels),
      pairs: labels.length,
    };
    // per-positive precision (mean = cosine AP): unit vectors, so cosine = dot
    const cos = x.map((u, i) => u.reduce((s, v, j) => s + v * y[i]![j]!, 0));
    const items =
      task.mainScore === 'cosine_ap'
        ? apItems(
            labels.map((_, i) => String(i)),
            labels,
            cos,
          )
        : undefined;
    return { dim, main_score: scores[task.mainScore]!, scores, ...(items ? { items } : {}) };
  });
}
