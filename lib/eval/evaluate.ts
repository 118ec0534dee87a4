// evaluate(): run tasks for one model at several dimensions, write MTEB-format result files,
// and return the summary rows. Embeddings are computed once per task at full size (cached on
// disk), then scored at every prefix dimension. A task whose result files already exist with
// the same eval config is read back instead of recomputed, so an interrupted run resumes.
// A model's prompts (an imported e5 / bge checkpoint's) are put before every text here, the one
// place all evaluation passes through (gecko eval, pipeline/eval.ts, the notebooks): see evalPrompt.
import type { LoadOptions } from '../data/loaders';
import type { TextFormat } from '../core/format';
import { silentLogger, type Logger } from '../core/log';
import { progress as startProgress } from '../core/progress';
import { EmbeddingCache, type TextRole } from './embedding-cache';
import { yieldToSignals } from '../core/interrupt';
import { NotApplicableError, type DimScores, type EvalModel, type EvalContext } from './runners/context';
import { runClassification } from './runners/classification';
import { runClustering } from './runners/clustering';
import { runPairClassification } from './runners/pair-classification';
import { runReranking } from './runners/reranking';
import { runRetrieval } from './runners/retrieval';
import { runSts } from './runners/sts';
import { existsSync } from 'node:fs';
import { writeJsonl } from '../core/jsonl';
import {
  itemsPath,
  readExistingResult,
  rowOf,
  toMtebResult,
  writeResult,
  type MtebResult,
  type ScoreRow,
} from './results';
import { writeTrecFiles } from './trec';
import { loadTaskData, type SubsampleOptions, type TaskData } from './task-data';
import type { TaskMeta } from './tasks/types';

export interface EvaluateOptions {
  model: EvalModel;
  tasks: readonly TaskMeta[];
  /** Prefix dimensions (dense models); empty = full size. */
  dims: readonly number[];
  subsample: SubsampleOptions;
  /**
   * The config's eval.batchSize. The embedder is called with chunks of 8 batches, so an
   * embedder that splits its input across worker threads (ours) or concurrent requests
   * (openai) has work for all of them; it batches internally.
   */
  batchSize: number;
  /** Write result files here (none when unset). */
  outDir?: string;
  cache?: EmbeddingCache;
  log?: Logger;
  /** Show progress bars on stderr (core/progress; GECKO_PROGRESS controls the style). */
  progress?: boolean;
  /** Also write per-item scores (<Task>.items.jsonl beside each result file); reuse then needs them too. */
  items?: boolean;
  /** Recompute even when result files with the same config exist. Default false. */
  force?: boolean;
  data?: LoadOptions;
  /** Input format of queries and passages (config `format`; default 'unified'), as the model was trained. */
  format?: TextFormat;
}

export interface EvaluateReport {
  rows: ScoreRow[];
  results: MtebResult[];
  files: string[];
  /** TREC run and qrels files written beside the retrieval results (see trec.ts). */
  trecFiles: string[];
  notApplicable: { task: string; why: string }[];
  /** Texts the model actually encoded in this call (0 on a warm cache). */
  encoded: number;
  seconds: number;
}

/** Run one task's runner on its data. */
export function runTask(task: TaskMeta, data: TaskData, ctx: EvalContext): Promise<DimScores[]> {
  switch (task.type) {
    case 'Retrieval':
      return runRetrieval(task, data as Extract<TaskData, { kind: 'retrieval' }>, ctx);
    case 'Reranking':
      return runReranking(task, data as Extract<TaskData, { kind: 'reranking' }>, ctx);
    case 'STS':
      return runSts(task, data as Extract<TaskData, { kind: 'sts' }>, ctx);
    case 'PairClassification':
      return runPairClassification(task, data as Extract<TaskData, { kind: 'pair' }>, ctx);
    case 'Classification':
      return runClassification(task, data as Extract<TaskData, { kind: 'classification' }>, ctx);
    case 'Clustering':
      return runClustering(task, data as Extract<TaskData, { kind: 'clustering' }>, ctx);
  }
}

const LEXICAL_TYPES = new Set(['Retrieval', 'Reranking']);

/**
 * The prompt put before an eval text of this role: the query prompt before queries, the passage
 * prompt (sentence-transformers' "passage", else "document") before passages, and the query prompt
 * before symmetric 'text' roles (STS, pair classification, classification, clustering). That is
 * what training does (train/contrastive-stage.ts: formatExample puts the query prompt before
 * symmetric targets; the runners format 'text' texts with formatQuery as well) and what e5's
 * model card asks ("query: " for symmetric tasks). '' for a model without prompts.
 * @example evalPrompt({ kind: 'dense', id, embedder, prompts: { query: 'query: ', passage: 'passage: ' } }, 'text') // 'query: '
 */
export function evalPrompt(model: EvalModel, role: TextRole): string {
  if (model.kind !== 'dense' || !model.prompts) return '';
  return role === 'passage' ? model.prompts.passage : model.prompts.query;
}

/**
 * Evaluate a model on tasks at several dimensions.
 * @example
 * const model = await resolveModel('bm25');
 * const report = await evaluate({ model, tasks: selectTasks(['SciFact']), dims: [], subsample, batchSize: 64, outDir: 'results' });
 */
export async function evaluate(opts: EvaluateOptions): Promise<EvaluateReport> {
  const t0 = Date.now();
  const log = opts.log ?? silentLogger;
  const cache = opts.cache ?? new EmbeddingCache();
  const report: EvaluateReport = {
    rows: [],
    results: [],
    files: [],
    trecFiles: [],
    notApplicable: [],
    encoded: 0,
    seconds: 0,
  };
  const prompts = { query: evalPrompt(opts.model, 'query'), passage: evalPrompt(opts.model, 'passage') };
  const evalConfig = (task: TaskMeta) => ({
    ...opts.subsample,
    dims: opts.model.kind === 'bm25' ? [] : [...opts.dims],
    task: task.name,
    prompt: task.prompt,
    // The model's prompts enter the config only when it has some (results without keep their hash;
    // results of a prompted model computed before prompts were applied are recomputed).
    ...(prompts.query || prompts.passage ? { model_prompts: prompts } : {}),
    // Only a non-default format enters the config (results of unified runs keep their hash).
    ...(opts.format && opts.format !== 'unified' ? { format: opts.format } : {}),
  });

  if (opts.model.kind === 'dense') {
    // our encoder says which runtime encodes (onnxruntime or TF.js) and why
    const e = opts.model.embedder as { runtime?: string; runtimeReason?: string };
    if (e.runtime) log.info(`${opts.model.id}: encoding on ${e.runtime} (${e.runtimeReason ?? ''})`);
    if (prompts.query || prompts.passage)
      log.info(
        `${opts.model.id}: its prompts go before the texts: ${JSON.stringify(prompts.query)} before queries and symmetric texts, ${JSON.stringify(prompts.passage)} before passages`,
      );
  }
  // One bar over the tasks (ETA from the tasks done so far); each task's encoding adds its own bar beside it.
  const overall = opts.progress ? startProgress(`eval ${opts.model.id}`, opts.tasks.length, 'tasks') : undefined;
  try {
    for (const task of opts.tasks) {
      await yieldToSignals(0); // Ctrl-C between tasks stops now, even when every task is served from cache
      overall?.tick(0, task.name);
      await evaluateTask(task);
      overall?.tick(1, task.name);
    }
  } finally {
    overall?.done(`${report.encoded} texts encoded`);
  }
  report.seconds = (Date.now() - t0) / 1000;
  return report;

  async function evaluateTask(task: TaskMeta): Promise<void> {
    if (opts.model.kind === 'bm25' && !LEXICAL_TYPES.has(task.type)) {
      report.notApplicable.push({
        task: task.name,
        why: 'BM25 scores query-passage pairs only (retrieval, reranking)',
      });
      report.rows.push({
        model: opts.model.id,
        task: task.name,
        type: task.type,
        dim: null,
        main_score: null,
        metric: task.mainScore,
        note: 'not applicable',
      });
      return;
    }
    if (opts.outDir && !opts.force) {
      const dims = opts.model.kind === 'bm25' ? [null] : opts.dims;
      const existing = dims.map((d) => readExistingResult(opts.outDir!, opts.model.id, d, task.name, evalConfig(task)));
      const haveItems =
        !opts.items ||
        (dims as readonly (number | null)[]).every((d) =>
          existsSync(itemsPath(opts.outDir!, opts.model.id, d, task.name)),
        );
      if (dims.length > 0 && existing.every(Boolean) && haveItems) {
        log.info(`${task.name}: results exist with the same config, reusing (--force recomputes)`);
        for (const r of existing) {
          report.results.push(r!);
          report.rows.push(rowOf(r!, task));
        }
        return;
      }
    }
    const start = Date.now();
    const data = loadTaskData(task, opts.subsample, opts.data);
    await yieldToSignals(); // between loading and scoring
    const ctx: EvalContext = {
      model: opts.model,
      dims: opts.dims,
      seed: opts.subsample.seed,
      format: opts.format ?? 'unified',
      log,
      encode: async (role: TextRole, texts: readonly string[]) => {
        if (opts.model.kind !== 'dense') throw new Error('encode called for a lexical model');
        const prompt = evalPrompt(opts.model, role);
        if (prompt) texts = texts.map((t) => prompt + t); // the cache keys on the text encoded, prompt included
        let bar: ReturnType<typeof startProgress> | undefined;
        let cached = 0;
        try {
          const { vectors, stats } = await cache.embed(opts.model.embedder, task.dataset, role, texts, {
            batchSize: opts.batchSize * 8,
            onPlan: (st) => {
              cached = st.cached;
              if (opts.progress && st.encoded > 0) bar = startProgress(`${task.name} ${role}s`, st.encoded, 'texts');
            },
            onBatch: (n) => bar?.tick(n),
          });
          report.encoded += stats.encoded;
          await yieldToSignals();
          return vectors;
        } finally {
          bar?.done(`${cached} more were cached`);
        }
      },
    };
    let scores: DimScores[];
    try {
      scores = await runTask(task, data, ctx);
    } catch (e) {
      if (e instanceof NotApplicableError) {
        report.notApplicable.push({ task: task.name, why: e.message });
        return;
      }
      throw e;
    }
    const seconds = (Date.now() - start) / 1000;
    for (const ds of scores) {
      const r = toMtebResult(task, opts.model.id, ds, seconds, evalConfig(task));
      report.results.push(r);
      report.rows.push(rowOf(r, task));
      if (opts.outDir && opts.items && ds.items)
        writeJsonl(itemsPath(opts.outDir, opts.model.id, ds.dim, task.name), ds.items);
      if (opts.outDir) report.files.push(writeResult(opts.outDir, r));
      if (opts.outDir && ds.trec) {
        const t = writeTrecFiles(opts.outDir, opts.model.id, ds.dim, task.name, ds.trec);
        report.trecFiles.push(t.run, t.qrels);
      }
    }
    log.info(
      `${task.name}: ${scores.map((s) => `${s.dim === null ? 'bm25' : 'd' + s.dim} ${task.mainScore}=${s.main_score.toFixed(4)}`).join(', ')} (${seconds.toFixed(1)}s)`,
    );
  }
}
