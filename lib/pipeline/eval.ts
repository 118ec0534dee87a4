// Evaluation for a run, in one call: the run's tasks, dimensions and sub-sampling caps,
// result files under <run>/eval/ (reused when they exist with the same eval config), and
// the embedding cache shared across runs. Plus the mapping from score rows to plot records.
import type { RunContext } from '../runs/run';
import { evaluate, type EvaluateReport } from '../eval/evaluate';
import { closeModel, resolveModel } from '../eval/models';
import type { ExperimentConfig } from '../config/schema';
import type { ScoreRow } from '../eval/results';
import type { EvalModel } from '../eval/runners/context';
import { selectTasks, TASK_NAMES } from '../eval/tasks/registry';
import type { ScoreRecord } from '../plots/eval';
import { inDomainTasks } from '../mixture/build';

export interface RunEvalOptions {
  /** Task names or types (default: config eval.tasks). */
  tasks?: readonly string[];
  /** Prefix dimensions for dense models (default: config eval.dims; baselines such as hash:D score the ones <= D). */
  dims?: readonly number[];
  /** Write per-item scores beside the result files (eval/item-scores.ts). */
  items?: boolean;
  /** Progress with ETA (stderr, or one updating line in a notebook); default true. GECKO_PROGRESS=off silences it. */
  progress?: boolean;
}

/**
 * Evaluate a model ('bm25', 'hash:DIM', 'openai:NAME', a checkpoint folder, or an EvalModel)
 * with the run's eval settings (a model given as a string is closed afterwards); results go to <run>/eval/<model>/<dim>/<Task>.json.
 * @example const bm25 = await evaluateForRun(ctx, 'bm25'); showTable(summaryRecords(bm25.rows));
 */
export async function evaluateForRun(
  ctx: Pick<RunContext, 'config' | 'path' | 'log'>,
  model: string | EvalModel,
  opts: RunEvalOptions = {},
): Promise<EvaluateReport> {
  const m = typeof model === 'string' ? await resolveModel(model) : model;
  const cfg = ctx.config.eval;
  try {
    return await evaluate({
      model: m,
      tasks: selectTasks(opts.tasks ?? cfg.tasks),
      dims: m.kind === 'bm25' ? [] : [...(opts.dims ?? cfg.dims)],
      outDir: ctx.path('eval'),
      batchSize: cfg.batchSize,
      items: opts.items,
      progress: opts.progress ?? true,
      format: ctx.config.format,
      subsample: {
        maxQueries: cfg.maxQueries,
        maxCorpus: cfg.maxCorpus,
        maxTrain: cfg.maxTrain,
        maxTest: cfg.maxTest,
        seed: ctx.config.seed,
      },
    });
  } finally {
    if (typeof model === 'string') await closeModel(m); // we started it (worker threads of our encoder)
  }
}

/**
 * Evaluate several models (checkpoint folders or model specs) and name them in the rows by
 * their label instead of their id.
 * @example const rows = await evaluateModels(ctx, { 'pretrained (MLM)': pre.checkpoint, 'pre-finetuned': pft.checkpoint }, { tasks: ['STS'] });
 */
export async function evaluateModels(
  ctx: Pick<RunContext, 'config' | 'path' | 'log'>,
  models: Readonly<Record<string, string>>,
  opts: RunEvalOptions = {},
): Promise<ScoreRow[]> {
  const rows: ScoreRow[] = [];
  for (const [label, spec] of Object.entries(models)) {
    const report = await evaluateForRun(ctx, spec, opts);
    rows.push(...report.rows.map((r) => ({ ...r, model: label })));
  }
  return rows;
}

/**
 * The dimensions of the Matryoshka ablation: the config's eval dims, the trained Matryoshka
 * dims and the full width, largest first.
 * @example ablationDims(resolveConfig('smoke').config) // [32, 16, 8]
 */
export function ablationDims(cfg: Readonly<ExperimentConfig>): number[] {
  return [...new Set([cfg.encoder.dModel, ...cfg.eval.dims, ...cfg.finetune.matryoshkaDims])]
    .filter((d) => d <= cfg.encoder.dModel)
    .sort((a, b) => b - a);
}

/**
 * Score rows as plot records, in the registry's task order (rows without a score, e.g. BM25 on STS, are left out).
 * `label` renames models, e.g. { 'hash:32': 'bag of words (hash, 32-d)' }.
 * @example show(scoreBars(scoreRecords([...bm25.rows, ...gecko.rows]).filter((r) => r.dims === undefined || r.dims === 32)))
 */
export function scoreRecords(rows: readonly ScoreRow[], label: Readonly<Record<string, string>> = {}): ScoreRecord[] {
  return inTaskOrder(rows.filter((r) => r.main_score !== null)).map((r) => ({
    task: r.task,
    model: label[r.model] ?? r.model,
    score: r.main_score!,
    ...(r.dim === null ? {} : { dims: r.dim }),
  }));
}

/** A copy sorted by the task registry's order (stable; unknown tasks last). */
export function inTaskOrder<T extends { task: string }>(items: readonly T[]): T[] {
  const order = (t: string) => {
    const i = TASK_NAMES.indexOf(t);
    return i < 0 ? TASK_NAMES.length : i;
  };
  return items.slice().sort((a, b) => order(a.task) - order(b.task));
}

/**
 * Keep each model's scores at its largest dimension (BM25 has none and is kept), so a
 * per-task bar chart compares models at full size.
 * @example show(scoreBars(atFullSize(scoreRecords(rows))))
 */
export function atFullSize(records: readonly ScoreRecord[]): ScoreRecord[] {
  const full = new Map<string, number>();
  for (const r of records) if (r.dims !== undefined) full.set(r.model, Math.max(full.get(r.model) ?? 0, r.dims));
  return records.filter((r) => r.dims === undefined || r.dims === full.get(r.model));
}

/**
 * The tasks a model fine-tuned with this config is in-domain on (their training split is in the
 * mixture): pass them to summaryRecords / categoryAverages so averages mark them.
 * @example showTable(summaryRecords(rows, inDomainOf(ctx.config)))
 */
export function inDomainOf(config: Readonly<ExperimentConfig>): string[] {
  return inDomainTasks(config.finetune.mixture);
}
