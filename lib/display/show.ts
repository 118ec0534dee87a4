// show(figure): an interactive plotly figure in a tslab notebook with no CDN. The first call
// in a kernel outputs the plotly.js bundle from node_modules once (with `define` shadowed so
// classic Notebook's require.js does not swallow it); every figure is then a div + newPlot.
// Each figure output also carries the figure as application/vnd.plotly.v1+json ({data, layout}),
// which JupyterLab and VS Code render natively (classic Notebook 6 uses the HTML).
// Outside a kernel (vitest, plain Node) these functions print a one-line text summary.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { projectRoot } from '../core/paths';
import type { Figure } from '../plots/figure';
import { displayData, inKernel } from './kernel';

let plotlyLoaded = false;

/** The mime type JupyterLab's and VS Code's built-in plotly renderers read. */
export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';

/** The figure as plotly's mime bundle value: plain JSON {data, layout}. */
export function plotlyMimeData(fig: Figure): { data: unknown[]; layout: Record<string, unknown> } {
  return JSON.parse(JSON.stringify({ data: fig.data, layout: fig.layout })) as {
    data: unknown[];
    layout: Record<string, unknown>;
  };
}

/** Escape text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JSON safe to embed in an inline <script> (no '</script>' can close it early). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** The one-line text stand-in for a figure (outside notebooks, and as text/plain). */
export function figureSummary(fig: Figure): string {
  const names = fig.data.map((t) => t.name).filter(Boolean);
  return `[figure] ${fig.layout.title.text} (x: ${fig.layout.xaxis.title.text}; y: ${fig.layout.yaxis.title.text}; ${fig.data.length} trace${fig.data.length === 1 ? '' : 's'}${names.length ? ': ' + names.join(', ') : ''})`;
}

/** The HTML that draws `fig` into a fresh div, given window.Plotly. */
export function figureHtml(fig: Figure, id = `gecko-plot-${randomBytes(6).toString('hex')}`): string {
  const missing =
    'plotly.js is not loaded in this page: run the notebook from the top (Kernel, Restart and Run All) and trust it';
  return (
    `<div id="${id}" class="gecko-plot"></div><script>(function(){var f=${scriptJson(fig)};var el=document.getElementById(${scriptJson(id)});` +
    `if(window.Plotly){window.Plotly.newPlot(el,f.data,f.layout,{displaylogo:false,responsive:true});}else{el.textContent=${scriptJson(missing)};}})();</script>`
  );
}

function loadPlotlyOnce(): void {
  if (plotlyLoaded) return;
  const bundlePath = createRequire(join(projectRoot(), 'package.json')).resolve('plotly.js-dist-min');
  const bundle = readFileSync(bundlePath, 'utf8');
  displayData({
    'text/html': `<script>(function(define, module, exports){${bundle}\n})(undefined, undefined, undefined);</script>`,
    'text/plain': '(plotly.js loaded for the figures below)',
  });
  plotlyLoaded = true;
}

/**
 * Show a figure: interactive in a notebook, a one-line summary elsewhere.
 * @example show(lossCurve(rows))
 */
export function show(fig: Figure): void {
  if (!inKernel()) {
    console.log(figureSummary(fig));
    return;
  }
  loadPlotlyOnce();
  displayData({
    [PLOTLY_MIME]: plotlyMimeData(fig),
    'text/html': figureHtml(fig),
    'text/plain': figureSummary(fig),
  });
}

/** Show raw HTML in a notebook (prints `text` or nothing elsewhere). */
export function showHtml(html: string, text?: string): void {
  if (!displayData({ 'text/html': html, 'text/plain': text ?? '(html output)' }) && text) console.log(text);
}

/**
 * Show markdown (rendered in a notebook, printed as is elsewhere).
 * @example showMarkdown(`**${report.outputs}** training examples`)
 */
export function showMarkdown(md: string): void {
  if (!displayData({ 'text/markdown': md, 'text/plain': md })) console.log(md);
}
