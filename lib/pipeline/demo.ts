// The main job (`npm run demo`): the whole Gecko recipe in one resumable run, on the
// offline stand-in teacher and the demo preset by default.
//   1 seeding + FRet (step 1 + step 2)      2 the backbone: USE-lite (or a BERT / XLM-R folder) imported,
//                                              or MLM pretraining from scratch (the scratch preset)
//   3 pre-finetuning on title-body pairs     4 fine-tuning on FRet + mixture with Matryoshka
//   5 the same fine-tuning without Matryoshka (one loss at full width): the control that shows
//     what Matryoshka does at the smallest evaluated size
//   6 evaluation of every task at several dimensions: the backbone as it is, pre-finetuned, fine-tuned,
//     the control, and BM25
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
import { backboneLabel, checkBackboneShape, isPretrained } from '../encoder/backbone';
import { USE_LITE_OVERLAP_TASKS } from '../encoder/use-lite-import';

const STEPS = 8;
/** The demo's label for the pretrained backbone as it is (before pre-finetuning). */
export const BACKBONE = 'backbone';
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
  checkBackboneShape(resolved.config.pretrain.backbone, resolved.config.encoder); // and a backbone the encoder keys contradict
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
  const backbone = ctx.config.pretrain.backbone;
  const pretrained = isPretrained(backbone);
  const pre = await step(2, pretrained ? `backbone: ${backboneLabel(backbone)}` : 'MLM pretraining', () =>
    pretrainForRun(ctx, { log }),
  );
  const pft = await step(3, 'pre-finetuning', () => prefinetuneForRun(ctx, { log }));
  const ft = await step(4, 'fine-tuning with Matryoshka', () => finetuneForRun(ctx, { log }));
  const plain = await step(5, 'fine-tuning without Matryoshka (control)', () =>
    finetuneForRun(ctx, { matryoshka: false, log }),
  );

  const models = {
    ...(pretrained ? { [BACKBONE]: pre.checkpoint } : {}),
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

/** BM25's mean main score over the retrieval tasks of the rows (it has no dimension). */
function bm25Retrieval(rows: readonly ScoreRow[]): number | undefined {
  const r = categoryAverages(rows.filter((x) => x.model === 'BM25'))[0];
  return r?.categories.Retrieval ?? undefined;
}

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
  const pretrained = isPretrained(c.pretrain.backbone);
  const useLite = c.pretrain.backbone === 'use-lite';
  // tasks whose training data the model may have seen: the mixture's in-domain tasks, and USE's own training sources
  const mixIn = inDomainTasks(c.finetune.mixture);
  const inDomain = tasks.filter((t) => mixIn.includes(t) || (useLite && USE_LITE_OVERLAP_TASKS.includes(t)));
  const mark = (t: string) =>
    mixIn.includes(t) ? `${t} (in-domain)` : inDomain.includes(t) ? `${t} (USE's training sources)` : t;
  const models = [...(pretrained ? [BACKBONE] : []), 'pre-finetuned', 'fine-tuned', CONTROL];
  const head = (m: string) => (m === CONTROL ? 'control' : m);
  const perTask = markdownTable(
    ['task', 'metric', ...models.map((m) => `${head(m)} d${full}`), 'BM25'],
    tasks.map((t) => [
      mark(t),
      rows.find((x) => x.task === t)?.metric ?? '',
      ...models.map((m) => cell(m, t, full)),
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
      ...models.map((m) => `${head(m)} mean, in-domain left out`),
      ...models.map((m) => `${head(m)} Retrieval`),
      'fine-tuned STS',
      'control STS',
    ],
    dims.map((d) => [
      d,
      ...models.map((m) => f3(avg(m, d)?.meanOutOfDomain)),
      ...models.map((m) => f3(avg(m, d)?.categories.Retrieval)),
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
  const start = pretrained ? BACKBONE : 'pre-finetuned';
  const startName = pretrained ? `the backbone (${backboneLabel(c.pretrain.backbone)})` : 'the pre-finetuned model';
  const a0 = avg(start, full),
    a1 = avg('fine-tuned', full);
  const m0 = a0?.meanOutOfDomain,
    m1 = a1?.meanOutOfDomain,
    r0 = a0?.categories.Retrieval,
    r1 = a1?.categories.Retrieval;
  const verb = (x?: number | null, y?: number | null) =>
    x == null || y == null ? 'not scored' : y > x ? 'improved' : y < x ? 'lowered' : 'left unchanged';
  const headline = `fine-tuned vs ${pretrained ? 'backbone' : 'pre-finetuned'} at d${full}: mean (in-domain left out) ${f3(m0)} -> ${f3(m1)}, retrieval ${f3(r0)} -> ${f3(r1)}`;
  const ap = avg('pre-finetuned', full);
  const mp = ap?.meanOutOfDomain,
    rp = ap?.categories.Retrieval;
  // the two steps apart: pre-finetuning from the backbone, then fine-tuning from the pre-finetuned model
  const steps = pretrained
    ? ` Step by step: pre-finetuning ${verb(m0, mp)} the mean (${f3(m0)} -> ${f3(mp)}) and ${verb(r0, rp)} retrieval (${f3(r0)} -> ${f3(rp)}); fine-tuning on FRet + the mixture then ${verb(mp, m1)} the mean (${f3(mp)} -> ${f3(m1)}) and ${verb(rp, r1)} retrieval (${f3(rp)} -> ${f3(r1)}).`
    : '';
  const why =
    m1 != null && mp != null && (m1 <= mp || (r1 != null && rp != null && r1 <= rp))
      ? ' Where fine-tuning does not add to pre-finetuning, `gecko ablate stages --seed-scope all` says whether that holds beyond the noise, and the ablations say which part of it is why: `gecko ablate mixture` (FRet alone, with NLI, with classification) and `gecko ablate positives-negatives` (the mined positive and negative) at this scale, in experiments.md.'
      : '';
  const plainly = `**Headline (one seed):** the recipe ${verb(m0, m1)} ${startName}'s mean over the tasks it was not trained on (${f3(m0)} -> ${f3(m1)}, d${full}) and ${verb(r0, r1)} its retrieval mean (${f3(r0)} -> ${f3(r1)}); BM25's retrieval mean is ${f3(bm25Retrieval(rows))}.${steps}${why} One seed says nothing about noise: \`npx gecko ablate <spec> --preset ${ctx.preset} --seeds 5\` gives intervals (experiments.md, the demo-scale ablations).`;
  return `## ${date}: demo run (${ctx.preset} preset, ${pretrained ? `backbone ${backboneLabel(c.pretrain.backbone)}` : 'MLM from scratch'}, ${r.fret.teacher} teacher): ${headline}, in ${(r.seconds.total! / 60).toFixed(1)} min

${plainly}

Command: \`${r.command}\` (preset ${ctx.preset}, config ${ctx.configHash.slice(0, 8)}, seed ${c.seed}, backend ${ctx.backend.name}, training path ${enginePath(ctx.backend.tfBackend)}).
CPU: ${cpu.cpu_model}, ${cpu.cores} cores, widest SIMD ${cpu.simd} (timings differ between CPUs of one machine class).
Run folder: \`${rel(ctx.dir)}\` (ignored by git; rerun the command to reproduce it).
Teacher: \`${r.fret.teacher}\`${r.fret.standIn ? ' (a stand-in, not an LLM: its FRet labels say nothing about what an LLM teacher gives)' : ''}.
FRet: ${r.fret.records} examples from ${c.seeding.n} ${c.seeding.corpus} seed passages, N = ${c.fret.numCandidates}, RRF k = ${c.fret.rrfK}, negative = ${c.fret.negativeStrategy}; positive != seed passage in ${(100 * r.fret.relabelRate).toFixed(1)}% (paper: about 15%).
Encoder: ${c.encoder.layers} layers, d ${full}, ${c.encoder.heads} heads, inputs cut to ${c.encoder.maxLen} tokens; ${pretrained ? `backbone ${backboneLabel(c.pretrain.backbone)} (pretrained, imported; no MLM stage)` : `MLM pretraining from scratch ${r.pre} steps`}, pre-finetuning ${c.prefinetune.steps} steps (batch ${c.prefinetune.batchSize}), fine-tuning ${c.finetune.steps} steps (batch ${c.finetune.batchSize}, Matryoshka dims ${c.finetune.matryoshkaDims.join('/')}, hard negatives ${c.finetune.hardNegatives}, same-tower ${c.finetune.sameTower}).
Evaluation caps: ${c.eval.maxQueries || 'all'} queries, ${c.eval.maxCorpus || 'all'} passages (judged ones kept), ${c.eval.maxTrain || 'all'} classifier train texts, ${c.eval.maxTest || 'all'} test items per task.

Main score per task (in-domain: the task's training split is in the fine-tuning mixture${mixIn.some((t) => tasks.includes(t)) ? `, here ${mixIn.filter((t) => tasks.includes(t)).join(', ')}` : ''}${useLite ? "; USE's training sources: tasks drawn from the sources USE-lite was trained on (its paper: SNLI, Q&A and news; not checked item by item), left out of the means like in-domain tasks" : ''}):

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
