// FRet step 2 (paper §3.2, positive and negative mining) for one query: retrieve the top-N neighbours (the seed
// passage included, added and marked if retrieval missed it), score each with query
// likelihood and relevance classification, rank by the configured signals (RRF(k) of both,
// or one alone), pick the positive (fused top-1 or the seed) and the hard negative.
//
// What is searched: a lexical retriever (BM25) gets the bare query, since the task text
// ("Given a web search query, retrieve a passage that ...") would be scored as content and
// match hundreds of passages; a dense retriever gets the task + query in the run's format,
// as it was trained. The record keeps the exact text (searchText, searchFormat).
//
// Unusable teacher answers (LlmOutputError and the like) are retried up to `maxAttempts`
// times (a fresh call each time: the attempt number is part of the call's cache key); a
// candidate that still fails is ranked last, never chosen, and counted.
import { formatQuery, type TextFormat } from '../core/format';
import { rngFor } from '../core/rng';
import type { Passage } from '../core/types';
import type { NegativeStrategy, PositiveChoice, RankingSignals } from '../config/choices';
import type { RelevanceJudgement, Teacher } from '../llm/types';
import type { CandidateRetriever } from './retrieve';
import { skipReasonOf, type RecordOrSkip } from './resume';
import { fusedTies, rankCandidates, selectPositiveNegative, type CandidateInput } from './select';
import type { FretRecord, QueryRecord } from './types';

export interface RelabelOptions {
  teacher: Teacher;
  retriever: CandidateRetriever;
  /** The candidate pool by id (must hold every seed passage). */
  pool: ReadonlyMap<string, Passage>;
  numCandidates: number;
  rrfK: number;
  negativeStrategy: NegativeStrategy;
  /** Default 'fused'. */
  positive?: PositiveChoice;
  /** Default 'both'. */
  signals?: RankingSignals;
  /** Format of the dense retriever's query text (default 'unified'). */
  format?: TextFormat;
  /** Attempts per teacher answer before it counts as failed (default 3). */
  maxAttempts?: number;
  /** Root seed: the random negative of seed index i comes from rngFor(rootSeed, 'fret-negative', i). */
  rootSeed: number;
}

/** The text a retriever searches for a query: bare for lexical retrievers, formatted task + query for dense ones. */
export function searchTextOf(
  retriever: Pick<CandidateRetriever, 'kind'>,
  q: Pick<QueryRecord, 'task' | 'query'>,
  format: TextFormat = 'unified',
): { text: string; format: 'bare' | TextFormat } {
  return retriever.kind === 'lexical'
    ? { text: q.query, format: 'bare' }
    : { text: formatQuery(q.task, q.query, format), format };
}

/**
 * Call `fn(attempt)` until it returns, at most `maxAttempts` times; an error that is not an
 * unusable-answer error (skipReasonOf) is rethrown at once. Returns the value, or the last reason.
 * @example const r = await withRetries((a) => teacher.queryLikelihood(q, p, { attempt: a }), 3);
 */
export async function withRetries<T>(
  fn: (attempt: number) => Promise<T>,
  maxAttempts: number,
): Promise<{ ok: true; value: T; attempts: number } | { ok: false; reason: string; attempts: number }> {
  let reason = '';
  for (let attempt = 0; attempt < Math.max(1, maxAttempts); attempt++) {
    try {
      return { ok: true, value: await fn(attempt), attempts: attempt + 1 };
    } catch (e) {
      const why = skipReasonOf(e);
      if (why === undefined) throw e;
      reason = why;
    }
  }
  return { ok: false, reason, attempts: Math.max(1, maxAttempts) };
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
  const positive = opts.positive ?? 'fused';
  const signals = opts.signals ?? 'both';
  const maxAttempts = opts.maxAttempts ?? 3;
  const search = searchTextOf(opts.retriever, q, opts.format);
  const hits = (await opts.retriever.search(search.text, opts.numCandidates)).slice(0, opts.numCandidates);
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

  const failures = { ql: 0, rc: 0, retries: 0 };
  const scored: CandidateInput[] = await Promise.all(
    list.map(async (c) => {
      const [ql, rel] = await Promise.all([
        withRetries((attempt) => opts.teacher.queryLikelihood(q.query, c.passage, { attempt }), maxAttempts),
        withRetries<RelevanceJudgement>(
          (attempt) => opts.teacher.relevance(q.task, q.query, c.passage, { attempt }),
          maxAttempts,
        ),
      ]);
      failures.retries += ql.attempts - 1 + rel.attempts - 1;
      if (!ql.ok) failures.ql++;
      if (!rel.ok) failures.rc++;
      return {
        passageId: c.passage.id,
        retrievalRank: c.retrievalRank,
        retrievalScore: c.retrievalScore,
        isSeed: c.passage.id === seed.id,
        ql: ql.ok ? ql.value : NaN,
        rcLabelLogprobs: rel.ok ? rel.value.labelLogprobs : {},
        rc: rel.ok ? rel.value.score : NaN,
        qlFailed: !ql.ok,
        rcFailed: !rel.ok,
      };
    }),
  );
  const ranked = rankCandidates(scored, { rrfK: opts.rrfK, signals, queryId: q.queryId });
  const usable = ranked.filter((c) => !c.failed).length;
  if (positive === 'fused' && usable === 0)
    return {
      skip: 'teacher-failed',
      message: `query ${q.queryId}: no candidate could be scored after ${maxAttempts} attempts each`,
    };
  const rng = opts.negativeStrategy === 'random' ? rngFor(opts.rootSeed, 'fret-negative', q.seedIndex) : undefined;
  const { positiveId, negativeId } = selectPositiveNegative(ranked, { positive, negative: opts.negativeStrategy }, rng);
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
      signals,
      positive,
      negativeStrategy: opts.negativeStrategy,
      searchText: search.text,
      searchFormat: search.format,
      seedRetrieved,
      candidates: ranked,
      positiveId,
      negativeId,
      positiveIsSeed: positiveId === seed.id,
      seedFusedRank: ranked.find((c) => c.isSeed)!.fusedRank,
      ties: fusedTies(ranked),
      failures,
    },
  };
}
