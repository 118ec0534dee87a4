// One ablation end to end, as `gecko ablate` and notebook 08 run it: run (or resume) the arms,
// save the per-item rows and results, the two figures (PNG + SVG), and the experiments.md entry.
import { cpus } from 'node:os';
import { join } from 'node:path';
import { writeJson } from '../core/fs';
import { GeckoError } from '../core/errors';
import { consoleLogger, type Logger } from '../core/log';
import { projectRoot } from '../core/paths';
import { savePlots } from '../plots/export';
import { prependEntry } from '../pipeline/experiments-log';
import { t975 } from './intervals';
import { ablationEntry, ablationFigures, armsTable, differencesTable, verdicts } from './report';
import { runAblation, type AblateOptions, type AblationResult } from './run';
import type { AblationSpec } from './spec';

export interface AblateRunOptions extends AblateOptions {
  /** The command line to record. */
  command: string;
  /** experiments.md to prepend the entry to (default <project>/experiments.md; null = none). */
  experimentsPath?: string | null;
  /** Save PNG + SVG plots (needs Chromium; default true). The figures' JSON is always written. */
  plots?: boolean;
}

/** The machine, for experiments.md. */
export function machineLine(): string {
  const c = cpus();
  return `${c.length} x ${c[0]?.model ?? 'unknown CPU'}, ${process.platform}, Node ${process.version}`;
}

/**
 * Run an ablation and write everything it reports.
 * @example await ablate(SPECS['same-tower']!, { preset: 'smoke', seeds: 2, command: 'gecko ablate same-tower', experimentsPath: null });
 */
export async function ablate(
  spec: AblationSpec,
  o: AblateRunOptions,
): Promise<{ result: AblationResult; plots: string[]; seconds: number }> {
  const log: Logger = o.log ?? consoleLogger;
  const t0 = Date.now();
  const result = await runAblation(spec, o);
  const figs = ablationFigures(result);
  writeJson(join(result.out, 'figures.json'), figs);
  let plots: string[] = [];
  if (o.plots !== false) {
    try {
      plots = await savePlots(figs, join(result.out, 'plots'));
    } catch (e) {
      if (!(e instanceof GeckoError)) throw e;
      log.warn(`plots not saved (${e.message.split('\n')[0]}); the figures are in ${join(result.out, 'figures.json')}`);
    }
  }
  const seconds = (Date.now() - t0) / 1000;
  log.info(
    `\n${spec.name} (${spec.mirrors}), ${result.seeds.length} seeds:\n\n${armsTable(result)}\n\n${differencesTable(result)}\n\n${verdicts(result, t975).join('\n')}\n`,
  );
  log.info(`method: ${result.method}`);
  log.info(`wrote ${join(result.out, 'items.jsonl')}, results.json${plots.length ? ', ' + plots.join(', ') : ''}`);
  if (o.experimentsPath !== null) {
    const path = o.experimentsPath ?? join(projectRoot(), 'experiments.md');
    prependEntry(path, ablationEntry(result, { command: o.command, seconds, plots, machine: machineLine(), t: t975 }));
    log.info(`entry prepended to ${path}`);
  }
  return { result, plots, seconds };
}
