// Records of the FRet stages (paper §3.2). Plain JSON, one per line in
// seeds.jsonl, queries.jsonl and fret.jsonl. Every record carries `seedIndex`, its
// position in the seed sample: resumed stages key on it and sort by it.
import type { Passage } from '../core/types';
import type { NegativeStrategy, PositiveChoice, RankingSignals, TextFormat } from '../config/choices';

/** seeds.jsonl: declared by the seeding stage, which writes it (re-exported here for the FRet stages). */
export type { SeedRecord } from '../seeding/sample';

/** queries.jsonl: FRet step 1 output for one seed passage. */
export interface QueryRecord {
  seedIndex: number;
  queryId: string;
  seedPassageId: string;
  /** Free-form task description written by the teacher. */
  task: string;
  query: string;
  /** The teacher's raw output, kept for inspection. */
  raw: string;
  promptId: string;
  promptVersion: string;
  teacher: string;
  /** The sampling seed passed to the teacher (of the attempt that succeeded). */
  sampleSeed: number;
  /** Attempts it took (retries after unusable answers + 1); absent in records written before retries existed. */
  attempts?: number;
}

/** One retrieved neighbour with every score and rank the relabelling computed. */
export interface CandidateScores {
  passageId: string;
  /** 1-based rank from the initial retriever; null when the seed passage was added because retrieval missed it. */
  retrievalRank: number | null;
  retrievalScore: number | null;
  isSeed: boolean;
  /** Query likelihood: log p(query | passage) under the teacher. */
  ql: number;
  /** Relevance classification: label log-probabilities and the ranking score derived from them. */
  rcLabelLogprobs: Record<string, number>;
  rc: number;
  qlRank: number;
  rcRank: number;
  /** RRF score over the used signals: 1/(k + qlRank) + 1/(k + rcRank) ('both'), or one term. */
  fused: number;
  fusedRank: number;
  /** Fused-tie key: sum of the used signals' z-scores within the query (see select.ts). */
  zSum: number;
  /** Last tie key: a hash of (query id, passage id) in [0, 1). */
  tieHash: number;
  /** The teacher's QL / RC answer for this candidate stayed unusable after the retries (score NaN). */
  qlFailed: boolean;
  rcFailed: boolean;
  /** A used signal failed: the candidate is ranked last and never chosen. */
  failed: boolean;
}

/** fret.jsonl: FRet step 2 output for one query. Candidates are ordered by fusedRank. */
export interface FretRecord {
  seedIndex: number;
  queryId: string;
  seedPassageId: string;
  task: string;
  query: string;
  teacher: string;
  retriever: string;
  rrfK: number;
  /** Which signals ranked the candidates (App. A, Table 6). */
  signals: RankingSignals;
  /** The positive rule (Fig. 4): fused top-1 or the seed passage. */
  positive: PositiveChoice;
  negativeStrategy: NegativeStrategy;
  /** The exact text sent to the retriever: the bare query for a lexical one, the formatted task + query for a dense one. */
  searchText: string;
  /** How searchText was made: 'bare' (query only), or the format of task + query. */
  searchFormat: 'bare' | TextFormat;
  /** False when the retriever missed the seed passage and it was appended to the candidates. */
  seedRetrieved: boolean;
  candidates: CandidateScores[];
  positiveId: string;
  /** null when negativeStrategy is 'none' (or no other usable candidate is left). */
  negativeId: string | null;
  positiveIsSeed: boolean;
  seedFusedRank: number;
  /** Candidates sharing the top / the bottom fused score (1 = no tie; a tie was broken by zSum, then tieHash). */
  ties: { top: number; bottom: number };
  /** Teacher answers that stayed unusable after the retries, and the retries spent. */
  failures: { ql: number; rc: number; retries: number };
}

/** A skipped example (malformed teacher output, empty query...), in <stage>.skipped.jsonl. */
export interface SkipRecord {
  seedIndex: number;
  reason: string;
  message: string;
}
