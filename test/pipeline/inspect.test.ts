import { describe, expect, it } from 'vitest';
import type { FretRecord } from '../../lib/fret/types';
import type { Passage } from '../../lib/core/types';
import { rankCandidates } from '../../lib/fret/select';
import {
  candidateRows,
  explainChoice,
  messagesMarkdown,
  pickExample,
  rerankWithK,
  seedQueryRows,
  taskCounts,
} from '../../lib/pipeline/inspect';

const cand = (
  passageId: string,
  qlRank: number,
  rcRank: number,
  fusedRank: number,
  extra: Partial<FretRecord['candidates'][number]> = {},
) => ({
  passageId,
  retrievalRank: fusedRank,
  retrievalScore: 1,
  isSeed: false,
  ql: -qlRank,
  rcLabelLogprobs: {},
  rc: 1 / rcRank,
  qlRank,
  rcRank,
  fused: 1 / qlRank + 1 / rcRank,
  fusedRank,
  zSum: 0,
  tieHash: 0.5,
  qlFailed: false,
  rcFailed: false,
  failed: false,
  ...extra,
});

/** q1: the seed s (QL 3, RC 1: 1/3 + 1 = 1.333) loses to a (QL 1, RC 2: 1 + 1/2 = 1.5). */
const relabelled: FretRecord = {
  seedIndex: 0,
  queryId: 'q1',
  seedPassageId: 's',
  task: 'Given a question, retrieve an answer',
  query: 'who won',
  teacher: 'offline',
  retriever: 'bm25',
  rrfK: 0,
  signals: 'both',
  positive: 'fused',
  negativeStrategy: 'lowest',
  searchText: 'who won',
  searchFormat: 'bare',
  seedRetrieved: true,
  candidates: [cand('a', 1, 2, 1), cand('s', 3, 1, 2, { isSeed: true }), cand('z', 2, 3, 3)],
  positiveId: 'a',
  negativeId: 'z',
  positiveIsSeed: false,
  seedFusedRank: 2,
  ties: { top: 1, bottom: 1 },
  failures: { ql: 0, rc: 0, retries: 0 },
};
const kept: FretRecord = {
  ...relabelled,
  queryId: 'q2',
  seedIndex: 1,
  candidates: [cand('s', 1, 1, 1, { isSeed: true }), cand('z', 2, 2, 2)],
  positiveId: 's',
  negativeId: 'z',
  positiveIsSeed: true,
  seedFusedRank: 1,
};
const pool = new Map<string, Passage>([
  ['a', { id: 'a', title: 'T', text: 'alpha', source: 'x' }],
  ['s', { id: 's', text: 'seed', source: 'x' }],
  ['z', { id: 'z', text: 'zed', source: 'x' }],
]);

describe('FRet inspection', () => {
  it('re-ranks a record with another RRF k (the notebook 03 knob)', () => {
    // QL ranks x1 y2 w3 z4, RC ranks z1 y2 w3 x4. k = 0: x and z tie at 1.25 (x first by id), y 1.0,
    // w 0.667. k = 60: the smallest rank sum wins: y (4) before x and z (5) before w (6).
    const input = [
      ['x', -1, 0.25],
      ['y', -2, 0.5],
      ['w', -3, 0.33],
      ['z', -4, 1.0],
    ].map(([id, ql, rc]) => ({
      passageId: id as string,
      retrievalRank: 1,
      retrievalScore: 1,
      isSeed: id === 'w',
      ql: ql as number,
      rcLabelLogprobs: {},
      rc: rc as number,
    }));
    const candidates = rankCandidates(input, { rrfK: 0 });
    expect(candidates.map((c) => c.passageId)).toEqual(['x', 'z', 'y', 'w']);
    const record: FretRecord = { ...relabelled, candidates, positiveId: 'x', negativeId: 'w', seedFusedRank: 4 };
    const r = rerankWithK(record, 60);
    expect(r.rows.map((x) => [x.passageId, x.fusedRank, x.fusedRankNewK])).toEqual([
      ['y', 3, 1],
      ['x', 1, 2],
      ['z', 2, 3],
      ['w', 4, 4],
    ]);
    expect(r.summary).toContain('the positive changes from `x` to `y`');
    expect(r.summary).toContain('the hard negative) stays `w`');
    expect(r.summary).toContain('3 of 4 candidates change fused rank');
    expect(rerankWithK(record, 0).summary).toContain('the positive stays `x`');
  });

  it('picks the first relabelled record, or a kept one, or by id', () => {
    expect(pickExample([kept, relabelled]).queryId).toBe('q1');
    expect(pickExample([kept, relabelled], 'seed-kept').queryId).toBe('q2');
    expect(pickExample([kept], 'relabelled').queryId).toBe('q2'); // none relabelled: the first
    expect(pickExample([kept, relabelled], 'q2').queryId).toBe('q2');
    expect(() => pickExample([kept], 'nope')).toThrow(/no record with query id 'nope'/);
    expect(() => pickExample([])).toThrow(/no FRet records/);
  });

  it('lists candidates by fused rank with roles and text', () => {
    const rows = candidateRows(relabelled, pool);
    expect(rows.map((r) => [r.fusedRank, r.role, r.passage])).toEqual([
      [1, 'positive', 'T. alpha'],
      [2, 'seed passage', 'seed'],
      [3, 'negative', 'zed'],
    ]);
    expect(rows[0]!.rrf).toBeCloseTo(1.5);
    expect(() => candidateRows(relabelled, new Map())).toThrow(/passage a of query q1 is not in the pool/);
  });

  it('explains the RRF arithmetic of the choice', () => {
    const md = explainChoice(relabelled, pool);
    expect(md).toContain('| positive | `a` | 1 | 2 | 1/1 + 1/2 = **1.500** | 1 |');
    expect(md).toContain('| seed passage | `s` | 3 | 1 | 1/3 + 1/1 = **1.333** | 2 |');
    expect(md).toContain('| negative (lowest) | `z` | 2 | 3 | 1/2 + 1/3 = **0.833** | 3 |');
    expect(md).toContain('**relabels** the positive');
    expect(md).toContain('> **positive** `a`: T. alpha');
    expect(explainChoice(kept)).toContain('so it stays the positive');
    expect(explainChoice({ ...kept, rrfK: 60 })).toContain('1/(60+1) + 1/(60+1)');
  });

  it('joins seeds and queries, counts tasks, renders prompts', () => {
    const seeds = [{ seedIndex: 0, passage: { id: 's', title: 'T', text: 'seed', source: 'x' } }];
    const queries = [
      {
        seedIndex: 0,
        queryId: 'q',
        seedPassageId: 's',
        task: 't1',
        query: 'q?',
        raw: '',
        promptId: 'p',
        promptVersion: '1',
        teacher: 'offline',
        sampleSeed: 1,
      },
    ];
    expect(seedQueryRows(seeds, queries)).toEqual([{ seed: 0, passage: 'T. seed', task: 't1', query: 'q?' }]);
    expect(() => seedQueryRows([], queries)).toThrow(/seedIndex 0/);
    expect(taskCounts([{ task: 'b' }, { task: 'a' }, { task: 'b' }])).toEqual([
      { task: 'b', queries: 2, share: 2 / 3 },
      { task: 'a', queries: 1, share: 1 / 3 },
    ]);
    expect(messagesMarkdown([{ role: 'user', content: 'x ``` y' }])).toBe("**user**\n\n```text\nx ''' y\n```");
  });
});
