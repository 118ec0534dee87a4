// Loss curves from training metrics rows (train/metrics.jsonl: one row per logged step).
// Rows are plain records {step, loss, ...}; nested numeric fields (per-term or
// per-Matryoshka-dimension losses) are flattened to dotted keys such as 'terms.inBatch'.
import { colorAt, layout, type Figure, type Trace } from './figure';

/** One logged training step: `step` plus any numeric fields (loss terms, lr, ...), nested or flat. Any object type with a step fits. */
export interface LoggedStep {
  step: number;
}

/**
 * Flatten a row's numeric fields to dotted keys (arrays and non-numbers are dropped).
 * @example flattenNumeric({ step: 1, loss: 2, dims: { 16: 3 } }) // { step: 1, loss: 2, 'dims.16': 3 }
 */
export function flattenNumeric(row: Record<string, unknown>, prefix = ''): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(row)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'number' && Number.isFinite(v)) out[key] = v;
    else if (v && typeof v === 'object' && !Array.isArray(v))
      Object.assign(out, flattenNumeric(v as Record<string, unknown>, key));
  }
  return out;
}

/**
 * The loss keys found in the rows: every numeric key whose name contains 'loss' (any case),
 * 'loss' itself first, the rest in order of first appearance.
 */
export function lossKeys<R extends LoggedStep>(rows: readonly R[]): string[] {
  const seen: string[] = [];
  for (const row of rows) {
    for (const k of Object.keys(flattenNumeric(row as unknown as Record<string, unknown>))) {
      if (k !== 'step' && /loss/i.test(k) && !seen.includes(k)) seen.push(k);
    }
  }
  return seen.sort((a, b) => (a === 'loss' ? -1 : b === 'loss' ? 1 : 0));
}

export interface LossCurveOptions {
  title?: string;
  /** Which (dotted) keys to plot; default: every key containing 'loss'. */
  keys?: string[];
  /** Log-scale y axis. */
  logY?: boolean;
}

/**
 * Loss against step: the total 'loss' as a solid line, other loss terms dashed.
 * @example show(lossCurve(readJsonl(ctx.path('train', 'metrics.jsonl')), { title: 'Pre-finetuning loss' }))
 */
export function lossCurve<R extends LoggedStep>(rows: readonly R[], opts: LossCurveOptions = {}): Figure {
  if (rows.length === 0) throw new Error('lossCurve: no metrics rows to plot (did training log any step?)');
  const flat = rows.map((r) => flattenNumeric(r as unknown as Record<string, unknown>));
  const keys = opts.keys ?? lossKeys(rows);
  if (keys.length === 0)
    throw new Error(
      `lossCurve: no loss fields in the rows (fields: ${Object.keys(flat[0]!).join(', ')}); pass opts.keys`,
    );
  const data: Trace[] = keys.map((key, i) => {
    const pts = flat.filter((r) => r[key] !== undefined && r.step !== undefined);
    return {
      type: 'scatter',
      mode: pts.length > 40 ? 'lines' : 'lines+markers',
      name: key,
      x: pts.map((r) => r.step),
      y: pts.map((r) => r[key]),
      line: {
        color: colorAt(i),
        width: key === 'loss' ? 2.5 : 1.5,
        dash: key === 'loss' || keys.length === 1 ? 'solid' : 'dash',
      },
    };
  });
  return {
    data,
    layout: layout(
      opts.title ?? 'Training loss by step',
      'training step',
      opts.logY ? 'loss (log scale)' : 'loss',
      opts.logY ? { yaxis: { type: 'log' } } : {},
    ),
  };
}

/**
 * One loss key (default 'loss') for several runs on one plot, e.g. Matryoshka vs plain.
 * @example compareLossCurves({ matryoshka: rowsA, plain: rowsB }, { title: 'Fine-tuning loss' })
 */
export function compareLossCurves<R extends LoggedStep>(
  runs: Record<string, readonly R[]>,
  opts: { key?: string; title?: string } = {},
): Figure {
  const key = opts.key ?? 'loss';
  const names = Object.keys(runs);
  if (names.length === 0) throw new Error('compareLossCurves: no runs given');
  const data: Trace[] = names.map((name, i) => {
    const pts = runs[name]!.map((r) => flattenNumeric(r as unknown as Record<string, unknown>)).filter(
      (r) => r[key] !== undefined,
    );
    return {
      type: 'scatter',
      mode: 'lines',
      name,
      x: pts.map((r) => r.step),
      y: pts.map((r) => r[key]),
      line: { color: colorAt(i) },
    };
  });
  return { data, layout: layout(opts.title ?? `Training ${key} by step, ${names.length} runs`, 'training step', key) };
}
