import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readJsonl } from '../../lib/core/jsonl';
import type { Passage } from '../../lib/core/types';
import { OfflineTeacher, OFFLINE_TASK_TYPES } from '../../lib/llm/offline-teacher';
import { analyze, bm25, buildTermStats, dirichletQueryLogLikelihood } from '../../lib/llm/offline/text';
import { have, SHARED_DATA } from '../helpers';

const BBC = join(SHARED_DATA, 'bbc_news', 'bbc_fulltext.jsonl');
const SCIFACT = join(SHARED_DATA, 'scifact', 'corpus.jsonl');

describe('offline text statistics (hand-computed)', () => {
  it('Dirichlet QL with a uniform background', () => {
    // doc 'cat sat' (2 tokens), mu 2, p(w|C) = 1e-5: log((1 + 2e-5) / 4)
    expect(dirichletQueryLogLikelihood(['cat'], ['cat', 'sat'], undefined, 2)).toBeCloseTo(
      Math.log((1 + 2e-5) / 4),
      12,
    );
  });
  it('Dirichlet QL with a background collection', () => {
    const stats = buildTermStats(['cat dog', 'dog fish']); // 4 tokens, 3 types; p(fish|C) = (1+1)/(4+3+1)
    expect(dirichletQueryLogLikelihood(['fish'], ['cat', 'sat'], stats, 4)).toBeCloseTo(
      Math.log((0 + 4 * (2 / 8)) / 6),
      12,
    );
  });
  it('BM25 without stats: idf 1, and its maximum', () => {
    // tf 1, |d| = avg = 2 so norm = k1: 1 * 2.2 / (1 + 1.2) = 1; max = 2 * 2.2
    const { score, max } = bm25(['cat', 'fish'], ['cat', 'sat'], undefined);
    expect(score).toBeCloseTo(1, 12);
    expect(max).toBeCloseTo(4.4, 12);
  });
});

describe.runIf(have(BBC, 'BBC News') && have(SCIFACT, 'SciFact corpus'))('offline teacher on real passages', () => {
  const bbc: Passage[] = readJsonl<{ id: string; text: string }>(BBC)
    .slice(0, 60)
    .map((r) => ({ id: r.id, text: r.text, source: 'bbc_news' }));
  const sci: Passage[] = readJsonl<{ _id: string; title: string; text: string }>(SCIFACT)
    .slice(0, 20)
    .map((r) => ({ id: r._id, title: r.title, text: r.text, source: 'scifact' }));
  const teacher = new OfflineTeacher({ background: bbc });

  it('is labelled a stand-in', () => {
    expect(teacher.standIn).toBe(true);
    expect(teacher.id).toBe('offline');
    expect(teacher.notes).toMatch(/stand-in, not an LLM/);
  });

  it('writes non-empty queries whose content words come from the passage, with several task types', async () => {
    const tasks = new Set<string>();
    for (const [i, p] of [...bbc.slice(0, 30), ...sci].entries()) {
      const g = await teacher.generateTaskQuery(p, { seed: i });
      expect(g.query.trim().length).toBeGreaterThan(0);
      expect(OFFLINE_TASK_TYPES.map((t) => t.task)).toContain(g.task);
      const words = new Set(analyze(`${p.title ?? ''} ${p.text}`));
      for (const w of analyze(g.query))
        expect(words.has(w), `'${w}' of '${g.query}' not in passage ${p.id}`).toBe(true);
      expect(JSON.parse(g.raw)).toEqual({ task: g.task, query: g.query });
      tasks.add(g.task);
    }
    expect(tasks.size).toBe(4);
  });

  it('is deterministic under the seed, and the seed matters', async () => {
    const a = await Promise.all(bbc.slice(0, 10).map((p) => teacher.generateTaskQuery(p, { seed: 7 })));
    const b = await Promise.all(
      bbc.slice(0, 10).map((p) => new OfflineTeacher({ background: bbc }).generateTaskQuery(p, { seed: 7 })),
    );
    const c = await Promise.all(bbc.slice(0, 10).map((p) => teacher.generateTaskQuery(p, { seed: 8 })));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('QL and RC prefer the source passage over an unrelated one', async () => {
    let n = 0;
    for (let i = 0; i < 20; i++) {
      const src = bbc[i]!,
        other = bbc[59 - i]!;
      const g = await teacher.generateTaskQuery(src, { seed: i });
      if (analyze(g.query).length === 0) continue;
      expect(await teacher.queryLikelihood(g.query, src)).toBeGreaterThan(
        await teacher.queryLikelihood(g.query, other),
      );
      const rs = await teacher.relevance(g.task, g.query, src),
        ro = await teacher.relevance(g.task, g.query, other);
      expect(rs.score).toBeGreaterThan(ro.score);
      expect(Math.exp(rs.labelLogprobs.yes!) + Math.exp(rs.labelLogprobs.no!)).toBeCloseTo(1, 12);
      n++;
    }
    expect(n).toBeGreaterThan(15);
    // A SciFact claim against its own abstract vs another abstract, with a SciFact background.
    const sciTeacher = new OfflineTeacher({ background: sci });
    const q = 'diffusion tensor imaging of newborn cerebral white matter';
    const own = sci.find((p) => /white matter/i.test(p.title ?? ''))!;
    const other = sci.find((p) => !/white matter|diffusion/i.test(`${p.title} ${p.text}`))!;
    expect(await sciTeacher.queryLikelihood(q, own)).toBeGreaterThan(await sciTeacher.queryLikelihood(q, other));
    expect((await sciTeacher.relevance('', q, own)).score).toBeGreaterThan(0.9);
    expect((await sciTeacher.relevance('', q, other)).score).toBeLessThan(0.1);
  });

  it('rejects an empty passage with its id', async () => {
    await expect(teacher.queryLikelihood('x', { id: 'p9', text: '  ', source: 'bbc_news' })).rejects.toThrow(
      /p9.*empty passage/,
    );
  });
});
