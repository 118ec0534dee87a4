// analyse() (lib/ablate/run.ts) on per-item rows with a known answer: the arm minus the reference
// is paired by seed and item, so an arm that is the reference plus 0.05 on every item shows
// +0.05 with an interval that excludes 0, an arm identical to the reference shows exactly 0 with
// a zero-width interval, and the intervals are the two-way seed x item t intervals (pairedIntervals) of
// exactly those differences.
// ablate.test.ts only checked lo <= mean <= hi, which an unpaired or self-paired analysis passes.
import { describe, expect, it } from 'vitest';
import { analyse, type ItemRow } from '../../lib/ablate/run';
import { pairedIntervals, tInterval } from '../../lib/ablate/intervals';
import { SPECS } from '../../lib/ablate/specs/index';
import { rngFor } from '../../lib/core/rng';

const spec = SPECS['same-tower']!; // reference 'on', arm 'off'
const SEEDS = [1234, 1235, 1236];
const TASKS = ['STSBenchmark', 'SciFact'];
const ITEMS = Array.from({ length: 30 }, (_, i) => `q${i}`);

/** Reference scores (random), and the arm's as the reference's plus `shift(seed, item)`. */
function rows(shift: (s: number, i: number) => number): ItemRow[] {
  const rng = rngFor(5, 'test', 'analyse');
  const out: ItemRow[] = [];
  for (const task of TASKS)
    for (const seed of SEEDS)
      ITEMS.forEach((item, i) => {
        const ref = rng.float();
        out.push({ task, item, arm: 'on', seed, score: ref });
        out.push({ task, item, arm: 'off', seed, score: ref + shift(seed, i) });
      });
  return out;
}
const run = (items: ItemRow[]) =>
  analyse(spec, items, { preset: 'smoke', seeds: SEEDS, seedVaries: [], out: '/nowhere', jobs: [] });

describe('analyse: the arm minus its reference, paired by seed and item', () => {
  it('an arm 0.05 above the reference on every item: +0.05, interval excluding 0', () => {
    const r = run(rows(() => 0.05));
    const off = r.arms.find((a) => a.arm === 'off')!;
    expect(r.arms.find((a) => a.arm === 'on')!.vsReference).toBeUndefined();
    for (const t of TASKS) {
      expect(off.vsReference!.perTask[t]!.mean).toBeCloseTo(0.05, 12);
      expect(off.vsReference!.perTask[t]!.lo).toBeCloseTo(0.05, 12); // a constant difference: zero width
      expect(off.vsReference!.perTask[t]!.hi).toBeCloseTo(0.05, 12);
    }
    expect(off.vsReference!.average.mean).toBeCloseTo(0.05, 12);
  });

  it('an arm identical to the reference: exactly 0, zero width', () => {
    const off = run(rows(() => 0)).arms.find((a) => a.arm === 'off')!;
    expect(off.vsReference!.average).toMatchObject({ mean: 0, lo: 0, hi: 0 });
  });

  it('noisy differences: the intervals are pairedIntervals of (arm - reference) per seed and item', () => {
    const noise = rngFor(9, 'test', 'analyse-noise');
    const shifts = new Map<string, number>();
    const shift = (s: number, i: number) => {
      const k = `${s}/${i}`;
      if (!shifts.has(k)) shifts.set(k, 0.02 + 0.1 * noise.normal() + (s - 1235) * 0.01);
      return shifts.get(k)!;
    };
    const items = rows(shift);
    const off = run(items).arms.find((a) => a.arm === 'off')!;
    // the differences recomputed from the rows, items in sorted order as analyse pairs them
    const score = (arm: string, t: string, s: number, i: string) =>
      items.find((r) => r.arm === arm && r.task === t && r.seed === s && r.item === i)!.score;
    const sorted = [...ITEMS].sort();
    const diffs = Object.fromEntries(
      TASKS.map((t) => [t, SEEDS.map((s) => sorted.map((i) => score('off', t, s, i) - score('on', t, s, i)))]),
    );
    const want = pairedIntervals(diffs); // STSBenchmark and SciFact share no items
    // (mean, lo, hi only: further fields, e.g. a second interval method, may join the result)
    for (const t of TASKS) {
      const { mean, lo, hi } = want.perTask[t]!;
      expect(off.vsReference!.perTask[t], t).toMatchObject({ mean, lo, hi });
    }
    expect(off.vsReference!.average).toMatchObject({
      mean: want.average.mean,
      lo: want.average.lo,
      hi: want.average.hi,
    });
    // and the per-arm t intervals are over the per-seed means of that arm's own rows
    const perSeed = SEEDS.map((s) => ITEMS.reduce((a, i) => a + score('off', 'SciFact', s, i), 0) / ITEMS.length);
    expect(off.perTask.SciFact!.mean).toBeCloseTo(tInterval(perSeed).mean, 12);
    expect(off.perTask.SciFact!.hi).toBeCloseTo(tInterval(perSeed).hi, 12);
    expect(off.vsReference!.average.mean).toBeGreaterThan(0.005); // the planted shift is seen
  });
});
