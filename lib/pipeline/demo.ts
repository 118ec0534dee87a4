// The main job (`npm run demo`): the whole Gecko recipe in one resumable run, on the
// offline stand-in teacher and the demo preset by default.
//   1 seeding + FRet (step 1 + step 2)      2 MLM pretraining
//   3 pre-finetuning on title-body pairs     4 fine-tuning on FRet + mixture with Matryoshka
//   5 the same fine-tuning without Matryoshka (one loss at full width): the control that shows
//     what Matryoshka does at the smallest evaluated size
//   6 evaluation of every task at several dimensions, against BM25 and the pre-finetuned model
//   7 plots (PNG + SVG)                      8 a results entry in experiments.md
// Every stage reads its finished output back, so a killed demo restarted with the same
// --out folder continues where it stopped.
import { join, relative } from 'node:path';
import type { PresetName } from '../config/presets';
import { resolveConfig } from '../config/resolve';
import { consoleLogger, type Logger } from '../core/log';
import { dataDir, projectRoot } from '../core/paths';
import { GeckoError } from '../core/errors';
import { allDatasetStatus } from '../data/status';
import { fetchDataset } from '../data/fetch';
import { categoryAverages, type ScoreRow } from '../eval/results';
import { savePlots } from '../plots/export';
import { startRun, type RunContext } from '../runs/run';
import { fretForRun } from './fret';
import { evaluateModels, inTaskOrder } from './eval';
import { markdownTable, prependEntry } from './experiments-log';
import { runFigures } from './plots';
import { checkpointProjection } from './projection';
import { finetuneForRun, prefinetuneForRun, pretrainForRun } from './train';
import { withStages } from './context';
import { leakPreflight } from './leak';
import { inDomainTasks } from '../mixture/build';
import { enginePath } from '../backend/engine-path';
import { cpuInfo } from '../core/cpu';

const STEPS = 8;
/** The demo's label for the fine-tuned model trained without Matryoshka. */
export const CONTROL = 'fine-tuned, no Matryoshka';

export interface DemoOptions {
  preset?: PresetName;
  overrides?: Record<string, unknown>;
  /** Resume or reuse this run folder. */
  dir?: string;
  /** The command line to record with the results. */
  command?: string;
  /** Where to append the results entry (default <project>/experiments.md; null = nowhere). */
  experimentsPath?: string | null;
  log?: Logger;
}

export interface DemoResult {
  ctx: RunContext;
  rows: ScoreRow[];
  plots: string[];
  seconds: Record<string, number>;
  fret: { records: number; relabelRate: number; teacher: string; standIn: boolean };
}

/** Fetch the data sets that are missing from the data directory (needs internet). */
export async function ensureDatasets(log: Logger): Promise<void> {
  const missing = allDatasetStatus().filter((s) => s.state !== 'available');
  for (const s of missing) {
    log.info(`data set ${s.name} is ${s.state}: fetching it from its public source`);
    const report = await fetchDataset(s.name, { log });
    if (!report.ok) {
      throw new GeckoError(
        `could not fetch data set '${s.name}' into ${dataDir()}`,
        'check the network, or set GECKO_DATA_DIR to a folder that holds the data sets (`npx gecko datasets` shows what is there)',
      );
    }
  }
}

/**
 * Run the whole recipe.
 * @example const { rows } = await runDemo({ preset: 'smoke', experimentsPath: null });
 */
export async function runDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const log = opts.log ?? consoleLogger;
  const seconds: Record<string, number> = {};
  const t0 = Date.now();
  const step = async <T>(n: number, name: string, fn: () => Promise<T>): Promise<T> => {
    log.info(`\n[${n}/${STEPS}] ${name}`);
    const s = Date.now();
    const out = await fn();
    seconds[name] = (Date.now() - s) / 1000;
    log.info(`[${n}/${STEPS}] ${name}: done in ${seconds[name]!.toFixed(1)} s`);
    return out;
  };

  await ensureDatasets(log);
  const resolved = resolveConfig(opts.preset ?? 'demo', opts.overrides ?? {});
  leakPreflight(resolved.config); // training texts found in a test set stop the demo here, before any work
  // stage folders are content-addressed (shared with notebooks, the CLI and ablations), linked into the run folder
  const ctx = withStages(await startRun(resolved, { command: opts.command, dir: opts.dir, log }));

  const fret = await step(1, 'seeding + FRet (steps 1 and 2)', () => fretForRun(ctx));
  const fretInfo = {
    records: fret.records.length,
    relabelRate: fret.report.relabelRate,
    teacher: fret.report.teacher,
    standIn: fret.report.standIn,
  };
  log.info(
    `FRet: ${fretInfo.records} examples; positive != seed passage in ${(100 * fretInfo.relabelRate).toFixed(1)}%; teacher ${fretInfo.teacher}${fretInfo.standIn ? ' (a stand-in, not an LLM)' : ''}`,
  );
  const pre = await step(2, 'MLM pretraining', () => pretrainForRun(ctx, { log }));
  const pft = await step(3, 'pre-finetuning', () => prefinetuneForRun(ctx, { log }));
  const ft = await step(4, 'fine-tuning with Matryoshka', () => finetuneForRun(ctx, { log }));
  const plain = await step(5, 'fine-tuning without Matryoshka (control)', () =>
    finetuneForRun(ctx, { matryoshka: false, log }),
  );

  const models = {
    'pre-finetuned': pft.checkpoint,
    'fine-tuned': ft.checkpoint,
    [CONTROL]: plain.checkpoint,
    BM25: 'bm25',
  };
  const rows = await step(6, 'evaluation', () => evaluateModels(ctx, models));

  const plots = await step(7, 'plots', async () => {
    const figs = runFigures(ctx.dir);
    figs['projection-fine-tuned'] = await checkpointProjection(ft.checkpoint, {
      seed: ctx.config.seed,
      label: 'fine-tuned',
    });
    return savePlots(figs, ctx.path('plots'));
  });
  seconds.total = (Date.now() - t0) / 1000;

  if (opts.experimentsPath !== null) {
    await step(8, 'experiments.md', async () => {
      const path = opts.experimentsPath ?? join(projectRoot(), 'experiments.md');
      prependEntry(
        path,
        demoEntry({
          ctx,
          rows,
          plots,
          seconds,
          fret: fretInfo,
          command: opts.command ?? 'npm run demo',
          pre: pre.steps,
        }),
      );
      log.info(`results appended to ${path}`);
    });
  }
  log.info(`\ndemo finished in ${(seconds.total / 60).toFixed(1)} min: run folder ${ctx.dir}`);
  return { ctx, rows, plots, seconds, fret: fretInfo };
}

const f3 = (x: number | null | undefined) => (x === null || x === undefined ? '–' : x.toFixed(3));

/** The experiments.md entry of a demo run: what ran, the scores, the plots, the times. */
export function demoEntry(r: {
  ctx: RunContext;
  rows: readonly ScoreRow[];
  plots: readonly string[];
  seconds: Record<string, number>;
  fret: DemoResult['fret'];
  command: string;
  pre: number;
}): string {
  const { ctx, rows } = r;
  const c = ctx.config;
  const full = c.encoder.dModel;
  const cell = (model: string, task: string, dim: number | null) =>
    f3(rows.find((x) => x.model === model && x.task === task && x.dim === dim)?.main_score);
  const tasks = inTaskOrder([...new Set(rows.map((x) => x.task))].map((task) => ({ task }))).map((t) => t.task);
  const inDomain = inDomainTasks(c.finetune.mixture).filter((t) => tasks.includes(t));
  const perTask = markdownTable(
    ['task', 'metric', `pre-finetuned d${full}`, `fine-tuned d${full}`, 'BM25'],
    tasks.map((t) => [
      inDomain.includes(t) ? `${t} (in-domain)` : t,
      rows.find((x) => x.task === t)?.metric ?? '',
      cell('pre-finetuned', t, full),
      cell('fine-tuned', t, full),
      cell('BM25', t, null),
    ]),
  );
  const dims = [...new Set(rows.filter((x) => x.dim !== null).map((x) => x.dim!))].sort((a, b) => b - a);
  const avg = (model: string, dim: number) =>
    categoryAverages(
      rows.filter((x) => x.model === model && x.dim === dim),
      inDomain,
    )[0];
  const byDim = markdownTable(
    [
      'dim',
      'pre-finetuned mean',
      'fine-tuned mean',
      'fine-tuned mean, in-domain left out',
      'no-Matryoshka control mean, in-domain left out',
      'fine-tuned Retrieval',
      'fine-tuned STS',
      'control STS',
    ],
    dims.map((d) => [
      d,
      f3(avg('pre-finetuned', d)?.mean),
      f3(avg('fine-tuned', d)?.mean),
      f3(avg('fine-tuned', d)?.meanOutOfDomain),
      f3(avg(CONTROL, d)?.meanOutOfDomain),
      f3(avg('fine-tuned', d)?.categories.Retrieval),
      f3(avg('fine-tuned', d)?.categories.STS),
      f3(avg(CONTROL, d)?.categories.STS),
    ]),
  );
  const small = dims[dims.length - 1]!;
  const drop = (model: string, pick: (a: NonNullable<ReturnType<typeof avg>>) => number | null | undefined) => {
    const hi = avg(model, full),
      lo = avg(model, small);
    const x = hi && pick(hi),
      y = lo && pick(lo);
    return x == null || y == null ? '–' : (x - y).toFixed(3);
  };
  const effect =
    small === full
      ? ''
      : `\nThe Matryoshka effect, one seed (the controlled comparison over seeds is \`npx gecko ablate matryoshka --seeds 3\`): from d${full} to d${small} the fine-tuned model loses ${drop('fine-tuned', (a) => a.meanOutOfDomain)} of its mean (in-domain left out) and ${drop('fine-tuned', (a) => a.categories.STS)} of its STS mean; the same fine-tuning without Matryoshka loses ${drop(CONTROL, (a) => a.meanOutOfDomain)} and ${drop(CONTROL, (a) => a.categories.STS)}.\n`;
  const times = markdownTable(
    ['stage', 'seconds'],
    Object.entries(r.seconds).map(([k, v]) => [k, v.toFixed(1)]),
  );
  const rel = (p: string) => relative(projectRoot(), p);
  const cpu = cpuInfo();
  const date = new Date().toISOString().slice(0, 10);
  const ftMean = avg('fine-tuned', full)?.mean;
  const pftMean = avg('pre-finetuned', full)?.mean;
  return `## ${date}: demo run (${ctx.preset} preset, ${r.fret.teacher} teacher): fine-tuned mean ${f3(ftMean)} vs pre-finetuned ${f3(pftMean)} at d${full}, in ${(r.seconds.total! / 60).toFixed(1)} min

Command: \`${r.command}\` (preset ${ctx.preset}, config ${ctx.configHash.slice(0, 8)}, seed ${c.seed}, backend ${ctx.backend.name}, training path ${enginePath(ctx.backend.tfBackend)}).
CPU: ${cpu.cpu_model}, ${cpu.cores} cores, widest SIMD ${cpu.simd} (timings differ between CPUs of one machine class).
Run folder: \`${rel(ctx.dir)}\` (ignored by git; rerun the command to reproduce it).
Teacher: \`${r.fret.teacher}\`${r.fret.standIn ? ' (a stand-in, not an LLM: its FRet labels say nothing about what an LLM teacher gives)' : ''}.
FRet: ${r.fret.records} examples from ${c.seeding.n} ${c.seeding.corpus} seed passages, N = ${c.fret.numCandidates}, RRF k = ${c.fret.rrfK}, negative = ${c.fret.negativeStrategy}; positive != seed passage in ${(100 * r.fret.relabelRate).toFixed(1)}% (paper: about 15%).
Encoder: ${c.encoder.layers} layers, d ${full}, ${c.encoder.heads} heads; pretraining ${r.pre} steps, pre-finetuning ${c.prefinetune.steps} steps (batch ${c.prefinetune.batchSize}), fine-tuning ${c.finetune.steps} steps (batch ${c.finetune.batchSize}, Matryoshka dims ${c.finetune.matryoshkaDims.join('/')}, hard negatives ${c.finetune.hardNegatives}, same-tower ${c.finetune.sameTower}).
Evaluation caps: ${c.eval.maxQueries || 'all'} queries, ${c.eval.maxCorpus || 'all'} passages (judged ones kept), ${c.eval.maxTrain || 'all'} classifier train texts, ${c.eval.maxTest || 'all'} test items per task.

Main score per task (in-domain: the task's training split is in the fine-tuning mixture${inDomain.length ? `, here ${inDomain.join(', ')}` : ''}):

${perTask}

Mean over tasks (and two categories) by Matryoshka dimension:

${byDim}
${effect}
Plots (in the run folder): ${r.plots
    .filter((p) => p.endsWith('.png'))
    .map((p) => `\`${rel(p)}\``)
    .join(', ')}.

Time per stage (this invocation; a stage that an earlier invocation of the same run folder finished is read back in about 0 s):

${times}
`;
}
