// FRet records → TrainingExample (paper §3.3 and appendix B format): asymmetric, one hard negative
// (none when the record's negative strategy is 'none').
import type { Passage, TrainingExample } from '../core/types';
import type { FretRecord } from './types';

/**
 * The training example of one FRet record: query = the generated query, positive = the
 * top fused passage, negative = the chosen hard negative. `meta` keeps the provenance.
 * @example const ex = toTrainingExample(record, poolById);
 */
export function toTrainingExample(r: FretRecord, pool: ReadonlyMap<string, Passage>): TrainingExample {
  const text = (id: string) => {
    const p = pool.get(id);
    if (!p) throw new Error(`toTrainingExample: passage '${id}' of ${r.queryId} is not in the pool`);
    return { id: p.id, ...(p.title ? { title: p.title } : {}), text: p.text };
  };
  return {
    id: `fret-${r.queryId}`,
    source: 'fret',
    task: r.task,
    query: r.query,
    positive: text(r.positiveId),
    negatives: r.negativeId === null ? [] : [text(r.negativeId)],
    symmetric: false,
    meta: {
      seedIndex: r.seedIndex,
      seedPassageId: r.seedPassageId,
      positiveIsSeed: r.positiveIsSeed,
      seedFusedRank: r.seedFusedRank,
      negativeFusedRank:
        r.negativeId === null ? null : r.candidates.find((c) => c.passageId === r.negativeId)!.fusedRank,
      positiveRule: r.positive ?? 'fused',
      negativeStrategy: r.negativeStrategy,
      teacher: r.teacher,
    },
  };
}
