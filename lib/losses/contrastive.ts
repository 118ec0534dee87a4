// The contrastive loss behind every Gecko training stage (paper Eq. 2 and Eq. 3):
// softmax cross-entropy of each query over cosine similarities / temperature, where the
// candidates are all in-batch positives, optionally the query's OWN hard negatives
// (not other queries'), and optionally the other queries (same-tower negatives, diagonal
// masked). A pure function of embedding tensors: tf.grad gives d loss / d embeddings.
import * as tf from '@tensorflow/tfjs';

/** Embeddings of one batch. Rows need not be unit length: the loss uses cosines. */
export interface ContrastiveBatch {
  /** (B, D) one row per example. */
  queries: tf.Tensor2D;
  /** (B, D) the positive of each query. */
  positives: tf.Tensor2D;
  /** (M, D) hard negatives of all examples; negativeOwner[m] is the example row they belong to. */
  negatives?: tf.Tensor2D;
  negativeOwner?: readonly number[];
  /**
   * Text keys (e.g. the formatted texts) for masking false negatives: a candidate whose key
   * equals the row's positive key or query key is removed from that row's denominator,
   * unless it is the row's own positive. So two examples with the same positive text are
   * never each other's negatives.
   */
  queryKeys?: readonly string[];
  positiveKeys?: readonly string[];
  negativeKeys?: readonly string[];
}

export interface ContrastiveOptions {
  /** tau: logits are cosine / temperature. */
  temperature: number;
  /** Add each query's own hard negatives to its denominator. */
  hardNegatives: boolean;
  /** Add the other queries of the batch (same-tower negatives, SamToNe) to the denominator. */
  sameTower: boolean;
}

/** Additive logit mask: 0 for kept candidates, -1e9 for removed ones. */
export const MASKED = -1e9;

/** Row-wise L2 normalisation. (N, D) -> (N, D) */
export function l2normalize(x: tf.Tensor2D): tf.Tensor2D {
  return tf.div(x, tf.sqrt(tf.add(tf.sum(tf.square(x), 1, true), 1e-12)));
}

/**
 * The (B, C) mask over candidate columns [positives (B) | own negatives (M) | queries (B)].
 * Pure JS, exported for tests.
 */
export function candidateMask(
  B: number,
  opts: ContrastiveOptions,
  batch: Omit<ContrastiveBatch, 'queries' | 'positives' | 'negatives'> & { numNegatives: number },
): Float32Array {
  const M = opts.hardNegatives ? batch.numNegatives : 0;
  const C = B + M + (opts.sameTower ? B : 0);
  const mask = new Float32Array(B * C);
  const colKey = (c: number): string | undefined =>
    c < B ? batch.positiveKeys?.[c] : c < B + M ? batch.negativeKeys?.[c - B] : batch.queryKeys?.[c - B - M];
  for (let i = 0; i < B; i++) {
    for (let c = 0; c < C; c++) {
      if (c === i) continue; // the row's own positive is never masked
      let off = false;
      if (c >= B && c < B + M && batch.negativeOwner![c - B] !== i) off = true; // only the query's own hard negatives
      if (c >= B + M && c - B - M === i) off = true; // same-tower diagonal: the query itself
      const k = colKey(c);
      if (k !== undefined && (k === batch.positiveKeys?.[i] || k === batch.queryKeys?.[i])) off = true; // duplicates
      if (off) mask[i * C + c] = MASKED;
    }
  }
  return mask;
}

/**
 * Mean over rows of -log softmax(candidates / temperature)[own positive].
 * @example const loss = contrastiveLoss({ queries: q, positives: p }, { temperature: 0.05, hardNegatives: false, sameTower: false });
 */
export function contrastiveLoss(batch: ContrastiveBatch, opts: ContrastiveOptions): tf.Scalar {
  const B = batch.queries.shape[0];
  const useNeg = opts.hardNegatives && batch.negatives !== undefined && batch.negatives.shape[0] > 0;
  if (useNeg && batch.negativeOwner?.length !== batch.negatives!.shape[0]) {
    throw new Error(
      `contrastiveLoss: negativeOwner must give the owner of each of the ${batch.negatives!.shape[0]} negatives`,
    );
  }
  const o = { ...opts, hardNegatives: useNeg };
  const M = useNeg ? batch.negatives!.shape[0] : 0;
  const mask = candidateMask(B, o, { ...batch, numNegatives: M });
  return tf.tidy(() => {
    const q = l2normalize(batch.queries); //                      (B, D)
    const cols: tf.Tensor2D[] = [l2normalize(batch.positives)]; // (B, D)
    if (useNeg) cols.push(l2normalize(batch.negatives!)); //      (M, D)
    if (opts.sameTower) cols.push(q); //                          (B, D)
    const cand = cols.length === 1 ? cols[0]! : tf.concat(cols, 0); // (C, D)
    const logits = tf.add(
      tf.div(tf.matMul(q, cand, false, true), opts.temperature),
      tf.tensor2d(mask, [B, mask.length / B]),
    ); // (B, C)
    const logp = tf.logSoftmax(logits); //                        (B, C)
    const own = tf.sum(tf.mul(logp, tf.oneHot(tf.range(0, B, 1, 'int32'), logits.shape[1]!)), 1); // (B)
    return tf.neg(tf.mean(own)) as tf.Scalar;
  });
}
