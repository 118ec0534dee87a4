// FRet for a run, in one call: the seed corpus, the teacher and the retriever (fret.retriever,
// pipeline/fret-retriever.ts) from the run's config, written to <run>/fret/ and resumed on every
// later call (a notebook re-run or the next notebook reads the records instead of recomputing
// them). The notebooks, the demo, `gecko ablate` and `gecko fret` (a context whose fret folder is
// its --out) all run FRet through fretForRun.
import type { Passage } from '../core/types';
import type { ExperimentConfig } from '../config/schema';
import type { RunContext } from '../runs/run';
import { teacherFromConfig } from '../llm/factory';
import { loadSeedCorpus } from '../seeding/corpus';
import {
  pinSettings,
  runFret,
  seedStage,
  type FretSettings,
  type RunFretResult,
  type SeedStageResult,
} from '../fret/pipeline';
import { offlineKinds } from '../fret/tasks';
import { retrieverFromSpec } from './fret-retriever';
import { prefinetuneForRun } from './pretrain-stages';
import { asStage, stageView } from './context';

/** The FRet settings a config implies (pinned in the output folder's fret.settings.json). */
export function fretSettingsOf(cfg: Readonly<ExperimentConfig>): FretSettings {
  return {
    corpus: cfg.seeding.corpus,
    seed: cfg.seed,
    n: cfg.seeding.n,
    minChars: cfg.seeding.minChars,
    maxChars: cfg.seeding.maxChars,
    poolSize: cfg.fret.poolSize,
    teacher: cfg.llm.teacher,
    retriever: cfg.fret.retriever,
    numCandidates: cfg.fret.numCandidates,
    rrfK: cfg.fret.rrfK,
    negativeStrategy: cfg.fret.negativeStrategy,
    positive: cfg.fret.positive,
    signals: cfg.fret.signals,
    taskTypes: [...cfg.fret.taskTypes],
    format: cfg.format,
  };
}

/** Folder of the run's FRet outputs. */
export function fretDir(ctx: Pick<RunContext, 'path'>): string {
  return ctx.path('fret');
}

/**
 * Step 0 only: the seed corpus, the sampled seed passages and the candidate pool (seeds.jsonl in <run>/fret/).
 * @example const { corpus, seeding, report } = seedForRun(ctx); showTable(seeding.seeds.map((s) => s.passage), { limit: 5 });
 */
export function seedForRun(ctx: Pick<RunContext, 'config' | 'path' | 'log'>): {
  corpus: Passage[];
  seeding: SeedStageResult;
  report: SeedingReport;
} {
  const c = stageView(ctx, 'seeding');
  const corpus = loadSeedCorpus(c.config.seeding.corpus);
  const seeding = seedStage(corpus, fretSettingsOf(c.config), fretDir(c));
  const s = ctx.config.seeding;
  return {
    corpus,
    seeding,
    report: {
      corpus: s.corpus,
      passages: corpus.length,
      minChars: s.minChars,
      maxChars: s.maxChars,
      duplicates: seeding.dropped.duplicate,
      tooShort: seeding.dropped.tooShort,
      tooLong: seeding.dropped.tooLong,
      eligible: seeding.eligible,
      seeds: seeding.seeds.length,
      pool: seeding.pool.length,
    },
  };
}

/** What seeding did, as one flat record. */
export interface SeedingReport {
  corpus: string;
  passages: number;
  minChars: number;
  maxChars: number;
  duplicates: number;
  tooShort: number;
  tooLong: number;
  eligible: number;
  seeds: number;
  /** Candidate pool FRet step 2 retrieves from (seeds included). */
  pool: number;
}

export interface FretForRunOptions {
  /**
   * fret.retriever 'initial': the checkpoint it starts from (`gecko fret --init`); default: the
   * run's pre-finetuned model (prefinetuneForRun, trained first if needed).
   */
  init?: string;
}

/**
 * The whole of FRet for the run (seeds → task + query → QL, RC, RRF → positive and negative),
 * resumable; also returns the candidate pool so candidates can be shown with their text.
 * The settings are checked against the folder's before anything is written; an LLM teacher first
 * checks its capabilities (e.g. prompt logprobs for QL) before anything is spent.
 * @example const fret = await fretForRun(ctx); showReport(fret.report);
 */
export async function fretForRun(
  ctx: Pick<RunContext, 'config' | 'path' | 'log'>,
  opts: FretForRunOptions = {},
): Promise<RunFretResult & { pool: Passage[]; poolById: Map<string, Passage> }> {
  return asStage(ctx, 'fret', async () => {
    const c = stageView(ctx, 'fret');
    const settings = fretSettingsOf(c.config);
    pinSettings(fretDir(c), settings); // a folder of other settings is refused before seeds.jsonl is written
    const { corpus, seeding } = seedForRun(c);
    const kinds = offlineKinds(settings.taskTypes);
    const teacher = teacherFromConfig(c.config.llm, {
      background: corpus,
      log: c.log,
      ...(kinds ? { offline: { kinds } } : {}),
    });
    try {
      await teacher.preflight?.(['generate', 'continuationLogprobs', 'labelLogprobs']);
      const res = await runFret({
        corpus,
        settings,
        teacher,
        out: fretDir(c),
        concurrency: c.config.llm.concurrency,
        log: c.log,
        // 'initial' starts from opts.init, else the run's pre-finetuned model (trained first if needed).
        retriever: (pool, queries) =>
          retrieverFromSpec(settings.retriever, pool, queries, {
            config: c.config,
            out: fretDir(c),
            init: opts.init ?? (async () => (await prefinetuneForRun(ctx)).checkpoint),
            log: c.log,
          }),
      });
      return { ...res, pool: seeding.pool, poolById: new Map(seeding.pool.map((p) => [p.id, p])) };
    } finally {
      await teacher.close?.();
    }
  });
}
