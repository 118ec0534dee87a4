// resolveConfig(preset, overrides): deep-merge, validate every key and type against
// SCHEMA, freeze, and hash. Overrides may be a nested object or dotted CLI strings.
import { ConfigError } from '../core/errors';
import { readEnv } from '../core/env';
import { hashOf } from '../core/hash';
import { PRESETS, type PresetName } from './presets';
import { SCHEMA, type ExperimentConfig } from './schema';

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
  if (!(name in PRESETS))
    throw new ConfigError('GECKO_PRESET', `unknown preset '${name}'`, `use one of: ${Object.keys(PRESETS).join(', ')}`);
  return name as PresetName;
}

function deepMerge(base: unknown, over: unknown, key: string): unknown {
  if (over === undefined) return base;
  const isObj = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(base) && isObj(over)) {
    const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const [k, v] of Object.entries(over as Record<string, unknown>)) {
      out[k] = deepMerge((base as Record<string, unknown>)[k], v, key ? `${key}.${k}` : k);
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
  const base = PRESETS[preset];
  if (!base)
    throw new ConfigError(
      'preset',
      `unknown preset '${String(preset)}'`,
      `use one of: ${Object.keys(PRESETS).join(', ')}`,
    );
  const merged = deepMerge(structuredClone(base), overrides, '');
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
  const out: Record<string, unknown> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new ConfigError(item, 'expected key.path=value');
    const path = item.slice(0, eq).split('.');
    const raw = item.slice(eq + 1);
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    let node = out;
    path.slice(0, -1).forEach((p) => {
      node[p] = (node[p] as Record<string, unknown>) ?? {};
      node = node[p] as Record<string, unknown>;
    });
    node[path[path.length - 1]!] = value;
  }
  return out;
}
