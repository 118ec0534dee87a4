// The run a notebook works in. All notebooks of one preset and config share one folder,
// runs/notebooks-<preset>-<hash8>, whose stage folders link to the content-addressed stages
// (lib/pipeline/stages.ts): outputs written by notebook 01 are reused by 02..08, by the demo
// and by ablation arms with the same settings, and "Restart and Run All" stays cheap.
import { join } from 'node:path';
import { presetFromEnv, resolveConfig } from '../config/resolve';
import { runsDir } from '../core/paths';
import { useNotebookProgress } from '../display/progress';
import { startRun, type RunContext } from '../runs/run';
import { withStages, type PipelineContext } from './context';

/** The shared folder for a preset + config hash. */
export function notebookRunDir(preset: string, configHash: string): string {
  return join(runsDir(), `notebooks-${preset}-${configHash.slice(0, 8)}`);
}

/**
 * Start (or resume) the shared notebook run for the preset GECKO_PRESET names (default smoke), and
 * route progress to one updating display line per cell.
 * `overrides` change the config, and so the folder (an ablation gets its own).
 * @example const ctx = await notebookRun('03-llm-mining'); showRunHeader(ctx);
 */
export async function notebookRun(
  notebook: string,
  overrides: Record<string, unknown> = {},
): Promise<RunContext & PipelineContext> {
  useNotebookProgress(); // long stages draw one updating line per cell, not a printed line every 5 s
  const resolved = resolveConfig(presetFromEnv('smoke'), overrides);
  return withStages(
    await startRun(resolved, {
      dir: notebookRunDir(resolved.preset, resolved.hash),
      command: `notebook ${notebook}`,
      quiet: true,
    }),
  );
}
