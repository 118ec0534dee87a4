// Which training/encoding path runs on a TF.js backend:
//   packed: packed sequences, hand-written backward, AdamW on host arrays, worker threads
//           (train/engine.ts): built for wasm, where it is fastest;
//   device: weights and AdamW state as tf.Variables, batched padded attention, autograd,
//           only scalars read back (train/device-engine.ts): for backends whose ops run on a
//           device or in native code (tensorflow, tensorflow-gpu, webgpu).
// GECKO_ENGINE=packed|device|auto overrides; the device path is selectable on cpu for tests.
import { readEnv } from '../core/env';
import { GeckoError } from '../core/errors';

export type EnginePath = 'packed' | 'device';

/**
 * The path for a TF.js backend: GECKO_ENGINE (or `setting`) when given, else packed on wasm
 * and cpu and device elsewhere (tensorflow, tensorflow-gpu, webgpu).
 * @example enginePath('wasm') // 'packed'
 */
export function enginePath(tfBackend: string, setting: string | undefined = readEnv('GECKO_ENGINE')): EnginePath {
  if (setting === undefined || setting === 'auto')
    return tfBackend === 'wasm' || tfBackend === 'cpu' ? 'packed' : 'device';
  if (setting !== 'packed' && setting !== 'device')
    throw new GeckoError(`GECKO_ENGINE='${setting}' is not a path`, 'use device, packed or auto (or unset it)');
  if (setting === 'device' && tfBackend === 'wasm')
    throw new GeckoError(
      'GECKO_ENGINE=device does not run on wasm: its autograd needs UnsortedSegmentSum (the gather gradient), which TF.js wasm lacks',
      'use GECKO_ENGINE=packed (the default on wasm) or GECKO_BACKEND=cpu / tensorflow / webgpu',
    );
  return setting;
}
