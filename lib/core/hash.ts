// Stable hashing: canonical JSON (sorted keys) and sha256. Used for cache keys,
// config hashes and content ids.
import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level, so equal values give equal strings. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value as object).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** Hex sha256 of a string or bytes. */
export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Hex sha256 of the stable JSON of a value. @example hashOf({b: 1, a: 2}) === hashOf({a: 2, b: 1}) */
export function hashOf(value: unknown): string {
  return sha256(stableStringify(value));
}
