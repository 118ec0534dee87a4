// Every standard figure of a run folder, from what the run has written so far, and one call
// to save them all as PNG + SVG under <run>/plots/ (for experiments.md and the demo):
//   fret/fret.jsonl                 → rank agreement, positive ranks, one query's candidates
//   <stage>/metrics.jsonl           → loss curves (pretrain, prefinetune, finetune, finetune-plain)
//   eval/<model>/<dim>/<Task>.json  → per-task score bars at full size, score against dimension
// Missing parts are skipped, so it works on a partial run.
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { readJsonl } from '../core/jsonl';
import { readJson } from '../core/fs';
import type { FretRecord } from '../fret/types';
import type { Figure } from '../plots/figure';
import { scoreBars, scoreByDimension, type ScoreRecord } from '../plots/eval';
import { savePlots, type ImageOptions } from '../plots/export';
import { candidateScores, positiveRankHistogram, rankAgreement } from '../plots/ranking';
import { lossCurve } from '../plots/training';
import { atFullSize, inTaskOrder } from './eval';
import { pickExample } from './inspect';
import { collectRunResults } from './runs';
import { readLossRows } from './train';
import { inDomainTasks } from '../mixture/build';
import type { ExperimentConfig } from '../config/schema';

const STAGES: Record<string, string> = {
  pretrain: 'MLM pretraining loss by step',
  prefinetune: 'Pre-finetuning loss by step (in-batch softmax)',
  finetune: 'Fine-tuning loss by step (Gecko loss, Matryoshka)',
  'finetune-plain': 'Fine-tuning loss by step without Matryoshka (ablation)',
};

/** Per model, keep only the tasks it was scored on at every one of its dimensions. */
export function commonTasks(records: readonly ScoreRecord[]): ScoreRecord[] {
  const keep = new Map<string, Set<string>>();
  for (const model of new Set(records.map((r) => r.model))) {
    const mine = records.filter((r) => r.model === model);
    const dims = [...new Set(mine.map((r) => r.dims))];
    const sets = dims.map((d) => new Set(mine.filter((r) => r.dims === d).map((r) => r.task)));
    keep.set(model, new Set([...sets[0]!].filter((t) => sets.every((s) => s.has(t)))));
  }
  return records.filter((r) => keep.get(r.model)!.has(r.task));
}

/**
 * The run's figures by file name (name → figure), built from the records on disk.
 * @example const figs = runFigures(ctx.dir); show(figs['score-bars'])
 */
export function runFigures(runDir: string): Record<string, Figure> {
  const figs: Record<string, Figure> = {};
  const fretPath = join(runDir, 'fret', 'fret.jsonl');
  if (existsSync(fretPath)) {
    const records = readJsonl<FretRecord>(fretPath);
    if (records.length) {
      figs['fret-rank-agreement'] = rankAgreement(records);
      figs['fret-positive-ranks'] = positiveRankHistogram(records);
      figs['fret-example-candidates'] = candidateScores(pickExample(records));
    }
  }
  for (const [stage, title] of Object.entries(STAGES)) {
    const rows = readLossRows(join(runDir, stage));
    if (rows.length) figs[`loss-${stage}`] = lossCurve(rows, { title: `${title} (${rows.length} steps)` });
  }
  const results = collectRunResults(dirname(runDir)).filter((r) => r.run === basename(runDir));
  const records: ScoreRecord[] = inTaskOrder(results).map((r) => ({
    task: r.task,
    model: r.model,
    score: r.mainScore,
    ...(r.dim === null ? {} : { dims: r.dim }),
  }));
  if (records.length) {
    figs['score-bars'] = scoreBars(atFullSize(records), {
      title: 'Main score per task at each model’s full dimension',
    });
    const dense = commonTasks(records.filter((r) => r.dims !== undefined));
    const multi = [...new Set(dense.map((r) => r.model))].filter(
      (m) => new Set(dense.filter((r) => r.model === m).map((r) => r.dims)).size > 1,
    );
    if (multi.length) {
      const cfgPath = join(runDir, 'config.json');
      const mixture = existsSync(cfgPath)
        ? readJson<{ config?: ExperimentConfig }>(cfgPath).config?.finetune.mixture
        : undefined;
      figs['score-by-dimension'] = scoreByDimension(
        dense.filter((r) => multi.includes(r.model)),
        { inDomain: mixture ? inDomainTasks(mixture) : [] },
      );
    }
  }
  return figs;
}

/**
 * Save every figure of the run as <run>/plots/<name>.png and .svg (headless Chromium).
 * @example const files = await saveRunPlots(ctx.dir)
 */
export async function saveRunPlots(runDir: string, opts: ImageOptions = {}): Promise<string[]> {
  const figs = runFigures(runDir);
  return Object.keys(figs).length ? savePlots(figs, join(runDir, 'plots'), opts) : [];
}
