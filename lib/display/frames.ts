// Comparison tables of notebooks 06 and 07 as danfojs DataFrames: the notebook cells pass
// their result rows in and showTable() the frame. danfojs does the groupby, mean, count, sort
// and describe; what it lacks (a pivot; describe over columns holding nulls) is hand-written.
import type { ScoreRow } from '../eval/results';
import { summaryColumn } from '../eval/results';
import type { ScoreRecord } from '../plots/eval';
import { toDataFrame } from './table';

type DataFrame = import('danfojs-node').DataFrame;

/**
 * Notebook 06: mean main score per (model, dimension), with the number of tasks averaged,
 * sorted by dimension so the models sit side by side at each width.
 * @example showTable(dimensionFrame(scoreRecords(rows)))
 */
export function dimensionFrame(records: readonly ScoreRecord[]): DataFrame {
  const rows = records.map((r) => {
    if (r.dims === undefined)
      throw new Error(`dimensionFrame: record for task '${r.task}', model '${r.model}' has no dims`);
    return { model: r.model, dims: r.dims, score: r.score };
  });
  if (rows.length === 0) throw new Error('dimensionFrame: no score records (did the evaluation run?)');
  const means = toDataFrame(rows)
    .groupby(['model', 'dims'])
    .agg({ score: ['mean', 'count'] });
  return means.sortValues('dims', { ascending: true }).resetIndex() as DataFrame;
}

/** Result rows with a score, labelled by model and dimension ('<model> d<dim>'). */
function labelled(rows: readonly ScoreRow[]): { model: string; task: string; score: number }[] {
  return rows
    .filter((r) => r.main_score !== null)
    .map((r) => ({ model: summaryColumn(r.model, r.dim), task: r.task, score: r.main_score! }));
}

/**
 * Notebook 07: mean main score per model (and dimension) over the tasks it has a score on,
 * best first. `score_count` says how many tasks: BM25 scores retrieval and reranking only,
 * so its mean is over fewer tasks and not comparable with the others'.
 * @example showTable(modelMeansFrame(rows))
 */
export function modelMeansFrame(rows: readonly ScoreRow[]): DataFrame {
  const scored = labelled(rows);
  if (scored.length === 0) throw new Error('modelMeansFrame: no row has a main score');
  const means = toDataFrame(scored)
    .groupby(['model'])
    .agg({ score: ['mean', 'count'] });
  return means.sortValues('score_mean', { ascending: false }).resetIndex() as DataFrame;
}

/**
 * Notebook 07: danfojs describe() (count, mean, std, min, median, max, variance) of each
 * model's main scores over tasks; one row per statistic, one column per model.
 * @example showTable(describeByModel(rows))
 */
export function describeByModel(rows: readonly ScoreRow[]): DataFrame {
  const scored = labelled(rows);
  if (scored.length === 0) throw new Error('describeByModel: no row has a main score');
  // danfojs has no pivot, and DataFrame.describe() throws on the nulls a pivot would hold
  // (BM25 has no score on most tasks), so describe each model's scores as a Series and put
  // the columns side by side by hand.
  const frame = toDataFrame(scored);
  const models = [...new Set(scored.map((r) => r.model))];
  const described = models.map((m) => frame.query(frame['model'].eq(m))['score'].describe());
  const stats = described[0]!.index as string[];
  return toDataFrame(
    stats.map((stat, i) => ({
      statistic: stat,
      ...Object.fromEntries(models.map((m, j) => [m, (described[j]!.values as number[])[i]])),
    })),
  );
}
