// `gecko ablate <spec> --seeds N`: every arm of a spec, N seeds each, on the content-addressed
// pipeline (lib/pipeline/stages.ts), so arms and seeds share every upstream stage they can.
// What a seed varies (the seed scope, `--seed-scope`):
//   'finetune' (default): fine-tuning and the mixture's sampling, and for specs whose arms change
//     FRet (spec.seedVariesFret) seeding + FRet too; pretraining and pre-finetuning keep the base
//     seed, so every arm and seed starts from the same pre-finetuned encoder (unless an arm changes
//     pre-finetuning's own keys) and every interval is conditional on that one model.
//   'all': every stage but evaluation (pretraining, pre-finetuning, seeding + FRet, the mixture,
//     fine-tuning): the intervals then include the variation of the initialisation as well.
// The evaluation sub-sample always keeps the base seed: every arm and seed is scored on the same
// items, which is what makes the per-item pairing valid. The base seed's stages are the same in
// both scopes (a stage's folder is addressed by its seed), so only the other seeds rerun upstream.
// Resumes after a kill: finished stages are read back, finished (arm, seed) jobs are skipped.
// Writes to <runs>/ablate-<spec>-<preset>-<hash8>/: items.jsonl ({task, item, arm, seed, score}),
// jobs.jsonl (what each job ran and reused, and its wall time), results.json, plots/.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { PresetName } from '../config/presets';
import type { ExperimentConfig } from '../config/schema';
import { GeckoError } from '../core/errors';
import { writeJson } from '../core/fs';
import { hashOf } from '../core/hash';
import { appendJsonl, readJsonl, readJsonlTolerant, writeJsonl } from '../core/jsonl';
import { consoleLogger, silentLogger, type Logger } from '../core/log';
import { runsDir } from '../core/paths';
import { progress } from '../core/progress';
import type { ItemScore } from '../eval/item-scores';
import { evaluateForRun } from '../pipeline/eval';
import { asStage, pipelineContext } from '../pipeline/context';
import { damagedStageFix, onStage, stageDone, verifyStage, type StageEvent, type StageSeeds } from '../pipeline/stages';
import { claimOutputDir } from '../core/preflight';
import { finetuneForRun } from '../pipeline/train';
import { taskDir } from '../eval/results';
import { pairedIntervals, tInterval, type Interval, type PairedResult } from './intervals';
import { resolveArms, SEED_SCOPES, seedSharedOf, seedVariesOf, type AblationSpec, type SeedScope } from './spec';
export { SEED_SCOPES, type SeedScope } from './spec';
import { leakPreflight } from '../pipeline/leak';
import { inDomainTasks } from '../mixture/build';
import { selectBackend } from '../backend/select';

export interface AblateOptions {
  preset: PresetName;
  /** The user's --set overrides (under every arm's own). */
  overrides?: Record<string, unknown>;
  seeds: number;
  /** Output folder (default <runs>/ablate-<spec>-<preset>-<hash8>). */
  out?: string;
  log?: Logger;
  /** Progress display (default true). */
  progress?: boolean;
  /** What a seed varies (default 'finetune'). */
  seedScope?: SeedScope;
}

/** One scored item: the per-item JSONL row. */
export interface ItemRow {
  task: string;
  item: string;
  arm: string;
  seed: number;
  score: number;
}

export interface JobRecord {
  arm: string;
  seed: number;
  seconds: number;
  ran: string[];
  reused: string[];
}

export interface ArmResult {
  arm: string;
  note: string;
  /** Mean and 95% t interval over seeds of the task's main score. */
  perTask: Record<string, Interval>;
  average: Interval;
  /** Arm vs reference (absent for the reference arm). */
  vsReference?: { perTask: Record<string, PairedResult>; average: PairedResult };
  /** Wall time of this invocation's jobs of the arm, by seed. */
  seconds: Record<string, number>;
}

export interface AblationResult {
  spec: string;
  mirrors: string;
  question: string;
  preset: string;
  seeds: number[];
  /** What a seed varies ('finetune' when absent: results written before the switch). */
  seedScope?: SeedScope;
  seedVaries: string[];
  reference: string;
  tasks: string[];
  method: string;
  arms: ArmResult[];
  out: string;
  jobs: JobRecord[];
  standIn: string;
  /** Tasks whose training split is in some arm's mixture: in-domain scores, marked wherever averaged. */
  inDomain: string[];
  /** The compute backend the arms trained on (selectBackend). */
  backend?: string;
}

export const METHOD =
  'Per arm: mean over seeds of each task main score, 95% Student-t interval over seeds. Arm - reference: two-way seed x item ' +
  'random-effects t interval (no bootstrap, 0 draws): items paired by id and seeds by seed value; the variance of the mean difference ' +
  'is the variance of its per-seed means / S plus the item term max(0, MS_item - MS_res) / (S n) of the two-way ANOVA, with ' +
  "Satterthwaite's df (lib/ablate/intervals.ts; coverage 0.93-0.97 at 3, 5 and 10 seeds in test/ablate/coverage.test.ts). A task " +
  'with one item (clustering) gets the seed-only t interval. The average over tasks takes its seed term from the per-seed task ' +
  'averages and adds the item terms (one per task scored at several widths, whose items are shared). The seed-only t interval of the per-seed differences (items taken as fixed) is given beside the ' +
  'average. Per-item scores average to the main score (lib/eval/item-scores.ts).';

/** The ablation seeds: base seed, base + 1, ... (seed 0 of an arm equal to the preset reuses the demo's own stages). */
export function ablationSeeds(base: number, n: number): number[] {
  return Array.from({ length: n }, (_, k) => base + k);
}

/**
 * Stage seeds of one ablation seed (evaluation always keeps the base seed).
 * @example seedsFor(SPECS['same-tower']!, 1235, 'all') // { pretrain: 1235, prefinetune: 1235, fret: 1235, mixture: 1235, finetune: 1235 }
 */
export function seedsFor(spec: AblationSpec, seed: number, scope: SeedScope = 'finetune'): StageSeeds {
  if (scope === 'all') return { pretrain: seed, prefinetune: seed, fret: seed, mixture: seed, finetune: seed };
  return { finetune: seed, mixture: seed, ...(spec.seedVariesFret ? { fret: seed } : {}) };
}

/** Read the per-item files of a finished eval stage folder (one model per folder). */
function readStageItems(evalDir: string, tasks: readonly string[], dims: readonly number[]): Map<string, ItemScore[]> {
  verifyStage(evalDir); // a damaged eval stage is refused before any score is read from it
  const models = readdirSync(evalDir, { withFileTypes: true }).filter((d) => d.isDirectory() || d.isSymbolicLink());
  if (models.length !== 1) throw new GeckoError(`${evalDir}: expected one model folder, found ${models.length}`);
  const out = new Map<string, ItemScore[]>();
  for (const dim of dims)
    for (const t of tasks) {
      const p = join(taskDir(join(evalDir, models[0]!.name), dim, t), `${t}.items.jsonl`);
      if (!existsSync(p)) throw new GeckoError(`${p} is missing`, damagedStageFix(evalDir));
      out.set(taskKey(t, dim, dims), readJsonl<ItemScore>(p));
    }
  return out;
}

const taskKey = (t: string, dim: number, dims: readonly number[]) => (dims.length > 1 ? `${t}@${dim}` : t);

/** One (arm, seed): fine-tune on the shared upstream stages and evaluate with per-item scores; reads back what is done. */
async function runJob(
  spec: AblationSpec,
  arm: string,
  config: Readonly<ExperimentConfig>,
  seed: number,
  scope: SeedScope = 'finetune',
): Promise<JobRecord & { evalDir: string }> {
  const t0 = Date.now();
  const events: StageEvent[] = [];
  const off = onStage((e) => events.push(e));
  const ctx = pipelineContext(config, { seeds: seedsFor(spec, seed, scope), log: silentLogger });
  try {
    // every finished stage this job stands on is checked, even those a finished eval stage makes it skip
    for (const k of Object.values(ctx.plan)) verifyStage(k.dir);
    if (!stageDone(ctx.plan.eval.dir)) {
      const ft = await finetuneForRun(ctx, { log: silentLogger });
      await asStage(ctx, 'eval', () => evaluateForRun(ctx, ft.checkpoint, { items: true }));
    }
  } finally {
    off();
  }
  return {
    arm,
    seed,
    seconds: (Date.now() - t0) / 1000,
    ran: events.filter((e) => e.action === 'ran').map((e) => e.stage),
    reused: events.filter((e) => e.action === 'reused').map((e) => e.stage),
    evalDir: ctx.plan.eval.dir,
  };
}

/**
 * One arm at one seed (a notebook's tiny run): its main score per task, and what it ran or reused.
 * @example const r = await runArm(SPECS['same-tower']!, 'off', { preset: 'smoke' }); showTable(r.scores);
 */
export async function runArm(
  spec: AblationSpec,
  armName: string,
  o: { preset: PresetName; overrides?: Record<string, unknown>; seed?: number },
): Promise<{ job: JobRecord; scores: { task: string; score: number; items: number }[] }> {
  const arms = resolveArms(spec, o.preset, o.overrides ?? {});
  const a = arms.find((x) => x.arm.name === armName);
  if (!a)
    throw new GeckoError(
      `spec '${spec.name}' has no arm '${armName}'`,
      `arms: ${arms.map((x) => x.arm.name).join(', ')}`,
    );
  const cfg = a.resolved.config;
  const { evalDir, ...job } = await runJob(spec, armName, cfg, o.seed ?? cfg.seed);
  const scores = [...readStageItems(evalDir, spec.tasks, cfg.eval.dims)].map(([task, rows]) => ({
    task,
    score: rows.reduce((s, r) => s + r.score, 0) / rows.length,
    items: rows.length,
  }));
  return { job, scores };
}

/**
 * Run (or resume) an ablation and compute its intervals.
 * @example const r = await runAblation(SPECS['same-tower']!, { preset: 'smoke', seeds: 2 });
 */
export async function runAblation(spec: AblationSpec, opts: AblateOptions): Promise<AblationResult> {
  const log = opts.log ?? consoleLogger;
  if (!Number.isInteger(opts.seeds) || opts.seeds < 2)
    throw new GeckoError(
      `--seeds must be an integer >= 2 (got ${opts.seeds})`,
      'use --seeds 3 or more for a real run; 2 only for a smoke test',
    );
  const scope = opts.seedScope ?? 'finetune';
  if (!SEED_SCOPES.includes(scope))
    throw new GeckoError(`--seed-scope must be one of ${SEED_SCOPES.join(', ')} (got '${scope}')`);
  const arms = resolveArms(spec, opts.preset, opts.overrides ?? {}); // every arm's config checked before any work
  // the default scope keeps the folder names of ablations run before the switch
  const id = hashOf({
    spec: spec.name,
    preset: opts.preset,
    overrides: opts.overrides ?? {},
    ...(scope === 'all' ? { seedScope: scope } : {}),
  }).slice(0, 8);
  const out = opts.out ?? join(runsDir(), `ablate-${spec.name}-${opts.preset}-${id}`);
  // one ablation per folder: a second one on it is refused before it redoes any job
  claimOutputDir(out, opts.out ? '--out' : 'the ablation folder', 'gecko ablate');
  const checked = new Set<string>();
  for (const { resolved } of arms) {
    const c = resolved.config;
    const key = JSON.stringify([c.seed, c.pretrain.corpora, c.seeding.corpus, c.finetune.mixture, c.data]);
    if (!checked.has(key)) leakPreflight(c); // the text-level leak guard, for every distinct arm
    checked.add(key);
  }
  const base = arms[0]!.resolved.config;
  const seeds = ablationSeeds(base.seed, opts.seeds);
  const dims = base.eval.dims;
  const seedVaries = seedVariesOf(spec, scope);
  log.info(
    `gecko ablate ${spec.name} (${spec.mirrors}): ${arms.length} arms x ${seeds.length} seeds (${seeds.join(', ')}) on the ${opts.preset} preset -> ${out}`,
  );
  log.info(`seed scope ${scope}: a seed varies ${seedVaries.join(', ')}; ${seedSharedOf(scope)}`);
  if (opts.seeds < 3)
    log.warn(`${opts.seeds} seeds: intervals over seeds are very wide; use --seeds 3 or more for a real run`);

  const backend = await selectBackend();
  log.info(`backend: ${backend.name} (${backend.reason})`);
  const jobsPath = join(out, 'jobs.jsonl');
  const bar =
    opts.progress === false ? undefined : progress(`ablate ${spec.name}`, arms.length * seeds.length, 'arm-seeds');
  const items: ItemRow[] = [];
  const jobs: JobRecord[] = [];
  for (const seed of seeds) {
    for (const { arm, resolved } of arms) {
      const job = await runJob(spec, arm.name, resolved.config, seed, scope);
      if (job.ran.length) appendJsonl(jobsPath, [job]);
      jobs.push(job);
      for (const [task, rows] of readStageItems(job.evalDir, spec.tasks, dims))
        for (const r of rows) items.push({ task, item: r.item, arm: arm.name, seed, score: r.score });
      bar?.tick(
        1,
        `${arm.name} seed ${seed}: ran ${job.ran.join(', ') || 'nothing (done)'} in ${job.seconds.toFixed(0)} s`,
      );
    }
  }
  bar?.done();
  writeJsonl(join(out, 'items.jsonl'), items);
  const result = analyse(spec, items, {
    preset: opts.preset,
    seeds,
    seedScope: scope,
    seedVaries,
    out,
    jobs: readJsonlTolerant<JobRecord>(jobsPath),
    inDomain: [...new Set(arms.flatMap((a) => inDomainTasks(a.resolved.config.finetune.mixture)))],
  });
  result.backend = backend.name;
  writeJson(join(out, 'results.json'), result);
  return result;
}

/**
 * Tasks scored on the same items in the same order: one task at several widths ('<task>@<dim>'
 * keys with identical item ids); their item effects are shared (pairedIntervals' sameItems).
 * @example sameItemGroups({ 'STS@128': ['a', 'b'], 'STS@16': ['a', 'b'], SciFact: ['q'] }) // [['STS@128', 'STS@16']]
 */
export function sameItemGroups(ids: Readonly<Record<string, readonly string[]>>): string[][] {
  const byBase = new Map<string, string[]>();
  for (const t of Object.keys(ids)) {
    const base = t.split('@')[0]!;
    byBase.set(base, [...(byBase.get(base) ?? []), t]);
  }
  const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  return [...byBase.values()].filter((g) => g.length > 1 && g.every((t) => same(ids[t]!, ids[g[0]!]!)));
}

/**
 * Intervals from per-item rows (also for rows read back from a finished ablation's items.jsonl).
 * @example const r = analyse(spec, readJsonl('runs/ablate-.../items.jsonl'), { preset: 'demo', seeds: [1234, 1235, 1236], ... })
 */
export function analyse(
  spec: AblationSpec,
  items: readonly ItemRow[],
  o: {
    preset: string;
    seeds: number[];
    seedScope?: SeedScope;
    seedVaries: string[];
    out: string;
    jobs: JobRecord[];
    inDomain?: readonly string[];
  },
): AblationResult {
  const tasks = [...new Set(items.map((r) => r.task))];
  // score[arm][task][seed] = Map item -> score
  const idx = new Map<string, Map<string, number>>();
  const key = (arm: string, task: string, seed: number) => `${arm}\u0000${task}\u0000${seed}`;
  for (const r of items) {
    const k = key(r.arm, r.task, r.seed);
    if (!idx.has(k)) idx.set(k, new Map());
    idx.get(k)!.set(r.item, r.score);
  }
  const meanOf = (m: Map<string, number> | undefined) => {
    if (!m || m.size === 0) return NaN;
    let s = 0;
    for (const v of m.values()) s += v;
    return s / m.size;
  };
  const arms: ArmResult[] = spec.arms.map((arm) => {
    const perTask: Record<string, Interval> = {};
    for (const t of tasks) perTask[t] = tInterval(o.seeds.map((s) => meanOf(idx.get(key(arm.name, t, s)))));
    const average = tInterval(
      o.seeds.map((s) => tasks.reduce((acc, t) => acc + meanOf(idx.get(key(arm.name, t, s))), 0) / tasks.length),
    );
    const seconds: Record<string, number> = {};
    for (const j of o.jobs.filter((j) => j.arm === arm.name))
      seconds[String(j.seed)] = (seconds[String(j.seed)] ?? 0) + j.seconds;
    const res: ArmResult = { arm: arm.name, note: arm.note, perTask, average, seconds };
    if (arm.name !== spec.reference) {
      const diffs: Record<string, number[][]> = {};
      const sharedIds: Record<string, string[]> = {};
      for (const t of tasks) {
        const ids = [...(idx.get(key(spec.reference, t, o.seeds[0]!))?.keys() ?? [])].sort();
        const shared = ids.filter((i) =>
          o.seeds.every((s) => idx.get(key(arm.name, t, s))?.has(i) && idx.get(key(spec.reference, t, s))?.has(i)),
        );
        if (shared.length === 0) throw new GeckoError(`task ${t}: arm ${arm.name} and reference share no scored items`);
        sharedIds[t] = shared;
        diffs[t] = o.seeds.map((s) =>
          shared.map((i) => idx.get(key(arm.name, t, s))!.get(i)! - idx.get(key(spec.reference, t, s))!.get(i)!),
        );
      }
      res.vsReference = pairedIntervals(diffs, { sameItems: sameItemGroups(sharedIds) });
    }
    return res;
  });
  return {
    spec: spec.name,
    mirrors: spec.mirrors,
    question: spec.question,
    preset: o.preset,
    seeds: o.seeds,
    seedScope: o.seedScope ?? 'finetune',
    seedVaries: o.seedVaries,
    reference: spec.reference,
    tasks,
    method: METHOD,
    arms,
    out: o.out,
    jobs: o.jobs,
    standIn: spec.standIn,
    // task keys carry '@<dim>' when a spec scores several widths
    inDomain: tasks.filter((t) => o.inDomain?.includes(t.split('@')[0]!)),
  };
}
