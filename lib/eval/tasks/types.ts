// Declarative metadata of an evaluation task (mteb TaskMetadata, trimmed): which data set and
// split, how it is scored, and the Gecko task prompt and formatting it is embedded with.

/** MTEB task categories, as used for category averages. */
export type TaskType = 'Retrieval' | 'STS' | 'Classification' | 'PairClassification' | 'Clustering' | 'Reranking';

export const TASK_TYPES: readonly TaskType[] = [
  'Retrieval',
  'STS',
  'Classification',
  'PairClassification',
  'Clustering',
  'Reranking',
];

interface TaskBase {
  /** MTEB-style task name (the --tasks value and the result file name). */
  name: string;
  type: TaskType;
  /** Data set in lib/data/registry.ts. */
  dataset: string;
  /** The split scored (always an evaluation split of the data registry). */
  evalSplit: string;
  description: string;
  /** Metric key reported as main_score. */
  mainScore: string;
  /**
   * Gecko task prompt (paper App. C, Table 9): queries (and both sides of symmetric tasks)
   * are embedded as formatQuery(prompt, text); passages of asymmetric tasks as formatPassage.
   */
  prompt: string;
  /** true: every text is formatted as a query; false: queries vs passages (retrieval, reranking). */
  symmetric: boolean;
  /** Where the prompt choice comes from (paper table, or our choice for non-MTEB sets). */
  promptSource: string;
}

export interface RetrievalTaskMeta extends TaskBase {
  type: 'Retrieval';
  symmetric: false;
}
export interface StsTaskMeta extends TaskBase {
  type: 'STS';
  symmetric: true;
}
export interface PairClassificationTaskMeta extends TaskBase {
  type: 'PairClassification';
  symmetric: true;
}
export interface ClusteringTaskMeta extends TaskBase {
  type: 'Clustering';
  symmetric: true;
}
export interface ClassificationTaskMeta extends TaskBase {
  type: 'Classification';
  symmetric: true;
  /** The logistic regression's train split (never an evaluation split). */
  trainSplit: string;
  /** MTEB n_experiments (10). */
  nExperiments: number;
  /** MTEB samples_per_label (8 by default; 32 for AmazonCounterfactual). */
  samplesPerLabel: number;
}
export interface RerankingTaskMeta extends TaskBase {
  type: 'Reranking';
  symmetric: false;
  /** Candidates per query: the judged-relevant passages plus BM25's top `bm25TopK` of the full corpus. */
  bm25TopK: number;
}

export type TaskMeta =
  | RetrievalTaskMeta
  | StsTaskMeta
  | PairClassificationTaskMeta
  | ClusteringTaskMeta
  | ClassificationTaskMeta
  | RerankingTaskMeta;
