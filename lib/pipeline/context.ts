// A context whose stage folders are content-addressed (see stages.ts): ctx.path('pretrain', ...)
// resolves to <cache>/stages/pretrain-<hash>/..., and, when the context belongs to a run folder,
// <run>/pretrain is a link to it. The stage helpers (fretForRun, pretrainForRun, ...) take any
// context; given a pipeline context they read back a finished stage, record what ran, and give
// each stage its own seed. Notebooks, the demo, the CLI and `gecko ablate` all build one.
import { join } from 'node:path';
import type { ExperimentConfig } from '../config/schema';
import { ensureDir } from '../core/fs';
import { silentLogger, type Logger } from '../core/log';
import type { RunContext } from '../runs/run';
import {
  linkStage,
  runStage,
  stagePlan,
  STAGE_NAMES,
  stageSeed,
  type StageFolder,
  type StageName,
  type StagePlan,
  type StageSeeds,
  verifyStage,
} from './stages';

/** What the stage helpers need from a context. */
export type StageCtx = Pick<RunContext, 'config' | 'path' | 'log'>;

export interface PipelineContext extends StageCtx {
  plan: StagePlan;
  seeds: StageSeeds;
  /** The run folder the stages are linked into (none for an ablation arm). */
  runDir?: string;
}

export interface PipelineOptions {
  seeds?: StageSeeds;
  /** Link stage folders into this run folder; names that are not stages resolve inside it. */
  runDir?: string;
  /** Use these folders instead of the content-addressed ones (e.g. `gecko fret --out DIR`). */
  dirs?: Partial<Record<StageFolder, string>>;
  log?: Logger;
  /** Root of the stage folders (default <cache>/stages). */
  root?: string;
}

const FOLDERS = new Set<string>([...STAGE_NAMES.filter((s) => s !== 'eval'), 'finetune-plain']);

/**
 * A pipeline context for a config. Without runDir, 'eval' resolves to the model's eval stage folder;
 * with runDir, evaluation results stay in <run>/eval (a run's own view of what it scored).
 * @example const ctx = pipelineContext(resolveConfig('smoke').config, { seeds: { finetune: 2 } }); await finetuneForRun(ctx);
 */
export function pipelineContext(config: Readonly<ExperimentConfig>, opts: PipelineOptions = {}): PipelineContext {
  const plan = stagePlan(config, opts.seeds ?? {}, opts.root);
  for (const [k, d] of Object.entries(opts.dirs ?? {})) plan[k as StageFolder] = { ...plan[k as StageFolder], dir: d! };
  const scratch = opts.runDir ?? join(plan.eval.dir, '..', 'scratch');
  return {
    config,
    plan,
    seeds: opts.seeds ?? {},
    runDir: opts.runDir,
    log: opts.log ?? silentLogger,
    path: (first: string, ...rest: string[]) => {
      let base: string;
      if (FOLDERS.has(first) || (first === 'eval' && !opts.runDir)) {
        const key = plan[first as StageFolder];
        if (opts.runDir && first !== 'eval') linkStage(opts.runDir, first, key.dir);
        verifyStage(key.dir); // a finished stage is read back only once its files match stage.json
        base = key.dir;
      } else base = join(scratch, first);
      const p = join(base, ...rest);
      ensureDir(join(p, '..'));
      return p;
    },
  };
}

/**
 * A run's context with content-addressed stages: the same RunContext (id, dir, rng, backend),
 * its stage folders linked into the run folder.
 * @example const ctx = withStages(await startRun(resolved)); await fretForRun(ctx);
 */
export function withStages<T extends RunContext>(run: T, seeds: StageSeeds = {}): T & PipelineContext {
  const p = pipelineContext(run.config, { seeds, runDir: run.dir, log: run.log });
  return { ...run, plan: p.plan, seeds: p.seeds, runDir: run.dir, path: p.path };
}

export function isPipeline(ctx: StageCtx): ctx is PipelineContext {
  return 'plan' in ctx && !!(ctx as PipelineContext).plan;
}

/** The context a stage runs in: the config's seed replaced by the stage's seed. */
export function stageView(ctx: StageCtx, stage: StageName): StageCtx {
  if (!isPipeline(ctx)) return ctx;
  const seed = stageSeed(ctx.config, stage, ctx.seeds);
  return seed === ctx.config.seed ? ctx : { ...ctx, config: { ...ctx.config, seed } };
}

/**
 * Run a stage helper's body as a recorded, content-addressed stage (a plain context just runs it).
 * @example return asStage(ctx, 'pretrain', () => pretrainBody(stageView(ctx, 'pretrain')));
 */
export function asStage<T>(ctx: StageCtx, folder: StageFolder, fn: () => Promise<T> | T): Promise<T> {
  if (!isPipeline(ctx)) return Promise.resolve(fn());
  return runStage(ctx.plan[folder], folder, fn);
}
