// resolveConfig(preset, overrides): deep-merge, validate every key and type against
// SCHEMA, freeze, and hash. Overrides may be a nested object or dotted CLI strings.
import { ConfigError, ConfigUsageError } from '../core/errors';
import { readEnv } from '../core/env';
import { hashOf } from '../core/hash';
import { checkJsonValue, isForbiddenKey, jsonDepth, MAX_JSON_DEPTH } from '../core/json';
import { PRESETS, type PresetName } from './presets';
import { SCHEMA, type ExperimentConfig } from './schema';
import { forbidden, specAt } from './spec';

export interface ResolvedConfig {
  preset: PresetName;
  config: Readonly<ExperimentConfig>;
  /** sha256 of the canonical JSON of `config`; the first 8 characters name runs. */
  hash: string;
  overrides: Record<string, unknown>;
}

/** The preset named by GECKO_PRESET, else `fallback`. */
export function presetFromEnv(fallback: PresetName = 'smoke'): PresetName {
  const name = readEnv('GECKO_PRESET') ?? fallback;
  if (!Object.hasOwn(PRESETS, name))
    throw new ConfigError('GECKO_PRESET', `unknown preset '${name}'`, `use one of: ${Object.keys(PRESETS).join(', ')}`);
  return name as PresetName;
}

/**
 * Merge `over` onto `base` into fresh null-prototype objects, own keys only: a forbidden key
 * (`__proto__`, `constructor`, `prototype`) anywhere in `over` is refused before any assignment.
 */
function deepMerge(base: unknown, over: unknown, key: string): unknown {
  if (over === undefined) return base;
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(base) && isObj(over)) {
    const out: Record<string, unknown> = Object.create(null);
    for (const k of Object.keys(base)) out[k] = base[k];
    for (const k of Object.keys(over)) {
      const full = key ? `${key}.${k}` : k;
      if (isForbiddenKey(k)) throw forbidden(full, k);
      out[k] = deepMerge(Object.hasOwn(base, k) ? base[k] : undefined, over[k], full);
    }
    return out;
  }
  if (isObj(over)) {
    // a whole section given as an object: its keys get the same check
    const out: Record<string, unknown> = Object.create(null);
    for (const k of Object.keys(over)) {
      const full = key ? `${key}.${k}` : k;
      if (isForbiddenKey(k)) throw forbidden(full, k);
      out[k] = deepMerge(undefined, over[k], full);
    }
    return out;
  }
  return over;
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    Object.values(v).forEach(deepFreeze);
    Object.freeze(v);
  }
  return v;
}

/**
 * Resolve a preset plus overrides into a validated, frozen config.
 * @example const { config, hash } = resolveConfig('smoke', { finetune: { steps: 50 } });
 */
export function resolveConfig(
  preset: PresetName = presetFromEnv(),
  overrides: Record<string, unknown> = {},
): ResolvedConfig {
  const base = Object.hasOwn(PRESETS, preset) ? PRESETS[preset] : undefined; // '--preset constructor' is no preset
  if (!base)
    throw new ConfigError(
      'preset',
      `unknown preset '${String(preset)}'`,
      `use one of: ${Object.keys(PRESETS).join(', ')}`,
    );
  const merged = deepMerge(structuredClone(base), overrides, '');
  // Arrays are replaced whole, not merged: their objects still must not carry a forbidden key.
  checkJsonValue(merged, 'the config');
  const config = deepFreeze(SCHEMA.check(merged, '')) as ExperimentConfig;
  if (config.finetune.matryoshkaDims.length !== config.finetune.matryoshkaWeights.length) {
    throw new ConfigError(
      'finetune.matryoshkaWeights',
      `has ${config.finetune.matryoshkaWeights.length} weights for ${config.finetune.matryoshkaDims.length} dims`,
      'give one weight per Matryoshka dimension',
    );
  }
  for (const d of [...config.finetune.matryoshkaDims, ...config.eval.dims]) {
    if (d > config.encoder.dModel)
      throw new ConfigError(
        'finetune.matryoshkaDims',
        `dimension ${d} exceeds encoder.dModel ${config.encoder.dModel}`,
      );
  }
  if (config.encoder.dModel % config.encoder.heads !== 0) {
    throw new ConfigError(
      'encoder.heads',
      `dModel ${config.encoder.dModel} is not divisible by heads ${config.encoder.heads}`,
    );
  }
  return { preset, config, hash: hashOf(config), overrides };
}

/**
 * Parse CLI overrides `key.path=value` (value read as JSON when it parses, else as a string).
 * @example parseOverrides(['finetune.steps=50', 'llm.teacher=openai:gpt-4o-mini'])
 */
export function parseOverrides(items: readonly string[]): Record<string, unknown> {
  // Null-prototype nodes, and every key path checked against SCHEMA before anything is assigned.
  const out: Record<string, unknown> = Object.create(null);
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new ConfigUsageError(item, 'expected key.path=value', 'e.g. --set finetune.steps=50');
    const key = item.slice(0, eq);
    const path = key.split('.');
    specAt(SCHEMA, path); // throws on an empty, forbidden or unknown part
    const raw = item.slice(eq + 1);
    let value: unknown = raw;
    if (raw.length > 2 * MAX_JSON_DEPTH && jsonDepth(raw, MAX_JSON_DEPTH) > MAX_JSON_DEPTH)
      throw new ConfigUsageError(key, `the value nests deeper than ${MAX_JSON_DEPTH} levels`, 'give a plain value');
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw; // not JSON: a string
    }
    if (typeof value === 'object' && value !== null) {
      try {
        checkJsonValue(value, `--set ${key}`);
      } catch (e) {
        throw new ConfigUsageError(key, (e as Error).message.split('\n')[0]!, 'remove that key from the value');
      }
    }
    let node = out;
    for (let i = 0; i < path.length - 1; i++) {
      const p = path[i]!;
      const next = Object.hasOwn(node, p) ? node[p] : undefined;
      if (next === undefined) node[p] = Object.create(null);
      else if (typeof next !== 'object' || next === null || Array.isArray(next))
        throw new ConfigUsageError(
          path.slice(0, i + 1).join('.'),
          `was set to ${JSON.stringify(next)} and then given the key '${path[i + 1]}'`,
          `set ${path.slice(0, i + 1).join('.')} either whole or key by key, not both`,
        );
      node = node[p] as Record<string, unknown>;
    }
    node[path[path.length - 1]!] = value;
  }
  return out;
}
