// The encoder exported to ONNX (lib/encoder/onnx-export.ts) and run by onnxruntime-node gives
// the TF.js encoder's embeddings (cosine >= 0.9999), on a checkpoint with real texts, task
// prefixes, lengths from 1 token to maxLen (truncated), and padding inside each batch.
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { selectBackend } from '../../lib/backend/select';
import { Rng } from '../../lib/core/rng';
import { formatPassage, formatQuery } from '../../lib/core/format';
import { saveCheckpoint } from '../../lib/encoder/checkpoint';
import { encoderConfigFrom } from '../../lib/encoder/config';
import { loadEmbedder } from '../../lib/encoder/embedder';
import { exportEncoderOnnx } from '../../lib/encoder/onnx-export';
import { initParams } from '../../lib/encoder/params';
import { trainWordPiece } from '../../lib/encoder/wordpiece-train';
import { haveOnnxRuntime, tmpDir } from '../helpers';

const corpus = [
  'the cat sat on the mat while the dog slept by the door',
  'dogs chase cats in the park every single morning before breakfast',
  'stock prices fell sharply today after the central bank raised rates',
  'the football match ended in a draw after extra time and penalties',
  'a new vaccine trial reported strong immune responses in older adults',
];
const tok = trainWordPiece(corpus, { vocabSize: 120, lowercase: true });

describe.skipIf(!haveOnnxRuntime())('ONNX export run by onnxruntime-node', () => {
  beforeAll(async () => {
    await selectBackend({ override: 'wasm' });
  });

  it('embeddings equal the TF.js ones (cosine >= 0.9999)', async () => {
    const cfg = encoderConfigFrom(
      { layers: 2, dModel: 32, heads: 4, ffn: 64, maxLen: 24, dropout: 0.1 },
      tok.vocabSize,
    );
    // weights 20x the init scale, so attention is far from uniform and GELU far from linear
    const params = initParams(cfg, 11).map((x) => x * 20);
    const dir = join(tmpDir(), 'ck');
    saveCheckpoint(dir, { config: cfg, params, tokenizer: tok, meta: {} });
    const rng = new Rng(3);
    const words = corpus.join(' ').split(' ');
    const texts = Array.from({ length: 40 }, (_, i) => {
      const n = i === 0 ? 1 : 1 + rng.int(40); // up to 40 words: many exceed maxLen 24 and are truncated
      const body = Array.from({ length: n }, () => words[rng.int(words.length)]!).join(' ');
      return i % 2 ? formatQuery('search result', body) : formatPassage(i % 4 ? 'Title' : undefined, body);
    });
    const ref = await loadEmbedder(dir, { runtime: 'tfjs', replicas: 1, batchSize: 7 });
    const onnx = await loadEmbedder(dir, { batchSize: 7 });
    try {
      expect(onnx.runtime).toBe('onnxruntime');
      expect(onnx.id).toBe(ref.id);
      const [a, b] = [await ref.embed(texts), await onnx.embed(texts)];
      let minCos = 1;
      a.forEach((u, i) => {
        const v = b[i]!;
        let dot = 0;
        for (let j = 0; j < u.length; j++) dot += u[j]! * v[j]!;
        minCos = Math.min(minCos, dot);
      });
      expect(minCos).toBeGreaterThanOrEqual(0.9999);
    } finally {
      await Promise.all([ref.close(), onnx.close()]);
    }
  }, 60_000);

  it('export is deterministic and carries the architecture in its metadata', () => {
    const cfg = encoderConfigFrom({ layers: 1, dModel: 16, heads: 2, ffn: 32, maxLen: 8, dropout: 0 }, tok.vocabSize);
    const p = initParams(cfg, 1);
    const a = exportEncoderOnnx(cfg, p),
      b = exportEncoderOnnx(cfg, p);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const text = Buffer.from(a).toString('latin1');
    for (const s of ['input_ids', 'attention_mask', 'sentence_embedding', 'LayerNormalization', 'maxLen'])
      expect(text).toContain(s);
  });
});
