// Deterministic hold-out split for the data sets that are both clustering-evaluation data and
// seed / pretraining corpora (AG News, BBC News): a row goes to 'cluster' (evaluation) when a
// sha256 of "<dataset>:<row id>" falls in the lowest CLUSTER_FRACTION of the hash range, else
// to 'corpus'. No RNG: the assignment depends only on the id, so it never changes between runs.
import { sha256 } from '../core/hash';
import { CLUSTER_FRACTION } from './registry';

export type HoldoutSplit = 'cluster' | 'corpus';

/**
 * The split a row belongs to.
 * @example holdoutSplitOf('bbc_news', 'business/001') // 'cluster' or 'corpus', the same every time
 */
export function holdoutSplitOf(dataset: string, rowId: string, fraction = CLUSTER_FRACTION): HoldoutSplit {
  const u = parseInt(sha256(`${dataset}:${rowId}`).slice(0, 8), 16) / 0x1_0000_0000; // uniform in [0, 1)
  return u < fraction ? 'cluster' : 'corpus';
}
