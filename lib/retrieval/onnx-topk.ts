// Exact top-k on onnxruntime: one small graph, scores = Gemm(Q, C^T) then TopK (ONNX breaks
// ties by the lower index), run over corpus blocks with 2 intra-op threads, the per-block
// lists merged in row order (topk-block.ts mergeInto). Measured against the TF.js path and
// torch in bench/train.ts; exactTopK (search.ts) uses it whenever onnxruntime-node loads.
import type * as Ort from 'onnxruntime-node';
import { sessionOptions, type OrtModule } from '../backend/onnx';
import { DT, encodeModel } from '../core/onnx-proto';
import { mergeInto } from './topk-block';

/** Scores held at once per block (floats): bounds memory at 64 MB. */
const BLOCK_SCORES = 16 * 1024 * 1024;

/**
 * The graph: queries [q, d], corpus [n, d], k [1] -> values [q, k], indices int64 [q, k].
 * With `normalize`, both sides are L2-normalised first (LpNormalization, p = 2): cosine top-k of raw vectors.
 */
export function topkGraph(normalize = false): Uint8Array {
  const [q, c] = normalize ? ['q_unit', 'c_unit'] : ['queries', 'corpus'];
  const norm = normalize
    ? [
        { op: 'LpNormalization', inputs: ['queries'], outputs: ['q_unit'], attrs: { axis: 1, p: 2 } },
        { op: 'LpNormalization', inputs: ['corpus'], outputs: ['c_unit'], attrs: { axis: 1, p: 2 } },
      ]
    : [];
  return encodeModel({
    name: normalize ? 'exact_cosine_topk' : 'exact_topk',
    nodes: [
      ...norm,
      { op: 'Gemm', inputs: [q, c], outputs: ['scores'], attrs: { transB: 1 } },
      {
        op: 'TopK',
        inputs: ['scores', 'k'],
        outputs: ['values', 'indices'],
        attrs: { axis: 1, largest: 1, sorted: 1 },
      },
    ],
    initializers: [],
    inputs: [
      { name: 'queries', type: DT.FLOAT, dims: ['q', 'd'] },
      { name: 'corpus', type: DT.FLOAT, dims: ['n', 'd'] },
      { name: 'k', type: DT.INT64, dims: [1] },
    ],
    outputs: [
      { name: 'values', type: DT.FLOAT, dims: ['q', 'k'] },
      { name: 'indices', type: DT.INT64, dims: ['q', 'k'] },
    ],
    opset: 17,
    producer: 'gecko-workbench',
  });
}

const sessions = new Map<boolean, Promise<Ort.InferenceSession>>();

/**
 * Top-k of Q queries (row-major, Q x dim) against N corpus rows (row-major), exact float32
 * scores; ties to the lower row. `normalize`: cosine of raw vectors (both sides L2-normalised in the graph).
 */
export async function onnxTopK(
  ort: OrtModule,
  queries: Float32Array,
  Q: number,
  corpus: Float32Array,
  N: number,
  dim: number,
  k: number,
  blockRows = Math.floor(BLOCK_SCORES / Q),
  normalize = false,
): Promise<{ index: Int32Array; score: Float32Array }> {
  if (!sessions.has(normalize))
    sessions.set(normalize, ort.InferenceSession.create(topkGraph(normalize), sessionOptions()));
  const s = await sessions.get(normalize)!;
  const kk = Math.min(k, N);
  const index = new Int32Array(Q * kk).fill(-1);
  const score = new Float32Array(Q * kk).fill(-Infinity);
  const q = new ort.Tensor('float32', queries, [Q, dim]);
  const block = Math.max(1, blockRows);
  for (let b0 = 0; b0 < N; b0 += block) {
    const n = Math.min(block, N - b0);
    const kb = Math.min(kk, n);
    const out = await s.run({
      queries: q,
      corpus: new ort.Tensor('float32', corpus.subarray(b0 * dim, (b0 + n) * dim), [n, dim]),
      k: new ort.Tensor('int64', BigInt64Array.of(BigInt(kb)), [1]),
    });
    const v = out.values!.data as Float32Array;
    const ix = out.indices!.data as BigInt64Array;
    const ixn = Int32Array.from(ix, Number);
    for (let qi = 0; qi < Q; qi++) mergeInto(score, index, qi * kk, kk, v, ixn, qi * kb, kb, b0);
  }
  return { index, score };
}
