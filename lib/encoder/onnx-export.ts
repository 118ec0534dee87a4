// Our encoder as an ONNX graph (opset 17), built from a checkpoint's config and flat
// weights: the same function as model.ts on padded batches. Token + learned position
// embeddings, pre-LN blocks (LayerNormalization, fused QKV, per-head softmax attention with
// an additive key mask of -1e9 on padding, exact erf GELU), a final LayerNorm, mean pooling
// over attention_mask, L2 normalisation (x / sqrt(sum x^2 + 1e-24), as poolForward).
//   inputs  input_ids int64 [batch, seq], attention_mask int64 [batch, seq] (1 = token, 0 = pad;
//           right padding: a token's position is its column)
//   outputs sentence_embedding float32 [batch, dModel] (pooled, L2-normalised)
//           last_hidden_state float32 [batch, seq, dModel] (token embeddings after the final LayerNorm)
// The names follow the sentence-transformers / Hugging Face ONNX convention (its ONNX backend
// reads last_hidden_state and pools it itself), so the file runs anywhere ONNX does. onnx-runtime.ts runs it with onnxruntime-node.
// @example writeFileSync('model.onnx', exportEncoderOnnx(ck.config, ck.params));
import type { EncoderConfig } from './config';
import { DT, encodeModel, type NodeSpec, type TensorInit } from '../core/onnx-proto';
import { paramSpecs } from './params';

export const ONNX_OPSET = 17;

/** ONNX bytes of the encoder with these weights. */
export function exportEncoderOnnx(
  cfg: EncoderConfig,
  params: Float32Array,
  meta: Record<string, string> = {},
): Uint8Array {
  const D = cfg.dModel,
    H = cfg.heads,
    dh = D / H;
  const nodes: NodeSpec[] = [];
  const inits: TensorInit[] = [];
  const node = (op: string, inputs: string[], output: string, attrs?: NodeSpec['attrs']): string => {
    nodes.push({ op, inputs, outputs: [output], ...(attrs ? { attrs } : {}) });
    return output;
  };
  const f32 = (name: string, data: number[] | Float32Array, dims: number[]): string => {
    inits.push({ name, dims, data: Float32Array.from(data) });
    return name;
  };
  const i64 = (name: string, data: number[], dims = [data.length]): string => {
    inits.push({ name, dims, data: BigInt64Array.from(data.map(BigInt)) });
    return name;
  };
  for (const s of paramSpecs(cfg)) {
    if (s.name === 'mlm.bias') continue; // MLM head only
    f32(s.name, params.subarray(s.offset, s.offset + s.size), s.shape);
  }

  // embeddings: tok_emb[ids] + pos_emb[0:seq]
  const seqLen = node('Shape', ['input_ids'], 'seq_len', { start: 1, end: 2 });
  const pos = node('Slice', ['pos_emb', i64('zero1', [0]), seqLen, i64('axis0', [0])], 'pos');
  // the residual stream is 2-D [B * L, D], so that MatMul + bias becomes one Gemm
  const flat2 = i64('flat2', [-1, D]);
  let x = node(
    'Reshape',
    [node('Add', [node('Gather', ['tok_emb', 'input_ids'], 'tok'), pos], 'x_emb3'), flat2],
    'x_emb',
  );
  const bl = node('Shape', ['input_ids'], 'b_l'); // [B, L]

  // masks: keep [B, L, 1] for pooling; additive key bias [B, 1, 1, L]
  const maskF = node('Cast', ['attention_mask'], 'mask_f', { to: DT.FLOAT });
  const bias = node(
    'Unsqueeze',
    [
      node('Mul', [node('Sub', [f32('one', [1], []), maskF], 'not_mask'), f32('neg', [-1e9], [])], 'key_bias2d'),
      i64('ax12', [1, 2]),
    ],
    'key_bias',
  );
  const keep = node('Unsqueeze', [maskF, i64('ax2', [2])], 'keep'); // [B, L, 1]

  const ln = (inp: string, g: string, b: string, out: string) =>
    node('LayerNormalization', [inp, g, b], out, { axis: -1, epsilon: { float: cfg.lnEps } });
  const dense = (inp: string, w: string, b: string, out: string) =>
    node('Add', [node('MatMul', [inp, w], `${out}_mm`), b], out);
  for (let i = 0; i < 3; i++) i64(`idx${i}`, [i], []);
  const scale = f32('att_scale', [1 / Math.sqrt(dh)], []);
  const headShape = node('Concat', [bl, i64('head_tail', [3, H, dh])], 'head_shape', { axis: 0 }); // [B, L, 3, H, dh]
  const ctxShape = i64('ctx_shape', [0, 0, D]);
  const half = f32('half', [0.5], []),
    sqrt2 = f32('sqrt2', [Math.SQRT2], []);
  for (let l = 0; l < cfg.layers; l++) {
    const p = (n: string) => `l${l}.${n}`;
    const a = ln(x, p('ln1.g'), p('ln1.b'), p('a'));
    const qkv = dense(a, p('wqkv'), p('bqkv'), p('qkv')); // [B, L, 3D]
    const heads = node(
      'Transpose',
      [node('Reshape', [qkv, headShape], p('qkv5'))],
      p('qkvT'),
      { perm: [2, 0, 3, 1, 4] }, // [3, B, H, L, dh]
    );
    // a scalar index drops the leading axis: [B, H, L, dh]
    const take = (i: number, n: string) => node('Gather', [heads, `idx${i}`], p(n), { axis: 0 });
    const q = node('Mul', [take(0, 'q'), scale], p('qs'));
    const kT = node('Transpose', [take(1, 'k')], p('kT'), { perm: [0, 1, 3, 2] }); // [B, H, dh, L]
    const v = take(2, 'v');
    const scores = node('Add', [node('MatMul', [q, kT], p('s')), bias], p('s_masked')); // [B, H, L, L]
    const probs = node('Softmax', [scores], p('probs'), { axis: -1 });
    const ctx = node('Transpose', [node('MatMul', [probs, v], p('ctx4'))], p('ctxT'), { perm: [0, 2, 1, 3] }); // [B, L, H, dh]
    const o = dense(
      node('Reshape', [node('Reshape', [ctx, ctxShape], p('ctx3')), flat2], p('ctx')),
      p('wo'),
      p('bo'),
      p('o'),
    );
    const x1 = node('Add', [x, o], p('x1'));
    const h = dense(ln(x1, p('ln2.g'), p('ln2.b'), p('b')), p('w1'), p('b1'), p('h'));
    // exact GELU: (h (1 + erf(h / sqrt 2))) 0.5; onnxruntime fuses this pattern into one Gelu kernel
    const erf1 = node('Add', [node('Erf', [node('Div', [h, sqrt2], p('hs'))], p('erf')), 'one'], p('erf1'));
    const g = node('Mul', [node('Mul', [h, erf1], p('herf')), half], p('g'));
    const f = dense(g, p('w2'), p('b2'), p('f'));
    x = node('Add', [x1, f], p('x2'));
  }
  const hidden2 = ln(x, 'lnf.g', 'lnf.b', 'hidden2');
  const hidden = node(
    'Reshape',
    [hidden2, node('Concat', [bl, i64('d_tail', [D])], 'bld', { axis: 0 })],
    'last_hidden_state',
  ); // [B, L, D]
  // mean pooling over real tokens, then L2 normalisation
  const summed = node('ReduceSum', [node('Mul', [hidden, keep], 'masked'), i64('ax1', [1])], 'summed', { keepdims: 0 });
  const count = node('ReduceSum', [keep, 'ax1'], 'count', { keepdims: 0 }); // [B, 1]
  const pooled = node('Div', [summed, node('Max', [count, 'one'], 'count1')], 'pooled');
  const ss = node('ReduceSum', [node('Mul', [pooled, pooled], 'sq'), i64('ax_last', [-1])], 'ss', { keepdims: 1 });
  const norm = node('Sqrt', [node('Add', [ss, f32('eps24', [1e-24], [])], 'ss_eps')], 'norm');
  node('Div', [pooled, norm], 'sentence_embedding');

  return encodeModel({
    name: 'gecko_encoder',
    nodes,
    initializers: inits,
    inputs: [
      { name: 'input_ids', type: DT.INT64, dims: ['batch', 'sequence'] },
      { name: 'attention_mask', type: DT.INT64, dims: ['batch', 'sequence'] },
    ],
    outputs: [
      { name: 'sentence_embedding', type: DT.FLOAT, dims: ['batch', D] },
      { name: 'last_hidden_state', type: DT.FLOAT, dims: ['batch', 'sequence', D] },
    ],
    opset: ONNX_OPSET,
    producer: 'gecko-workbench',
    docString:
      'Gecko Workbench dual encoder: pre-LN transformer, mean pooling over attention_mask, L2-normalised sentence_embedding. ' +
      'Texts must carry the task prefix the model was trained with.',
    metadata: { dModel: String(D), layers: String(cfg.layers), heads: String(H), maxLen: String(cfg.maxLen), ...meta },
  });
}
