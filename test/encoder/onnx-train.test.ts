// The onnxruntime training path (encoder/onnx-train.ts graphs driven by encoder/onnx-replica.ts)
// computes what the packed TF.js path computes: embeddings, gradients of a contrastive loss and
// of MLM (relative error <= 1e-4 per parameter), with dropout drawn from the same seeds, on
// chunks longer than one sub-batch and texts from 1 token to maxLen.
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../lib/backend/select';
import { inferenceRuntime } from '../../lib/backend/onnx';
import { Rng } from '../../lib/core/rng';
import type { EncoderConfig } from '../../lib/encoder/config';
import { opTypes } from '../../lib/core/onnx-proto';
import { OnnxReplica, SUB_BATCH } from '../../lib/encoder/onnx-replica';
import { forwardGraph } from '../../lib/encoder/onnx-train';
import { initParams, paramSpecs } from '../../lib/encoder/params';
import { LocalReplica, type Replica } from '../../lib/encoder/replica';
import { haveOnnxRuntime } from '../helpers';

const cfg: EncoderConfig = {
  vocabSize: 60,
  layers: 2,
  dModel: 16,
  heads: 2,
  ffn: 32,
  maxLen: 12,
  dropout: 0.1,
  lnEps: 1e-5,
};
const rng = new Rng(5);
const N = SUB_BATCH + 9; // two sub-batches
const seqs = Array.from({ length: N }, (_, i) =>
  Array.from({ length: i === 0 ? 1 : 1 + rng.int(cfg.maxLen) }, () => 1 + rng.int(cfg.vocabSize - 1)),
);
const seeds = seqs.map((_, i) => 1000 + i);
// weights 5x the init scale, so attention is far from uniform and GELU far from linear
// (at 10x, softmax saturates and float32 rounding alone differs by 4e-4 between any two orders of summation)
const params = initParams(cfg, 3).map((x) => x * 5);
const demb = Float32Array.from({ length: N * cfg.dModel }, () => rng.normal());

/** Largest relative error over parameters: |a - b| / |b| per parameter tensor. */
function worstRelative(a: Float32Array, b: Float32Array): { name: string; rel: number } {
  let worst = { name: '', rel: 0 };
  for (const s of paramSpecs(cfg)) {
    let num = 0,
      den = 0;
    for (let i = s.offset; i < s.offset + s.size; i++) {
      num += (a[i]! - b[i]!) ** 2;
      den += b[i]! ** 2;
    }
    const rel = den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    if (rel > worst.rel) worst = { name: s.name, rel };
  }
  return worst;
}

const maxAbs = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);

describe.skipIf(!haveOnnxRuntime())('onnxruntime training path', () => {
  let packed: Replica, onnx: Replica;
  beforeAll(async () => {
    await selectBackend({ override: 'wasm' });
    packed = new LocalReplica(cfg);
    onnx = new OnnxReplica(cfg, inferenceRuntime().ort!);
    await packed.setParams(params);
    await onnx.setParams(params);
  });

  it('embeds like the packed path, with and without dropout', async () => {
    expect(maxAbs(await onnx.encode(seqs), await packed.encode(seqs))).toBeLessThan(1e-5);
    expect(maxAbs(await onnx.encode(seqs, seeds), await packed.encode(seqs, seeds))).toBeLessThan(1e-5);
    // dropout changes the embeddings (the masks are really applied)
    expect(maxAbs(await onnx.encode(seqs, seeds), await onnx.encode(seqs))).toBeGreaterThan(1e-3);
  });

  it('contrastive gradients equal the packed path (forward/backward and forwardBackward)', async () => {
    const e1 = await onnx.forward(0, seqs, seeds);
    const e2 = await packed.forward(0, seqs, seeds);
    expect(maxAbs(e1, e2)).toBeLessThan(1e-5);
    await onnx.backward(0, demb);
    await packed.backward(0, demb);
    const g1 = await onnx.takeGrads(),
      g2 = await packed.takeGrads();
    expect(worstRelative(g1, g2).rel).toBeLessThan(1e-4);
    await onnx.forwardBackward(seqs, demb, seeds);
    expect(worstRelative(await onnx.takeGrads(), g2).rel).toBeLessThan(1e-4);
    // every parameter but the MLM bias gets a gradient
    for (const s of paramSpecs(cfg))
      if (s.name !== 'mlm.bias')
        expect(
          g1.subarray(s.offset, s.offset + s.size).some((x) => x !== 0),
          s.name,
        ).toBe(true);
  });

  it('chunks kept at once, with backwards in between, give the packed gradients', async () => {
    const half = seqs.slice(0, N >> 1),
      rest = seqs.slice(N >> 1);
    const d = (a: number[][]) => demb.subarray(0, a.length * cfg.dModel);
    for (const r of [onnx, packed]) {
      await r.forward(0, half, seeds.slice(0, half.length));
      await r.forward(1, rest, seeds.slice(half.length));
      await r.backward(0, d(half));
      await r.forward(2, half, seeds.slice(0, half.length));
      await r.backward(1, d(rest));
      await r.backward(2, d(half));
    }
    expect(worstRelative(await onnx.takeGrads(), await packed.takeGrads()).rel).toBeLessThan(1e-4);
  });

  it('the forward graph hands its outputs over without copying them (no Identity node)', () => {
    for (const dropout of [false, true])
      expect(opTypes(forwardGraph(cfg, { dropout, save: true, hidden: true }))).not.toContain('Identity');
  });

  it('MLM loss and gradients equal the packed path', async () => {
    const rows: number[] = [],
      targets: number[] = [];
    let off = 0;
    seqs.forEach((s, i) => {
      if (i % 3 !== 1) (rows.push(off + rng.int(s.length)), targets.push(1 + rng.int(cfg.vocabSize - 1)));
      off += s.length;
    });
    const args = [Int32Array.from(rows), Int32Array.from(targets), rows.length + 3, seeds] as const;
    const l1 = await onnx.mlm(seqs, ...args);
    const l2 = await packed.mlm(seqs, ...args);
    expect(Math.abs(l1 - l2)).toBeLessThan(1e-5 * Math.abs(l2));
    expect(worstRelative(await onnx.takeGrads(), await packed.takeGrads()).rel).toBeLessThan(1e-4);
  });
});
