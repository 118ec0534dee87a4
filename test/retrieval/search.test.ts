// The fast exactTopK paths (TF.js blocks; + a worker thread; onnxruntime) against the plain JS loop.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/core/rng';
import { cosineTopK, exactTopK, plainTopK } from '../../lib/retrieval/search';
import { inferenceRuntime } from '../../lib/backend/onnx';
import { onnxTopK } from '../../lib/retrieval/onnx-topk';
import { mergeInto } from '../../lib/retrieval/topk-block';
import { haveOnnxRuntime } from '../helpers';

function unitRows(n: number, dim: number, seed: number): Float32Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const v = Float32Array.from({ length: dim }, () => rng.normal());
    const s = Math.hypot(...v);
    return v.map((x) => x / s);
  });
}

function expectSame(
  fast: { index: Int32Array; score: Float32Array }[],
  ref: { index: Int32Array; score: Float32Array }[],
) {
  expect(fast.length).toBe(ref.length);
  fast.forEach((f, q) => {
    const r = ref[q]!;
    Array.from(f.score).forEach((s, i) => expect(s).toBeCloseTo(r.score[i]!, 5));
    // indices agree wherever neighbouring scores are not within float32 rounding of each other
    Array.from(f.index).forEach((ix, i) => {
      const gap = Math.min(
        i > 0 ? r.score[i - 1]! - r.score[i]! : 1,
        i + 1 < r.score.length ? r.score[i]! - r.score[i + 1]! : 1,
      );
      if (gap > 1e-5) expect(ix).toBe(r.index[i]);
    });
  });
}

describe('exactTopK', () => {
  it('TF.js block path equals the plain loop', async () => {
    const corpus = unitRows(3000, 64, 1),
      queries = unitRows(200, 64, 2); // 3.8e7 multiply-adds: block path
    expectSame(await exactTopK(queries, corpus, 10, { runtime: 'tfjs' }), plainTopK(queries, corpus, 10));
  });

  it('with a worker thread (large problem) equals the plain loop', async () => {
    const corpus = unitRows(20_000, 64, 3),
      queries = unitRows(400, 64, 4); // 5.1e8: corpus split with a worker
    const fast = await exactTopK(queries, corpus, 5, { runtime: 'tfjs' });
    expectSame(fast.slice(0, 40), plainTopK(queries.slice(0, 40), corpus, 5));
  }, 60_000);

  it.skipIf(!haveOnnxRuntime())('onnxruntime path (Gemm + TopK over blocks) equals the plain loop', async () => {
    const corpus = unitRows(3000, 64, 5),
      queries = unitRows(200, 64, 6);
    expectSame(await exactTopK(queries, corpus, 10), plainTopK(queries, corpus, 10));
    // several blocks (block = 16M scores / Q rows), k larger than the last block, duplicate rows tie to the lower row
    const q = unitRows(3, 8, 7);
    const dup = unitRows(10, 8, 8);
    const big = [...dup, ...dup, ...dup]; // rows i, i + 10, i + 20 are equal
    const ort = inferenceRuntime().ort!;
    const flat = (rows: Float32Array[]) => Float32Array.from(rows.flatMap((r) => Array.from(r)));
    const r = await onnxTopK(ort, flat(q), 3, flat(big), 30, 8, 4, 7); // blocks of 7 rows
    const best = plainTopK(q, dup, 2);
    for (let i = 0; i < 3; i++) {
      const [a, b] = Array.from(best[i]!.index);
      expect(Array.from(r.index.subarray(i * 4, i * 4 + 4))).toEqual([a, a! + 10, a! + 20, b]);
    }
  });

  // raw (not normalised) vectors and the plain loop on their unit rows
  const cosineCase = () => {
    const rng = new Rng(9);
    const raw = (n: number) => Float32Array.from({ length: n * 32 }, () => 3 * rng.normal());
    const q = { data: raw(300), rows: 300, dim: 32 },
      c = { data: raw(4000), rows: 4000, dim: 32 }; // 3.8e7 multiply-adds: not the plain loop
    const unit = (m: typeof q) =>
      Array.from({ length: m.rows }, (_, i) => {
        const v = m.data.slice(i * 32, (i + 1) * 32);
        const s = Math.hypot(...v);
        return v.map((x) => x / s);
      });
    return { q, c, ref: plainTopK(unit(q), unit(c), 10) };
  };
  it('cosineTopK on TF.js (normalised in JS) equals the plain loop on unit rows', async () => {
    const { q, c, ref } = cosineCase();
    expect(ref[0]!.score[0]!).toBeLessThanOrEqual(1 + 1e-6); // cosines, not raw dot products
    expectSame(await cosineTopK(q, c, 10, { runtime: 'tfjs' }), ref);
  });
  it.skipIf(!haveOnnxRuntime())('cosineTopK on onnxruntime (ReduceL2 + Div in the graphs) equals it too', async () => {
    const { q, c, ref } = cosineCase();
    expectSame(await cosineTopK(q, c, 10), ref);
    // several corpus blocks, and a zero row on each side: it stays zero (score 0), not NaN
    const ort = inferenceRuntime().ort!;
    const qz = q.data.slice(0, 2 * 32).fill(0, 32),
      cz = c.data.slice(0, 50 * 32).fill(0, 7 * 32, 8 * 32);
    const r = await onnxTopK(ort, qz, 2, cz, 50, 32, 50, 9, true);
    expect(Array.from(r.score.subarray(50))).toEqual(new Array(50).fill(0)); // the zero query: every score 0
    expect(Array.from(r.index.subarray(50))).toEqual(Array.from({ length: 50 }, (_, i) => i)); // ties to the lower row
    const at7 = Array.from(r.index.subarray(0, 50)).indexOf(7);
    expect(r.score[at7]).toBe(0); // the zero corpus row
    const unit = (d: Float32Array, i: number) => {
      const v = d.slice(i * 32, (i + 1) * 32);
      const n = Math.hypot(...v);
      return n > 0 ? v.map((x) => x / n) : v;
    };
    const rows = Array.from({ length: 50 }, (_, i) => unit(cz, i));
    expectSame([{ index: r.index.slice(0, 50), score: r.score.slice(0, 50) }], plainTopK([unit(qz, 0)], rows, 50));
  });

  it('k larger than the corpus, and ties to the lower index when merging', async () => {
    const hits = await exactTopK(
      [Float32Array.from([1, 0])],
      [Float32Array.from([0, 1]), Float32Array.from([1, 0])],
      5,
    );
    expect(Array.from(hits[0]!.index)).toEqual([1, 0]);
    const score = new Float32Array([0.9, 0.5]),
      index = new Int32Array([4, 7]);
    mergeInto(score, index, 0, 2, [0.5, 0.4], [1, 0], 0, 2, 2); // row 3 ties row 7: the lower row wins
    expect(Array.from(index)).toEqual([4, 3]);
  });
});
