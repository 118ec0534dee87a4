// Results: one JSON file per (model, dimension, task) in MTEB's result format, plus summary
// rows, category averages and a danfojs table. Layout: <out>/<model>/<dim label>/<Task>.json
// where the dim label is `d<dim>` for embeddings and `lexical` for BM25.
import { join } from 'node:path';
import { hashOf, sha256 } from '../core/hash';
import { producedBy, type Producer } from '../core/version';
import { readJson, existsSync, writeJson } from '../core/fs';
import { getDataset } from '../data/registry';
import type { DimScores } from './runners/context';
import { TASK_TYPES, type TaskMeta, type TaskType } from './tasks/types';

/** MTEB's per-task result file, with our extra fields (dim, model, eval_config, ...). */
export interface MtebResult {
  dataset_revision: string;
  /**
   * The mteb release whose result-file layout this file mirrors (MTEB_LAYOUT_VERSION), so tools
   * that parse it as a version (mteb's own loader does) read it. It does not mean mteb produced
   * the file: `produced_by` says what did.
   */
  mteb_version: string;
  /** What produced the file: the workbench's version and git commit (we are not the mteb package). */
  produced_by: Producer & { note: string };
  task_name: string;
  evaluation_time: number;
  kg_co2_emissions: null;
  scores: Record<
    string,
    ({ main_score: number; hf_subset: 'default'; languages: string[] } & Record<string, unknown>)[]
  >;
  /** Extra: embedding dimension the scores were measured at (null for BM25). */
  dim: number | null;
  model: string;
  task_type: TaskType;
  /** The data split actually scored (MTEB's key is always 'test'). */
  eval_split: string;
  /** Sub-sampling caps and seed; files with another eval_config are recomputed. */
  eval_config: Record<string, unknown>;
  eval_config_hash: string;
}

/** One summary row. */
export interface ScoreRow {
  model: string;
  task: string;
  type: TaskType;
  dim: number | null;
  main_score: number | null;
  metric: string;
  note?: string;
}

/**
 * The mteb release whose per-task result layout (mteb's TaskResult) these files mirror:
 * {dataset_revision, task_name, mteb_version, scores: {<split>: [{main_score, hf_subset,
 * languages, ...metrics}]}, evaluation_time, kg_co2_emissions}. mteb 1.14.x writes exactly
 * these keys; our extra keys (dim, model, task_type, eval_split, eval_config, produced_by) sit
 * beside them.
 */
export const MTEB_LAYOUT_VERSION = '1.14.17';
const PRODUCER_NOTE = 're-implementation of MTEB scoring; not the mteb package';

/** sha256 prefix of the data set's files as listed in lib/data/registry.ts: our stand-in for an HF revision. */
export function datasetRevision(dataset: string): string {
  return (
    'sha256:' +
    sha256(
      getDataset(dataset)
        .files.map((f) => `${f.path}:${f.sha256}`)
        .join('\n'),
    ).slice(0, 16)
  );
}

export const dimLabel = (dim: number | null) => (dim === null ? 'lexical' : `d${dim}`);
export const modelSlug = (id: string) => id.replace(/[^A-Za-z0-9._-]+/g, '_');

/** Where a result file goes. @example resultPath('out', 'bm25', null, 'SciFact') // out/bm25/lexical/SciFact.json */
export function resultPath(outDir: string, modelId: string, dim: number | null, task: string): string {
  return join(outDir, modelSlug(modelId), dimLabel(dim), `${task}.json`);
}

/** Build the MTEB-format record of one task at one dimension. */
export function toMtebResult(
  task: TaskMeta,
  modelId: string,
  ds: DimScores,
  seconds: number,
  evalConfig: Record<string, unknown>,
): MtebResult {
  return {
    dataset_revision: datasetRevision(task.dataset),
    mteb_version: MTEB_LAYOUT_VERSION,
    produced_by: { ...producedBy(), note: PRODUCER_NOTE },
    task_name: task.name,
    evaluation_time: Math.round(seconds * 1000) / 1000,
    kg_co2_emissions: null,
    scores: { test: [{ ...ds.scores, main_score: ds.main_score, hf_subset: 'default', languages: ['eng-Latn'] }] },
    dim: ds.dim,
    model: modelId,
    task_type: task.type,
    eval_split: task.evalSplit,
    eval_config: evalConfig,
    eval_config_hash: hashOf(evalConfig),
  };
}

/** The per-item scores beside a result file: <Task>.items.jsonl ({item, score} rows; see eval/item-scores.ts). */
export function itemsPath(outDir: string, modelId: string, dim: number | null, task: string): string {
  return resultPath(outDir, modelId, dim, task).replace(/\.json$/, '.items.jsonl');
}

export function writeResult(outDir: string, r: MtebResult): string {
  const path = resultPath(outDir, r.model, r.dim, r.task_name);
  writeJson(path, r);
  return path;
}

/** A finished result with the same eval config, if one is on disk. */
export function readExistingResult(
  outDir: string,
  modelId: string,
  dim: number | null,
  task: string,
  evalConfig: Record<string, unknown>,
): MtebResult | undefined {
  const path = resultPath(outDir, modelId, dim, task);
  if (!existsSync(path)) return undefined;
  const r = readJson<MtebResult>(path);
  return r.eval_config_hash === hashOf(evalConfig) ? r : undefined;
}

export function rowOf(r: MtebResult, task: TaskMeta): ScoreRow {
  return {
    model: r.model,
    task: r.task_name,
    type: task.type,
    dim: r.dim,
    main_score: r.scores.test![0]!.main_score,
    metric: task.mainScore,
  };
}

export interface CategoryAverage {
  model: string;
  dim: number | null;
  /** Mean main score per task type present. */
  categories: Partial<Record<TaskType, number>>;
  /** Mean over tasks (MTEB's average). */
  mean: number;
  /** Mean over the category averages. */
  meanOfCategories: number;
  tasks: number;
  /** Tasks in this average whose training split was in the model's training data (their scores are in-domain). */
  inDomain: string[];
  /** Mean over the other tasks (null when every task is in-domain); equals `mean` when none is. */
  meanOutOfDomain: number | null;
}

/**
 * Average main scores per (model, dim): per category, over tasks, and over categories.
 * Rows without a score (not applicable) are left out. `inDomain` names the tasks whose training
 * split the model trained on (lib/mixture/build.ts inDomainTasks): they are listed with each
 * average, and `meanOutOfDomain` leaves them out.
 * @example categoryAverages(rows, ['Banking77Classification', 'STSBenchmark'])[0].meanOutOfDomain
 */
export function categoryAverages(rows: readonly ScoreRow[], inDomain: readonly string[] = []): CategoryAverage[] {
  const groups = new Map<string, ScoreRow[]>();
  for (const r of rows) {
    if (r.main_score === null) continue;
    const key = JSON.stringify([r.model, r.dim]);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(r);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return [...groups.values()].map((g) => {
    const categories: Partial<Record<TaskType, number>> = {};
    for (const t of TASK_TYPES) {
      const xs = g.filter((r) => r.type === t).map((r) => r.main_score!);
      if (xs.length) categories[t] = mean(xs);
    }
    const outside = g.filter((r) => !inDomain.includes(r.task));
    return {
      model: g[0]!.model,
      dim: g[0]!.dim,
      categories,
      mean: mean(g.map((r) => r.main_score!)),
      meanOfCategories: mean(Object.values(categories)),
      tasks: g.length,
      inDomain: g.filter((r) => inDomain.includes(r.task)).map((r) => r.task),
      meanOutOfDomain: outside.length ? mean(outside.map((r) => r.main_score!)) : null,
    };
  });
}

/**
 * The summary as a danfojs DataFrame: one row per task, then one per category average and the
 * mean; one column per (model, dim). danfojs-node is imported lazily (it loads TF.js).
 * @example (await summaryFrame(report.rows)).print()
 */
export async function summaryFrame(rows: readonly ScoreRow[], digits = 4): Promise<import('danfojs-node').DataFrame> {
  const { DataFrame } = await import('danfojs-node');
  const round = (v: string | number | null) => (typeof v === 'number' ? Number(v.toFixed(digits)) : v);
  return new DataFrame(
    summaryRecords(rows).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, round(v)]))),
  );
}

/** Column name of a (model, dim) pair in the summary. */
export const summaryColumn = (model: string, dim: number | null) => `${model} ${dimLabel(dim)}`;

/**
 * The summary table as plain records (what summaryFrame shows; also in summary.json):
 * rows = tasks, 'avg <Category>' and 'mean'; columns = 'task' and one per (model, dim).
 * Tasks in `inDomain` are labelled '<task> (in-domain)', and a last row gives the mean without
 * them. Not-applicable cells are null.
 */
export function summaryRecords(
  rows: readonly ScoreRow[],
  inDomain: readonly string[] = [],
): Record<string, string | number | null>[] {
  const tasks = [...new Set(rows.map((r) => r.task))];
  const averages = categoryAverages(rows, inDomain);
  const columns = averages.map((a) => ({ a, name: summaryColumn(a.model, a.dim) }));
  const marked = tasks.filter((t) => inDomain.includes(t));
  const out: Record<string, string | number | null>[] = tasks.map((t) => {
    const rec: Record<string, string | number | null> = { task: inDomain.includes(t) ? `${t} (in-domain)` : t };
    for (const { a, name } of columns)
      rec[name] = rows.find((r) => r.model === a.model && r.dim === a.dim && r.task === t)?.main_score ?? null;
    return rec;
  });
  for (const t of TASK_TYPES) {
    if (!columns.some(({ a }) => a.categories[t] !== undefined)) continue;
    out.push({
      task: `avg ${t}`,
      ...Object.fromEntries(columns.map(({ a, name }) => [name, a.categories[t] ?? null])),
    });
  }
  out.push({ task: 'mean', ...Object.fromEntries(columns.map(({ a, name }) => [name, a.mean])) });
  if (marked.length)
    out.push({
      task: 'mean, in-domain tasks left out',
      ...Object.fromEntries(columns.map(({ a, name }) => [name, a.meanOutOfDomain])),
    });
  return out;
}

/**
 * The summary records as an aligned plain-text table (the CLI prints this; `n/a` = not applicable).
 * @example console.log(formatSummary(summaryRecords(report.rows)))
 */
export function formatSummary(records: readonly Record<string, string | number | null>[], digits = 4): string {
  if (records.length === 0) return '';
  const cols = Object.keys(records[0]!);
  const cell = (v: string | number | null | undefined) =>
    v === null || v === undefined ? 'n/a' : typeof v === 'number' ? v.toFixed(digits) : v;
  const widths = cols.map((c) => Math.max(c.length, ...records.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) =>
    vals.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  return [
    line(cols),
    line(widths.map((w) => '-'.repeat(w))),
    ...records.map((r) => line(cols.map((c) => cell(r[c])))),
  ].join('\n');
}
