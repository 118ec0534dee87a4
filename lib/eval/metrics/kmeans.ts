// k-means for the clustering tasks: greedy k-means++ seeding (2 + floor(ln k) candidates per
// centre, as sklearn) and full-batch Lloyd iterations, best of nInit seeded restarts by inertia.
// MTEB uses sklearn's MiniBatchKMeans (batch 500); full Lloyd is the exact version of the same
// objective and is cheap at our sizes. Ties in the nearest-centre search go to the lower index.
import type { Rng } from '../../core/rng';

export interface KMeansOptions {
  nInit?: number;
  maxIter?: number;
  tol?: number;
}
export interface KMeansResult {
  assignments: Int32Array;
  centroids: Float64Array[];
  inertia: number;
  iterations: number;
}

function sqDist(x: Float32Array, c: Float64Array): number {
  let s = 0;
  for (let j = 0; j < x.length; j++) {
    const d = x[j]! - c[j]!;
    s += d * d;
  }
  return s;
}

function seedPlusPlus(rows: readonly Float32Array[], k: number, rng: Rng): Float64Array[] {
  const n = rows.length;
  const trials = 2 + Math.floor(Math.log(k));
  const centres: Float64Array[] = [Float64Array.from(rows[rng.int(n)]!)];
  const closest = new Float64Array(n);
  for (let i = 0; i < n; i++) closest[i] = sqDist(rows[i]!, centres[0]!);
  while (centres.length < k) {
    let total = 0;
    for (let i = 0; i < n; i++) total += closest[i]!;
    let bestPot = Infinity,
      bestIdx = -1,
      bestDist: Float64Array | undefined;
    for (let t = 0; t < trials; t++) {
      // sample a candidate with probability proportional to its squared distance
      let r = rng.float() * total,
        idx = 0;
      for (; idx < n - 1; idx++) {
        r -= closest[idx]!;
        if (r < 0) break;
      }
      const cand = Float64Array.from(rows[idx]!);
      const dist = new Float64Array(n);
      let pot = 0;
      for (let i = 0; i < n; i++) {
        dist[i] = Math.min(closest[i]!, sqDist(rows[i]!, cand));
        pot += dist[i]!;
      }
      if (pot < bestPot) {
        bestPot = pot;
        bestIdx = idx;
        bestDist = dist;
      }
    }
    centres.push(Float64Array.from(rows[bestIdx]!));
    closest.set(bestDist!);
  }
  return centres;
}

/** Assign every row to its nearest centre (ties to the lower index), in place; returns the inertia. */
function assignNearest(rows: readonly Float32Array[], centroids: readonly Float64Array[], out: Int32Array): number {
  let inertia = 0;
  for (let i = 0; i < rows.length; i++) {
    let best = 0,
      bestD = Infinity;
    for (let c = 0; c < centroids.length; c++) {
      const dd = sqDist(rows[i]!, centroids[c]!);
      if (dd < bestD) {
        bestD = dd;
        best = c;
      }
    }
    out[i] = best;
    inertia += bestD;
  }
  return inertia;
}

function lloyd(rows: readonly Float32Array[], init: Float64Array[], maxIter: number, tol: number): KMeansResult {
  const n = rows.length,
    k = init.length,
    d = rows[0]!.length;
  let centroids = init.map((c) => Float64Array.from(c));
  const assignments = new Int32Array(n);
  let it = 0;
  for (; it < maxIter; it++) {
    assignNearest(rows, centroids, assignments);
    const next = Array.from({ length: k }, () => new Float64Array(d));
    const counts = new Int32Array(k);
    for (let i = 0; i < n; i++) {
      const c = assignments[i]!;
      counts[c]!++;
      const row = rows[i]!,
        acc = next[c]!;
      for (let j = 0; j < d; j++) acc[j]! += row[j]!;
    }
    let shift = 0;
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) {
        next[c] = centroids[c]!;
        continue;
      } // empty cluster keeps its centre
      for (let j = 0; j < d; j++) next[c]![j] = next[c]![j]! / counts[c]!;
      shift += sqDist(Float32Array.from(next[c]!), centroids[c]!);
    }
    centroids = next;
    if (shift <= tol) {
      it++;
      break;
    }
  }
  // final assignment against the final centres
  const inertia = assignNearest(rows, centroids, assignments);
  return { assignments, centroids, inertia, iterations: it };
}

/**
 * Cluster rows into k groups.
 * @example kMeans(rows, 4, rngFor(seed, 'kmeans', task)).assignments
 */
export function kMeans(rows: readonly Float32Array[], k: number, rng: Rng, opts: KMeansOptions = {}): KMeansResult {
  if (rows.length < k) throw new RangeError(`kMeans: ${rows.length} rows for k = ${k}`);
  const nInit = opts.nInit ?? 3,
    maxIter = opts.maxIter ?? 300;
  // sklearn: tol is relative to the mean per-feature variance of the data
  const d = rows[0]!.length;
  let varSum = 0;
  for (let j = 0; j < d; j++) {
    let m = 0,
      m2 = 0;
    for (const r of rows) {
      m += r[j]!;
      m2 += r[j]! * r[j]!;
    }
    m /= rows.length;
    varSum += m2 / rows.length - m * m;
  }
  const tol = (opts.tol ?? 1e-4) * (varSum / d);
  let best: KMeansResult | undefined;
  for (let r = 0; r < nInit; r++) {
    const res = lloyd(rows, seedPlusPlus(rows, k, rng), maxIter, tol);
    if (!best || res.inertia < best.inertia) best = res;
  }
  return best!;
}
