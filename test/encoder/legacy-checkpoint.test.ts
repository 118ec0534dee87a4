// A checkpoint written before the model definition (lib/encoder/arch.ts) still loads and gives
// the embeddings it gave then, on every engine path: packed TF.js (LocalReplica), the padded
// device forward (DeviceEncoder) and the ONNX export run by onnxruntime-node. The fixture and
// the embeddings were made by test/fixtures/legacy-checkpoint/make.ts at commit 7c0b9b7.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../lib/backend/select';
import { inferenceRuntime } from '../../lib/backend/onnx';
import { loadCheckpoint } from '../../lib/encoder/checkpoint';
import { DeviceEncoder } from '../../lib/encoder/device-encoder';
import { OnnxEncoder } from '../../lib/encoder/onnx-runtime';
import { LocalReplica } from '../../lib/encoder/replica';

const here = join(__dirname, '..', 'fixtures', 'legacy-checkpoint');
const ref = JSON.parse(readFileSync(join(here, 'embeddings.json'), 'utf8')) as {
  texts: string[];
  seqs: number[][];
  embeddings: number[][];
};

/** Largest |a - b| between the stored embeddings and a flat (N * D) result. */
function maxDiff(flat: Float32Array | Float32Array[]): number {
  const rows = Array.isArray(flat)
    ? flat
    : ref.embeddings.map((r, i) => flat.subarray(i * r.length, (i + 1) * r.length));
  let m = 0;
  ref.embeddings.forEach((r, i) => r.forEach((v, j) => (m = Math.max(m, Math.abs(v - rows[i]![j]!)))));
  return m;
}

describe('a checkpoint written before the model definition', () => {
  const ck = loadCheckpoint(join(here, 'ckpt'));
  beforeAll(async () => {
    await selectBackend({ override: 'wasm' });
  });

  it('loads, and its tokenizer gives the same ids', () => {
    expect(ck.config.dModel).toBe(8);
    expect(ref.texts.map((t) => ck.tokenizer.encode(t, ck.config.maxLen))).toEqual(ref.seqs);
  });

  it('the packed path gives the same embeddings (1e-6)', async () => {
    const r = new LocalReplica(ck.config);
    await r.setParams(ck.params);
    const d = maxDiff(await r.encode(ref.seqs));
    await r.close();
    expect(d).toBeLessThan(1e-6);
  });

  it('the padded (device) forward gives the same embeddings (1e-6)', async () => {
    const r = new DeviceEncoder(ck.config);
    await r.setParams(ck.params);
    const d = maxDiff(await r.encode(ref.seqs));
    await r.close();
    expect(d).toBeLessThan(1e-6);
  });

  it.skipIf(!inferenceRuntime().ort)('the ONNX export gives the same embeddings (1e-5)', async () => {
    const enc = await OnnxEncoder.create(ck.config, ck.params, inferenceRuntime().ort!);
    const d = maxDiff(await enc.encode(ref.seqs, 4));
    await enc.close();
    expect(d).toBeLessThan(1e-5);
  });
});
