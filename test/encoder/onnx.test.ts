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
import { inferenceRuntime } from '../../lib/backend/onnx';
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

  describe("the exported graph's inputs", () => {
    const cfg = encoderConfigFrom({ layers: 2, dModel: 16, heads: 2, ffn: 32, maxLen: 8, dropout: 0 }, tok.vocabSize);
    const params = initParams(cfg, 5).map((x) => x * 20);
    const seqs = [
      [5, 9, 12, 7, 30],
      [8, 3],
      [11, 40, 22, 6, 9, 17, 25, 33, 41, 50, 13, 14],
    ]; // the last one is longer than maxLen
    let session: Awaited<ReturnType<typeof open>>;
    const open = () =>
      inferenceRuntime().ort!.InferenceSession.create(exportEncoderOnnx(cfg, params), { logSeverityLevel: 3 });
    beforeAll(async () => {
      session = await open();
    });
    /** Embeddings of a batch padded to L on the left or the right, with or without token_type_ids. */
    async function run(rows: number[][], L: number, o: { left?: boolean; types?: boolean } = {}) {
      const ort = inferenceRuntime().ort!;
      const ids = new BigInt64Array(rows.length * L),
        mask = new BigInt64Array(rows.length * L);
      rows.forEach((r, b) =>
        r.forEach((id, j) => {
          const at = b * L + (o.left ? L - r.length : 0) + j;
          ids[at] = BigInt(id);
          mask[at] = 1n;
        }),
      );
      const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {
        input_ids: new ort.Tensor('int64', ids, [rows.length, L]),
        attention_mask: new ort.Tensor('int64', mask, [rows.length, L]),
      };
      if (o.types) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(rows.length * L), [rows.length, L]);
      const r = await session.run(feeds);
      return { emb: r.sentence_embedding!.data as Float32Array, hidden: r.last_hidden_state! };
    }
    const maxAbs = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);

    it('any length: inputs past maxLen are cut to their first maxLen tokens inside the graph', async () => {
      const long = await run([seqs[2]!], 12);
      const cut = await run([seqs[2]!.slice(0, cfg.maxLen)], cfg.maxLen);
      expect(maxAbs(long.emb, cut.emb)).toBeLessThan(1e-6);
      expect(long.hidden.dims).toEqual([1, 12, cfg.dModel]); // as long as the mask, zeros past maxLen
      expect((long.hidden.data as Float32Array).subarray(cfg.maxLen * cfg.dModel).every((x) => x === 0)).toBe(true);
    });

    it('left padding gives the embedding of right padding (positions from attention_mask)', async () => {
      const rows = seqs.slice(0, 2);
      const right = await run(rows, 7),
        left = await run(rows, 7, { left: true });
      expect(maxAbs(left.emb, right.emb)).toBeLessThan(1e-6);
      const alone = await run([rows[1]!], 2);
      expect(maxAbs(right.emb.subarray(cfg.dModel), alone.emb)).toBeLessThan(1e-6);
    });

    it('takes token_type_ids when given and runs without them', async () => {
      // an input with a default (an initialiser of the same name): not required, accepted when fed
      expect(session.inputNames).toEqual(['input_ids', 'attention_mask']);
      const a = await run(seqs.slice(0, 2), 5, { types: true }),
        b = await run(seqs.slice(0, 2), 5);
      expect(maxAbs(a.emb, b.emb)).toBe(0);
    });
  });
});
