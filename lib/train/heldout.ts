// A small held-out retrieval check for training: SQuAD questions against the paragraphs
// of articles kept out of training (split by a hash of the article title), scored by MRR@10
// and recall@1 with exact search. Used by the periodic eval hook and the "training helps"
// test; the real evaluation lives in lib/eval.
import { sha256 } from '../core/hash';
import type { TrainingExample } from '../core/types';
import { formatPassage, formatQuery, type TextFormat } from '../core/format';
import { loadSquad } from '../data/loaders';
import { squadExamples, MIXTURE_TASKS } from '../mixture/sources';
import { rngFor } from '../core/rng';
import { exactTopK } from '../retrieval/search';

/** Formatted queries, formatted passages, and the index of each query's relevant passage. */
export interface HeldOut {
  queries: string[];
  passages: string[];
  relevant: number[];
}

/** True for the SQuAD articles held out of training (about `fraction` of them, by title hash). */
export function isHeldOutArticle(title: string, fraction = 0.25): boolean {
  return parseInt(sha256(`squad-heldout:${title}`).slice(0, 8), 16) / 0x1_0000_0000 < fraction;
}

/**
 * SQuAD question -> paragraph pairs split by article: training examples (one question per
 * paragraph, no hard negatives) and a held-out retrieval set (at most maxQueries questions,
 * seeded, against every paragraph of the held-out articles).
 * @example const { train, heldOut } = squadPairsSplit({ seed: 1, maxQueries: 200 });
 */
export function squadPairsSplit(o: { seed: number; maxQueries?: number; dataDir?: string; format?: TextFormat }): {
  train: TrainingExample[];
  heldOut: HeldOut;
} {
  const rows = loadSquad(o.dataDir ? { dataDir: o.dataDir } : {});
  const trainRows = rows.filter((r) => !isHeldOutArticle(r.title));
  const testRows = rows.filter((r) => isHeldOutArticle(r.title));
  const train = squadExamples(trainRows, rngFor(o.seed, 'squad-pairs'), { negatives: 'none' });
  const passages: string[] = [];
  const index = new Map<string, number>();
  for (const r of testRows) {
    const key = `${r.title}\u0000${r.context}`;
    if (!index.has(key)) {
      index.set(key, passages.length);
      passages.push(formatPassage(r.title, r.context, o.format));
    }
  }
  const picked = rngFor(o.seed, 'squad-heldout').sample(testRows, o.maxQueries ?? 200);
  return {
    train,
    heldOut: {
      queries: picked.map((r) => formatQuery(MIXTURE_TASKS.squad, r.question, o.format)),
      passages,
      relevant: picked.map((r) => index.get(`${r.title}\u0000${r.context}`)!),
    },
  };
}

/**
 * MRR@10 and recall@1 of a held-out set under an embedding function (texts -> unit vectors).
 * @example await heldOutScores((t) => embedder.embed(t), heldOut) // { mrr_at_10: 0.31, recall_at_1: 0.22 }
 */
export async function heldOutScores(
  embed: (texts: string[]) => Promise<Float32Array[]>,
  h: HeldOut,
): Promise<Record<string, number>> {
  const [qv, pv] = [await embed(h.queries), await embed(h.passages)];
  const hits = await exactTopK(qv, pv, 10);
  let mrr = 0,
    r1 = 0;
  hits.forEach((hit, i) => {
    const rank = Array.from(hit.index).indexOf(h.relevant[i]!);
    if (rank >= 0) mrr += 1 / (rank + 1);
    if (rank === 0) r1 += 1;
  });
  return { mrr_at_10: mrr / h.queries.length, recall_at_1: r1 / h.queries.length };
}
