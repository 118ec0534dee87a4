// The fine-tuning mixture for a run (paper §3.3): FRet examples from <run>/fret/
// plus the academic sources, weighted by finetune.mixture, written once to <run>/mixture/.
// makeMixture is the one body (buildMixture + the leak guard + the two files): mixtureForRun
// calls it on the run's FRet examples, `gecko mixture` on its --fret file and --n.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDir, readJson, writeJson } from '../core/fs';
import { readJsonl, writeJsonl } from '../core/jsonl';
import type { TrainingExample } from '../core/types';
import type { ExperimentConfig } from '../config/schema';
import type { RunContext } from '../runs/run';
import { buildMixture, type MixtureReport } from '../mixture/build';
import { FRET_FILES } from '../fret/pipeline';
import { fretDir, fretForRun } from './fret';
import { asStage, stageView } from './context';
import { guardExamples, leakMode } from './leak';

/**
 * Build (or read back) the run's mixture. When FRet has a weight and the run has no FRet
 * examples yet, FRet runs first (fretForRun: resumable, so finished steps are read back).
 * @example const { examples, report } = await mixtureForRun(ctx); showReport(report);
 */
export async function mixtureForRun(ctx: Pick<RunContext, 'config' | 'path' | 'log'>): Promise<{
  examples: TrainingExample[];
  report: MixtureReport;
  path: string;
}> {
  if ((ctx.config.finetune.mixture.fret ?? 0) > 0 && !existsSync(join(fretDir(ctx), FRET_FILES.examples)))
    await fretForRun(ctx);
  return asStage(ctx, 'mixture', () => mixtureBody(stageView(ctx, 'mixture')));
}

function mixtureBody(ctx: Pick<RunContext, 'config' | 'path'>): {
  examples: TrainingExample[];
  report: MixtureReport;
  path: string;
} {
  const path = ctx.path('mixture', 'mixture.jsonl');
  const reportPath = ctx.path('mixture', 'mixture.report.json');
  if (existsSync(path) && existsSync(reportPath))
    return { examples: readJsonl<TrainingExample>(path), report: readJson<MixtureReport>(reportPath), path };
  return makeMixture(ctx.config, { fretPath: join(fretDir(ctx), FRET_FILES.examples), out: () => ctx.path('mixture') });
}

export interface MakeMixtureOptions {
  /** FRet training examples (fret-examples.jsonl); none: the mixture has no FRet source. */
  fretPath?: string;
  /** Number of examples (default: the most that no source has to repeat). */
  n?: number;
  /**
   * The folder mixture.jsonl and mixture.report.json go to, asked for only once the mixture is
   * built and `check` passed (so a refused or empty mixture writes nothing).
   */
  out: () => string;
  /** Runs on the built mixture before anything is written; throws to refuse it. */
  check?: (built: { examples: TrainingExample[]; report: MixtureReport }) => void;
}

/**
 * Build the mixture a config's finetune.mixture weights give (every source through the leak
 * guard, data.leakGuard), then write <out>/mixture.jsonl and <out>/mixture.report.json.
 * @example const { report } = makeMixture(cfg, { fretPath: 'runs/fret-1/fret-examples.jsonl', out: () => 'runs/mix-1' });
 */
export function makeMixture(
  cfg: Readonly<ExperimentConfig>,
  o: MakeMixtureOptions,
): { examples: TrainingExample[]; report: MixtureReport; path: string } {
  const built = buildMixture({
    weights: cfg.finetune.mixture,
    seed: cfg.seed,
    n: o.n,
    fretPath: o.fretPath,
    uniqueIds: cfg.data.uniqueIds,
    inDomainPrompt: cfg.data.inDomainPrompt,
    guard: (source, examples) => guardExamples(`the mixture source '${source}'`, examples, leakMode(cfg)),
  });
  o.check?.(built);
  const dir = ensureDir(o.out());
  const path = join(dir, 'mixture.jsonl');
  writeJsonl(path, built.examples);
  writeJson(join(dir, 'mixture.report.json'), built.report);
  return { ...built, path };
}

/**
 * A few examples per source in the unified format, for a table.
 * @example showTable(mixtureSample(examples, 2), { maxChars: 120 })
 */
export function mixtureSample(
  examples: readonly TrainingExample[],
  perSource = 2,
): { source: string; symmetric: boolean; task: string; query: string; positive: string; negative: string }[] {
  const seen = new Map<string, number>();
  const out: ReturnType<typeof mixtureSample> = [];
  for (const e of examples) {
    const n = seen.get(e.source) ?? 0;
    if (n >= perSource) continue;
    seen.set(e.source, n + 1);
    out.push({
      source: e.source,
      symmetric: e.symmetric,
      task: e.task,
      query: e.query,
      positive: e.positive.text,
      negative: e.negatives[0]?.text ?? '',
    });
  }
  return out.sort((a, b) => a.source.localeCompare(b.source));
}
