// The ONNX form of the contrastive loss (contrastiveLossOnnx + lossInputs: the loss inside the onnx
// path's one-run training step) against its host form (matryoshkaLossHost, which
// contrastive-host.test.ts holds to tf.valueAndGrad of the TF.js form): the value and d loss / d
// every embedding row, for each switch of the loss, with duplicate texts masked, uneven hard
// negatives, Matryoshka prefixes with unequal weights, and E's rows in a shuffled order (the step
// graph's rows are in sub-batch order, not layout order).
import { describe, expect, it } from 'vitest';
import { inferenceRuntime } from '../../lib/backend/onnx';
import { Rng } from '../../lib/core/rng';
import type { EncoderConfig } from '../../lib/encoder/config';
import { Graph } from '../../lib/encoder/onnx-graph';
import type { ContrastiveOptions } from '../../lib/losses/contrastive';
import { contrastiveLossOnnx, lossInputs, type OnnxLossSpec } from '../../lib/losses/contrastive-onnx';
import { matryoshkaLossHost } from '../../lib/losses/matryoshka';
import { batchLayout, hostBatchOf } from '../../lib/train/contrastive-stage';

const ort = inferenceRuntime().ort;
const D = 12;
const examples = [
  { query: 'q0', positive: 'p0', negatives: ['n0a', 'n0b'] },
  { query: 'q1', positive: 'same', negatives: ['n1'] },
  { query: 'q2', positive: 'p2', negatives: ['p0'] },
  { query: 'q3', positive: 'p3', negatives: [] },
  { query: 'q4', positive: 'same', negatives: ['n4'] },
];
const rng = new Rng(5);
const cfg = {
  vocabSize: 10,
  layers: 1,
  dModel: D,
  heads: 2,
  ffn: 8,
  maxLen: 8,
  dropout: 0,
  lnEps: 1e-5,
} as EncoderConfig;

async function onnxForm(
  opts: ContrastiveOptions,
  spec: OnnxLossSpec,
  withNegatives: boolean,
  E: Float32Array,
): Promise<{ loss: number; dE: Float32Array }> {
  const layout = batchLayout(examples, withNegatives);
  const N = layout.texts.length;
  // layout row r sits at graph row at[r]: a shuffle
  const at = Array.from({ length: N }, (_, i) => i);
  for (let i = N - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [at[i], at[j]] = [at[j]!, at[i]!];
  }
  const shuffled = new Float32Array(N * D);
  for (let r = 0; r < N; r++) shuffled.set(E.subarray(r * D, (r + 1) * D), at[r]! * D);
  const g = new Graph(cfg);
  const { loss, dE } = contrastiveLossOnnx(g, g.input('E', ['N', D]), D, spec);
  g.outputAs(loss, 'loss', []);
  g.outputAs(dE, 'dE', ['N', D]);
  const s = await ort!.InferenceSession.create(g.bytes('loss'));
  const feeds: Record<string, InstanceType<NonNullable<typeof ort>['Tensor']>> = {
    E: new ort!.Tensor('float32', shuffled, [N, D]),
  };
  for (const [name, t] of Object.entries(lossInputs(hostBatchOf(E, D, layout), opts, at)))
    feeds[name] = new ort!.Tensor('float32', t.data, t.dims);
  const out = await s.run(feeds);
  await s.release();
  const dShuffled = out.dE!.data as Float32Array;
  const back = new Float32Array(N * D);
  for (let r = 0; r < N; r++) back.set(dShuffled.subarray(at[r]! * D, (at[r]! + 1) * D), r * D);
  return { loss: (out.loss!.data as Float32Array)[0]!, dE: back };
}

const SWITCHES: ContrastiveOptions[] = [
  { temperature: 0.05, hardNegatives: false, sameTower: false },
  { temperature: 0.05, hardNegatives: true, sameTower: false },
  { temperature: 0.05, hardNegatives: false, sameTower: true },
  { temperature: 0.5, hardNegatives: true, sameTower: true },
];

describe.skipIf(!ort)('contrastiveLossOnnx', () => {
  for (const opts of SWITCHES)
    for (const spec of [
      { dims: [D], weights: [1], temperature: opts.temperature },
      { dims: [D, 6, 3], weights: [1, 0.5, 2], temperature: opts.temperature },
    ])
      it(`equals the host form (hard ${opts.hardNegatives}, same-tower ${opts.sameTower}, tau ${opts.temperature}, dims ${spec.dims.join('/')})`, async () => {
        const layout = batchLayout(examples, opts.hardNegatives);
        const E = Float32Array.from({ length: layout.texts.length * D }, () => rng.normal());
        const ref = matryoshkaLossHost(hostBatchOf(E, D, layout), opts, spec.dims, spec.weights);
        const got = await onnxForm(opts, spec, opts.hardNegatives, E);
        expect(Math.abs(got.loss - ref.loss)).toBeLessThan(1e-5 * Math.max(1, Math.abs(ref.loss)));
        const scale = Math.max(...ref.dE.map(Math.abs));
        expect(scale).toBeGreaterThan(0);
        let worst = 0;
        for (let i = 0; i < ref.dE.length; i++) worst = Math.max(worst, Math.abs(got.dE[i]! - ref.dE[i]!));
        expect(worst / scale).toBeLessThan(1e-4);
      });

  it('refuses a dimension wider than the embedding', () => {
    expect(() =>
      contrastiveLossOnnx(new Graph(cfg), 'E', D, { dims: [D + 1], weights: [1], temperature: 0.05 }),
    ).toThrow(/exceeds the embedding width/);
  });
});
