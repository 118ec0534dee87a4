// Training data in the sentence-transformers layout: JSONL rows {anchor, positive, negative},
// the column names and order that its MultipleNegativesRankingLoss / (Cached)GISTEmbed losses
// take (sentence-transformers >= 3: every column but `label` is an input, so no other column
// is written). Texts are written already formatted in the paper's unified format, exactly as
// our trainer feeds them (train/contrastive-stage.ts: formatExample): the anchor is
// `task: T | query: q`; targets are `title: t | text: x`, or `task: T | query: x` for symmetric
// examples. Train on them without sentence-transformers prompts.
//   train.jsonl        examples with a hard negative: {anchor, positive, negative} (the first one)
//   train-pairs.jsonl  examples without one: {anchor, positive}
//   export-data.json   counts, the source file's name and sha256 (not its path: no local path
//                      is written), and what was left out
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { sha256 } from '../core/hash';
import { writeJson } from '../core/fs';
import { writeJsonl } from '../core/jsonl';
import { progress as startProgress } from '../core/progress';
import type { TrainingExample } from '../core/types';
import { formatExample } from '../train/contrastive-stage';

export interface StTriplet {
  anchor: string;
  positive: string;
  negative: string;
}
export interface StPair {
  anchor: string;
  positive: string;
}

export interface StDataReport {
  /** The source file's name (its path is left out). */
  source: string;
  /** sha256 of the source file, when it could be read. */
  sourceSha256?: string;
  examples: number;
  triplets: number;
  pairs: number;
  symmetric: number;
  /** Hard negatives beyond the first of an example, not written (the layout has one negative column). */
  extraNegativesLeftOut: number;
  bySource: Record<string, number>;
}

/**
 * Split examples into triplets (with a hard negative) and pairs, formatted as the trainer formats them.
 * @example stRows(examples).triplets[0] // { anchor: 'task: search result | query: ...', positive: 'title: ... | text: ...', negative: '...' }
 */
export function stRows(examples: readonly TrainingExample[], onRow?: () => void) {
  const triplets: StTriplet[] = [];
  const pairs: StPair[] = [];
  let extra = 0;
  for (const ex of examples) {
    const f = formatExample(ex);
    if (f.negatives.length) triplets.push({ anchor: f.query, positive: f.positive, negative: f.negatives[0]! });
    else pairs.push({ anchor: f.query, positive: f.positive });
    extra += Math.max(0, f.negatives.length - 1);
    onRow?.();
  }
  return { triplets, pairs, extraNegativesLeftOut: extra };
}

/** Write train.jsonl, train-pairs.jsonl (when any) and export-data.json into `outDir`. */
export function writeStData(
  examples: readonly TrainingExample[],
  outDir: string,
  source: string,
  opts: { progress?: boolean } = {},
): StDataReport {
  const bar = opts.progress === false ? undefined : startProgress('export-data', examples.length, 'examples');
  const rows = stRows(examples, () => bar?.tick());
  writeJsonl(join(outDir, 'train.jsonl'), rows.triplets);
  if (rows.pairs.length) writeJsonl(join(outDir, 'train-pairs.jsonl'), rows.pairs);
  const bySource: Record<string, number> = {};
  for (const ex of examples) bySource[ex.source] = (bySource[ex.source] ?? 0) + 1;
  const report: StDataReport = {
    source: basename(source),
    ...(existsSync(source) ? { sourceSha256: sha256(readFileSync(source)) } : {}),
    examples: examples.length,
    triplets: rows.triplets.length,
    pairs: rows.pairs.length,
    symmetric: examples.filter((e) => e.symmetric).length,
    extraNegativesLeftOut: rows.extraNegativesLeftOut,
    bySource,
  };
  writeJson(join(outDir, 'export-data.json'), {
    ...report,
    layout: 'sentence-transformers (anchor, positive, negative) JSONL; texts pre-formatted in the unified format',
  });
  bar?.done(`${report.triplets} triplets, ${report.pairs} pairs -> ${outDir}`);
  return report;
}
