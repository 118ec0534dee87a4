// The experiment config: one typed object, one section per pipeline stage.
// SCHEMA is the single source of truth for keys and types; resolveConfig() checks
// every override against it. Presets live in presets.ts.
import { int, num, str, bool, oneOf, arr, record, obj, runName, type Infer } from './spec';
import {
  FRET_TASK_TYPES,
  IN_DOMAIN_PROMPTS,
  LEAK_GUARD_MODES,
  NEGATIVE_STRATEGIES,
  POSITIVE_CHOICES,
  RANKING_SIGNALS,
  TEXT_FORMATS,
} from './choices';

// Upper bounds of the numeric settings (issue 21 §2): far above any run this workbench makes, low
// enough that a typo (an extra 000) is refused with its range instead of filling memory.
/** Training or initial-retriever steps. */
export const MAX_STEPS = 10_000_000;
/** Texts in one batch or chunk. */
export const MAX_BATCH = 65_536;
/** Seed passages, pool sizes, evaluation caps. */
export const MAX_ITEMS = 100_000_000;
/** Characters of one passage. */
export const MAX_CHARS = 10_000_000;
/** Width of the encoder and of any Matryoshka or evaluation dimension. */
export const MAX_DIM = 8192;
/** Tokens of one sequence. */
export const MAX_LEN = 8192;
/** Learning rate. */
export const MAX_LR = 10;

export const TEACHERS_HELP = "'offline' (a stand-in, not an LLM), 'openai:MODEL' or 'gguf:PATH'";

/** Optimiser and loop keys shared by the three training stages. */
const loopKeys = () => ({
  clipNorm: num({ min: 0, max: 1e6 }), // clip the global gradient norm (0 = off)
  weightDecay: num({ min: 0, max: 10 }), // AdamW decoupled weight decay (matrices and embeddings only)
  chunkSize: int({ min: 0, max: MAX_BATCH }), // texts per forward/backward call (memory cap); 0 = whole batch
  gradCache: bool(), // GradCache: embed chunks without activations, recompute them for the backward
  checkpointEvery: int({ min: 0, max: MAX_STEPS }), // save a resumable checkpoint every N steps (0 = only at the end)
});

export const SCHEMA = obj({
  /** Run name, used in the run folder name: one path segment of letters, digits, '.', '_', '-'. */
  name: runName(),
  /** Root seed: every stage derives its own stream from it and the stage's label. */
  seed: int({ min: 0, max: 2 ** 32 - 1 }),
  /**
   * Text format of every encoder input (paper App. B, Tables 2 and 7): 'unified' =
   * `task: … | query: …` / `title: … | text: …`; 'plain' = naive concatenation
   * `{task} {query}` / `{title} {text}`. One setting for pre-finetuning, fine-tuning,
   * FRet's dense retrieval and evaluation.
   */
  format: oneOf(TEXT_FORMATS),

  /** Step 0: seed passages sampled from an unlabeled corpus (never an evaluation collection). */
  seeding: obj({
    corpus: str(), // data set name (bbc_news, ag_news, squad_v1.1_dev) or a path
    n: int({ min: 1, max: MAX_ITEMS }),
    minChars: int({ min: 0, max: MAX_CHARS }),
    maxChars: int({ min: 1, max: MAX_CHARS }),
  }),

  /** The LLM teacher and its call cache. */
  llm: obj({
    teacher: str(), // see TEACHERS_HELP
    cacheMode: oneOf(['read-write', 'replay', 'off'] as const),
    concurrency: int({ min: 1, max: 256 }),
    timeoutMs: int({ min: 1, max: 3_600_000 }), // at most an hour per call
    maxRetries: int({ min: 0, max: 50 }),
    budgetTokens: int({ min: 0, max: Number.MAX_SAFE_INTEGER }), // 0 = no budget
  }),

  /** FRet step 2: retrieve, rank by QL and RC, fuse by RRF, choose positive and negative. */
  fret: obj({
    numCandidates: int({ min: 2, max: 1000 }), // N neighbours per query (paper: 20)
    rrfK: num({ min: 0, max: 1e6 }), // Gecko's printed formula: k = 0
    positive: oneOf(POSITIVE_CHOICES), // 'fused' = fused top-1 (LLM-mined), 'seed' = the seed passage (Fig. 4)
    negativeStrategy: oneOf(NEGATIVE_STRATEGIES), // relative to the chosen positive: lowest fused | random | none
    signals: oneOf(RANKING_SIGNALS), // 'both' = RRF(QL, RC); 'ql' or 'rc' alone (App. A, Table 6)
    taskTypes: arr(oneOf(FRET_TASK_TYPES)), // task diversity (Table 2): [] = all task types, else only these
    retriever: str(), // 'bm25', 'hash[:DIM]', 'initial' (trained on the run's own queries, footnote 1) or a checkpoint path
    initialSteps: int({ min: 1, max: MAX_STEPS }), // training steps of the 'initial' retriever
    poolSize: int({ min: 0, max: MAX_ITEMS }), // candidate pool: 0 = every eligible corpus passage, else seeds + a seeded sample
  }),

  /** Training data: the unique-id trick and in-domain prompts. */
  data: obj({
    uniqueIds: bool(), // classification triples get a shared unique id (paper §3.3)
    inDomainPrompt: oneOf(IN_DOMAIN_PROMPTS), // in-domain training sets use the evaluation prompt ('eval') or their own ('source')
    leakGuard: oneOf(LEAK_GUARD_MODES), // training texts found in an evaluation test set: 'refuse' the run, or 'drop' those items (lib/data/leak.ts)
  }),

  /** Subword vocabulary trained on the pretraining corpus. */
  tokenizer: obj({
    vocabSize: int({ min: 64, max: 1_000_000 }),
    lowercase: bool(),
  }),

  /** The dual encoder (shared tower for queries and passages). */
  encoder: obj({
    layers: int({ min: 1, max: 64 }),
    dModel: int({ min: 8, max: MAX_DIM }),
    heads: int({ min: 1, max: 128 }),
    ffn: int({ min: 8, max: 4 * MAX_DIM }),
    maxLen: int({ min: 8, max: MAX_LEN }),
    dropout: num({ min: 0, max: 0.9 }),
  }),

  /**
   * The backbone (paper §3.1: Gecko starts from a pretrained LM). backbone 'scratch': WordPiece +
   * masked-language-model pretraining of encoder.* with the keys below (the teaching path: what
   * pretraining gives); 'use-lite' (Universal Sentence Encoder Lite, shipped in an npm dependency),
   * a Hugging Face BERT / XLM-R folder or a gecko checkpoint folder: imported as it is (the keys
   * below are then unused, and encoder.layers / dModel / heads / ffn must be the backbone's).
   */
  pretrain: obj({
    backbone: str(),
    corpora: arr(str()),
    steps: int({ min: 0, max: MAX_STEPS }),
    batchSize: int({ min: 1, max: MAX_BATCH }),
    seqLen: int({ min: 8, max: MAX_LEN }),
    lr: num({ min: 0, max: MAX_LR }),
    warmupSteps: int({ min: 0, max: MAX_STEPS }),
    maskProb: num({ min: 0, max: 1 }),
    ...loopKeys(),
  }),

  /** Pre-finetuning on (query, passage) pairs with in-batch negatives only (paper Eq. 2). */
  prefinetune: obj({
    steps: int({ min: 0, max: MAX_STEPS }),
    batchSize: int({ min: 2, max: MAX_BATCH }),
    lr: num({ min: 0, max: MAX_LR }),
    warmupSteps: int({ min: 0, max: MAX_STEPS }),
    temperature: num({ min: 1e-4, max: 100 }),
    ...loopKeys(),
    evalEvery: int({ min: 0, max: MAX_STEPS }), // held-out retrieval check every N steps (0 = off)
  }),

  /** Fine-tuning on FRet + the unified mixture (paper Eq. 3, with Matryoshka). */
  finetune: obj({
    steps: int({ min: 0, max: MAX_STEPS }),
    batchSize: int({ min: 2, max: MAX_BATCH }),
    lr: num({ min: 0, max: MAX_LR }),
    warmupSteps: int({ min: 0, max: MAX_STEPS }),
    temperature: num({ min: 1e-4, max: 100 }),
    hardNegatives: bool(),
    sameTower: bool(),
    matryoshkaDims: arr(int({ min: 1, max: MAX_DIM })),
    matryoshkaWeights: arr(num({ min: 0, max: 1e6 })),
    mixture: record(num({ min: 0, max: 1e6 })), // source name -> sampling weight
    ...loopKeys(),
    evalEvery: int({ min: 0, max: MAX_STEPS }), // held-out retrieval check every N steps (0 = off)
  }),

  /** MTEB-style evaluation. */
  eval: obj({
    tasks: arr(str()),
    dims: arr(int({ min: 1, max: MAX_DIM })),
    maxQueries: int({ min: 0, max: MAX_ITEMS }), // 0 = all
    maxCorpus: int({ min: 0, max: MAX_ITEMS }), // 0 = all (relevant passages are always kept)
    maxTrain: int({ min: 0, max: MAX_ITEMS }), // classification train pool cap, 0 = all
    maxTest: int({ min: 0, max: MAX_ITEMS }), // test items of STS / classification / pair / clustering tasks, 0 = all
    batchSize: int({ min: 1, max: MAX_BATCH }),
  }),
});

/** The resolved, validated experiment config. */
export type ExperimentConfig = Infer<typeof SCHEMA>;
