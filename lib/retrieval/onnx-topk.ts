// Exact top-k on onnxruntime: one small graph, scores = Gemm(Q, C^T) then TopK (ONNX breaks
// ties by the lower index), run over corpus blocks with 2 intra-op threads, the per-block
// lists merged in row order (topk-block.ts mergeInto). Cosine search normalises the queries once
// (a second small graph) and each corpus block inside the block graph. Measured against the TF.js path and
// torch in bench/train.ts; exactTopK (search.ts) uses it whenever onnxruntime-node loads.
import type * as Ort from 'onnxruntime-node';
import { sessionOptions, type OrtModule } from '../backend/onnx';
import { DT, encodeModel } from '../core/onnx-proto';
import { mergeInto } from './topk-block';

/**
 * The search sessions' intra-op threads do not spin between runs (sessionOptions' spin: false): a
 * search is a few runs of a few large ops, so waking the threads costs next to nothing, and on a
 * loaded machine the spinning took cores from the rest. bench/spin-ab.ts, 2 cores, load 4-7.6,
 * three sittings of 3-4 alternating rounds: time ratio not spinning / spinning 0.69, 0.86, 0.67 (medians).
 */
const SPIN = false;

/** Scores held at once per block (floats): bounds memory at 128 MB (see blockRowsFor). */
const BLOCK_SCORES = 32 * 1024 * 1024;

/**
 * Rows per corpus block: at most BLOCK_SCORES / Q, spread evenly over the blocks that needs (no
 * small last block: each run costs a pass of the thread pool and a merge). The scores are written
 * once by the Gemm and read once by TopK, so the block is memory traffic, not reuse: fewer, larger
 * runs won (the coordinator's quiet 2-core sitting, 1k x 100k x 256: 225 ms at 16,384-row blocks,
 * 215 ms at 32,768), and 128 MB is still small beside the corpus a search of that size holds.
 */
export function blockRowsFor(Q: number, N: number): number {
  const most = Math.max(1, Math.floor(BLOCK_SCORES / Math.max(1, Q)));
  return Math.ceil(N / Math.ceil(N / most));
}

/** x / max(|x|, FLT_MIN) per row (a zero row stays zero), as ReduceL2, Clip and Div. */
function unitNodes(x: string, out: string) {
  return [
    { op: 'ReduceL2', inputs: [x], outputs: [`${x}_norm`], attrs: { axes: [1], keepdims: 1 } },
    { op: 'Clip', inputs: [`${x}_norm`, 'tiny'], outputs: [`${x}_norm_pos`] },
    { op: 'Div', inputs: [x, `${x}_norm_pos`], outputs: [out] },
  ];
}
const TINY = { name: 'tiny', dims: [], data: Float32Array.of(1.1754943508222875e-38) };

/** The graph x [n, d] -> unit [n, d]: each row L2-normalised (a zero row stays zero). */
export function unitGraph(): Uint8Array {
  return encodeModel({
    name: 'unit_rows',
    nodes: unitNodes('x', 'unit'),
    initializers: [TINY],
    inputs: [{ name: 'x', type: DT.FLOAT, dims: ['n', 'd'] }],
    outputs: [{ name: 'unit', type: DT.FLOAT, dims: ['n', 'd'] }],
    opset: 17,
    producer: 'gecko-workbench',
  });
}

/**
 * The graph: queries [q, d], corpus [n, d], k [1] -> values [q, k], indices int64 [q, k].
 * With `normalize`, the corpus block is L2-normalised first (ReduceL2 + Div: no LpNormalization,
 * which onnxruntime's WebGPU provider lacks); the caller passes unit queries (unitGraph, once per
 * search rather than once per block). TopK is what retrieval is: the one op of the WebGPU
 * provider's missing list a graph keeps (test/backend/webgpu-ops.test.ts allows it here only).
 */
export function topkGraph(normalize = false): Uint8Array {
  const c = normalize ? 'c_unit' : 'corpus';
  return encodeModel({
    name: normalize ? 'exact_cosine_topk' : 'exact_topk',
    nodes: [
      ...(normalize ? unitNodes('corpus', 'c_unit') : []),
      { op: 'Gemm', inputs: ['queries', c], outputs: ['scores'], attrs: { transB: 1 } },
      {
        op: 'TopK',
        inputs: ['scores', 'k'],
        outputs: ['values', 'indices'],
        attrs: { axis: 1, largest: 1, sorted: 1 },
      },
    ],
    initializers: normalize ? [TINY] : [],
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

const sessions = new Map<string, Promise<Ort.InferenceSession>>();
function session(ort: OrtModule, key: 'plain' | 'cosine' | 'unit'): Promise<Ort.InferenceSession> {
  let s = sessions.get(key);
  if (!s) {
    const bytes = key === 'unit' ? unitGraph() : topkGraph(key === 'cosine');
    sessions.set(key, (s = ort.InferenceSession.create(bytes, sessionOptions(undefined, { spin: SPIN }))));
  }
  return s;
}

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
  blockRows = blockRowsFor(Q, N),
  normalize = false,
): Promise<{ index: Int32Array; score: Float32Array }> {
  const s = await session(ort, normalize ? 'cosine' : 'plain');
  const kk = Math.min(k, N);
  const index = new Int32Array(Q * kk).fill(-1);
  const score = new Float32Array(Q * kk).fill(-Infinity);
  let q: Ort.Tensor = new ort.Tensor('float32', queries, [Q, dim]);
  if (normalize) q = (await (await session(ort, 'unit')).run({ x: q })).unit!;
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
