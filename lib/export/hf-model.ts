// Our encoder as a Hugging Face `XLMRobertaXLModel` (model_type "xlm-roberta-xl"): tensor
// names, layouts and config.json, mapped op by op from the model definition (encoder/arch.ts);
// a definition XLMRobertaXL cannot express (an embedding LayerNorm, post-LN...) is refused by name.
//
// Why XLM-RoBERTa-XL: it is the one standard transformers architecture whose inference
// function is ours exactly. Checked against transformers' modeling_xlm_roberta_xl.py:
//   embeddings  word + token-type + learned absolute positions, NO embedding LayerNorm  (ours: tok + pos)
//   block       x + Attn(LN(x)) (attention.self_attn_layer_norm), then x + FFN(LN(x)) (layer.LayerNorm),
//               i.e. pre-LN, with biases on every Linear                                (ours: the same)
//   activation  hidden_act "gelu" = exact erf GELU in transformers                     (ours: exact GELU)
//   final       encoder.LayerNorm after the last block                                   (ours: lnf)
//   attention   scores / sqrt(head dim), softmax over non-pad keys                      (ours: the same)
// BERT does not match (post-LN, embedding LayerNorm); GPT-2 does not (causal attention).
// Two reparametrisations make the weights fit, neither changes the function:
//   - RoBERTa-style position ids start at pad_token_id + 1, so our position j is row j + pad + 1 of
//     the position table; rows 0..pad are zero and never read for real tokens.
//   - one token type whose embedding is all zeros.
// Training-time only differences (no effect on embeddings): transformers' XL model has dropout on
// attention probabilities and none after the FFN; ours has it after the FFN and none on the
// probabilities. config.json sets attention_probs_dropout_prob 0 and hidden_dropout_prob = ours.
// The pooler (BERT-style CLS dense + tanh) is not part of our model; it is exported as zeros so the
// loader finds every weight, and sentence-transformers never calls it (mean pooling).
import { GeckoError } from '../core/errors';
import type { EncoderConfig } from '../encoder/config';
import { archOf, type OpNode } from '../encoder/arch';
import { paramSpecs } from '../encoder/params';
import type { NamedTensor } from './safetensors';

export const HF_ARCHITECTURE = 'XLMRobertaXLModel';
export const HF_MODEL_TYPE = 'xlm-roberta-xl';

/** A parameter of the flat array by name (a copy-free view). */
function paramGetter(
  cfg: EncoderConfig,
  flat: Float32Array,
): (name: string) => { shape: number[]; data: Float32Array } {
  const specs = new Map(paramSpecs(cfg).map((s) => [s.name, s]));
  return (name) => {
    const s = specs.get(name);
    if (!s) throw new GeckoError(`export: the encoder has no parameter '${name}'`);
    return { shape: s.shape, data: flat.subarray(s.offset, s.offset + s.size) };
  };
}

/** Columns [c0, c0 + cols) of a row-major (rows, allCols) matrix, transposed to (cols, rows): our x @ W to torch's W x. */
function transposedColumns(data: Float32Array, rows: number, allCols: number, c0: number, cols: number): Float32Array {
  const out = new Float32Array(cols * rows);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * allCols + c0 + c]!;
  return out;
}

/** Number of rows of the exported position table: positions run from pad + 1 to pad + maxLen. */
export const hfPositionRows = (cfg: EncoderConfig, padId: number) => cfg.maxLen + padId + 1;

/** Where each op of the definition goes in XLMRobertaXLModel: a state-dict prefix per op, by its place in a block. */
function hfPlaces(cfg: EncoderConfig): Map<OpNode, string> {
  const ops = archOf(cfg).ops.filter((o) => o.params.length > 0);
  const places = new Map<OpNode, string>();
  const refuse = (why: string) => {
    throw new GeckoError(
      `export: this encoder cannot be written as ${HF_ARCHITECTURE} (${why})`,
      'export the ONNX file only, or train an encoder without that option',
    );
  };
  const all = archOf(cfg).ops;
  const odd = all.find(
    (o) => !['embedding', 'layerNorm', 'dense', 'attention', 'gelu', 'dropout', 'add', 'pool'].includes(o.kind),
  );
  if (odd) refuse(`it has a ${odd.kind} op; XLMRobertaXLModel's FFN is GELU`);
  if (all.some((o) => o.kind === 'pool' && o.mode === 'cls'))
    refuse('it pools the first token; this export writes mean pooling');
  const [emb, ...rest] = ops;
  if (emb?.kind !== 'embedding') refuse('it does not start with an embedding');
  places.set(emb!, 'embeddings');
  if (emb!.params.length !== 2 || emb!.offset || emb!.sinusoidal)
    refuse('it has a token-type row, a position offset or sinusoidal positions of its own');
  if (rest[0]?.kind === 'layerNorm' && rest[1]?.kind === 'layerNorm') refuse('it has an embedding LayerNorm');
  // each block: LayerNorm, fused qkv, output dense, LayerNorm, FFN in, FFN out (pre-LN, XLMRobertaXL's own order)
  const block = ['layerNorm', 'dense', 'dense', 'layerNorm', 'dense', 'dense'];
  const names = [
    'attention.self_attn_layer_norm',
    'attention.self',
    'attention.output.dense',
    'LayerNorm',
    'intermediate.dense',
    'output.dense',
  ];
  for (let l = 0; l < cfg.layers; l++) {
    const part = rest.splice(0, block.length);
    if (part.map((o) => o.kind).join() !== block.join())
      refuse(`block ${l} is ${part.map((o) => o.kind).join(', ')}, not pre-LN attention + FFN`);
    part.forEach((o, i) => places.set(o, `encoder.layer.${l}.${names[i]}`));
  }
  if (rest.length !== 1 || rest[0]!.kind !== 'layerNorm') refuse('it does not end with one final LayerNorm');
  places.set(rest[0]!, 'encoder.LayerNorm');
  return places;
}

/**
 * The encoder's weights under XLMRobertaXLModel's state-dict names (base model, no "roberta." prefix),
 * in torch layouts (Linear weights are (out, in)), op by op from the model definition (arch.ts).
 * The MLM head is left out: it is not part of the embedding model.
 */
export function hfTensors(cfg: EncoderConfig, flat: Float32Array, padId: number): NamedTensor[] {
  const D = cfg.dModel;
  const p = paramGetter(cfg, flat);
  const out: NamedTensor[] = [];
  const add = (name: string, shape: number[], data: Float32Array) => out.push({ name, shape, data });
  for (const [op, at] of hfPlaces(cfg)) {
    const [a, b] = op.params.map((n) => p(n));
    if (op.kind === 'embedding') {
      add(`${at}.word_embeddings.weight`, a!.shape, a!.data);
      const rows = hfPositionRows(cfg, padId);
      const pos = new Float32Array(rows * D);
      pos.set(b!.data, (padId + 1) * D);
      add(`${at}.position_embeddings.weight`, [rows, D], pos);
      add(`${at}.token_type_embeddings.weight`, [1, D], new Float32Array(D));
    } else if (op.kind === 'layerNorm') {
      add(`${at}.weight`, a!.shape, a!.data);
      add(`${at}.bias`, b!.shape, b!.data);
    } else if (at.endsWith('attention.self')) {
      // the fused q|k|v projection, split into three Linear layers
      ['query', 'key', 'value'].forEach((n, k) => {
        add(`${at}.${n}.weight`, [D, D], transposedColumns(a!.data, D, 3 * D, k * D, D));
        add(`${at}.${n}.bias`, [D], b!.data.slice(k * D, (k + 1) * D));
      });
    } else {
      const [I, O] = a!.shape as [number, number];
      add(`${at}.weight`, [O, I], transposedColumns(a!.data, I, O, 0, O));
      add(`${at}.bias`, [O], b!.data);
    }
  }
  add('pooler.dense.weight', [D, D], new Float32Array(D * D));
  add('pooler.dense.bias', [D], new Float32Array(D));
  return out;
}

/** config.json for transformers' AutoModel / AutoConfig. */
export function hfConfig(
  cfg: EncoderConfig,
  padId: number,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    architectures: [HF_ARCHITECTURE],
    model_type: HF_MODEL_TYPE,
    vocab_size: cfg.vocabSize,
    hidden_size: cfg.dModel,
    num_hidden_layers: cfg.layers,
    num_attention_heads: cfg.heads,
    intermediate_size: cfg.ffn,
    hidden_act: 'gelu',
    hidden_dropout_prob: cfg.dropout,
    attention_probs_dropout_prob: 0,
    max_position_embeddings: hfPositionRows(cfg, padId),
    type_vocab_size: 1,
    initializer_range: 0.02,
    layer_norm_eps: cfg.lnEps,
    pad_token_id: padId,
    position_embedding_type: 'absolute',
    use_cache: false,
    torch_dtype: 'float32',
    ...extra,
  };
}
