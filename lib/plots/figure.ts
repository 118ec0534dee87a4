// The figure record every plot builder returns: plotly.js's own {data, layout} JSON,
// so a figure can be shown in a notebook (display/show.ts), saved as PNG/SVG
// (plots/export.ts) or written to a run folder as plain JSON. No plotly import here.

/** One plotly trace (scatter, bar, heatmap, ...): plain JSON as plotly.js expects it. */
export interface Trace {
  type: 'scatter' | 'bar' | 'heatmap' | 'histogram';
  name?: string;
  [key: string]: unknown;
}

/** A plotly axis: always has a title (the builders enforce it). */
export interface Axis {
  title: { text: string };
  [key: string]: unknown;
}

export interface Layout {
  title: { text: string };
  xaxis: Axis;
  yaxis: Axis;
  [key: string]: unknown;
}

/** A complete plotly figure: `Plotly.newPlot(div, figure.data, figure.layout)`. */
export interface Figure {
  data: Trace[];
  layout: Layout;
}

/** Default size for saved images, in CSS pixels. */
export const FIGURE_WIDTH = 800;
export const FIGURE_HEIGHT = 500;

/** A qualitative palette (plotly's default), so colours match across figures. */
export const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

/** The colour of the i-th series. */
export function colorAt(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}

/**
 * A layout with a title and labelled axes; `extra` is merged on top (axes merged key by key).
 * @example layout('Loss by step', 'step', 'loss', { yaxis: { type: 'log' } })
 */
export function layout(title: string, xTitle: string, yTitle: string, extra: Record<string, unknown> = {}): Layout {
  const { xaxis, yaxis, ...rest } = extra as { xaxis?: Record<string, unknown>; yaxis?: Record<string, unknown> };
  return {
    title: { text: title },
    xaxis: { automargin: true, ...xaxis, title: { text: xTitle } },
    yaxis: { automargin: true, ...yaxis, title: { text: yTitle } },
    width: FIGURE_WIDTH,
    height: FIGURE_HEIGHT,
    margin: { t: 60, l: 70, r: 30, b: 60 },
    ...rest,
  };
}

/** Round for display in titles and labels (3 significant digits). */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 1000 ? x.toFixed(0) : Number(x.toPrecision(3)).toString();
}
