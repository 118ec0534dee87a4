// The before/after view of one example's logits row (notebook 05's USE-lite cells): the positive's
// standing counts only the columns in the softmax, the side-by-side table refuses rows of different
// batches, and backboneChange sees no change between two copies of one model and a fall in the batch
// loss when the positives move towards their queries.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { ContrastiveBatch, ContrastiveOptions } from '../../lib/losses/contrastive';
import { logitsRow, type LogitsRow } from '../../lib/losses/logits-row';
import {
  backboneChange,
  fromUseLite,
  logitsBeforeAfterTable,
  positiveStanding,
  type ExampleLogits,
} from '../../lib/pipeline/logits';
import { resolveConfig } from '../../lib/config/resolve';

const OPTS: ContrastiveOptions = { temperature: 0.05, hardNegatives: true, sameTower: true };
const Q = [
  [0.9, 0.1, -0.3, 0.2],
  [0.1, 1.2, 0.4, -0.5],
  [-0.4, 0.3, 1.1, 0.6],
];
const P = [
  [0.2, 0.9, 0.1, 0.1],
  [0.3, 0.9, 0.2, -0.2],
  [-0.1, 0.6, 0.8, 0.9],
];
const N = [
  [0.8, -0.2, 0.1, 0.5],
  [0.2, 0.7, 0.7, 0.1],
  [0.0, 0.9, 0.3, -0.6],
];

function view(positives: number[][]): ExampleLogits {
  const batch: ContrastiveBatch = {
    queries: tf.tensor2d(Q),
    positives: tf.tensor2d(positives),
    negatives: tf.tensor2d(N),
    negativeOwner: [0, 1, 2],
    queryKeys: ['q0', 'q1', 'q2'],
    positiveKeys: ['p0', 'p1', 'p2'],
    negativeKeys: ['n0', 'n1', 'n2'],
  };
  return { step: 0, examples: [], options: OPTS, batch, row: 0, logits: logitsRow(batch, OPTS, 0) };
}

describe('before/after logits rows', () => {
  it('ranks the positive among the counted columns only', () => {
    const r: LogitsRow = {
      row: 0,
      lossTerm: 1,
      columns: [
        { column: 0, kind: 'positive', ofExample: 0, cosine: 0.5, logit: 10, probability: 0.1 },
        { column: 1, kind: 'in-batch negative', ofExample: 1, cosine: 0.6, logit: 12, probability: 0.8 },
        { column: 2, kind: 'hard negative', ofExample: 0, cosine: 0.25, logit: 5, probability: 0.1 },
        {
          column: 3,
          kind: 'hard negative',
          ofExample: 1,
          cosine: 1.5,
          logit: 30,
          masked: 'hard negative of another example',
          probability: 0,
        },
      ],
    };
    expect(positiveStanding(r)).toEqual({ probability: 0.1, rank: 2, margin: -2, lossTerm: 1 });
  });

  it('shows two rows of one batch side by side and refuses rows of different batches', () => {
    const a = view(P).logits;
    const rows = logitsBeforeAfterTable(a, view(Q).logits);
    expect(rows).toHaveLength(a.columns.length);
    expect(rows[0]).toMatchObject({ kind: 'positive', text: 'p0', 'logit before': a.columns[0]?.logit });
    const other = { ...a, columns: a.columns.map((c) => (c.column === 1 ? { ...c, text: 'another text' } : c)) };
    expect(() => logitsBeforeAfterTable(a, other)).toThrow(/column 1 differs/);
  });

  it('finds no change between one model twice, and a lower batch loss when positives move to their queries', () => {
    const same = backboneChange({ before: view(P), after: view(P) });
    expect(same.maxLogitChange).toBe(0);
    expect(same.batchLossAfter).toBeCloseTo(same.batchLossBefore, 6);
    const closer = P.map((p, i) => p.map((x, j) => 0.3 * x + 0.7 * (Q[i]?.[j] ?? 0)));
    const moved = backboneChange({ before: view(P), after: view(closer) });
    expect(moved.finite).toBe(true);
    expect(moved.maxLogitChange).toBeGreaterThan(1e-3);
    expect(moved.batchLossAfter).toBeLessThan(moved.batchLossBefore);
    expect(moved.after.probability).toBeGreaterThan(moved.before.probability);
  });

  it("fromUseLite gives a valid config at USE-lite's shape with no pre-finetuning", () => {
    const { config } = resolveConfig(
      'smoke',
      fromUseLite({ steps: 3, batchSize: 4, maxLen: 16, lr: 1e-4, warmupSteps: 1 }),
    );
    expect(config.pretrain.backbone).toBe('use-lite');
    expect(config.encoder).toMatchObject({ layers: 2, dModel: 512, heads: 4, ffn: 1536, maxLen: 16 });
    expect(config.prefinetune.steps).toBe(0);
    expect(config.finetune).toMatchObject({ steps: 3, batchSize: 4, matryoshkaDims: [512, 256, 128, 64] });
  });
});
