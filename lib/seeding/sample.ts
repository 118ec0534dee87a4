// Seeding (paper §3.2: "a passage drawn randomly from the web corpus"): drop
// duplicate and out-of-length passages, then draw n seed passages with a seeded stream.
// The eligible passages also form the candidate pool of FRet step 2, so a better
// positive than the seed passage can exist. Pure: corpus and rng in, records out.
import type { Rng } from '../core/rng';
import type { Passage } from '../core/types';

/** seeds.jsonl: a sampled seed passage and its position in the sample. */
export interface SeedRecord {
  seedIndex: number;
  passage: Passage;
}

export interface SeedingOptions {
  n: number;
  /** Passages whose text is shorter or longer (in characters) are not eligible. */
  minChars: number;
  maxChars: number;
}

export interface EligibleCorpus {
  passages: Passage[];
  dropped: { duplicate: number; tooShort: number; tooLong: number };
}

/** Duplicate key: lowercased text with whitespace collapsed. */
export const dedupKey = (text: string) => text.toLowerCase().replace(/\s+/g, ' ').trim();

/**
 * Passages that may seed FRet or serve as candidates: first occurrence of each text
 * (corpus order), length within [minChars, maxChars].
 * @example eligiblePassages(corpus, { minChars: 200, maxChars: 1200 }).passages.length
 */
export function eligiblePassages(
  corpus: readonly Passage[],
  opts: Pick<SeedingOptions, 'minChars' | 'maxChars'>,
): EligibleCorpus {
  const seen = new Set<string>();
  const ids = new Set<string>();
  const dropped = { duplicate: 0, tooShort: 0, tooLong: 0 };
  const passages: Passage[] = [];
  for (const p of corpus) {
    const key = dedupKey(p.text);
    if (seen.has(key) || ids.has(p.id)) {
      dropped.duplicate++;
      continue;
    }
    seen.add(key);
    ids.add(p.id);
    if (p.text.length < opts.minChars) {
      dropped.tooShort++;
      continue;
    }
    if (p.text.length > opts.maxChars) {
      dropped.tooLong++;
      continue;
    }
    passages.push(p);
  }
  return { passages, dropped };
}

/**
 * Draw min(n, eligible) seed passages uniformly without replacement; seedIndex = draw order.
 * @example sampleSeedPassages(eligible.passages, 1000, rngFor(cfg.seed, 'seeding'))
 */
export function sampleSeedPassages(eligible: readonly Passage[], n: number, rng: Rng): SeedRecord[] {
  return rng.sample(eligible, n).map((passage, seedIndex) => ({ seedIndex, passage }));
}

/**
 * The candidate pool of step 2: every eligible passage (poolSize 0), or the seeds plus a
 * seeded sample of the others up to poolSize. Kept in corpus order.
 * @example candidatePool(eligible.passages, seeds, 0, rng).length === eligible.passages.length
 */
export function candidatePool(
  eligible: readonly Passage[],
  seeds: readonly SeedRecord[],
  poolSize: number,
  rng: Rng,
): Passage[] {
  if (poolSize <= 0 || poolSize >= eligible.length) return eligible.slice();
  const seedIds = new Set(seeds.map((s) => s.passage.id));
  const others = eligible.filter((p) => !seedIds.has(p.id));
  const keep = new Set([...seedIds, ...rng.sample(others, Math.max(0, poolSize - seedIds.size)).map((p) => p.id)]);
  return eligible.filter((p) => keep.has(p.id));
}
