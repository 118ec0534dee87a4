import { describe, expect, it } from 'vitest';
import { adamwInit, adamwStep, ADAMW_DEFAULTS } from '../../lib/train/adamw';
import { clipGlobalNorm, globalNorm } from '../../lib/train/clip';
import { lrAt } from '../../lib/train/schedule';
import { batchIndices } from '../../lib/train/batches';

describe('AdamW', () => {
  it('first step is a signed step of size lr after decay (hand-computed)', () => {
    // t=1: m_hat = g, v_hat = g^2 -> update = lr * g / (|g| + eps) = lr * sign(g)
    const p = Float32Array.from([1, -2, 0.5]);
    const s = adamwInit(3);
    adamwStep(p, Float32Array.from([0.3, -4, 0]), s, 0.1, ADAMW_DEFAULTS, Uint8Array.from([1, 1, 0]));
    expect(p[0]).toBeCloseTo(1 * (1 - 0.1 * 0.01) - 0.1, 6);
    expect(p[1]).toBeCloseTo(-2 * (1 - 0.1 * 0.01) + 0.1, 6);
    expect(p[2]).toBe(0.5); // no decay there, zero gradient
    expect(s.t).toBe(1);
  });

  it('matches a float64 reference of torch.optim.AdamW over 5 steps', () => {
    const p = Float32Array.from([0.5, -0.25]);
    const s = adamwInit(2);
    const ref = [0.5, -0.25],
      m = [0, 0],
      v = [0, 0];
    const o = { beta1: 0.9, beta2: 0.98, eps: 1e-6, weightDecay: 0.1 },
      lr = 0.01;
    for (let t = 1; t <= 5; t++) {
      const g = [Math.sin(t), Math.cos(3 * t)];
      adamwStep(p, Float32Array.from(g), s, lr, o);
      for (let i = 0; i < 2; i++) {
        ref[i]! *= 1 - lr * o.weightDecay;
        m[i] = o.beta1 * m[i]! + (1 - o.beta1) * g[i]!;
        v[i] = o.beta2 * v[i]! + (1 - o.beta2) * g[i]! ** 2;
        ref[i]! -= (lr * (m[i]! / (1 - o.beta1 ** t))) / (Math.sqrt(v[i]! / (1 - o.beta2 ** t)) + o.eps);
      }
    }
    expect(p[0]).toBeCloseTo(ref[0]!, 6);
    expect(p[1]).toBeCloseTo(ref[1]!, 6);
  });
});

describe('clipping, schedule, batches', () => {
  it('clips to the global norm', () => {
    const g = Float32Array.from([3, 4]);
    expect(clipGlobalNorm(g, 1)).toBe(5);
    expect(globalNorm(g)).toBeCloseTo(1, 5);
    expect(clipGlobalNorm(Float32Array.from([NaN, 1]), 1)).toBeNaN();
  });

  it('warms up linearly, then decays linearly to 10%', () => {
    const o = { lr: 1, warmupSteps: 4, totalSteps: 14 };
    expect([0, 1, 2, 3].map((s) => lrAt(s, o))).toEqual([0.25, 0.5, 0.75, 1]);
    expect(lrAt(4, o)).toBe(1);
    expect(lrAt(13, o)).toBeCloseTo(0.1, 12);
  });

  it('batches: each epoch is a permutation, deterministic per seed', () => {
    const e0 = [0, 1, 2].flatMap((s) => batchIndices(12, 4, s, 7, 'x'));
    expect([...e0].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(batchIndices(12, 4, 5, 7, 'x')).toEqual(batchIndices(12, 4, 5, 7, 'x'));
    expect(batchIndices(12, 4, 0, 7, 'x')).not.toEqual(batchIndices(12, 4, 0, 8, 'x'));
    expect(batchIndices(5, 4, 1, 7, 'x')).toHaveLength(4); // crosses an epoch boundary
  });
});
