import { describe, expect, it } from 'vitest';
import { atFullSize, scoreRecords } from '../../lib/pipeline/eval';
import type { ScoreRow } from '../../lib/eval/results';

const row = (model: string, task: string, dim: number | null, main_score: number | null): ScoreRow => ({
  model,
  task,
  type: 'Retrieval',
  dim,
  main_score,
  metric: 'ndcg_at_10',
});

describe('score rows for plots', () => {
  it('drops rows without a score, renames models, sorts by the registry task order', () => {
    const recs = scoreRecords(
      [
        row('bm25', 'SciFactReranking', null, 0.7),
        row('bm25', 'STSBenchmark', null, null),
        row('hash:32', 'SciFact', 32, 0.2),
      ],
      { 'hash:32': 'hash' },
    );
    expect(recs).toEqual([
      { task: 'SciFact', model: 'hash', score: 0.2, dims: 32 },
      { task: 'SciFactReranking', model: 'bm25', score: 0.7 },
    ]);
  });

  it('keeps each model at its largest dimension', () => {
    const recs = scoreRecords([
      row('a', 'SciFact', 32, 0.5),
      row('a', 'SciFact', 16, 0.4),
      row('b', 'SciFact', 8, 0.1),
      row('bm25', 'SciFact', null, 0.6),
    ]);
    expect(atFullSize(recs).map((r) => [r.model, r.dims])).toEqual([
      ['a', 32],
      ['b', 8],
      ['bm25', undefined],
    ]);
  });
});
