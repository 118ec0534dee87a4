// The teacher interface: the three things Gecko asks an LLM (paper §3.2).
// LLM-backed teachers (openai:MODEL, gguf:PATH) implement it through prompts and a
// cached provider; the offline teacher implements it without weights and is a stand-in.
import type { Passage } from '../core/types';

/** Token and call accounting, summed per stage. */
export interface Usage {
  calls: number;
  cachedCalls: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

/** What a teacher can do; a stage checks these before it spends anything. */
export interface TeacherCapabilities {
  /** Write a task description and a query for a passage. */
  generate: boolean;
  /** Log-probability of a given continuation (query likelihood). */
  continuationLogprobs: boolean;
  /** Log-probabilities of relevance labels (relevance classification). */
  labelLogprobs: boolean;
}

export interface GeneratedTaskQuery {
  task: string;
  query: string;
  /** The raw model output, kept for inspection. */
  raw: string;
  promptId: string;
  promptVersion: string;
}

export interface RelevanceJudgement {
  /** log P(label) for each label of the prompt, e.g. { yes: -0.1, no: -2.4 } or graded labels. */
  labelLogprobs: Record<string, number>;
  /** The score used for ranking (higher = more relevant), e.g. expected relevance. */
  score: number;
}

/** A retry of an unusable answer: attempt 0 is the first call. */
export interface RetryOptions {
  attempt?: number;
}

export interface Teacher {
  /** 'offline', 'openai:MODEL' or 'gguf:PATH'. */
  readonly id: string;
  /** True for the offline teacher: shown as "stand-in, not an LLM" wherever it is used. */
  readonly standIn: boolean;
  readonly capabilities: TeacherCapabilities;
  /** Step 1: a task description and a query for a seed passage. `seed` makes sampling reproducible. */
  generateTaskQuery(passage: Passage, opts: { seed: number }): Promise<GeneratedTaskQuery>;
  /**
   * Step 2, QL: log p(query | passage) under the teacher. `attempt` > 0 asks again after an
   * unusable answer: a fresh call (LLM teachers put it in the cache key), same request.
   */
  queryLikelihood(query: string, passage: Passage, opts?: RetryOptions): Promise<number>;
  /** Step 2, RC: relevance label log-probabilities for (task, query, passage). `attempt` as for QL. */
  relevance(task: string, query: string, passage: Passage, opts?: RetryOptions): Promise<RelevanceJudgement>;
  /** Accounting so far. */
  usage(): Usage;
  /** Optional: what the teacher is, e.g. the offline teacher's "stand-in, not an LLM" note. */
  readonly notes?: string;
  /**
   * Optional: check before spending anything that the teacher can do what a stage needs
   * (for QL this runs the one-time prompt-logprob probe). Throws CapabilityError.
   */
  preflight?(needs: readonly (keyof TeacherCapabilities)[]): Promise<void>;
  /** Optional: release models and sockets. */
  close?(): Promise<void>;
}
