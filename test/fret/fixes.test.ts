// The FRet bias fixes of issue 10: what BM25 searches, how fused ties are broken and
// reported, how a tie is described, and that unusable teacher answers are retried
// (a candidate that still fails is ranked last and counted; only a failed query
// generation skips its seed), also against a fake server answering 25% of requests
// with faults.
import { describe, expect, it } from 'vitest';
import type { Passage } from '../../lib/core/types';
import { runFret, type FretSettings } from '../../lib/fret/pipeline';
import { relabelQuery } from '../../lib/fret/relabel';
import { bm25Retriever, type CandidateRetriever } from '../../lib/fret/retrieve';
import { rankCandidates, type CandidateInput } from '../../lib/fret/select';
import type { FretRecord, QueryRecord } from '../../lib/fret/types';
import { LlmOutputError } from '../../lib/llm/errors';
import { createTeacher } from '../../lib/llm/factory';
import type { Teacher } from '../../lib/llm/types';
import { explainChoice } from '../../lib/pipeline/inspect';
import { startFakeOpenAiServer, type Failure } from '../llm/fake-openai-server';
import { tmpDir } from '../helpers';
import { fakeTeacher } from './fake-teacher';

const TASK = 'Given a web search query, retrieve a passage that might show up as a search result';
const pool: Passage[] = [
  { id: 'tech-1', source: 't', text: 'The new phone software update reached millions of users.' },
  { id: 'business-1', source: 't', text: 'Bank shares rose after strong profit reports.' },
  { id: 'business-2', source: 't', text: 'A web search result page might show a passage for any query.' },
  { id: 'sport-1', source: 't', text: 'The striker scored a late goal in the rain.' },
  { id: 'tech-2', source: 't', text: 'Users said the phone was slow.' },
];
const byId = new Map(pool.map((p) => [p.id, p]));
const query = (over: Partial<QueryRecord> = {}): QueryRecord => ({
  seedIndex: 0,
  queryId: 'q0',
  seedPassageId: 'tech-1',
  task: TASK,
  query: 'phone software update',
  raw: '',
  promptId: 'p',
  promptVersion: '1',
  teacher: 'fake',
  sampleSeed: 1,
  ...over,
});

/** A retriever that records what it was asked. */
function spy(kind: 'lexical' | 'dense'): CandidateRetriever & { asked: string[] } {
  const asked: string[] = [];
  return {
    id: `spy-${kind}`,
    kind,
    asked,
    async search(text, k) {
      asked.push(text);
      return pool.slice(0, k).map((p, i) => ({ id: p.id, score: 1 - i / 10 }));
    },
  };
}

describe('FRet step 2: what the retriever searches', () => {
  it('a lexical retriever (BM25) gets the bare query; the record says what was searched', async () => {
    const r = spy('lexical');
    const out = await relabelQuery(query(), {
      teacher: fakeTeacher(),
      retriever: r,
      pool: byId,
      numCandidates: 4,
      rrfK: 0,
      negativeStrategy: 'lowest',
      rootSeed: 1,
    });
    expect(r.asked).toEqual(['phone software update']);
    const rec = (out as { record: FretRecord }).record;
    expect(rec.searchText).toBe('phone software update');
    expect(rec.searchFormat).toBe('bare');
  });

  it('BM25 itself: the task words no longer pull in the passage that only matches them', async () => {
    const bm25 = bm25Retriever(pool);
    const out = await relabelQuery(query({ query: 'phone users' }), {
      teacher: fakeTeacher(),
      retriever: bm25,
      pool: byId,
      numCandidates: 4,
      rrfK: 0,
      negativeStrategy: 'lowest',
      rootSeed: 1,
    });
    const rec = (out as { record: FretRecord }).record;
    // business-2 shares only task words ("web search result passage query") with the formatted text
    expect(rec.candidates.map((c) => c.passageId)).not.toContain('business-2');
  });

  it('a dense retriever keeps the formatted task + query (in the run format)', async () => {
    const r = spy('dense');
    const base = { teacher: fakeTeacher(), pool: byId, numCandidates: 4, rrfK: 0, rootSeed: 1 } as const;
    await relabelQuery(query(), { ...base, retriever: r, negativeStrategy: 'lowest' });
    await relabelQuery(query(), { ...base, retriever: r, negativeStrategy: 'lowest', format: 'plain' });
    expect(r.asked).toEqual([`task: ${TASK} | query: phone software update`, `${TASK} phone software update`]);
  });
});

const cand = (id: string, ql: number, rc: number, isSeed = false): CandidateInput => ({
  passageId: id,
  retrievalRank: 1,
  retrievalScore: 1,
  isSeed,
  ql,
  rc,
  rcLabelLogprobs: {},
});

describe('fused-rank ties', () => {
  // Top tie with k = 0: X has QL rank 1 / RC rank 2, Y has QL rank 2 / RC rank 1: both 1.5.
  // X's margins are larger (QL far above Y, RC just below Y), so the z-sum key prefers X.
  const tie = (x: string, y: string) => [
    cand(x, -1, 0.88),
    cand(y, -3, 0.9, true),
    cand('m-3', -10, 0.2),
    cand('m-4', -11, 0.1),
  ];
  it('are broken by the z-sum of the signals, not by passage id (either id order)', () => {
    expect(rankCandidates(tie('tech-1', 'business-1'), { rrfK: 0 })[0]!.passageId).toBe('tech-1');
    expect(rankCandidates(tie('business-1', 'tech-1'), { rrfK: 0 })[0]!.passageId).toBe('business-1');
  });
  it('ties within one signal are ordered by a neutral key: neither id order wins always', () => {
    let firstA = 0;
    for (let i = 0; i < 40; i++) {
      const r = rankCandidates([cand('a-x', -1, 0.5), cand('z-x', -1, 0.4), cand('m', -5, 0.9)], {
        rrfK: 0,
        queryId: `q${i}`,
      } as { rrfK: number });
      if (r.find((c) => c.passageId === 'a-x')!.qlRank === 1) firstA++;
    }
    expect(firstA).toBeGreaterThan(5);
    expect(firstA).toBeLessThan(35);
  });
  it('a tie is never described as the teacher judging one passage better', () => {
    const ranked = rankCandidates(tie('tech-1', 'business-1'), { rrfK: 0 });
    const rec = {
      seedIndex: 0,
      queryId: 'q0',
      seedPassageId: 'business-1',
      task: TASK,
      query: 'q',
      teacher: 'fake',
      retriever: 'bm25',
      rrfK: 0,
      signals: 'both',
      positive: 'fused',
      negativeStrategy: 'lowest',
      searchText: 'q',
      searchFormat: 'bare',
      seedRetrieved: true,
      candidates: ranked,
      positiveId: ranked[0]!.passageId,
      negativeId: ranked.at(-1)!.passageId,
      positiveIsSeed: false,
      seedFusedRank: 2,
      ties: { top: 2, bottom: 1 },
      failures: { ql: 0, rc: 0, retries: 0 },
    } as FretRecord;
    const md = explainChoice(rec);
    expect(md).not.toMatch(/teacher judged/);
    expect(md).toMatch(/tie/);
  });
});

/** Wrap a teacher: the first call of each (signal, passage) in `flaky` throws an unusable-answer error. */
function flakyOnce(t: Teacher, flaky: { ql?: string[]; rc?: string[]; always?: string[] }) {
  const seen = new Set<string>();
  const fail = (key: string) => {
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
  return {
    ...t,
    queryLikelihood: async (q: string, p: Passage, o?: { attempt?: number }) => {
      if (flaky.always?.includes(p.id) || (flaky.ql?.includes(p.id) && fail(`ql:${p.id}`)))
        throw new LlmOutputError('no-logprobs', 'no scored tokens');
      return t.queryLikelihood(q, p, o);
    },
    relevance: async (task: string, q: string, p: Passage, o?: { attempt?: number }) => {
      if (flaky.rc?.includes(p.id) && fail(`rc:${p.id}`)) throw new LlmOutputError('no-label', 'no label');
      return t.relevance(task, q, p, o);
    },
  } as Teacher;
}

describe('unusable teacher answers', () => {
  const opts = { retriever: spy('lexical'), pool: byId, numCandidates: 4, rrfK: 0, rootSeed: 1 } as const;
  it('are retried: one bad QL or RC answer no longer drops the query', async () => {
    const teacher = flakyOnce(fakeTeacher(), { ql: ['tech-1'], rc: ['business-1'] });
    const out = await relabelQuery(query(), { ...opts, teacher, negativeStrategy: 'lowest' });
    expect('record' in out).toBe(true);
    const rec = (out as { record: FretRecord }).record;
    expect(rec.failures).toEqual({ ql: 0, rc: 0, retries: 2 });
  });
  it('a candidate that keeps failing is ranked last, never chosen, and counted', async () => {
    const teacher = flakyOnce(fakeTeacher(), { always: ['tech-1'] });
    const out = await relabelQuery(query(), { ...opts, teacher, negativeStrategy: 'lowest' });
    expect('record' in out).toBe(true);
    const rec = (out as { record: FretRecord }).record;
    expect(rec.candidates.at(-1)!.passageId).toBe('tech-1');
    expect(rec.positiveId).not.toBe('tech-1');
    expect(rec.negativeId).not.toBe('tech-1');
    expect(rec.failures.ql).toBe(1);
  });
});

describe('FRet against a server answering 25% of requests with faults', () => {
  it('loses no example a retry could recover (429, 500, slow, truncated, malformed body)', async () => {
    // The first fault hits query generation (a truncated answer); a malformed body hits QL/RC.
    const kinds: Failure[] = ['truncated', '429', 'timeout', '500', 'malformed-json'];
    // One request at a time (concurrency 1), so the n-th request is well defined: every 4th fails.
    const injected: Failure[] = [];
    const server = await startFakeOpenAiServer({
      retryAfterSeconds: 0,
      faults: (n) => {
        if (n % 4 !== 3) return undefined;
        injected.push(kinds[Math.floor(n / 4) % kinds.length]!);
        return injected.at(-1);
      },
    });
    try {
      const dir = tmpDir();
      const teacher = createTeacher('openai:fake-model', {
        baseURL: server.baseURL,
        apiKey: 'sk-test',
        cacheDir: dir,
        concurrency: 1,
        timeoutMs: 400,
        maxRetries: 4,
      });
      const corpus: Passage[] = Array.from({ length: 8 }, (_, i) => ({
        id: `p${i}`,
        source: 't',
        text: `${pool[i % 4]!.text} Item ${i} adds words like harbour, lantern and ${['red', 'blue', 'green'][i % 3]} paint.`,
      }));
      const settings = {
        corpus: 'test',
        seed: 3,
        n: 8,
        minChars: 10,
        maxChars: 1000,
        poolSize: 0,
        teacher: teacher.id,
        retriever: 'bm25',
        numCandidates: 3,
        rrfK: 0,
        negativeStrategy: 'lowest',
        positive: 'fused',
        signals: 'both',
        taskTypes: [],
        format: 'unified',
      } as FretSettings;
      const res = await runFret({
        corpus,
        settings,
        teacher,
        retriever: (p) => bm25Retriever(p),
        out: dir,
        concurrency: 1,
      });
      expect(new Set(injected)).toEqual(new Set(kinds)); // every kind of fault was served
      expect(injected.length).toBeGreaterThanOrEqual(8);
      expect(res.report.skipped).toEqual({});
      expect(res.records).toHaveLength(8);
      for (const r of res.records)
        expect(r.candidates.every((c) => Number.isFinite(c.ql) && Number.isFinite(c.rc))).toBe(true);
    } finally {
      await server.close();
    }
  });
});
