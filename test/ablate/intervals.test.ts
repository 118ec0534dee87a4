// Interval code against known values: Student-t quantiles (checked against a numerical
// integral of the density) and intervals, percentiles, the two-way seed x item t interval (a
// hand-computed ANOVA), and the paired bootstrap (degenerate cases exactly; a large normal sample
// against theory; pairing). Coverage is in coverage.test.ts.
import { describe, expect, it } from 'vitest';
import {
  pairedBootstrap,
  pairedIntervals,
  percentile,
  t975,
  tCdf,
  tInterval,
  tQuantile,
} from '../../lib/ablate/intervals';
import { seedsNeeded } from '../../lib/ablate/report';
import { analyse, sameItemGroups } from '../../lib/ablate/run';
import { SPECS } from '../../lib/ablate/specs/index';
import { rngFor } from '../../lib/core/rng';

describe('intervals', () => {
  it('t(0.975, df) matches the table values (scipy.stats.t.ppf)', () => {
    expect(t975(1)).toBeCloseTo(12.706, 3);
    expect(t975(2)).toBeCloseTo(4.303, 3);
    expect(t975(9)).toBeCloseTo(2.262, 3);
    expect(t975(60)).toBeCloseTo(2.0003, 3); // Cornish-Fisher beyond the table
    expect(t975(1000)).toBeCloseTo(1.9623, 3);
  });

  it('tQuantile inverts the t CDF, which matches a numerical integral of the density (any real df)', () => {
    // P(T <= x) by Simpson's rule over x = tan(u), independent of the incomplete beta in tCdf
    const cdfByIntegral = (x: number, df: number) => {
      const f = (u: number) => {
        const t = Math.tan(u);
        return (1 + (t * t) / df) ** (-(df + 1) / 2) / Math.cos(u) ** 2;
      };
      const simpson = (a: number, b: number, m = 20000) => {
        const h = (b - a) / m;
        let s = f(a) + f(b);
        for (let k = 1; k < m; k++) s += (k % 2 ? 4 : 2) * f(a + k * h);
        return (s * h) / 3;
      };
      const edge = Math.PI / 2 - 1e-9;
      return simpson(-edge, Math.atan(x)) / simpson(-edge, edge);
    };
    for (const df of [1.5, 2, 3.3, 7, 12.6]) {
      for (const p of [0.8, 0.975]) {
        const q = tQuantile(p, df);
        expect(tCdf(q, df)).toBeCloseTo(p, 9);
        expect(cdfByIntegral(q, df)).toBeCloseTo(p, 5);
      }
    }
    // table values (scipy.stats.t.ppf)
    expect(tQuantile(0.975, 2)).toBeCloseTo(4.303, 3);
    expect(tQuantile(0.8, 5)).toBeCloseTo(0.9195, 4);
    expect(tQuantile(0.8, 7)).toBeCloseTo(0.896, 4);
    expect(tQuantile(0.2, 7)).toBeCloseTo(-0.896, 3);
    // a fractional df lies between its neighbours (not rounded to one of them)
    expect(t975(2.5)).toBeLessThan(t975(2));
    expect(t975(2.5)).toBeGreaterThan(t975(3));
    expect(t975(2.5)).toBeCloseTo(tQuantile(0.975, 2.5), 12);
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

  it('two-way seed x item t: the hand-computed ANOVA (3 seeds x 3 items), Satterthwaite df, and the average over tasks', () => {
    // seed means 2, 3, 6; item means 7/3, 10/3, 16/3; MS_item = 7, MS_res = 1;
    // V = var(2, 3, 6) / 3 + (7 - 1) / 9 = 13/9 + 6/9 = 19/9;
    // df = V² / ((13/9)² / 2 + (7/9)² / 2 + (1/9)² / 4) = 3.3043
    const D = [
      [1, 2, 3],
      [2, 3, 4],
      [4, 5, 9],
    ];
    const r = pairedIntervals({ T: D });
    const p = r.perTask.T!;
    expect(p.method).toBe('two-way');
    expect(p.mean).toBeCloseTo(11 / 3, 12);
    expect(p.df).toBeCloseTo(3.3043478, 6);
    expect(p.hi - p.mean).toBeCloseTo(tQuantile(0.975, 3.3043478) * Math.sqrt(19 / 9), 6);
    expect(p.mean - p.lo).toBeCloseTo(p.hi - p.mean, 12);
    expect(p.items).toBe(3);
    // the seed-only interval of the per-seed means, beside it
    expect(p.seedsOnly).toEqual(tInterval([2, 3, 6]));
    // one task: the average is the task
    expect(r.average.lo).toBeCloseTo(p.lo, 12);
    expect(r.average.hi).toBeCloseTo(p.hi, 12);
    // two tasks: the seed term from the per-seed averages, the item terms added / T²
    const E = [
      [0, 0, 0],
      [1, 1, 1],
      [2, 2, 2],
    ];
    const two = pairedIntervals({ T: D, U: E });
    const avgSeeds = [1, 2, 4]; // (2 + 0) / 2, (3 + 1) / 2, (6 + 2) / 2
    const seedTerm = (tInterval(avgSeeds).hi - tInterval(avgSeeds).mean) ** 2 / t975(2) ** 2;
    const V = seedTerm + 6 / 9 / 4; // U has no item variance; D's item term / T²
    const df = V ** 2 / (seedTerm ** 2 / 2 + (7 / 9 / 4) ** 2 / 2 + (1 / 9 / 4) ** 2 / 4);
    expect(two.average.mean).toBeCloseTo(7 / 3, 12);
    expect(two.average.df).toBeCloseTo(df, 9);
    expect(two.average.hi - two.average.mean).toBeCloseTo(tQuantile(0.975, df) * Math.sqrt(V), 9);
    expect(two.perTask.U!.method).toBe('seeds'); // no item variance left: the seed-only t interval
  });

  it('one task at two widths (the same items): grouped, the average of two identical tasks is the task itself', () => {
    const D = [
      [1, 2, 3],
      [2, 3, 4],
      [4, 5, 9],
    ];
    const one = pairedIntervals({ T: D }).perTask.T!;
    const grouped = pairedIntervals({ 'T@128': D, 'T@16': D }, { sameItems: [['T@128', 'T@16']] }).average;
    expect(grouped.lo).toBeCloseTo(one.lo, 12);
    expect(grouped.hi).toBeCloseTo(one.hi, 12);
    expect(grouped.df).toBeCloseTo(one.df!, 9);
    // taken as independent tasks, the shared item term would be halved: a narrower, wrong interval
    const independent = pairedIntervals({ 'T@128': D, 'T@16': D }).average;
    expect(independent.hi - independent.lo).toBeLessThan(one.hi - one.lo - 0.1);
    expect(() => pairedIntervals({ A: D, B: [[1], [2], [3]] }, { sameItems: [['A', 'B']] })).toThrow(
      /grouped but have different item counts/,
    );
    expect(
      sameItemGroups({
        'STS@128': ['a', 'b'],
        'STS@16': ['a', 'b'],
        'SciFact@128': ['q'],
        'SciFact@16': ['r'],
        X: ['z'],
      }),
    ).toEqual([['STS@128', 'STS@16']]);
    // analyse groups the widths of a task: the same differences at two widths average to the one-width interval
    const rows = ['matryoshka', 'plain'].flatMap((arm) =>
      [1, 2, 3].flatMap((seed) =>
        ['STSBenchmark@32', 'STSBenchmark@16'].flatMap((task) =>
          ['a', 'b', 'c'].map((item, i) => ({ task, item, arm, seed, score: arm === 'plain' ? D[seed - 1]![i]! : 0 })),
        ),
      ),
    );
    const r = analyse(SPECS['matryoshka']!, rows, {
      preset: 'smoke',
      seeds: [1, 2, 3],
      seedVaries: [],
      out: '/tmp/x',
      jobs: [],
    });
    const avg = r.arms.find((a) => a.arm === 'plain')!.vsReference!.average;
    expect(avg.lo).toBeCloseTo(one.lo, 12);
    expect(avg.hi).toBeCloseTo(one.hi, 12);
  });

  it('a one-item task (clustering) gets the seed-only t interval, never a min-max', () => {
    const r = pairedIntervals({ C: [[0.01], [0.03], [0.02]] });
    expect(r.perTask.C!.method).toBe('seeds');
    expect(r.perTask.C!.items).toBe(1);
    expect(r.perTask.C!.df).toBe(2);
    expect({ ...r.perTask.C!, seedsOnly: undefined }).toMatchObject(tInterval([0.01, 0.03, 0.02]));
    expect(r.perTask.C!.lo).toBeLessThan(0); // min-max would be [0.01, 0.03]
    expect(() => pairedIntervals({ A: [[1, 2]], B: [[1], [2]] })).toThrow(/task B has 2 seeds, expected 1/);
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

  it('seedsNeeded: t quantiles at 80% power, no floor; the recorded entries give 5-6 (mixture) and 8 (positives-negatives)', () => {
    // the least n with (t(0.975, n-1) + t(0.8, n-1)) sd / sqrt(n) <= |effect|
    const ok = (n: number, e: number, sd: number) => ((t975(n - 1) + tQuantile(0.8, n - 1)) * sd) / Math.sqrt(n) <= e;
    for (const [e, sd] of [
      [0.01, 0.02],
      [0.015, 0.00886],
      [0.002, 0.0016],
      [0.1, 0.001],
    ] as const) {
      const n = seedsNeeded(e, sd);
      expect(ok(n, e, sd)).toBe(true);
      if (n > 2) expect(ok(n - 1, e, sd)).toBe(false);
    }
    expect(seedsNeeded(0.01, 0.02)).toBe(34); // the old 1.96, 50% power formula said 16
    expect(seedsNeeded(0.1, 0.001)).toBe(2); // no floor of 3
    expect(seedsNeeded(0, 0.1)).toBe(Infinity);
    expect(seedsNeeded(-0.01, 0.02)).toBe(seedsNeeded(0.01, 0.02));
    // From the recorded (3-decimal) figures: sd = half-width of the seed-only t interval * sqrt(3) / t(0.975, 2).
    const sdOf = (lo: number, hi: number) => (((hi - lo) / 2) * Math.sqrt(3)) / t975(2);
    // mixture, fret+classification: +0.015, seeds only [-0.007, +0.037] (its entry said 3)
    expect(seedsNeeded(0.015, sdOf(-0.007, 0.037))).toBe(5);
    expect(seedsNeeded(0.0145, sdOf(-0.007, 0.037))).toBe(6); // within the rounding of the mean
    // positives-negatives, seed+lowest: +0.002, seeds only [-0.002, +0.006] (its entry said 4)
    expect(seedsNeeded(0.002, sdOf(-0.002, 0.006))).toBe(8);
    // an effect its own 3 seeds did not resolve always needs more than 3
    const sd3 = sdOf(-0.001, 0.009); // interval includes 0
    expect(seedsNeeded(0.004, sd3)).toBeGreaterThan(3);
  });
});
