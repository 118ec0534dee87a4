import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../lib/backend/select';
import { saveCheckpoint, loadCheckpoint } from '../../lib/encoder/checkpoint';
import { loadEmbedder, randomEmbedder, type EncoderEmbedder } from '../../lib/encoder/embedder';
import { encoderConfigFrom } from '../../lib/encoder/config';
import { initParams } from '../../lib/encoder/params';
import { trainWordPiece } from '../../lib/encoder/wordpiece-train';
import { formatPassage, formatQuery } from '../../lib/core/format';
import { tmpDir } from '../helpers';

const texts = [
  'the cat sat on the mat',
  'dogs chase cats in the park',
  'stock prices fell sharply today',
  'the football match ended in a draw',
];
const tok = trainWordPiece(texts, { vocabSize: 80, lowercase: true });
const cfg = encoderConfigFrom({ layers: 2, dModel: 16, heads: 4, ffn: 32, maxLen: 16, dropout: 0.1 }, tok.vocabSize);

describe('checkpoints and EncoderEmbedder', () => {
  const open: EncoderEmbedder[] = [];
  beforeAll(async () => {
    await selectBackend({ override: 'wasm' });
  });
  afterAll(async () => {
    await Promise.all(open.map((e) => e.close()));
  });

  it('save/load round-trips weights, config, tokenizer and optimizer state', () => {
    const dir = join(tmpDir(), 'ck');
    const params = initParams(cfg, 1);
    const m = params.map((x) => x * 2),
      v = params.map((x) => x * x);
    const id = saveCheckpoint(dir, {
      config: cfg,
      params,
      tokenizer: tok,
      meta: { step: 7 },
      optimizer: { m, v, t: 7 },
    });
    const ck = loadCheckpoint(dir, { optimizer: true });
    expect(ck.id).toBe(id);
    expect(id).toMatch(/^ckpt:[0-9a-f]{12}$/);
    expect(ck.params).toEqual(params);
    expect(ck.optimizer!.m).toEqual(m);
    expect(ck.optimizer!.t).toBe(7);
    expect(ck.meta.step).toBe(7);
    expect(ck.tokenizer.encode('the cat')).toEqual(tok.encode('the cat'));
    saveCheckpoint(dir, { config: cfg, params: initParams(cfg, 2), tokenizer: tok, meta: {} }); // overwrite in place
    expect(loadCheckpoint(dir).id).not.toBe(id);
  });

  it('load errors name the folder and file', () => {
    const dir = tmpDir();
    expect(() => loadCheckpoint(dir)).toThrow(/no encoder checkpoint at .*encoder.json missing/);
    const ck = join(tmpDir(), 'ck');
    saveCheckpoint(ck, { config: cfg, params: initParams(cfg, 1), tokenizer: tok, meta: {} });
    writeFileSync(join(ck, 'weights.bin'), Buffer.alloc(12));
    expect(() => loadCheckpoint(ck)).toThrow(/weights.bin: 12 bytes, expected/);
  });

  it.each(['tfjs', 'auto'] as const)(
    'embeds unit vectors in input order, independent of batching, without leaking tensors (runtime %s)',
    async (runtime) => {
      const dir = join(tmpDir(), 'ck');
      saveCheckpoint(dir, { config: cfg, params: initParams(cfg, 3), tokenizer: tok, meta: {} });
      const e = await loadEmbedder(dir, { batchSize: 2, replicas: 2, runtime });
      if (runtime === 'tfjs') expect(e.runtime).toBe('tfjs');
      open.push(e);
      expect(e.id).toBe(loadCheckpoint(dir).id);
      expect(e.dim).toBe(16);
      const inputs = [
        formatQuery('search result', 'cats'),
        formatPassage('Pets', texts[0]!),
        formatPassage(undefined, texts[2]!),
        formatQuery('search result', 'the football match'),
      ];
      const before = tf.memory().numTensors;
      const all = await e.embed(inputs);
      expect(tf.memory().numTensors).toBe(before);
      for (const v of all) expect(Math.hypot(...v)).toBeCloseTo(1, 5);
      const one = await e.embed([inputs[2]!]);
      Array.from(one[0]!).forEach((x, j) => expect(x).toBeCloseTo(all[2]![j]!, 5));
      expect(all[0]).not.toEqual(all[1]);
    },
  );

  it('randomEmbedder is seeded and says so in its id', async () => {
    const a = await randomEmbedder({ layers: 1, dModel: 16, heads: 2, ffn: 32, maxLen: 16, dropout: 0 }, 5, tok, {
      replicas: 1,
    });
    const b = await randomEmbedder({ layers: 1, dModel: 16, heads: 2, ffn: 32, maxLen: 16, dropout: 0 }, 5, tok, {
      replicas: 1,
    });
    open.push(a, b);
    expect(a.id).toMatch(/^random:/);
    expect(a.id).toBe(b.id);
    expect(await a.embed(['x y'])).toEqual(await b.embed(['x y']));
  });
});
