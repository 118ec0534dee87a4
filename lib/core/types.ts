// Records that flow between stages: plain, JSON-serialisable objects (JSONL on disk).
// Vocabulary follows the paper: query, passage, positive, negative, task, seed passage.

/** Stable id of a corpus passage (source id, or a content-hash prefix). */
export type PassageId = string;
/** Stable id of a benchmark or generated query. */
export type QueryId = string;

export interface Passage {
  id: PassageId;
  title?: string;
  text: string;
  /** Data set name or file it came from. */
  source: string;
}

export interface Query {
  id: QueryId;
  text: string;
}

/** Relevance grades: qrels[queryId][passageId] = grade (0 = judged not relevant). */
export type Qrels = Record<QueryId, Record<PassageId, number>>;
/** Retrieval scores: run[queryId][passageId] = score (higher is better). */
export type RunScores = Record<QueryId, Record<PassageId, number>>;

/** A text on one side of a training example. */
export interface ExampleText {
  id?: string;
  title?: string;
  text: string;
}

/**
 * One training example in the paper's unified format (§3.3, appendix B): a task, a query,
 * a positive and hard negatives. `symmetric` examples (STS, NLI, classification) format
 * their targets as queries and get same-tower negatives.
 */
export interface TrainingExample {
  id: string;
  /** Mixture source: 'fret', 'squad', 'nli', 'sts', 'banking77', ... */
  source: string;
  task: string;
  query: string;
  positive: ExampleText;
  negatives: ExampleText[];
  symmetric: boolean;
  meta?: Record<string, unknown>;
}

/**
 * Anything that maps already-formatted texts (see core/format.ts) to L2-normalised vectors:
 * our encoder, a random-init encoder, or an OpenAI-compatible embeddings endpoint.
 */
export interface Embedder {
  /** Stable id for caches, e.g. 'ckpt:<sha8>' or 'openai:text-embedding-3-small'. */
  readonly id: string;
  /** Full output dimension. */
  readonly dim: number;
  embed(texts: readonly string[]): Promise<Float32Array[]>;
}
