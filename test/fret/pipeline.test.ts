import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Passage } from '../../lib/core/types';
import { FRET_FILES, runFret, seedStage, type FretSettings } from '../../lib/fret/pipeline';
import { bm25Retriever } from '../../lib/fret/retrieve';
import type { FretRecord, QueryRecord } from '../../lib/fret/types';
import { tmpDir } from '../helpers';
import { fakeTeacher } from './fake-teacher';

const TOPICS = [
  'football match goal striker',
  'stock market shares profit bank',
  'election minister party vote',
  'film actor award cinema',
  'phone software internet users',
];
function corpus(n: number): Passage[] {
  return Array.from({ length: n }, (_, i) => {
    const t = TOPICS[i % TOPICS.length]!.split(' ');
    return {
      id: `p${String(i).padStart(3, '0')}`,
      source: 'test',
      text: `Passage ${i} about ${t.join(' ')} number ${i % 7} with ${t[(i * 3) % t.length]} and ${t[(i * 5 + 1) % t.length]} repeated ${t[i % t.length]} words.`,
    };
  });
}
const settings = (over: Partial<FretSettings> = {}): FretSettings => ({
  corpus: 'test',
  seed: 7,
  n: 20,
  minChars: 10,
  maxChars: 1000,
  poolSize: 0,
  teacher: 'fake',
  retriever: 'bm25',
  numCandidates: 5,
  rrfK: 0,
  negativeStrategy: 'lowest',
  positive: 'fused',
  signals: 'both',
  taskTypes: [],
  format: 'unified',
  ...over,
});

describe('runFret on a fake teacher', () => {
  it('writes seeds, queries, records with every score and rank, examples and a report', async () => {
    const out = tmpDir();
    // The teacher answers garbage for one passage that IS a seed (the seed sample is seeded, so
    // seedStage gives the same seeds runFret will read back).
    const malformed = seedStage(corpus(40), settings()).seeds[3]!.passage.id;
    const teacher = fakeTeacher({ malformedIds: [malformed] });
    const res = await runFret({
      corpus: corpus(40),
      settings: settings(),
      teacher,
      retriever: (pool) => bm25Retriever(pool),
      out,
      concurrency: 3,
    });
    expect(res.seeds).toHaveLength(20);
    expect(res.seeds.map((s) => s.passage.id)).toContain(malformed);
    expect(res.records).toHaveLength(19);
    expect(res.records.some((r) => r.seedPassageId === malformed)).toBe(false);
    for (const r of res.records) {
      expect(r.candidates.some((c) => c.isSeed && c.passageId === r.seedPassageId)).toBe(true);
      expect(r.candidates.length).toBe(r.seedRetrieved ? 5 : 6);
      expect(r.candidates.map((c) => c.fusedRank)).toEqual(r.candidates.map((_, i) => i + 1));
      expect(r.positiveId).toBe(r.candidates[0]!.passageId);
      expect(r.negativeId).toBe(r.candidates.at(-1)!.passageId);
      for (const c of r.candidates) {
        expect(c.fused).toBeCloseTo(1 / c.qlRank + 1 / c.rcRank, 12);
        expect(Number.isFinite(c.ql) && Number.isFinite(c.rc)).toBe(true);
      }
    }
    const ex = readFileSync(join(out, FRET_FILES.examples), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(ex).toHaveLength(res.records.length);
    expect(ex[0]).toMatchObject({
      source: 'fret',
      symmetric: false,
      negatives: [expect.objectContaining({ text: expect.any(String) })],
    });
    const rep = JSON.parse(readFileSync(join(out, FRET_FILES.report), 'utf8'));
    expect(rep.examples).toBe(res.records.length);
    expect(rep.relabelRate).toBeCloseTo(
      res.records.filter((r) => r.positiveId !== r.seedPassageId).length / res.records.length,
      12,
    );
    expect(rep.skipped).toEqual({ 'querygen/not-json': 1 });
    expect(rep.usage.calls).toBe(teacher.calls);
    expect(rep.standIn).toBe(true);
  });

  it('a crashed run resumed gives the same files as an uninterrupted run, without redoing finished work', async () => {
    const full = tmpDir();
    await runFret({
      corpus: corpus(40),
      settings: settings({ negativeStrategy: 'random' }),
      teacher: fakeTeacher(),
      retriever: (pool) => bm25Retriever(pool),
      out: full,
      concurrency: 3,
    });

    const part = tmpDir();
    const crashing = fakeTeacher();
    const ql = crashing.queryLikelihood.bind(crashing);
    let n = 0;
    crashing.queryLikelihood = async (q, p) => {
      if (++n > 40) throw new Error('simulated crash');
      return ql(q, p);
    };
    await expect(
      runFret({
        corpus: corpus(40),
        settings: settings({ negativeStrategy: 'random' }),
        teacher: crashing,
        retriever: (pool) => bm25Retriever(pool),
        out: part,
        concurrency: 3,
      }),
    ).rejects.toThrow(/simulated crash/);
    const before = readFileSync(join(part, FRET_FILES.fret), 'utf8').trim().split('\n').filter(Boolean).length;
    expect(before).toBeGreaterThan(0);
    appendFileSync(join(part, FRET_FILES.fret), '{"seedIndex": 99, "torn'); // a torn last line, as a kill leaves it
    appendFileSync(join(part, FRET_FILES.usage), '{"invocation": "x", "sta'); // the usage log too
    const again = fakeTeacher();
    await runFret({
      corpus: corpus(40),
      settings: settings({ negativeStrategy: 'random' }),
      teacher: again,
      retriever: (pool) => bm25Retriever(pool),
      out: part,
      concurrency: 3,
    });
    for (const f of [FRET_FILES.seeds, FRET_FILES.queries, FRET_FILES.fret, FRET_FILES.examples]) {
      expect(readFileSync(join(part, f), 'utf8'), f).toBe(readFileSync(join(full, f), 'utf8'));
    }
    // Step 1 was complete: no generation call again; step 2 redid only the unfinished queries.
    const recs = readFileSync(join(part, FRET_FILES.fret), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as FretRecord);
    const queries = readFileSync(join(part, FRET_FILES.queries), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as QueryRecord);
    const redone = recs.length - before;
    const candCount = recs.slice().sort((a, b) => a.seedIndex - b.seedIndex);
    expect(queries).toHaveLength(20);
    expect(again.calls).toBeLessThanOrEqual(redone * 2 * 6);
    expect(again.calls).toBeGreaterThanOrEqual(redone * 2 * 5);
    expect(candCount).toHaveLength(20);
  });

  it('refuses to resume a folder made with other settings', async () => {
    const out = tmpDir();
    await runFret({
      corpus: corpus(20),
      settings: settings({ n: 5 }),
      teacher: fakeTeacher(),
      retriever: (pool) => bm25Retriever(pool),
      out,
      concurrency: 1,
    });
    await expect(
      runFret({
        corpus: corpus(20),
        settings: settings({ n: 5, rrfK: 60 }),
        teacher: fakeTeacher(),
        retriever: (pool) => bm25Retriever(pool),
        out,
        concurrency: 1,
      }),
    ).rejects.toThrow(/rrfK = 0, not 60[\s\S]*new --out folder/);
  });
});
