// One fine-tuning example's row of the contrastive logits, for a run (notebook 05): the
// batch of a training step laid out exactly as trainContrastive lays it out, embedded with
// a checkpoint (no dropout), and one row of the loss shown column by column
// (losses/logits-row.ts). Plus plain rows for a table and a comparison of two settings
// of the loss on the same embeddings, for the "try it" cells.
import * as tf from '@tensorflow/tfjs';
import type { TrainingExample } from '../core/types';
import { loadEmbedder } from '../encoder/embedder';
import { contrastiveLoss, type ContrastiveBatch, type ContrastiveOptions } from '../losses/contrastive';
import { logitsRow, type LogitsRow } from '../losses/logits-row';
import type { RunContext } from '../runs/run';
import { batchIndices } from '../train/batches';
import { rolePrompts } from '../encoder/prompts';
import { batchLayout, contrastiveBatchOf, formatExample, lossOptionsFor } from '../train/contrastive-stage';
import { mixtureForRun } from './mixture';

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
