// Multinomial logistic regression with L2, fitted by full-batch L-BFGS: a plain-TS stand-in for
// sklearn's LogisticRegression(C=1, solver='lbfgs', max_iter=100) that MTEB uses.
//
// Objective (same minimiser as sklearn): mean cross-entropy + ||W||^2 / (2 C n); the intercept is
// not penalised. Two classes use one weight vector and a sigmoid (as sklearn), more use softmax.
// Stops when max |gradient| <= tol on sklearn 1.2's scale (its lbfgs objective is the *sum* of
// losses + ||W||^2 / 2C, so its gradient is n times ours; gtol = tol = 1e-4), when a step no
// longer lowers the loss, or after maxIter iterations.
// Deterministic: starts from zeros, so no seed is needed.

export interface LogRegOptions {
  /** Inverse L2 strength, sklearn's C. Default 1. */
  C?: number;
  /** Default 100 (MTEB's max_iter). */
  maxIter?: number;
  /** Default 1e-4 (sklearn's tol). */
  tol?: number;
  /** L-BFGS history size. Default 10. */
  memory?: number;
}

export interface LogRegModel {
  /** Class labels, sorted ascending; column k of the scores belongs to classes[k]. */
  classes: number[];
  dim: number;
  /** (K', dim) row-major, K' = 1 for two classes, else K. */
  weights: Float64Array;
  /** (K') */
  bias: Float64Array;
  iterations: number;
  converged: boolean;
}

/** Pack rows into one (n, dim) Float32Array. */
function pack(rows: readonly Float32Array[]): { X: Float32Array; n: number; d: number } {
  const n = rows.length;
  const d = n ? rows[0]!.length : 0;
  const X = new Float32Array(n * d);
  rows.forEach((r, i) => {
    if (r.length !== d) throw new RangeError(`logistic regression: row ${i} has dim ${r.length}, expected ${d}`);
    X.set(r, i * d);
  });
  return { X, n, d };
}

/** Scores (n, K') = X W^T + b. */
function linear(
  X: Float64Array | Float32Array,
  n: number,
  d: number,
  W: Float64Array,
  b: Float64Array,
  K: number,
  out: Float64Array,
): void {
  const d4 = d - (d % 4);
  for (let i = 0; i < n; i++) {
    const xo = i * d;
    for (let k = 0; k < K; k++) {
      const wo = k * d;
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      let j = 0;
      for (; j < d4; j += 4) {
        s0 += X[xo + j]! * W[wo + j]!;
        s1 += X[xo + j + 1]! * W[wo + j + 1]!;
        s2 += X[xo + j + 2]! * W[wo + j + 2]!;
        s3 += X[xo + j + 3]! * W[wo + j + 3]!;
      }
      for (; j < d; j++) s0 += X[xo + j]! * W[wo + j]!;
      out[i * K + k] = b[k]! + (s0 + s1) + (s2 + s3);
    }
  }
}

/**
 * Fit on rows (each a Float32Array of the same length) with integer labels.
 * @example const m = fitLogisticRegression(trainRows, trainLabels); const pred = predictLogisticRegression(m, testRows);
 */
export function fitLogisticRegression(
  rows: readonly Float32Array[],
  labels: readonly number[],
  opts: LogRegOptions = {},
): LogRegModel {
  const C = opts.C ?? 1,
    maxIter = opts.maxIter ?? 100,
    tol = opts.tol ?? 1e-4,
    m = opts.memory ?? 10;
  if (rows.length !== labels.length)
    throw new RangeError(`logistic regression: ${rows.length} rows vs ${labels.length} labels`);
  if (rows.length === 0) throw new RangeError('logistic regression: no training rows');
  const packed = pack(rows);
  const { n, d } = packed;
  const X = Float64Array.from(packed.X); // float64 copy: faster mixed-free inner loops
  const classes = [...new Set(labels)].sort((a, b) => a - b);
  if (classes.length < 2) throw new RangeError(`logistic regression: needs at least 2 classes, got ${classes.length}`);
  const y = labels.map((l) => classes.indexOf(l));
  const K = classes.length === 2 ? 1 : classes.length;
  const P = K * d + K; // parameters: weights then biases
  const Z = new Float64Array(n * K);
  const lambda = 1 / (C * n);

  // loss and gradient at theta
  const evaluate = (theta: Float64Array, grad: Float64Array): number => {
    const W = theta.subarray(0, K * d),
      b = theta.subarray(K * d);
    linear(X, n, d, W, b, K, Z);
    let loss = 0;
    grad.fill(0);
    const gW = grad.subarray(0, K * d),
      gb = grad.subarray(K * d);
    const r = new Float64Array(K);
    for (let i = 0; i < n; i++) {
      if (K === 1) {
        const z = Z[i]!,
          t = y[i]!;
        // log(1 + e^z) - t z, computed stably
        loss += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - t * z;
        r[0] = 1 / (1 + Math.exp(-z)) - t;
      } else {
        let mx = -Infinity;
        for (let k = 0; k < K; k++) mx = Math.max(mx, Z[i * K + k]!);
        let sum = 0;
        for (let k = 0; k < K; k++) sum += Math.exp(Z[i * K + k]! - mx);
        const lse = mx + Math.log(sum);
        loss += lse - Z[i * K + y[i]!]!;
        for (let k = 0; k < K; k++) r[k] = Math.exp(Z[i * K + k]! - lse) - (k === y[i] ? 1 : 0);
      }
      const xo = i * d;
      for (let k = 0; k < K; k++) {
        const rk = r[k]!;
        if (rk === 0) continue;
        gb[k]! += rk;
        const wo = k * d;
        for (let j = 0; j < d; j++) gW[wo + j] = gW[wo + j]! + rk * X[xo + j]!;
      }
    }
    let reg = 0;
    const W2 = theta.subarray(0, K * d);
    for (let j = 0; j < K * d; j++) {
      reg += W2[j]! * W2[j]!;
      gW[j] = gW[j]! / n + lambda * W2[j]!;
    }
    for (let k = 0; k < K; k++) gb[k] = gb[k]! / n;
    return loss / n + 0.5 * lambda * reg;
  };

  const maxAbs = (v: Float64Array) => {
    let s = 0;
    for (let i = 0; i < v.length; i++) s = Math.max(s, Math.abs(v[i]!));
    return s;
  };
  const dot = (a: Float64Array, b: Float64Array) => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
    return s;
  };

  let theta = new Float64Array(P);
  let g = new Float64Array(P);
  let f = evaluate(theta, g);
  const S: Float64Array[] = [],
    Y: Float64Array[] = [],
    RHO: number[] = [];
  const gtol = tol / n; // sklearn's sum-scale gradient criterion on our mean-scale gradient
  let it = 0,
    converged = maxAbs(g) <= gtol;
  const dir = new Float64Array(P),
    alpha = new Float64Array(m);
  const thetaNew = new Float64Array(P),
    gNew = new Float64Array(P);
  while (!converged && it < maxIter) {
    // two-loop recursion: dir = -H g
    dir.set(g);
    for (let h = S.length - 1; h >= 0; h--) {
      alpha[h] = RHO[h]! * dot(S[h]!, dir);
      const yh = Y[h]!;
      for (let j = 0; j < P; j++) dir[j] = dir[j]! - alpha[h]! * yh[j]!;
    }
    const gamma = S.length
      ? dot(S[S.length - 1]!, Y[Y.length - 1]!) / dot(Y[Y.length - 1]!, Y[Y.length - 1]!)
      : 1 / Math.max(Math.sqrt(dot(g, g)), 1e-12);
    for (let j = 0; j < P; j++) dir[j] = dir[j]! * gamma;
    for (let h = 0; h < S.length; h++) {
      const beta = RHO[h]! * dot(Y[h]!, dir);
      const sh = S[h]!;
      for (let j = 0; j < P; j++) dir[j] = dir[j]! + (alpha[h]! - beta) * sh[j]!;
    }
    for (let j = 0; j < P; j++) dir[j] = -dir[j]!;
    let slope = dot(g, dir);
    if (slope >= 0) {
      // not a descent direction: reset to steepest descent
      S.length = 0;
      Y.length = 0;
      RHO.length = 0;
      for (let j = 0; j < P; j++) dir[j] = -g[j]!;
      slope = dot(g, dir);
    }
    // backtracking line search (Armijo)
    let step = 1,
      fNew = Infinity,
      ok = false;
    for (let ls = 0; ls < 40; ls++) {
      for (let j = 0; j < P; j++) thetaNew[j] = theta[j]! + step * dir[j]!;
      fNew = evaluate(thetaNew, gNew);
      if (fNew <= f + 1e-4 * step * slope) {
        ok = true;
        break;
      }
      step *= 0.5;
    }
    if (!ok) break;
    const s = new Float64Array(P),
      yv = new Float64Array(P);
    for (let j = 0; j < P; j++) {
      s[j] = thetaNew[j]! - theta[j]!;
      yv[j] = gNew[j]! - g[j]!;
    }
    const sy = dot(s, yv);
    if (sy > 1e-12) {
      S.push(s);
      Y.push(yv);
      RHO.push(1 / sy);
      if (S.length > m) {
        S.shift();
        Y.shift();
        RHO.shift();
      }
    }
    const fOld = f;
    theta = Float64Array.from(thetaNew);
    g = Float64Array.from(gNew);
    f = fNew;
    it++;
    converged = maxAbs(g) <= gtol;
    if (!converged && fOld - f <= 0) break; // no progress left at float64 precision
  }
  return { classes, dim: d, weights: theta.slice(0, K * d), bias: theta.slice(K * d), iterations: it, converged };
}

/** Class probabilities (n, K) for each row. @example probabilitiesLogisticRegression(model, rows)[0] // [p(class0), p(class1), ...] */
export function probabilitiesLogisticRegression(model: LogRegModel, rows: readonly Float32Array[]): Float64Array[] {
  const { X, n, d } = pack(rows);
  if (n && d !== model.dim) throw new RangeError(`logistic regression: rows have dim ${d}, model expects ${model.dim}`);
  const K = model.bias.length;
  const Z = new Float64Array(n * K);
  linear(X, n, d, model.weights, model.bias, K, Z);
  const out: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    if (K === 1) {
      const p = 1 / (1 + Math.exp(-Z[i]!));
      out.push(Float64Array.of(1 - p, p));
    } else {
      const z = Z.subarray(i * K, (i + 1) * K);
      let mx = -Infinity;
      for (let k = 0; k < K; k++) mx = Math.max(mx, z[k]!);
      const p = new Float64Array(K);
      let sum = 0;
      for (let k = 0; k < K; k++) {
        p[k] = Math.exp(z[k]! - mx);
        sum += p[k]!;
      }
      for (let k = 0; k < K; k++) p[k] = p[k]! / sum;
      out.push(p);
    }
  }
  return out;
}

/** Predicted labels (argmax; ties go to the smaller class label, as numpy argmax). */
export function predictLogisticRegression(model: LogRegModel, rows: readonly Float32Array[]): number[] {
  return probabilitiesLogisticRegression(model, rows).map((p) => {
    let best = 0;
    for (let k = 1; k < p.length; k++) if (p[k]! > p[best]!) best = k;
    return model.classes[best]!;
  });
}
