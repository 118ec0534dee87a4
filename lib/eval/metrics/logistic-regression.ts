// Multinomial logistic regression with L2, fitted by full-batch L-BFGS: a plain-TS stand-in for
// sklearn's LogisticRegression(C=1, solver='lbfgs', max_iter=100) that MTEB uses.
//
// Objective (same minimiser as sklearn): mean cross-entropy + ||W||^2 / (2 C n); the intercept is
// not penalised. Two classes use one weight vector and a sigmoid (as sklearn), more use softmax.
// Stops when max |gradient| <= tol on sklearn 1.2's scale (its lbfgs objective is the *sum* of
// losses + ||W||^2 / 2C, so its gradient is n times ours; gtol = tol = 1e-4), when a step no
// longer lowers the loss, or after maxIter iterations.
// Deterministic: starts from zeros, so no seed is needed.
// The two big products of each loss evaluation (scores = X W^T + b and the gradient R^T X) are
// asked for by the fit (a generator of requests): fitLogisticRegression answers them with the
// plain-TS loops below, fitLogisticRegressionWith with an injected float64 matmul (eval runners
// pass onnxruntime's Gemm, backend/onnx-gemm64.ts); the objective, the L-BFGS and its stopping
// rule are one code, so the two fits differ only in the last bits of those sums.

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

/**
 * Float64 products on row-major matrices (structurally backend/onnx-gemm64.ts's OnnxGemm64).
 * @example await mm.abT(X, n, d, W, K, b) // (n, K) = X W^T + b
 */
export interface Matmul64 {
  /** (m, n) = A (m, k) B^T (B is (n, k)) + bias (n). */
  abT(A: Float64Array, m: number, k: number, B: Float64Array, n: number, bias: Float64Array): Promise<Float64Array>;
  /** (k, n) = A^T (A is (m, k)) B (m, n). */
  aTb(A: Float64Array, m: number, k: number, B: Float64Array, n: number): Promise<Float64Array>;
}

/** A product the fit needs: scores (n, K) = X W^T + b, or the weight gradient sum (K, d) = R^T X. */
type Need = { op: 'scores'; W: Float64Array; b: Float64Array } | { op: 'gradient'; R: Float64Array };

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
  const { X, n, d, K, steps } = fitSetup(rows, labels, opts);
  const Z = new Float64Array(n * K),
    gW = new Float64Array(K * d);
  let req = steps.next(new Float64Array(0));
  while (!req.done) {
    const need = req.value as Need; // (tslab compiles without strictNullChecks: `done` does not narrow there)
    if (need.op === 'scores') linear(X, n, d, need.W, need.b, K, Z);
    else gradientSum(need.R, X, n, K, d, gW);
    req = steps.next(need.op === 'scores' ? Z : gW);
  }
  return req.value as LogRegModel;
}

/**
 * The same fit with its two big products done by `mm` (e.g. onnxruntime's float64 Gemm).
 * @example const m = await fitLogisticRegressionWith(onnxGemm64(ort)!, trainRows, trainLabels);
 */
export async function fitLogisticRegressionWith(
  mm: Matmul64,
  rows: readonly Float32Array[],
  labels: readonly number[],
  opts: LogRegOptions = {},
): Promise<LogRegModel> {
  const { X, n, d, K, steps } = fitSetup(rows, labels, opts);
  let req = steps.next(new Float64Array(0));
  while (!req.done) {
    const need = req.value as Need; // (tslab compiles without strictNullChecks: `done` does not narrow there)
    const out = need.op === 'scores' ? await mm.abT(X, n, d, need.W, K, need.b) : await mm.aTb(need.R, n, K, X, d);
    req = steps.next(out);
  }
  return req.value as LogRegModel;
}

/** sum_i R[i, k] X[i, :] into out (K, d), row by row (the order of the pre-split fit: same bits). */
function gradientSum(R: Float64Array, X: Float64Array, n: number, K: number, d: number, out: Float64Array): void {
  out.fill(0);
  for (let i = 0; i < n; i++) {
    const xo = i * d;
    for (let k = 0; k < K; k++) {
      const rk = R[i * K + k]!;
      if (rk === 0) continue;
      const wo = k * d;
      for (let j = 0; j < d; j++) out[wo + j] = out[wo + j]! + rk * X[xo + j]!;
    }
  }
}

function fitSetup(rows: readonly Float32Array[], labels: readonly number[], opts: LogRegOptions) {
  if (rows.length !== labels.length)
    throw new RangeError(`logistic regression: ${rows.length} rows vs ${labels.length} labels`);
  if (rows.length === 0) throw new RangeError('logistic regression: no training rows');
  const packed = pack(rows);
  const { n, d } = packed;
  const X = Float64Array.from(packed.X); // float64 copy: faster mixed-free inner loops
  const classes = [...new Set(labels)].sort((a, b) => a - b);
  if (classes.length < 2) throw new RangeError(`logistic regression: needs at least 2 classes, got ${classes.length}`);
  const K = classes.length === 2 ? 1 : classes.length;
  return { X, n, d, K, steps: fitSteps(n, d, classes, labels, opts) };
}

/** The fit as a generator: yields each product it needs and is sent the answer. */
function* fitSteps(
  n: number,
  d: number,
  classes: number[],
  labels: readonly number[],
  opts: LogRegOptions,
): Generator<Need, LogRegModel, Float64Array> {
  const C = opts.C ?? 1,
    maxIter = opts.maxIter ?? 100,
    tol = opts.tol ?? 1e-4,
    m = opts.memory ?? 10;
  const y = labels.map((l) => classes.indexOf(l));
  const K = classes.length === 2 ? 1 : classes.length;
  const P = K * d + K; // parameters: weights then biases
  const R = new Float64Array(n * K);
  const lambda = 1 / (C * n);

  // loss and gradient at theta (the loops are plain functions below: V8 optimises them better than generator code)
  function* evaluate(theta: Float64Array, grad: Float64Array): Generator<Need, number, Float64Array> {
    const Z = yield { op: 'scores', W: theta.subarray(0, K * d), b: theta.subarray(K * d) };
    grad.fill(0);
    const loss = residuals(Z, y, n, K, R, grad.subarray(K * d));
    grad.set(yield { op: 'gradient', R });
    return loss / n + 0.5 * lambda * regularise(theta, grad, n, K * d, lambda);
  }

  let theta = new Float64Array(P);
  let g = new Float64Array(P);
  let f = yield* evaluate(theta, g);
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
    let slope = direction(g, S, Y, RHO, alpha, dir);
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
      axpyTo(theta, step, dir, thetaNew);
      fNew = yield* evaluate(thetaNew, gNew);
      if (fNew <= f + 1e-4 * step * slope) {
        ok = true;
        break;
      }
      step *= 0.5;
    }
    if (!ok) break;
    const s = diff(thetaNew, theta),
      yv = diff(gNew, g);
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

/** Residuals R = softmax(Z) - onehot(y) (sigmoid for K = 1), their column sums added to gb; returns the summed loss. */
function residuals(Z: Float64Array, y: number[], n: number, K: number, R: Float64Array, gb: Float64Array): number {
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const ro = i * K;
    if (K === 1) {
      const z = Z[i]!,
        t = y[i]!;
      // log(1 + e^z) - t z, computed stably
      loss += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - t * z;
      R[ro] = 1 / (1 + Math.exp(-z)) - t;
    } else {
      let mx = -Infinity;
      for (let k = 0; k < K; k++) mx = Math.max(mx, Z[ro + k]!);
      let sum = 0;
      for (let k = 0; k < K; k++) sum += Math.exp(Z[ro + k]! - mx);
      const lse = mx + Math.log(sum);
      loss += lse - Z[ro + y[i]!]!;
      for (let k = 0; k < K; k++) R[ro + k] = Math.exp(Z[ro + k]! - lse) - (k === y[i] ? 1 : 0);
    }
    for (let k = 0; k < K; k++) if (R[ro + k] !== 0) gb[k] = gb[k]! + R[ro + k]!;
  }
  return loss;
}

/** grad (weights: the sum R^T X; biases: the sum of R) to the mean plus the L2 term; returns ||W||^2. */
function regularise(theta: Float64Array, grad: Float64Array, n: number, Kd: number, lambda: number): number {
  let reg = 0;
  for (let j = 0; j < Kd; j++) {
    reg += theta[j]! * theta[j]!;
    grad[j] = grad[j]! / n + lambda * theta[j]!;
  }
  for (let j = Kd; j < grad.length; j++) grad[j] = grad[j]! / n;
  return reg;
}

function maxAbs(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s = Math.max(s, Math.abs(v[i]!));
  return s;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** out = x + a v */
function axpyTo(x: Float64Array, a: number, v: Float64Array, out: Float64Array): void {
  for (let j = 0; j < x.length; j++) out[j] = x[j]! + a * v[j]!;
}

function diff(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let j = 0; j < a.length; j++) out[j] = a[j]! - b[j]!;
  return out;
}

/** L-BFGS two-loop recursion: dir = -H g from the history (S, Y, RHO); returns the slope g . dir. */
function direction(
  g: Float64Array,
  S: Float64Array[],
  Y: Float64Array[],
  RHO: number[],
  alpha: Float64Array,
  dir: Float64Array,
): number {
  const P = g.length;
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
  return dot(g, dir);
}

/** Class probabilities (n, K) for each row. @example probabilitiesLogisticRegression(model, rows)[0] // [p(class0), p(class1), ...] */
export function probabilitiesLogisticRegression(model: LogRegModel, rows: readonly Float32Array[]): Float64Array[] {
  const { X, n, d } = packFor(model, rows);
  const K = model.bias.length;
  const Z = new Float64Array(n * K);
  linear(X, n, d, model.weights, model.bias, K, Z);
  return probabilities(Z, n, K);
}

function packFor(model: LogRegModel, rows: readonly Float32Array[]) {
  const p = pack(rows);
  if (p.n && p.d !== model.dim)
    throw new RangeError(`logistic regression: rows have dim ${p.d}, model expects ${model.dim}`);
  return p;
}

function probabilities(Z: Float64Array, n: number, K: number): Float64Array[] {
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

function argmaxLabels(model: LogRegModel, probs: Float64Array[]): number[] {
  return probs.map((p) => {
    let best = 0;
    for (let k = 1; k < p.length; k++) if (p[k]! > p[best]!) best = k;
    return model.classes[best]!;
  });
}

/** Predicted labels (argmax; ties go to the smaller class label, as numpy argmax). */
export function predictLogisticRegression(model: LogRegModel, rows: readonly Float32Array[]): number[] {
  return argmaxLabels(model, probabilitiesLogisticRegression(model, rows));
}

/**
 * predictLogisticRegression with the scores X W^T + b done by `mm`.
 * @example await predictLogisticRegressionWith(mm, model, testRows)
 */
export async function predictLogisticRegressionWith(
  mm: Matmul64,
  model: LogRegModel,
  rows: readonly Float32Array[],
): Promise<number[]> {
  const { X, n, d } = packFor(model, rows);
  const K = model.bias.length;
  const Z = n ? await mm.abT(Float64Array.from(X), n, d, model.weights, K, model.bias) : new Float64Array(0);
  return argmaxLabels(model, probabilities(Z, n, K));
}
