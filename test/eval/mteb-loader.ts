// A port of mteb's result loader, for tests: which files of a results folder mteb reads, how it
// checks each one, and what its split/subset validation keeps. pip's local store has no mteb, so
// the tests cannot run mteb itself; this follows its source line by line instead:
// embeddings-benchmark/mteb (Apache-2.0)
//   tag 2.20.0 (a7110dff55ed6ca9cbde6219422c6a53a265f182):
//     mteb/cache/result_cache.py  ResultCache.get_cache_paths: base.glob("*/*/*.json") minus
//                                 model_meta.json; require_model_meta keeps files whose folder
//                                 holds model_meta.json; _get_model_name_and_revision_from_path
//     mteb/results/task_result.py TaskResult fields, _validate_scores_dict, from_disk (a version
//                                 below 1.11.0, or none, takes the pre-1.11 conversion path),
//                                 validate_and_filter_scores (a missing split or subset: NaN + warning)
//   tag 1.14.17 (18662380f0f476db3d170d0926892045aa9f74ee):
//     mteb/load_results/mteb_results.py MTEBResults (mteb_version: str, evaluation_time: float),
//                                 validate_and_filter_scores (a missing split or subset: ValueError)
// test/fixtures/mteb-2.20.0 (files mteb wrote) checks the port itself.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** ResultCache.get_cache_paths(require_model_meta=True) over `resultsDir` (mteb's <cache>/results). */
export function mtebCachePaths(resultsDir: string, requireModelMeta = true): string[] {
  const dirs = (d: string) => readdirSync(d).filter((x) => statSync(join(d, x)).isDirectory());
  const out: string[] = [];
  for (const model of dirs(resultsDir))
    for (const rev of dirs(join(resultsDir, model))) {
      const dir = join(resultsDir, model, rev);
      for (const f of readdirSync(dir).sort())
        if (f.endsWith('.json') && f !== 'model_meta.json' && statSync(join(dir, f)).isFile())
          if (!requireModelMeta || existsSync(join(dir, 'model_meta.json'))) out.push(join(dir, f));
    }
  return out.sort();
}

/** _get_model_name_and_revision_from_path: model_meta.json's name and revision (experiment kwargs must be null). */
export function mtebModelOf(revisionDir: string): { name: string; revision: string; experiment: unknown } {
  const meta = readPyJson(join(revisionDir, 'model_meta.json'));
  return { name: meta.name as string, revision: meta.revision as string, experiment: meta.experiment_kwargs ?? null };
}

/** A Python-style version compare of 'a.b.c' strings (packaging.Version on plain releases). */
export function versionLess(a: string, b: string): boolean {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false;
}

/**
 * TaskResult.from_disk's checks (2.20.0 and 1.14.17): the problems mteb would raise, [] when it
 * loads the file as a current-format result (not through the pre-1.11 conversion).
 */
export function taskResultProblems(data: Record<string, unknown>, version: '2.20' | '1.14' = '2.20'): string[] {
  const p: string[] = [];
  const v = data.mteb_version;
  if (typeof v !== 'string' || !/^\d+(\.\d+)*$/.test(v)) p.push('mteb_version is not a version string');
  else if (versionLess(v, '1.11.0')) p.push(`mteb_version ${v} < 1.11.0: read as a pre-1.11 file`);
  else if (versionLess(v, '1.12.48')) p.push(`mteb_version ${v} < 1.12.48: pair-classification scores rewritten`);
  if (typeof data.dataset_revision !== 'string') p.push('dataset_revision is not a string');
  if (typeof data.task_name !== 'string') p.push('task_name is not a string');
  const t = data.evaluation_time;
  if (!(typeof t === 'number' || (version === '2.20' && t === null))) p.push('evaluation_time is not a number');
  const co2 = data.kg_co2_emissions;
  if (!(co2 === undefined || co2 === null || typeof co2 === 'number'))
    p.push('kg_co2_emissions is not a number or null');
  const scores = data.scores;
  if (!scores || typeof scores !== 'object' || Array.isArray(scores)) return [...p, 'scores is not a dict'];
  for (const [split, list] of Object.entries(scores)) {
    if (!Array.isArray(list)) {
      p.push(`scores.${split} is not a list`);
      continue;
    }
    for (const s of list as Record<string, unknown>[]) {
      if (!s || typeof s !== 'object') p.push('Scores should be a dictionary');
      else if (!('main_score' in s)) p.push("'main_score' should be in scores");
      else if (typeof s.hf_subset !== 'string') p.push('hf_subset should be in scores and should be a string');
      else if (!Array.isArray(s.languages)) p.push('languages should be in scores and should be a list');
    }
  }
  return p;
}

/** mteb task metadata as validate_and_filter_scores reads it. */
export interface MtebTaskMeta {
  evalSplits: readonly string[];
  subsets: readonly string[];
}

/**
 * validate_and_filter_scores: the splits and subsets of the task missing from the file. mteb
 * 1.14.17 raises when any is missing; 2.20.0 fills each with NaN and warns.
 */
export function missingEvaluations(
  scores: Record<string, { hf_subset: string }[]>,
  task: MtebTaskMeta,
): Record<string, string[]> {
  const missing: Record<string, string[]> = {};
  for (const split of task.evalSplits) {
    const seen = new Set((scores[split] ?? []).map((s) => s.hf_subset));
    const gap = task.subsets.filter((s) => !seen.has(s));
    if (gap.length) missing[split] = gap;
  }
  return missing;
}

/** Read a JSON file Python's json module wrote: bare NaN / Infinity (which it writes for NaN and inf floats) read as null. */
export function readPyJson(path: string): Record<string, unknown> {
  const text = readFileSync(path, 'utf8').replace(/([:[,]\s*)(-?Infinity|NaN)(?=\s*[,\]}])/g, '$1null');
  return JSON.parse(text) as Record<string, unknown>;
}
