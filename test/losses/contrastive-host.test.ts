// The host form of the contrastive loss (contrastiveLossHost / matryoshkaLossHost, plain loops with
// the gradient written out) against the TF.js form under tf.valueAndGrad, which
// contrastive.test.ts holds to the paper's equations: the value and d loss / d every embedding row,
// for each switch of the loss (hard negatives, same-tower), with duplicate texts masked, a query
// with two hard negatives and one with none, and Matryoshka prefixes with unequal weights. Also the
// stage's loss (stageLoss) whose two forms the engines choose between.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../lib/core/rng';
import { contrastiveLoss, contrastiveLossHost, type ContrastiveOptions } from '../../lib/losses/contrastive';
import { matryoshkaLoss, matryoshkaLossHost } from '../../lib/losses/matryoshka';
import type { EncoderConfig } from '../../lib/encoder/config';
import { initParams } from '../../lib/encoder/params';
import { batchLayout, contrastiveBatchOf, hostBatchOf, stageLoss } from '../../lib/train/contrastive-stage';
import { TrainEngine } from '../../lib/train/engine';

const D = 12;
// 5 examples: example 0 has two hard negatives, example 3 none; examples 1 and 4 share a positive
// text, and example 2's negative is example 0's positive text (both masked as duplicates)
const examples = [
  { query: 'q0', positive: 'p0', negatives: ['n0a', 'n0b'] },
  { query: 'q1', positive: 'same', negatives: ['n1'] },
  { query: 'q2', positive: 'p2', negatives: ['p0'] },
  { query: 'q3', positive: 'p3', negatives: [] },
  { query: 'q4', positive: 'same', negatives: ['n4'] },
];
const layout = batchLayout(examples, true);
const rng = new Rng(11);
const E = Float32Array.from({ length: layout.texts.length * D }, () => rng.normal());

/** Value and gradient of the TF.js form over E (rows in layout order). */
function tfForm(lossOf: (e: tf.Tensor2D) => tf.Scalar): { loss: number; dE: Float32Array } {
  const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => lossOf(x as tf.Tensor2D))(
    tf.tensor2d(E, [layout.texts.length, D]),
  );
  const out = { loss: value.dataSync()[0]!, dE: grad.dataSync() as Float32Array };
  tf.dispose([value, grad]);
  return out;
}

function expectClose(host: { loss: number; dE: Float32Array }, ref: { loss: number; dE: Float32Array }) {
  expect(Math.abs(host.loss - ref.loss)).toBeLessThan(1e-5 * Math.max(1, Math.abs(ref.loss)));
  const scale = Math.max(...ref.dE.map(Math.abs));
  expect(scale).toBeGreaterThan(0);
  let worst = 0;
  for (let i = 0; i < ref.dE.length; i++) worst = Math.max(worst, Math.abs(host.dE[i]! - ref.dE[i]!));
  expect(worst / scale).toBeLessThan(1e-4);
}

const SWITCHES: ContrastiveOptions[] = [
  { temperature: 0.05, hardNegatives: false, sameTower: false },
  { temperature: 0.05, hardNegatives: true, sameTower: false },
  { temperature: 0.05, hardNegatives: false, sameTower: true },
  { temperature: 0.5, hardNegatives: true, sameTower: true },
];

describe('contrastiveLossHost', () => {
  for (const opts of SWITCHES)
    it(`equals contrastiveLoss and its tf.grad (hard ${opts.hardNegatives}, same-tower ${opts.sameTower}, tau ${opts.temperature})`, () => {
      const dE = new Float32Array(E.length);
      const loss = contrastiveLossHost(hostBatchOf(E, D, layout), opts, D, 1, dE);
      expectClose(
        { loss, dE },
        tfForm((e) => contrastiveLoss(contrastiveBatchOf(e, layout), opts)),
      );
    });

  it('Matryoshka: the weighted sum over prefixes equals matryoshkaLoss, value and gradient', () => {
    const opts = SWITCHES[3]!;
    const dims = [12, 6, 3],
      weights = [1, 0.5, 2];
    const host = matryoshkaLossHost(hostBatchOf(E, D, layout), opts, dims, weights);
    const ref = tfForm((e) =>
      matryoshkaLoss((b) => contrastiveLoss(b, opts), dims, weights)(contrastiveBatchOf(e, layout)),
    );
    expectClose(host, ref);
    // the columns past the largest prefix get no gradient in either form
    const short = matryoshkaLossHost(hostBatchOf(E, D, layout), opts, [6, 3], [1, 1]);
    for (let r = 0; r < layout.texts.length; r++) for (let k = 6; k < D; k++) expect(short.dE[r * D + k]).toBe(0);
  });

  it("stageLoss's two forms agree (what the packed and onnx engines use against what the device engine uses)", () => {
    const opts = SWITCHES[3]!;
    const loss = stageLoss(layout, opts, [12, 4], [1, 1]);
    expectClose(loss.host!(E, layout.texts.length, D), tfForm(loss));
    expect(() => loss.host!(E.subarray(D), layout.texts.length - 1, D)).toThrow(/embeddings for/);
  });

  it('refuses negatives without owners and a prefix wider than the rows', () => {
    const hb = { ...hostBatchOf(E, D, layout), negativeOwner: [0] };
    expect(() => contrastiveLossHost(hb, SWITCHES[1]!, D, 1, new Float32Array(E.length))).toThrow(/negativeOwner/);
    expect(() => matryoshkaLossHost(hostBatchOf(E, D, layout), SWITCHES[0]!, [D + 1], [1])).toThrow(/exceeds/);
  });

  it('the engine takes the host form when the loss has one: the same loss and gradient as tf.grad of the TF.js form', async () => {
    const cfg: EncoderConfig = {
      vocabSize: 30,
      layers: 1,
      dModel: 8,
      heads: 2,
      ffn: 16,
      maxLen: 10,
      dropout: 0,
      lnEps: 1e-5,
    };
    const eng = await TrainEngine.create(cfg, initParams(cfg, 2), { path: 'packed', replicas: 1 });
    const seqs = layout.texts.map((_, i) => Array.from({ length: 2 + (i % 5) }, (_, j) => 3 + ((i * 7 + j) % 25)));
    const loss = stageLoss(layout, SWITCHES[3]!, [8, 4], [1, 1]);
    let hostCalls = 0;
    const counted = Object.assign((e: tf.Tensor2D) => loss(e), {
      host: (E: Float32Array, N: number, D: number) => (hostCalls++, loss.host!(E, N, D)),
    });
    const o = { chunkSize: seqs.length, gradCache: false };
    const viaHost = await eng.contrastive(seqs, counted, o);
    const viaTf = await eng.contrastive(seqs, (e) => loss(e), o); // no host form: tf.grad
    expect(hostCalls).toBe(1);
    expect(Math.abs(viaHost.loss - viaTf.loss)).toBeLessThan(1e-5 * Math.abs(viaTf.loss));
    const scale = Math.max(...viaTf.grads.map(Math.abs));
    expect(scale).toBeGreaterThan(0);
    expect(Math.max(...viaHost.grads.map((g, i) => Math.abs(g - viaTf.grads[i]!))) / scale).toBeLessThan(1e-4);
    await eng.close();
  });
});
