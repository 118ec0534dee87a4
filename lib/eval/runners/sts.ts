// STS runner: both sentences embedded as queries with the task prompt (symmetric); Spearman
// and Pearson of cosine (main: cosine_spearman), euclidean and manhattan similarity vs gold.
import { formatQuery } from '../../core/format';
import { pearson, spearman } from '../metrics/correlation';
import type { StsData } from '../task-data';
import type { StsTaskMeta } from '../tasks/types';
import { truncateAndNormalize } from '../truncate';
import { stsItems } from '../item-scores';
import { dimsFor, NotApplicableError, type DimScores, type EvalContext } from './context';

/** @example const scores = await runSts(getTask('STSBenchmark'), data, ctx); */
export async function runSts(task: StsTaskMeta, data: StsData, ctx: EvalContext): Promise<DimScores[]> {
  if (ctx.model.kind !== 'dense') throw new NotApplicableError(task.name, ctx.model.id, 'STS needs embeddings');
  const a = await ctx.encode(
    'text',
    data.pairs.map((p) => formatQuery(task.prompt, p.text1, ctx.format)),
  );
  const b = await ctx.encode(
    'text',
    data.pairs.map((p) => formatQuery(task.prompt, p.text2, ctx.format)),
  );
  const gold = data.pairs.map((p) => p.score);
  return dimsFor(ctx.dims, a[0]?.length ?? 0, ctx.log, task.name).map((dim) => {
    const x = truncateAndNormalize(a, dim),
      y = truncateAndNormalize(b, dim);
    const cos = new Float64Array(x.length),
      eu = new Float64Array(x.length),
      man = new Float64Array(x.length);
    x.forEach((u, i) => {
      const v = y[i]!;
      let d = 0,
        e = 0,
        m = 0;
      for (let j = 0; j < dim; j++) {
        d += u[j]! * v[j]!;
        const t = u[j]! - v[j]!;
        e += t * t;
        m += Math.abs(t);
      }
      cos[i] = d;
      eu[i] = -Math.sqrt(e);
      man[i] = -m;
    });
    const scores = {
      cosine_spearman: spearman(cos, gold),
      cosine_pearson: pearson(cos, gold),
      euclidean_spearman: spearman(eu, gold),
      euclidean_pearson: pearson(eu, gold),
      manhattan_spearman: spearman(man, gold),
      manhattan_pearson: pearson(man, gold),
      pairs: gold.length,
    };
    return {
      dim,
      main_score: scores.cosine_spearman,
      scores,
      items: stsItems(
        gold.map((_, i) => String(i)),
        cos,
        gold,
      ),
    };
  });
}
