// Weighted, seeded mixing of training sources (config finetune.mixture: source → weight).
// Counts are allotted by largest remainder, each source is sampled without replacement,
// and the result is shuffled. Pure.
import { ConfigError } from '../core/errors';
import type { Rng } from '../core/rng';
import type { TrainingExample } from '../core/types';

export interface MixReport {
  n: number;
  weights: Record<string, number>;
  available: Record<string, number>;
  taken: Record<string, number>;
}

/**
 * Check mixture weights against the known sources: an unknown name is a ConfigError naming it.
 * @example checkWeights({ fret: 1, squadd: 1 }, ['fret', 'squad']) // throws: finetune.mixture.squadd
 */
export function checkWeights(weights: Readonly<Record<string, number>>, known: readonly string[]): void {
  for (const [name, w] of Object.entries(weights)) {
    if (!known.includes(name))
      throw new ConfigError(
        `finetune.mixture.${name}`,
        `unknown mixture source '${name}'`,
        `known sources: ${known.join(', ')}`,
      );
    if (!(w >= 0) || !Number.isFinite(w))
      throw new ConfigError(`finetune.mixture.${name}`, `weight must be a number >= 0, got ${w}`);
  }
  if (!Object.values(weights).some((w) => w > 0))
    throw new ConfigError('finetune.mixture', 'every weight is 0', 'give at least one source a positive weight');
}

/** Integer counts summing to n, proportional to weights (largest remainder, ties by name). */
export function allot(n: number, weights: Readonly<Record<string, number>>): Record<string, number> {
  const names = Object.keys(weights)
    .filter((k) => weights[k]! > 0)
    .sort();
  const total = names.reduce((s, k) => s + weights[k]!, 0);
  const exact = names.map((k) => ({ k, x: (n * weights[k]!) / total }));
  const out: Record<string, number> = Object.fromEntries(exact.map(({ k, x }) => [k, Math.floor(x)]));
  let left = n - Object.values(out).reduce((s, c) => s + c, 0);
  for (const { k } of exact
    .slice()
    .sort((a, b) => b.x - Math.floor(b.x) - (a.x - Math.floor(a.x)) || (a.k < b.k ? -1 : 1))) {
    if (left-- <= 0) break;
    out[k]!++;
  }
  return out;
}

/**
 * The largest n for which every weighted source has enough examples without repeats.
 * @example largestN({ a: 100, b: 10 }, { a: 0.5, b: 0.5 }) // 20
 */
export function largestN(
  available: Readonly<Record<string, number>>,
  weights: Readonly<Record<string, number>>,
): number {
  const names = Object.keys(weights).filter((k) => weights[k]! > 0);
  const total = names.reduce((s, k) => s + weights[k]!, 0);
  // 1e-9 absorbs float error in the weight sum (0.5 + 0.2 + 0.1 + 0.1 + 0.1 != 1 exactly)
  return Math.floor(Math.min(...names.map((k) => (available[k] ?? 0) / (weights[k]! / total))) + 1e-9);
}

/**
 * Mix sources by weight into n examples (default: largestN), seeded, shuffled.
 * A source with fewer examples than its share gives all it has (the report shows it).
 * @example mixExamples({ fret, squad }, { fret: 0.7, squad: 0.3 }, 1000, rngFor(seed, 'mixture'))
 */
export function mixExamples(
  sources: Readonly<Record<string, readonly TrainingExample[]>>,
  weights: Readonly<Record<string, number>>,
  n: number | undefined,
  rng: Rng,
): { examples: TrainingExample[]; report: MixReport } {
  checkWeights(weights, Object.keys(sources));
  const available = Object.fromEntries(Object.entries(sources).map(([k, v]) => [k, v.length]));
  const total = n ?? largestN(available, weights);
  const counts = allot(total, weights);
  const taken: Record<string, number> = {};
  const picked: TrainingExample[] = [];
  for (const name of Object.keys(counts).sort()) {
    const got = rng.child(name).sample(sources[name]!, counts[name]!);
    taken[name] = got.length;
    picked.push(...got);
  }
  return {
    examples: rng.child('shuffle').shuffle(picked),
    report: { n: picked.length, weights: { ...weights }, available, taken },
  };
}
