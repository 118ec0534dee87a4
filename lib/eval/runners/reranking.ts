// Reranking runner: each query's candidates (see task-data.ts) ordered by cosine similarity,
// or by BM25 score over the full corpus for the bm25 model; MAP (main) and MRR@10.
import { formatPassage, formatQuery } from '../../core/format';
import { rerankingMetrics } from '../metrics/reranking';
import type { RerankingData } from '../task-data';
import type { RerankingTaskMeta } from '../tasks/types';
import { truncateAndNormalize } from '../truncate';
import { dimsFor, type DimScores, type RunContext } from './context';

/** @example const scores = await runReranking(getTask('SciFactReranking'), data, ctx); */
export async function runReranking(task: RerankingTaskMeta, data: RerankingData, ctx: RunContext): Promise<DimScores[]> {
  const pack = (r: ReturnType<typeof rerankingMetrics>, dim: number | null): DimScores =>
    ({ dim, main_score: r.map, scores: { map: r.map, mrr_at_10: r.mrr_at_10, evaluated_queries: r.evaluated } });
  if (ctx.model.kind === 'bm25') {
    return [pack(rerankingMetrics(data.queries.map((q) => ({ scores: q.bm25, relevant: q.relevant }))), null)];
  }
  const qv = await ctx.encode('query', data.queries.map((q) => formatQuery(task.prompt, q.text)));
  const flat = data.queries.flatMap((q) => q.candidates);
  const pv = await ctx.encode('passage', flat.map((p) => formatPassage(p.title, p.text)));
  return dimsFor(ctx.dims, qv[0]?.length ?? 0, ctx.log, task.name).map((dim) => {
    const q = truncateAndNormalize(qv, dim), p = truncateAndNormalize(pv, dim);
    let offset = 0;
    const queries = data.queries.map((query, i) => {
      const scores = query.candidates.map((_, j) => {
        const u = q[i]!, v = p[offset + j]!;
        let s = 0;
        for (let t = 0; t < dim; t++) s += u[t]! * v[t]!;
        return s;
      });
      offset += query.candidates.length;
      return { scores, relevant: query.relevant };
    });
    return pack(rerankingMetrics(queries), dim);
  });
}
