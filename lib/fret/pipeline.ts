// The FRet stages end to end, each callable alone from a notebook:
//   seedStage     corpus → seeds.jsonl (+ the candidate pool, rebuilt deterministically)
//   queryStage    seeds → queries.jsonl         (step 1, resumable)
//   relabelStage  queries → fret.jsonl          (step 2, resumable)
//   runFret       all three + fret-examples.jsonl (TrainingExample) + fret.report.json
// A folder holds one run: fret.settings.json pins the settings, so a resumed run cannot
// silently mix two configurations.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GeckoError } from '../core/errors';
import { readJson, writeJson } from '../core/fs';
import { appendJsonl, readJsonl, readJsonlTolerant, writeJsonl } from '../core/jsonl';
import { silentLogger, type Logger } from '../core/log';
import { progress } from '../core/progress';
import { rngFor } from '../core/rng';
import type { Passage, TrainingExample } from '../core/types';
import type { Teacher, Usage } from '../llm/types';
import { candidatePool, eligiblePassages, sampleSeedPassages } from '../seeding/sample';
import { toTrainingExample } from './examples';
import { generateQuery } from './generate';
import { relabelQuery, searchTextOf } from './relabel';
import { fretReport, type FretReport } from './report';
import { repairJsonlTail, runResumable, skippedPath } from './resume';
import type { CandidateRetriever } from './retrieve';
import type { FretTaskType, NegativeStrategy, PositiveChoice, RankingSignals, TextFormat } from '../config/choices';
import { filterByTaskType } from './tasks';
import type { FretRecord, QueryRecord, SeedRecord, SkipRecord } from './types';

/** File names inside a FRet output folder. */
export const FRET_FILES = {
  settings: 'fret.settings.json',
  seeds: 'seeds.jsonl',
  queries: 'queries.jsonl',
  fret: 'fret.jsonl',
  examples: 'fret-examples.jsonl',
  report: 'fret.report.json',
  usage: 'usage.jsonl',
} as const;

/** Everything that determines the records (the settings file of an output folder). */
export interface FretSettings {
  corpus: string;
  seed: number;
  n: number;
  minChars: number;
  maxChars: number;
  /** 0 = every eligible passage of the corpus is a candidate. */
  poolSize: number;
  teacher: string;
  retriever: string;
  numCandidates: number;
  rrfK: number;
  negativeStrategy: NegativeStrategy;
  /** Fig. 4: fused top-1 or the seed passage. */
  positive: PositiveChoice;
  /** Table 6: RRF of both signals, or QL / RC alone. */
  signals: RankingSignals;
  /** Table 2: [] = every task type, else only queries of these types. */
  taskTypes: FretTaskType[];
  /** Format of a dense retriever's query text (and of the pool passages it embeds). */
  format: TextFormat;
}

/**
 * Write the settings into `out`, or check them against the settings already there.
 * @example pinSettings('runs/fret-1', settings) // throws if runs/fret-1 was made with other settings
 */
export function pinSettings(out: string, settings: FretSettings): void {
  const path = join(out, FRET_FILES.settings);
  if (!existsSync(path)) {
    writeJson(path, settings);
    return;
  }
  const prev = readJson<Record<string, unknown>>(path);
  for (const [k, v] of Object.entries(settings)) {
    if (JSON.stringify(prev[k]) !== JSON.stringify(v)) {
      throw new GeckoError(
        `${out} holds a FRet run with ${k} = ${JSON.stringify(prev[k])}, not ${JSON.stringify(v)}`,
        `resume with the same settings, or write to a new --out folder`,
      );
    }
  }
}

export interface SeedStageResult {
  seeds: SeedRecord[];
  pool: Passage[];
  eligible: number;
  dropped: { duplicate: number; tooShort: number; tooLong: number };
}

/**
 * Sample seeds (seeded stream 'seeding') and build the candidate pool (stream 'fret-pool').
 * Writes seeds.jsonl once; later calls reuse it.
 * @example const { seeds, pool } = seedStage(loadSeedCorpus('bbc_news'), settings, 'runs/fret-1');
 */
export function seedStage(
  corpus: readonly Passage[],
  s: Pick<FretSettings, 'seed' | 'n' | 'minChars' | 'maxChars' | 'poolSize'>,
  out?: string,
): SeedStageResult {
  const { passages, dropped } = eligiblePassages(corpus, s);
  if (passages.length === 0) {
    throw new GeckoError(
      `no passage of the corpus has between ${s.minChars} and ${s.maxChars} characters (after removing ${dropped.duplicate} duplicates)`,
      'widen seeding.minChars / seeding.maxChars (--set seeding.minChars=50)',
    );
  }
  const path = out ? join(out, FRET_FILES.seeds) : undefined;
  const seeds =
    path && existsSync(path)
      ? readJsonl<SeedRecord>(path)
      : sampleSeedPassages(passages, s.n, rngFor(s.seed, 'seeding'));
  if (path && !existsSync(path)) writeJsonl(path, seeds);
  const pool = candidatePool(passages, seeds, s.poolSize, rngFor(s.seed, 'fret-pool'));
  return { seeds, pool, eligible: passages.length, dropped };
}

/** Appends the teacher's cumulative usage of this invocation, at most every `everyMs`. */
function usageLogger(out: string | undefined, stage: string, teacher: Teacher, everyMs = 2000) {
  const invocation = `${new Date().toISOString()}-${process.pid}-${stage}`;
  if (out) repairJsonlTail(join(out, FRET_FILES.usage)); // a killed run may have torn its last line
  const start = teacher.usage();
  let last = 0;
  const write = () => {
    if (!out) return;
    const u = teacher.usage();
    const delta: Usage = {
      calls: u.calls - start.calls,
      cachedCalls: u.cachedCalls - start.cachedCalls,
      promptTokens: u.promptTokens - start.promptTokens,
      completionTokens: u.completionTokens - start.completionTokens,
      costUsd: u.costUsd - start.costUsd,
    };
    appendJsonl(join(out, FRET_FILES.usage), [{ invocation, stage, usage: delta }]);
  };
  return {
    tick() {
      const now = Date.now();
      if (now - last >= everyMs) {
        last = now;
        write();
      }
    },
    flush: write,
  };
}

export interface StageOptions {
  out: string;
  concurrency: number;
  log?: Logger;
}

/**
 * FRet step 1 over all seeds, resumable: queries.jsonl (+ queries.skipped.jsonl).
 * @example const { records } = await queryStage(seeds, teacher, 1234, { out: dir, concurrency: 4 });
 */
export async function queryStage(seeds: readonly SeedRecord[], teacher: Teacher, rootSeed: number, o: StageOptions) {
  const bar = progress('fret step 1: queries', seeds.length, 'passages');
  const usage = usageLogger(o.out, 'querygen', teacher);
  try {
    const res = await runResumable<SeedRecord, QueryRecord>({
      out: join(o.out, FRET_FILES.queries),
      items: seeds,
      indexOf: (s) => s.seedIndex,
      concurrency: o.concurrency,
      step: (s) => generateQuery(s, teacher, rootSeed),
      onDone: () => {
        bar.tick();
        usage.tick();
      },
    });
    bar.done();
    if (res.resumed) o.log?.info(`fret step 1: resumed, ${res.resumed} of ${seeds.length} seed passages already done`);
    return res;
  } finally {
    usage.flush();
  }
}

export interface RelabelStageOptions extends StageOptions {
  teacher: Teacher;
  retriever: CandidateRetriever;
  pool: readonly Passage[];
  numCandidates: number;
  rrfK: number;
  negativeStrategy: NegativeStrategy;
  positive?: PositiveChoice;
  signals?: RankingSignals;
  format?: TextFormat;
  rootSeed: number;
}

/**
 * FRet step 2 over all generated queries, resumable: fret.jsonl (+ fret.skipped.jsonl).
 * @example const { records } = await relabelStage(queries, { teacher, retriever, pool, numCandidates: 20, rrfK: 0, negativeStrategy: 'lowest', rootSeed: 1234, out: dir, concurrency: 4 });
 */
export async function relabelStage(queries: readonly QueryRecord[], o: RelabelStageOptions) {
  const poolById = new Map(o.pool.map((p) => [p.id, p]));
  await o.retriever.prefetch?.(queries.map((q) => searchTextOf(o.retriever, q, o.format).text));
  const bar = progress('fret step 2: relabel', queries.length, 'queries');
  const usage = usageLogger(o.out, 'relabel', o.teacher);
  try {
    const res = await runResumable<QueryRecord, FretRecord>({
      out: join(o.out, FRET_FILES.fret),
      items: queries,
      indexOf: (q) => q.seedIndex,
      concurrency: o.concurrency,
      step: (q) => relabelQuery(q, { ...o, pool: poolById }),
      onDone: () => {
        bar.tick();
        usage.tick();
      },
    });
    bar.done();
    if (res.resumed) o.log?.info(`fret step 2: resumed, ${res.resumed} of ${queries.length} queries already done`);
    return res;
  } finally {
    usage.flush();
  }
}

/** Sum the last usage line of every invocation in usage.jsonl (a killed run loses at most its last seconds). */
export function totalUsage(out: string): Usage & { byStage: Record<string, Usage> } {
  const last = new Map<string, { stage: string; usage: Usage }>();
  for (const row of readJsonlTolerant<{ invocation: string; stage: string; usage: Usage }>(join(out, FRET_FILES.usage)))
    last.set(row.invocation, row);
  const zero = (): Usage => ({ calls: 0, cachedCalls: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 });
  const total = zero();
  const byStage: Record<string, Usage> = {};
  for (const { stage, usage } of last.values()) {
    const s = (byStage[stage] ??= zero());
    for (const k of Object.keys(total) as (keyof Usage)[]) {
      total[k] += usage[k];
      s[k] += usage[k];
    }
  }
  return { ...total, byStage };
}

export interface RunFretOptions {
  corpus: readonly Passage[];
  settings: FretSettings;
  teacher: Teacher;
  /** Built after step 1: an 'initial' retriever trains on the run's own generated queries. */
  retriever: (
    pool: readonly Passage[],
    queries: readonly QueryRecord[],
  ) => Promise<CandidateRetriever> | CandidateRetriever;
  out: string;
  concurrency: number;
  log?: Logger;
}

export interface RunFretResult {
  seeds: SeedRecord[];
  queries: QueryRecord[];
  records: FretRecord[];
  examples: TrainingExample[];
  report: FretReport & {
    seeding: Omit<SeedStageResult, 'seeds' | 'pool'> & { corpus: string; pool: number; seeds: number };
    usageByStage: Record<string, Usage>;
    taskTypes: FretTaskType[];
    queriesGenerated: number;
    queriesKept: number;
  };
}

/**
 * Seeds → queries → relabelled records → training examples + report, in `out`.
 * Killed at any point and rerun with the same settings, it continues where it stopped.
 * @example await runFret({ corpus, settings, teacher, retriever: (pool) => bm25Retriever(pool), out: 'runs/fret-1', concurrency: 4 });
 */
export async function runFret(o: RunFretOptions): Promise<RunFretResult> {
  const log = o.log ?? silentLogger;
  const s = o.settings;
  if (s.teacher !== o.teacher.id)
    throw new GeckoError(`settings.teacher '${s.teacher}' differs from the teacher passed ('${o.teacher.id}')`);
  pinSettings(o.out, s);
  const seeding = seedStage(o.corpus, s, o.out);
  log.info(
    `seeding: ${seeding.seeds.length} seed passages from ${seeding.eligible} eligible (dropped ${JSON.stringify(seeding.dropped)}); candidate pool ${seeding.pool.length}`,
  );
  if (o.teacher.standIn)
    log.warn(
      `teacher '${o.teacher.id}' is a stand-in, not an LLM: the records test the pipeline, not LLM distillation`,
    );
  const q = await queryStage(seeding.seeds, o.teacher, s.seed, { out: o.out, concurrency: o.concurrency, log });
  const queries = filterByTaskType(q.records, s.taskTypes);
  if (queries.length < q.records.length)
    log.info(
      `task types ${s.taskTypes.join(', ')}: ${queries.length} of ${q.records.length} generated queries kept for step 2`,
    );
  const retriever = await o.retriever(seeding.pool, queries);
  let r;
  try {
    r = await relabelStage(queries, {
      teacher: o.teacher,
      retriever,
      pool: seeding.pool,
      numCandidates: s.numCandidates,
      rrfK: s.rrfK,
      negativeStrategy: s.negativeStrategy,
      positive: s.positive,
      signals: s.signals,
      format: s.format,
      rootSeed: s.seed,
      out: o.out,
      concurrency: o.concurrency,
      log,
    });
  } finally {
    await retriever.close?.();
  }
  const poolById = new Map(seeding.pool.map((p) => [p.id, p]));
  const examples = r.records.map((rec) => toTrainingExample(rec, poolById));
  writeJsonl(join(o.out, FRET_FILES.examples), examples);
  const skips: SkipRecord[] = [
    ...q.skips.map((x) => ({ ...x, reason: `querygen/${x.reason}` })),
    ...r.skips.map((x) => ({ ...x, reason: `relabel/${x.reason}` })),
  ];
  const { byStage, ...usage } = totalUsage(o.out);
  const report = {
    ...fretReport(r.records, { teacher: o.teacher.id, standIn: o.teacher.standIn, skips, usage }),
    taskTypes: s.taskTypes,
    queriesGenerated: q.records.length,
    queriesKept: queries.length,
    seeding: {
      corpus: s.corpus,
      seeds: seeding.seeds.length,
      eligible: seeding.eligible,
      dropped: seeding.dropped,
      pool: seeding.pool.length,
    },
    usageByStage: byStage,
  };
  writeJson(join(o.out, FRET_FILES.report), report);
  log.info(
    `fret: ${r.records.length} examples, relabel rate ${(report.relabelRate * 100).toFixed(1)}%, skipped ${JSON.stringify(report.skipped)} → ${o.out}`,
  );
  return { seeds: seeding.seeds, queries: q.records, records: r.records, examples, report };
}

export { skippedPath };
