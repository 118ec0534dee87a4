// The initial retriever of FRet step 2 (paper §3.2, positive and negative mining): top-N
// neighbours over the candidate pool. BM25 (lexical: searched with the bare query), an encoder
// (dense: any core Embedder, searched with the formatted task + query), or the pretrained
// USE-lite (dense); all behind one small interface.
import type { Embedder, Passage } from '../core/types';
import { formatPassage, type TextFormat } from '../core/format';
import { Bm25Index, type Bm25Options } from '../retrieval/bm25';
import { exactTopK } from '../retrieval/search';

/** A retriever over a fixed passage pool. */
export interface CandidateRetriever {
  /** 'bm25' or the embedder's id; written into every FRet record. */
  readonly id: string;
  /** 'lexical' retrievers get the bare query, 'dense' ones the formatted task + query (relabel.ts searchTextOf). */
  readonly kind: 'lexical' | 'dense';
  /** Top-k passage ids with scores, best first (ties by id). */
  search(queryText: string, k: number): Promise<{ id: string; score: number }[]>;
  /** Optional: embed many queries in one batch before searching them one by one. */
  prefetch?(queryTexts: readonly string[]): Promise<void>;
  /** Optional: free what the retriever holds (worker threads, tensors). */
  close?(): Promise<void>;
}

/**
 * BM25 over the pool (lib/retrieval/bm25, title and text fields). Passages with no
 * matching term are never returned, so fewer than k hits can come back.
 * @example const r = bm25Retriever(pool); await r.search('task: … | query: who won', 20);
 */
export function bm25Retriever(pool: readonly Passage[], opts: Bm25Options = {}): CandidateRetriever {
  const index = new Bm25Index(
    pool.map((p) => ({ id: p.id, title: p.title, text: p.text })),
    opts,
  );
  return { id: 'bm25', kind: 'lexical', search: async (queryText, k) => index.search(queryText, k) };
}

/**
 * Exact cosine search with an embedder (vectors are L2-normalised, so cosine = dot).
 * Passages are embedded once, formatted as `title: … | text: …` (or plain); the caller formats queries.
 * @example const r = await denseRetriever(embedder, pool); await r.search(formatQuery(task, q), 20);
 */
export async function denseRetriever(
  embedder: Embedder & { close?(): Promise<void> },
  pool: readonly Passage[],
  opts: { chunk?: number; onProgress?: (done: number, total: number) => void; format?: TextFormat } = {},
): Promise<CandidateRetriever> {
  const ids = pool.map((p) => p.id);
  const vecs: Float32Array[] = [];
  const chunk = opts.chunk ?? 512;
  for (let i = 0; i < pool.length; i += chunk) {
    vecs.push(
      ...(await embedder.embed(pool.slice(i, i + chunk).map((p) => formatPassage(p.title, p.text, opts.format)))),
    );
    opts.onProgress?.(vecs.length, pool.length);
  }
  const queryVecs = new Map<string, Float32Array>();
  return {
    id: embedder.id,
    kind: 'dense',
    async prefetch(texts) {
      const todo = [...new Set(texts)].filter((t) => !queryVecs.has(t));
      for (let i = 0; i < todo.length; i += chunk) {
        const part = todo.slice(i, i + chunk);
        (await embedder.embed(part)).forEach((v, j) => queryVecs.set(part[j]!, v));
      }
    },
    close: embedder.close ? () => embedder.close!() : undefined,
    async search(queryText, k) {
      const q = queryVecs.get(queryText) ?? (await embedder.embed([queryText]))[0]!;
      const [hit] = await exactTopK([q], vecs, k);
      return Array.from(hit!.index)
        .filter((i) => i >= 0)
        .map((i, r) => ({ id: ids[i]!, score: hit!.score[r]! }));
    },
  };
}

/**
 * Universal Sentence Encoder Lite (pretrained, 512-d; lib/encoder/use-lite.ts) as a dense
 * initial retriever. Loaded lazily: BM25 runs load no TF.js.
 * @example const r = await useLiteRetriever(pool); await r.search(formatQuery(task, q), 20);
 */
export async function useLiteRetriever(
  pool: readonly Passage[],
  opts: { onProgress?: (done: number, total: number) => void; format?: TextFormat } = {},
): Promise<CandidateRetriever> {
  const { UseLiteEmbedder } = await import('../encoder/use-lite');
  return denseRetriever(await UseLiteEmbedder.load(), pool, opts);
}
