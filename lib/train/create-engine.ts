// Pick and start the training engine for the active backend (see enginePath): engine.ts with
// one onnxruntime replica (onnx) or TF.js replicas (packed), or device-engine.ts (device).
// GECKO_ENGINE=onnx|device|packed overrides.
import * as tf from '@tensorflow/tfjs';
import type { EncoderConfig } from '../encoder/config';
import type { AdamWState } from './adamw';
import { DeviceEngine } from './device-engine';
import { enginePath, type EnginePath } from '../backend/engine-path';
import { TrainEngine, type Engine } from './engine';

/**
 * The engine of the path that suits the active backend (or `opts.path`).
 * @example const eng = await createEngine(cfg, initParams(cfg, 1)); console.log(eng.path);
 */
export async function createEngine(
  config: EncoderConfig,
  params: Float32Array,
  opts: { replicas?: number; optimizer?: AdamWState; decayAll?: boolean; path?: EnginePath } = {},
): Promise<Engine> {
  const path = opts.path ?? enginePath(tf.getBackend());
  return path === 'device'
    ? DeviceEngine.create(config, params, opts)
    : TrainEngine.create(config, params, { ...opts, path });
}
