// Evaluation figures: per-task score bars (models side by side) and score against
// Matryoshka dimension (one line per model or run). Input rows are plain records; map
// eval results to them with one `.map` (see pipeline/ helpers).
import { colorAt, fmt, layout, type Figure, type Trace } from './figure';

/** One score: a model (or run) on a task, optionally at a truncated dimension. */
export interface ScoreRecord {
  task: string;
  /** Model or run label shown in the legend, e.g. 'gecko-smoke', 'BM25'. */
  model: string;
  /** The task's main score (nDCG@10, Spearman, accuracy, ...). */
  score: number;
  /** Embedding dimension the score was measured at (absent for BM25 or full size). */
  dims?: number;
}

function firstSeen<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

/**
 * Grouped bars: x = task, one bar per model. Each (task, model) pair must appear once;
 * filter to one dimension first when the records hold several.
 * @example show(scoreBars([{ task: 'SciFact', model: 'BM25', score: 0.61 }, { task: 'SciFact', model: 'gecko', score: 0.4 }]))
 */
export function scoreBars(records: readonly ScoreRecord[], opts: { title?: string; yTitle?: string } = {}): Figure {
  if (records.length === 0) throw new Error('scoreBars: no score records');
  const seen = new Set<string>();
  for (const r of records) {
    const key = `${r.task}\u0000${r.model}`;
    if (seen.has(key))
      throw new Error(
        `scoreBars: task '${r.task}' has two scores for model '${r.model}'; filter the records to one dimension (e.g. .filter(r => r.dims === 64))`,
      );
    seen.add(key);
  }
  const tasks = firstSeen(records.map((r) => r.task));
  const models = firstSeen(records.map((r) => r.model));
  const data: Trace[] = models.map((model, i) => {
    const byTask = new Map(records.filter((r) => r.model === model).map((r) => [r.task, r.score]));
    return {
      type: 'bar',
      name: model,
      x: tasks,
      y: tasks.map((t) => byTask.get(t) ?? null),
      marker: { color: colorAt(i) },
      hovertemplate: `${model}<br>%{x}: %{y:.4f}<extra></extra>`,
    };
  });
  return {
    data,
    layout: layout(
      opts.title ?? `Main score per task (${models.length} model${models.length > 1 ? 's' : ''})`,
      'task',
      opts.yTitle ?? 'main score',
      { barmode: 'group', xaxis: { tickangle: -30 } },
    ),
  };
}

/** One point of a score-vs-dimension line: the mean score over the tasks given. */
export interface DimensionPoint {
  model: string;
  dims: number;
  score: number;
  tasks: number;
}

/**
 * Average the records per (model, dims) over tasks. Throws when a model has different
 * task sets at different dimensions (the mean would then compare unlike things).
 */
export function meanByDimension(records: readonly ScoreRecord[]): DimensionPoint[] {
  const groups = new Map<string, { model: string; dims: number; tasks: string[]; sum: number }>();
  for (const r of records) {
    if (r.dims === undefined)
      throw new Error(`scoreByDimension: record for task '${r.task}', model '${r.model}' has no dims`);
    const key = `${r.model}\u0000${r.dims}`;
    const g = groups.get(key) ?? { model: r.model, dims: r.dims, tasks: [], sum: 0 };
    g.tasks.push(r.task);
    g.sum += r.score;
    groups.set(key, g);
  }
  const points = [...groups.values()];
  for (const model of firstSeen(points.map((p) => p.model))) {
    const sets = points.filter((p) => p.model === model).map((p) => [...p.tasks].sort().join(','));
    if (new Set(sets).size > 1)
      throw new Error(
        `scoreByDimension: model '${model}' was scored on different tasks at different dimensions; evaluate every dimension on the same tasks`,
      );
  }
  return points
    .map((g) => ({ model: g.model, dims: g.dims, score: g.sum / g.tasks.length, tasks: g.tasks.length }))
    .sort((a, b) => (a.model === b.model ? a.dims - b.dims : 0));
}

/**
 * Score against embedding dimension, one line per model (e.g. 'Matryoshka-trained' vs
 * 'plain, truncated'); several tasks per point are averaged (the y label says how many, and
 * names the `inDomain` tasks among them: those whose training split the models trained on).
 * @example show(scoreByDimension(records, { title: 'SciFact nDCG@10 against dimension' }))
 */
export function scoreByDimension(
  records: readonly ScoreRecord[],
  opts: { title?: string; yTitle?: string; inDomain?: readonly string[] } = {},
): Figure {
  if (records.length === 0) throw new Error('scoreByDimension: no score records');
  const points = meanByDimension(records);
  const models = firstSeen(points.map((p) => p.model));
  const data: Trace[] = models.map((model, i) => {
    const pts = points.filter((p) => p.model === model).sort((a, b) => a.dims - b.dims);
    return {
      type: 'scatter',
      mode: 'lines+markers',
      name: model,
      x: pts.map((p) => p.dims),
      y: pts.map((p) => p.score),
      line: { color: colorAt(i) },
      marker: { size: 8 },
    };
  });
  const taskCount = Math.max(...points.map((p) => p.tasks));
  const dims = firstSeen(points.map((p) => p.dims)).sort((a, b) => a - b);
  const inDomain = (opts.inDomain ?? []).filter((t) => records.some((r) => r.task === t));
  const yTitle =
    opts.yTitle ??
    (taskCount > 1
      ? `mean main score over ${taskCount} tasks${inDomain.length ? ` (in-domain: ${inDomain.join(', ')})` : ''}`
      : 'main score');
  return {
    data,
    layout: layout(opts.title ?? 'Score against embedding dimension', 'embedding dimension (log scale)', yTitle, {
      xaxis: { type: 'log', tickvals: dims, ticktext: dims.map((d) => fmt(d)) },
    }),
  };
}
