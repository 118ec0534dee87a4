// FRet for a run, in one call: the seed corpus, the teacher and BM25 from the run's
// config, written to <run>/fret/ and resumed on every later call (a notebook re-run or
// the next notebook reads the records instead of recomputing them).
import { ConfigError } from '../core/errors';
import type { Passage } from '../core/types';
import type { ExperimentConfig } from '../config/schema';
import type { RunContext } from '../runs/run';
import { teacherFromConfig } from '../llm/factory';
import { loadSeedCorpus } from '../seeding/corpus';
import { runFret, seedStage, type FretSettings, type RunFretResult, type SeedStageResult } from '../fret/pipeline';
import { bm25Retriever } from '../fret/retrieve';

/** The FRet settings a config implies (the same mapping as `gecko fret`). */
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
export function seedForRun(ctx: Pick<RunContext, 'config' | 'path'>): {
  corpus: Passage[];
  seeding: SeedStageResult;
  report: SeedingReport;
} {
  const corpus = loadSeedCorpus(ctx.config.seeding.corpus);
  const seeding = seedStage(corpus, fretSettingsOf(ctx.config), fretDir(ctx));
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

/**
 * The whole of FRet for the run (seeds → task + query → QL, RC, RRF → positive and negative),
 * resumable; also returns the candidate pool so candidates can be shown with their text.
 * @example const fret = await fretForRun(ctx); showReport(fret.report);
 */
export async function fretForRun(
  ctx: Pick<RunContext, 'config' | 'path' | 'log'>,
): Promise<RunFretResult & { pool: Passage[]; poolById: Map<string, Passage> }> {
  const settings = fretSettingsOf(ctx.config);
  if (settings.retriever !== 'bm25') {
    throw new ConfigError(
      'fret.retriever',
      `'${settings.retriever}': the notebooks retrieve FRet candidates with BM25 only`,
      "use fret.retriever = 'bm25', or run `npx gecko fret` for other retrievers",
    );
  }
  const { corpus, seeding } = seedForRun(ctx);
  const teacher = teacherFromConfig(ctx.config.llm, { background: corpus, log: ctx.log });
  try {
    const res = await runFret({
      corpus,
      settings,
      teacher,
      out: fretDir(ctx),
      concurrency: ctx.config.llm.concurrency,
      retriever: (pool) => bm25Retriever(pool),
    });
    return { ...res, pool: seeding.pool, poolById: new Map(seeding.pool.map((p) => [p.id, p])) };
  } finally {
    await teacher.close?.();
  }
}
