// FRet step 2, the mining rule (paper §3.2 positive and negative mining, Fig. 4, appendix A): rank the neighbours by
// each LLM signal, fuse the ranks by RRF (or use one signal alone), choose the positive
// (the fused top-1, or the seed passage) and, relative to that positive, the hard negative
// (the lowest-ranked other candidate p_N, a seeded random other candidate, or none).
//
// Ties. With k = 0 fused ties are structural (QL 1 / RC 2 against QL 2 / RC 1 both give
// 1.5), at the top and at the bottom. They are broken by documented continuous keys, never
// by passage id (BBC ids begin with their category, so an id order is a topic preference):
//   ranking by one signal: equal scores by tieHash = a hash of (query id, passage id) in [0, 1);
//   fused ranking: equal fused scores by zSum = the sum over the used signals of the
//     candidate's z-score (raw score standardised within the query's candidates), then tieHash.
// Every record counts its ties (ties.top / ties.bottom), so a report can say how many
// positives and negatives a tie-break decided. Pure: scores in, ranked candidates out.
import { deriveSeed, type Rng } from '../core/rng';
import {
  NEGATIVE_STRATEGIES,
  type NegativeStrategy,
  type PositiveChoice,
  type RankingSignals,
} from '../config/choices';
import { rankByScore, reciprocalRankFusion } from './rrf';
import type { CandidateScores } from './types';

export { NEGATIVE_STRATEGIES, type NegativeStrategy };

/** What a candidate brings before ranking. */
export type CandidateInput = Omit<
  CandidateScores,
  'qlRank' | 'rcRank' | 'fused' | 'fusedRank' | 'zSum' | 'tieHash' | 'qlFailed' | 'rcFailed' | 'failed'
> &
  Partial<Pick<CandidateScores, 'qlFailed' | 'rcFailed'>>;

/** The neutral tie key of a (query, passage) pair: a hash in [0, 1), independent of the id's text order. */
export function tieHash(queryId: string, passageId: string): number {
  return deriveSeed(0, 'fret-tie', queryId, passageId) / 2 ** 32;
}

function zScores(xs: readonly number[]): number[] {
  const ok = xs.filter(Number.isFinite);
  const m = ok.reduce((s, x) => s + x, 0) / Math.max(1, ok.length);
  const sd = Math.sqrt(ok.reduce((s, x) => s + (x - m) ** 2, 0) / Math.max(1, ok.length));
  // A failed (non-finite) score is ranked last: its z-score is the lowest possible.
  return xs.map((x) => (!Number.isFinite(x) ? -1e9 : sd > 0 ? (x - m) / sd : 0));
}

export interface RankOptions {
  rrfK: number;
  /** Which signals rank the candidates (default 'both': RRF of QL and RC). */
  signals?: RankingSignals;
  /** The query's id, for the neutral tie key (default ''). */
  queryId?: string;
}

/**
 * Rank candidates by QL and by RC (1 = best), fuse the used signals with RRF(k), and return
 * them ordered by fused rank. A candidate whose signal failed (NaN) is ranked last by it.
 * @example rankCandidates(cands, { rrfK: 0, signals: 'both', queryId: 'q7' })[0].passageId // the fused top-1
 */
export function rankCandidates(cands: readonly CandidateInput[], opts: RankOptions): CandidateScores[] {
  const signals = opts.signals ?? 'both';
  const qid = opts.queryId ?? '';
  const hash = new Map(cands.map((c) => [c.passageId, tieHash(qid, c.passageId)]));
  const by = (score: (c: CandidateInput) => number) =>
    rankByScore(cands.map((c) => ({ id: c.passageId, score: score(c), tie: [hash.get(c.passageId)!] })));
  const qlRanks = by((c) => c.ql);
  const rcRanks = by((c) => c.rc);
  const used = signals === 'both' ? [qlRanks, rcRanks] : signals === 'ql' ? [qlRanks] : [rcRanks];
  const fused = reciprocalRankFusion(used, { k: opts.rrfK });
  const zq = zScores(cands.map((c) => c.ql));
  const zr = zScores(cands.map((c) => c.rc));
  const zSum = new Map(
    cands.map((c, i) => [c.passageId, (signals !== 'rc' ? zq[i]! : 0) + (signals !== 'ql' ? zr[i]! : 0)]),
  );
  const failed = (c: CandidateInput) =>
    (signals !== 'rc' && (c.qlFailed || !Number.isFinite(c.ql))) ||
    (signals !== 'ql' && (c.rcFailed || !Number.isFinite(c.rc)));
  // A candidate whose used signal failed (after retries) is ranked last (NaN sorts last).
  const fusedRanks = rankByScore(
    cands.map((c) => ({
      id: c.passageId,
      score: failed(c) ? NaN : fused[c.passageId]!,
      tie: [zSum.get(c.passageId)!, hash.get(c.passageId)!],
    })),
  );
  return cands
    .map((c) => ({
      ...c,
      qlFailed: c.qlFailed ?? !Number.isFinite(c.ql),
      rcFailed: c.rcFailed ?? !Number.isFinite(c.rc),
      qlRank: qlRanks[c.passageId]!,
      rcRank: rcRanks[c.passageId]!,
      fused: fused[c.passageId]!,
      fusedRank: fusedRanks[c.passageId]!,
      failed: failed(c),
      zSum: zSum.get(c.passageId)!,
      tieHash: hash.get(c.passageId)!,
    }))
    .sort((a, b) => a.fusedRank - b.fusedRank);
}

/**
 * How many candidates share the top fused score and the bottom one (1 = no tie).
 * @example fusedTies(ranked) // { top: 2, bottom: 1 }: the positive was chosen by the tie-break
 */
export function fusedTies(ranked: readonly CandidateScores[]): { top: number; bottom: number } {
  const f = ranked.filter((c) => !c.failed).map((c) => c.fused);
  if (f.length === 0) return { top: 0, bottom: 0 };
  const max = Math.max(...f),
    min = Math.min(...f);
  return { top: f.filter((x) => x === max).length, bottom: f.filter((x) => x === min).length };
}

export interface SelectRule {
  /** 'fused' (default) = fused rank 1; 'seed' = the seed passage. */
  positive?: PositiveChoice;
  negative: NegativeStrategy;
}

/**
 * Positive: fused rank 1 ('fused') or the seed passage ('seed'). Negative, relative to the
 * chosen positive: 'lowest' = the last fused rank among the other candidates (p_N),
 * 'random' = uniform over the other candidates, drawn from `rng` (required then), 'none' = null.
 * @example selectPositiveNegative(ranked, { positive: 'fused', negative: 'lowest' }) // { positiveId: ranked[0].passageId, negativeId: ranked.at(-1).passageId }
 */
export function selectPositiveNegative(
  ranked: readonly CandidateScores[],
  rule: SelectRule | NegativeStrategy,
  rng?: Rng,
): { positiveId: string; negativeId: string | null } {
  const r: SelectRule = typeof rule === 'string' ? { negative: rule } : rule;
  if (ranked.length < 2)
    throw new RangeError(`selectPositiveNegative: need at least 2 candidates, got ${ranked.length}`);
  // Candidates whose teacher answer failed are never chosen (they are ranked last and counted).
  const byRank = ranked
    .slice()
    .sort((a, b) => a.fusedRank - b.fusedRank)
    .filter((c) => !c.failed);
  let positiveId: string;
  if ((r.positive ?? 'fused') === 'fused') {
    if (byRank.length === 0) throw new Error('selectPositiveNegative: every candidate failed to be scored');
    positiveId = byRank[0]!.passageId;
  } else if (r.positive === 'seed') {
    const seed = ranked.find((c) => c.isSeed);
    if (!seed) throw new Error("selectPositiveNegative: positive 'seed' but no candidate is the seed passage");
    positiveId = seed.passageId;
  } else throw new RangeError(`unknown positive '${String(r.positive)}': use fused or seed`);
  const others = byRank.filter((c) => c.passageId !== positiveId);
  if (r.negative === 'none' || others.length === 0) return { positiveId, negativeId: null };
  if (r.negative === 'lowest') return { positiveId, negativeId: others[others.length - 1]!.passageId };
  if (r.negative === 'random') {
    if (!rng) throw new Error("selectPositiveNegative: strategy 'random' needs an rng");
    return { positiveId, negativeId: rng.choice(others).passageId };
  }
  throw new RangeError(`unknown negative strategy '${String(r.negative)}': use ${NEGATIVE_STRATEGIES.join(', ')}`);
}
