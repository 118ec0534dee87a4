// GECKO_WORKERS is read in one place (workersSetting) by every thread count: onnxruntime's
// intra-op threads, the packed path's replicas and exact search's worker.
import { afterEach, describe, expect, it } from 'vitest';
import { ortThreads } from '../../lib/backend/onnx';
import { maxWorkers, workersSetting } from '../../lib/core/env';
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
  it('is refused, with its value and range named, when it is not a whole number from 1 to 4 per core', () => {
    const max = maxWorkers();
    for (const bad of ['0', '1.5', 'two', '-3', String(max + 1), '100000']) {
      process.env.GECKO_WORKERS = bad;
      expect(() => ortThreads()).toThrowError(`GECKO_WORKERS='${bad}' is not a whole number between 1 and ${max}`);
      expect(() => defaultReplicaCount('wasm')).toThrowError(/not a whole number between 1 and/);
    }
    process.env.GECKO_WORKERS = String(max);
    expect(workersSetting()).toBe(max);
  });
  it('defaults to one onnxruntime thread per core when unset', () => {
    delete process.env.GECKO_WORKERS;
    expect(workersSetting()).toBeUndefined();
    expect(ortThreads()).toBeGreaterThanOrEqual(1);
  });
});
