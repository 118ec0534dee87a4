// Exact (brute-force) top-k search by dot product over L2-normalised vectors (= cosine).
// Ties are broken by lower corpus index.
// Small problems run as a plain JS loop. Large ones run on onnxruntime (onnx-topk.ts: Gemm +
// TopK with 2 threads) when onnxruntime-node loads (backend/onnx.ts), else as blocked
// TF.js matmuls plus a JS top-k (topk-block.ts), with the corpus split between this thread and
// a worker thread on wasm (TF.js wasm is single-threaded per engine), and the lists merged.
import type { Worker } from 'node:worker_threads';
import { cpus } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../backend/select';
import { workersSetting } from '../core/env';
import { projectRoot } from '../core/paths';
import { tsWorker } from '../core/worker';
import { inferenceRuntime } from '../backend/onnx';
import { onnxTopK } from './onnx-topk';
import { mergeInto, topkSlice } from './topk-block';

export interface TopK {
  /** Corpus row indices, best first. */
  index: Int32Array;
  score: Float32Array;
}

/** Below this many multiply-adds (queries x corpus x dim) the plain JS loop is used. */
const TF_MIN_WORK = 2e7;
/** Above this, the corpus is split with a worker thread (its start-up costs about a second once). */
const WORKER_MIN_WORK = 5e8;

/** The plain loop: exact, float64 accumulation (also the reference in tests). */
export function plainTopK(queries: readonly Float32Array[], corpus: readonly Float32Array[], k: number): TopK[] {
  const kk = Math.min(k, corpus.length);
  return queries.map((q) => {
    const idx = new Int32Array(kk).fill(-1);
    const sc = new Float32Array(kk).fill(-Infinity);
    const dim = q.length;
    for (let c = 0; c < corpus.length; c++) {
      const v = corpus[c]!;
      let s = 0;
      for (let j = 0; j < dim; j++) s += q[j]! * v[j]!;
      if (s <= sc[kk - 1]!) continue;
      let p = kk - 1;
      while (p > 0 && sc[p - 1]! < s) {
        sc[p] = sc[p - 1]!;
        idx[p] = idx[p - 1]!;
        p--;
      }
      sc[p] = s;
      idx[p] = c;
    }
    return { index: idx, score: sc };
  });
}

function flatten(rows: readonly Float32Array[], dim: number, from = 0, to = rows.length): Float32Array {
  const out = new Float32Array((to - from) * dim);
  for (let i = from; i < to; i++) out.set(rows[i]!, (i - from) * dim);
  return out;
}

/** A search worker, started on first need and kept (it never holds the process open). */
let worker:
  | {
      w: Worker;
      next: number;
      pending: Map<number, (m: { index?: Int32Array; score?: Float32Array; error?: string }) => void>;
    }
  | undefined;

async function searchWorker(backend: string): Promise<NonNullable<typeof worker>> {
  if (worker) return worker;
  const w = tsWorker(join(projectRoot(), 'lib', 'retrieval', 'topk-worker.ts'), { backend }, { execArgv: [] });
  const state = {
    w,
    next: 1,
    pending: new Map<number, (m: { index?: Int32Array; score?: Float32Array; error?: string }) => void>(),
  };
  w.on('message', (m: { id: number; error?: string }) => {
    const cb = state.pending.get(m.id);
    if (!cb) return;
    state.pending.delete(m.id);
    if (state.pending.size === 0) w.unref();
    cb(m);
  });
  await new Promise<void>((resolve, reject) => {
    state.pending.set(0, (m) => (m.error ? reject(new Error(m.error)) : resolve()));
    w.once('exit', (code) => reject(new Error(`search worker exited with code ${code}`)));
  });
  w.unref();
  worker = state;
  return state;
}

function threads(tfBackend: string): number {
  const n = workersSetting() ?? Math.min(2, cpus().length);
  return tfBackend === 'wasm' ? Math.min(2, n) : 1;
}

/**
 * Exact top-k by dot product for each query (pass L2-normalised vectors for cosine).
 * Runs on onnxruntime when it loads, else TF.js; `runtime: 'tfjs'` forces TF.js (tests, bench).
 * @example const [hit] = await exactTopK([q], corpus, 10); hit.index[0] // best corpus row
 */
export async function exactTopK(
  queries: readonly Float32Array[],
  corpus: readonly Float32Array[],
  k: number,
  opts: { runtime?: 'auto' | 'tfjs' } = {},
): Promise<TopK[]> {
  const Q = queries.length,
    N = corpus.length;
  if (Q === 0) return [];
  const dim = queries[0]!.length;
  const kk = Math.min(k, N);
  const work = Q * N * dim;
  if (N === 0 || kk === 0 || work < TF_MIN_WORK) return plainTopK(queries, corpus, k);
  const qFlat = flatten(queries, dim);
  const rt = opts.runtime === 'tfjs' ? undefined : inferenceRuntime();
  if (rt?.ort) return unflatten(await onnxTopK(rt.ort, qFlat, Q, flatten(corpus, dim), N, dim, kk), Q, kk);
  const backend = await selectBackend();
  // corpus split: this thread takes rows [0, cut), the worker [cut, N)
  const parts = work >= WORKER_MIN_WORK ? threads(backend.tfBackend) : 1;
  const cut = parts === 2 ? Math.ceil(N / 2) : N;
  let remote: Promise<{ index: Int32Array; score: Float32Array }> | undefined;
  if (parts === 2) {
    const wk = await searchWorker(tf.getBackend());
    const id = wk.next++;
    const slice = flatten(corpus, dim, cut, N);
    remote = new Promise((resolve, reject) => {
      wk.pending.set(id, (m) =>
        m.error ? reject(new Error(`search worker: ${m.error}`)) : resolve({ index: m.index!, score: m.score! }),
      );
      wk.w.ref();
      wk.w.postMessage({ id, queries: qFlat, Q, corpus: slice, rows: N - cut, dim, k: kk }, [slice.buffer]);
    });
  }
  const local = topkSlice(qFlat, Q, flatten(corpus, dim, 0, cut), cut, dim, kk);
  const index = new Int32Array(Q * kk).fill(-1);
  const score = new Float32Array(Q * kk).fill(-Infinity);
  const k0 = Math.min(kk, cut);
  for (let qi = 0; qi < Q; qi++) mergeInto(score, index, qi * kk, kk, local.score, local.index, qi * k0, k0, 0);
  if (remote) {
    const r = await remote;
    const k1 = Math.min(kk, N - cut);
    for (let qi = 0; qi < Q; qi++) mergeInto(score, index, qi * kk, kk, r.score, r.index, qi * k1, k1, cut);
  }
  return unflatten({ index, score }, Q, kk);
}

/** Vectors as one row-major matrix (rows x dim), e.g. a corpus's embeddings: nothing to gather per row. */
export interface Matrix {
  data: Float32Array;
  rows: number;
  dim: number;
}

/**
 * Exact cosine top-k of raw (not normalised) vectors given as matrices: on onnxruntime both sides
 * are L2-normalised inside the search graph; otherwise here, then searched on TF.js. Ties to the
 * lower corpus row. `runtime: 'tfjs'` forces TF.js (tests, bench).
 * @example const hits = await cosineTopK({ data: q, rows: 2, dim: 4 }, { data: c, rows: 100, dim: 4 }, 10);
 */
export async function cosineTopK(
  queries: Matrix,
  corpus: Matrix,
  k: number,
  opts: { runtime?: 'auto' | 'tfjs' } = {},
): Promise<TopK[]> {
  if (queries.dim !== corpus.dim)
    throw new Error(`cosineTopK: queries have dim ${queries.dim}, the corpus ${corpus.dim}`);
  const kk = Math.min(k, corpus.rows);
  if (queries.rows === 0) return [];
  const rt = opts.runtime === 'tfjs' ? undefined : inferenceRuntime();
  if (rt?.ort && kk > 0 && queries.rows * corpus.rows * corpus.dim >= TF_MIN_WORK) {
    const r = await onnxTopK(
      rt.ort,
      queries.data,
      queries.rows,
      corpus.data,
      corpus.rows,
      corpus.dim,
      kk,
      undefined,
      true,
    );
    return unflatten(r, queries.rows, kk);
  }
  return exactTopK(unitRows(queries), unitRows(corpus), k, opts);
}

/** The rows of a matrix, each L2-normalised (a zero row stays zero). */
function unitRows(m: Matrix): Float32Array[] {
  const out: Float32Array[] = [];
  for (let i = 0; i < m.rows; i++) {
    const v = m.data.subarray(i * m.dim, (i + 1) * m.dim);
    let ss = 0;
    for (let j = 0; j < m.dim; j++) ss += v[j]! * v[j]!;
    const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
    const u = new Float32Array(m.dim);
    for (let j = 0; j < m.dim; j++) u[j] = v[j]! * inv;
    out.push(u);
  }
  return out;
}

function unflatten(r: { index: Int32Array; score: Float32Array }, Q: number, kk: number): TopK[] {
  return Array.from({ length: Q }, (_, qi) => ({
    index: r.index.slice(qi * kk, (qi + 1) * kk),
    score: r.score.slice(qi * kk, (qi + 1) * kk),
  }));
}
