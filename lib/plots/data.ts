// Data figures: how long the passages of a corpus are, and which ones the seeding
// length window keeps.
import { colorAt, layout, type Figure, type Trace } from './figure';

/** Counts of values in bins [start + i*size, start + (i+1)*size). */
export function binCounts(values: readonly number[], size: number, start = 0, bins?: number): number[] {
  if (!(size > 0)) throw new Error(`binCounts: bin size must be > 0, got ${size}`);
  const n = bins ?? Math.max(1, Math.ceil((Math.max(start, ...values) - start + 1) / size));
  const counts = new Array<number>(n).fill(0);
  for (const v of values) {
    const i = Math.floor((v - start) / size);
    if (i >= 0 && i < n) counts[i]! += 1;
  }
  return counts;
}

/**
 * Histogram of lengths (overlaid series), with dashed lines at an optional [min, max] window.
 * Values above `clipAt` (default: the 99th percentile) are counted in the last bin.
 * @example show(lengthHistogram({ 'bbc_news paragraphs': corpus.map((p) => p.text.length) }, { window: [200, 1200] }))
 */
export function lengthHistogram(
  series: Record<string, readonly number[]>,
  opts: { title?: string; xTitle?: string; window?: [number, number]; bins?: number; clipAt?: number } = {},
): Figure {
  const names = Object.keys(series);
  const all = names.flatMap((n) => series[n]!);
  if (all.length === 0) throw new Error('lengthHistogram: no values');
  const sorted = all.slice().sort((a, b) => a - b);
  const clip = opts.clipAt ?? Math.max(sorted[Math.floor(0.99 * (sorted.length - 1))]!, opts.window?.[1] ?? 0);
  const bins = opts.bins ?? 40;
  const size = Math.max(1, Math.ceil((clip + 1) / bins));
  const data: Trace[] = names.map((name, i) => {
    const counts = binCounts(
      series[name]!.map((v) => Math.min(v, clip)),
      size,
      0,
      bins,
    );
    return {
      type: 'bar',
      name,
      x: counts.map((_, j) => j * size + size / 2),
      y: counts,
      width: size,
      marker: { color: colorAt(i), opacity: names.length > 1 ? 0.6 : 0.85 },
    };
  });
  const shapes = (opts.window ?? []).map((x) => ({
    type: 'line',
    x0: x,
    x1: x,
    yref: 'paper',
    y0: 0,
    y1: 1,
    line: { dash: 'dash', color: '#d62728', width: 2 },
  }));
  const title =
    opts.title ??
    (opts.window
      ? `Passage length; dashed lines: the seeding window ${opts.window[0]}-${opts.window[1]} characters`
      : 'Passage length');
  return {
    data,
    layout: layout(title, opts.xTitle ?? `characters (values above ${clip} counted in the last bar)`, 'passages', {
      barmode: 'overlay',
      bargap: 0,
      shapes,
    }),
  };
}
