// Coverage of the paired interval `gecko ablate` reports (lib/ablate/intervals.ts): paired
// differences simulated with known seed, item and seed x item variances,
//   D[s][i] = a[s] + b[i] + e[s][i],  a ~ N(0, sa²), b ~ N(0, sb²), e ~ N(0, se²), true mean 0,
// in four regimes (seed-, item-, interaction-dominated, and balanced with few items), and the
// two-way t interval must cover 0 in 0.95 ± 0.03 of the simulations at 3, 5 and 10 seeds, per task
// and for a task average that includes a one-item task (clustering). Seeded; 1,500 simulations
// per cell (binomial sd 0.006, so ± 0.03 is 5 sd). The crossed bootstrap it replaced is shown to
// under-cover where seed variance dominates.
import { describe, expect, it } from 'vitest';
import { pairedBootstrap, pairedIntervals, type PairedDiffs } from '../../lib/ablate/intervals';
import { rngFor, type Rng } from '../../lib/core/rng';

interface Regime {
  sa: number;
  sb: number;
  se: number;
  n: number;
}
const REGIMES: Record<string, Regime> = {
  'seed-dominated': { sa: 1, sb: 0.3, se: 1, n: 50 },
  'item-dominated': { sa: 0.05, sb: 1, se: 0.5, n: 30 },
  'interaction-dominated': { sa: 0.1, sb: 0.2, se: 1, n: 40 },
  'balanced, few items': { sa: 0.3, sb: 1, se: 1, n: 15 },
};

function simulate(rng: Rng, r: Regime, S: number): PairedDiffs {
  const a = Array.from({ length: S }, () => r.sa * rng.normal());
  const b = Array.from({ length: r.n }, () => r.sb * rng.normal());
  return a.map((x) => b.map((y) => x + y + r.se * rng.normal()));
}

const covers = (i: { lo: number; hi: number }) => i.lo <= 0 && i.hi >= 0;
const SIMS = 1500;

describe('the two-way seed x item t interval covers at 0.95 ± 0.03', () => {
  for (const S of [3, 5, 10])
    it(`${S} seeds, every regime, per task and for an average with a one-item task`, () => {
      const got: Record<string, { task: number; average: number }> = {};
      for (const [name, r] of Object.entries(REGIMES)) {
        const rng = rngFor(20, 'coverage', name, S);
        let task = 0,
          average = 0;
        for (let k = 0; k < SIMS; k++) {
          // a clustering task: one item, its own seed effects; the item is the task (fixed, not sampled),
          // so its effect is part of what is estimated: sb = 0
          const one = simulate(rng, { ...r, sb: 0, n: 1 }, S);
          const res = pairedIntervals({ T: simulate(rng, r, S), C: one });
          if (covers(res.perTask.T!)) task++;
          if (covers(res.average)) average++;
          if (k === 0) expect(res.perTask.C!.method).toBe('seeds');
        }
        got[name] = { task: task / SIMS, average: average / SIMS };
      }
      console.log(`coverage at ${S} seeds: ${JSON.stringify(got)}`);
      for (const [name, c] of Object.entries(got)) {
        expect(c.task, `${name}, one task`).toBeGreaterThanOrEqual(0.92);
        expect(c.task, `${name}, one task`).toBeLessThanOrEqual(0.98);
        expect(c.average, `${name}, average`).toBeGreaterThanOrEqual(0.92);
        expect(c.average, `${name}, average`).toBeLessThanOrEqual(0.98);
      }
    });

  it('one task at two widths (shared items and seeds, item-dominated): the average covers at 3 seeds when grouped', () => {
    const rng = rngFor(22, 'coverage', 'widths');
    const r: Regime = { sa: 0.05, sb: 1, se: 0.3, n: 30 };
    let cov = 0;
    for (let k = 0; k < SIMS; k++) {
      const wide = simulate(rng, r, 3);
      const narrow = wide.map((row) => row.map((x) => x + r.se * rng.normal())); // same items, same seeds, more noise
      const res = pairedIntervals({ 'T@128': wide, 'T@16': narrow }, { sameItems: [['T@128', 'T@16']] });
      if (covers(res.average)) cov++;
    }
    console.log(`one task at two widths, 3 seeds: the average covers ${cov / SIMS}`);
    expect(cov / SIMS).toBeGreaterThanOrEqual(0.92);
    expect(cov / SIMS).toBeLessThanOrEqual(0.98);
  });

  it('the crossed percentile bootstrap it replaced covers well under 0.95 at 3 seeds when seed variance dominates', () => {
    const rng = rngFor(21, 'coverage', 'bootstrap');
    const r: Regime = { sa: 1, sb: 0.1, se: 0.5, n: 20 };
    let boot = 0,
      twoWay = 0;
    const sims = 300;
    for (let k = 0; k < sims; k++) {
      const d = simulate(rng, r, 3);
      if (covers(pairedBootstrap({ T: d }, { replicates: 400, seed: k }).perTask.T!)) boot++;
      if (covers(pairedIntervals({ T: d }).perTask.T!)) twoWay++;
    }
    console.log(`seed-dominated, 3 seeds: bootstrap covers ${boot / sims}, two-way t ${twoWay / sims}`);
    expect(boot / sims).toBeLessThan(0.9);
    expect(twoWay / sims).toBeGreaterThan(0.9);
  });
});
