// logitsRow shows the loss's own row: its columns, kinds and mask reasons on a batch with a
// duplicate positive, and the mean of its loss terms equals contrastiveLoss for every flag setting.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { contrastiveLoss, type ContrastiveBatch } from '../../lib/losses/contrastive';
import { logitsRow } from '../../lib/losses/logits-row';

const Q = [
  [0.9, 0.1, -0.3, 0.2],
  [0.1, 1.2, 0.4, -0.5],
  [-0.4, 0.3, 1.1, 0.6],
];
const P = [
  [1.0, 0.2, -0.1, 0.1],
  [0.3, 0.9, 0.2, -0.2],
  [-0.1, 0.6, 0.8, 0.9],
];
const N = [
  [0.8, -0.2, 0.1, 0.5],
  [0.2, 0.7, 0.7, 0.1],
  [0.0, 0.9, 0.3, -0.6],
];

const batch = (): ContrastiveBatch => ({
  queries: tf.tensor2d(Q),
  positives: tf.tensor2d(P),
  negatives: tf.tensor2d(N),
  negativeOwner: [0, 0, 1],
  queryKeys: ['q0', 'q1', 'q2'],
  positiveKeys: ['p0', 'p1', 'p0'], // example 2 has the same positive text as example 0
  negativeKeys: ['n0', 'n1', 'n2'],
});

describe('logitsRow', () => {
  it('labels every column of a row and says why masked ones are out', () => {
    const r = logitsRow(batch(), { temperature: 0.5, hardNegatives: true, sameTower: true }, 0);
    expect(r.columns.map((c) => [c.kind, c.ofExample, c.masked ?? 'kept'])).toEqual([
      ['positive', 0, 'kept'],
      ['in-batch negative', 1, 'kept'],
      ['in-batch negative', 2, 'duplicate text'],
      ['hard negative', 0, 'kept'],
      ['hard negative', 0, 'kept'],
      ['hard negative', 1, 'hard negative of another example'],
      ['same-tower negative', 0, 'the query itself'],
      ['same-tower negative', 1, 'kept'],
      ['same-tower negative', 2, 'kept'],
    ]);
    expect(r.columns[3]?.text).toBe('n0');
    const kept = r.columns.filter((c) => !c.masked);
    expect(kept.reduce((s, c) => s + c.probability, 0)).toBeCloseTo(1, 12);
    expect(r.columns.filter((c) => c.masked).every((c) => c.probability === 0)).toBe(true);
    const own = r.columns[0]!;
    expect(r.lossTerm).toBeCloseTo(-Math.log(own.probability), 12);
  });

  for (const hardNegatives of [false, true])
    for (const sameTower of [false, true])
      it(`the mean of the rows' loss terms is contrastiveLoss (hard ${hardNegatives}, same-tower ${sameTower})`, () => {
        const b = batch();
        const opts = { temperature: 0.5, hardNegatives, sameTower };
        const terms = [0, 1, 2].map((i) => logitsRow(b, opts, i).lossTerm);
        const loss = contrastiveLoss(b, opts).dataSync()[0]!;
        expect(terms.reduce((s, t) => s + t, 0) / 3).toBeCloseTo(loss, 5);
        expect(logitsRow(b, opts, 1).columns).toHaveLength(3 + (hardNegatives ? 3 : 0) + (sameTower ? 3 : 0));
      });

  it('refuses a row outside the batch', () => {
    expect(() => logitsRow(batch(), { temperature: 0.5, hardNegatives: false, sameTower: false }, 3)).toThrow(/row 3/);
  });
});
