// TREC files beside the MTEB result files, so any scorer (trec_eval, pytrec_eval, ranx, `gecko
// score`) can check a retrieval score:
//   <out>/<model>/<dim>/<Task>.run.trec    the run: `qid Q0 docid rank score tag`, best first
//   <out>/<model>/<dim>/<Task>.qrels.trec  the qrels it was scored against: `qid 0 docid grade`
// (in <dim>/not-mteb/ for the tasks mteb does not have, beside their result file: results.ts).
// The qrels are the ones the evaluation used (after sub-sampling queries), not the data set's
// full file. Scores are written at full precision (the float32 similarities round-trip exactly).
// Ranks follow our ranking (score descending, ties by docid ascending); trec_eval re-sorts by
// score and breaks ties by docid descending, so the two differ only on tied scores.
import { join } from 'node:path';
import { writeFileAtomic } from '../core/fs';
import type { Qrels, RunScores } from '../core/types';
import { rankRun } from './metrics/retrieval';
import { dimLabel, modelFolder, modelSlug, taskDir } from './results';

/** Where the TREC files of one (model, dim, task) go. */
export function trecPaths(outDir: string, modelId: string, dim: number | null, task: string) {
  const dir = taskDir(join(outDir, modelFolder(modelId)), dim, task);
  return { run: join(dir, `${task}.run.trec`), qrels: join(dir, `${task}.qrels.trec`) };
}

/** A run in TREC format. @example formatTrecRun({ q1: { d1: 0.5, d2: 0.9 } }, 'x') // 'q1 Q0 d2 1 0.9 x\nq1 Q0 d1 2 0.5 x\n' */
export function formatTrecRun(run: RunScores, tag: string): string {
  if (/\s/.test(tag) || !tag) throw new Error(`TREC run tag must be non-empty without spaces, got '${tag}'`);
  const lines: string[] = [];
  for (const q of Object.keys(run).sort()) {
    const scores = run[q]!;
    rankRun(scores).forEach((d, i) => lines.push(`${q} Q0 ${d} ${i + 1} ${scores[d]} ${tag}`));
  }
  return lines.join('\n') + (lines.length ? '\n' : '');
}

/** Qrels in TREC format (iteration column 0). @example formatTrecQrels({ q1: { d1: 2 } }) // 'q1 0 d1 2\n' */
export function formatTrecQrels(qrels: Qrels): string {
  const lines: string[] = [];
  for (const q of Object.keys(qrels).sort())
    for (const d of Object.keys(qrels[q]!).sort()) lines.push(`${q} 0 ${d} ${qrels[q]![d]}`);
  return lines.join('\n') + (lines.length ? '\n' : '');
}

/** Write both files of one (model, dim, task); returns their paths. */
export function writeTrecFiles(
  outDir: string,
  modelId: string,
  dim: number | null,
  task: string,
  trec: { run: RunScores; qrels: Qrels },
): { run: string; qrels: string } {
  const p = trecPaths(outDir, modelId, dim, task);
  const ids = [...Object.keys(trec.run), ...Object.keys(trec.qrels)];
  for (const id of ids)
    if (/\s/.test(id)) throw new Error(`${task}: id '${id}' contains whitespace and cannot be written in TREC format`);
  writeFileAtomic(p.run, formatTrecRun(trec.run, `${modelSlug(modelId)}-${dimLabel(dim)}`));
  writeFileAtomic(p.qrels, formatTrecQrels(trec.qrels));
  return p;
}
