// The initial retriever of FRet step 2 as the paper trains it (footnote 1): an embedder
// trained on (task + query, seed passage) pairs from the run's own generated queries, with
// in-batch passages as random negatives (Eq. 2, no hard negatives). It starts from a given
// checkpoint (the run's pre-finetuned model) and trains fret.initialSteps steps into
// <dir>/ckpt; a finished checkpoint is reused. Selected by fret.retriever = 'initial'.
// Loaded lazily by its callers: BM25 runs need no TF.js.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ExperimentConfig } from '../config/schema';
import { readJson } from '../core/fs';
import { silentLogger, type Logger } from '../core/log';
import type { Passage, TrainingExample } from '../core/types';
import { loadEmbedder } from '../encoder/embedder';
import { trainContrastive } from '../train/contrastive-stage';
import { denseRetriever, type CandidateRetriever } from '../fret/retrieve';
import type { QueryRecord } from '../fret/types';

/**
 * The initial retriever's training pairs: (task + query) → its seed passage, no hard negative.
 * @example initialPairs(queries, poolById).length === queries.length
 */
export function initialPairs(queries: readonly QueryRecord[], pool: ReadonlyMap<string, Passage>): TrainingExample[] {
  return queries.map((q) => {
    const p = pool.get(q.seedPassageId);
    if (!p) throw new Error(`initialPairs: seed passage '${q.seedPassageId}' of ${q.queryId} is not in the pool`);
    return {
      id: `fret-initial-${q.queryId}`,
      source: 'fret-initial',
      task: q.task,
      query: q.query,
      positive: { id: p.id, ...(p.title ? { title: p.title } : {}), text: p.text },
      negatives: [],
      symmetric: false,
    };
  });
}

/** The config the initial retriever trains with: the prefinetune section, fret.initialSteps steps. */
export function initialRetrieverConfig(cfg: Readonly<ExperimentConfig>): ExperimentConfig {
  return {
    ...cfg,
    prefinetune: {
      ...cfg.prefinetune,
      steps: cfg.fret.initialSteps,
      warmupSteps: Math.min(cfg.prefinetune.warmupSteps, Math.floor(cfg.fret.initialSteps / 10)),
      evalEvery: 0,
      checkpointEvery: 0,
    },
  };
}

/**
 * Train (or reuse) the initial retriever and return its checkpoint folder.
 * @example const ckpt = await trainInitialRetriever({ config, queries, pool, init: pft.checkpoint, dir: join(fretOut, 'initial-retriever') });
 */
export async function trainInitialRetriever(o: {
  config: Readonly<ExperimentConfig>;
  queries: readonly QueryRecord[];
  pool: readonly Passage[];
  init: string;
  dir: string;
  log?: Logger;
}): Promise<string> {
  const ckpt = join(o.dir, 'ckpt');
  const steps = o.config.fret.initialSteps;
  const meta = join(ckpt, 'meta.json');
  if (existsSync(meta) && readJson<{ step?: number }>(meta).step === steps) return ckpt;
  const examples = initialPairs(o.queries, new Map(o.pool.map((p) => [p.id, p])));
  const r = await trainContrastive({
    stage: 'prefinetune',
    config: initialRetrieverConfig(o.config),
    examples,
    init: o.init,
    dir: o.dir,
    log: o.log ?? silentLogger,
  });
  return r.checkpoint;
}

/**
 * The 'initial' retriever: train it on the run's queries, then search the pool with it
 * (dense: formatted task + query in the run's format).
 * @example retriever: (pool, queries) => initialRetriever({ config, queries, pool, init, dir })
 */
export async function initialRetriever(o: Parameters<typeof trainInitialRetriever>[0]): Promise<CandidateRetriever> {
  const ckpt = await trainInitialRetriever(o);
  const embedder = await loadEmbedder(ckpt);
  return denseRetriever(embedder, o.pool, { format: o.config.format });
}
