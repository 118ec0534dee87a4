// Which inference runtime encodes and searches: onnxruntime-node (its CPU build ships inside
// the npm package) when it loads, else TF.js. GECKO_ONNX=off forces TF.js. The answer and its
// reason are kept so that commands and benchmarks can say which ran.
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { onnxSetting, workersSetting } from '../core/env';
import { projectRoot } from '../core/paths';

export type OrtModule = typeof Ort;

/** Which inference runtime runs encoding and exact search, and why. */
export interface InferenceRuntime {
  name: 'onnxruntime' | 'tfjs';
  reason: string;
  ort?: OrtModule;
}

let cached: InferenceRuntime | undefined;

/** Load onnxruntime-node once (unless GECKO_ONNX=off); the answer says why not when it cannot. */
export function inferenceRuntime(): InferenceRuntime {
  if (cached) return cached;
  if (onnxSetting() === 'off') {
    cached = { name: 'tfjs', reason: 'GECKO_ONNX=off' };
    return cached;
  }
  try {
    const ort = createRequire(join(projectRoot(), 'package.json'))('onnxruntime-node') as OrtModule;
    cached = { name: 'onnxruntime', reason: `onnxruntime-node ${ort.env.versions?.node ?? ''} (CPU)`.trim(), ort };
  } catch (e) {
    const why = String((e as Error)?.message ?? e).split('\n')[0];
    cached = { name: 'tfjs', reason: `onnxruntime-node did not load (${why}); TF.js encodes instead` };
  }
  return cached;
}

/** Threads for one onnxruntime session: GECKO_WORKERS, else one per core. */
export function ortThreads(): number {
  return workersSetting() ?? Math.max(1, availableParallelism());
}

/**
 * Session options used everywhere: all graph optimisations, intra-op threads, one inter-op thread.
 * `spin: false` stops the intra-op threads spinning between runs (allow_spinning 0): for sessions
 * whose runs alternate with work in this process, which the spinning threads would slow down.
 */
export function sessionOptions(
  threads = ortThreads(),
  o: { spin?: boolean } = {},
): Ort.InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    executionProviders: ['cpu'],
    logSeverityLevel: 3, // errors only: not the optimiser's notes on constants it folded away
    ...(o.spin === false ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
  };
}
