// Small hand-made records shared by the plot tests.
import type { RankedQuery } from '../../lib/plots/ranking';

/** Two queries with 3 candidates each. q1: QL and RC agree fully; q2: they reverse. */
export const FRET: RankedQuery[] = [
  {
    queryId: 'q1',
    query: 'who founded the bbc',
    positiveId: 'a',
    negativeId: 'c',
    seedFusedRank: 1,
    candidates: [
      { passageId: 'a', retrievalRank: 2, isSeed: true, ql: -3, rc: 0.9, qlRank: 1, rcRank: 1, fusedRank: 1 },
      { passageId: 'b', retrievalRank: 1, isSeed: false, ql: -5, rc: 0.5, qlRank: 2, rcRank: 2, fusedRank: 2 },
      { passageId: 'c', retrievalRank: 3, isSeed: false, ql: -9, rc: 0.1, qlRank: 3, rcRank: 3, fusedRank: 3 },
    ],
  },
  {
    queryId: 'q2',
    query: 'interest rates',
    positiveId: 'e',
    negativeId: 'f',
    seedFusedRank: 2,
    candidates: [
      { passageId: 'e', retrievalRank: 1, isSeed: false, ql: -2, rc: 0.2, qlRank: 1, rcRank: 3, fusedRank: 1 },
      { passageId: 'd', retrievalRank: null, isSeed: true, ql: -6, rc: 0.7, qlRank: 3, rcRank: 1, fusedRank: 2 },
      { passageId: 'f', retrievalRank: 2, isSeed: false, ql: -4, rc: 0.3, qlRank: 2, rcRank: 2, fusedRank: 3 },
    ],
  },
];
