// Run and stage summaries for the top of a notebook and after each stage.
import type { RunContext } from '../runs/run';
import { showMarkdown } from './show';
import { flattenNumeric } from '../plots/training';
import { showTable, type TableOptions } from './table';

/** The facts a notebook's first cell must state: which run, which preset and config, which backend and why, which teacher. */
export function runHeaderMarkdown(
  ctx: Pick<RunContext, 'id' | 'dir' | 'preset' | 'config' | 'configHash' | 'backend'>,
): string {
  const teacher = ctx.config.llm.teacher;
  const standIn =
    teacher === 'offline' ? ' (a stand-in, not an LLM: numbers show the pipeline working, not Gecko quality)' : '';
  return [
    `**run** \`${ctx.id}\``,
    '',
    '| | |',
    '|---|---|',
    `| preset | \`${ctx.preset}\` (set GECKO_PRESET=smoke, demo or full before starting Jupyter) |`,
    `| config hash | \`${ctx.configHash.slice(0, 8)}\` |`,
    `| seed | ${ctx.config.seed} |`,
    `| backend | \`${ctx.backend.name}\`: ${ctx.backend.reason} |`,
    `| teacher | \`${teacher}\`${standIn} |`,
    `| run folder | \`${ctx.dir}\` |`,
  ].join('\n');
}

/**
 * Show the run header (markdown in a notebook, text elsewhere).
 * @example const ctx = await startRun(resolveConfig()); showRunHeader(ctx);
 */
export function showRunHeader(
  ctx: Pick<RunContext, 'id' | 'dir' | 'preset' | 'config' | 'configHash' | 'backend'>,
): void {
  showMarkdown(runHeaderMarkdown(ctx));
}

/**
 * A stage report (any record of numbers, nested objects flattened to dotted keys) as a
 * two-column table; non-numeric scalars are kept, arrays are summarised by length.
 * @example showReport(fretReport, { caption: 'FRet relabelling' })
 */
export function showReport(report: object, opts: TableOptions = {}): void {
  const rows: { field: string; value: unknown }[] = [];
  const numeric = flattenNumeric(report as Record<string, unknown>);
  const walk = (obj: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(obj)) {
      const key = prefix ? `${prefix}.${k}` : k;
      if (key in numeric) rows.push({ field: key, value: numeric[key] });
      else if (Array.isArray(v))
        rows.push({
          field: key,
          value: v.length <= 12 && v.every((x) => typeof x !== 'object') ? v.join(', ') : `[${v.length} items]`,
        });
      else if (v && typeof v === 'object') walk(v as Record<string, unknown>, key);
      else if (v !== undefined) rows.push({ field: key, value: v });
    }
  };
  walk(report as Record<string, unknown>, '');
  showTable(rows, { limit: 200, ...opts });
}
