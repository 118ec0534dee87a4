// GECKO_WORKERS is read in one place (workersSetting) by every thread count: onnxruntime's
// intra-op threads, the packed path's replicas and exact search's worker.
import { afterEach, describe, expect, it } from 'vitest';
import { ortThreads } from '../../lib/backend/onnx';
import { workersSetting } from '../../lib/core/env';
import { defaultReplicaCount } from '../../lib/encoder/worker-pool';

const saved = process.env.GECKO_WORKERS;
afterEach(() => {
  if (saved === undefined) delete process.env.GECKO_WORKERS;
  else process.env.GECKO_WORKERS = saved;
});

describe('GECKO_WORKERS', () => {
  it('sets onnxruntime threads and packed replicas alike', () => {
    process.env.GECKO_WORKERS = '3';
    expect(workersSetting()).toBe(3);
    expect(ortThreads()).toBe(3);
    expect(defaultReplicaCount('wasm')).toBe(3);
  });
  it('is refused, with its value named, when it is not a positive integer', () => {
    for (const bad of ['0', '1.5', 'two']) {
      process.env.GECKO_WORKERS = bad;
      expect(() => ortThreads()).toThrowError(`GECKO_WORKERS='${bad}' is not a positive integer`);
      expect(() => defaultReplicaCount('wasm')).toThrowError(/not a positive integer/);
    }
  });
  it('defaults to one onnxruntime thread per core when unset', () => {
    delete process.env.GECKO_WORKERS;
    expect(workersSetting()).toBeUndefined();
    expect(ortThreads()).toBeGreaterThanOrEqual(1);
  });
});
