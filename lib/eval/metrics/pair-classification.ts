// Pair classification scores as MTEB's PairClassificationEvaluator: for each similarity
// (cosine, dot, negated euclidean and manhattan distance, so higher always means "more
// similar"), the best accuracy and F1 over thresholds, and average precision. Main score: cosine_ap.
//
// Thresholds: candidates lie halfway between consecutive distinct scores (sorted descending);
// tied scores are never split (MTEB walks single rows, which can split ties). Pairs scoring
// above the threshold are predicted positive. The first maximum wins.
import { averagePrecision } from './average-precision';

export interface ThresholdScores {
  accuracy: number;
  accuracyThreshold: number;
  f1: number;
  f1Threshold: number;
  precision: number;
  recall: number;
}

/**
 * Best accuracy and best F1 over thresholds (labels 1 = positive).
 * @example bestThresholds([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]).accuracy // 0.75
 */
export function bestThresholds(labels: ArrayLike<number>, scores: ArrayLike<number>): ThresholdScores {
  const n = labels.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  let nPos = 0;
  for (let i = 0; i < n; i++) if (labels[i]) nPos++;
  let remainingNeg = n - nPos;
  let posSoFar = 0,
    extracted = 0;
  const out: ThresholdScores = {
    accuracy: 0,
    accuracyThreshold: NaN,
    f1: 0,
    f1Threshold: NaN,
    precision: 0,
    recall: 0,
  };
  for (let i = 0; i < n - 1; i++) {
    const idx = order[i]!;
    extracted++;
    if (labels[idx]) posSoFar++;
    else remainingNeg--;
    const s = scores[idx]!,
      next = scores[order[i + 1]!]!;
    if (s === next) continue; // never split a tie
    const threshold = (s + next) / 2;
    const acc = (posSoFar + remainingNeg) / n;
    if (acc > out.accuracy) {
      out.accuracy = acc;
      out.accuracyThreshold = threshold;
    }
    if (posSoFar > 0) {
      const p = posSoFar / extracted,
        r = posSoFar / nPos,
        f1 = (2 * p * r) / (p + r);
      if (f1 > out.f1) {
        out.f1 = f1;
        out.f1Threshold = threshold;
        out.precision = p;
        out.recall = r;
      }
    }
  }
  return out;
}

/**
 * All MTEB pair-classification keys from two lists of L2-normalised embeddings.
 * @example pairClassificationMetrics([a1, a2], [b1, b2], [1, 0]).cosine_ap
 */
export function pairClassificationMetrics(
  a: readonly Float32Array[],
  b: readonly Float32Array[],
  labels: ArrayLike<number>,
): Record<string, number> {
  const n = a.length;
  const sims = {
    cosine: new Float64Array(n),
    dot: new Float64Array(n),
    euclidean: new Float64Array(n),
    manhattan: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const x = a[i]!,
      y = b[i]!;
    let dot = 0,
      nx = 0,
      ny = 0,
      eu = 0,
      man = 0;
    for (let d = 0; d < x.length; d++) {
      dot += x[d]! * y[d]!;
      nx += x[d]! * x[d]!;
      ny += y[d]! * y[d]!;
      const diff = x[d]! - y[d]!;
      eu += diff * diff;
      man += Math.abs(diff);
    }
    sims.cosine[i] = nx > 0 && ny > 0 ? dot / Math.sqrt(nx * ny) : 0;
    sims.dot[i] = dot;
    sims.euclidean[i] = -Math.sqrt(eu);
    sims.manhattan[i] = -man;
  }
  return pairScoresFromSimilarities(sims, labels);
}

/** The same keys from precomputed similarity lists (higher = more similar). */
export function pairScoresFromSimilarities(
  sims: Record<string, ArrayLike<number>>,
  labels: ArrayLike<number>,
): Record<string, number> {
  const out: Record<string, number> = {};
  const maxOf: Record<string, number> = {
    accuracy: -Infinity,
    f1: -Infinity,
    precision: -Infinity,
    recall: -Infinity,
    ap: -Infinity,
  };
  for (const [name, s] of Object.entries(sims)) {
    const t = bestThresholds(labels, s);
    const negate = name === 'euclidean' || name === 'manhattan'; // report distances, not their negation
    const ap = averagePrecision(labels, s);
    const row = {
      accuracy: t.accuracy,
      accuracy_threshold: negate ? -t.accuracyThreshold : t.accuracyThreshold,
      f1: t.f1,
      f1_threshold: negate ? -t.f1Threshold : t.f1Threshold,
      precision: t.precision,
      recall: t.recall,
      ap,
    };
    for (const [k, v] of Object.entries(row)) out[`${name}_${k}`] = v;
    for (const k of Object.keys(maxOf)) maxOf[k] = Math.max(maxOf[k]!, row[k as keyof typeof row]);
  }
  for (const [k, v] of Object.entries(maxOf)) out[`max_${k}`] = v;
  return out;
}
