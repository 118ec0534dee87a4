// Deterministic hold-out split for the data sets that are both clustering-evaluation data and
// seed / pretraining corpora (AG News, BBC News): a row goes to 'cluster' (evaluation) when a
// sha256 of "<dataset>:<row id>" falls in the lowest CLUSTER_FRACTION of the hash range, else
// to 'corpus'. No RNG: the assignment depends only on the id, so it never changes between runs.
// A split by id is not a split by text: BBC News files some articles twice under two ids, so
// holdoutSplitsByText() also leaves out of 'corpus' every row that shares its text, or a
// paragraph, with a 'cluster' row.
import { sha256 } from '../core/hash';
import { normalizedParts } from '../core/text';
import { CLUSTER_FRACTION } from './registry';

export type HoldoutSplit = 'cluster' | 'corpus';

/**
 * The split a row belongs to by its id alone.
 * @example holdoutSplitOf('bbc_news', 'business/001') // 'cluster' or 'corpus', the same every time
 */
export function holdoutSplitOf(dataset: string, rowId: string, fraction = CLUSTER_FRACTION): HoldoutSplit {
  const u = parseInt(sha256(`${dataset}:${rowId}`).slice(0, 8), 16) / 0x1_0000_0000; // uniform in [0, 1)
  return u < fraction ? 'cluster' : 'corpus';
}

/**
 * The split of every row, held by text as well as by id: 'cluster' rows are chosen by id
 * (holdoutSplitOf); a row that the id puts in 'corpus' but whose normalised text (normalizeText),
 * or one of whose paragraphs, equals a 'cluster' row's is 'excluded' from both, so no evaluation
 * text is in the training split (BBC News files some stories twice, and reuses paragraphs).
 * `otherHeldOut`: held-out texts of another data set that must not enter this one's corpus either
 * (AG News and BBC News carry some of the same wire stories).
 * @example holdoutSplitsByText('bbc_news', articles).get('tech/001') // 'cluster' | 'corpus' | 'excluded'
 */
export function holdoutSplitsByText(
  dataset: string,
  rows: readonly { id: string; text: string }[],
  otherHeldOut: readonly string[] = [],
): Map<string, HoldoutSplit | 'excluded'> {
  const byId = rows.map((r) => ({ r, split: holdoutSplitOf(dataset, r.id), parts: normalizedParts(r.text) }));
  const clusterParts = new Set([
    ...byId.filter((x) => x.split === 'cluster').flatMap((x) => x.parts),
    ...otherHeldOut.flatMap(normalizedParts),
  ]);
  return new Map(
    byId.map(({ r, split, parts }) => [
      r.id,
      split === 'corpus' && parts.some((p) => clusterParts.has(p)) ? 'excluded' : split,
    ]),
  );
}
