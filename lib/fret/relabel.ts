// FRet step 2 (paper §3.2, positive and negative mining) for one query: retrieve the top-N neighbours of
// "task: … | query: …" (the seed passage included, added and marked if retrieval
// missed it), score each with query likelihood and relevance classification, fuse the
// two rankings by RRF(k), pick the positive (top fused) and the hard negative.
import { formatQuery } from '../core/format';
import { rngFor } from '../core/rng';
import type { Passage } from '../core/types';
import type { Teacher } from '../llm/types';
import type { CandidateRetriever } from './retrieve';
import type { RecordOrSkip } from './resume';
import { rankCandidates, selectPositiveNegative, type CandidateInput, type NegativeStrategy } from './select';
import type { FretRecord, QueryRecord } from './types';

export interface RelabelOptions {
  teacher: Teacher;
  retriever: CandidateRetriever;
  /** The candidate pool by id (must hold every seed passage). */
  pool: ReadonlyMap<string, Passage>;
  numCandidates: number;
  rrfK: number;
  negativeStrategy: NegativeStrategy;
  /** Root seed: the random negative of seed index i comes from rngFor(rootSeed, 'fret-negative', i). */
  rootSeed: number;
}

/**
 * Relabel one generated query. Every score and rank is kept in the returned record.
 * @example const r = await relabelQuery(q, { teacher, retriever, pool, numCandidates: 20, rrfK: 0, negativeStrategy: 'lowest', rootSeed: 1 });
 */
export async function relabelQuery(q: QueryRecord, opts: RelabelOptions): Promise<RecordOrSkip<FretRecord>> {
  const seed = opts.pool.get(q.seedPassageId);
  if (!seed)
    throw new Error(
      `relabelQuery: seed passage '${q.seedPassageId}' of query ${q.queryId} is not in the candidate pool`,
    );
  const hits = (await opts.retriever.search(formatQuery(q.task, q.query), opts.numCandidates)).slice(
    0,
    opts.numCandidates,
  );
  const list: { passage: Passage; retrievalRank: number | null; retrievalScore: number | null }[] = hits.map((h, i) => {
    const passage = opts.pool.get(h.id);
    if (!passage) throw new Error(`relabelQuery: retriever returned '${h.id}', which is not in the pool`);
    return { passage, retrievalRank: i + 1, retrievalScore: h.score };
  });
  const seedRetrieved = list.some((c) => c.passage.id === seed.id);
  // Paper: the neighbours include the original passage. If retrieval missed it, add it (marked).
  if (!seedRetrieved) list.push({ passage: seed, retrievalRank: null, retrievalScore: null });
  if (list.length < 2)
    return { skip: 'too-few-candidates', message: `query ${q.queryId}: only ${list.length} candidate(s) retrieved` };

  const scored: CandidateInput[] = await Promise.all(
    list.map(async (c) => {
      const [ql, rel] = await Promise.all([
        opts.teacher.queryLikelihood(q.query, c.passage),
        opts.teacher.relevance(q.task, q.query, c.passage),
      ]);
      return {
        passageId: c.passage.id,
        retrievalRank: c.retrievalRank,
        retrievalScore: c.retrievalScore,
        isSeed: c.passage.id === seed.id,
        ql,
        rcLabelLogprobs: rel.labelLogprobs,
        rc: rel.score,
      };
    }),
  );
  const ranked = rankCandidates(scored, { rrfK: opts.rrfK });
  const rng = opts.negativeStrategy === 'random' ? rngFor(opts.rootSeed, 'fret-negative', q.seedIndex) : undefined;
  const { positiveId, negativeId } = selectPositiveNegative(ranked, opts.negativeStrategy, rng);
  return {
    record: {
      seedIndex: q.seedIndex,
      queryId: q.queryId,
      seedPassageId: seed.id,
      task: q.task,
      query: q.query,
      teacher: opts.teacher.id,
      retriever: opts.retriever.id,
      rrfK: opts.rrfK,
      negativeStrategy: opts.negativeStrategy,
      seedRetrieved,
      candidates: ranked,
      positiveId,
      negativeId,
      positiveIsSeed: positiveId === seed.id,
      seedFusedRank: ranked.find((c) => c.isSeed)!.fusedRank,
    },
  };
}
