// fret.retriever → a CandidateRetriever, the one mapping the CLI, the notebooks and the
// demo share: 'bm25' (lexical), 'hash[:DIM]' (training-free dense baseline), 'use-lite'
// (pretrained USE Lite), 'initial'
// (trained on the run's own queries, paper footnote 1; needs a start checkpoint), or an
// encoder checkpoint folder. Dense retrievers embed in the config's format.
import { join } from 'node:path';
import type { ExperimentConfig } from '../config/schema';
import { ConfigError } from '../core/errors';
import type { Logger } from '../core/log';
import { progress } from '../core/progress';
import type { Passage } from '../core/types';
import { isCheckpoint } from '../encoder/checkpoint';
import { hashEmbedder } from '../eval/hash-embedder';
import { bm25Retriever, denseRetriever, useLiteRetriever, type CandidateRetriever } from '../fret/retrieve';
import type { QueryRecord } from '../fret/types';

export interface RetrieverContext {
  config: Readonly<ExperimentConfig>;
  /** The FRet output folder ('initial' trains into <out>/initial-retriever). */
  out: string;
  /** 'initial': the checkpoint it starts from (the run's pre-finetuned model). */
  init?: string | (() => Promise<string>);
  log?: Logger;
}

/**
 * Build the retriever fret.retriever names, over `pool`, after step 1 (`queries`).
 * @example retriever: (pool, queries) => retrieverFromSpec(cfg.fret.retriever, pool, queries, { config: cfg, out })
 */
export async function retrieverFromSpec(
  spec: string,
  pool: readonly Passage[],
  queries: readonly QueryRecord[],
  ctx: RetrieverContext,
): Promise<CandidateRetriever> {
  const format = ctx.config.format;
  if (spec === 'bm25') return bm25Retriever(pool);
  if (spec === 'use-lite')
    return withPoolProgress('fret: embed candidate pool (use-lite)', pool.length, (onProgress) =>
      useLiteRetriever(pool, { format, onProgress }),
    );
  const hash = /^hash(?::(\d+))?$/.exec(spec);
  if (hash) return denseRetriever(hashEmbedder(hash[1] ? Number(hash[1]) : 256), pool, { format });
  if (spec === 'initial') {
    if (!ctx.init)
      throw new ConfigError(
        'fret.retriever',
        "'initial' needs a checkpoint to start from",
        "pass --init <pre-finetuned ckpt> to gecko fret (the notebooks and the demo use the run's pre-finetuned model)",
      );
    const init = typeof ctx.init === 'string' ? ctx.init : await ctx.init();
    const { initialRetriever } = await import('./initial-retriever');
    ctx.log?.info(
      `fret: training the initial retriever on ${queries.length} (task + query, seed passage) pairs, ${ctx.config.fret.initialSteps} steps`,
    );
    return initialRetriever({
      config: ctx.config,
      queries,
      pool,
      init,
      dir: join(ctx.out, 'initial-retriever'),
      ...(ctx.log ? { log: ctx.log } : {}),
    });
  }
  if (!isCheckpoint(spec)) {
    throw new ConfigError(
      'fret.retriever',
      `'${spec}' is neither 'bm25', 'hash[:DIM]', 'use-lite', 'initial' nor an encoder checkpoint folder`,
      'pass --retriever bm25, initial (with --init), or the ckpt folder of a pre-finetuned model (gecko train --stage prefinetune writes <out>/ckpt)',
    );
  }
  // Loaded lazily: BM25 runs need no TF.js.
  const { loadEmbedder } = await import('../encoder/embedder');
  const embedder = await loadEmbedder(spec);
  return withPoolProgress('fret: embed candidate pool', pool.length, (onProgress) =>
    denseRetriever(embedder, pool, { format, onProgress }),
  );
}

/** Build a retriever that reports how many pool passages it has embedded, as one progress bar. */
async function withPoolProgress<R>(
  label: string,
  total: number,
  build: (onProgress: (done: number) => void) => Promise<R>,
): Promise<R> {
  const bar = progress(label, total, 'passages');
  let shown = 0;
  const r = await build((done) => {
    bar.tick(done - shown);
    shown = done;
  });
  bar.done();
  return r;
}
