// Clustering runner: k-means with k = number of gold labels on the task-prompted embeddings,
// scored by V-measure (MTEB ClusteringEvaluator; one set, not MTEB's several sub-sets).
import { formatQuery } from '../../core/format';
import { rngFor } from '../../core/rng';
import { kMeans } from '../metrics/kmeans';
import { vMeasure } from '../metrics/v-measure';
import type { ClusteringData } from '../task-data';
import type { ClusteringTaskMeta } from '../tasks/types';
import { truncateAndNormalize } from '../truncate';
import { dimsFor, NotApplicableError, type DimScores, type EvalContext } from './context';

/** @example const scores = await runClustering(getTask('AGNewsClustering'), data, ctx); */
export async function runClustering(
  task: ClusteringTaskMeta,
  data: ClusteringData,
  ctx: EvalContext,
): Promise<DimScores[]> {
  if (ctx.model.kind !== 'dense') throw new NotApplicableError(task.name, ctx.model.id, 'clustering needs embeddings');
  const vecs = await ctx.encode(
    'text',
    data.items.map((r) => formatQuery(task.prompt, r.text, ctx.format)),
  );
  const labels = data.items.map((r) => r.label);
  const k = new Set(labels).size;
  return dimsFor(ctx.dims, vecs[0]?.length ?? 0, ctx.log, task.name).map((dim) => {
    const res = kMeans(truncateAndNormalize(vecs, dim), k, rngFor(ctx.seed, 'eval', task.name, 'kmeans', dim));
    const v = vMeasure(labels, Array.from(res.assignments));
    const scores = { ...v, k, items: labels.length };
    return { dim, main_score: v.v_measure, scores, items: [{ item: 'all', score: v.v_measure }] };
  });
}
