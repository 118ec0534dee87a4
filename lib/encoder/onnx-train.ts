// The encoder's training step as ONNX graphs that onnxruntime-node runs as plain
// inference on its native CPU kernels (MLAS GEMMs with AVX2 / AVX-512 and FMA), where TF.js
// wasm has 128-bit SIMD without FMA. The same model as model.ts, on padded chunks
// [B, L] (right padding, additive key mask; a chunk's texts are sorted by length, so little padding):
//   forward:  weights (graph inputs, not initialisers), ids, int64 mask [, dropout masks]
//             -> sentence_embedding [B, D] (+ hidden [B*L, D] for MLM), and with `save` the
//             activations the backward needs (each layer's input, fused qkv, softmax
//             probabilities, attention context, FFN pre-activation, the final stream);
//   backward: weights, mask, the saved activations, d loss / d sentence_embedding and/or
//             d loss / d hidden [, dropout masks]
//             -> d loss / d every weight except the two embedding tables, and d loss / d the
//             embedded rows [B*L, D] (onnx-replica.ts adds those into tok_emb and pos_emb);
//   mlm:      forward, tied output layer, cross-entropy and backward in one graph (MLM's loss
//             is per token, so nothing has to leave the graph in between).
// The backward is written by hand, line for line the one in layers.ts (LayerNorm, exact GELU
// and softmax recomputed from the saved inputs). Rows of padding get exactly zero gradient:
// they are not pooled, and their softmax weight as keys is exp(-1e9) = 0.
import { DT, encodeModel, type DataType, type NodeSpec, type TensorInit, type ValueSpec } from '../core/onnx-proto';
import type { EncoderConfig } from './config';
import { ONNX_OPSET } from './onnx-export';
import { paramSpecs } from './params';

/** Dropout mask inputs, [B*L, D] of 0 and 1/(1-p): the embeddings, then per layer the attention and FFN outputs. */
export function dropoutSites(cfg: EncoderConfig): string[] {
  const out = ['emb'];
  for (let l = 0; l < cfg.layers; l++) out.push(`l${l}.attn`, `l${l}.ffn`);
  return out;
}

/** The activations the forward saves for the backward, by name. */
export function savedNames(cfg: EncoderConfig): string[] {
  const out: string[] = [];
  for (let l = 0; l < cfg.layers; l++)
    for (const n of ['x', 'qkv', 'probs', 'ctx', 'x1', 'h']) out.push(`save.l${l}.${n}`);
  out.push('save.final');
  return out;
}

export interface ForwardGraphOptions {
  /** Dropout mask inputs (training with dropout). */
  dropout: boolean;
  /** Output the activations for the backward graph. */
  save: boolean;
  /** Output the final hidden states [B*L, D] (MLM). */
  hidden: boolean;
}

export interface BackwardGraphOptions {
  dropout: boolean;
  /** Take d loss / d sentence_embedding [B, D]. */
  demb: boolean;
  /** Take d loss / d hidden [B*L, D]. */
  dhidden: boolean;
}

/** A graph under construction: nodes, constants, inputs and outputs. */
class Graph {
  readonly nodes: NodeSpec[] = [];
  readonly inits: TensorInit[] = [];
  readonly inputs: ValueSpec[] = [];
  readonly outputs: ValueSpec[] = [];
  private n = 0;

  /** One node with one output, named `out` (or a fresh name). */
  op(op: string, inputs: string[], attrs?: NodeSpec['attrs'], out = `t${this.n++}`): string {
    this.nodes.push({ op, inputs, outputs: [out], ...(attrs ? { attrs } : {}) });
    return out;
  }
  /** A scalar constant (made once per name). */
  f32(name: string, v: number): string {
    if (this.inits.some((t) => t.name === name)) return name;
    this.inits.push({ name, dims: [], data: Float32Array.of(v) });
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
  input(name: string, dims: (number | string)[], type: DataType = DT.FLOAT): string {
    this.inputs.push({ name, type, dims });
    return name;
  }
  output(name: string, dims: (number | string)[]): void {
    this.outputs.push({ name, type: DT.FLOAT, dims });
  }
  /** Make `src` available under the name `name` (a graph output must be some node's output). */
  alias(src: string, name: string): string {
    return this.op('Identity', [src], undefined, name);
  }
  bytes(name: string): Uint8Array {
    return encodeModel({
      name,
      nodes: this.nodes,
      initializers: this.inits,
      inputs: this.inputs,
      outputs: this.outputs,
      opset: ONNX_OPSET,
      producer: 'gecko-workbench',
    });
  }
}

/** Inputs and shared constants of both graphs. */
function common(g: Graph, cfg: EncoderConfig, dropout: boolean, params: (name: string) => boolean) {
  const D = cfg.dModel,
    H = cfg.heads,
    dh = D / H;
  for (const s of paramSpecs(cfg)) if (params(s.name)) g.input(s.name, s.shape);
  const mask = g.op('Cast', [g.input('attention_mask', ['B', 'L'], DT.INT64)], { to: DT.FLOAT }, 'mask_f'); // 1 = token, 0 = pad
  if (dropout) for (const s of dropoutSites(cfg)) g.input(`drop.${s}`, ['BL', D]);
  const bl = g.op('Shape', [mask], undefined, 'b_l'); // [B, L]
  return {
    D,
    H,
    dh,
    mask,
    one: g.f32('one', 1),
    flat: g.i64('flat', [-1, D]),
    ax0: g.i64('ax0', [0]),
    ax1: g.i64('ax1', [1]),
    axLast: g.i64('ax_last', [-1]),
    scale: g.f32('att_scale', 1 / Math.sqrt(dh)),
    // [B, L, 3, H, dh] and [B, L, H, dh]
    headShape: g.op('Concat', [bl, g.i64('head_tail', [3, H, dh])], { axis: 0 }, 'head_shape'),
    ctxShape: g.op('Concat', [bl, g.i64('ctx_tail', [H, dh])], { axis: 0 }, 'ctx_shape'),
    bldShape: g.op('Concat', [bl, g.i64('d_tail', [D])], { axis: 0 }, 'bld_shape'),
    keep: g.op('Unsqueeze', [mask, g.i64('ax2', [2])], undefined, 'keep'), // [B, L, 1]
    eps: cfg.lnEps,
    /** Row width of a saved activation. */
    width: (name: string) => (name.endsWith('qkv') ? 3 * D : name.endsWith('.h') ? cfg.ffn : D),
    /** Shape of a parameter. */
    shape: (name: string) => paramSpecs(cfg).find((s) => s.name === name)!.shape,
  };
}
type Common = ReturnType<typeof common>;

/** q, k, v [B, H, L, dh] from the fused projection [B*L, 3D] (q unscaled). */
function splitHeads(g: Graph, c: Common, qkv: string): [string, string, string] {
  const heads = g.op('Transpose', [g.op('Reshape', [qkv, c.headShape])], { perm: [2, 0, 3, 1, 4] }); // [3, B, H, L, dh]
  const take = (i: number) => g.op('Gather', [heads, g.i64(`idx${i}`, [i])], { axis: 0 });
  const sq = (t: string) => g.op('Squeeze', [t, c.ax0]);
  return [sq(take(0)), sq(take(1)), sq(take(2))];
}

/** Mean pooling over the mask and L2 normalisation of hidden [B*L, D]: emb, norm [B, 1], count [B, 1]. */
function pool(g: Graph, c: Common, hidden: string) {
  const h3 = g.op('Reshape', [hidden, c.bldShape]);
  const summed = g.op('ReduceSum', [g.op('Mul', [h3, c.keep]), c.ax1], { keepdims: 0 }); // [B, D]
  const count = g.op('Max', [g.op('ReduceSum', [c.keep, c.ax1], { keepdims: 0 }), c.one]); // [B, 1]
  const pooled = g.op('Div', [summed, count]);
  const ss = g.op('ReduceSum', [g.op('Mul', [pooled, pooled]), c.axLast], { keepdims: 1 });
  const norm = g.op('Sqrt', [g.op('Add', [ss, g.f32('eps24', 1e-24)])]);
  return { emb: g.op('Div', [pooled, norm]), norm, count };
}

const layerNorm = (g: Graph, cfg: EncoderConfig, x: string, gain: string, bias: string) =>
  g.op('LayerNormalization', [x, gain, bias], { axis: -1, epsilon: { float: cfg.lnEps } });
const dense = (g: Graph, x: string, w: string, b: string) => g.op('Add', [g.op('MatMul', [x, w]), b]);

/** ONNX bytes of the training forward. */
export function forwardGraph(cfg: EncoderConfig, o: ForwardGraphOptions): Uint8Array {
  const g = new Graph();
  const c = common(g, cfg, o.dropout, (n) => n !== 'mlm.bias');
  const save = (src: string, name: string) => {
    if (o.save)
      g.output(g.alias(src, `save.${name}`), name.endsWith('probs') ? ['B', c.H, 'L', 'L'] : ['BL', c.width(name)]);
  };
  const hidden = forwardPart(g, c, cfg, o.dropout, save);
  g.output(g.alias(pool(g, c, hidden).emb, 'sentence_embedding'), ['B', c.D]);
  if (o.hidden) g.output(g.alias(hidden, 'hidden'), ['BL', c.D]);
  return g.bytes('gecko_forward');
}

/** The encoder up to the final LayerNorm: hidden [B*L, D]; `save` sees every activation the backward needs. */
function forwardPart(
  g: Graph,
  c: Common,
  cfg: EncoderConfig,
  dropout: boolean,
  save: (src: string, name: string) => void,
): string {
  const ids = g.input('input_ids', ['B', 'L'], DT.INT64);
  const seqLen = g.op('Shape', [ids], { start: 1, end: 2 });
  const pos = g.op('Slice', ['pos_emb', g.i64('zero1', [0]), seqLen, c.ax0]); // [L, D]
  let x = g.op('Reshape', [g.op('Add', [g.op('Gather', ['tok_emb', ids]), pos]), c.flat]); // [B*L, D]
  if (dropout) x = g.op('Mul', [x, 'drop.emb']);
  const bias = g.op('Unsqueeze', [
    g.op('Mul', [g.op('Sub', [c.one, c.mask]), g.f32('neg', -1e9)]),
    g.i64('ax12', [1, 2]),
  ]); // [B, 1, 1, L]
  const half = g.f32('half', 0.5),
    sqrt2 = g.f32('sqrt2', Math.SQRT2);
  for (let l = 0; l < cfg.layers; l++) {
    const p = (n: string) => `l${l}.${n}`;
    save(x, p('x'));
    const qkv = dense(g, layerNorm(g, cfg, x, p('ln1.g'), p('ln1.b')), p('wqkv'), p('bqkv'));
    save(qkv, p('qkv'));
    const [q, k, v] = splitHeads(g, c, qkv);
    const scores = g.op('Add', [
      g.op('MatMul', [g.op('Mul', [q, c.scale]), g.op('Transpose', [k], { perm: [0, 1, 3, 2] })]),
      bias,
    ]);
    const probs = g.op('Softmax', [scores], { axis: -1 }); // [B, H, L, L]
    save(probs, p('probs'));
    const ctx = g.op('Reshape', [g.op('Transpose', [g.op('MatMul', [probs, v])], { perm: [0, 2, 1, 3] }), c.flat]);
    save(ctx, p('ctx'));
    let out = dense(g, ctx, p('wo'), p('bo'));
    if (dropout) out = g.op('Mul', [out, `drop.${p('attn')}`]);
    const x1 = g.op('Add', [x, out]);
    save(x1, p('x1'));
    const h = dense(g, layerNorm(g, cfg, x1, p('ln2.g'), p('ln2.b')), p('w1'), p('b1'));
    save(h, p('h'));
    // exact GELU; onnxruntime fuses this pattern into one kernel
    const gelu = g.op('Mul', [g.op('Mul', [h, g.op('Add', [g.op('Erf', [g.op('Div', [h, sqrt2])]), c.one])]), half]);
    let f = dense(g, gelu, p('w2'), p('b2'));
    if (dropout) f = g.op('Mul', [f, `drop.${p('ffn')}`]);
    x = g.op('Add', [x1, f]);
  }
  save(x, 'final');
  return layerNorm(g, cfg, x, 'lnf.g', 'lnf.b');
}

/** LayerNorm recomputed from its input, and its backward: y, and (dy) -> dx, dgain, dbias. */
function layerNormParts(g: Graph, c: Common, x: string, gain: string, bias: string) {
  const mean = g.op('ReduceMean', [x], { axes: [-1], keepdims: 1 });
  const xc = g.op('Sub', [x, mean]);
  const variance = g.op('ReduceMean', [g.op('Mul', [xc, xc])], { axes: [-1], keepdims: 1 });
  const rstd = g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [variance, g.f32('ln_eps', c.eps)])])]);
  const xhat = g.op('Mul', [xc, rstd]);
  return {
    y: g.op('Add', [g.op('Mul', [xhat, gain]), bias]),
    /** Outputs grad.<gain> and grad.<bias>, returns dx. */
    backward(dy: string): string {
      const dxhat = g.op('Mul', [dy, gain]);
      const m1 = g.op('ReduceMean', [dxhat], { axes: [-1], keepdims: 1 });
      const m2 = g.op('ReduceMean', [g.op('Mul', [dxhat, xhat])], { axes: [-1], keepdims: 1 });
      g.output(g.op('ReduceSum', [g.op('Mul', [dy, xhat]), c.ax0], { keepdims: 0 }, `grad.${gain}`), c.shape(gain));
      g.output(g.op('ReduceSum', [dy, c.ax0], { keepdims: 0 }, `grad.${bias}`), c.shape(bias));
      return g.op('Mul', [g.op('Sub', [g.op('Sub', [dxhat, m1]), g.op('Mul', [xhat, m2])]), rstd]);
    },
  };
}

/** Backward of y = x @ w + b: outputs dw and db under the gradient names, returns dx. */
function denseBackward(g: Graph, c: Common, x: string, w: string, b: string, dy: string): string {
  g.output(g.op('Gemm', [x, dy], { transA: 1 }, `grad.${w}`), c.shape(w));
  g.output(g.op('ReduceSum', [dy, c.ax0], { keepdims: 0 }, `grad.${b}`), c.shape(b));
  return g.op('Gemm', [dy, w], { transB: 1 });
}

/** ONNX bytes of the training backward. */
export function backwardGraph(cfg: EncoderConfig, o: BackwardGraphOptions): Uint8Array {
  if (!o.demb && !o.dhidden) throw new Error('backwardGraph: give demb and/or dhidden');
  const g = new Graph();
  const c = common(g, cfg, o.dropout, (n) => n !== 'mlm.bias' && n !== 'tok_emb' && n !== 'pos_emb');
  const saved = (n: string) => g.input(`save.${n}`, n.endsWith('probs') ? ['B', c.H, 'L', 'L'] : ['BL', c.width(n)]);
  backwardPart(g, c, cfg, o.dropout, saved, (hidden) => {
    let dhid: string | undefined;
    if (o.demb) {
      const { emb, norm, count } = pool(g, c, hidden);
      const demb = g.input('d_sentence_embedding', ['B', c.D]);
      const dot = g.op('ReduceSum', [g.op('Mul', [demb, emb]), c.axLast], { keepdims: 1 });
      const dpooled = g.op('Div', [g.op('Sub', [demb, g.op('Mul', [emb, dot])]), norm]); // [B, D]
      const per = g.op('Unsqueeze', [g.op('Div', [dpooled, count]), c.ax1]); // [B, 1, D]
      dhid = g.op('Reshape', [g.op('Mul', [per, c.keep]), c.flat]); // [B*L, D]
    }
    if (o.dhidden) {
      const dh = g.input('d_hidden', ['BL', c.D]);
      dhid = dhid ? g.op('Add', [dhid, dh]) : dh;
    }
    return dhid!;
  });
  return g.bytes('gecko_backward');
}

/**
 * ONNX bytes of one whole MLM step on a padded sub-batch: forward, the tied output layer
 * (logits = hidden @ tok_emb^T + mlm.bias at the masked rows), the cross-entropy summed over
 * those rows times mlm_scale (1 / the step's masked-token count), and the backward. MLM's loss
 * is per token, so nothing leaves the graph between forward and backward.
 *   extra inputs  mlm_rows int64 [M] (rows of the padded [B*L] layout, distinct), mlm_targets int64 [M], mlm_scale float []
 *   extra outputs mlm_loss float [], grad.head.tok_emb [V, D] (the output layer's share of tok_emb's gradient), grad.mlm.bias [V]
 */
export function mlmGraph(cfg: EncoderConfig, o: { dropout: boolean }): Uint8Array {
  const g = new Graph();
  const c = common(g, cfg, o.dropout, () => true);
  const acts = new Map<string, string>();
  forwardPart(g, c, cfg, o.dropout, (src, name) => acts.set(name, src));
  backwardPart(
    g,
    c,
    cfg,
    o.dropout,
    (n) => acts.get(n)!,
    (hidden) => {
      const rows = g.input('mlm_rows', ['M'], DT.INT64);
      const targets = g.input('mlm_targets', ['M'], DT.INT64);
      const scale = g.input('mlm_scale', []);
      const sel = g.op('Gather', [hidden, rows], { axis: 0 }); // [M, D]
      const logp = g.op('LogSoftmax', [g.op('Gemm', [sel, 'tok_emb', 'mlm.bias'], { transB: 1 })], { axis: -1 }); // [M, V]
      const onehot = g.op('OneHot', [targets, g.i64('vocab', [cfg.vocabSize]), g.f32v('off_on', [0, 1])], { axis: -1 });
      const picked = g.op('ReduceSum', [g.op('Mul', [logp, onehot]), g.i64('all01', [0, 1])], { keepdims: 0 });
      g.output(g.op('Neg', [g.op('Mul', [picked, scale])], undefined, 'mlm_loss'), []);
      const dlogits = g.op('Mul', [g.op('Sub', [g.op('Exp', [logp]), onehot]), scale]); // [M, V]
      g.output(g.op('Gemm', [dlogits, sel], { transA: 1 }, 'grad.head.tok_emb'), c.shape('tok_emb'));
      g.output(g.op('ReduceSum', [dlogits, c.ax0], { keepdims: 0 }, 'grad.mlm.bias'), c.shape('mlm.bias'));
      const dsel = g.op('MatMul', [dlogits, 'tok_emb']); // [M, D]
      const zeros = g.op('ConstantOfShape', [g.op('Shape', [hidden])]); // float zeros
      return g.op('ScatterND', [zeros, g.op('Unsqueeze', [rows, c.ax1]), dsel]); // [B*L, D]
    },
  );
  return g.bytes('gecko_mlm');
}

/**
 * The hand-written backward from the saved activations: `dhiddenOf` gets the recomputed final
 * hidden states and returns d loss / d them. Outputs grad.<name> for every weight but the two
 * embedding tables, and d_embedded [B*L, D].
 */
function backwardPart(
  g: Graph,
  c: Common,
  cfg: EncoderConfig,
  dropout: boolean,
  saved: (name: string) => string,
  dhiddenOf: (hidden: string) => string,
): void {
  const sqrt2 = g.f32('sqrt2', Math.SQRT2),
    half = g.f32('half', 0.5),
    negHalf = g.f32('neg_half', -0.5),
    invSqrt2Pi = g.f32('inv_sqrt_2pi', 1 / Math.sqrt(2 * Math.PI));
  const T4 = { perm: [0, 1, 3, 2] };

  // final LayerNorm, recomputed; then d hidden
  const lnf = layerNormParts(g, c, saved('final'), 'lnf.g', 'lnf.b');
  let dx = lnf.backward(dhiddenOf(lnf.y));

  for (let l = cfg.layers - 1; l >= 0; l--) {
    const p = (n: string) => `l${l}.${n}`;
    const x = saved(p('x')),
      qkv = saved(p('qkv')),
      probs = saved(p('probs')),
      ctx = saved(p('ctx')),
      x1 = saved(p('x1')),
      h = saved(p('h'));
    // FFN branch: x2 = x1 + maskF * (gelu(LN2(x1) @ w1 + b1) @ w2 + b2)
    const df = dropout ? g.op('Mul', [dx, `drop.${p('ffn')}`]) : dx;
    const cdf = g.op('Mul', [g.op('Add', [g.op('Erf', [g.op('Div', [h, sqrt2])]), c.one]), half]);
    const gelu = g.op('Mul', [h, cdf]);
    const dgelu = denseBackward(g, c, gelu, p('w2'), p('b2'), df);
    const pdf = g.op('Mul', [g.op('Exp', [g.op('Mul', [g.op('Mul', [h, h]), negHalf])]), invSqrt2Pi]);
    const dh = g.op('Mul', [dgelu, g.op('Add', [cdf, g.op('Mul', [h, pdf])])]);
    const ln2 = layerNormParts(g, c, x1, p('ln2.g'), p('ln2.b'));
    const dln2 = denseBackward(g, c, ln2.y, p('w1'), p('b1'), dh);
    const dx1 = g.op('Add', [dx, ln2.backward(dln2)]);
    // attention branch: x1 = x + maskO * (Attn(LN1(x)) @ wo + bo)
    const dO = dropout ? g.op('Mul', [dx1, `drop.${p('attn')}`]) : dx1;
    const dctx = denseBackward(g, c, ctx, p('wo'), p('bo'), dO);
    const dc = g.op('Transpose', [g.op('Reshape', [dctx, c.ctxShape])], { perm: [0, 2, 1, 3] }); // [B, H, L, dh]
    const [q, k, v] = splitHeads(g, c, qkv);
    const dv = g.op('MatMul', [g.op('Transpose', [probs], T4), dc]);
    const dp = g.op('MatMul', [dc, g.op('Transpose', [v], T4)]); // [B, H, L, L]
    const ds = g.op('Mul', [
      probs,
      g.op('Sub', [dp, g.op('ReduceSum', [g.op('Mul', [dp, probs]), c.axLast], { keepdims: 1 })]),
    ]);
    const dq = g.op('Mul', [g.op('MatMul', [ds, k]), c.scale]);
    const dk = g.op('Mul', [g.op('MatMul', [g.op('Transpose', [ds], T4), q]), c.scale]);
    const stacked = g.op(
      'Concat',
      [dq, dk, dv].map((t) => g.op('Unsqueeze', [t, c.ax0])),
      { axis: 0 },
    ); // [3, B, H, L, dh]
    const dqkv = g.op('Reshape', [
      g.op('Transpose', [stacked], { perm: [1, 3, 0, 2, 4] }),
      g.i64('flat3', [-1, 3 * c.D]),
    ]); // [B*L, 3D]
    const ln1 = layerNormParts(g, c, x, p('ln1.g'), p('ln1.b'));
    const dln1 = denseBackward(g, c, ln1.y, p('wqkv'), p('bqkv'), dqkv);
    dx = g.op('Add', [dx1, ln1.backward(dln1)]);
  }
  g.output(g.alias(dropout ? g.op('Mul', [dx, 'drop.emb']) : dx, 'd_embedded'), ['BL', c.D]);
}
