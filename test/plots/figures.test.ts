import { describe, expect, it } from 'vitest';
import type { Figure } from '../../lib/plots/figure';
import { compareLossCurves, flattenNumeric, lossCurve, lossKeys } from '../../lib/plots/training';
import { meanByDimension, scoreBars, scoreByDimension } from '../../lib/plots/eval';
import {
  candidateScores,
  positiveRankHistogram,
  qlRcAgreement,
  rankAgreement,
  rankCorrelation,
} from '../../lib/plots/ranking';
import { FRET } from './fixtures';

/** Every figure must say what it shows and label both axes. */
function expectLabelled(fig: Figure): void {
  expect(fig.layout.title.text.length).toBeGreaterThan(5);
  expect(fig.layout.xaxis.title.text.length).toBeGreaterThan(0);
  expect(fig.layout.yaxis.title.text.length).toBeGreaterThan(0);
  expect(JSON.parse(JSON.stringify(fig))).toEqual(fig); // plain JSON, nothing lost
}

describe('loss curves', () => {
  const rows = [
    { step: 1, loss: 3, terms: { inBatch: 2, hardNeg: 1 }, lr: 0.001 },
    { step: 2, loss: 2, terms: { inBatch: 1.5, hardNeg: 0.5 }, lr: 0.002 },
    { step: 3, loss: 1.5, terms: { inBatch: 1, hardNeg: 0.5 }, lr: 0.002 },
  ];

  it('flattens nested numeric fields to dotted keys', () => {
    expect(flattenNumeric({ step: 1, loss: 2, dims: { 16: 3 }, tag: 'x', arr: [1] })).toEqual({
      step: 1,
      loss: 2,
      'dims.16': 3,
    });
  });

  it('finds loss keys, total first, and skips lr', () => {
    expect(lossKeys([{ step: 1, inBatchLoss: 1, loss: 2, lr: 3 }])).toEqual(['loss', 'inBatchLoss']);
  });

  it('plots one line per loss key with the logged values', () => {
    const fig = lossCurve(
      rows.map((r) => ({ ...r, lossByDim: { 32: r.loss, 16: r.loss + 1 } })),
      { title: 'Fine-tuning loss' },
    );
    expectLabelled(fig);
    expect(fig.layout.title.text).toBe('Fine-tuning loss');
    expect(fig.data.map((t) => t.name)).toEqual(['loss', 'lossByDim.16', 'lossByDim.32']);
    expect(fig.data[0]!.x).toEqual([1, 2, 3]);
    expect(fig.data[0]!.y).toEqual([3, 2, 1.5]);
    expect(fig.data[1]!.y).toEqual([4, 3, 2.5]);
  });

  it('plots chosen keys, and says so when there are none', () => {
    const fig = lossCurve(rows, { keys: ['terms.hardNeg'], logY: true });
    expect(fig.data).toHaveLength(1);
    expect(fig.data[0]!.y).toEqual([1, 0.5, 0.5]);
    expect(fig.layout.yaxis.type).toBe('log');
    expect(() => lossCurve([{ step: 1, acc: 1 }])).toThrow(/no loss fields.*acc/);
    expect(() => lossCurve([])).toThrow(/no metrics rows/);
  });

  it('accepts rows of any interface type with a step (e.g. lib/train MetricsRow)', () => {
    interface TrainRow {
      stage: string;
      step: number;
      loss?: number;
      eval?: Record<string, number>;
    }
    const typed: TrainRow[] = [
      { stage: 's', step: 1, loss: 2 },
      { stage: 's', step: 2, loss: 1 },
    ];
    expect(lossCurve(typed).data[0]!.y).toEqual([2, 1]);
  });

  it('compares runs on one key', () => {
    const fig = compareLossCurves({ a: rows, b: rows.slice(0, 2) });
    expectLabelled(fig);
    expect(fig.data.map((t) => [t.name, (t.y as number[]).length])).toEqual([
      ['a', 3],
      ['b', 2],
    ]);
  });
});

describe('score bars and score against dimension', () => {
  const recs = [
    { task: 'SciFact', model: 'BM25', score: 0.6 },
    { task: 'SciFact', model: 'gecko', score: 0.4 },
    { task: 'STS', model: 'gecko', score: 0.7 },
  ];

  it('groups bars by task, one trace per model, null where a model lacks a task', () => {
    const fig = scoreBars(recs);
    expectLabelled(fig);
    expect(fig.layout.barmode).toBe('group');
    expect(fig.data.map((t) => t.name)).toEqual(['BM25', 'gecko']);
    expect(fig.data[0]!.x).toEqual(['SciFact', 'STS']);
    expect(fig.data[0]!.y).toEqual([0.6, null]);
    expect(fig.data[1]!.y).toEqual([0.4, 0.7]);
  });

  it('rejects two scores for one (task, model)', () => {
    expect(() => scoreBars([...recs, { task: 'STS', model: 'gecko', score: 0.1, dims: 8 }])).toThrow(
      /two scores.*filter/,
    );
  });

  const dimRecs = [
    { task: 'A', model: 'matryoshka', dims: 32, score: 0.8 },
    { task: 'B', model: 'matryoshka', dims: 32, score: 0.6 },
    { task: 'A', model: 'matryoshka', dims: 8, score: 0.6 },
    { task: 'B', model: 'matryoshka', dims: 8, score: 0.4 },
    { task: 'A', model: 'plain', dims: 32, score: 0.8 },
    { task: 'B', model: 'plain', dims: 32, score: 0.8 },
    { task: 'A', model: 'plain', dims: 8, score: 0.2 },
    { task: 'B', model: 'plain', dims: 8, score: 0.2 },
  ];

  it('averages over tasks per (model, dims), sorted by dimension', () => {
    const pts = meanByDimension(dimRecs);
    expect(pts.find((p) => p.model === 'matryoshka' && p.dims === 32)!.score).toBeCloseTo(0.7);
    expect(pts.find((p) => p.model === 'plain' && p.dims === 8)!.score).toBeCloseTo(0.2);
    const fig = scoreByDimension(dimRecs);
    expectLabelled(fig);
    expect(fig.layout.yaxis.title.text).toBe('mean main score over 2 tasks');
    expect(fig.data.map((t) => t.name)).toEqual(['matryoshka', 'plain']);
    expect(fig.data[0]!.x).toEqual([8, 32]);
    expect((fig.data[0]!.y as number[]).map((y) => +y.toFixed(3))).toEqual([0.5, 0.7]);
    expect(fig.layout.xaxis.tickvals).toEqual([8, 32]);
  });

  it('refuses to average different task sets across dimensions', () => {
    expect(() => scoreByDimension(dimRecs.slice(1))).toThrow(/different tasks at different dimensions/);
    expect(() => scoreByDimension([{ task: 'A', model: 'm', score: 1 }])).toThrow(/has no dims/);
  });
});

describe('FRet ranking figures', () => {
  it('computes Spearman rho by hand', () => {
    expect(rankCorrelation([1, 2, 3], [1, 2, 3])).toBeCloseTo(1);
    expect(rankCorrelation([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1);
    // d = (0, 1, -1): rho = 1 - 6*2 / (3*8) = 0.5
    expect(rankCorrelation([1, 2, 3], [1, 3, 2])).toBeCloseTo(0.5);
  });

  it('summarises QL/RC agreement', () => {
    // q1: rho 1, same top-1; q2: ql (1,3,2) rc (3,1,2) → rho = 1 - 6*8/24 = -1; different top-1.
    const a = qlRcAgreement(FRET);
    expect(a.meanSpearman).toBeCloseTo(0);
    expect(a.top1Agreement).toBe(0.5);
  });

  it('counts candidates per (QL rank, RC rank) cell', () => {
    const fig = rankAgreement(FRET);
    expectLabelled(fig);
    const z = fig.data[0]!.z as number[][]; // z[rcRank-1][qlRank-1]
    expect(z).toEqual([
      [1, 0, 1],
      [0, 2, 0],
      [1, 0, 1],
    ]);
    expect(fig.layout.title.text).toMatch(/2 queries.*Spearman ρ 0.*same top-1 50%/);
  });

  it('histograms the positive under each signal, with a not-retrieved bucket only when needed', () => {
    const fig = positiveRankHistogram(FRET);
    expectLabelled(fig);
    expect(fig.data.map((t) => t.name)).toEqual([
      'positive: retrieval rank',
      'positive: QL rank',
      'positive: RC rank',
      'seed passage: fused rank',
    ]);
    expect(fig.data[0]!.x).toEqual(['1', '2', '3']);
    expect(fig.data[0]!.y).toEqual([1, 1, 0]); // positives a (retrieval 2), e (retrieval 1)
    expect(fig.data[2]!.y).toEqual([1, 0, 1]); // RC ranks 1 and 3
    expect(fig.data[3]!.y).toEqual([1, 1, 0]); // seed fused ranks 1 and 2
    const missed = positiveRankHistogram([{ ...FRET[1]!, positiveId: 'd' }]);
    expect(missed.data[0]!.x).toEqual(['1', '2', '3', 'not retrieved']);
    expect(missed.data[0]!.y).toEqual([0, 0, 0, 1]);
    expect(() => positiveRankHistogram([{ ...FRET[0]!, positiveId: 'zz' }])).toThrow(/q1: positive zz is not among/);
  });

  it('plots one query’s candidates with the positive and negative marked', () => {
    const fig = candidateScores(FRET[1]!);
    expectLabelled(fig);
    expect(fig.data.map((t) => t.name)).toEqual(['other candidates', 'chosen positive', 'chosen negative']);
    expect(fig.data[1]!.x).toEqual([-2]);
    expect(fig.data[1]!.y).toEqual([0.2]);
    expect(fig.data[0]!.text).toEqual(['2']);
    expect(fig.layout.title.text).toContain('interest rates');
  });
});
