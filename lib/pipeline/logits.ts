// One fine-tuning example's row of the contrastive logits, for a run (notebook 05): the
// batch of a training step laid out exactly as trainContrastive lays it out, embedded with
// a checkpoint (no dropout), and one row of the loss shown column by column
// (losses/logits-row.ts). Plus plain rows for a table and a comparison of two settings
// of the loss on the same embeddings, for the "try it" cells; and the same row on a pretrained
// backbone (USE-lite) as imported and after a few fine-tuning steps from it (backboneLogits).
import * as tf from '@tensorflow/tfjs';
import type { TrainingExample } from '../core/types';
import { backboneLabel } from '../encoder/backbone';
import { loadEmbedder } from '../encoder/embedder';
import { contrastiveLoss, type ContrastiveBatch, type ContrastiveOptions } from '../losses/contrastive';
import { logitsRow, type LogitsRow } from '../losses/logits-row';
import type { RunContext } from '../runs/run';
import { batchIndices } from '../train/batches';
import { rolePrompts } from '../encoder/prompts';
import { batchLayout, contrastiveBatchOf, formatExample, lossOptionsFor } from '../train/contrastive-stage';
import { USE_LITE_SHAPE } from '../config/presets';
import { mixtureForRun } from './mixture';
import { finetuneForRun, pretrainForRun, type StageRun } from './train';

export interface ExampleLogits {
  /** The fine-tuning step whose batch this is (0 = the first). */
  step: number;
  /** The batch's examples, in row order. */
  examples: TrainingExample[];
  /** The loss switches of the run's fine-tuning stage. */
  options: ContrastiveOptions;
  /** The step's embeddings as the loss reads them (texts as keys). */
  batch: ContrastiveBatch;
  row: number;
  logits: LogitsRow;
}

/**
 * Embed the batch of fine-tuning step `step` with `checkpoint` and return row `row` of its
 * logits (default: the first example that has a hard negative).
 * @example const view = await exampleLogits(ctx, ft.checkpoint); showTable(logitsRowTable(view.logits));
 */
export async function exampleLogits(
  ctx: Pick<RunContext, 'config' | 'path' | 'log'>,
  checkpoint: string,
  opts: { step?: number; row?: number } = {},
): Promise<ExampleLogits> {
  const step = opts.step ?? 0;
  const { examples: all } = await mixtureForRun(ctx);
  const cfg = ctx.config;
  const examples = batchIndices(all.length, cfg.finetune.batchSize, step, cfg.seed, 'finetune').map((i) => {
    const e = all[i];
    if (!e) throw new Error(`exampleLogits: no example ${i} in a mixture of ${all.length}`);
    return e;
  });
  const options = lossOptionsFor(cfg, 'finetune');
  const embedder = await loadEmbedder(checkpoint, { replicas: 1 });
  const layout = batchLayout(
    examples.map((e) => formatExample(e, cfg.format, rolePrompts(embedder.config))), // as trainContrastive formats them
    options.hardNegatives,
  );
  let vectors: Float32Array[];
  try {
    vectors = await embedder.embed(layout.texts);
  } finally {
    await embedder.close();
  }
  const E = tf.tensor2d(
    vectors.flatMap((v) => Array.from(v)),
    [vectors.length, embedder.dim],
  );
  const batch = contrastiveBatchOf(E, layout);
  const firstWithNegative = examples.findIndex((e) => e.negatives.length > 0);
  const row = opts.row ?? Math.max(0, firstWithNegative);
  return { step, examples, options, batch, row, logits: logitsRow(batch, options, row) };
}

/**
 * The row as plain records for showTable: one line per candidate column.
 * @example showTable(logitsRowTable(view.logits), { digits: 3 })
 */
export function logitsRowTable(r: LogitsRow, maxChars = 90): Record<string, string | number>[] {
  const cut = (t: string | undefined) => (t === undefined ? '' : t.length > maxChars ? `${t.slice(0, maxChars)}…` : t);
  return r.columns.map((c) => ({
    column: c.column,
    kind: c.kind,
    ofExample: c.ofExample,
    counted: c.masked ? `no: ${c.masked}` : 'yes',
    cosine: c.cosine,
    logit: c.logit,
    probability: c.probability,
    text: cut(c.text),
  }));
}

/** The batch's mean loss under `options` (one number, the loss the trainer would see without dropout). */
export function batchLoss(batch: ContrastiveBatch, options: ContrastiveOptions): number {
  const l = contrastiveLoss(batch, options);
  const v = l.dataSync()[0] ?? NaN;
  l.dispose();
  return v;
}

/**
 * What changed between two settings of the loss on the same example and embeddings, in words.
 * @example showMarkdown(compareLogitsRows(view.logits, changed, 'as trained', 'without same-tower negatives'))
 */
export function compareLogitsRows(a: LogitsRow, b: LogitsRow, labelA: string, labelB: string): string {
  const counted = (r: LogitsRow) => r.columns.filter((c) => !c.masked).length;
  const pPos = (r: LogitsRow) => r.columns[r.row]?.probability ?? NaN;
  const kinds = (r: LogitsRow) => {
    const n = new Map<string, number>();
    for (const c of r.columns) if (!c.masked) n.set(c.kind, (n.get(c.kind) ?? 0) + 1);
    return [...n].map(([k, v]) => `${v} ${k}`).join(', ');
  };
  return [
    `| | ${labelA} | ${labelB} |`,
    '|---|---|---|',
    `| columns in the softmax | ${counted(a)} (${kinds(a)}) | ${counted(b)} (${kinds(b)}) |`,
    `| probability of the positive | ${pPos(a).toFixed(4)} | ${pPos(b).toFixed(4)} |`,
    `| this example's loss term | ${a.lossTerm.toFixed(4)} | ${b.lossTerm.toFixed(4)} |`,
  ].join('\n');
}

/** The knobs of a small fine-tuning from USE-lite (notebook 05). */
export interface UseLiteFinetune {
  /** Fine-tuning steps (pre-finetuning is skipped: 0 steps). */
  steps: number;
  batchSize: number;
  /** Inputs cut to this many tokens (USE-lite reads 128). */
  maxLen: number;
  lr: number;
  warmupSteps: number;
}

/**
 * Config overrides (for notebookRun) for a run that starts from USE-lite as imported
 * (pretrain.backbone 'use-lite', its shape, inputs cut to `maxLen`), skips pre-finetuning (0 steps)
 * and fine-tunes `steps` steps with Matryoshka at 512/256/128/64: the fine-tuned model is the
 * backbone plus those steps and nothing else.
 * @example const bb = await notebookRun('05-finetuning', fromUseLite({ steps: 10, batchSize: 8, maxLen: 32, lr: 1e-4, warmupSteps: 2 }))
 */
export function fromUseLite(k: UseLiteFinetune): Record<string, unknown> {
  const D = USE_LITE_SHAPE.dModel;
  return {
    pretrain: { backbone: 'use-lite' },
    encoder: { ...USE_LITE_SHAPE, maxLen: k.maxLen },
    prefinetune: { steps: 0 },
    finetune: {
      steps: k.steps,
      batchSize: k.batchSize,
      lr: k.lr,
      warmupSteps: k.warmupSteps,
      matryoshkaDims: [D, D / 2, D / 4, D / 8],
      matryoshkaWeights: [1, 1, 1, 1],
    },
  };
}

/** One example's row on a run's backbone as imported and after the run's fine-tuning. */
export interface BackboneLogits {
  /** The pretrain stage: the backbone imported (no training). */
  backbone: StageRun;
  finetune: StageRun;
  /** The row embedded with the backbone's checkpoint. */
  before: ExampleLogits;
  /** The same step, batch and row embedded with the fine-tuned checkpoint. */
  after: ExampleLogits;
}

/**
 * Import the run's backbone, fine-tune from it (both resumable stages) and return the same
 * example's logits row embedded with each checkpoint (the first fine-tuning batch by default).
 * @example const r = await backboneLogits(bb); showTable(logitsBeforeAfterTable(r.before.logits, r.after.logits))
 */
export async function backboneLogits(
  ctx: Pick<RunContext, 'config' | 'path' | 'log'>,
  opts: { step?: number; row?: number } = {},
): Promise<BackboneLogits> {
  const backbone = await pretrainForRun(ctx);
  const finetune = await finetuneForRun(ctx);
  const before = await exampleLogits(ctx, backbone.checkpoint, opts);
  const after = await exampleLogits(ctx, finetune.checkpoint, { step: before.step, row: before.row });
  return { backbone, finetune, before, after };
}

/**
 * Two rows of the same example and batch side by side (one line per candidate column): logit and
 * probability under each checkpoint. Throws when the rows are not of the same candidates.
 * @example showTable(logitsBeforeAfterTable(r.before.logits, r.after.logits), { digits: 3 })
 */
export function logitsBeforeAfterTable(
  before: LogitsRow,
  after: LogitsRow,
  maxChars = 70,
): Record<string, string | number>[] {
  if (before.row !== after.row || before.columns.length !== after.columns.length)
    throw new Error(
      `logitsBeforeAfterTable: row ${before.row} of ${before.columns.length} columns vs row ${after.row} of ${after.columns.length}: not the same example's row`,
    );
  const cut = (t: string | undefined) => (t === undefined ? '' : t.length > maxChars ? `${t.slice(0, maxChars)}…` : t);
  return before.columns.map((b, i) => {
    const a = after.columns[i];
    if (!a || a.kind !== b.kind || a.text !== b.text || a.masked !== b.masked)
      throw new Error(`logitsBeforeAfterTable: column ${b.column} differs between the rows (not the same batch)`);
    return {
      column: b.column,
      kind: b.kind,
      counted: b.masked ? `no: ${b.masked}` : 'yes',
      'logit before': b.logit,
      'logit after': a.logit,
      'probability before': b.probability,
      'probability after': a.probability,
      text: cut(b.text),
    };
  });
}

/** What a row says about its positive: its probability, its rank among the counted columns and its logit's lead. */
export interface PositiveStanding {
  probability: number;
  /** 1 = the positive has the highest logit of the counted columns. */
  rank: number;
  /** The positive's logit minus the highest logit of the other counted columns (> 0: it leads). */
  margin: number;
  lossTerm: number;
}

/**
 * The positive's standing in one row.
 * @example positiveStanding(view.logits).rank // 1 when the positive leads
 */
export function positiveStanding(r: LogitsRow): PositiveStanding {
  const pos = r.columns.find((c) => c.kind === 'positive' && c.ofExample === r.row);
  if (!pos) throw new Error(`positiveStanding: row ${r.row} has no positive column`);
  const others = r.columns.filter((c) => c !== pos && !c.masked).map((c) => c.logit);
  return {
    probability: pos.probability,
    rank: 1 + others.filter((l) => l > pos.logit).length,
    margin: pos.logit - Math.max(...others),
    lossTerm: r.lossTerm,
  };
}

/** What fine-tuning changed in a BackboneLogits: the shown row and the whole batch. */
export interface BackboneChange {
  /** Every logit of both rows is a finite number. */
  finite: boolean;
  /** The largest |logit after - logit before| over the row's columns (0: the same model twice). */
  maxLogitChange: number;
  /** The row's positive under each checkpoint. */
  before: PositiveStanding;
  after: PositiveStanding;
  /** The batch's mean loss (full width, no dropout) under each checkpoint. */
  batchLossBefore: number;
  batchLossAfter: number;
}

/**
 * The row's and the batch's change from the backbone to the fine-tuned model.
 * @example const c = backboneChange(r); check('the batch loss fell', c.batchLossAfter < c.batchLossBefore, c)
 */
export function backboneChange(r: Pick<BackboneLogits, 'before' | 'after'>): BackboneChange {
  const b = r.before.logits.columns;
  const a = r.after.logits.columns;
  if (b.length !== a.length) throw new Error(`backboneChange: rows of ${b.length} and ${a.length} columns`);
  return {
    finite: [...b, ...a].every((c) => Number.isFinite(c.logit)),
    maxLogitChange: Math.max(...b.map((c, i) => Math.abs((a[i]?.logit ?? NaN) - c.logit))),
    before: positiveStanding(r.before.logits),
    after: positiveStanding(r.after.logits),
    batchLossBefore: batchLoss(r.before.batch, r.before.options),
    batchLossAfter: batchLoss(r.after.batch, r.after.options),
  };
}

/**
 * What a backbone run ran, in one markdown line (backbone, steps, batch, input length, run folder).
 * @example showMarkdown(backboneRunSummary(bb, r))
 */
export function backboneRunSummary(ctx: Pick<RunContext, 'config' | 'dir'>, r: BackboneLogits): string {
  const c = ctx.config;
  return (
    `Backbone **${backboneLabel(c.pretrain.backbone)}** (${c.encoder.layers} layers, width ${c.encoder.dModel}, inputs cut to ${c.encoder.maxLen} tokens), ` +
    `imported as \`${r.backbone.checkpointId}\`; pre-finetuning ${c.prefinetune.steps} steps; fine-tuning **${r.finetune.steps} steps** ` +
    `of ${c.finetune.batchSize} examples (lr ${c.finetune.lr}, Matryoshka ${c.finetune.matryoshkaDims.join('/')}) into \`${r.finetune.checkpointId}\`. ` +
    `Run folder \`${ctx.dir}\`. The row: example ${r.before.row} of the batch of fine-tuning step ${r.before.step}.`
  );
}
