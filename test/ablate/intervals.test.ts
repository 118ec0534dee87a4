// Interval code against known values: Student-t quantiles and intervals, percentiles, the
// paired bootstrap (degenerate cases exactly; a large normal sample against theory; pairing).
import { describe, expect, it } from 'vitest';
import { pairedBootstrap, percentile, t975, tInterval } from '../../lib/ablate/intervals';
import { seedsNeeded } from '../../lib/ablate/report';
import { rngFor } from '../../lib/core/rng';

describe('intervals', () => {
  it('t(0.975, df) matches the table values (scipy.stats.t.ppf)', () => {
    expect(t975(1)).toBeCloseTo(12.706, 3);
    expect(t975(2)).toBeCloseTo(4.303, 3);
    expect(t975(9)).toBeCloseTo(2.262, 3);
    expect(t975(60)).toBeCloseTo(2.0003, 3); // Cornish-Fisher beyond the table
    expect(t975(1000)).toBeCloseTo(1.9623, 3);
  });

  it('tInterval([1, 2, 3]) = 2 ± 4.303 / sqrt(3)', () => {
    const i = tInterval([1, 2, 3]);
    expect(i.mean).toBe(2);
    expect(i.hi - i.mean).toBeCloseTo(4.303 / Math.sqrt(3), 3);
    expect(i.mean - i.lo).toBeCloseTo(4.303 / Math.sqrt(3), 3);
    expect(tInterval([5])).toEqual({ mean: 5, lo: 5, hi: 5, n: 1 });
  });

  it('percentile interpolates linearly (numpy default)', () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(percentile([0, 10], 0.025)).toBeCloseTo(0.25, 10);
  });

  it('a constant paired difference has a zero-width interval at that value', () => {
    const d = [
      [0.1, 0.1, 0.1],
      [0.1, 0.1, 0.1],
    ];
    const r = pairedBootstrap({ A: d, B: d }, { replicates: 200, seed: 1 });
    expect(r.perTask.A!.lo).toBeCloseTo(0.1, 12);
    expect(r.perTask.A!.hi).toBeCloseTo(0.1, 12);
    expect(r.average.mean).toBeCloseTo(0.1, 12);
  });

  it('one seed, many items: the interval matches mean ± 1.96 sd / sqrt(n) within 10%', () => {
    const rng = rngFor(7, 'test');
    const n = 1000;
    const xs = Array.from({ length: n }, () => 0.05 + 0.2 * rng.normal());
    const mean = xs.reduce((s, x) => s + x, 0) / n;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
    const r = pairedBootstrap({ T: [xs] }, { replicates: 1000, seed: 3 });
    const half = (1.96 * sd) / Math.sqrt(n);
    expect(r.perTask.T!.mean).toBeCloseTo(mean, 12);
    expect((r.perTask.T!.hi - r.perTask.T!.lo) / 2 / half).toBeGreaterThan(0.9);
    expect((r.perTask.T!.hi - r.perTask.T!.lo) / 2 / half).toBeLessThan(1.1);
  });

  it('resamples seeds: seed-to-seed spread widens the interval even when items agree', () => {
    const flat = (v: number) => Array.from({ length: 50 }, () => v);
    const r = pairedBootstrap({ T: [flat(0), flat(0.1), flat(0.2)] }, { replicates: 2000, seed: 5 });
    expect(r.perTask.T!.mean).toBeCloseTo(0.1, 12);
    expect(r.perTask.T!.lo).toBeLessThan(0.05);
    expect(r.perTask.T!.hi).toBeGreaterThan(0.15);
  });

  it('is seeded: the same seed gives the same interval', () => {
    const d = [[0.3, -0.1, 0.2, 0.05]];
    expect(pairedBootstrap({ T: d }, { seed: 9, replicates: 300 })).toEqual(
      pairedBootstrap({ T: d }, { seed: 9, replicates: 300 }),
    );
  });

  it('seedsNeeded: (1.96 sd / effect)^2, at least 3', () => {
    expect(seedsNeeded(0.01, 0.02)).toBe(16);
    expect(seedsNeeded(0.1, 0.001)).toBe(3);
    expect(seedsNeeded(0, 0.1)).toBe(Infinity);
  });
});
