// Intervals for ablations.
//
// Per arm (one number per seed): mean and the 95% Student-t interval over seeds,
//   mean ± t(0.975, n-1) * sd / sqrt(n). With 3 seeds t = 4.303, so the interval is wide: it
//   measures only seed-to-seed (training) noise, which is what "is this arm reproducible" asks.
//
// Arm vs reference: a two-way seed x item random-effects t interval with Satterthwaite degrees of
// freedom. Items (queries, pairs, test texts) are the same for every arm and seed (evaluation
// sub-samples with the base seed) and seeds are paired (arm and reference trained with the same
// seed), so for a task with S seeds and n items the paired differences D[s][i] follow
//   D[s][i] = mu + a[s] + b[i] + e[s][i]   (seed, item, and seed x item interaction + noise)
// and the mean difference has variance sa²/S + sb²/n + se²/(S n). From the two-way ANOVA mean
// squares MS_seed (S-1 df), MS_item (n-1 df) and MS_res ((S-1)(n-1) df) it is estimated by
//   V = var_s(mean_i D[s][i]) / S  +  max(0, MS_item - MS_res) / (S n)
// (the first term = MS_seed / (S n): the seed-only t interval's variance; the second the item
// sampling that the seed-only interval takes as fixed), and the interval is
//   mean ± t(0.975, df) sqrt(V),  df = V² / Σ_k (c_k MS_k)² / df_k  (Satterthwaite).
// Why not the crossed percentile bootstrap this replaced (kept below as pairedBootstrap): with 3
// seeds there are only 10 distinct seed resamples and a percentile interval has no t correction,
// so where seed variance dominates it covers 0.76-0.87, not 0.95 (test/ablate/coverage.test.ts),
// and for a task with one item (clustering) it is the min-max of the per-seed differences. The
// two-way t interval covers 0.95 ± 0.03 at 3, 5 and 10 seeds across seed-, item- and
// interaction-dominated regimes in the same test. A task with one item has no item term: its
// interval is the seed-only t interval (the item is fixed, not sampled).
// The average over tasks: seeds are shared by all tasks (one training run scores every task), so
// the seed term is the variance over seeds of the per-seed task average, and the item terms add
// (items are sampled per task, independently): V = var_s(A_s) / S + Σ_t max(0, MS_item,t -
// MS_res,t) / (S n_t T²). One task scored at several widths shares its items across them: such
// a group gets one item term, from its per-item mean over the widths, weighted by (|group| / T)².
import { rngFor } from '../core/rng';

/** t(0.975, df) for df = 1..30 (two-sided 95%). */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** ln Γ(x) (Lanczos, g = 7, 9 terms; about 15 digits for x > 0). */
function lnGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularized incomplete beta I_x(a, b) (continued fraction, Numerical Recipes' betacf). */
function incBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x > (a + 1) / (a + b + 2)) return 1 - incBeta(1 - x, b, a);
  const tiny = 1e-300;
  let c = 1,
    d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let f = d;
  for (let m = 1; m <= 300; m++) {
    for (const num of [
      (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)),
      -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1)),
    ]) {
      d = 1 + num * d;
      if (Math.abs(d) < tiny) d = tiny;
      c = 1 + num / c;
      if (Math.abs(c) < tiny) c = tiny;
      d = 1 / d;
      f *= c * d;
    }
    if (Math.abs(c * d - 1) < 1e-15) break;
  }
  return (front * f) / a;
}

/** P(T <= t) for Student's t with `df` (any real df > 0). @example tCdf(2.776, 4) // 0.975 */
export function tCdf(t: number, df: number): number {
  const tail = 0.5 * incBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t with `df` (any real df > 0), by bisection on tCdf. @example tQuantile(0.8, 5) // 0.920 */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) return NaN;
  if (p < 0.5) return -tQuantile(1 - p, df);
  let lo = 0,
    hi = 1;
  while (tCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (tCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * The 97.5% quantile of Student's t with `df` degrees of freedom: the table for whole df to 30,
 * a Cornish-Fisher expansion beyond, and tQuantile for a fractional df (Satterthwaite's).
 */
export function t975(df: number): number {
  if (!(df > 0)) return NaN;
  if (df > 30) {
    const z = 1.959964;
    return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df * df);
  }
  if (Number.isInteger(df)) return T975[df - 1]!;
  return tQuantile(0.975, df);
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
  /** Seed-only t interval of the per-seed mean differences (items taken as fixed). */
  seedsOnly: Interval;
  /**
   * How lo/hi were computed: 'two-way' (seed x item random-effects t, Satterthwaite df), 'seeds'
   * (one item, or no item variance left: the seed-only t interval), 'bootstrap' (pairedBootstrap).
   */
  method: 'two-way' | 'seeds' | 'bootstrap';
  /** Degrees of freedom of the t quantile ('two-way' and 'seeds'). */
  df?: number;
  /** Bootstrap replicates ('bootstrap' only). */
  replicates?: number;
  /** Items per seed (per-task results of pairedIntervals; 1 = a one-item task such as clustering). */
  items?: number;
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const sampleVar = (xs: readonly number[]) => {
  const m = mean(xs);
  return xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1);
};

function checkTasks(tasks: Readonly<Record<string, PairedDiffs>>, who: string): { names: string[]; S: number } {
  const names = Object.keys(tasks);
  if (names.length === 0) throw new RangeError(`${who}: no tasks`);
  const S = tasks[names[0]!]!.length;
  for (const t of names) {
    const d = tasks[t]!;
    if (d.length !== S) throw new RangeError(`${who}: task ${t} has ${d.length} seeds, expected ${S}`);
    const n = d[0]?.length ?? 0;
    if (n === 0 || d.some((row) => row.length !== n))
      throw new RangeError(`${who}: task ${t} needs the same non-zero number of items for every seed`);
  }
  return { names, S };
}

/** Item mean squares of one task: MS_item (n-1 df) and MS_res ((S-1)(n-1) df), from the two-way ANOVA table. */
function itemSquares(d: PairedDiffs): { msItem: number; msRes: number; n: number } {
  const S = d.length,
    n = d[0]!.length;
  if (n < 2 || S < 2) return { msItem: 0, msRes: 0, n };
  const seedM = d.map(mean);
  const itemM = Array.from({ length: n }, (_, i) => mean(d.map((row) => row[i]!)));
  const grand = mean(seedM);
  let ssRes = 0;
  for (let s = 0; s < S; s++) for (let i = 0; i < n; i++) ssRes += (d[s]![i]! - seedM[s]! - itemM[i]! + grand) ** 2;
  const ssItem = S * itemM.reduce((acc, m) => acc + (m - grand) ** 2, 0);
  return { msItem: ssItem / (n - 1), msRes: ssRes / ((S - 1) * (n - 1)), n };
}

/**
 * The two-way interval from a seed term (variance of per-seed values / S, S-1 df) and item terms
 * (each: weight * (MS_item - MS_res), dropped when not positive), with Satterthwaite df.
 */
function twoWay(
  point: number,
  perSeed: readonly number[],
  items: readonly { w: number; msItem: number; msRes: number; n: number }[],
): PairedResult {
  const S = perSeed.length;
  const seedsOnly = tInterval(perSeed);
  if (S < 2) return { ...seedsOnly, mean: point, seedsOnly, method: 'seeds', df: 0 };
  const seedTerm = sampleVar(perSeed) / S;
  let V = seedTerm;
  let denom = seedTerm ** 2 / (S - 1);
  let itemPart = false;
  for (const it of items) {
    if (it.n < 2 || !(it.msItem > it.msRes)) continue;
    itemPart = true;
    V += it.w * (it.msItem - it.msRes);
    denom += (it.w * it.msItem) ** 2 / (it.n - 1) + (it.w * it.msRes) ** 2 / ((S - 1) * (it.n - 1));
  }
  if (!itemPart) return { ...seedsOnly, mean: point, seedsOnly, method: 'seeds', df: S - 1 };
  const df = denom > 0 ? (V * V) / denom : Infinity;
  const h = (Number.isFinite(df) ? t975(df) : 1.959964) * Math.sqrt(V);
  return { mean: point, lo: point - h, hi: point + h, n: S, seedsOnly, method: 'two-way', df };
}

/**
 * Two-way seed x item random-effects t intervals with Satterthwaite df (see the header), per task
 * and for the task average. A one-item task (clustering) gets the seed-only t interval.
 * `sameItems` lists groups of tasks scored on the same items in the same order (one task at
 * several widths): their item effects are shared, so the average takes one item term per group,
 * from the group's per-item mean, instead of adding them as if independent.
 * @example pairedIntervals({ SciFact: [[0.1, 0.0], [0.2, 0.1], [0.1, 0.1]] }).perTask.SciFact // { mean, lo, hi, df, ... }
 */
export function pairedIntervals(
  tasks: Readonly<Record<string, PairedDiffs>>,
  opts: { sameItems?: readonly (readonly string[])[] } = {},
): {
  perTask: Record<string, PairedResult>;
  average: PairedResult;
} {
  const { names, S } = checkTasks(tasks, 'pairedIntervals');
  const T = names.length;
  const perSeed = Object.fromEntries(names.map((t) => [t, tasks[t]!.map(mean)]));
  const sq = Object.fromEntries(names.map((t) => [t, itemSquares(tasks[t]!)]));
  const perTask = Object.fromEntries(
    names.map((t) => {
      const q = sq[t]!;
      return [t, { ...twoWay(mean(perSeed[t]!), perSeed[t]!, [{ ...q, w: 1 / (S * q.n) }]), items: q.n }];
    }),
  );
  // item groups: each task once; a group's tasks must share their item count
  const grouped = new Set<string>();
  const groups: string[][] = [];
  for (const g of opts.sameItems ?? []) {
    const members = g.filter((t) => names.includes(t) && !grouped.has(t));
    if (members.length === 0) continue;
    const n = tasks[members[0]!]![0]!.length;
    if (members.some((t) => tasks[t]![0]!.length !== n))
      throw new RangeError(`pairedIntervals: tasks ${members.join(', ')} are grouped but have different item counts`);
    members.forEach((t) => grouped.add(t));
    groups.push(members);
  }
  for (const t of names) if (!grouped.has(t)) groups.push([t]);
  const itemTerms = groups.map((g) => {
    const n = tasks[g[0]!]![0]!.length;
    const m = Array.from({ length: S }, (_, s) =>
      Array.from({ length: n }, (_, i) => mean(g.map((t) => tasks[t]![s]![i]!))),
    );
    const q = g.length === 1 ? sq[g[0]!]! : itemSquares(m);
    return { ...q, w: (g.length / T) ** 2 / (S * q.n) };
  });
  const avgSeeds = Array.from({ length: S }, (_, s) => mean(names.map((t) => perSeed[t]![s]!)));
  const average = twoWay(mean(avgSeeds), avgSeeds, itemTerms);
  return { perTask, average };
}

/**
 * Crossed paired bootstrap over items and seeds, for several tasks at once: per task and for
 * their average. One replicate draws n items with replacement (the same draw for every seed) and
 * S seeds with replacement (once for all tasks); the 2.5% and 97.5% percentiles of B replicates
 * give the interval. No longer what `gecko ablate` reports: it under-covers with few seeds (see
 * the header); kept as the comparison of test/ablate/coverage.test.ts.
 * @example pairedBootstrap({ SciFact: [[0.1, 0.0], [0.2, 0.1]] }, { replicates: 2000, seed: 1 }).average
 */
export function pairedBootstrap(
  tasks: Readonly<Record<string, PairedDiffs>>,
  opts: { replicates?: number; seed?: number } = {},
): { perTask: Record<string, PairedResult>; average: PairedResult } {
  const B = opts.replicates ?? 2000;
  const rng = rngFor(opts.seed ?? 0, 'ablate', 'paired-bootstrap');
  const { names, S } = checkTasks(tasks, 'pairedBootstrap');
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
      method: 'bootstrap',
      replicates: B,
    };
  };
  const perTask = Object.fromEntries(names.map((t) => [t, pack(point[t]!, reps[t]!, perSeed[t]!)]));
  const avgSeeds = Array.from({ length: S }, (_, s) => mean(names.map((t) => perSeed[t]![s]!)));
  return { perTask, average: pack(mean(names.map((t) => point[t]!)), avgReps, avgSeeds) };
}
