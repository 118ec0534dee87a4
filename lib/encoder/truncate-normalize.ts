// Matryoshka truncation: the first `dim` coordinates of an embedding, re-normalised to
// unit length. Pure and tensor-free, so evaluation code can use it on stored vectors.
import { GeckoError } from '../core/errors';

/**
 * Keep the first `dim` coordinates of each vector and L2-normalise them (a zero prefix stays zero).
 * @example truncateAndNormalize([new Float32Array([3, 4, 12])], 2) // [Float32Array [0.6, 0.8]]
 */
export function truncateAndNormalize(vectors: readonly Float32Array[], dim: number): Float32Array[] {
  if (!Number.isInteger(dim) || dim < 1)
    throw new GeckoError(`Matryoshka dimension must be a positive integer, got ${dim}`);
  return vectors.map((v, i) => {
    if (dim > v.length)
      throw new GeckoError(
        `cannot truncate vector ${i} of dimension ${v.length} to ${dim}`,
        `use a dimension <= ${v.length}`,
      );
    const out = v.slice(0, dim);
    let ss = 0;
    for (let j = 0; j < dim; j++) ss += out[j]! * out[j]!;
    if (ss > 0) {
      const inv = 1 / Math.sqrt(ss);
      for (let j = 0; j < dim; j++) out[j] = out[j]! * inv;
    }
    return out;
  });
}
