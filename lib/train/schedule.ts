// Learning-rate schedule: linear warmup to the peak, then linear decay to `floor` x peak
// at the last step (GTR used linear decay).

export interface ScheduleOptions {
  lr: number;
  warmupSteps: number;
  totalSteps: number;
  /** Fraction of the peak left at the last step (default 0.1). */
  floor?: number;
}

/**
 * Learning rate for a 0-based step.
 * @example lrAt(0, { lr: 1e-3, warmupSteps: 10, totalSteps: 100 }) === 1e-4
 */
export function lrAt(step: number, o: ScheduleOptions): number {
  const floor = o.floor ?? 0.1;
  if (step < o.warmupSteps) return (o.lr * (step + 1)) / o.warmupSteps;
  const span = Math.max(1, o.totalSteps - o.warmupSteps - 1);
  const frac = Math.min(1, (step - o.warmupSteps) / span);
  return o.lr * (1 - (1 - floor) * frac);
}
