// Which training/encoding path runs on a TF.js backend:
//   onnx:   the packed path's engine (train/engine.ts: AdamW on host arrays) with one replica
//           whose forward and hand-written backward run as ONNX graphs in onnxruntime-node on
//           native CPU kernels (encoder/onnx-replica.ts): the default on wasm when
//           onnxruntime-node loads, since it is faster than TF.js wasm;
//   packed: packed sequences, hand-written backward, AdamW on host arrays, worker threads
//           (train/engine.ts): built for wasm, where it is the fastest TF.js path;
//   device: weights and AdamW state as tf.Variables, batched padded attention, autograd,
//           only scalars read back (train/device-engine.ts): for backends whose ops run on a
//           device or in native code (tensorflow, tensorflow-gpu, webgpu).
// GECKO_ENGINE=onnx|packed|device|auto overrides; the device path is selectable on cpu for tests.
import { readEnv } from '../core/env';
import { GeckoError } from '../core/errors';
import { inferenceRuntime } from './onnx';

export type EnginePath = 'onnx' | 'packed' | 'device';

/**
 * The path for a TF.js backend: GECKO_ENGINE (or `setting`) when given, else onnx on wasm
 * when onnxruntime-node loads (packed when not), packed on cpu, device elsewhere
 * (tensorflow, tensorflow-gpu, webgpu).
 * @example enginePath('wasm') // 'onnx'
 */
export function enginePath(tfBackend: string, setting: string | undefined = readEnv('GECKO_ENGINE')): EnginePath {
  if (setting === undefined || setting === 'auto') {
    if (tfBackend === 'wasm') return inferenceRuntime().ort ? 'onnx' : 'packed';
    return tfBackend === 'cpu' ? 'packed' : 'device';
  }
  if (setting !== 'packed' && setting !== 'device' && setting !== 'onnx')
    throw new GeckoError(`GECKO_ENGINE='${setting}' is not a path`, 'use onnx, device, packed or auto (or unset it)');
  if (setting === 'onnx' && !inferenceRuntime().ort)
    throw new GeckoError(
      `GECKO_ENGINE=onnx, but ${inferenceRuntime().reason}`,
      'use GECKO_ENGINE=packed, or reinstall onnxruntime-node (npm ci)',
    );
  if (setting === 'device' && tfBackend === 'wasm')
    throw new GeckoError(
      'GECKO_ENGINE=device does not run on wasm: its autograd needs UnsortedSegmentSum (the gather gradient), which TF.js wasm lacks',
      'use GECKO_ENGINE=packed (the default on wasm) or GECKO_BACKEND=cpu / tensorflow / webgpu',
    );
  return setting;
}
