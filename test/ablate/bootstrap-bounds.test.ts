// The paired bootstrap's bounds are its 2.5% and 97.5% percentiles (lib/ablate/intervals.ts,
// pairedBootstrap), checked on data whose bootstrap distribution is known:
//  - seeds only: 40 seeds, half with difference 0 and half 1, one item each. A replicate draws 40
//    seeds with replacement, so its mean is Binomial(40, 1/2) / 40, whose 2.5% and 97.5% quantiles
//    are 14/40 and 26/40 exactly (CDF(13) = 0.019, CDF(14) = 0.040, CDF(25) = 0.960, CDF(26) = 0.981;
//    the 5% and 95% quantiles would be 15/40 and 25/40);
//  - items only: one seed, 400 items symmetric about their mean. A replicate's mean is near normal
//    with sd = (population sd) / sqrt(400), so each bound lies 1.96 of those sds from the mean
//    (1.645 for a 90% interval), the same on both sides.
// Written against the function's contract (not its internals) so that it holds for any
// implementation of the same interval.
import { describe, expect, it } from 'vitest';
import { pairedBootstrap } from '../../lib/ablate/intervals';
import { rngFor } from '../../lib/core/rng';

describe('pairedBootstrap bounds are the 2.5% and 97.5% percentiles', () => {
  it('seeds only, Binomial(40, 1/2) / 40: lo = 14/40, hi = 26/40', () => {
    const seeds = Array.from({ length: 40 }, (_, s) => [s % 2]);
    const r = pairedBootstrap({ T: seeds, U: seeds }, { replicates: 20_000, seed: 11 });
    for (const x of [r.perTask.T!, r.perTask.U!, r.average]) {
      expect(x.mean).toBeCloseTo(0.5, 12);
      expect(x.lo).toBeCloseTo(14 / 40, 12);
      expect(x.hi).toBeCloseTo(26 / 40, 12);
    }
    expect(r.average.replicates).toBe(20_000);
  });

  it('items only, symmetric about the mean: each bound 1.96 bootstrap sds from the mean', () => {
    const rng = rngFor(21, 'test', 'bootstrap-bounds');
    const half = Array.from({ length: 200 }, () => Math.abs(rng.normal()) * 0.1);
    const items = [...half.map((x) => 0.02 + x), ...half.map((x) => 0.02 - x)];
    const mean = items.reduce((a, b) => a + b, 0) / items.length;
    const sdPop = Math.sqrt(items.reduce((a, x) => a + (x - mean) ** 2, 0) / items.length);
    const se = sdPop / Math.sqrt(items.length); // sd of the bootstrap mean, exactly
    const r = pairedBootstrap({ T: [items] }, { replicates: 8000, seed: 4 }).perTask.T!;
    expect(r.mean).toBeCloseTo(mean, 12);
    const up = (r.hi - r.mean) / se,
      down = (r.mean - r.lo) / se;
    expect(up).toBeGreaterThan(1.85);
    expect(up).toBeLessThan(2.07);
    expect(down).toBeGreaterThan(1.85);
    expect(down).toBeLessThan(2.07);
  });
});
