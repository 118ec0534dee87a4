// Score any system's outputs from files: BEIR qrels + TREC run for retrieval, a gold/predicted
// TSV for STS. Parsers are strict: a malformed line is a DataError naming file and line.
import { DataError } from '../core/errors';
import { existsSync } from '../core/fs';
import { missingHint, whyMissing } from '../core/missing';
import { readLinesUtf8 } from '../core/text';
import type { Logger } from '../core/log';
import type { Qrels, RunScores } from '../core/types';
import { pearson, spearman } from './metrics/correlation';
import { retrievalMetrics } from './metrics/retrieval';

function lines(path: string): string[] {
  if (!existsSync(path)) {
    const why = whyMissing(path);
    throw new DataError(path, why, undefined, missingHint(why));
  }
  return Array.from(readLinesUtf8(path), (l) => l.text.replace(/\r$/, '')); // a line over 8 MiB is refused as too long
}

/**
 * BEIR qrels: `query-id <TAB> corpus-id <TAB> score` with an optional header line; a 4-column
 * TREC qrels line (`qid 0 docid grade`) is accepted too.
 * @example parseQrels('scifact/qrels/test.tsv')['1'] // { '31715818': 1 }
 */
export function parseQrels(path: string): Qrels {
  const out: Qrels = {};
  lines(path).forEach((line, i) => {
    if (line.trim() === '') return;
    const f = line.trim().split(/\t|\s+/);
    if (i === 0 && !/^-?\d+$/.test(f[f.length - 1]!)) return; // header
    if (f.length !== 3 && f.length !== 4)
      throw new DataError(
        path,
        `expected 'query-id<TAB>corpus-id<TAB>score' (or TREC 'qid 0 docid grade'), got ${f.length} fields`,
        i + 1,
      );
    const [q, d, g] = f.length === 3 ? [f[0]!, f[1]!, f[2]!] : [f[0]!, f[2]!, f[3]!];
    const grade = Number(g);
    if (!Number.isInteger(grade)) throw new DataError(path, `relevance grade must be an integer, got '${g}'`, i + 1);
    (out[q] ??= {})[d] = grade;
  });
  return out;
}

/**
 * A TREC run: `qid Q0 docid rank score tag` per line (whitespace separated). The score orders
 * the documents (rank is ignored, as trec_eval does). A repeated (qid, docid) is an error.
 * @example parseTrecRun('bm25.run')['1'] // { '31715818': 12.3, ... }
 */
export function parseTrecRun(path: string): RunScores {
  const out: RunScores = {};
  lines(path).forEach((line, i) => {
    if (line.trim() === '') return;
    const f = line.trim().split(/\s+/);
    if (f.length !== 6)
      throw new DataError(path, `expected 6 fields 'qid Q0 docid rank score tag', got ${f.length}`, i + 1);
    const score = Number(f[4]);
    if (!Number.isFinite(score)) throw new DataError(path, `score must be a number, got '${f[4]}'`, i + 1);
    const run = (out[f[0]!] ??= {});
    if (f[2]! in run) throw new DataError(path, `document '${f[2]}' appears twice for query '${f[0]}'`, i + 1);
    run[f[2]!] = score;
  });
  return out;
}

/** Retrieval metrics (MTEB keys) of a run file against a qrels file, plus query counts. */
export function scoreRetrievalFiles(
  qrelsPath: string,
  runPath: string,
  log?: Pick<Logger, 'warn'>,
): Record<string, number> {
  const qrels = parseQrels(qrelsPath);
  const run = parseTrecRun(runPath);
  const judged = Object.keys(qrels).filter((q) => Object.values(qrels[q]!).some((g) => g > 0));
  if (judged.length === 0)
    throw new DataError(
      qrelsPath,
      'holds no relevance judgements (empty, or a header only)',
      undefined,
      'give a qrels file with query-id, corpus-id, score lines',
    );
  if (Object.keys(run).length === 0)
    throw new DataError(
      runPath,
      'holds no ranked documents (empty run file)',
      undefined,
      "give a TREC run: 'qid Q0 docid rank score tag' per line",
    );
  if (!judged.some((q) => q in run))
    throw new DataError(
      runPath,
      `none of its ${Object.keys(run).length} query ids appears in ${qrelsPath} (e.g. run '${Object.keys(run)[0]}', qrels '${judged[0]}')`,
      undefined,
      'score a run against the qrels of the same queries',
    );
  const missing = judged.filter((q) => !(q in run));
  if (missing.length > 0)
    log?.warn(
      `${runPath} ranks ${judged.length - missing.length} of the ${judged.length} judged queries in ${qrelsPath}: the other ${missing.length} (e.g. '${missing[0]}') score 0 in every metric, as trec_eval counts them; rank every query, or score against the qrels of the queries you ran`,
    );
  const s = retrievalMetrics(qrels, run);
  return {
    main_score: s.metrics.ndcg_at_10!,
    ...s.metrics,
    evaluated_queries: s.evaluated,
    skipped_queries: s.skipped.length,
  };
}

/**
 * STS predictions: a TSV with a header naming columns `gold` and `predicted` (others ignored).
 * @example scoreStsFile('preds.tsv') // { main_score, spearman, pearson, pairs }
 */
export function scoreStsFile(path: string): Record<string, number> {
  const all = lines(path);
  const header = (all[0] ?? '').split('\t').map((h) => h.trim());
  const gi = header.indexOf('gold'),
    pi = header.indexOf('predicted');
  if (gi < 0 || pi < 0)
    throw new DataError(
      path,
      `the header line must name columns 'gold' and 'predicted' (tab-separated), got: ${header.join(', ')}`,
      1,
    );
  const gold: number[] = [],
    pred: number[] = [];
  all.slice(1).forEach((line, i) => {
    if (line.trim() === '') return;
    const f = line.split('\t');
    const g = Number(f[gi]),
      p = Number(f[pi]);
    if (f[gi] === undefined || f[gi]!.trim() === '' || !Number.isFinite(g))
      throw new DataError(path, `'gold' must be a number, got '${f[gi] ?? ''}'`, i + 2);
    if (f[pi] === undefined || f[pi]!.trim() === '' || !Number.isFinite(p))
      throw new DataError(path, `'predicted' must be a number, got '${f[pi] ?? ''}'`, i + 2);
    gold.push(g);
    pred.push(p);
  });
  if (gold.length < 2) throw new DataError(path, `needs at least 2 rows of scores, got ${gold.length}`);
  for (const [name, xs] of [
    ['predicted', pred],
    ['gold', gold],
  ] as const)
    if (xs.every((x) => x === xs[0]))
      throw new DataError(
        path,
        `every '${name}' score is ${xs[0]}: a correlation with a constant is undefined`,
        undefined,
        name === 'predicted'
          ? 'the system gives the same score to every pair; check its output'
          : 'check the gold column',
      );
  const s = spearman(pred, gold);
  return { main_score: s, spearman: s, pearson: pearson(pred, gold), pairs: gold.length };
}
