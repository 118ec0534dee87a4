// Float64 matrix products on onnxruntime (two one-node Gemm graphs, double in and out): the
// products of logistic regression's fit (eval/metrics/logistic-regression.ts, Matmul64, which
// this matches by shape: backend may not import eval/metrics). onnxGemm64() is undefined when
// onnxruntime is off (GECKO_ONNX=off) or did not load; callers then use the plain-TS loops.
import type * as Ort from 'onnxruntime-node';
import { DT, encodeModel } from '../core/onnx-proto';
import { inferenceRuntime, sessionOptions, type OrtModule } from './onnx';

export interface OnnxGemm64 {
  /** (m, n) = A (m, k) B^T (B is (n, k)) + bias (n). */
  abT(A: Float64Array, m: number, k: number, B: Float64Array, n: number, bias: Float64Array): Promise<Float64Array>;
  /** (k, n) = A^T (A is (m, k)) B (m, n). */
  aTb(A: Float64Array, m: number, k: number, B: Float64Array, n: number): Promise<Float64Array>;
}

/** Y = Gemm(A, B, C) with transA / transB, all double. */
export function gemm64Graph(transA: 0 | 1, transB: 0 | 1, withBias: boolean): Uint8Array {
  return encodeModel({
    name: `gemm64_t${transA}${transB}`,
    nodes: [{ op: 'Gemm', inputs: withBias ? ['a', 'b', 'c'] : ['a', 'b'], outputs: ['y'], attrs: { transA, transB } }],
    initializers: [],
    inputs: [
      { name: 'a', type: DT.DOUBLE, dims: ['a0', 'a1'] },
      { name: 'b', type: DT.DOUBLE, dims: ['b0', 'b1'] },
      ...(withBias ? [{ name: 'c', type: DT.DOUBLE, dims: ['n'] }] : []),
    ],
    outputs: [{ name: 'y', type: DT.DOUBLE, dims: ['m', 'n'] }],
    opset: 17,
    producer: 'gecko-workbench',
  });
}

/** A tensor over exactly `data`'s elements (a subarray is copied: the binding may read its whole buffer). */
function tensor(ort: OrtModule, data: Float64Array, dims: number[]): Ort.Tensor {
  const own = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice();
  return new ort.Tensor('float64', own, dims);
}

/**
 * Session options: the usual ones, with the intra-op pool not spinning between runs: the fit's
 * TS work between two products would otherwise share the cores with spinning threads. Measured
 * once, 10 fits of bench/logreg-data.ts at dim 512 on 2 cores at load 3.6-4.2, three alternating
 * runs: 2.9 / 2.9 / 4.4 s spinning, 1.3 / 1.3 / 1.9 s not (one thread without the option: 1.4 / 1.4 / 2.0 s).
 */
function gemmSessionOptions(): Ort.InferenceSession.SessionOptions {
  return sessionOptions(undefined, { spin: false });
}

let cached: { ort: OrtModule; mm: OnnxGemm64 } | undefined;

/**
 * Float64 Gemm on onnxruntime, or undefined when onnxruntime is off or did not load.
 * @example const mm = onnxGemm64(); if (mm) scores = await mm.abT(X, n, d, W, K, b);
 */
export function onnxGemm64(ort: OrtModule | undefined = inferenceRuntime().ort): OnnxGemm64 | undefined {
  if (!ort) return undefined;
  if (cached?.ort === ort) return cached.mm;
  let abT: Promise<Ort.InferenceSession> | undefined, aTb: Promise<Ort.InferenceSession> | undefined;
  const run = async (s: Promise<Ort.InferenceSession>, feeds: Record<string, Ort.Tensor>) => {
    const out = await (await s).run(feeds);
    return out.y!.data as Float64Array;
  };
  const mm: OnnxGemm64 = {
    abT: (A, m, k, B, n, bias) => {
      abT ??= ort.InferenceSession.create(gemm64Graph(0, 1, true), gemmSessionOptions());
      return run(abT, { a: tensor(ort, A, [m, k]), b: tensor(ort, B, [n, k]), c: tensor(ort, bias, [n]) });
    },
    aTb: (A, m, k, B, n) => {
      aTb ??= ort.InferenceSession.create(gemm64Graph(1, 0, false), gemmSessionOptions());
      return run(aTb, { a: tensor(ort, A, [m, k]), b: tensor(ort, B, [m, n]) });
    },
  };
  cached = { ort, mm };
  return mm;
}
