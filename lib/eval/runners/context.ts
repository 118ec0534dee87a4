// What a task runner gets and returns. Runners embed through `encode` (cached, formatted
// texts in, full-size unit vectors out) and score the same embeddings at every dimension.
import type { Logger } from '../../core/log';
import type { TextFormat } from '../../core/format';
import type { Embedder, Qrels, RunScores } from '../../core/types';
import type { RolePrompts } from '../../encoder/prompts';
import type { Bm25Options } from '../../retrieval/bm25';
import type { TextRole } from '../embedding-cache';
import type { ItemScore } from '../item-scores';

/**
 * A model as the harness sees it: lexical BM25, or anything behind the Embedder interface. A dense
 * model may bring prompts (an imported e5 / bge checkpoint's, encoder/prompts.ts): evaluate() puts
 * them before the texts it encodes (evaluate.ts: evalPrompt), so runners pass texts without them.
 */
export type EvalModel =
  | { kind: 'bm25'; id: string; options: Bm25Options }
  | { kind: 'dense'; id: string; embedder: Embedder; prompts?: RolePrompts };

export interface EvalContext {
  model: EvalModel;
  /** Prefix dimensions to score at (dense models); empty = the full size only. */
  dims: readonly number[];
  /** Embed formatted texts with the model (through the embedding cache). */
  encode(role: TextRole, texts: readonly string[]): Promise<Float32Array[]>;
  seed: number;
  /** Input format (formatQuery / formatPassage): the one the model was trained with. */
  format?: TextFormat;
  log: Logger;
}

/** Scores of one task at one dimension (dim null: BM25, which has no dimension). */
export interface DimScores {
  dim: number | null;
  main_score: number;
  scores: Record<string, number>;
  /** Retrieval: the run that was scored and the qrels it was scored against (written as TREC files). */
  trec?: { run: RunScores; qrels: Qrels };
  /** One score per item whose mean is main_score (definitions in eval/item-scores.ts). */
  items?: ItemScore[];
}

/** Raised by runners for a (task type, model) pair that makes no sense, e.g. BM25 on STS. */
export class NotApplicableError extends Error {
  constructor(
    readonly task: string,
    readonly model: string,
    why: string,
  ) {
    super(`${task}: not applicable to ${model} (${why})`);
    this.name = 'NotApplicableError';
  }
}

/** The dims to score at, given the full embedding size: requested ones that fit (or the full size). */
export function dimsFor(requested: readonly number[], full: number, log: Logger, task: string): number[] {
  if (requested.length === 0) return [full];
  const ok = requested.filter((d) => d <= full);
  const dropped = requested.filter((d) => d > full);
  if (dropped.length) log.warn(`${task}: skipping dims ${dropped.join(', ')} (the model's embeddings have ${full})`);
  if (ok.length === 0)
    throw new RangeError(`${task}: none of the dims ${requested.join(', ')} fits the model's ${full}-d embeddings`);
  return [...new Set(ok)].sort((a, b) => b - a);
}
