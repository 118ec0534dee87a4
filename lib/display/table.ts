// Tables for notebooks: records (or a danfojs DataFrame) as an HTML table with a row
// limit, column choice and rounding (arquero toHTML's options), or as aligned text outside
// a kernel. danfojs-node is loaded only by toDataFrame(), when a caller wants a DataFrame.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { projectRoot } from '../core/paths';
import { displayData } from './kernel';
import { escapeHtml } from './show';

/** What showTable reads from a danfojs DataFrame (any object with columns + row values). */
export interface DataFrameLike {
  columns: string[];
  /** Row-major values (danfojs types this loosely; a 2-D array at runtime). */
  values: unknown;
}

export interface TableOptions {
  /** Maximum rows shown (default 20); the footer says how many there are. */
  limit?: number;
  /** Columns to show, in order (default: every key, in order of first appearance). */
  columns?: string[];
  /** Maximum decimals for non-integer numbers (default 4). */
  digits?: number;
  /** Longer strings are cut with '…' (default 300; 0 = never). */
  maxChars?: number;
  /** A caption above the table. */
  caption?: string;
}

export type Row = Record<string, unknown>;
/** Anything showTable accepts: records (any object type) or a DataFrame. */
export type TableData = readonly object[] | DataFrameLike;

function isDataFrame(x: TableData): x is DataFrameLike {
  return (
    !!x &&
    typeof x === 'object' &&
    !Array.isArray(x) &&
    Array.isArray((x as DataFrameLike).columns) &&
    Array.isArray((x as DataFrameLike).values)
  );
}

/** Rows of a DataFrame-like object, or the records themselves. */
export function tableRows(data: TableData): Row[] {
  if (isDataFrame(data))
    return (data.values as unknown[][]).map((vals) =>
      Object.fromEntries(data.columns.map((c, i) => [c, Array.isArray(vals) ? vals[i] : vals])),
    );
  return (data as readonly Row[]).slice();
}

/** Column names: the given ones, else every key in order of first appearance. */
export function tableColumns(rows: readonly Row[], columns?: string[]): string[] {
  if (columns) return columns;
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

/**
 * One cell as text: numbers rounded to `digits` decimals, objects as JSON, long text cut.
 * @example formatCell(0.123456, { digits: 3 }) === '0.123'
 */
export function formatCell(v: unknown, opts: { digits?: number; maxChars?: number } = {}): string {
  const digits = opts.digits ?? 4,
    maxChars = opts.maxChars ?? 300;
  let s: string;
  if (v === null || v === undefined) s = '';
  else if (typeof v === 'number')
    s = Number.isInteger(v) || !Number.isFinite(v) ? String(v) : String(Number(v.toFixed(digits)));
  else if (typeof v === 'string') s = v;
  else if (typeof v === 'boolean' || typeof v === 'bigint') s = String(v);
  else if (ArrayBuffer.isView(v)) s = `[${(v as unknown as ArrayLike<number>).length} numbers]`;
  else s = JSON.stringify(v);
  return maxChars > 0 && s.length > maxChars ? s.slice(0, maxChars - 1) + '…' : s;
}

/**
 * Records or a DataFrame as an HTML table (values escaped).
 * @example toHtmlTable([{ task: 'SciFact', ndcg_at_10: 0.61234 }], { digits: 3 })
 */
export function toHtmlTable(data: TableData, opts: TableOptions = {}): string {
  const rows = tableRows(data);
  const cols = tableColumns(rows, opts.columns);
  const limit = opts.limit ?? 20;
  const shown = rows.slice(0, limit);
  const align = (c: string) => {
    const present = shown.map((r) => r[c]).filter((v) => v !== undefined && v !== null);
    return present.length > 0 && present.every((v) => typeof v === 'number') ? 'right' : 'left';
  };
  const head = cols.map((c) => `<th style="text-align:${align(c)}">${escapeHtml(c)}</th>`).join('');
  const body = shown
    .map(
      (r) =>
        `<tr>${cols.map((c) => `<td style="text-align:${align(c)}">${escapeHtml(formatCell(r[c], opts))}</td>`).join('')}</tr>`,
    )
    .join('\n');
  const caption = opts.caption
    ? `<caption style="caption-side:top;text-align:left;font-weight:bold">${escapeHtml(opts.caption)}</caption>`
    : '';
  const foot =
    rows.length > shown.length
      ? `<div style="font-size:90%;color:#666">showing ${shown.length} of ${rows.length} rows</div>`
      : '';
  const style = '<style>.gecko-table td{vertical-align:top;white-space:normal;max-width:40em}</style>';
  return `${style}<table class="gecko-table">${caption}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>${foot}`;
}

/** The same table as aligned plain text (for terminals and text/plain). */
export function toTextTable(data: TableData, opts: TableOptions = {}): string {
  const rows = tableRows(data);
  const cols = tableColumns(rows, opts.columns);
  const shown = rows.slice(0, opts.limit ?? 20);
  const cells = shown.map((r) =>
    cols.map((c) =>
      formatCell(r[c], { digits: opts.digits, maxChars: Math.min(opts.maxChars ?? 60, 60) || 60 }).replace(/\s+/g, ' '),
    ),
  );
  const widths = cols.map((c, j) => Math.max(c.length, ...cells.map((row) => row[j]!.length)));
  const line = (vals: string[]) =>
    vals
      .map((v, j) => v.padEnd(widths[j]!))
      .join('  ')
      .trimEnd();
  const out = [
    ...(opts.caption ? [opts.caption] : []),
    line(cols),
    line(widths.map((w) => '-'.repeat(w))),
    ...cells.map(line),
  ];
  if (rows.length > shown.length) out.push(`(showing ${shown.length} of ${rows.length} rows)`);
  return out.join('\n');
}

/**
 * Show records or a danfojs DataFrame as a table: HTML in a notebook, text elsewhere.
 * @example showTable(queries, { columns: ['task', 'query'], limit: 5 })
 */
export function showTable(data: TableData, opts: TableOptions = {}): void {
  const text = toTextTable(data, opts);
  if (!displayData({ 'text/html': toHtmlTable(data, opts), 'text/plain': text })) console.log(text);
}

/**
 * Records as a danfojs-node DataFrame (danfojs is loaded on first use: it pulls in TF.js).
 * @example const df = toDataFrame(scores); showTable(df.groupby(['model']).mean())
 */
export function toDataFrame(rows: readonly object[]): import('danfojs-node').DataFrame {
  const dfd = createRequire(join(projectRoot(), 'package.json'))('danfojs-node') as typeof import('danfojs-node');
  return new dfd.DataFrame(rows.slice() as Record<string, unknown>[] as never);
}
