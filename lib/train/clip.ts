// Gradient clipping by global L2 norm, on a flat gradient array.

/** Global L2 norm (float64 accumulation). NaN or Infinity if any element is. */
export function globalNorm(grads: Float32Array): number {
  let ss = 0;
  for (let i = 0; i < grads.length; i++) ss += grads[i]! * grads[i]!;
  return Math.sqrt(ss);
}

/**
 * Scale grads in place so that their global norm is at most maxNorm; returns the norm before clipping.
 * @example const norm = clipGlobalNorm(g, 1.0);
 */
export function clipGlobalNorm(grads: Float32Array, maxNorm: number): number {
  const norm = globalNorm(grads);
  const s = clipScale(norm, maxNorm);
  if (s !== 1) for (let i = 0; i < grads.length; i++) grads[i] = grads[i]! * s;
  return norm;
}

/**
 * The factor clipGlobalNorm scales a gradient of global norm `norm` by (1 when it is not clipped).
 * @example clipScale(4, 1) // 1 / (4 + 1e-6)
 */
export function clipScale(norm: number, maxNorm: number): number {
  return maxNorm > 0 && Number.isFinite(norm) && norm > maxNorm ? maxNorm / (norm + 1e-6) : 1;
}
