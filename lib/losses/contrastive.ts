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

// The same loss on host arrays, with its gradient written out: contrastiveLoss's maths in plain
// loops (float64), for the packed and onnx engines, whose embeddings are host arrays already (a few
// hundred rows: a TF.js autograd pass costs more in per-op dispatch than in arithmetic). Same
// layout, same mask (candidateMask), same normalisation (x / sqrt(|x|^2 + 1e-12));
// test/losses/contrastive-host.test.ts holds it to tf.valueAndGrad of contrastiveLoss.

/** A batch as host rows: E is (2B + M, stride), rows [queries (B) | positives (B) | hard negatives (M)]. */
export interface HostContrastiveBatch {
  E: Float32Array;
  /** Floats per row of E (the full embedding width). */
  stride: number;
  B: number;
  M: number;
  negativeOwner?: readonly number[];
  queryKeys?: readonly string[];
  positiveKeys?: readonly string[];
  negativeKeys?: readonly string[];
}

/**
 * A host batch's candidate columns [positives (B) | own negatives (M) | queries (B)]: how many, the row of E
 * (layout order) each reads, and candidateMask's additive mask [B, C]. `who` names the caller in errors.
 */
export function candidateColumns(
  b: Omit<HostContrastiveBatch, 'E' | 'stride'>,
  opts: ContrastiveOptions,
  who: string,
): { M: number; C: number; rowOf: Int32Array; mask: Float32Array } {
  const B = b.B;
  const useNeg = opts.hardNegatives && b.M > 0;
  if (useNeg && b.negativeOwner?.length !== b.M)
    throw new Error(`${who}: negativeOwner must give the owner of each of the ${b.M} negatives`);
  const M = useNeg ? b.M : 0;
  const C = B + M + (opts.sameTower ? B : 0);
  const rowOf = new Int32Array(C);
  for (let c = 0; c < C; c++) rowOf[c] = c < B ? B + c : c < B + M ? 2 * B + (c - B) : c - B - M;
  return { M, C, rowOf, mask: candidateMask(B, { ...opts, hardNegatives: useNeg }, { ...b, numNegatives: M }) };
}

/**
 * contrastiveLoss on the first `dim` columns of a host batch: returns the loss and adds
 * `weight` * d loss / d E into `dE` (same shape as E).
 * @example const dE = new Float32Array(E.length); const loss = contrastiveLossHost({ E, stride: 128, B: 16, M: 0 }, opts, 128, 1, dE);
 */
export function contrastiveLossHost(
  b: HostContrastiveBatch,
  opts: ContrastiveOptions,
  dim: number,
  weight: number,
  dE: Float32Array,
): number {
  const { E, stride: S, B } = b;
  if (dim > S) throw new Error(`contrastiveLossHost: dimension ${dim} exceeds the row width ${S}`);
  const { M, C, rowOf, mask } = candidateColumns(b, opts, 'contrastiveLossHost');
  const R = 2 * B + M; // rows read: queries, positives, negatives
  // y = x / n, n = sqrt(|x|^2 + 1e-12), on the first dim columns
  const Y = new Float64Array(R * dim),
    n = new Float64Array(R);
  for (let r = 0; r < R; r++) {
    let ss = 0;
    for (let k = 0; k < dim; k++) ss += E[r * S + k]! * E[r * S + k]!;
    n[r] = Math.sqrt(ss + 1e-12);
    for (let k = 0; k < dim; k++) Y[r * dim + k] = E[r * S + k]! / n[r]!;
  }
  const t = opts.temperature;
  const logits = new Float64Array(C);
  const dY = new Float64Array(R * dim);
  let loss = 0;
  for (let i = 0; i < B; i++) {
    let max = -Infinity;
    for (let c = 0; c < C; c++) {
      const y = rowOf[c]! * dim;
      let dot = 0;
      for (let k = 0; k < dim; k++) dot += Y[i * dim + k]! * Y[y + k]!;
      logits[c] = dot / t + mask[i * C + c]!;
      if (logits[c]! > max) max = logits[c]!;
    }
    let z = 0;
    for (let c = 0; c < C; c++) z += Math.exp(logits[c]! - max);
    const logZ = max + Math.log(z);
    loss += logZ - logits[i]!;
    // d (weight * mean_i loss_i) / d dot[i, c] = weight / B / t * (softmax_c - [c = i])
    for (let c = 0; c < C; c++) {
      const g = ((Math.exp(logits[c]! - logZ) - (c === i ? 1 : 0)) * weight) / (B * t);
      if (g === 0) continue;
      const y = rowOf[c]! * dim;
      for (let k = 0; k < dim; k++) {
        dY[i * dim + k] = dY[i * dim + k]! + g * Y[y + k]!;
        dY[y + k] = dY[y + k]! + g * Y[i * dim + k]!;
      }
    }
  }
  // back through the normalisation: dx = (dy - y (y . dy)) / n
  for (let r = 0; r < R; r++) {
    let yd = 0;
    for (let k = 0; k < dim; k++) yd += Y[r * dim + k]! * dY[r * dim + k]!;
    for (let k = 0; k < dim; k++) dE[r * S + k] = dE[r * S + k]! + (dY[r * dim + k]! - Y[r * dim + k]! * yd) / n[r]!;
  }
  return (weight * loss) / B;
}
