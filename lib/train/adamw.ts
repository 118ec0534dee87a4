// AdamW (Loshchilov & Hutter), written out over flat Float32Arrays: TF.js has no AdamW,
// and an optimizer on plain arrays is backend-independent, bit-reproducible and trivial
// to checkpoint. Update per element (torch.optim.AdamW order):
//   p <- p - lr * wd * p                      (decoupled weight decay, where decayed)
//   m <- b1 m + (1 - b1) g ;  v <- b2 v + (1 - b2) g^2
//   p <- p - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)

export interface AdamWOptions {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export const ADAMW_DEFAULTS: AdamWOptions = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };

/** Optimizer state: first and second moments and the number of steps taken. */
export interface AdamWState {
  m: Float32Array;
  v: Float32Array;
  t: number;
}

export function adamwInit(n: number): AdamWState {
  return { m: new Float32Array(n), v: new Float32Array(n), t: 0 };
}

/**
 * One AdamW step in place on `params`. `decay[i]` = 1 where weight decay applies (e.g. matrices only).
 * @example const s = adamwInit(p.length); adamwStep(p, g, s, 1e-3, ADAMW_DEFAULTS);
 */
export function adamwStep(
  params: Float32Array,
  grads: Float32Array,
  state: AdamWState,
  lr: number,
  opts: AdamWOptions,
  decay?: Uint8Array,
): void {
  const { beta1: b1, beta2: b2, eps, weightDecay: wd } = opts;
  state.t += 1;
  const c1 = 1 - Math.pow(b1, state.t);
  const c2 = 1 - Math.pow(b2, state.t);
  const stepSize = lr / c1;
  const sqrtC2 = Math.sqrt(c2);
  const shrink = 1 - lr * wd;
  const { m, v } = state;
  for (let i = 0; i < params.length; i++) {
    const g = grads[i]!;
    let p = params[i]!;
    if (!decay || decay[i]) p *= shrink;
    const mi = b1 * m[i]! + (1 - b1) * g;
    const vi = b2 * v[i]! + (1 - b2) * g * g;
    m[i] = mi;
    v[i] = vi;
    params[i] = p - (stepSize * mi) / (Math.sqrt(vi) / sqrtC2 + eps);
  }
}
