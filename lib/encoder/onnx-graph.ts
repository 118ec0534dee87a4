// The ONNX graph builder shared by the training graphs (onnx-train.ts) and the export
// (onnx-export.ts): nodes, constants, inputs, outputs, and the encoder's parameters either as
// graph inputs (training: the weights are fed every run) or as initialisers (export).
// OnnxCtx holds the inputs and constants every op's ONNX form shares (mask, shapes, scalars).
import { DT, encodeModel, type DataType, type NodeSpec, type TensorInit, type ValueSpec } from '../core/onnx-proto';
import type { EncoderConfig } from './config';
import { paramSpecs, type ParamSpec } from './params';

export const ONNX_OPSET = 17;

/** A graph under construction: nodes, constants, inputs and outputs. */
export class Graph {
  readonly nodes: NodeSpec[] = [];
  readonly inits: TensorInit[] = [];
  readonly inputs: ValueSpec[] = [];
  readonly outputs: ValueSpec[] = [];
  private n = 0;
  private readonly specs: Map<string, ParamSpec>;
  private readonly declared = new Set<string>();
  /** Values renamed by outputAs: old name -> graph output name. */
  private readonly renamed = new Map<string, string>();

  /** `weights`: the flat parameters to embed as initialisers; without them parameters are graph inputs. */
  constructor(
    cfg: EncoderConfig,
    private readonly weights?: Float32Array,
  ) {
    this.specs = new Map(paramSpecs(cfg).map((s) => [s.name, s]));
  }

  /** One node with `n` outputs (fresh names), e.g. LayerNormalization's y, mean and inverse std. */
  opN(op: string, inputs: string[], n: number, attrs?: NodeSpec['attrs']): string[] {
    const outputs = Array.from({ length: n }, () => `t${this.n++}`);
    this.nodes.push({ op, inputs, outputs, ...(attrs ? { attrs } : {}) });
    return outputs;
  }
  /** One node with one output, named `out` (or a fresh name). */
  op(op: string, inputs: string[], attrs?: NodeSpec['attrs'], out = `t${this.n++}`): string {
    this.nodes.push({ op, inputs, outputs: [out], ...(attrs ? { attrs } : {}) });
    return out;
  }
  /** A parameter by name: declared (input or initialiser) on first use. */
  param(name: string): string {
    if (this.declared.has(name)) return name;
    const s = this.specs.get(name);
    if (!s) throw new Error(`onnx graph: the encoder has no parameter '${name}'`);
    this.declared.add(name);
    if (this.weights) this.inits.push({ name, dims: s.shape, data: this.weights.slice(s.offset, s.offset + s.size) });
    else this.input(name, s.shape);
    return name;
  }
  /** The shape of a parameter. */
  shape(name: string): number[] {
    return this.specs.get(name)!.shape;
  }
  /** A scalar constant (made once per name). */
  f32(name: string, v: number): string {
    if (this.inits.some((t) => t.name === name)) return name;
    this.inits.push({ name, dims: [], data: Float32Array.of(v) });
    return name;
  }
  /** A float tensor constant (made once per name). */
  f32t(name: string, dims: number[], data: Float32Array): string {
    if (this.inits.some((t) => t.name === name)) return name;
    this.inits.push({ name, dims, data });
    return name;
  }
  /** A float vector constant (made once per name). */
  f32v(name: string, v: number[]): string {
    if (this.inits.some((t) => t.name === name)) return name;
    this.inits.push({ name, dims: [v.length], data: Float32Array.from(v) });
    return name;
  }
  /** An int64 vector constant (made once per name). */
  i64(name: string, v: number[]): string {
    if (this.inits.some((t) => t.name === name)) return name;
    this.inits.push({ name, dims: [v.length], data: BigInt64Array.from(v.map(BigInt)) });
    return name;
  }
  /** An int64 scalar constant (made once per name). */
  i64s(name: string, v: number): string {
    if (this.inits.some((t) => t.name === name)) return name;
    this.inits.push({ name, dims: [], data: BigInt64Array.of(BigInt(v)) });
    return name;
  }
  input(name: string, dims: (number | string)[], type: DataType = DT.FLOAT): string {
    if (!this.inputs.some((i) => i.name === name)) this.inputs.push({ name, type, dims });
    return name;
  }
  output(name: string, dims: (number | string)[]): void {
    this.outputs.push({ name, type: DT.FLOAT, dims });
  }
  /** Make `src` available under the name `name` (a graph output must be some node's output). */
  alias(src: string, name: string): string {
    return this.op('Identity', [src], undefined, name);
  }
  /**
   * Declare `src` as the graph output `name` without copying it: the node that makes `src` is renamed
   * to make `name` (and every reader reads `name`). An Identity node (a copy) only where that cannot be:
   * `src` is no node's output here, or already an output under another name. Call it after the last
   * node that reads `src` was added.
   */
  outputAs(src: string, name: string, dims: (number | string)[]): void {
    const node = this.nodes.find((n) => n.outputs.includes(src));
    const taken = this.outputs.some((o) => o.name === src) || this.inputs.some((i) => i.name === src);
    if (!node || taken || this.renamed.has(src)) {
      this.output(this.alias(this.renamed.get(src) ?? src, name), dims);
      return;
    }
    const swap = (v: string) => (v === src ? name : v);
    this.nodes.forEach((n, k) => (this.nodes[k] = { ...n, inputs: n.inputs.map(swap), outputs: n.outputs.map(swap) }));
    this.renamed.set(src, name);
    this.output(name, dims);
  }
  /**
   * While set, gradOut gives fresh names and lists them here by parameter instead of declaring outputs:
   * a graph with several sub-batches' backwards sums them (onnx-train.ts stepGraph).
   */
  gradSink?: Map<string, string[]>;
  /** The name grad.<param>, declared as a graph output: pass it as the `out` of the node that computes it. */
  gradOut(param: string): string {
    if (this.gradSink) {
      const t = `t${this.n++}`;
      this.gradSink.set(param, [...(this.gradSink.get(param) ?? []), t]);
      return t;
    }
    this.output(`grad.${param}`, this.shape(param));
    return `grad.${param}`;
  }
  bytes(name: string, extra: { docString?: string; metadata?: Record<string, string> } = {}): Uint8Array {
    return encodeModel({
      name,
      nodes: this.nodes,
      initializers: this.inits,
      inputs: this.inputs,
      outputs: this.outputs,
      opset: ONNX_OPSET,
      producer: 'gecko-workbench',
      ...extra,
    });
  }
}

/**
 * What every op's ONNX form shares: the float mask [B, L] (1 = token, 0 = pad), shapes, axes and
 * scalars; `memo` lets a backward reuse what its op's recomputed forward made (LayerNorm, GELU).
 * The graph must already have input_ids and attention_mask (int64 [B, L]) as values. `prefix`
 * names this sub-batch's own inputs, outputs and symbolic dims in a graph of several (stepGraph).
 */
export function onnxContext(
  g: Graph,
  cfg: EncoderConfig,
  o: { dropout: boolean; ids: string; maskI64: string; inference?: boolean; prefix?: string },
) {
  const D = cfg.dModel,
    H = cfg.heads,
    dh = D / H;
  const prefix = o.prefix ?? '';
  const mask = g.op('Cast', [o.maskI64], { to: DT.FLOAT }, `${prefix}mask_f`); // 1 = token, 0 = pad
  const bl = g.op('Shape', [mask], undefined, `${prefix}b_l`); // [B, L]
  const memo = new Map<string, unknown>();
  return {
    g,
    cfg,
    /** This sub-batch's inputs and outputs are named `${prefix}name` ('' in a graph of one). */
    prefix,
    /** A symbolic dim of this sub-batch ('B', 'L', 'BL'), suffixed in a graph of several. */
    dim: (d: string): string => (prefix ? `${d}.${prefix.slice(0, -1)}` : d),
    D,
    H,
    dh,
    ids: o.ids,
    maskI64: o.maskI64,
    mask,
    dropout: o.dropout,
    /** A forward-only graph (the export): no op-internal values are kept for a backward. */
    inference: o.inference ?? false,
    one: g.f32('one', 1),
    flat: g.i64('flat', [-1, D]),
    ax0: g.i64('ax0', [0]),
    ax1: g.i64('ax1', [1]),
    axLast: g.i64('ax_last', [-1]),
    bl,
    bldShape: g.op('Concat', [bl, g.i64('d_tail', [D])], { axis: 0 }, `${prefix}bld_shape`), // [B, L, D]
    keep: g.op('Unsqueeze', [mask, g.i64('ax2', [2])], undefined, `${prefix}keep`), // [B, L, 1]
    /** Each token's position among its text's real tokens, int64 [B, L]: cumsum(mask) - mask (left padding too). */
    positions: (): string => g.op('Sub', [g.op('CumSum', [o.maskI64, g.i64s('axis1', 1)]), o.maskI64]),
    /** Made once per key and graph. */
    once<T>(key: string, make: () => T): T {
      if (!memo.has(key)) memo.set(key, make());
      return memo.get(key) as T;
    },
    /** A value the backward reads: the forward's own tensor, a saved one, or a recomputed one (set by the interpreter). */
    saved: (name: string, dims: (number | string)[]): string => {
      void dims;
      throw new Error(`onnx: no saved value '${name}' in this graph`);
    },
    /** Register an op-internal tensor the backward may read (set by the interpreter). */
    keepInternal: (name: string, t: string, dims: (number | string)[]): void => {
      void name;
      void t;
      void dims;
    },
  };
}
export type OnnxCtx = ReturnType<typeof onnxContext>;
