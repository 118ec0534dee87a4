// FRet step 2, the mining rule (paper §3.2, positive and negative mining): rank the neighbours by each LLM
// signal, fuse by RRF, take the top fused passage as the positive and, as the hard
// negative, either the lowest fused passage (p_N) or a seeded random neighbour other
// than the positive. Pure: scores in, ranked candidates and choices out.
import type { Rng } from '../core/rng';
import { rankByScore, reciprocalRankFusion } from './rrf';
import type { CandidateScores } from './types';

/** What a candidate brings before ranking. */
export type CandidateInput = Omit<CandidateScores, 'qlRank' | 'rcRank' | 'fused' | 'fusedRank'>;

export const NEGATIVE_STRATEGIES = ['lowest', 'random'] as const;
export type NegativeStrategy = (typeof NEGATIVE_STRATEGIES)[number];

/**
 * Rank candidates by QL and by RC (1 = best, ties by passage id), fuse with RRF(k), and
 * return them ordered by fused rank (ties by passage id).
 * @example rankCandidates(cands, { rrfK: 0 })[0].passageId // the positive
 */
export function rankCandidates(cands: readonly CandidateInput[], opts: { rrfK: number }): CandidateScores[] {
  const qlRanks = rankByScore(cands.map((c) => ({ id: c.passageId, score: c.ql })));
  const rcRanks = rankByScore(cands.map((c) => ({ id: c.passageId, score: c.rc })));
  const fused = reciprocalRankFusion([qlRanks, rcRanks], { k: opts.rrfK });
  const fusedRanks = rankByScore(cands.map((c) => ({ id: c.passageId, score: fused[c.passageId]! })));
  return cands
    .map((c) => ({
      ...c,
      qlRank: qlRanks[c.passageId]!,
      rcRank: rcRanks[c.passageId]!,
      fused: fused[c.passageId]!,
      fusedRank: fusedRanks[c.passageId]!,
    }))
    .sort((a, b) => a.fusedRank - b.fusedRank);
}

/**
 * Positive = fused rank 1; negative per strategy: 'lowest' = the last fused rank (p_N),
 * 'random' = uniform over the other candidates, drawn from `rng` (required then).
 * @example selectPositiveNegative(ranked, 'lowest') // { positiveId: ranked[0].passageId, negativeId: ranked.at(-1).passageId }
 */
export function selectPositiveNegative(
  ranked: readonly CandidateScores[],
  strategy: NegativeStrategy,
  rng?: Rng,
): { positiveId: string; negativeId: string } {
  if (ranked.length < 2)
    throw new RangeError(`selectPositiveNegative: need at least 2 candidates, got ${ranked.length}`);
  const byRank = ranked.slice().sort((a, b) => a.fusedRank - b.fusedRank);
  const positiveId = byRank[0]!.passageId;
  if (strategy === 'lowest') return { positiveId, negativeId: byRank[byRank.length - 1]!.passageId };
  if (strategy === 'random') {
    if (!rng) throw new Error("selectPositiveNegative: strategy 'random' needs an rng");
    return { positiveId, negativeId: rng.choice(byRank.slice(1)).passageId };
  }
  throw new RangeError(`unknown negative strategy '${String(strategy)}': use ${NEGATIVE_STRATEGIES.join(' or ')}`);
}
