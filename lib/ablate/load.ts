// Finished ablations on disk: find the newest results.json under the runs folder and read it.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readJson } from '../core/fs';
import { runsDir } from '../core/paths';
import type { AblationResult } from './run';

/**
 * The results.json of finished ablations under `root`, newest first.
 * @example const [latest] = finishedAblations(); if (latest) show(ablationFigures(latest)['ablation-differences']);
 */
export function finishedAblations(root = runsDir(), spec?: string): AblationResult[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((d) => d.startsWith(spec ? `ablate-${spec}-` : 'ablate-') && existsSync(join(root, d, 'results.json')))
    .map((d) => join(root, d, 'results.json'))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)
    .map((p) => readJson<AblationResult>(p));
}
