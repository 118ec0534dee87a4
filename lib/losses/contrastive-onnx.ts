// The contrastive loss's third form: ONNX nodes, forward and backward written out, so that a
// training step can run forward, loss and backward in one onnxruntime run (encoder/onnx-train.ts
// stepGraph): no activation is handed to JS and back. The same maths as contrastiveLossHost
// (contrastive.ts) in float32, Matryoshka's weighted sum over prefix dimensions included
// (test/losses/contrastive-onnx.test.ts holds it to the host form). What depends on the batch's
// texts is built on the host and fed as inputs (lossInputs), so one graph serves every step:
//   loss.qsel [B, N]  one-hot: row i picks query i from E's rows (E in any row order);
//   loss.sel  [C, N]  one-hot: row c picks candidate column c [positives | own negatives | queries];
//   loss.mask [B, C]  candidateMask's additive mask (0 or -1e9);
//   loss.eye  [B, C]  1 where column c is row i's own positive (c = i).
// Per dimension d with weight w:  Y = x / sqrt(|x|^2 + 1e-12) on E's first d columns,
//   S = (qsel Y)(sel Y)^T / t + mask, loss_d = w mean_i (logsumexp_c S_ic - S_ii),
//   G = w / (B t) (softmax(S) - eye), dY = qsel^T G (sel Y) + sel^T G^T (qsel Y),
//   dx = (dY - Y (Y . dY)) / |x|, padded to E's width and summed over dimensions.
import { DT, type AttrValue, type DataType } from '../core/onnx-proto';
import { candidateColumns, type ContrastiveOptions, type HostContrastiveBatch } from './contrastive';

/** What the loss needs of a graph builder (encoder/onnx-graph.ts Graph has it). */
export interface OnnxEmitter {
  op(op: string, inputs: string[], attrs?: Record<string, AttrValue>, out?: string): string;
  input(name: string, dims: (number | string)[], type?: DataType): string;
  f32(name: string, v: number): string;
  i64(name: string, v: number[]): string;
  i64s(name: string, v: number): string;
}

/** The static part of a step's loss (one graph per distinct value): Matryoshka dimensions, weights, temperature. */
export interface OnnxLossSpec {
  dims: readonly number[];
  weights: readonly number[];
  temperature: number;
}

/**
 * The loss nodes over E [N, width] (any row order): returns the scalar loss and d loss / d E [N, width].
 * @example const { loss, dE } = contrastiveLossOnnx(g, 'E', 128, { dims: [128, 64], weights: [1, 1], temperature: 0.05 });
 */
export function contrastiveLossOnnx(
  g: OnnxEmitter,
  E: string,
  width: number,
  spec: OnnxLossSpec,
): { loss: string; dE: string } {
  if (spec.dims.length === 0 || spec.dims.length !== spec.weights.length)
    throw new Error(`contrastiveLossOnnx: ${spec.dims.length} dims and ${spec.weights.length} weights`);
  const qsel = g.input('loss.qsel', ['LB', 'LN']);
  const sel = g.input('loss.sel', ['LC', 'LN']);
  const mask = g.input('loss.mask', ['LB', 'LC']);
  const eye = g.input('loss.eye', ['LB', 'LC']);
  const ax1 = g.i64('loss_ax1', [1]);
  const B = g.op('Cast', [g.op('Gather', [g.op('Shape', [qsel]), g.i64s('loss_zero_s', 0)])], { to: DT.FLOAT });
  let loss: string | undefined, dE: string | undefined;
  spec.dims.forEach((d, k) => {
    if (d > width) throw new Error(`contrastiveLossOnnx: dimension ${d} exceeds the embedding width ${width}`);
    const w = spec.weights[k]!;
    const x = d === width ? E : g.op('Slice', [E, g.i64('loss_zero', [0]), g.i64(`loss_d${d}`, [d]), ax1]);
    const n = g.op('Sqrt', [
      g.op('Add', [g.op('ReduceSum', [g.op('Mul', [x, x]), ax1], { keepdims: 1 }), g.f32('loss_tiny', 1e-12)]),
    ]);
    const Y = g.op('Div', [x, n]);
    const Q = g.op('MatMul', [qsel, Y]); // [B, d]
    const K = g.op('MatMul', [sel, Y]); // [C, d]
    const S = g.op('Add', [g.op('Gemm', [Q, K], { transB: 1, alpha: { float: 1 / spec.temperature } }), mask]);
    const logZ = logSumExp(g, S, ax1); // [B, 1]
    // w / B * (sum_i logZ_i - sum_i S_ii)
    const term = g.op('Sub', [
      g.op('ReduceSum', [logZ], { keepdims: 0 }),
      g.op('ReduceSum', [g.op('Mul', [S, eye])], { keepdims: 0 }),
    ]);
    const lossD = g.op('Div', [g.op('Mul', [term, g.f32(`loss_w${k}`, w)]), B]);
    loss = loss ? g.op('Add', [loss, lossD]) : lossD;
    // G = w / (B t) (softmax - eye)
    const G = g.op('Div', [
      g.op('Mul', [
        g.op('Sub', [g.op('Exp', [g.op('Sub', [S, logZ])]), eye]),
        g.f32(`loss_wt${k}`, w / spec.temperature),
      ]),
      B,
    ]);
    const dQ = g.op('MatMul', [G, K]); // [B, d]
    const dK = g.op('Gemm', [G, Q], { transA: 1 }); // [C, d]
    const dY = g.op('Add', [g.op('Gemm', [qsel, dQ], { transA: 1 }), g.op('Gemm', [sel, dK], { transA: 1 })]); // [N, d]
    const yd = g.op('ReduceSum', [g.op('Mul', [Y, dY]), ax1], { keepdims: 1 });
    let dx = g.op('Div', [g.op('Sub', [dY, g.op('Mul', [Y, yd])]), n]);
    if (d < width) dx = g.op('Pad', [dx, g.i64(`loss_pad${d}`, [0, 0, 0, width - d])]);
    dE = dE ? g.op('Add', [dE, dx]) : dx;
  });
  return { loss: loss!, dE: dE! };
}

/** Row-wise log-sum-exp [R, C] -> [R, 1], stable (the row max first). */
function logSumExp(g: OnnxEmitter, S: string, ax1: string): string {
  const mx = g.op('ReduceMax', [S], { axes: [1], keepdims: 1 });
  return g.op('Add', [
    mx,
    g.op('Log', [g.op('ReduceSum', [g.op('Exp', [g.op('Sub', [S, mx])]), ax1], { keepdims: 1 })]),
  ]);
}

/** A step's batch as the loss sees it: contrastiveLossHost's batch without the rows (E's layout order). */
export type OnnxLossBatch = Omit<HostContrastiveBatch, 'E' | 'stride'>;

/**
 * The loss graph's inputs for one batch, when layout row r sits at row `at[r]` of the graph's E
 * (N rows in all): loss.qsel, loss.sel, loss.mask, loss.eye as flat float arrays with their dims.
 * @example const inputs = lossInputs({ B: 2, M: 0 }, opts, [0, 1, 2, 3]);
 */
export function lossInputs(
  b: OnnxLossBatch,
  opts: ContrastiveOptions,
  at: readonly number[],
): Record<string, { data: Float32Array; dims: number[] }> {
  const B = b.B,
    N = at.length;
  const { C, rowOf, mask } = candidateColumns(b, opts, 'lossInputs');
  const qsel = new Float32Array(B * N),
    sel = new Float32Array(C * N),
    eye = new Float32Array(B * C);
  for (let i = 0; i < B; i++) {
    qsel[i * N + at[i]!] = 1;
    eye[i * C + i] = 1;
  }
  for (let c = 0; c < C; c++) sel[c * N + at[rowOf[c]!]!] = 1;
  return {
    'loss.qsel': { data: qsel, dims: [B, N] },
    'loss.sel': { data: sel, dims: [C, N] },
    'loss.mask': { data: mask, dims: [B, C] },
    'loss.eye': { data: eye, dims: [B, C] },
  };
}
