// Retrieval runner: exact dense search (cosine) or BM25 over the task's corpus, top 1000 per
// query, scored with MTEB's retrieval metrics at every dimension.
import { formatPassage, formatQuery } from '../../core/format';
import type { RunScores } from '../../core/types';
import { Bm25Index } from '../../retrieval/bm25';
import { exactTopK } from '../../retrieval/search';
import { MTEB_K_VALUES, retrievalMetrics } from '../metrics/retrieval';
import type { RetrievalData } from '../task-data';
import type { RetrievalTaskMeta } from '../tasks/types';
import { truncateAndNormalize } from '../truncate';
import { retrievalItems } from '../item-scores';
import { dimsFor, type DimScores, type EvalContext } from './context';

const TOP_K = Math.max(...MTEB_K_VALUES);

function score(task: RetrievalTaskMeta, data: RetrievalData, run: RunScores, dim: number | null): DimScores {
  const s = retrievalMetrics(data.qrels, run);
  return {
    dim,
    main_score: s.metrics[task.mainScore]!,
    scores: { ...s.metrics, evaluated_queries: s.evaluated, corpus_size: data.corpus.length },
    trec: { run, qrels: data.qrels },
    ...(task.mainScore === 'ndcg_at_10' ? { items: retrievalItems(data.qrels, run, 10) } : {}),
  };
}

/**
 * @example const [at256, at64] = await runRetrieval(getTask('SciFact'), data, ctx);
 */
export async function runRetrieval(
  task: RetrievalTaskMeta,
  data: RetrievalData,
  ctx: EvalContext,
): Promise<DimScores[]> {
  if (ctx.model.kind === 'bm25') {
    const index = new Bm25Index(data.corpus, ctx.model.options);
    const run: RunScores = {};
    for (const q of data.queries)
      run[q.id] = Object.fromEntries(index.search(q.text, TOP_K).map((h) => [h.id, h.score]));
    return [score(task, data, run, null)];
  }
  const qv = await ctx.encode(
    'query',
    data.queries.map((q) => formatQuery(task.prompt, q.text, ctx.format)),
  );
  const pv = await ctx.encode(
    'passage',
    data.corpus.map((p) => formatPassage(p.title, p.text, ctx.format)),
  );
  const out: DimScores[] = [];
  for (const dim of dimsFor(ctx.dims, qv[0]?.length ?? 0, ctx.log, task.name)) {
    const hits = await exactTopK(truncateAndNormalize(qv, dim), truncateAndNormalize(pv, dim), TOP_K);
    const run: RunScores = {};
    data.queries.forEach((q, i) => {
      const h = hits[i]!;
      const r: Record<string, number> = {};
      for (let j = 0; j < h.index.length; j++) if (h.index[j]! >= 0) r[data.corpus[h.index[j]!]!.id] = h.score[j]!;
      run[q.id] = r;
    });
    out.push(score(task, data, run, dim));
  }
  return out;
}
