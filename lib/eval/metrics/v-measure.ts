// V-measure (Rosenberg & Hirschberg 2007) as sklearn.metrics.v_measure_score (beta = 1):
// homogeneity h = 1 - H(C|K)/H(C), completeness c = 1 - H(K|C)/H(K), V = 2hc/(h+c).
// Conventions (sklearn): h = 1 when H(C) = 0, c = 1 when H(K) = 0, V = 0 when h + c = 0.

/**
 * @example vMeasure([0, 0, 1, 1], [1, 1, 0, 0]) // 1 (label names do not matter)
 */
export function vMeasure(
  labelsTrue: ArrayLike<number | string>,
  labelsPred: ArrayLike<number | string>,
): { v_measure: number; homogeneity: number; completeness: number } {
  const n = labelsTrue.length;
  if (n !== labelsPred.length) throw new RangeError(`vMeasure: ${n} true labels vs ${labelsPred.length} predicted`);
  const joint = new Map<string, number>(),
    cT = new Map<string, number>(),
    cP = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const t = String(labelsTrue[i]),
      p = String(labelsPred[i]);
    const key = JSON.stringify([t, p]);
    joint.set(key, (joint.get(key) ?? 0) + 1);
    cT.set(t, (cT.get(t) ?? 0) + 1);
    cP.set(p, (cP.get(p) ?? 0) + 1);
  }
  const entropy = (counts: Iterable<number>) => {
    let h = 0;
    for (const c of counts) if (c > 0) h -= (c / n) * Math.log(c / n);
    return h;
  };
  const hC = entropy(cT.values()),
    hK = entropy(cP.values());
  let hCgivenK = 0,
    hKgivenC = 0;
  for (const [key, c] of joint) {
    const [t, p] = JSON.parse(key) as [string, string];
    hCgivenK -= (c / n) * Math.log(c / cP.get(p)!);
    hKgivenC -= (c / n) * Math.log(c / cT.get(t)!);
  }
  const homogeneity = hC === 0 ? 1 : 1 - hCgivenK / hC;
  const completeness = hK === 0 ? 1 : 1 - hKgivenC / hK;
  const v_measure =
    homogeneity + completeness === 0 ? 0 : (2 * homogeneity * completeness) / (homogeneity + completeness);
  return { v_measure, homogeneity, completeness };
}
