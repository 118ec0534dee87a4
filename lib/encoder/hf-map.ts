// Hugging Face BERT / XLM-RoBERTa checkpoints as the model definition (issue 19), both ways:
//   import  readHfEncoder's description -> an EncoderConfig (post-LN blocks, the embedding LayerNorm,
//           the token-type row of type 0, XLM-R's position offset, the config's eps, the activation,
//           CLS or mean pooling, the prompts) and the flat parameter array;
//   export  a definition of that shape -> BertModel / XLMRobertaModel tensors and config.json.
// The correspondence is one table (hfPlaces), made op by op from the definition (arch.ts):
//   embedding              embeddings.{word,position,token_type}_embeddings (type: row 0 only; positions:
//                          the table's first maxLen + offset rows)
//   layerNorm (after it)   embeddings.LayerNorm
//   per block, post-LN:    dense q|k|v   attention.self.{query,key,value} (three [D, D] Linear layers
//                                         side by side in our fused wqkv [D, 3D]: columns k*D.. of head order)
//                          dense         attention.output.dense
//                          layerNorm     attention.output.LayerNorm
//                          dense         intermediate.dense
//                          dense         output.dense
//                          layerNorm     output.LayerNorm
// HF's Linear weights are [out, in] (y = x W^T + b); ours are [in, out] (y = x W + b): transposed.
// The pooler and the MLM head of the HF file are not part of the embedding model: not imported;
// the export writes a zero pooler (sentence-transformers never calls it) and our mlm.bias is zero.
import { resolve } from 'node:path';
import { GeckoError } from '../core/errors';
import type { NamedTensor } from '../core/safetensors';
import { archOf, type OpNode } from './arch';
import { checkEncoderConfig, type EncoderConfig } from './config';
import {
  readHfDescription,
  readHfEncoder,
  type HfEncoderDescription,
  type HfModelType,
  type HfPooling,
} from './hf-import';
import { paramCount, paramSpecs } from './params';
import { tokenizerFromJson, type TextTokenizer } from './tokenizer';

/** HF hidden_act -> the definition's activation (an op exists for it). */
const ACTIVATIONS: Record<string, EncoderConfig['activation']> = { gelu: 'gelu', relu: 'relu' };

/**
 * The encoder config of an imported checkpoint. `vocabSize` is the tokenizer's (the rows a token can
 * reach; a checkpoint may pad its table beyond it), `maxLen` sentence-transformers' max_seq_length.
 * Refuses, by name, what no op of the definition computes (e.g. the tanh GELU).
 * @example encoderConfigOfHf(readHfEncoder(dir).description, tokenizer.vocabSize).norm === 'post'
 */
export function encoderConfigOfHf(
  d: Omit<HfEncoderDescription, 'weightsDtype'>,
  tokenizerVocab: number,
): EncoderConfig {
  const activation = ACTIVATIONS[d.activation];
  if (!activation)
    throw new GeckoError(
      `${d.dir}/config.json: hidden_act "${d.activation}" is not supported by the model definition; supported: ${Object.keys(ACTIVATIONS).join(', ')}`,
      'the tanh approximation of GELU has no op here: import a checkpoint with hidden_act "gelu" (erf) or "relu"',
    );
  if (tokenizerVocab > d.vocabSize)
    throw new GeckoError(
      `${d.dir}: the tokenizer has ${tokenizerVocab} tokens but the embedding table only ${d.vocabSize} rows`,
      'use the tokenizer saved with the model',
    );
  if (!d.includePrompt && d.pooling === 'mean' && Object.values(d.prompts).some((p) => p !== ''))
    throw new GeckoError(
      `${d.dir}/1_Pooling/config.json: include_prompt false (the prompt's tokens left out of the mean) is not supported`,
      'only pooling over every token (include_prompt true) or CLS pooling imports',
    );
  const cfg: EncoderConfig = {
    vocabSize: tokenizerVocab,
    layers: d.numLayers,
    dModel: d.hiddenSize,
    heads: d.numHeads,
    ffn: d.intermediateSize,
    maxLen: Math.min(d.maxSeqLength, d.maxPositions - d.positionOffset),
    dropout: 0.1,
    lnEps: d.layerNormEps,
    embLayerNorm: true,
    norm: 'post',
    activation,
    pooling: d.pooling,
    tokenTypeRow: true,
    ...(d.positionOffset ? { positionOffset: d.positionOffset } : {}),
    ...(Object.keys(d.prompts).length ? { prompts: { ...d.prompts } } : {}),
  };
  checkEncoderConfig(cfg);
  return cfg;
}

/** How one of our parameters sits in the HF state dict. */
export interface HfPlace {
  /** Our parameter (params.ts name). */
  ours: string;
  /** The HF tensor(s), canonical names (no `bert.` / `roberta.` prefix). */
  hf: string[];
  /** copy: same layout; linear: transposed; qkv: three Linear weights side by side; cat: biases end to end; rows: the first rows of a table. */
  how: 'copy' | 'linear' | 'qkv' | 'cat' | 'rows';
}

/**
 * Which HF architecture a definition is, or a reason why it is none: BERT / XLM-R are post-LN
 * with an embedding LayerNorm and a token-type row; a position offset makes it XLM-R.
 * @example hfFamilyOf(cfg) // { family: 'bert' }
 */
export function hfFamilyOf(cfg: EncoderConfig): { family: HfModelType } | { why: string } {
  if (cfg.norm !== 'post') return { why: 'its blocks are pre-LN' };
  if (!cfg.embLayerNorm) return { why: 'it has no embedding LayerNorm' };
  if (!cfg.tokenTypeRow) return { why: 'it has no token-type row' };
  if (cfg.positions === 'sinusoidal') return { why: 'its positions are sinusoidal' };
  return { family: cfg.positionOffset ? 'xlm-roberta' : 'bert' };
}

/** The table of every parameter's HF place, op by op from the definition; refuses a definition of another shape. */
export function hfPlaces(cfg: EncoderConfig): HfPlace[] {
  const fam = hfFamilyOf(cfg);
  const refuse = (why: string): never => {
    throw new GeckoError(`this encoder is not a BERT / XLM-RoBERTa definition (${why})`);
  };
  if ('why' in fam) refuse(fam.why);
  const ops = archOf(cfg).ops.filter((o) => o.params.length > 0);
  const out: HfPlace[] = [];
  const ln = (o: OpNode | undefined, at: string) => {
    if (o?.kind !== 'layerNorm') refuse(`expected a LayerNorm for ${at}, found ${o?.kind}`);
    out.push(
      { ours: o!.params[0]!, hf: [`${at}.weight`], how: 'copy' },
      { ours: o!.params[1]!, hf: [`${at}.bias`], how: 'copy' },
    );
  };
  const dense = (o: OpNode | undefined, at: string) => {
    if (o?.kind !== 'dense') refuse(`expected a dense layer for ${at}, found ${o?.kind}`);
    out.push(
      { ours: o!.params[0]!, hf: [`${at}.weight`], how: 'linear' },
      { ours: o!.params[1]!, hf: [`${at}.bias`], how: 'copy' },
    );
  };
  const [emb, embLn, ...rest] = ops;
  if (emb?.kind !== 'embedding' || emb.params.length !== 3)
    refuse('it does not start with token, position and type rows');
  const e = 'embeddings';
  out.push(
    { ours: emb!.params[0]!, hf: [`${e}.word_embeddings.weight`], how: 'rows' },
    { ours: emb!.params[1]!, hf: [`${e}.position_embeddings.weight`], how: 'rows' },
    { ours: emb!.params[2]!, hf: [`${e}.token_type_embeddings.weight`], how: 'rows' },
  );
  ln(embLn, `${e}.LayerNorm`);
  for (let l = 0; l < cfg.layers; l++) {
    const p = `encoder.layer.${l}.`;
    const [qkv, o, ln1, w1, w2, ln2] = rest.splice(0, 6);
    if (qkv?.kind !== 'dense') refuse(`block ${l} does not start with the q|k|v projection`);
    const s = `${p}attention.self`;
    out.push(
      { ours: qkv!.params[0]!, hf: ['query', 'key', 'value'].map((m) => `${s}.${m}.weight`), how: 'qkv' },
      { ours: qkv!.params[1]!, hf: ['query', 'key', 'value'].map((m) => `${s}.${m}.bias`), how: 'cat' },
    );
    dense(o, `${p}attention.output.dense`);
    ln(ln1, `${p}attention.output.LayerNorm`);
    dense(w1, `${p}intermediate.dense`);
    dense(w2, `${p}output.dense`);
    ln(ln2, `${p}output.LayerNorm`);
  }
  if (rest.length) refuse(`${rest.length} op(s) with parameters after the last block`);
  return out;
}

/** (rows, cols) row-major -> (cols, rows). */
function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c]!;
  return t;
}

/**
 * Our flat parameter array from HF tensors (canonical names, HF layouts), by hfPlaces. Parameters
 * without a place (the MLM head's bias) are zero.
 * @example const flat = paramsFromHf(cfg, readHfEncoder(dir).tensors);
 */
export function paramsFromHf(cfg: EncoderConfig, tensors: ReadonlyMap<string, NamedTensor>): Float32Array {
  const specs = new Map(paramSpecs(cfg).map((s) => [s.name, s]));
  const flat = new Float32Array(paramCount([...specs.values()]));
  const get = (name: string) => {
    const t = tensors.get(name);
    if (!t) throw new GeckoError(`import: tensor '${name}' is missing`);
    return t;
  };
  for (const pl of hfPlaces(cfg)) {
    const s = specs.get(pl.ours)!;
    const dst = flat.subarray(s.offset, s.offset + s.size);
    const src = pl.hf.map(get);
    const [rows, cols] = s.shape as [number, number];
    if (pl.how === 'copy') {
      if (src[0]!.data.length !== s.size)
        throw new GeckoError(`import: '${pl.hf[0]}' has ${src[0]!.data.length} values, expected ${s.size}`);
      dst.set(src[0]!.data);
    } else if (pl.how === 'rows') {
      const t = src[0]!;
      if (t.shape[1] !== cols || t.shape[0]! < rows)
        throw new GeckoError(`import: '${pl.hf[0]}' is [${t.shape}], need at least ${rows} rows of ${cols}`);
      dst.set(t.data.subarray(0, s.size));
    } else if (pl.how === 'linear') {
      // HF [out, in] = [cols, rows] -> ours [in, out] = [rows, cols]
      dst.set(transpose(src[0]!.data, cols, rows));
    } else if (pl.how === 'qkv') {
      const D = rows;
      src.forEach((t, k) => {
        for (let r = 0; r < D; r++) for (let c = 0; c < D; c++) dst[r * 3 * D + k * D + c] = t.data[c * D + r]!;
      });
    } else {
      let at = 0;
      for (const t of src) (dst.set(t.data, at), (at += t.data.length));
    }
  }
  return flat;
}

/**
 * The HF tensors (canonical names, HF layouts, F32) of a BERT / XLM-R definition's parameters, plus a
 * zero pooler, by hfPlaces: the inverse of paramsFromHf. The type table has one row (type 0).
 */
export function hfTensorsOf(cfg: EncoderConfig, flat: Float32Array): NamedTensor[] {
  const specs = new Map(paramSpecs(cfg).map((s) => [s.name, s]));
  const out: NamedTensor[] = [];
  for (const pl of hfPlaces(cfg)) {
    const s = specs.get(pl.ours)!;
    const a = flat.subarray(s.offset, s.offset + s.size);
    const [rows, cols] = s.shape as [number, number];
    if (pl.how === 'copy' || pl.how === 'rows') out.push({ name: pl.hf[0]!, shape: [...s.shape], data: a.slice() });
    else if (pl.how === 'linear') out.push({ name: pl.hf[0]!, shape: [cols, rows], data: transpose(a, rows, cols) });
    else if (pl.how === 'qkv') {
      const D = rows;
      pl.hf.forEach((name, k) => {
        const w = new Float32Array(D * D);
        for (let r = 0; r < D; r++) for (let c = 0; c < D; c++) w[c * D + r] = a[r * 3 * D + k * D + c]!;
        out.push({ name, shape: [D, D], data: w });
      });
    } else {
      const n = s.size / pl.hf.length;
      pl.hf.forEach((name, k) => out.push({ name, shape: [n], data: a.slice(k * n, (k + 1) * n) }));
    }
  }
  const D = cfg.dModel;
  out.push(
    { name: 'pooler.dense.weight', shape: [D, D], data: new Float32Array(D * D) },
    { name: 'pooler.dense.bias', shape: [D], data: new Float32Array(D) },
  );
  return out;
}

/** config.json of the BertModel / XLMRobertaModel a BERT-family definition is. */
export function hfFamilyConfig(
  cfg: EncoderConfig,
  padId: number,
  extra: Record<string, unknown> = {},
): { architecture: string; config: Record<string, unknown> } {
  const fam = hfFamilyOf(cfg);
  if ('why' in fam) throw new GeckoError(`this encoder is not a BERT / XLM-RoBERTa definition (${fam.why})`);
  const xlmr = fam.family === 'xlm-roberta';
  if (xlmr && cfg.positionOffset !== padId + 1)
    throw new GeckoError(
      `export: the position offset ${cfg.positionOffset} is not the pad id ${padId} + 1, as XLMRobertaModel computes positions`,
    );
  const architecture = xlmr ? 'XLMRobertaModel' : 'BertModel';
  return {
    architecture,
    config: {
      architectures: [architecture],
      model_type: fam.family,
      vocab_size: cfg.vocabSize,
      hidden_size: cfg.dModel,
      num_hidden_layers: cfg.layers,
      num_attention_heads: cfg.heads,
      intermediate_size: cfg.ffn,
      hidden_act: cfg.activation ?? 'gelu',
      hidden_dropout_prob: cfg.dropout,
      attention_probs_dropout_prob: 0,
      max_position_embeddings: cfg.maxLen + (cfg.positionOffset ?? 0),
      type_vocab_size: 1,
      initializer_range: 0.02,
      layer_norm_eps: cfg.lnEps,
      pad_token_id: padId,
      position_embedding_type: 'absolute',
      use_cache: false,
      torch_dtype: 'float32',
      ...extra,
    },
  };
}

/** An imported checkpoint, ready for saveCheckpoint. */
export interface HfImported {
  config: EncoderConfig;
  params: Float32Array;
  tokenizer: TextTokenizer;
  meta: Record<string, unknown>;
}

/**
 * The encoder config importHfEncoder gives for a folder, from its config files and tokenizer
 * alone: the weights are not read (the shape of a large BERT without importing it).
 * @example hfEncoderConfigOf('models/bge-small-en-v1.5').dModel // 384
 */
export function hfEncoderConfigOf(dir: string, opts: { pooling?: HfPooling } = {}): EncoderConfig {
  const d = readHfDescription(dir, opts);
  return encoderConfigOfHf(d, tokenizerFromJson(d.tokenizer.json).vocabSize);
}

/**
 * Read a Hugging Face / sentence-transformers BERT or XLM-R folder as our encoder: its config, flat
 * parameters, tokenizer (the folder's tokenizer.json, or one built from vocab.txt) and prompts.
 * @example const ck = importHfEncoder('models/bge-small-en-v1.5'); saveCheckpoint('ckpt/bge', ck);
 */
export function importHfEncoder(dir: string, opts: { pooling?: HfPooling } = {}): HfImported {
  const { description: d, tensors, ignored } = readHfEncoder(dir, opts);
  const tokenizer = tokenizerFromJson(d.tokenizer.json);
  const config = encoderConfigOfHf(d, tokenizer.vocabSize);
  const params = paramsFromHf(config, tensors);
  return {
    config,
    params,
    tokenizer,
    meta: {
      stage: 'import',
      source: resolve(dir),
      modelType: d.modelType,
      weightsDtype: d.weightsDtype,
      tokenizerFrom: d.tokenizer.source,
      pooling: d.pooling,
      normalize: d.normalize,
      ignoredTensors: ignored,
    },
  };
}
