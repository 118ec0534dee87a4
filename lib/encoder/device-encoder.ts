// Encoding on the device path: the weights as tensors on the backend's device, each batch one
// padded forward pass (padded.ts, batched attention), the embeddings read back with
// `await data()` (never dataSync: WebGPU cannot read synchronously in Node). Used by
// EncoderEmbedder where enginePath() says 'device' (tensorflow, tensorflow-gpu, webgpu).
import * as tf from '@tensorflow/tfjs';
import type { EncoderConfig } from './config';
import { disposeParams, paramTensors, type ParamTensors } from './model';
import { paddedForward, padBatch } from './padded';
import type { EncodeReplica } from './replica';

/**
 * One encoder on the device, behind the encoding half of the Replica interface.
 * @example const r = new DeviceEncoder(cfg); await r.setParams(flat); const emb = await r.encode([[5, 6, 7]]);
 */
export class DeviceEncoder implements EncodeReplica {
  private P: ParamTensors | undefined;

  constructor(readonly cfg: EncoderConfig) {}

  async setParams(flat: Float32Array): Promise<void> {
    if (this.P) disposeParams(this.P);
    this.P = paramTensors(this.cfg, flat);
  }

  async encode(seqs: number[][], dropoutSeeds?: number[]): Promise<Float32Array> {
    const P = this.P;
    if (!P) throw new Error('DeviceEncoder: setParams() was not called');
    const emb = tf.tidy(() => paddedForward(this.cfg, P, padBatch(seqs), { dropoutSeeds }).emb);
    const out = (await emb.data()) as Float32Array;
    emb.dispose();
    return out;
  }

  async tensorCount(): Promise<number> {
    return tf.memory().numTensors;
  }

  async close(): Promise<void> {
    if (this.P) disposeParams(this.P);
    this.P = undefined;
  }
}
