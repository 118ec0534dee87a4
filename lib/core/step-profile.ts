// Per-phase wall times of training steps, for `npm run profile:step` (bench/profile-step.ts): the
// engine adds the milliseconds of each phase (forward runs, loss, backward runs, gradient sum, clip,
// AdamW, broadcast) when a profile is on; off (the default) it costs one branch per phase.

let current: Map<string, number> | undefined;

/** Start collecting phase times (clears earlier ones). */
export function startProfile(): void {
  current = new Map();
}

/** The collected phase times (ms, summed over steps) and stop collecting. */
export function stopProfile(): Map<string, number> {
  const out = current ?? new Map<string, number>();
  current = undefined;
  return out;
}

/** A clock for one phase: call the returned function when the phase ends. No-op when no profile is on. */
export function phase(name: string): () => void {
  if (!current) return noop;
  const t0 = performance.now();
  const m = current;
  return () => void m.set(name, (m.get(name) ?? 0) + performance.now() - t0);
}

const noop = () => {};
