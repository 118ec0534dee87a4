// Intervals for ablations.
//
// Per arm (one number per seed): mean and the 95% Student-t interval over seeds,
//   mean ± t(0.975, n-1) * sd / sqrt(n). With 3 seeds t = 4.303, so the interval is wide: it
//   measures only seed-to-seed (training) noise, which is what "is this arm reproducible" asks.
//
// Arm vs reference: a paired, crossed bootstrap. Items (queries, pairs, test texts) are the same
// for every arm and seed (evaluation sub-samples with the base seed), and seeds are paired too
// (arm and reference fine-tuned with the same seed, from the same upstream stages). For task t
// let D[s][i] = score(arm, s, i) - score(reference, s, i). One replicate draws n items with
// replacement (the same draw for every seed, keeping each item's pairing across seeds) and S
// seeds with replacement, and takes the mean over drawn seeds of the mean over drawn items of D.
// The 2.5% and 97.5% percentiles of B replicates give the interval; the task average draws its
// seeds once per replicate and its items per task. Why: both sources of variance matter (which
// queries were sampled, and which training run) and pairing removes the between-item variance
// that both arms share, so small effects are visible that unpaired per-arm intervals would hide.
// With 3 seeds the seed draw has only 10 distinct multisets; the seed-only t interval of the
// per-seed differences is reported beside it as a check.
import { rngFor } from '../core/rng';

/** t(0.975, df) for df = 1..30 (two-sided 95%). */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** The 97.5% quantile of Student's t with `df` degrees of freedom (table to 30, then a Cornish-Fisher expansion). */
export function t975(df: number): number {
  if (df < 1) return NaN;
  if (df <= 30) return T975[Math.round(df) - 1]!;
  const z = 1.959964;
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df * df);
}

export interface Interval {
  mean: number;
  lo: number;
  hi: number;
  n: number;
}

/**
 * Mean and 95% t interval of a sample (one value: the interval is the value itself, marked n = 1).
 * @example tInterval([1, 2, 3]) // { mean: 2, lo: -0.303, hi: 4.303, n: 3 }
 */
export function tInterval(xs: readonly number[]): Interval {
  const n = xs.length;
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  if (n < 2) return { mean, lo: mean, hi: mean, n };
  const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  const h = (t975(n - 1) * sd) / Math.sqrt(n);
  return { mean, lo: mean - h, hi: mean + h, n };
}

/** Percentile with linear interpolation (numpy's default). @example percentile([1, 2, 3, 4], 0.5) // 2.5 */
export function percentile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos),
    hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Paired differences of one task: diff[s][i] for seed s and item i (items aligned across seeds). */
export type PairedDiffs = readonly (readonly number[])[];

export interface PairedResult extends Interval {
  /** Seed-only t interval of the per-seed mean differences. */
  seedsOnly: Interval;
  replicates: number;
}

/**
 * Crossed paired bootstrap over items and seeds (see the header), for several tasks at once:
 * per task and for their average.
 * @example pairedBootstrap({ SciFact: [[0.1, 0.0], [0.2, 0.1]] }, { replicates: 2000, seed: 1 }).average
 */
export function pairedBootstrap(
  tasks: Readonly<Record<string, PairedDiffs>>,
  opts: { replicates?: number; seed?: number } = {},
): { perTask: Record<string, PairedResult>; average: PairedResult } {
  const B = opts.replicates ?? 2000;
  const rng = rngFor(opts.seed ?? 0, 'ablate', 'paired-bootstrap');
  const names = Object.keys(tasks);
  if (names.length === 0) throw new RangeError('pairedBootstrap: no tasks');
  const S = tasks[names[0]!]!.length;
  for (const t of names) {
    const d = tasks[t]!;
    if (d.length !== S) throw new RangeError(`pairedBootstrap: task ${t} has ${d.length} seeds, expected ${S}`);
    const n = d[0]?.length ?? 0;
    if (n === 0 || d.some((row) => row.length !== n))
      throw new RangeError(`pairedBootstrap: task ${t} needs the same non-zero number of items for every seed`);
  }
  const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const point = Object.fromEntries(names.map((t) => [t, mean(tasks[t]!.map(mean))]));
  const perSeed = Object.fromEntries(names.map((t) => [t, tasks[t]!.map(mean)]));
  const reps: Record<string, number[]> = Object.fromEntries(names.map((t) => [t, []]));
  const avgReps: number[] = [];
  const seedDraw = new Int32Array(S);
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < S; k++) seedDraw[k] = rng.int(S);
    let avg = 0;
    for (const t of names) {
      const d = tasks[t]!;
      const n = d[0]!.length;
      const sums = new Float64Array(S);
      for (let j = 0; j < n; j++) {
        const i = rng.int(n);
        for (let s = 0; s < S; s++) sums[s] += d[s]![i]!;
      }
      let v = 0;
      for (let k = 0; k < S; k++) v += sums[seedDraw[k]!]! / n;
      v /= S;
      reps[t]!.push(v);
      avg += v;
    }
    avgReps.push(avg / names.length);
  }
  const pack = (p: number, r: number[], seeds: number[]): PairedResult => {
    const sorted = r.slice().sort((x, y) => x - y);
    return {
      mean: p,
      lo: percentile(sorted, 0.025),
      hi: percentile(sorted, 0.975),
      n: S,
      seedsOnly: tInterval(seeds),
      replicates: B,
    };
  };
  const perTask = Object.fromEntries(names.map((t) => [t, pack(point[t]!, reps[t]!, perSeed[t]!)]));
  const avgSeeds = Array.from({ length: S }, (_, s) => mean(names.map((t) => perSeed[t]![s]!)));
  return { perTask, average: pack(mean(names.map((t) => point[t]!)), avgReps, avgSeeds) };
}
