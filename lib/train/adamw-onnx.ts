// AdamW as an ONNX graph of its own (issue 22), run by onnxruntime on its native kernels (and, on
// a machine with a WebGPU adapter, a graph whose tensors could stay on the device): adamw.ts's
// update, element by element over the flat parameters, with the clipping scale folded in:
//   g' = g * gScale                                (clipGlobalNorm's scale; 1 when not clipped)
//   m <- b1 m + (1 - b1) g' ;  v <- b2 v + (1 - b2) g'^2
//   p <- p * (1 - lrWd * decay) - stepSize * m / (sqrt(v) / sqrtC2 + eps)
// with stepSize = lr / (1 - b1^t), sqrtC2 = sqrt(1 - b2^t), lrWd = lr * weightDecay: the same
// scalars adamwStep computes on the host (in float64; the graph's arithmetic is float32, so the
// two agree to float32 rounding: test/train/adamw-onnx.test.ts). Ops: Mul, Add, Sub, Div, Sqrt.
import type * as Ort from 'onnxruntime-node';
import { sessionOptions, type OrtModule } from '../backend/onnx';
import { DT, encodeModel, type NodeSpec } from '../core/onnx-proto';
import { ONNX_OPSET } from '../encoder/onnx-graph';
import type { AdamWOptions, AdamWState } from './adamw';

const SCALARS = ['gScale', 'b1', 'oneMinusB1', 'b2', 'oneMinusB2', 'stepSize', 'sqrtC2', 'eps', 'lrWd'] as const;

/** ONNX bytes of one AdamW step over flat vectors of length n. */
export function adamwGraph(n: number): Uint8Array {
  const nodes: NodeSpec[] = [];
  let k = 0;
  const op = (type: string, inputs: string[], out = `t${k++}`) => (
    nodes.push({ op: type, inputs, outputs: [out] }),
    out
  );
  const g = op('Mul', ['grads', 'gScale']);
  const m = op('Add', [op('Mul', ['b1', 'm']), op('Mul', ['oneMinusB1', g])], 'm_out');
  const v = op('Add', [op('Mul', ['b2', 'v']), op('Mul', ['oneMinusB2', op('Mul', [g, g])])], 'v_out');
  const denom = op('Add', [op('Div', [op('Sqrt', [v]), 'sqrtC2']), 'eps']);
  const shrink = op('Sub', ['one', op('Mul', ['lrWd', 'decay'])]);
  op('Sub', [op('Mul', ['params', shrink]), op('Div', [op('Mul', ['stepSize', m]), denom])], 'params_out');
  const vec = (name: string) => ({ name, type: DT.FLOAT, dims: [n] });
  return encodeModel({
    name: 'gecko_adamw',
    nodes,
    initializers: [{ name: 'one', dims: [], data: Float32Array.of(1) }],
    inputs: [
      ...['params', 'grads', 'm', 'v', 'decay'].map(vec),
      ...SCALARS.map((name) => ({ name, type: DT.FLOAT, dims: [] })),
    ],
    outputs: ['params_out', 'm_out', 'v_out'].map(vec),
    opset: ONNX_OPSET,
    producer: 'gecko-workbench',
  });
}

/**
 * AdamW steps in onnxruntime over one set of flat parameters: the same update as adamwStep (with the
 * gradient scaled by `gScale` first), writing params and state in place.
 * @example const opt = await OnnxAdamW.create(ort, p.length, decayMask); await opt.step(p, g, state, 1e-3, ADAMW_DEFAULTS);
 */
export class OnnxAdamW {
  private constructor(
    private readonly ort: OrtModule,
    private readonly session: Ort.InferenceSession,
    private readonly decay: Ort.Tensor,
    readonly n: number,
  ) {}

  /** `decay[i]` = 1 where weight decay applies (all ones when absent). */
  static async create(ort: OrtModule, n: number, decay?: Uint8Array, threads?: number): Promise<OnnxAdamW> {
    if (decay && decay.length !== n) throw new Error(`OnnxAdamW: a decay mask of ${decay.length} for ${n} parameters`);
    const session = await ort.InferenceSession.create(adamwGraph(n), sessionOptions(threads));
    const d = decay ? Float32Array.from(decay) : new Float32Array(n).fill(1);
    return new OnnxAdamW(ort, session, new ort.Tensor('float32', d, [n]), n);
  }

  /** One step in place on params, state.m, state.v (state.t advances), as adamwStep(params, grads * gScale, ...). */
  async step(
    params: Float32Array,
    grads: Float32Array,
    state: AdamWState,
    lr: number,
    opts: AdamWOptions,
    gScale = 1,
  ): Promise<void> {
    if (params.length !== this.n || grads.length !== this.n)
      throw new Error(`OnnxAdamW: ${params.length} parameters and ${grads.length} gradients for a graph of ${this.n}`);
    const { beta1: b1, beta2: b2, eps, weightDecay: wd } = opts;
    const t = state.t + 1;
    const scalars: Record<(typeof SCALARS)[number], number> = {
      gScale,
      b1,
      oneMinusB1: 1 - b1,
      b2,
      oneMinusB2: 1 - b2,
      stepSize: lr / (1 - Math.pow(b1, t)),
      sqrtC2: Math.sqrt(1 - Math.pow(b2, t)),
      eps,
      lrWd: lr * wd,
    };
    const T = (data: Float32Array) => new this.ort.Tensor('float32', data, [this.n]);
    const feeds: Record<string, Ort.Tensor> = {
      params: T(params),
      grads: T(grads),
      m: T(state.m),
      v: T(state.v),
      decay: this.decay,
    };
    for (const name of SCALARS) feeds[name] = new this.ort.Tensor('float32', Float32Array.of(scalars[name]), []);
    // the outputs written straight into the inputs' buffers: each input is read by its first node,
    // which has run before the node that writes its output (the graph is a chain run in order)
    await this.session.run(feeds, { params_out: feeds.params!, m_out: feeds.m!, v_out: feeds.v! });
    state.t = t;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
