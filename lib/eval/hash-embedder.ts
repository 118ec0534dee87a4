// A bag-of-words feature-hashing embedder: analyzed tokens (BM25's analyzer) hashed into `dim`
// signed buckets with 1 + log(tf) weights, L2-normalised. A cheap, training-free lexical
// baseline in embedding form, and the fast dense model of the harness's own tests.
import { createHash } from 'node:crypto';
import type { Embedder } from '../core/types';
import { analyze } from '../retrieval/bm25';

/**
 * @example const e = hashEmbedder(256); (await e.embed(['gecko embeddings']))[0].length === 256
 */
export function hashEmbedder(dim: number): Embedder {
  const bucket = new Map<string, number>();
  const slot = (t: string) => {
    let b = bucket.get(t);
    if (b === undefined) {
      b = createHash('sha256').update(t).digest().readInt32LE(0);
      bucket.set(t, b);
    }
    return b;
  };
  return {
    id: `hash:${dim}`,
    dim,
    async embed(texts) {
      return texts.map((text) => {
        // the task prefix of formatted inputs would hash identically for every text: drop it
        const body = text.replace(/^task: [^|]*\| query: /, '').replace(/^title: (.*?) \| text: /, '$1 ');
        const tf = new Map<string, number>();
        for (const t of analyze(body)) tf.set(t, (tf.get(t) ?? 0) + 1);
        const v = new Float32Array(dim);
        for (const [t, c] of tf) {
          const h = slot(t);
          v[Math.abs(h) % dim] += (h < 0 ? -1 : 1) * (1 + Math.log(c));
        }
        let n = 0;
        for (let i = 0; i < dim; i++) n += v[i]! * v[i]!;
        n = Math.sqrt(n);
        if (n > 0) for (let i = 0; i < dim; i++) v[i] = v[i]! / n;
        return v;
      });
    },
  };
}
