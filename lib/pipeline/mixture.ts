// The fine-tuning mixture for a run (paper §3.3): FRet examples from <run>/fret/
// plus the academic sources, weighted by finetune.mixture, written once to <run>/mixture/.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readJson, writeJson } from '../core/fs';
import { readJsonl, writeJsonl } from '../core/jsonl';
import type { TrainingExample } from '../core/types';
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
  const cfg = ctx.config;
  const { examples, report } = buildMixture({
    weights: cfg.finetune.mixture,
    seed: cfg.seed,
    fretPath: join(fretDir(ctx), FRET_FILES.examples),
    uniqueIds: cfg.data.uniqueIds,
    inDomainPrompt: cfg.data.inDomainPrompt,
    guard: (source, examples) => guardExamples(`the mixture source '${source}'`, examples, leakMode(cfg)),
  });
  writeJsonl(path, examples);
  writeJson(reportPath, report);
  return { examples, report, path };
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
