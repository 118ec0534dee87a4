// Seeded data order: epoch e visits the items in the order rngFor(seed, label, 'epoch', e)
// gives, and step s takes positions [s*B, (s+1)*B) of the concatenated epochs. A step's
// batch is a pure function of (seed, label, step): resuming needs no saved RNG state.
import { rngFor } from '../core/rng';

/**
 * Item indices of the batch at a 0-based step.
 * @example batchIndices(10, 4, 0, 42, 'finetune') // 4 distinct indices in [0, 10)
 */
export function batchIndices(n: number, batchSize: number, step: number, seed: number, label: string): number[] {
  if (n <= 0) throw new Error(`batchIndices: no items to draw ${label} batches from`);
  const out: number[] = [];
  const cache = new Map<number, number[]>();
  const orderOf = (e: number) => {
    let o = cache.get(e);
    if (!o) {
      o = rngFor(seed, label, 'epoch', e).shuffle(Array.from({ length: n }, (_, i) => i));
      cache.set(e, o);
    }
    return o;
  };
  for (let p = step * batchSize; p < (step + 1) * batchSize; p++) out.push(orderOf(Math.floor(p / n))[p % n]!);
  return out;
}
