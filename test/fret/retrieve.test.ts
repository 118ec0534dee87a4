import { describe, expect, it } from 'vitest';
import type { Embedder, Passage } from '../../lib/core/types';
import { bm25Retriever, denseRetriever } from '../../lib/fret/retrieve';

const pool: Passage[] = [
  { id: 'a', text: 'cats purr', source: 't' },
  { id: 'b', text: 'dogs bark', source: 't' },
  { id: 'c', text: 'cats and dogs', source: 't' },
];

// Unit vectors by keyword: cats → x, dogs → y (both → diagonal).
const toy: Embedder = {
  id: 'toy',
  dim: 2,
  async embed(texts) {
    return texts.map((t) => {
      const v = new Float32Array([t.includes('cats') ? 1 : 0, t.includes('dogs') ? 1 : 0]);
      const n = Math.hypot(v[0]!, v[1]!) || 1;
      return v.map((x) => x / n);
    });
  },
};

describe('candidate retrievers', () => {
  it('dense: exact cosine top-k over passages formatted as title/text', async () => {
    const r = await denseRetriever(toy, pool);
    expect(r.id).toBe('toy');
    const hits = await r.search('task: t | query: cats', 2);
    expect(hits.map((h) => h.id)).toEqual(['a', 'c']);
    expect(hits[0]!.score).toBeCloseTo(1, 6);
    expect(hits[1]!.score).toBeCloseTo(Math.SQRT1_2, 6);
  });
  it('bm25: only passages sharing a term, best first', async () => {
    const hits = await bm25Retriever(pool).search('dogs', 5);
    expect(hits.map((h) => h.id).sort()).toEqual(['b', 'c']);
  });
});
