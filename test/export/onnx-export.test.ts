// gecko export's onnx/model.onnx, loaded by onnxruntime-node as a user would load it, gives the
// TF.js encoder's embeddings (cosine >= 0.9999); its last_hidden_state, mean-pooled over
// attention_mask and L2-normalised (what sentence-transformers' ONNX backend does), gives the same.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inferenceRuntime } from '../../lib/backend/onnx';
import { selectBackend } from '../../lib/backend/select';
import { loadCheckpoint } from '../../lib/encoder/checkpoint';
import { loadEmbedder } from '../../lib/encoder/embedder';
import { padBatch } from '../../lib/encoder/onnx-runtime';
import { exportCheckpoint } from '../../lib/export/export';
import { haveOnnxRuntime, tmpDir } from '../helpers';
import { FIXTURE_TEXTS, makeFixtureRun } from './fixture';

describe.skipIf(!haveOnnxRuntime())('gecko export: onnx/model.onnx', () => {
  beforeAll(async () => {
    await selectBackend({ override: 'wasm' });
  });

  it('runs in onnxruntime and equals the TF.js embeddings', async () => {
    const dir = tmpDir();
    const { ckptDir } = makeFixtureRun(dir);
    const out = join(dir, 'exported');
    const r = exportCheckpoint(ckptDir, out, { progress: false });
    expect(r.files).toContain('onnx/model.onnx');
    const ort = inferenceRuntime().ort!;
    const session = await ort.InferenceSession.create(readFileSync(join(out, 'onnx', 'model.onnx')));
    const ck = loadCheckpoint(ckptDir);
    const seqs = FIXTURE_TEXTS.map((t) => ck.tokenizer.encode(t, ck.config.maxLen));
    const { ids, mask, L } = padBatch(seqs);
    const B = seqs.length,
      D = ck.config.dModel;
    const res = await session.run({
      input_ids: new ort.Tensor('int64', ids, [B, L]),
      attention_mask: new ort.Tensor('int64', mask, [B, L]),
    });
    const emb = res.sentence_embedding!.data as Float32Array;
    const hidden = res.last_hidden_state!.data as Float32Array;
    expect(res.last_hidden_state!.dims).toEqual([B, L, D]);
    const ref = await loadEmbedder(ckptDir, { runtime: 'tfjs', replicas: 1 });
    try {
      const want = await ref.embed(FIXTURE_TEXTS);
      for (let b = 0; b < B; b++) {
        let dot = 0;
        for (let j = 0; j < D; j++) dot += emb[b * D + j]! * want[b]![j]!;
        expect(dot, FIXTURE_TEXTS[b]).toBeGreaterThanOrEqual(0.9999);
        // mean pool + normalise last_hidden_state over the real tokens
        const pooled = new Float64Array(D);
        const n = seqs[b]!.length;
        for (let t = 0; t < n; t++) for (let j = 0; j < D; j++) pooled[j] += hidden[(b * L + t) * D + j]! / n;
        const norm = Math.hypot(...pooled);
        for (let j = 0; j < D; j++) expect(pooled[j]! / norm).toBeCloseTo(emb[b * D + j]!, 5);
      }
    } finally {
      await ref.close();
      await session.release();
    }
  }, 60_000);
});
