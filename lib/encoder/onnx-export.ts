// Our encoder as an ONNX graph (opset 17), built from a checkpoint's config and flat weights:
// the onnx forward of every op of the model definition (arch.ts, forms in ops/), with the
// weights as initialisers. The graph's inputs follow transformers / sentence-transformers:
//   input_ids       int64 [batch, sequence]
//   attention_mask  int64 [batch, sequence] (1 = token, 0 = pad); left or right padding: a token's
//                   position counts the real tokens before it (cumsum of the mask), so both give
//                   the same embedding
//   token_type_ids  int64 [batch, sequence], optional: transformers' and sentence-transformers'
//                   ONNX paths pass it; our encoder has no token types, so it is read and ignored
//                   (a default of zeros is built in, so callers may leave it out)
// Any length is accepted: inputs longer than maxLen (metadata_props `maxLen`) are cut inside the
// graph to their first maxLen columns, as the tokenizer truncates (right padding assumed for
// over-long inputs). Outputs:
//   sentence_embedding float32 [batch, dModel]: mean over the real tokens, L2-normalised
//   last_hidden_state  float32 [batch, sequence, dModel]: token states after the final LayerNorm;
//                      columns past maxLen are zeros (sentence-transformers' ONNX backend pools this itself)
// @example writeFileSync('model.onnx', exportEncoderOnnx(ck.config, ck.params));
import { DT } from '../core/onnx-proto';
import { archOf, program } from './arch';
import type { EncoderConfig } from './config';
import { emitForward, newGraph } from './onnx-train';

export { ONNX_OPSET } from './onnx-graph';

/** ONNX bytes of the encoder with these weights. */
export function exportEncoderOnnx(
  cfg: EncoderConfig,
  params: Float32Array,
  meta: Record<string, string> = {},
): Uint8Array {
  let raw = { ids: '', mask: '' };
  const c = newGraph(cfg, false, params, (g) => {
    raw = {
      ids: g.input('input_ids', ['batch', 'sequence'], DT.INT64),
      mask: g.input('attention_mask', ['batch', 'sequence'], DT.INT64),
    };
    // cut to maxLen columns: Slice clamps, so shorter inputs pass unchanged
    const cut = (t: string) =>
      g.op('Slice', [t, g.i64('zero1', [0]), g.i64('max_len', [cfg.maxLen]), g.i64('ax1', [1])]);
    return { ids: cut(raw.ids), maskI64: cut(raw.mask) };
  });
  const g = c.g;
  // optional token_type_ids: a graph input with a default (an initialiser of the same name)
  g.input('token_type_ids', ['batch', 'sequence'], DT.INT64);
  g.inits.push({ name: 'token_type_ids', dims: [1, 1], data: BigInt64Array.of(0n) });
  const prog = program(archOf(cfg), false);
  const { values } = emitForward(c, prog);
  g.op('Identity', [values.get(prog.embedding)!], undefined, 'sentence_embedding');
  // hidden [B*L', D] -> [B, L', D], then zeros for the columns cut off: [B, L, D]
  const h3 = g.op('Reshape', [values.get(prog.hidden)!, c.bldShape]);
  const seq = (t: string) => g.op('Shape', [t], { start: 1, end: 2 });
  const cutCols = g.op('Sub', [seq(raw.ids), seq(c.ids)]);
  const pads = g.op('Concat', [g.i64('pads_head', [0, 0, 0, 0]), cutCols, g.i64('zero1', [0])], { axis: 0 });
  g.op('Pad', [h3, pads], undefined, 'last_hidden_state');
  g.output('sentence_embedding', ['batch', cfg.dModel]);
  g.output('last_hidden_state', ['batch', 'sequence', cfg.dModel]);
  return g.bytes('gecko_encoder', {
    docString:
      `Gecko Workbench dual encoder: ${cfg.norm ?? 'pre'}-LN transformer, ${cfg.pooling ?? 'mean'} pooling over attention_mask, L2-normalised sentence_embedding. ` +
      `Inputs longer than maxLen (${cfg.maxLen}) are cut to their first maxLen columns; positions come from attention_mask. ` +
      'Texts must carry the task prefix the model was trained with.',
    metadata: {
      dModel: String(cfg.dModel),
      layers: String(cfg.layers),
      heads: String(cfg.heads),
      maxLen: String(cfg.maxLen),
      truncation: `input columns past maxLen=${cfg.maxLen} are cut inside the graph`,
      positions: 'from attention_mask (cumsum): left and right padding give the same embedding',
      ...meta,
    },
  });
}
