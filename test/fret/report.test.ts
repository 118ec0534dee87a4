import { describe, expect, it } from 'vitest';
import { spearman } from '../../lib/eval/metrics/correlation';
import { fretReport, kendall } from '../../lib/fret/report';
import { fusedTies, rankCandidates, tieHash } from '../../lib/fret/select';
import type { FretRecord } from '../../lib/fret/types';

function record(
  seedIndex: number,
  qlOrder: string[],
  rcOrder: string[],
  seedId: string,
  seedRetrieved = true,
): FretRecord {
  const n = qlOrder.length;
  const cands = rankCandidates(
    qlOrder.map((id) => ({
      passageId: id,
      retrievalRank: 1,
      retrievalScore: 1,
      isSeed: id === seedId,
      rcLabelLogprobs: {},
      ql: n - qlOrder.indexOf(id),
      rc: n - rcOrder.indexOf(id),
    })),
    { rrfK: 0, queryId: `q${seedIndex}` },
  );
  return {
    seedIndex,
    queryId: `q${seedIndex}`,
    seedPassageId: seedId,
    task: 't',
    query: 'q',
    teacher: 'fake',
    retriever: 'bm25',
    rrfK: 0,
    signals: 'both',
    positive: 'fused',
    negativeStrategy: 'lowest',
    searchText: 'q',
    searchFormat: 'bare',
    seedRetrieved,
    candidates: cands,
    positiveId: cands[0]!.passageId,
    negativeId: cands[n - 1]!.passageId,
    positiveIsSeed: cands[0]!.passageId === seedId,
    seedFusedRank: cands.find((c) => c.isSeed)!.fusedRank,
    ties: fusedTies(cands),
    failures: { ql: 0, rc: 0, retries: 0 },
  };
}

describe('rank agreement', () => {
  it('spearman (the STS one, no ties here) and kendall, hand-computed', () => {
    expect(spearman([1, 2, 3], [1, 2, 3])).toBe(1);
    expect(spearman([1, 2, 3], [3, 2, 1])).toBe(-1);
    expect(spearman([1, 2, 3], [1, 3, 2])).toBeCloseTo(1 - (6 * 2) / 24, 12); // 0.5
    expect(kendall([1, 2, 3], [1, 3, 2])).toBeCloseTo(1 / 3, 12);
  });
});

describe('fretReport', () => {
  it('relabel rate, histograms, agreement, skips and per-example usage', () => {
    const records = [
      record(0, ['a', 'b', 'c'], ['a', 'b', 'c'], 'a'), // positive a = seed; QL and RC agree
      record(1, ['a', 'b', 'c'], ['a', 'c', 'b'], 'b'), // positive a != seed b (relabelled)
      record(2, ['b', 'a', 'c'], ['a', 'b', 'c'], 'c', false), // fused tie a/b -> a; seed c last
      record(3, ['c', 'b', 'a'], ['c', 'a', 'b'], 'c'),
    ];
    const rep = fretReport(records, {
      teacher: 'offline',
      standIn: true,
      skips: [
        { seedIndex: 4, reason: 'not-json', message: '' },
        { seedIndex: 5, reason: 'not-json', message: '' },
      ],
      usage: { calls: 40, cachedCalls: 8, promptTokens: 300, completionTokens: 100, costUsd: 0.02 },
    });
    expect(rep.examples).toBe(4);
    expect(rep.relabelled).toBe(2); // records 1 and 2
    expect(rep.relabelRate).toBe(0.5);
    expect(rep.seedAddedRate).toBe(0.25);
    // seed fused ranks: 1, 2 or 3 (b: 1/2+1/3 ties c: 1/3+1/2 with equal z-sums, so the
    // neutral hash key orders them, not the id), 3, 1
    const bFirst = tieHash('q1', 'b') > tieHash('q1', 'c');
    expect(records[1]!.seedFusedRank).toBe(bFirst ? 2 : 3);
    expect(rep.seedFusedRankHistogram).toEqual(bFirst ? [0, 2, 1, 1] : [0, 2, 0, 2]);
    // ties: record 2 at the top (a/b), records 1 and 3 at the bottom
    expect(rep.ties).toMatchObject({ top: 1, bottom: 2, topRate: 0.25, bottomRate: 0.5, maxTop: 2, maxBottom: 2 });
    expect(rep.agreement.top1).toBe(0.75);
    // spearman per record: 1, 0.5, 0.5, 0.5 -> mean 0.625
    expect(rep.agreement.spearman).toBeCloseTo(0.625, 12);
    expect(rep.skipped).toEqual({ 'not-json': 2 });
    expect(rep.usage!.perExample).toEqual({ calls: 10, tokens: 100, costUsd: 0.005 });
    expect(rep.note).toMatch(/stand-in, not an LLM/);
  });
});
