// Reranking runner: each query's candidates (see task-data.ts) ordered by cosine similarity,
// or, for BM25 models, by their score with the full corpus's statistics; MAP (main) and MRR@10.
import { formatPassage, formatQuery } from '../../core/format';
import { Bm25Index } from '../../retrieval/bm25';
import { rerankingMetrics } from '../metrics/reranking';
import type { RerankingData } from '../task-data';
import type { RerankingTaskMeta } from '../tasks/types';
import { truncateAndNormalize } from '../truncate';
import { rerankingItems } from '../item-scores';
import { dimsFor, type DimScores, type EvalContext } from './context';

/** @example const scores = await runReranking(getTask('SciFactReranking'), data, ctx); */
export async function runReranking(
  task: RerankingTaskMeta,
  data: RerankingData,
  ctx: EvalContext,
): Promise<DimScores[]> {
  const pack = (
    r: ReturnType<typeof rerankingMetrics>,
    dim: number | null,
    qs: readonly { scores: readonly number[]; relevant: readonly boolean[] }[],
  ): DimScores => ({
    dim,
    main_score: r.map,
    scores: { map: r.map, mrr_at_10: r.mrr_at_10, evaluated_queries: r.evaluated },
    items: rerankingItems(qs.map((q, i) => ({ ...q, id: data.queries[i]!.id }))),
  });
  if (ctx.model.kind === 'bm25') {
    const index = new Bm25Index(data.corpus, ctx.model.options); // corpus statistics of the full collection
    const position = new Map(data.corpus.map((p, i) => [p.id, i]));
    return [
      (() => {
        const qs = data.queries.map((q) => {
          const all = index.scores(q.text);
          return { scores: q.candidates.map((c) => all[position.get(c.id)!]!), relevant: q.relevant };
        });
        return pack(rerankingMetrics(qs), null, qs);
      })(),
    ];
  }
  const qv = await ctx.encode(
    'query',
    data.queries.map((q) => formatQuery(task.prompt, q.text, ctx.format)),
  );
  const flat = data.queries.flatMap((q) => q.candidates);
  const pv = await ctx.encode(
    'passage',
    flat.map((p) => formatPassage(p.title, p.text, ctx.format)),
  );
  return dimsFor(ctx.dims, qv[0]?.length ?? 0, ctx.log, task.name).map((dim) => {
    const q = truncateAndNormalize(qv, dim),
      p = truncateAndNormalize(pv, dim);
    let offset = 0;
    const queries = data.queries.map((query, i) => {
      const scores = query.candidates.map((_, j) => {
        const u = q[i]!,
          v = p[offset + j]!;
        let s = 0;
        for (let t = 0; t < dim; t++) s += u[t]! * v[t]!;
        return s;
      });
      offset += query.candidates.length;
      return { scores, relevant: query.relevant };
    });
    return pack(rerankingMetrics(queries), dim, queries);
  });
}
