// Average precision of a score ranking against binary labels, exactly as
// sklearn.metrics.average_precision_score: thresholds at each distinct score (tied scores form
// one step), AP = sum over steps of (recall_n - recall_{n-1}) * precision_n.
// No positives: NaN (sklearn warns and returns nan too); callers skip such cases.

/**
 * Average precision (higher scores should mean "positive").
 * @example averagePrecision([1, 0, 1], [0.9, 0.8, 0.7]) // (1/2)*1 + (1/2)*(2/3) ≈ 0.8333
 */
export function averagePrecision(labels: ArrayLike<number | boolean>, scores: ArrayLike<number>): number {
  const n = labels.length;
  if (n !== scores.length) throw new RangeError(`averagePrecision: ${n} labels vs ${scores.length} scores`);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  let nPos = 0;
  for (let i = 0; i < n; i++) if (labels[i]) nPos++;
  if (nPos === 0) return NaN;
  let tp = 0,
    seen = 0,
    ap = 0,
    prevRecall = 0;
  let i = 0;
  while (i < n) {
    // consume one block of tied scores: they share one threshold
    const s = scores[order[i]!]!;
    while (i < n && scores[order[i]!]! === s) {
      if (labels[order[i]!]) tp++;
      seen++;
      i++;
    }
    const recall = tp / nPos;
    ap += (recall - prevRecall) * (tp / seen);
    prevRecall = recall;
  }
  return ap;
}
