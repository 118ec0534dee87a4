// The embedding cache: duplicates encoded once, persisted across cache objects (a new process),
// keyed by model, task, role and text.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Embedder } from '../../lib/core/types';
import { EmbeddingCache } from '../../lib/eval/embedding-cache';
import { tmpDir } from '../helpers';

function counting(id = 'fake:3'): Embedder & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    id,
    dim: 3,
    calls,
    async embed(texts) {
      calls.push([...texts]);
      return texts.map((t) => Float32Array.of(t.length, t.charCodeAt(0), 1));
    },
  };
}

describe('EmbeddingCache', () => {
  it('encodes each distinct text once and returns vectors in input order', async () => {
    const cache = new EmbeddingCache(tmpDir('gecko-emb-'));
    const e = counting();
    const { vectors, stats } = await cache.embed(e, 'T', 'query', ['aa', 'b', 'aa', 'ccc'], { batchSize: 2 });
    expect(e.calls).toEqual([['aa', 'b'], ['ccc']]);
    expect(vectors.map((v) => v[0])).toEqual([2, 1, 2, 3]);
    expect(stats).toEqual({ requested: 4, unique: 3, cached: 0, encoded: 3 });
  });

  it('persists: a fresh cache on the same folder encodes nothing', async () => {
    const root = tmpDir('gecko-emb-');
    const e = counting();
    const first = await new EmbeddingCache(root).embed(e, 'T', 'passage', ['x', 'yy']);
    const again = await new EmbeddingCache(root).embed(e, 'T', 'passage', ['yy', 'x']);
    expect(e.calls).toHaveLength(1);
    expect(again.stats.encoded).toBe(0);
    expect(again.vectors).toEqual([first.vectors[1], first.vectors[0]]);
  });

  it('keys by model, task and role', async () => {
    const root = tmpDir('gecko-emb-');
    const cache = new EmbeddingCache(root);
    const e = counting();
    await cache.embed(e, 'T', 'query', ['x']);
    await cache.embed(e, 'T', 'passage', ['x']);
    await cache.embed(e, 'U', 'query', ['x']);
    await cache.embed(counting('fake:other'), 'T', 'query', ['x']);
    expect(e.calls).toHaveLength(3);
    expect(readdirSync(root)).toHaveLength(2); // one folder per model
  });

  it('ignores temp files left by a killed writer', async () => {
    const root = tmpDir('gecko-emb-');
    const e = counting();
    await new EmbeddingCache(root).embed(e, 'T', 'text', ['x']);
    const [model] = readdirSync(root);
    writeFileSync(join(root, model!, 'T', 'text', 'abc.bin.tmp-1-0'), 'torn');
    const r = await new EmbeddingCache(root).embed(e, 'T', 'text', ['x', 'y']);
    expect(r.stats).toMatchObject({ cached: 1, encoded: 1 });
  });
});
