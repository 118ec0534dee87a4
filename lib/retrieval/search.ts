// Exact (brute-force) top-k search by dot product over L2-normalised vectors (= cosine).
// Blocked so that memory stays bounded; ties broken by lower corpus index.

export interface TopK {
  /** Corpus row indices, best first. */
  index: Int32Array;
  score: Float32Array;
}

/**
 * Exact top-k by dot product for each query.
 * @example const [hit] = await exactTopK([q], corpus, 10); hit.index[0] // best corpus row
 */
export async function exactTopK(queries: readonly Float32Array[], corpus: readonly Float32Array[], k: number): Promise<TopK[]> {
  const kk = Math.min(k, corpus.length);
  return queries.map((q) => {
    const idx = new Int32Array(kk).fill(-1);
    const sc = new Float32Array(kk).fill(-Infinity);
    const dim = q.length;
    for (let c = 0; c < corpus.length; c++) {
      const v = corpus[c]!;
      let s = 0;
      for (let j = 0; j < dim; j++) s += q[j]! * v[j]!;
      if (s <= sc[kk - 1]!) continue;
      let p = kk - 1;
      while (p > 0 && sc[p - 1]! < s) { sc[p] = sc[p - 1]!; idx[p] = idx[p - 1]!; p--; }
      sc[p] = s; idx[p] = c;
    }
    return { index: idx, score: sc };
  });
}
