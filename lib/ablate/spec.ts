// Declarative ablation specs: one per paper ablation (lib/ablate/specs/). An arm is a set of
// config overrides on top of the preset (and the user's --set overrides); the reference arm is
// the one every other arm is compared with. A spec names the tasks that matter for its
// question; `gecko ablate` evaluates only those, at the spec's dimensions.
import type { ExperimentConfig } from '../config/schema';
import { resolveConfig, type ResolvedConfig } from '../config/resolve';
import type { PresetName } from '../config/presets';
import { ConfigError, ConfigUsageError, GeckoError } from '../core/errors';
import { isForbiddenKey } from '../core/json';
import { getTask } from '../eval/tasks/registry';

/** Overrides as a nested object, or computed from the preset's config (e.g. its width). */
export type Overrides = Record<string, unknown> | ((base: Readonly<ExperimentConfig>) => Record<string, unknown>);

export interface Arm {
  name: string;
  overrides: Overrides;
  /** One line: what this arm is. */
  note: string;
}

export interface AblationSpec {
  /** The name `gecko ablate <name>` takes. */
  name: string;
  title: string;
  /** The paper table or figure this mirrors (Gecko, arXiv 2403.20327 v1). */
  mirrors: string;
  /** The question, in a sentence. */
  question: string;
  /** Name of the reference arm. */
  reference: string;
  arms: readonly Arm[];
  /** Evaluation tasks that matter for the question. */
  tasks: readonly string[];
  /** Dimensions to score at (default: the encoder's full width). */
  dims?: (base: Readonly<ExperimentConfig>) => number[];
  /**
   * The stages a seed varies besides fine-tuning and the mixture's sampling: 'fret' when the
   * arms change FRet (then seeding + FRet are resampled per seed for every arm).
   */
  seedVariesFret: boolean;
  /** What the offline stand-in teacher can and cannot show for this ablation. */
  standIn: string;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep-merge b over a (objects key by key; anything else replaced). */
export function mergeOverrides(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = Object.assign(Object.create(null), a);
  for (const [k, v] of Object.entries(b)) {
    if (isForbiddenKey(k))
      throw new ConfigUsageError(k, `'${k}' is not a setting name`, 'remove it from the overrides');
    const prev = Object.hasOwn(out, k) ? out[k] : undefined;
    out[k] = isObj(v) && isObj(prev) ? mergeOverrides(prev, v) : v;
  }
  return out;
}

export interface ArmConfig {
  arm: Arm;
  resolved: ResolvedConfig;
}

/** The dimensions a spec scores at, for a config. */
export function specDims(spec: AblationSpec, cfg: Readonly<ExperimentConfig>): number[] {
  return spec.dims ? spec.dims(cfg) : [cfg.encoder.dModel];
}

/**
 * Check a spec and resolve every arm's config (preset + user overrides + arm overrides + the
 * spec's tasks and dims), before any work starts: a bad key or value names the arm.
 * @example const arms = resolveArms(SPECS['same-tower']!, 'smoke', {});
 */
export function resolveArms(spec: AblationSpec, preset: PresetName, user: Record<string, unknown>): ArmConfig[] {
  const where = `ablation spec '${spec.name}'`;
  const names = spec.arms.map((a) => a.name);
  if (new Set(names).size !== names.length)
    throw new GeckoError(`${where}: two arms share a name`, 'give every arm its own name');
  if (!names.includes(spec.reference))
    throw new GeckoError(
      `${where}: reference arm '${spec.reference}' is not one of its arms (${names.join(', ')})`,
      'name one of the arms as reference',
    );
  if (spec.arms.length < 2)
    throw new GeckoError(`${where}: needs at least two arms`, 'add an arm to compare with the reference');
  for (const t of spec.tasks) getTask(t); // throws with the known names
  const base = resolveConfig(preset, user).config;
  const dims = specDims(spec, base);
  return spec.arms.map((arm) => {
    const own = typeof arm.overrides === 'function' ? arm.overrides(base) : arm.overrides;
    const over = mergeOverrides(mergeOverrides(user, own), { eval: { tasks: [...spec.tasks], dims } });
    try {
      return { arm, resolved: resolveConfig(preset, over) };
    } catch (e) {
      if (e instanceof ConfigError)
        throw new GeckoError(`${where}, arm '${arm.name}' (lib/ablate/specs/): ${e.message}`);
      throw e;
    }
  });
}

/** What a seed varies: fine-tuning (and what the spec needs) only, or every stage but evaluation. */
export type SeedScope = 'finetune' | 'all';
export const SEED_SCOPES: readonly SeedScope[] = ['finetune', 'all'];

/** What a seed varies, in words, for a spec and scope. */
export function seedVariesOf(spec: AblationSpec, scope: SeedScope): string[] {
  if (scope === 'all')
    return [
      'pretraining',
      'pre-finetuning',
      'seeding + FRet (seed passages, teacher sampling, random negatives)',
      "the mixture's sampling",
      'fine-tuning',
    ];
  return [
    'fine-tuning',
    "the mixture's sampling",
    ...(spec.seedVariesFret ? ['seeding + FRet (seed passages, teacher sampling, random negatives)'] : []),
  ];
}

/** What every arm and seed shares, in words, for a scope. */
export function seedSharedOf(scope: SeedScope): string {
  return scope === 'all'
    ? 'only the evaluation sample is shared by every arm and seed'
    : 'pretraining, pre-finetuning and the evaluation sample are shared by every arm and seed, so every interval is conditional on that one pre-finetuned model (`--seed-scope all` varies them too)';
}
