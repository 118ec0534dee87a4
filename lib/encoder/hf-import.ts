// Read a Hugging Face / sentence-transformers checkpoint folder (BERT family or XLM-RoBERTa) into an
// architecture-neutral description and its raw tensors (issue 19). Nothing here runs the model: the
// mapping of these tensors into the model definition comes with it.
//
// What is read, and from where:
//   config.json                       model_type (bert | xlm-roberta, anything else refused), sizes,
//                                     activation, eps, pad_token_id (XLM-R's position offset)
//   model.safetensors                 F32 / F16 / BF16 (or a sharded model.safetensors.index.json);
//                                     `bert.` / `roberta.` prefixes stripped, old LayerNorm `gamma` /
//                                     `beta` renamed `weight` / `bias`; every tensor the architecture
//                                     needs must be there with its shape
//   modules.json + 1_Pooling/config.json   CLS or mean pooling (both the sentence-transformers <= 5
//                                     `pooling_mode_*_token(s)` booleans and v6's `pooling_mode` string),
//                                     include_prompt, a Normalize module; Dense modules are refused
//   config_sentence_transformers.json prompts and default_prompt_name
//   sentence_bert_config.json / tokenizer_config.json   max_seq_length
//   tokenizer.json, or vocab.txt      (a BERT tokenizer.json is built from vocab.txt and
//                                     tokenizer_config.json's do_lower_case / strip_accents, as
//                                     BertTokenizerFast does)
// Every error names the file and the field, and says what is supported.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GeckoError } from '../core/errors';
import { readSafetensors, type NamedTensor, type SafetensorsDtype } from '../core/safetensors';
import { parseJson } from '../core/json';
import { specialAddedToken } from './added-tokens';

/** The model types we import. */
export const SUPPORTED_MODEL_TYPES = ['bert', 'xlm-roberta'] as const;
export type HfModelType = (typeof SUPPORTED_MODEL_TYPES)[number];

/** HF hidden_act values we know, by the function they name. */
export const SUPPORTED_ACTIVATIONS = {
  gelu: 'gelu (erf)',
  gelu_new: 'gelu (tanh approximation)',
  gelu_pytorch_tanh: 'gelu (tanh approximation)',
  relu: 'relu',
} as const;
export type HfActivation = keyof typeof SUPPORTED_ACTIVATIONS;

export type HfPooling = 'cls' | 'mean';

/** What the model definition needs to know about an imported encoder (no tensors). */
export interface HfEncoderDescription {
  /** The folder it was read from. */
  dir: string;
  modelType: HfModelType;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
  activation: HfActivation;
  vocabSize: number;
  /** Rows of the position embedding table. */
  maxPositions: number;
  /** Rows of the token-type table (1 for XLM-R: fold that row into the embeddings). */
  typeVocabSize: number;
  /** Position id of the first token: 0 for BERT, padding_idx + 1 for XLM-R (pad positions get padding_idx). */
  positionOffset: number;
  padTokenId: number;
  layerNormEps: number;
  pooling: HfPooling;
  /** Whether the prompt's tokens count in mean pooling (sentence-transformers' include_prompt; default true). */
  includePrompt: boolean;
  /** Whether the sentence-transformers pipeline ends in a Normalize module. */
  normalize: boolean;
  /** The longest input, in tokens with the specials: sentence-transformers' max_seq_length, capped by the table. */
  maxSeqLength: number;
  /** sentence-transformers' prompts by name ({} when none), prepended as text at inference. */
  prompts: Record<string, string>;
  defaultPromptName: string | null;
  /** The tokenizer.json object (read, or built from vocab.txt) and where it came from. */
  tokenizer: { json: Record<string, unknown>; source: 'tokenizer.json' | 'vocab.txt' };
  /** The stored dtype of the weights (the widest seen when mixed). */
  weightsDtype: SafetensorsDtype;
}

/** One imported checkpoint: its description and the tensors under their canonical (BertModel) names. */
export interface HfEncoderImport {
  description: HfEncoderDescription;
  /** Canonical name (`embeddings.word_embeddings.weight`, `encoder.layer.0.attention.self.query.weight`...) -> tensor. */
  tensors: Map<string, NamedTensor>;
  /** Tensors in the file the encoder does not use (pooler, MLM head, position_ids buffer), by stored name. */
  ignored: string[];
}

const IGNORED_PREFIXES = ['pooler.', 'cls.', 'lm_head.'];
const IGNORED_NAMES = ['embeddings.position_ids'];

/** A tensor name without `bert.` / `roberta.`, with LayerNorm `gamma` / `beta` as `weight` / `bias`. @example canonicalTensorName('bert.embeddings.LayerNorm.gamma') === 'embeddings.LayerNorm.weight' */
export function canonicalTensorName(name: string): string {
  let n = name.replace(/^(bert|roberta)\./, '');
  n = n.replace(/\.gamma$/, '.weight').replace(/\.beta$/, '.bias');
  return n;
}

/** Every tensor a BERT / XLM-R encoder of this description needs, with its shape (HF's [out, in] for Linear weights). */
export function expectedTensors(
  d: Pick<
    HfEncoderDescription,
    'hiddenSize' | 'numLayers' | 'intermediateSize' | 'vocabSize' | 'maxPositions' | 'typeVocabSize'
  >,
): { name: string; shape: number[] }[] {
  const H = d.hiddenSize;
  const I = d.intermediateSize;
  const out: { name: string; shape: number[] }[] = [
    { name: 'embeddings.word_embeddings.weight', shape: [d.vocabSize, H] },
    { name: 'embeddings.position_embeddings.weight', shape: [d.maxPositions, H] },
    { name: 'embeddings.token_type_embeddings.weight', shape: [d.typeVocabSize, H] },
    { name: 'embeddings.LayerNorm.weight', shape: [H] },
    { name: 'embeddings.LayerNorm.bias', shape: [H] },
  ];
  for (let l = 0; l < d.numLayers; l++) {
    const p = `encoder.layer.${l}.`;
    for (const m of ['query', 'key', 'value'])
      out.push(
        { name: `${p}attention.self.${m}.weight`, shape: [H, H] },
        { name: `${p}attention.self.${m}.bias`, shape: [H] },
      );
    out.push(
      { name: `${p}attention.output.dense.weight`, shape: [H, H] },
      { name: `${p}attention.output.dense.bias`, shape: [H] },
      { name: `${p}attention.output.LayerNorm.weight`, shape: [H] },
      { name: `${p}attention.output.LayerNorm.bias`, shape: [H] },
      { name: `${p}intermediate.dense.weight`, shape: [I, H] },
      { name: `${p}intermediate.dense.bias`, shape: [I] },
      { name: `${p}output.dense.weight`, shape: [H, I] },
      { name: `${p}output.dense.bias`, shape: [H] },
      { name: `${p}output.LayerNorm.weight`, shape: [H] },
      { name: `${p}output.LayerNorm.bias`, shape: [H] },
    );
  }
  return out;
}

// ---- small JSON readers that name the file and the field

function readJson(path: string, what: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new GeckoError(`cannot read ${path} (${what}): ${(e as Error).message.split('\n')[0]}`);
  }
  let v: unknown;
  try {
    v = parseJson(text, path);
  } catch (e) {
    throw new GeckoError(`${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new GeckoError(`${path}: expected a JSON object`);
  return v as Record<string, unknown>;
}

function readJsonIfExists(path: string, what: string): Record<string, unknown> | null {
  return existsSync(path) ? readJson(path, what) : null;
}

function int(
  obj: Record<string, unknown>,
  key: string,
  file: string,
  opts: { min?: number; fallback?: number } = {},
): number {
  const v = obj[key] ?? opts.fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < (opts.min ?? 1))
    throw new GeckoError(
      `${file}: field "${key}" must be an integer >= ${opts.min ?? 1}, got ${JSON.stringify(obj[key])}`,
      'use the config.json the checkpoint was saved with',
    );
  return v;
}

// ---- config.json

/** The architecture part of the description, from config.json. */
export function parseHfConfig(
  config: Record<string, unknown>,
  file = 'config.json',
): Pick<
  HfEncoderDescription,
  | 'modelType'
  | 'hiddenSize'
  | 'numLayers'
  | 'numHeads'
  | 'intermediateSize'
  | 'activation'
  | 'vocabSize'
  | 'maxPositions'
  | 'typeVocabSize'
  | 'positionOffset'
  | 'padTokenId'
  | 'layerNormEps'
> {
  const type = config.model_type;
  if (!SUPPORTED_MODEL_TYPES.includes(type as HfModelType))
    throw new GeckoError(
      `${file}: model_type ${JSON.stringify(type)} is not supported; supported: ${SUPPORTED_MODEL_TYPES.join(', ')}`,
      'import a BERT-family (bert-base, MiniLM, bge, e5, gte) or XLM-RoBERTa checkpoint',
    );
  const pet = config.position_embedding_type ?? 'absolute';
  if (pet !== 'absolute')
    throw new GeckoError(
      `${file}: position_embedding_type ${JSON.stringify(pet)} is not supported; supported: absolute`,
    );
  if (config.is_decoder === true || config.add_cross_attention === true)
    throw new GeckoError(`${file}: a decoder (is_decoder / add_cross_attention) is not an encoder checkpoint`);
  const act = config.hidden_act ?? 'gelu';
  if (typeof act !== 'string' || !(act in SUPPORTED_ACTIVATIONS))
    throw new GeckoError(
      `${file}: hidden_act ${JSON.stringify(act)} is not supported; supported: ${Object.keys(SUPPORTED_ACTIVATIONS).join(', ')}`,
    );
  const hiddenSize = int(config, 'hidden_size', file);
  const numHeads = int(config, 'num_attention_heads', file);
  if (hiddenSize % numHeads !== 0)
    throw new GeckoError(`${file}: hidden_size ${hiddenSize} is not a multiple of num_attention_heads ${numHeads}`);
  const modelType = type as HfModelType;
  const padTokenId = int(config, 'pad_token_id', file, { min: 0, fallback: modelType === 'xlm-roberta' ? 1 : 0 });
  const eps = config.layer_norm_eps ?? 1e-12;
  if (typeof eps !== 'number' || !(eps > 0) || eps > 0.1)
    throw new GeckoError(`${file}: field "layer_norm_eps" must be a small positive number, got ${JSON.stringify(eps)}`);
  return {
    modelType,
    hiddenSize,
    numLayers: int(config, 'num_hidden_layers', file),
    numHeads,
    intermediateSize: int(config, 'intermediate_size', file),
    activation: act as HfActivation,
    vocabSize: int(config, 'vocab_size', file),
    maxPositions: int(config, 'max_position_embeddings', file),
    typeVocabSize: int(config, 'type_vocab_size', file, { fallback: 2 }),
    // XLM-R (RobertaEmbeddings): position ids are padding_idx + 1 + index for real tokens.
    positionOffset: modelType === 'xlm-roberta' ? padTokenId + 1 : 0,
    padTokenId,
    layerNormEps: eps,
  };
}

// ---- sentence-transformers files

const ST_POOLING_FLAGS: Record<string, string> = {
  pooling_mode_cls_token: 'cls',
  pooling_mode_mean_tokens: 'mean',
  pooling_mode_max_tokens: 'max',
  pooling_mode_mean_sqrt_len_tokens: 'mean_sqrt_len_tokens',
  pooling_mode_weightedmean_tokens: 'weightedmean',
  pooling_mode_lasttoken: 'lasttoken',
};

/** CLS or mean from a 1_Pooling/config.json (old boolean flags or v6's `pooling_mode`). */
export function parsePoolingConfig(
  pc: Record<string, unknown>,
  file: string,
  hiddenSize: number,
): { pooling: HfPooling; includePrompt: boolean } {
  let modes: string[];
  if (typeof pc.pooling_mode === 'string') modes = [pc.pooling_mode];
  else modes = Object.entries(ST_POOLING_FLAGS).flatMap(([k, m]) => (pc[k] === true ? [m] : []));
  if (modes.length !== 1)
    throw new GeckoError(
      `${file}: expected exactly one pooling mode, got ${modes.length ? modes.join(' + ') : 'none'}`,
      'supported: cls or mean ("pooling_mode": "cls" | "mean", or one pooling_mode_*_token(s) flag true)',
    );
  const mode = modes[0]!.replace(/_tokens?$/, '');
  if (mode !== 'cls' && mode !== 'mean')
    throw new GeckoError(`${file}: pooling mode "${modes[0]}" is not supported; supported: cls, mean`);
  const dim = pc.word_embedding_dimension ?? pc.embedding_dimension;
  if (dim !== undefined && dim !== hiddenSize)
    throw new GeckoError(
      `${file}: embedding dimension ${JSON.stringify(dim)} is not config.json's hidden_size ${hiddenSize}`,
    );
  const ip = pc.include_prompt ?? true;
  if (typeof ip !== 'boolean') throw new GeckoError(`${file}: field "include_prompt" must be true or false`);
  return { pooling: mode, includePrompt: ip };
}

/** Prompts and default prompt name from config_sentence_transformers.json ({} and null when absent). */
export function parseStConfig(
  st: Record<string, unknown> | null,
  file: string,
): { prompts: Record<string, string>; defaultPromptName: string | null } {
  if (!st) return { prompts: {}, defaultPromptName: null };
  const prompts = st.prompts ?? {};
  if (!prompts || typeof prompts !== 'object' || Array.isArray(prompts))
    throw new GeckoError(`${file}: field "prompts" must be an object of name -> prompt text`);
  for (const [k, v] of Object.entries(prompts))
    if (typeof v !== 'string') throw new GeckoError(`${file}: prompts.${k} must be a string, got ${JSON.stringify(v)}`);
  const dp = st.default_prompt_name ?? null;
  if (dp !== null && (typeof dp !== 'string' || !(dp in prompts)))
    throw new GeckoError(
      `${file}: default_prompt_name ${JSON.stringify(dp)} is not one of the prompts (${Object.keys(prompts).join(', ')})`,
    );
  return { prompts: prompts as Record<string, string>, defaultPromptName: dp as string | null };
}

interface StModules {
  poolingDir: string | null;
  normalize: boolean;
}

/** The module list of modules.json: the Transformer first, then Pooling, optionally Normalize; anything else refused. */
function readModules(dir: string): StModules {
  const file = join(dir, 'modules.json');
  if (!existsSync(file))
    return { poolingDir: existsSync(join(dir, '1_Pooling', 'config.json')) ? '1_Pooling' : null, normalize: false };
  let mods: unknown;
  try {
    mods = parseJson(readFileSync(file, 'utf8'), file);
  } catch (e) {
    throw new GeckoError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(mods)) throw new GeckoError(`${file}: expected a JSON list of modules`);
  const out: StModules = { poolingDir: null, normalize: false };
  mods.forEach((m: { type?: unknown; path?: unknown }, i) => {
    const type = String(m?.type ?? '');
    const kind = type.split('.').pop()!;
    if (kind === 'Transformer') {
      if (i !== 0 || (m.path ?? '') !== '')
        throw new GeckoError(
          `${file}: module ${i} is a Transformer at path ${JSON.stringify(m.path)}; expected one, first, at ""`,
        );
    } else if (kind === 'Pooling') out.poolingDir = String(m.path ?? '');
    else if (kind === 'Normalize') out.normalize = true;
    else
      throw new GeckoError(
        `${file}: module ${i} (${type || 'no type'}) is not supported; supported: Transformer, Pooling, Normalize`,
      );
  });
  return out;
}

// ---- tokenizer

/**
 * A BERT tokenizer.json built from vocab.txt, as BertTokenizerFast builds it: BertNormalizer
 * (do_lower_case, strip_accents, tokenize_chinese_chars from tokenizer_config.json), BertPreTokenizer,
 * WordPiece, [CLS] $A [SEP].
 * @example bertTokenizerJsonFromVocab(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'a'], { do_lower_case: true }, 'vocab.txt')
 */
export function bertTokenizerJsonFromVocab(
  vocab: readonly string[],
  tc: Record<string, unknown>,
  file: string,
): Record<string, unknown> {
  const ids: Record<string, number> = {};
  vocab.forEach((t, i) => {
    if (!(t in ids)) ids[t] = i;
  });
  const tokenOf = (key: string, dflt: string) => {
    const v = tc[key];
    const t =
      typeof v === 'string' ? v : v && typeof v === 'object' ? String((v as { content?: unknown }).content) : dflt;
    if (!(t in ids)) throw new GeckoError(`${file}: the ${key} ${JSON.stringify(t)} is not in the vocabulary`);
    return t;
  };
  const specials = [
    tokenOf('pad_token', '[PAD]'),
    tokenOf('unk_token', '[UNK]'),
    tokenOf('cls_token', '[CLS]'),
    tokenOf('sep_token', '[SEP]'),
    tokenOf('mask_token', '[MASK]'),
  ];
  const [, unk, cls, sep] = specials as [string, string, string, string, string];
  const lower = tc.do_lower_case ?? true;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [...new Set(specials)]
      .map((content) => specialAddedToken(content, ids[content]!))
      .sort((a, b) => a.id - b.id),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: tc.tokenize_chinese_chars ?? true,
      strip_accents: tc.strip_accents ?? null,
      lowercase: lower,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: cls, type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: sep, type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: cls, type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: sep, type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: sep, type_id: 1 } },
      ],
      special_tokens: {
        [cls]: { id: cls, ids: [ids[cls]], tokens: [cls] },
        [sep]: { id: sep, ids: [ids[sep]], tokens: [sep] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: unk,
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: ids,
    },
  };
}

function readTokenizer(dir: string, modelType: HfModelType): HfEncoderDescription['tokenizer'] {
  const tj = join(dir, 'tokenizer.json');
  if (existsSync(tj)) {
    const json = readJson(tj, 'the tokenizer');
    if (!json.model || typeof json.model !== 'object')
      throw new GeckoError(`${tj}: no "model" field; not a tokenizer.json`);
    return { json, source: 'tokenizer.json' };
  }
  const vt = join(dir, 'vocab.txt');
  if (modelType === 'bert' && existsSync(vt)) {
    const vocab = readFileSync(vt, 'utf8').split('\n');
    if (vocab.at(-1) === '') vocab.pop();
    const tc = readJsonIfExists(join(dir, 'tokenizer_config.json'), 'the tokenizer settings') ?? {};
    return {
      json: bertTokenizerJsonFromVocab(
        vocab.map((l) => l.replace(/\r$/, '')),
        tc,
        vt,
      ),
      source: 'vocab.txt',
    };
  }
  throw new GeckoError(
    `${dir}: no tokenizer.json${modelType === 'bert' ? ' and no vocab.txt' : ''}`,
    modelType === 'bert'
      ? 'save the tokenizer with the checkpoint (tokenizer.save_pretrained(dir))'
      : 'XLM-R needs tokenizer.json (save it with the fast tokenizer: AutoTokenizer.from_pretrained(...).save_pretrained(dir)); sentencepiece.bpe.model alone is not read',
  );
}

// ---- weights

function readWeights(dir: string): { tensors: Map<string, NamedTensor>; files: string[] } {
  const single = join(dir, 'model.safetensors');
  if (existsSync(single)) return { tensors: readSafetensors(single).tensors, files: [single] };
  const index = join(dir, 'model.safetensors.index.json');
  if (existsSync(index)) {
    const map = readJson(index, 'the weight shard index').weight_map as Record<string, string> | undefined;
    if (!map || typeof map !== 'object') throw new GeckoError(`${index}: no "weight_map" object`);
    const tensors = new Map<string, NamedTensor>();
    const files = [...new Set(Object.values(map))].map((f) => join(dir, f));
    for (const f of files) for (const [k, t] of readSafetensors(f).tensors) tensors.set(k, t);
    for (const k of Object.keys(map))
      if (!tensors.has(k)) throw new GeckoError(`${index}: tensor '${k}' is not in ${map[k]}`);
    return { tensors, files };
  }
  const bin = existsSync(join(dir, 'pytorch_model.bin'));
  throw new GeckoError(
    `${dir}: no model.safetensors${bin ? ' (only pytorch_model.bin, which is not read)' : ''}`,
    bin
      ? "convert it: python -c \"from transformers import AutoModel; AutoModel.from_pretrained('DIR').save_pretrained('DIR', safe_serialization=True)\""
      : 'pass a Hugging Face / sentence-transformers model folder',
  );
}

const DTYPE_RANK: Record<string, number> = { BF16: 0, F16: 1, F32: 2, F64: 3 };

/**
 * The canonical tensors of a checkpoint, checked against its description: every needed tensor present
 * once with its shape; pooler, MLM heads and the position_ids buffer set aside; anything else refused.
 */
export function canonicalTensors(
  stored: Map<string, NamedTensor>,
  d: Parameters<typeof expectedTensors>[0],
  file: string,
): { tensors: Map<string, NamedTensor>; ignored: string[]; dtype: SafetensorsDtype } {
  const tensors = new Map<string, NamedTensor>();
  const ignored: string[] = [];
  const from = new Map<string, string>();
  let dtype: SafetensorsDtype = 'BF16';
  for (const [name, t] of stored) {
    const c = canonicalTensorName(name);
    if (IGNORED_NAMES.includes(c) || IGNORED_PREFIXES.some((p) => c.startsWith(p))) {
      ignored.push(name);
      continue;
    }
    if (from.has(c)) throw new GeckoError(`${file}: tensors '${from.get(c)}' and '${name}' are both '${c}'`);
    from.set(c, name);
    tensors.set(c, { ...t, name: c });
    if (t.dtype && (DTYPE_RANK[t.dtype] ?? -1) > (DTYPE_RANK[dtype] ?? -1)) dtype = t.dtype;
  }
  const expected = expectedTensors(d);
  const want = new Set(expected.map((e) => e.name));
  const missing = expected.filter((e) => !tensors.has(e.name)).map((e) => e.name);
  if (missing.length)
    throw new GeckoError(
      `${file}: ${missing.length} tensor(s) missing, e.g. '${missing[0]}'${missing.length > 1 ? `, '${missing[1]}'` : ''}`,
      'the weights do not match config.json (num_hidden_layers, model_type): use the files saved together',
    );
  for (const e of expected) {
    const t = tensors.get(e.name)!;
    if (t.shape.join(',') !== e.shape.join(','))
      throw new GeckoError(
        `${file}: tensor '${from.get(e.name)}' has shape [${t.shape.join(', ')}], config.json implies [${e.shape.join(', ')}]`,
        'the weights do not match config.json: use the files saved together',
      );
  }
  const extra = [...tensors.keys()].filter((k) => !want.has(k));
  if (extra.length)
    throw new GeckoError(
      `${file}: unexpected tensor '${from.get(extra[0]!)}'${extra.length > 1 ? ` (and ${extra.length - 1} more)` : ''} for a ${d.numLayers}-layer encoder`,
      'the weights do not match config.json, or carry parts this import does not know',
    );
  return { tensors, ignored, dtype };
}

/**
 * Read a Hugging Face / sentence-transformers encoder folder. `opts.pooling` supplies the pooling
 * of a plain HF folder (no modules.json / 1_Pooling) or overrides the folder's.
 * @example const { description, tensors } = readHfEncoder('models/bge-small-en-v1.5'); description.pooling === 'cls'
 */
export function readHfEncoder(dir: string, opts: { pooling?: HfPooling } = {}): HfEncoderImport {
  const description = readHfDescription(dir, opts);
  const { tensors: stored, files } = readWeights(dir);
  const { tensors, ignored, dtype } = canonicalTensors(
    stored,
    description,
    files.length === 1 ? files[0]! : join(dir, 'model.safetensors.index.json'),
  );
  return { description: { ...description, weightsDtype: dtype }, tensors, ignored };
}

/**
 * A folder's description from its config files and tokenizer, without reading the weights (what
 * the shape of a backbone needs: cheap for a large BERT). Same checks and messages as readHfEncoder.
 * @example readHfDescription('models/bge-small-en-v1.5').hiddenSize // 384
 */
export function readHfDescription(
  dir: string,
  opts: { pooling?: HfPooling } = {},
): Omit<HfEncoderDescription, 'weightsDtype'> {
  if (!existsSync(dir))
    throw new GeckoError(`${dir}: no such folder`, 'pass a Hugging Face / sentence-transformers model folder');
  const cfgFile = join(dir, 'config.json');
  if (!existsSync(cfgFile))
    throw new GeckoError(
      `${dir}: no config.json, so this is not a Hugging Face model folder`,
      'pass the folder of a BERT-family or XLM-RoBERTa model (config.json, model.safetensors, tokenizer.json or vocab.txt)',
    );
  const arch = parseHfConfig(readJson(cfgFile, 'the model config'), cfgFile);

  const modules = readModules(dir);
  let pooling: HfPooling;
  let includePrompt = true;
  if (modules.poolingDir !== null) {
    const pf = join(dir, modules.poolingDir, 'config.json');
    ({ pooling, includePrompt } = parsePoolingConfig(readJson(pf, 'the pooling config'), pf, arch.hiddenSize));
  } else if (opts.pooling) pooling = opts.pooling;
  else
    throw new GeckoError(
      `${dir}: no 1_Pooling/config.json (not a sentence-transformers folder), so the pooling is unknown`,
      'name it (pooling: cls or mean), or pass the sentence-transformers folder of the model',
    );
  if (opts.pooling) pooling = opts.pooling;

  const stFile = join(dir, 'config_sentence_transformers.json');
  const { prompts, defaultPromptName } = parseStConfig(readJsonIfExists(stFile, 'the prompts'), stFile);

  const usable = arch.maxPositions - arch.positionOffset;
  let maxSeqLength = usable;
  const sbFile = join(dir, 'sentence_bert_config.json');
  const sb = readJsonIfExists(sbFile, 'sentence-transformers settings');
  const tcFile = join(dir, 'tokenizer_config.json');
  const tc = readJsonIfExists(tcFile, 'the tokenizer settings');
  if (sb && sb.max_seq_length !== undefined && sb.max_seq_length !== null)
    maxSeqLength = Math.min(usable, int(sb, 'max_seq_length', sbFile));
  else if (tc && typeof tc.model_max_length === 'number' && tc.model_max_length < 1e6)
    maxSeqLength = Math.min(usable, int(tc, 'model_max_length', tcFile));

  const tokenizer = readTokenizer(dir, arch.modelType);
  return {
    dir,
    ...arch,
    pooling,
    includePrompt,
    normalize: modules.normalize,
    maxSeqLength,
    prompts,
    defaultPromptName,
    tokenizer,
  };
}
