// The onnx path's one-run contrastive step (encoder/onnx-train.ts stepGraph, run by
// OnnxReplica.contrastiveStep: every sub-batch's forward, the loss's ONNX form, every backward in
// one onnxruntime run) against the same path's two passes (forward graphs saving activations, the
// loss's host form, backward graphs): the loss and every parameter's gradient for one step, then 20
// training steps with AdamW, for each architecture the definition supports, with dropout, hard
// negatives, same-tower negatives, a duplicate text masked and Matryoshka prefixes, on a batch of
// two sub-batches (the gradients summed in the graph).
import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/core/rng';
import type { EncoderConfig } from '../../lib/encoder/config';
import { inferenceRuntime } from '../../lib/backend/onnx';
import { OnnxReplica, SUB_BATCH } from '../../lib/encoder/onnx-replica';
import { initParams, paramSpecs } from '../../lib/encoder/params';
import type { ContrastiveOptions } from '../../lib/losses/contrastive';
import { batchLayout, stageLoss } from '../../lib/train/contrastive-stage';
import { TrainEngine } from '../../lib/train/engine';
import { haveOnnxRuntime } from '../helpers';

const base: EncoderConfig = {
  vocabSize: 60,
  layers: 2,
  dModel: 16,
  heads: 2,
  ffn: 32,
  maxLen: 12,
  dropout: 0.1,
  lnEps: 1e-5,
};
const ARCHS: [string, Partial<EncoderConfig>][] = [
  ['pre-LN, GELU, mean pooling', {}],
  [
    'BERT-style (post-LN, embedding LayerNorm, token-type row, position offset 2, CLS pooling)',
    { norm: 'post', embLayerNorm: true, tokenTypeRow: true, positionOffset: 2, pooling: 'cls' },
  ],
  [
    'USE-lite-style (embeddings 8 wide, sinusoidal positions, ReLU, no final LayerNorm, tanh head)',
    { embDim: 8, positions: 'sinusoidal', activation: 'relu', finalLayerNorm: false, poolHead: 'tanh', lnEps: 1e-6 },
  ],
];
const opts: ContrastiveOptions = { temperature: 0.1, hardNegatives: true, sameTower: true };
const B = 16;
const rng = new Rng(5);
/** A batch of B examples with one hard negative each but two: B queries + B positives + (B - 2) negatives > SUB_BATCH texts. */
function batchOf(vocab: number, maxLen: number) {
  const text = () => Array.from({ length: 1 + rng.int(maxLen) }, () => 5 + rng.int(vocab - 5)).join(' ');
  const examples = Array.from({ length: B }, (_, i) => ({
    query: text(),
    positive: text(),
    negatives: i < 2 ? [] : [text()],
  }));
  examples[5]!.positive = examples[2]!.positive; // a duplicate positive: masked in both rows
  const layout = batchLayout(examples, true);
  const seqs = layout.texts.map((t) => t.split(' ').map(Number));
  return { layout, seqs };
}

const worstRel = (a: Float32Array, b: Float32Array, cfg: EncoderConfig) => {
  let worst = { name: '', rel: 0 };
  for (const s of paramSpecs(cfg)) {
    let d = 0,
      m = 0;
    for (let i = s.offset; i < s.offset + s.size; i++) {
      d = Math.max(d, Math.abs(a[i]! - b[i]!));
      m = Math.max(m, Math.abs(b[i]!));
    }
    const rel = m === 0 ? (d === 0 ? 0 : Infinity) : d / m;
    if (rel > worst.rel) worst = { name: s.name, rel };
  }
  return worst;
};

describe.skipIf(!haveOnnxRuntime())('the onnx path`s one-run step = its two passes', () => {
  it('adds a second step`s gradients onto the first when the accumulator was not taken in between', async () => {
    const cfg = { ...base, dropout: 0 };
    const params = initParams(cfg, 4);
    const { layout, seqs } = batchOf(cfg.vocabSize, cfg.maxLen);
    const loss = stageLoss(layout, opts, [16, 8], [1, 0.5]).onnx!;
    const rep = new OnnxReplica(cfg, inferenceRuntime().ort!);
    try {
      await rep.setParams(params);
      await rep.contrastiveStep(seqs, loss);
      const once = await rep.takeGrads();
      await rep.contrastiveStep(seqs, loss); // written into the empty accumulator by the run
      await rep.contrastiveStep(seqs, loss); // added on top by JS: weight gradients once, embedded rows per sub-batch
      const twice = await rep.takeGrads();
      const w = worstRel(
        twice,
        once.map((g) => 2 * g),
        cfg,
      );
      expect(w.rel, w.name).toBeLessThan(1e-5);
    } finally {
      await rep.close();
    }
  });

  for (const [label, options] of ARCHS)
    it(`${label}: one step's loss and gradients, then 20 steps`, async () => {
      const cfg = { ...base, ...options };
      const params = initParams(cfg, 3);
      const engines = await Promise.all(
        [true, false].map((oneRunStep) => TrainEngine.create(cfg, params, { path: 'onnx', oneRunStep })),
      );
      try {
        for (let s = 0; s < 20; s++) {
          const { layout, seqs } = batchOf(cfg.vocabSize, cfg.maxLen);
          expect(seqs.length).toBeGreaterThan(SUB_BATCH); // two sub-batches
          const loss = stageLoss(layout, opts, [16, 8], [1, 0.5]);
          const dropoutSeeds = seqs.map((_, i) => 1000 * s + i);
          const [one, two] = await Promise.all(
            engines.map((e) => e.contrastive(seqs, loss, { chunkSize: seqs.length, gradCache: false, dropoutSeeds })),
          );
          expect(Math.abs(one!.loss - two!.loss) / Math.abs(two!.loss), `step ${s} loss`).toBeLessThan(1e-5);
          if (s === 0) {
            const w = worstRel(one!.grads, two!.grads, cfg);
            expect(w.rel, w.name).toBeLessThan(1e-4);
            expect(two!.grads.some((g) => g !== 0)).toBe(true);
          }
          await Promise.all([
            engines[0]!.update(s + 1, one!, { lr: 2e-3, clipNorm: 1 }),
            engines[1]!.update(s + 1, two!, { lr: 2e-3, clipNorm: 1 }),
          ]);
        }
        const [a, b] = await Promise.all(engines.map((e) => e.snapshot()));
        const moved = b!.params.reduce((m, v, i) => Math.max(m, Math.abs(v - params[i]!)), 0);
        const diff = a!.params.reduce((m, v, i) => Math.max(m, Math.abs(v - b!.params[i]!)), 0);
        console.info(
          `one-run step ${label}: 20 steps, max weight diff ${diff.toExponential(2)} (weights moved ${moved.toFixed(4)})`,
        );
        expect(moved).toBeGreaterThan(1e-2);
        expect(diff).toBeLessThan(1e-4);
      } finally {
        await Promise.all(engines.map((e) => e.close()));
      }
    });
});
