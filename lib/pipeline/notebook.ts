// The run a notebook works in. All notebooks of one preset and config share one folder,
// runs/notebooks-<preset>-<hash8>, so stage outputs written by notebook 01 are reused
// (resumed, not recomputed) by 02..07, and "Restart and Run All" stays cheap.
import { join } from 'node:path';
import { presetFromEnv, resolveConfig } from '../config/resolve';
import { runsDir } from '../core/paths';
import { startRun, type RunContext } from '../runs/run';

/** The shared folder for a preset + config hash. */
export function notebookRunDir(preset: string, configHash: string): string {
  return join(runsDir(), `notebooks-${preset}-${configHash.slice(0, 8)}`);
}

/**
 * Start (or resume) the shared notebook run for the preset GECKO_PRESET names (default smoke).
 * `overrides` change the config, and so the folder (an ablation gets its own).
 * @example const ctx = await notebookRun('03-llm-mining'); showRunHeader(ctx);
 */
export async function notebookRun(notebook: string, overrides: Record<string, unknown> = {}): Promise<RunContext> {
  const resolved = resolveConfig(presetFromEnv('smoke'), overrides);
  return startRun(resolved, {
    dir: notebookRunDir(resolved.preset, resolved.hash),
    command: `notebook ${notebook}`,
    quiet: true,
  });
}
