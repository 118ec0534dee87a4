// GECKO_BACKEND=webgpu (Dawn through the `webgpu` npm package + @tensorflow/tfjs-backend-webgpu):
// the device path on WebGPU against the packed path on cpu. Needs a WebGPU adapter (a GPU
// with a Vulkan driver); skipped with the reason where there is none, as on CPU-only machines.
// Run: npx vitest run test/backend/webgpu.test.ts
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { nodeProbe, selectBackend } from '../../lib/backend/select';
import type { EncoderConfig } from '../../lib/encoder/config';
import { initParams } from '../../lib/encoder/params';
import { Rng } from '../../lib/core/rng';
import { inBatchLoss } from '../../lib/losses/in-batch';
import { DeviceEngine } from '../../lib/train/device-engine';
import { TrainEngine } from '../../lib/train/engine';

/** Why WebGPU cannot run here, or null when an adapter exists. */
async function whyNoWebgpu(): Promise<string | null> {
  try {
    nodeProbe.load('webgpu');
    nodeProbe.load('@tensorflow/tfjs-backend-webgpu');
  } catch (e) {
    return `the optional packages webgpu / @tensorflow/tfjs-backend-webgpu do not load (${(e as Error).message.split('\n')[0]})`;
  }
  const adapter = await nodeProbe.webgpuAdapter();
  return adapter === null ? 'Dawn found no WebGPU adapter (no GPU with a Vulkan driver on this machine)' : null;
}
const why = await whyNoWebgpu();
if (why) console.warn(`skipping the WebGPU tests: ${why}`);

const cfg: EncoderConfig = {
  vocabSize: 50,
  layers: 2,
  dModel: 16,
  heads: 2,
  ffn: 32,
  maxLen: 12,
  dropout: 0,
  lnEps: 1e-5,
};
const rng = new Rng(3);
const B = 5;
const seqs = Array.from({ length: 2 * B }, () => Array.from({ length: 2 + rng.int(10) }, () => 5 + rng.int(45)));
const loss = (E: tf.Tensor2D) =>
  inBatchLoss({ queries: tf.slice(E, [0, 0], [B, 16]), positives: tf.slice(E, [B, 0], [B, 16]) }, 0.05);

describe.skipIf(why !== null)('WebGPU backend', () => {
  it('runs the device path and matches the packed path on cpu', async () => {
    const params = initParams(cfg, 1);
    await selectBackend({ override: 'cpu' });
    const packed = await TrainEngine.create(cfg, params, { replicas: 1 });
    const ref = await packed.contrastive(seqs, loss, { chunkSize: seqs.length, gradCache: false });
    const refEmb = await packed.encode(seqs, 4);
    await packed.close();
    const backend = await selectBackend({ override: 'webgpu' });
    expect(tf.getBackend()).toBe('webgpu');
    console.log(`WebGPU adapter: ${backend.gpu.webgpuAdapter}`);
    const device = await DeviceEngine.create(cfg, params);
    const emb = await device.encode(seqs, 4);
    let e = 0;
    emb.forEach((row, i) => row.forEach((x, j) => (e = Math.max(e, Math.abs(x - refEmb[i]![j]!)))));
    expect(e).toBeLessThan(1e-4);
    const r = await device.contrastive(seqs, loss, { chunkSize: seqs.length, gradCache: false });
    expect(Math.abs(r.loss - ref.loss) / ref.loss).toBeLessThan(1e-4);
    const g = await device.hostGrads(r);
    let d = 0,
      m = 0;
    g.forEach((x, i) => {
      d = Math.max(d, Math.abs(x - ref.grads[i]!));
      m = Math.max(m, Math.abs(ref.grads[i]!));
    });
    expect(d / m).toBeLessThan(1e-3);
    await device.update(1, r, { lr: 1e-3, clipNorm: 1 });
    await device.close();
  });
});
