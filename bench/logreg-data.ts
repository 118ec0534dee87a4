// Banking77-shaped random data for the logistic-regression bench and its parity test: K classes,
// `perClass` train rows each (MTEB's undersampled train set: 77 x 8), `test` rows, each row its
// class's random mean plus noise, L2-normalised like an embedding, then truncated to `dim` and
// renormalised (the eval's Matryoshka dims). Seeded.
import { Rng } from '../lib/core/rng';

export interface LogRegData {
  train: Float32Array[];
  trainLabels: number[];
  test: Float32Array[];
  testLabels: number[];
}

function unit(v: Float32Array, dim: number): Float32Array {
  const r = v.slice(0, dim);
  let s = 0;
  for (const x of r) s += x * x;
  const inv = 1 / Math.sqrt(s || 1);
  for (let j = 0; j < dim; j++) r[j] = r[j]! * inv;
  return r;
}

/** @example banking77Like({ seed: 1, dim: 512 }).train.length // 616 */
export function banking77Like(o: {
  seed: number;
  dim: number;
  K?: number;
  perClass?: number;
  test?: number;
  noise?: number;
}): LogRegData {
  const K = o.K ?? 77,
    perClass = o.perClass ?? 8,
    nTest = o.test ?? 3080,
    noise = o.noise ?? 4,
    full = Math.max(512, o.dim);
  const rng = new Rng(o.seed);
  const gauss = () => rng.normal();
  const means = Array.from({ length: K }, () => Float32Array.from({ length: full }, gauss));
  const row = (k: number) =>
    unit(
      Float32Array.from(means[k]!, (m) => m + noise * gauss()),
      o.dim,
    );
  const d: LogRegData = { train: [], trainLabels: [], test: [], testLabels: [] };
  for (let k = 0; k < K; k++)
    for (let i = 0; i < perClass; i++) {
      d.train.push(row(k));
      d.trainLabels.push(k);
    }
  for (let i = 0; i < nTest; i++) {
    const k = i % K;
    d.test.push(row(k));
    d.testLabels.push(k);
  }
  return d;
}
