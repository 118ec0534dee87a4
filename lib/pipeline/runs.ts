// Runs compared: every result file under the runs folder (<run>/eval/<model>/<dim>/[not-mteb/]<Task>.json),
// as rows, and one summary line per (run, model, dimension). Rows carry the sub-sampling caps
// they were scored under, because scores measured on different samples are not comparable.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readJson } from '../core/fs';
import { runsDir } from '../core/paths';
import { mainScoreOf, resultFiles, type MtebResult } from '../eval/results';

export interface RunResultRow {
  run: string;
  /** The model id; for our checkpoints '<stage folder> (ckpt:<id>)' when the run holds that checkpoint. */
  model: string;
  dim: number | null;
  task: string;
  type: string;
  mainScore: number;
  /** The sub-sampling caps and seed, e.g. 'q30 c300 train200 test100 seed1234'. */
  sample: string;
}

function sampleLabel(c: Record<string, unknown>): string {
  return `q${c.maxQueries} c${c.maxCorpus} train${c.maxTrain} test${c.maxTest ?? 'all'} seed${c.seed}`;
}

/** Checkpoint id -> stage folder name, for the checkpoints inside a run folder (<run>/<stage>/ckpt/encoder.json). */
function checkpointStages(runDir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const stage of subdirs(runDir)) {
    const meta = join(runDir, stage, 'ckpt', 'encoder.json');
    if (!existsSync(meta)) continue;
    try {
      const id = readJson<{ id?: string }>(meta).id;
      if (id) out.set(id, stage);
    } catch {
      /* not a readable checkpoint: leave the id as is */
    }
  }
  return out;
}

function subdirs(dir: string): string[] {
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((d) => statSync(join(dir, d)).isDirectory())
        .sort()
    : [];
}

/**
 * Every result file of every run (a run = a folder of `root` with an eval/ folder; `gecko eval`'s default
 * <runs>/eval counts as run 'eval').
 * @example const rows = collectRunResults(); showTable(compareRuns(rows))
 */
export function collectRunResults(root = runsDir()): RunResultRow[] {
  const rows: RunResultRow[] = [];
  const evalDirs = subdirs(root)
    .map((run) => (run === 'eval' ? { run, dir: join(root, run) } : { run, dir: join(root, run, 'eval') }))
    .filter((x) => existsSync(x.dir));
  for (const { run, dir } of evalDirs) {
    const stages = checkpointStages(join(root, run));
    for (const file of resultFiles(dir)) {
      const r = readJson<MtebResult>(file);
      const main = mainScoreOf(r);
      if (main === undefined) continue;
      const stage = stages.get(r.model);
      rows.push({
        run,
        model: stage ? `${stage} (${r.model})` : r.model,
        dim: r.dim,
        task: r.task_name,
        type: r.task_type,
        mainScore: main,
        sample: sampleLabel(r.eval_config ?? {}),
      });
    }
  }
  return rows;
}

/** One line per (run, model, dim, sample): number of tasks and mean main score; best mean first. */
export function compareRuns(
  rows: readonly RunResultRow[],
): { run: string; model: string; dim: string; sample: string; tasks: number; mean: number }[] {
  const groups = new Map<string, RunResultRow[]>();
  for (const r of rows) {
    const key = JSON.stringify([r.run, r.model, r.dim, r.sample]);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()]
    .map((g) => ({
      run: g[0]!.run,
      model: g[0]!.model,
      dim: g[0]!.dim === null ? 'lexical' : String(g[0]!.dim),
      sample: g[0]!.sample,
      tasks: g.length,
      mean: g.reduce((s, r) => s + r.mainScore, 0) / g.length,
    }))
    .sort((a, b) => b.tasks - a.tasks || b.mean - a.mean);
}
