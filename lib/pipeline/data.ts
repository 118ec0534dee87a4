// The data sets as one table for reading: every split, what it is for, and whether training
// code may read it (the leak guard's view), plus whether it is in the data directory.
import { dataDir } from '../core/paths';
import { DATASETS, DATASET_NAMES } from '../data/registry';
import { datasetStatus } from '../data/status';

export interface SplitRow {
  dataset: string;
  task: string;
  split: string;
  rows: number;
  /** 'evaluation' splits are never read by training code; 'training' splits may be. */
  role: 'evaluation' | 'training';
  seedCorpus: boolean;
  use: string;
  /** 'available', 'missing', 'incomplete' or 'mismatch' (see `npx gecko datasets`). */
  state: string;
}

/**
 * One row per split of every registered data set.
 * @example showTable(splitTable(), { limit: 40 })
 */
export function splitTable(root = dataDir()): SplitRow[] {
  return DATASET_NAMES.flatMap((name) => {
    const info = DATASETS[name]!;
    const state = datasetStatus(name, root).state;
    return info.splits.map((s) => ({
      dataset: name,
      task: info.task,
      split: s.name,
      rows: s.rows,
      role: s.evaluation ? ('evaluation' as const) : ('training' as const),
      seedCorpus: info.seedCorpus && !s.evaluation,
      use: s.use,
      state,
    }));
  });
}
