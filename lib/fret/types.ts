// Records of the FRet stages (paper §3.2). Plain JSON, one per line in
// seeds.jsonl, queries.jsonl and fret.jsonl. Every record carries `seedIndex`, its
// position in the seed sample: resumed stages key on it and sort by it.
import type { Passage } from '../core/types';

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
  /** The sampling seed passed to the teacher. */
  sampleSeed: number;
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
  /** RRF score: 1/(k + qlRank) + 1/(k + rcRank). */
  fused: number;
  fusedRank: number;
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
  negativeStrategy: 'lowest' | 'random';
  /** False when the retriever missed the seed passage and it was appended to the candidates. */
  seedRetrieved: boolean;
  candidates: CandidateScores[];
  positiveId: string;
  negativeId: string;
  positiveIsSeed: boolean;
  seedFusedRank: number;
}

/** A skipped example (malformed teacher output, empty query...), in <stage>.skipped.jsonl. */
export interface SkipRecord {
  seedIndex: number;
  reason: string;
  message: string;
}
