// One example's row of the contrastive logits, column by column: the hop from a training
// example to its loss term that contrastiveLoss does in one matrix. Each column says what
// it is (the positive, another example's positive = in-batch negative, the example's own
// hard negative, another query = same-tower negative), its cosine and logit, and whether
// candidateMask removed it and why (another example's hard negative, the query itself, a
// duplicate of the row's positive or query text). Same layout and mask as the loss, so the
// mean of the rows' loss terms is contrastiveLoss (test/losses/logits-row.test.ts).
import * as tf from '@tensorflow/tfjs';
import { candidateMask, l2normalize, MASKED, type ContrastiveBatch, type ContrastiveOptions } from './contrastive';

export type ColumnKind = 'positive' | 'in-batch negative' | 'hard negative' | 'same-tower negative';

export interface LogitsColumn {
  /** Column index in the loss's layout [positives (B) | hard negatives (M) | queries (B)]. */
  column: number;
  kind: ColumnKind;
  /** The example (batch row) the candidate text belongs to. */
  ofExample: number;
  /** The candidate's key (the formatted text) when the batch has keys. */
  text?: string;
  cosine: number;
  /** cosine / temperature, before the mask. */
  logit: number;
  /** Why the column is left out of this row's softmax; undefined = it counts. */
  masked?: 'hard negative of another example' | 'the query itself' | 'duplicate text';
  /** Softmax probability of the column among the kept ones (0 when masked). */
  probability: number;
}

export interface LogitsRow {
  row: number;
  columns: LogitsColumn[];
  /** -log probability of the row's own positive: this example's term of the loss (the loss is their mean). */
  lossTerm: number;
}

/**
 * Row `row` of the logits of contrastiveLoss(batch, opts), one entry per candidate column.
 * @example const r = logitsRow(batch, { temperature: 0.05, hardNegatives: true, sameTower: true }, 0); r.lossTerm
 */
export function logitsRow(batch: ContrastiveBatch, opts: ContrastiveOptions, row: number): LogitsRow {
  const B = batch.queries.shape[0];
  if (!Number.isInteger(row) || row < 0 || row >= B)
    throw new RangeError(`logitsRow: row ${row} is not in 0..${B - 1}`);
  const useNeg = opts.hardNegatives && batch.negatives !== undefined && batch.negatives.shape[0] > 0;
  const M = useNeg ? (batch.negatives?.shape[0] ?? 0) : 0;
  const owner = batch.negativeOwner ?? [];
  if (useNeg && owner.length !== M)
    throw new Error(`logitsRow: negativeOwner must give the owner of each of the ${M} negatives`);
  const o = { ...opts, hardNegatives: useNeg };
  const C = B + M + (opts.sameTower ? B : 0);
  const mask = candidateMask(B, o, { ...batch, numNegatives: M }).subarray(row * C, (row + 1) * C);
  const cosines = tf.tidy(() => {
    const q = l2normalize(tf.slice(batch.queries, [row, 0], [1, -1]));
    const cols: tf.Tensor2D[] = [l2normalize(batch.positives)];
    if (useNeg && batch.negatives) cols.push(l2normalize(batch.negatives));
    if (opts.sameTower) cols.push(l2normalize(batch.queries));
    return tf.matMul(q, tf.concat(cols, 0), false, true).dataSync() as Float32Array;
  });
  const columns: LogitsColumn[] = [];
  for (let c = 0; c < C; c++) {
    const cosine = cosines[c] ?? NaN;
    let kind: ColumnKind, ofExample: number, text: string | undefined;
    if (c < B) {
      kind = c === row ? 'positive' : 'in-batch negative';
      ofExample = c;
      text = batch.positiveKeys?.[c];
    } else if (c < B + M) {
      kind = 'hard negative';
      ofExample = owner[c - B] ?? -1;
      text = batch.negativeKeys?.[c - B];
    } else {
      kind = 'same-tower negative';
      ofExample = c - B - M;
      text = batch.queryKeys?.[c - B - M];
    }
    const col: LogitsColumn = { column: c, kind, ofExample, cosine, logit: cosine / opts.temperature, probability: 0 };
    if (text !== undefined) col.text = text;
    if (mask[c] === MASKED) {
      if (kind === 'hard negative' && ofExample !== row) col.masked = 'hard negative of another example';
      else if (kind === 'same-tower negative' && ofExample === row) col.masked = 'the query itself';
      else col.masked = 'duplicate text';
    }
    columns.push(col);
  }
  // Softmax over the kept columns, in float64 (log-sum-exp).
  const kept = columns.filter((c) => c.masked === undefined);
  const max = Math.max(...kept.map((c) => c.logit));
  const logZ = max + Math.log(kept.reduce((s, c) => s + Math.exp(c.logit - max), 0));
  for (const c of kept) c.probability = Math.exp(c.logit - logZ);
  const own = columns[row];
  if (!own) throw new Error('logitsRow: the row has no positive column');
  return { row, columns, lossTerm: logZ - own.logit };
}
