// A 2-D view of embeddings: PCA by power iteration (plain TypeScript, seeded start
// vectors, no TF), then a scatter coloured by class. Good enough for a few thousand
// points of a few hundred dimensions; the covariance matrix is never formed.
import { Rng } from '../core/rng';
import { colorAt, fmt, layout, type Figure, type Trace } from './figure';

export interface PcaResult {
  /** Unit principal directions, one Float64Array of length D per component. */
  components: Float64Array[];
  /** Variance along each component (divided by n - 1). */
  variances: number[];
  /** Share of the total variance each component explains, in [0, 1]. */
  explained: number[];
  /** The centred points projected on the components: n rows of k numbers. */
  projected: number[][];
}

/**
 * Top-k principal components by power iteration with deflation (Gram-Schmidt against
 * the components already found). Each component's sign is fixed so its largest-magnitude
 * entry is positive, so results do not depend on the random start.
 * @example pca([[3, 0], [-3, 0], [0, 1], [0, -1]], 2).components // ≈ [[1, 0], [0, 1]]
 */
export function pca(
  points: readonly ArrayLike<number>[],
  k = 2,
  opts: { seed?: number; maxIter?: number; tol?: number } = {},
): PcaResult {
  const n = points.length;
  if (n < 2) throw new Error(`pca: need at least 2 points, got ${n}`);
  const d = points[0]!.length;
  if (points.some((p) => p.length !== d)) throw new Error('pca: points have different dimensions');
  if (k < 1 || k > d) throw new Error(`pca: k must be in [1, ${d}], got ${k}`);
  const mean = new Float64Array(d);
  for (const p of points) for (let j = 0; j < d; j++) mean[j]! += p[j]! / n;
  const x = points.map((p) => Float64Array.from({ length: d }, (_, j) => p[j]! - mean[j]!)); // (n, D) centred
  let total = 0;
  for (const row of x) for (let j = 0; j < d; j++) total += row[j]! * row[j]!;
  total /= n - 1;

  // C v = Xᵀ (X v) / (n - 1), without forming C (D, D).
  const covTimes = (v: Float64Array): Float64Array => {
    const out = new Float64Array(d);
    for (const row of x) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += row[j]! * v[j]!;
      for (let j = 0; j < d; j++) out[j]! += dot * row[j]!;
    }
    for (let j = 0; j < d; j++) out[j]! /= n - 1;
    return out;
  };
  const orthonormalise = (v: Float64Array, against: readonly Float64Array[]): number => {
    for (const c of against) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += v[j]! * c[j]!;
      for (let j = 0; j < d; j++) v[j]! -= dot * c[j]!;
    }
    let norm = 0;
    for (let j = 0; j < d; j++) norm += v[j]! * v[j]!;
    norm = Math.sqrt(norm);
    if (norm > 0) for (let j = 0; j < d; j++) v[j]! /= norm;
    return norm;
  };

  const rng = new Rng(opts.seed ?? 0);
  const maxIter = opts.maxIter ?? 500,
    tol = opts.tol ?? 1e-10;
  const components: Float64Array[] = [];
  const variances: number[] = [];
  for (let c = 0; c < k; c++) {
    let v = Float64Array.from({ length: d }, () => rng.normal());
    orthonormalise(v, components);
    let lambda = 0;
    for (let it = 0; it < maxIter; it++) {
      const w = covTimes(v);
      const norm = orthonormalise(w, components);
      if (norm === 0) {
        lambda = 0;
        break;
      } // no variance left in the remaining directions
      let delta = 0;
      for (let j = 0; j < d; j++) delta = Math.max(delta, Math.abs(Math.abs(w[j]!) - Math.abs(v[j]!)));
      v = w;
      lambda = norm;
      if (delta < tol) break;
    }
    let big = 0;
    for (let j = 1; j < d; j++) if (Math.abs(v[j]!) > Math.abs(v[big]!)) big = j;
    if (v[big]! < 0) for (let j = 0; j < d; j++) v[j] = -v[j]!;
    components.push(v);
    variances.push(lambda);
  }
  const projected = x.map((row) =>
    components.map((c) => {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += row[j]! * c[j]!;
      return dot;
    }),
  );
  return { components, variances, explained: variances.map((v) => (total > 0 ? v / total : 0)), projected };
}

/**
 * Embeddings projected on their first two principal components, one colour per class.
 * @example show(embeddingProjection(vectors, labels, { title: 'AG News test passages, PCA of 32-d embeddings' }))
 */
export function embeddingProjection(
  vectors: readonly ArrayLike<number>[],
  labels: readonly string[],
  opts: { title?: string; seed?: number } = {},
): Figure {
  if (vectors.length !== labels.length)
    throw new Error(`embeddingProjection: ${vectors.length} vectors but ${labels.length} labels`);
  const { projected, explained } = pca(vectors, 2, { seed: opts.seed });
  const classes = [...new Set(labels)].sort();
  const data: Trace[] = classes.map((cls, i) => {
    const idx = labels.map((l, j) => (l === cls ? j : -1)).filter((j) => j >= 0);
    return {
      type: 'scatter',
      mode: 'markers',
      name: cls,
      x: idx.map((j) => projected[j]![0]),
      y: idx.map((j) => projected[j]![1]),
      marker: { color: colorAt(i), size: 6, opacity: 0.75 },
    };
  });
  const d = vectors[0]!.length;
  const pc = (i: number) => `principal component ${i + 1} (${fmt(100 * explained[i]!)}% of variance)`;
  return {
    data,
    layout: layout(opts.title ?? `PCA of ${vectors.length} ${d}-d embeddings, coloured by class`, pc(0), pc(1)),
  };
}
