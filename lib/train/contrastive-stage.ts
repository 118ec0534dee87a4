// Contrastive training stages on TrainingExample records:
//   prefinetune: in-batch negatives only (paper Eq. 2);
//   finetune: + each example's own hard negatives, + same-tower negatives, with Matryoshka
//             over prefix dimensions (paper Eq. 3 and MRL), as the config says.
// Queries are formatted with formatQuery; positives and negatives with formatPassage, or
// with formatQuery for symmetric examples, in the config's format (unified or plain); then the starting
// checkpoint's prompts (an imported e5 / bge: encoder/prompts.ts) are prepended, the query prompt to
// queries and symmetric targets, the passage prompt to passages. Equal positive texts in a batch are masked.
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../config/schema';
import { GeckoError } from '../core/errors';
import { formatPassage, formatQuery, type TextFormat } from '../core/format';
import type { Logger } from '../core/log';
import { deriveSeed } from '../core/rng';
import type { ExampleText, TrainingExample } from '../core/types';
import { loadCheckpoint } from '../encoder/checkpoint';
import { NO_PROMPTS, rolePrompts, type RolePrompts } from '../encoder/prompts';
import {
  contrastiveLoss,
  type ContrastiveBatch,
  type ContrastiveOptions,
  type HostContrastiveBatch,
} from '../losses/contrastive';
import { matryoshkaLoss, matryoshkaLossHost } from '../losses/matryoshka';
import { lossInputs } from '../losses/contrastive-onnx';
import { batchIndices } from './batches';
import type { EmbeddingLoss, Engine } from './engine';
import { heldOutScores, type HeldOut } from './heldout';
import { checkFiniteWeights, runLoop, type LoopResult } from './loop';

export type ContrastiveStage = 'prefinetune' | 'finetune';

export interface ContrastiveTrainOptions {
  stage: ContrastiveStage;
  config: Readonly<ExperimentConfig>;
  examples: readonly TrainingExample[];
  /** Checkpoint to start from (weights + tokenizer), e.g. the pretrain or prefinetune output. */
  init: string;
  /** Stage folder (metrics.jsonl, ckpt/). */
  dir: string;
  log: Logger;
  heldOut?: HeldOut;
  replicas?: number;
  stopAfter?: number;
  showProgress?: boolean;
}

/** The texts of one example, formatted for the encoder. */
export interface FormattedExample {
  query: string;
  positive: string;
  negatives: string[];
}

/**
 * The texts of one example, formatted for the encoder (config `format`: unified or plain), with the
 * checkpoint's prompts in front (query prompt on queries and symmetric targets, passage prompt on passages).
 * @example formatExample(ex, 'unified', { query: 'query: ', passage: 'passage: ' }).query // 'query: task: … | query: …'
 */
export function formatExample(
  ex: TrainingExample,
  format: TextFormat = 'unified',
  prompts: RolePrompts = NO_PROMPTS,
): FormattedExample {
  const target = (t: ExampleText) =>
    ex.symmetric
      ? prompts.query + formatQuery(ex.task, t.text, format)
      : prompts.passage + formatPassage(t.title, t.text, format);
  return {
    query: prompts.query + formatQuery(ex.task, ex.query, format),
    positive: target(ex.positive),
    negatives: ex.negatives.map(target),
  };
}

/**
 * The loss switches of a stage: pre-finetuning uses in-batch negatives only (Eq. 2); fine-tuning
 * adds hard and same-tower negatives as the config says (Eq. 3).
 * @example lossOptionsFor(config, 'finetune') // { temperature: 0.05, hardNegatives: true, sameTower: true }
 */
export function lossOptionsFor(config: Readonly<ExperimentConfig>, stage: ContrastiveStage): ContrastiveOptions {
  const sec = stage === 'prefinetune' ? config.prefinetune : config.finetune;
  return {
    temperature: sec.temperature,
    hardNegatives: stage === 'finetune' && config.finetune.hardNegatives,
    sameTower: stage === 'finetune' && config.finetune.sameTower,
  };
}

/** A step's texts in the order the encoder sees them: [queries (B) | positives (B) | hard negatives (M)]. */
export interface BatchLayout {
  texts: string[];
  B: number;
  M: number;
  /** owner[m] = the batch row of hard negative m. */
  owner: number[];
}

/**
 * Lay out a batch of formatted examples; hard negatives only when `withNegatives`.
 * @example batchLayout([formatExample(ex)], true).texts // [query, positive, ...negatives]
 */
export function batchLayout(batch: readonly FormattedExample[], withNegatives: boolean): BatchLayout {
  const B = batch.length;
  const texts = [...batch.map((e) => e.query), ...batch.map((e) => e.positive)];
  const owner: number[] = [];
  if (withNegatives)
    batch.forEach((e, i) =>
      e.negatives.forEach((n) => {
        texts.push(n);
        owner.push(i);
      }),
    );
  return { texts, B, M: owner.length, owner };
}

/** The loss's view of a step: the embeddings E (one row per layout text) sliced into a ContrastiveBatch, texts as keys. */
export function contrastiveBatchOf(E: tf.Tensor2D, layout: BatchLayout): ContrastiveBatch {
  const { texts, B, M, owner } = layout;
  const D = E.shape[1];
  const cb: ContrastiveBatch = {
    queries: tf.slice(E, [0, 0], [B, D]),
    positives: tf.slice(E, [B, 0], [B, D]),
    queryKeys: texts.slice(0, B),
    positiveKeys: texts.slice(B, 2 * B),
  };
  if (M > 0) {
    cb.negatives = tf.slice(E, [2 * B, 0], [M, D]);
    cb.negativeOwner = owner;
    cb.negativeKeys = texts.slice(2 * B);
  }
  return cb;
}

/** The same view on host rows (E is (texts, D), row-major): contrastiveLossHost's input. */
export function hostBatchOf(E: Float32Array, D: number, layout: BatchLayout): HostContrastiveBatch {
  const { texts, B, M, owner } = layout;
  const hb: HostContrastiveBatch = {
    E,
    stride: D,
    B,
    M,
    queryKeys: texts.slice(0, B),
    positiveKeys: texts.slice(B, 2 * B),
  };
  if (M > 0) {
    hb.negativeOwner = owner;
    hb.negativeKeys = texts.slice(2 * B);
  }
  return hb;
}

/**
 * A stage's loss over one step's embeddings (rows in `layout` order): Matryoshka over the
 * contrastive loss, as TF.js ops and in its host form (the packed and onnx engines use the latter).
 * @example const lossOf = stageLoss(layout, lossOptionsFor(config, 'finetune'), [128, 64], [1, 1]);
 */
export function stageLoss(
  layout: BatchLayout,
  opts: ContrastiveOptions,
  dims: readonly number[],
  weights: readonly number[],
): EmbeddingLoss {
  const loss = matryoshkaLoss((b: ContrastiveBatch) => contrastiveLoss(b, opts), dims, weights);
  return Object.assign((E: tf.Tensor2D) => loss(contrastiveBatchOf(E, layout)), {
    host: (E: Float32Array, N: number, D: number) => {
      if (N !== layout.texts.length) throw new Error(`stageLoss: ${N} embeddings for ${layout.texts.length} texts`);
      return matryoshkaLossHost(hostBatchOf(E, D, layout), opts, dims, weights);
    },
    onnx: {
      spec: { dims, weights, temperature: opts.temperature },
      inputs: (at: readonly number[]) => {
        if (at.length !== layout.texts.length)
          throw new Error(`stageLoss: ${at.length} rows for ${layout.texts.length} texts`);
        return lossInputs(hostBatchOf(new Float32Array(0), 0, layout), opts, at);
      },
    },
  });
}

/**
 * Train a contrastive stage from a checkpoint; resumes from `dir/ckpt` if present.
 * @example await trainContrastive({ stage: 'prefinetune', config, examples, init: 'runs/x/pretrain/ckpt', dir: ctx.path('prefinetune'), log: ctx.log });
 */
export async function trainContrastive(o: ContrastiveTrainOptions): Promise<LoopResult> {
  if (o.examples.length < 2)
    throw new GeckoError(
      `${o.stage}: ${o.examples.length} training examples`,
      'give at least 2 examples (in-batch negatives need a batch)',
    );
  const sec = o.stage === 'prefinetune' ? o.config.prefinetune : o.config.finetune;
  const start = loadCheckpoint(o.init);
  checkFiniteWeights(start.params, o.init); // a damaged --init is named, not blamed on the learning rate
  const cfg = { ...start.config, dropout: o.config.encoder.dropout };
  const tok = start.tokenizer;
  const seed = o.config.seed;
  const opts = lossOptionsFor(o.config, o.stage);
  const useNeg = opts.hardNegatives;
  const dims = o.stage === 'finetune' ? o.config.finetune.matryoshkaDims : [cfg.dModel];
  const weights = o.stage === 'finetune' ? o.config.finetune.matryoshkaWeights : [1];
  for (const d of dims)
    if (d > cfg.dModel) throw new GeckoError(`finetune.matryoshkaDims: ${d} exceeds the encoder width ${cfg.dModel}`);
  const formatted = o.examples.map((e) => formatExample(e, o.config.format, rolePrompts(start.config)));
  const tokens = new Map<string, number[]>();
  const ids = (t: string) => {
    let v = tokens.get(t);
    if (!v) {
      v = tok.encode(t, cfg.maxLen);
      tokens.set(t, v);
    }
    return v;
  };
  const step = (engine: Engine, s: number) => {
    const batch = batchIndices(formatted.length, sec.batchSize, s, seed, o.stage).map((i) => {
      const e = formatted[i];
      if (!e) throw new Error(`batchIndices gave ${i} for ${formatted.length} examples`);
      return e;
    });
    const layout = batchLayout(batch, useNeg);
    const { texts } = layout;
    const seqs = texts.map(ids);
    const dropoutSeeds = texts.map((_, i) => deriveSeed(seed, o.stage, 'dropout', s, i));
    return engine.contrastive(seqs, stageLoss(layout, opts, dims, weights), {
      chunkSize: sec.chunkSize > 0 ? sec.chunkSize : seqs.length,
      gradCache: sec.gradCache,
      dropoutSeeds,
    });
  };

  const onEval = o.heldOut
    ? async (engine: Engine) => {
        const h = o.heldOut!;
        return heldOutScores((texts) => engine.encode(texts.map(ids), 64), h);
      }
    : undefined;

  return runLoop({
    stage: o.stage,
    dir: o.dir,
    config: cfg,
    tokenizer: tok,
    init: () => start.params,
    steps: sec.steps,
    lr: sec.lr,
    warmupSteps: sec.warmupSteps,
    clipNorm: sec.clipNorm,
    weightDecay: sec.weightDecay,
    checkpointEvery: sec.checkpointEvery,
    step,
    evalEvery: sec.evalEvery,
    onEval,
    meta: { init: o.init, initId: start.id, examples: o.examples.length },
    replicas: o.replicas,
    log: o.log,
    stopAfter: o.stopAfter,
    showProgress: o.showProgress,
  });
}
