import { describe, expect, it } from 'vitest';
import { rankByScore, reciprocalRankFusion } from '../../lib/fret/rrf';
import { rankCandidates, selectPositiveNegative, type CandidateInput } from '../../lib/fret/select';
import { Rng } from '../../lib/core/rng';

// Five candidates. QL ranks: x1 y2 z3 w4 v5. RC ranks: z1 y2 w3 v4 x5.
const QL = { x: -1, y: -2, z: -3, w: -4, v: -5 };
const RC = { z: 0.9, y: 0.8, w: 0.7, v: 0.6, x: 0.5 };
const cands: CandidateInput[] = Object.keys(QL).map((id) => ({
  passageId: id,
  retrievalRank: 1,
  retrievalScore: 1,
  isSeed: id === 'x',
  ql: QL[id as keyof typeof QL],
  rc: RC[id as keyof typeof RC],
  rcLabelLogprobs: {},
}));

describe('rankByScore', () => {
  it('ranks by descending score, ties by id, NaN last', () => {
    expect(
      rankByScore([
        { id: 'b', score: 1 },
        { id: 'a', score: 1 },
        { id: 'c', score: 2 },
        { id: 'd', score: NaN },
      ]),
    ).toEqual({ c: 1, a: 2, b: 3, d: 4 });
  });
  it('rejects duplicate ids', () => {
    expect(() =>
      rankByScore([
        { id: 'a', score: 1 },
        { id: 'a', score: 2 },
      ]),
    ).toThrow(/duplicate id 'a'/);
  });
});

describe('reciprocalRankFusion', () => {
  it('k = 0 (Gecko): hand-computed sums of 1/r', () => {
    const f = reciprocalRankFusion(
      [
        rankByScore(cands.map((c) => ({ id: c.passageId, score: c.ql }))),
        rankByScore(cands.map((c) => ({ id: c.passageId, score: c.rc }))),
      ],
      { k: 0 },
    );
    expect(f.x).toBeCloseTo(1 + 1 / 5, 12); // 1.2
    expect(f.y).toBeCloseTo(1 / 2 + 1 / 2, 12); // 1.0
    expect(f.z).toBeCloseTo(1 / 3 + 1, 12); // 1.3333
    expect(f.w).toBeCloseTo(1 / 4 + 1 / 3, 12);
    expect(f.v).toBeCloseTo(1 / 5 + 1 / 4, 12);
  });
  it('k = 60: 1/(60+r) changes the order of x and y', () => {
    const f = reciprocalRankFusion(
      [
        { x: 1, y: 2, z: 3, w: 4, v: 5 },
        { z: 1, y: 2, w: 3, v: 4, x: 5 },
      ],
      { k: 60 },
    );
    expect(f.x).toBeCloseTo(1 / 61 + 1 / 65, 12); // 0.0317780
    expect(f.y).toBeCloseTo(2 / 62, 12); // 0.0322581
    expect(f.z).toBeCloseTo(1 / 63 + 1 / 61, 12); // 0.0322664
  });
  it('requires k and the same ids in every ranking', () => {
    expect(() => reciprocalRankFusion([{ a: 1 }], {} as { k: number })).toThrow(/k must be/);
    expect(() => reciprocalRankFusion([{ a: 1, b: 2 }, { a: 1 }], { k: 0 })).toThrow(/missing/);
  });
});

describe('rankCandidates + selectPositiveNegative', () => {
  it('k = 0: fused order z, x, y, w, v; positive z, lowest negative v', () => {
    const r = rankCandidates(cands, { rrfK: 0 });
    expect(r.map((c) => c.passageId)).toEqual(['z', 'x', 'y', 'w', 'v']);
    expect(r.map((c) => [c.qlRank, c.rcRank])).toEqual([
      [3, 1],
      [1, 5],
      [2, 2],
      [4, 3],
      [5, 4],
    ]);
    expect(r.map((c) => c.fusedRank)).toEqual([1, 2, 3, 4, 5]);
    expect(selectPositiveNegative(r, 'lowest')).toEqual({ positiveId: 'z', negativeId: 'v' });
  });
  it('k = 60: fused order z, y, x, w, v', () => {
    const r = rankCandidates(cands, { rrfK: 60 });
    expect(r.map((c) => c.passageId)).toEqual(['z', 'y', 'x', 'w', 'v']);
  });
  it('random negative: never the positive, seeded, covers every other candidate', () => {
    const r = rankCandidates(cands, { rrfK: 0 });
    const seen = new Set<string>();
    for (let s = 0; s < 200; s++) {
      const pick = selectPositiveNegative(r, 'random', new Rng(s));
      expect(pick.positiveId).toBe('z');
      expect(pick.negativeId).not.toBe('z');
      expect(selectPositiveNegative(r, 'random', new Rng(s))).toEqual(pick);
      seen.add(pick.negativeId!);
    }
    expect([...seen].sort()).toEqual(['v', 'w', 'x', 'y']);
  });
  it('random without an rng, or fewer than 2 candidates, is an error', () => {
    const r = rankCandidates(cands, { rrfK: 0 });
    expect(() => selectPositiveNegative(r, 'random')).toThrow(/needs an rng/);
    expect(() => selectPositiveNegative(r.slice(0, 1), 'lowest')).toThrow(/at least 2/);
  });
});

describe('switches: positive rule, negative relative to the positive, ranking signals', () => {
  // fused order (both, k = 0): z, x, y, w, v; the seed is x.
  it("positive 'seed': the seed passage, whatever its fused rank; 'lowest' is the last other candidate", () => {
    const r = rankCandidates(cands, { rrfK: 0 });
    expect(selectPositiveNegative(r, { positive: 'seed', negative: 'lowest' })).toEqual({
      positiveId: 'x',
      negativeId: 'v',
    });
    expect(selectPositiveNegative(r, { positive: 'seed', negative: 'none' })).toEqual({
      positiveId: 'x',
      negativeId: null,
    });
  });
  it("'random' never draws the chosen positive (the seed here)", () => {
    const r = rankCandidates(cands, { rrfK: 0 });
    const seen = new Set<string>();
    for (let s = 0; s < 100; s++)
      seen.add(selectPositiveNegative(r, { positive: 'seed', negative: 'random' }, new Rng(s)).negativeId!);
    expect([...seen].sort()).toEqual(['v', 'w', 'y', 'z']);
  });
  it("signals 'ql' / 'rc' rank by one signal alone", () => {
    expect(rankCandidates(cands, { rrfK: 0, signals: 'ql' }).map((c) => c.passageId)).toEqual([
      'x',
      'y',
      'z',
      'w',
      'v',
    ]);
    expect(rankCandidates(cands, { rrfK: 0, signals: 'rc' }).map((c) => c.passageId)).toEqual([
      'z',
      'y',
      'w',
      'v',
      'x',
    ]);
    const ql = rankCandidates(cands, { rrfK: 0, signals: 'ql' });
    expect(ql[0]!.fused).toBe(1); // 1/(0 + 1), no RC term
  });
});
