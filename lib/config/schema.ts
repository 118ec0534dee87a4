// The experiment config: one typed object, one section per pipeline stage.
// SCHEMA is the single source of truth for keys and types; resolveConfig() checks
// every override against it. Presets live in presets.ts.
import { int, num, str, bool, oneOf, arr, record, obj, type Infer } from './spec';
import {
  FRET_TASK_TYPES,
  IN_DOMAIN_PROMPTS,
  LEAK_GUARD_MODES,
  NEGATIVE_STRATEGIES,
  POSITIVE_CHOICES,
  RANKING_SIGNALS,
  TEXT_FORMATS,
} from './choices';

export const TEACHERS_HELP = "'offline' (a stand-in, not an LLM), 'openai:MODEL' or 'gguf:PATH'";

/** Optimiser and loop keys shared by the three training stages. */
const loopKeys = () => ({
  clipNorm: num({ min: 0 }), // clip the global gradient norm (0 = off)
  weightDecay: num({ min: 0 }), // AdamW decoupled weight decay (matrices and embeddings only)
  chunkSize: int({ min: 0 }), // texts per forward/backward call (memory cap); 0 = whole batch
  gradCache: bool(), // GradCache: embed chunks without activations, recompute them for the backward
  checkpointEvery: int({ min: 0 }), // save a resumable checkpoint every N steps (0 = only at the end)
});

export const SCHEMA = obj({
  /** Run name, used in the run folder name. */
  name: str(),
  /** Root seed: every stage derives its own stream from it and the stage's label. */
  seed: int({ min: 0 }),
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
    n: int({ min: 1 }),
    minChars: int({ min: 0 }),
    maxChars: int({ min: 1 }),
  }),

  /** The LLM teacher and its call cache. */
  llm: obj({
    teacher: str(), // see TEACHERS_HELP
    cacheMode: oneOf(['read-write', 'replay', 'off'] as const),
    concurrency: int({ min: 1 }),
    timeoutMs: int({ min: 1 }),
    maxRetries: int({ min: 0 }),
    budgetTokens: int({ min: 0 }), // 0 = no budget
  }),

  /** FRet step 2: retrieve, rank by QL and RC, fuse by RRF, choose positive and negative. */
  fret: obj({
    numCandidates: int({ min: 2 }), // N neighbours per query (paper: 20)
    rrfK: num({ min: 0 }), // Gecko's printed formula: k = 0
    positive: oneOf(POSITIVE_CHOICES), // 'fused' = fused top-1 (LLM-mined), 'seed' = the seed passage (Fig. 4)
    negativeStrategy: oneOf(NEGATIVE_STRATEGIES), // relative to the chosen positive: lowest fused | random | none
    signals: oneOf(RANKING_SIGNALS), // 'both' = RRF(QL, RC); 'ql' or 'rc' alone (App. A, Table 6)
    taskTypes: arr(oneOf(FRET_TASK_TYPES)), // task diversity (Table 2): [] = all task types, else only these
    retriever: str(), // 'bm25', 'hash[:DIM]', 'initial' (trained on the run's own queries, footnote 1) or a checkpoint path
    initialSteps: int({ min: 1 }), // training steps of the 'initial' retriever
    poolSize: int({ min: 0 }), // candidate pool: 0 = every eligible corpus passage, else seeds + a seeded sample
  }),

  /** Training data: the unique-id trick and in-domain prompts. */
  data: obj({
    uniqueIds: bool(), // classification triples get a shared unique id (paper §3.3)
    inDomainPrompt: oneOf(IN_DOMAIN_PROMPTS), // in-domain training sets use the evaluation prompt ('eval') or their own ('source')
    leakGuard: oneOf(LEAK_GUARD_MODES), // training texts found in an evaluation test set: 'refuse' the run, or 'drop' those items (lib/data/leak.ts)
  }),

  /** Subword vocabulary trained on the pretraining corpus. */
  tokenizer: obj({
    vocabSize: int({ min: 64 }),
    lowercase: bool(),
  }),

  /** The dual encoder (shared tower for queries and passages). */
  encoder: obj({
    layers: int({ min: 1 }),
    dModel: int({ min: 8 }),
    heads: int({ min: 1 }),
    ffn: int({ min: 8 }),
    maxLen: int({ min: 8 }),
    dropout: num({ min: 0, max: 0.9 }),
  }),

  /** Masked-language-model pretraining: our stand-in for a pretrained LM. */
  pretrain: obj({
    corpora: arr(str()),
    steps: int({ min: 0 }),
    batchSize: int({ min: 1 }),
    seqLen: int({ min: 8 }),
    lr: num({ min: 0 }),
    warmupSteps: int({ min: 0 }),
    maskProb: num({ min: 0, max: 1 }),
    ...loopKeys(),
  }),

  /** Pre-finetuning on (query, passage) pairs with in-batch negatives only (paper Eq. 2). */
  prefinetune: obj({
    steps: int({ min: 0 }),
    batchSize: int({ min: 2 }),
    lr: num({ min: 0 }),
    warmupSteps: int({ min: 0 }),
    temperature: num({ min: 1e-4 }),
    ...loopKeys(),
    evalEvery: int({ min: 0 }), // held-out retrieval check every N steps (0 = off)
  }),

  /** Fine-tuning on FRet + the unified mixture (paper Eq. 3, with Matryoshka). */
  finetune: obj({
    steps: int({ min: 0 }),
    batchSize: int({ min: 2 }),
    lr: num({ min: 0 }),
    warmupSteps: int({ min: 0 }),
    temperature: num({ min: 1e-4 }),
    hardNegatives: bool(),
    sameTower: bool(),
    matryoshkaDims: arr(int({ min: 1 })),
    matryoshkaWeights: arr(num({ min: 0 })),
    mixture: record(num({ min: 0 })), // source name -> sampling weight
    ...loopKeys(),
    evalEvery: int({ min: 0 }), // held-out retrieval check every N steps (0 = off)
  }),

  /** MTEB-style evaluation. */
  eval: obj({
    tasks: arr(str()),
    dims: arr(int({ min: 1 })),
    maxQueries: int({ min: 0 }), // 0 = all
    maxCorpus: int({ min: 0 }), // 0 = all (relevant passages are always kept)
    maxTrain: int({ min: 0 }), // classification train pool cap, 0 = all
    maxTest: int({ min: 0 }), // test items of STS / classification / pair / clustering tasks, 0 = all
    batchSize: int({ min: 1 }),
  }),
});

/** The resolved, validated experiment config. */
export type ExperimentConfig = Infer<typeof SCHEMA>;
