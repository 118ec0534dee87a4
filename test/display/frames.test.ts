// The danfojs comparison tables of notebooks 06/07 on a tiny fixture with known means and order.
import { describe, expect, it } from 'vitest';
import { describeByModel, dimensionFrame, modelMeansFrame } from '../../lib/display/frames';
import { tableRows } from '../../lib/display/table';
import type { ScoreRow } from '../../lib/eval/results';

const row = (model: string, task: string, dim: number | null, main_score: number | null): ScoreRow => ({
  model,
  task,
  type: 'Retrieval',
  dim,
  main_score,
  metric: 'ndcg_at_10',
});

const rows: ScoreRow[] = [
  row('bm25', 'SciFact', null, 0.9),
  row('bm25', 'STSBenchmark', null, null), // n/a: not counted
  row('ours', 'SciFact', 64, 0.5),
  row('ours', 'STSBenchmark', 64, 0.7),
  row('ours', 'SciFact', 32, 0.2),
  row('ours', 'STSBenchmark', 32, 0.6),
];

const round = (data: Parameters<typeof tableRows>[0]) =>
  tableRows(data).map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' ? Number(v.toFixed(6)) : v])),
  );

describe('danfojs comparison frames', () => {
  it('dimensionFrame: mean and task count per (model, dims), sorted by dims', () => {
    const recs = [
      { task: 'A', model: 'plain', score: 0.4, dims: 64 },
      { task: 'B', model: 'plain', score: 0.6, dims: 64 },
      { task: 'A', model: 'plain', score: 0.1, dims: 16 },
      { task: 'B', model: 'plain', score: 0.3, dims: 16 },
      { task: 'A', model: 'mrl', score: 0.5, dims: 16 },
      { task: 'B', model: 'mrl', score: 0.5, dims: 16 },
    ];
    const out = round(dimensionFrame(recs));
    expect(out.map((r) => [r.model, r.dims, r.score_mean, r.score_count])).toEqual([
      ['plain', 16, 0.2, 2],
      ['mrl', 16, 0.5, 2],
      ['plain', 64, 0.5, 2],
    ]);
    expect(() => dimensionFrame([{ task: 'A', model: 'x', score: 1 }])).toThrow(/no dims/);
  });

  it('modelMeansFrame: mean over scored tasks, best first, nulls left out', () => {
    const out = round(modelMeansFrame(rows));
    expect(out.map((r) => [r.model, r.score_mean, r.score_count])).toEqual([
      ['bm25 lexical', 0.9, 1],
      ['ours d64', 0.6, 2],
      ['ours d32', 0.4, 2],
    ]);
  });

  it('describeByModel: describe() statistics per model column', () => {
    const out = round(describeByModel(rows));
    const stat = (s: string) => out.find((r) => r.statistic === s)!;
    expect(stat('count')).toEqual({ statistic: 'count', 'bm25 lexical': 1, 'ours d64': 2, 'ours d32': 2 });
    expect(stat('mean')['ours d32']).toBe(0.4);
    expect(stat('min')['ours d64']).toBe(0.5);
    expect(stat('max')['ours d32']).toBe(0.6);
  });
});
