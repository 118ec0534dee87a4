// Exact top-k of one corpus slice with TF.js: scores = C @ Q^T as a plain 2-D matmul (the
// corpus block as given, only the small query matrix transposed, so the product stays on
// wasm's fast path), then one JS pass over the (rows, Q) scores in row order that keeps
// each query's k best with a running threshold. Measured on wasm: this beats transposing
// the corpus for Q @ C^T (a 4M-element transpose per block) plus TF.js's topk.
import * as tf from '@tensorflow/tfjs';

/** Row-block size: bounds the (BLOCK, Q) score matrix held at once. */
export const TOPK_BLOCK = 16_384;

/**
 * Top-k of queries (Q x dim, row-major) against corpus rows (rows x dim, row-major); indices
 * are row numbers within this slice, ties to the lower row.
 */
export function topkSlice(
  queries: Float32Array,
  Q: number,
  corpus: Float32Array,
  rows: number,
  dim: number,
  k: number,
): { index: Int32Array; score: Float32Array } {
  const kk = Math.min(k, rows);
  const index = new Int32Array(Q * kk).fill(-1);
  const score = new Float32Array(Q * kk).fill(-Infinity);
  const thr = new Float32Array(Q).fill(-Infinity); // each query's k-th best so far
  const qT = tf.tidy(() => tf.transpose(tf.tensor2d(queries, [Q, dim]))); // (dim, Q)
  try {
    for (let b0 = 0; b0 < rows; b0 += TOPK_BLOCK) {
      const n = Math.min(TOPK_BLOCK, rows - b0);
      const S = tf.tidy(() => tf.matMul(tf.tensor2d(corpus.subarray(b0 * dim, (b0 + n) * dim), [n, dim]), qT)); // (n, dim) @ (dim, Q) -> (n, Q)
      const s = S.dataSync() as Float32Array;
      S.dispose();
      for (let r = 0; r < n; r++) {
        const base = r * Q;
        for (let j = 0; j < Q; j++) {
          const v = s[base + j]!;
          if (v > thr[j]!) {
            // strict: an equal score from a later row never displaces an earlier one
            const at = j * kk;
            let p = kk - 1;
            while (p > 0 && score[at + p - 1]! < v) {
              score[at + p] = score[at + p - 1]!;
              index[at + p] = index[at + p - 1]!;
              p--;
            }
            score[at + p] = v;
            index[at + p] = b0 + r;
            thr[j] = score[at + kk - 1]!;
          }
        }
      }
    }
  } finally {
    qT.dispose();
  }
  return { index, score };
}

/**
 * Merge a sorted candidate list (values desc, row offsets + base) into the running top-k at
 * [at, at + k). Equal scores keep the lower corpus row first (blocks arrive in row order).
 */
export function mergeInto(
  score: Float32Array,
  index: Int32Array,
  at: number,
  k: number,
  v: ArrayLike<number>,
  ix: ArrayLike<number>,
  from: number,
  n: number,
  base: number,
): void {
  for (let j = 0; j < n; j++) {
    const s = v[from + j]!;
    const row = ix[from + j]! + base;
    if (!(s > score[at + k - 1]!) && !(s === score[at + k - 1]! && row < index[at + k - 1]!)) {
      // candidates come sorted by score, so no later one can enter either unless it ties
      if (s < score[at + k - 1]!) break;
      continue;
    }
    let p = k - 1;
    while (p > 0 && (score[at + p - 1]! < s || (score[at + p - 1]! === s && index[at + p - 1]! > row))) {
      score[at + p] = score[at + p - 1]!;
      index[at + p] = index[at + p - 1]!;
      p--;
    }
    score[at + p] = s;
    index[at + p] = row;
  }
}
