// Results: one JSON file per (model, dimension, task) in mteb's result layout, plus summary
// rows, category averages and a danfojs table. The layout is mteb's own (checked against the
// loaders of mteb 1.14.17 and 2.20.0; see test/eval/mteb-layout.test.ts):
//   <out>/<model>/<revision>/<Task>.json           a task of MTEB (mteb's TaskResult + our keys)
//   <out>/<model>/<revision>/model_meta.json       mteb's ModelMeta: name and revision
//   <out>/<model>/<revision>/not-mteb/<Task>.json  one of our six tasks that mteb does not have
// <model> is `gecko-workbench__<model id slug>` (mteb's folder for the name
// `gecko-workbench/<slug>`), and <revision> is the dimension label, `d<dim>` for embeddings and
// `lexical` for BM25: each Matryoshka prefix is its own model to mteb. mteb's loaders read
// `<model>/<revision>/*.json` only, so the non-MTEB tasks, one folder down, are skipped
// without an error; their files say so (`mteb_coverage`).
import { join } from 'node:path';
import { hashOf, sha256 } from '../core/hash';
import { producedBy, type Producer } from '../core/version';
import { readJson, existsSync, writeJson } from '../core/fs';
import { readdirSync, statSync } from 'node:fs';
import { getDataset } from '../data/registry';
import type { DimScores } from './runners/context';
import { mtebTask } from './tasks/mteb';
import { TASK_TYPES, type TaskMeta, type TaskType } from './tasks/types';

/** What mteb evaluates of a task and what this file scores of it (lib/eval/tasks/mteb.ts). */
export type MtebCoverage =
  | {
      in_mteb: true;
      /** mteb's dataset and revision (we read our own copy: `dataset_revision` is its hash). */
      mteb_dataset: { path: string; revision: string };
      /** mteb's eval splits and subsets (2.20.0; `eval_splits_mteb_1_14` where 1.14.17 differs). */
      eval_splits: string[];
      eval_splits_mteb_1_14?: string[];
      hf_subsets: string[];
      /** Split -> subsets scored in this file. */
      scored: Record<string, string[]>;
      /** Split -> subsets of mteb's task not scored here (empty when none). */
      not_scored: Record<string, string[]>;
      /** Why only some were run, or how our split differs from mteb's (absent: none). */
      why?: string;
      /** eval_config's caps: 0 = the whole split; a capped score is not comparable with mteb's. */
      note: string;
    }
  | { in_mteb: false; why: string };

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
  scores: Record<string, ({ main_score: number; hf_subset: string; languages: string[] } & Record<string, unknown>)[]>;
  /** Which of mteb's splits and subsets this file holds, and why not the rest (or: not an MTEB task). */
  mteb_coverage: MtebCoverage;
  /** Extra: embedding dimension the scores were measured at (null for BM25). */
  dim: number | null;
  model: string;
  task_type: TaskType;
  /** The data split actually scored (the `scores` key is mteb's split name, 'test'). */
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
 * The mteb release whose result layout these files follow: TaskResult's keys {dataset_revision,
 * task_name, mteb_version, scores: {<split>: [{main_score, hf_subset, languages, ...metrics}]},
 * evaluation_time, kg_co2_emissions}, read by mteb 1.14.17 and 2.20.0 alike (both ignore our
 * extra keys: dim, model, task_type, eval_split, eval_config, produced_by, mteb_coverage). At or
 * above 1.12.48, so mteb's loader applies none of its fixes for older files.
 */
export const MTEB_LAYOUT_VERSION = '2.20.0';
const PRODUCER_NOTE = 're-implementation of MTEB scoring; not the mteb package';

/** The organisation part of the model names written to model_meta.json. */
export const MTEB_MODEL_ORG = 'gecko-workbench';
/** The sub-folder of a revision folder that holds the tasks mteb does not have. */
export const NOT_MTEB_FOLDER = 'not-mteb';

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
/** The model name mteb reads from model_meta.json. @example mtebModelName('ckpt:51d0') // 'gecko-workbench/ckpt_51d0' */
export const mtebModelName = (id: string) => `${MTEB_MODEL_ORG}/${modelSlug(id)}`;
/** A model's folder: mteb's path form of its name ('/' -> '__'). @example modelFolder('bm25') // 'gecko-workbench__bm25' */
export const modelFolder = (id: string) => mtebModelName(id).replace('/', '__');

/** The folder of one task's files (result, per-item scores, TREC) inside a model folder. */
export function taskDir(modelDir: string, dim: number | null, task: string): string {
  const rev = join(modelDir, dimLabel(dim));
  return mtebTask(task).inMteb ? rev : join(rev, NOT_MTEB_FOLDER);
}

/**
 * Where a result file goes.
 * @example resultPath('out', 'bm25', null, 'SciFact') // out/gecko-workbench__bm25/lexical/SciFact.json
 * @example resultPath('out', 'bm25', null, 'CISI') // out/gecko-workbench__bm25/lexical/not-mteb/CISI.json
 */
export function resultPath(outDir: string, modelId: string, dim: number | null, task: string): string {
  return join(taskDir(join(outDir, modelFolder(modelId)), dim, task), `${task}.json`);
}

/** Which of mteb's splits and subsets a result of `task` holds. */
export function mtebCoverage(task: string): MtebCoverage {
  const m = mtebTask(task);
  if (!m.inMteb)
    return {
      in_mteb: false,
      why: `${m.why}. Written under ${NOT_MTEB_FOLDER}/, below the folder mteb's loaders read (<model>/<revision>/*.json), so they skip it`,
    };
  const subsets = Object.keys(m.subsets);
  const notScored: Record<string, string[]> = {};
  for (const split of m.evalSplits) {
    const missing = subsets.filter((s) => !(split === m.scored.split && s === m.scored.subset));
    if (missing.length) notScored[split] = missing;
  }
  return {
    in_mteb: true,
    mteb_dataset: { ...m.hfDataset },
    eval_splits: [...m.evalSplits],
    ...(m.evalSplits1_14 ? { eval_splits_mteb_1_14: [...m.evalSplits1_14] } : {}),
    hf_subsets: subsets,
    scored: { [m.scored.split]: [m.scored.subset] },
    not_scored: notScored,
    ...(m.why ? { why: m.why } : {}),
    note: "eval_config gives the sub-sampling caps (0 = the whole split); a capped score is not comparable with mteb's",
  };
}

/** Build the MTEB-format record of one task at one dimension. */
export function toMtebResult(
  task: TaskMeta,
  modelId: string,
  ds: DimScores,
  seconds: number,
  evalConfig: Record<string, unknown>,
): MtebResult {
  const m = mtebTask(task.name);
  const split = m.inMteb ? m.scored.split : 'test';
  const subset = m.inMteb ? m.scored.subset : 'default';
  const languages = m.inMteb ? [...m.subsets[subset]!] : ['eng-Latn'];
  return {
    dataset_revision: datasetRevision(task.dataset),
    mteb_version: MTEB_LAYOUT_VERSION,
    produced_by: { ...producedBy(), note: PRODUCER_NOTE },
    task_name: task.name,
    evaluation_time: Math.round(seconds * 1000) / 1000,
    kg_co2_emissions: null,
    scores: { [split]: [{ ...ds.scores, main_score: ds.main_score, hf_subset: subset, languages }] },
    mteb_coverage: mtebCoverage(task.name),
    dim: ds.dim,
    model: modelId,
    task_type: task.type,
    eval_split: task.evalSplit,
    eval_config: evalConfig,
    eval_config_hash: hashOf(evalConfig),
  };
}

/**
 * The model_meta.json of one revision folder: mteb 2.20.0's ModelMeta.to_dict() keys and no
 * others (ModelMeta forbids extra keys), with what we know; null is mteb's "unknown".
 * `experiment_kwargs` stays null: mteb 2.x's ResultCache.load_results skips a folder whose
 * model_meta.json names experiment kwargs unless the caller asks for that experiment.
 */
export function modelMeta(modelId: string, dim: number | null): Record<string, unknown> {
  const lexical = dim === null;
  return {
    loader_kwargs: {},
    name: mtebModelName(modelId),
    revision: dimLabel(dim),
    release_date: null,
    languages: ['eng-Latn'],
    n_parameters: null,
    n_active_parameters_override: null,
    n_embedding_parameters: null,
    memory_usage_mb: null,
    max_tokens: null,
    embed_dim: dim,
    license: null,
    open_weights: null,
    public_training_code: null,
    public_training_data: null,
    framework: [],
    reference: null,
    similarity_fn_name: lexical ? null : 'cosine',
    use_instructions: lexical ? null : true, // dense models get the task prompts (App. C)
    training_datasets: null,
    adapted_from: null,
    superseded_by: null,
    modalities: ['text'],
    model_type: [lexical ? 'sparse' : 'dense'],
    citation: null,
    contacts: null,
    experiment_kwargs: null,
    output_dtypes: null,
    extra_requirements_groups: null,
    loader: null,
    is_cross_encoder: false,
  };
}

/** The per-item scores beside a result file: <Task>.items.jsonl ({item, score} rows; see eval/item-scores.ts). */
export function itemsPath(outDir: string, modelId: string, dim: number | null, task: string): string {
  return resultPath(outDir, modelId, dim, task).replace(/\.json$/, '.items.jsonl');
}

/** Write a result file and its revision folder's model_meta.json. */
export function writeResult(outDir: string, r: MtebResult): string {
  const path = resultPath(outDir, r.model, r.dim, r.task_name);
  writeJson(join(outDir, modelFolder(r.model), dimLabel(r.dim), 'model_meta.json'), modelMeta(r.model, r.dim));
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

/** The main score of a result file (its first split's first subset), if it has one. */
export function mainScoreOf(r: Partial<Pick<MtebResult, 'scores'>>): number | undefined {
  const s = Object.values(r.scores ?? {})[0]?.[0]?.main_score;
  return typeof s === 'number' ? s : undefined;
}

/**
 * Every result file under a results folder (gecko eval's --out): <model>/<revision>/*.json and
 * <model>/<revision>/not-mteb/*.json, model_meta.json left out; sorted.
 * @example resultFiles('runs/x/eval').map((p) => readJson<MtebResult>(p))
 */
export function resultFiles(evalDir: string): string[] {
  const dirs = (d: string) =>
    existsSync(d)
      ? readdirSync(d)
          .filter((x) => statSync(join(d, x)).isDirectory())
          .sort()
      : [];
  const jsons = (d: string) =>
    readdirSync(d)
      .filter((f) => f.endsWith('.json') && f !== 'model_meta.json')
      .sort()
      .map((f) => join(d, f));
  const out: string[] = [];
  for (const model of dirs(evalDir))
    for (const rev of dirs(join(evalDir, model))) {
      const dir = join(evalDir, model, rev);
      out.push(...jsons(dir));
      if (existsSync(join(dir, NOT_MTEB_FOLDER))) out.push(...jsons(join(dir, NOT_MTEB_FOLDER)));
    }
  return out;
}

export function rowOf(r: MtebResult, task: TaskMeta): ScoreRow {
  return {
    model: r.model,
    task: r.task_name,
    type: task.type,
    dim: r.dim,
    main_score: mainScoreOf(r)!,
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
