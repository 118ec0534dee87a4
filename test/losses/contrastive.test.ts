// Every loss against a plain-JS float64 reference written straight from the paper's
// equations, on 3x4 inputs: the loss value AND its gradients (reference gradients by
// central finite differences of the reference).
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { candidateMask, contrastiveLoss, type ContrastiveBatch } from '../../lib/losses/contrastive';
import { inBatchLoss } from '../../lib/losses/in-batch';
import { hardNegativeLoss } from '../../lib/losses/hard-negatives';
import { sameTowerLoss } from '../../lib/losses/same-tower';
import { matryoshkaLoss } from '../../lib/losses/matryoshka';

type M = number[][];
const Q: M = [
  [0.9, 0.1, -0.3, 0.2],
  [0.1, 1.2, 0.4, -0.5],
  [-0.4, 0.3, 1.1, 0.6],
];
const P: M = [
  [1.0, 0.2, -0.1, 0.1],
  [0.3, 0.9, 0.2, -0.2],
  [-0.1, 0.6, 0.8, 0.9],
];
const N: M = [
  [0.8, -0.2, 0.1, 0.5],
  [0.2, 0.7, 0.7, 0.1],
  [0.0, 0.9, 0.3, -0.6],
];
const OWNER = [0, 0, 1]; // query 0 has two hard negatives, query 1 one, query 2 none
const TAU = 0.5;

const unit = (v: number[], d = v.length) => {
  const x = v.slice(0, d);
  const n = Math.hypot(...x);
  return x.map((a) => a / n);
};
const cos = (a: number[], b: number[], d = a.length) => {
  const x = unit(a, d),
    y = unit(b, d);
  return x.reduce((s, xi, i) => s + xi * y[i]!, 0);
};

/** Paper Eq. 3, term by term; flags switch the hard-negative and same-tower terms; dupPos masks equal positives. */
function reference(q: M, p: M, n: M, o: { hn: boolean; st: boolean; dupPos?: string[]; dim?: number }): number {
  const B = q.length,
    d = o.dim ?? q[0]!.length;
  let total = 0;
  for (let i = 0; i < B; i++) {
    const num = Math.exp(cos(q[i]!, p[i]!, d) / TAU);
    let den = 0;
    for (let j = 0; j < B; j++) {
      if (j !== i && o.dupPos && o.dupPos[j] === o.dupPos[i]) continue;
      den += Math.exp(cos(q[i]!, p[j]!, d) / TAU);
      if (o.st && j !== i) den += Math.exp(cos(q[i]!, q[j]!, d) / TAU);
    }
    if (o.hn)
      n.forEach((nm, m) => {
        if (OWNER[m] === i) den += Math.exp(cos(q[i]!, nm, d) / TAU);
      });
    total += -Math.log(num / den);
  }
  return total / B;
}

/** Central differences of f over every entry of the three inputs. */
function numericGrads(f: (q: M, p: M, n: M) => number): [M, M, M] {
  const h = 1e-6;
  const inputs = [Q, P, N];
  return inputs.map((X, which) =>
    X.map((row, r) =>
      row.map((_, c) => {
        const bump = (delta: number) => {
          const copy = inputs.map((m) => m.map((rr) => rr.slice()));
          copy[which]![r]![c]! += delta;
          return f(copy[0]!, copy[1]!, copy[2]!);
        };
        return (bump(h) - bump(-h)) / (2 * h);
      }),
    ),
  ) as [M, M, M];
}

/** extra.negatives === null marks a loss that ignores negatives (their gradient must be 0). */
function check(
  tfLoss: (b: ContrastiveBatch) => tf.Scalar,
  ref: (q: M, p: M, n: M) => number,
  extra: Partial<Omit<ContrastiveBatch, 'negatives'>> & { negatives?: null } = {},
) {
  const q = tf.tensor2d(Q),
    p = tf.tensor2d(P),
    n = tf.tensor2d(N);
  const f = (qq: tf.Tensor, pp: tf.Tensor, nn: tf.Tensor) =>
    tfLoss({
      queries: qq as tf.Tensor2D,
      positives: pp as tf.Tensor2D,
      negativeOwner: OWNER,
      ...extra,
      negatives: nn as tf.Tensor2D,
    });
  const loss = f(q, p, n).dataSync()[0]!;
  expect(loss).toBeCloseTo(ref(Q, P, N), 5);
  const usesNeg = extra.negatives !== null;
  const grads = usesNeg
    ? tf
        .grads(f)([q, p, n])
        .map((g) => g.arraySync() as M)
    : [
        ...tf
          .grads((qq: tf.Tensor, pp: tf.Tensor) => f(qq, pp, n))([q, p])
          .map((g) => g.arraySync() as M),
        N.map((r) => r.map(() => 0)),
      ];
  const num = numericGrads(ref);
  for (let k = 0; k < 3; k++)
    for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) expect(grads[k]![r]![c]).toBeCloseTo(num[k]![r]![c]!, 4);
  tf.dispose([q, p, n]);
  return { loss, grads };
}

describe('contrastive losses against the plain-JS reference (3 x 4)', () => {
  it('a hand-computed value: orthonormal pairs, tau 1', () => {
    const I = tf.eye(3, 4) as tf.Tensor2D;
    // each row: -log(e / (e + 2))  (cos 1 with itself, 0 with the two others)
    expect(inBatchLoss({ queries: I, positives: I }, 1).dataSync()[0]).toBeCloseTo(Math.log(1 + 2 / Math.E), 6);
  });

  it('in-batch softmax (Eq. 2)', () => {
    check(
      (b) => inBatchLoss(b, TAU),
      (q, p, n) => reference(q, p, n, { hn: false, st: false }),
      { negatives: null },
    ); // negatives unused: numeric gradient 0
  });

  it('plus own hard negatives only', () => {
    check(
      (b) => hardNegativeLoss(b, TAU),
      (q, p, n) => reference(q, p, n, { hn: true, st: false }),
    );
  });

  it('plus same-tower negatives (Eq. 3)', () => {
    check(
      (b) => sameTowerLoss(b, TAU),
      (q, p, n) => reference(q, p, n, { hn: true, st: true }),
    );
  });

  it("duplicate positives are not each other's negatives", () => {
    const keys = ['a', 'b', 'a']; // examples 0 and 2 share their positive text
    check(
      (b) => inBatchLoss(b, TAU),
      (q, p, n) => reference(q, p, n, { hn: false, st: false, dupPos: keys }),
      { positiveKeys: keys, negatives: null },
    );
    const mask = candidateMask(
      3,
      { temperature: 1, hardNegatives: false, sameTower: false },
      { positiveKeys: keys, numNegatives: 0 },
    );
    expect(Array.from(mask).map((m) => (m < 0 ? 1 : 0))).toEqual([0, 0, 1, 0, 0, 0, 1, 0, 0]);
  });

  it('Matryoshka: weighted sum over re-normalised prefixes', () => {
    const dims = [4, 2],
      w = [1, 0.5];
    check(
      matryoshkaLoss((b) => sameTowerLoss(b, TAU), dims, w),
      (q, p, n) => dims.reduce((s, d, i) => s + w[i]! * reference(q, p, n, { hn: true, st: true, dim: d }), 0),
    );
  });

  it('rejects a negative without an owner', () => {
    const t = tf.tensor2d(Q);
    expect(() =>
      contrastiveLoss(
        { queries: t, positives: t, negatives: t },
        { temperature: 1, hardNegatives: true, sameTower: false },
      ),
    ).toThrow(/negativeOwner/);
    t.dispose();
  });
});
