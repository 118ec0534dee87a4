// Matryoshka evaluation: keep the first `dim` coordinates of each embedding and re-normalise
// to unit length (so cosine = dot product). Zero vectors stay zero.

/**
 * @example truncateAndNormalize([Float32Array.of(3, 4, 12)], 2)[0] // Float32Array [0.6, 0.8]
 */
export function truncateAndNormalize(vectors: readonly Float32Array[], dim: number): Float32Array[] {
  return vectors.map((v) => {
    if (dim > v.length) throw new RangeError(`truncateAndNormalize: dim ${dim} exceeds the embedding size ${v.length}`);
    const out = v.slice(0, dim);
    let norm = 0;
    for (let j = 0; j < dim; j++) norm += out[j]! * out[j]!;
    norm = Math.sqrt(norm);
    if (norm > 0) for (let j = 0; j < dim; j++) out[j] = out[j]! / norm;
    return out;
  });
}
