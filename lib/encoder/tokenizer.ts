// Tokenizers: our own WordPiece (trained by trainWordPiece in wordpiece-train.ts) and any
// standard HF `tokenizer.json` through @huggingface/tokenizers. Both are saved and loaded
// as a standard tokenizer.json, so a checkpoint's tokenizer also opens in Python.
//
// Our WordPiece mirrors HF's BertNormalizer + BertPreTokenizer + WordPiece model exactly
// (a test checks our ids against @huggingface/tokenizers on the exported file); it is a
// separate implementation only because it is faster (a per-word cache) and has no
// post-processor: no [CLS]/[SEP] are added, since the encoder mean-pools.
//
// Agreement with python `tokenizers` (the reference; test/encoder/tokenizer-edge.test.ts checks
// test/fixtures/hf/tokenizer-edge.json, written by test/fixtures/hf/make_tiny.py):
// - lower-casing is per code point, as Rust's char::to_lowercase (final Σ becomes σ, not ς);
// - CJK characters above U+FFFF are spaced out like the others (code points, not UTF-16 units);
// - added tokens ([MASK], [CLS], <mask>...) written literally in a text are matched on the raw
//   text before normalisation and give their own id, with their lstrip / rstrip / single_word;
// - truncation cuts the content and then adds the post-processor's tokens, so [SEP] / </s> stay.
// @huggingface/tokenizers (JS) gets the first two and the last wrong, so a BERT-style
// tokenizer.json (BertNormalizer + BertPreTokenizer + WordPiece) runs through our code here,
// and any other (XLM-R's Unigram...) through that library for the content ids only.
// The one intended difference: `encode` never returns an empty list (an empty or blank text
// without post-processor gives [unkId], since the encoder needs one token); `encodeExact` gives
// exactly what HF gives, [] included.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { GeckoError } from '../core/errors';
import { writeFileAtomic } from '../core/fs';
import { stableStringify } from '../core/hash';
import { projectRoot } from '../core/paths';
import { readJsonFile } from '../core/json';
import { specialAddedToken, type AddedToken } from './added-tokens';
import { isSentencePieceJson, SentencePieceTextTokenizer } from './sentencepiece';

/** Special tokens of our WordPiece vocabularies, at ids 0..4 in this order. */
export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

/** What the encoder and trainers need from a tokenizer. */
export interface TextTokenizer {
  /** 'wordpiece' (ours), 'hf' (any tokenizer.json via @huggingface/tokenizers) or 'sentencepiece' (USE-lite's, sentencepiece.ts). */
  readonly kind: 'wordpiece' | 'hf' | 'sentencepiece';
  readonly vocabSize: number;
  readonly padId: number;
  readonly unkId: number;
  /** Id of the mask token, or -1 when the vocabulary has none (MLM then refuses to run). */
  readonly maskId: number;
  /** Ids that MLM never masks or predicts. */
  readonly specialIds: readonly number[];
  /** Token ids of one text, truncated to at most maxLen ids. Never empty: an empty text gives [unkId]. */
  encode(text: string, maxLen?: number): number[];
  /** Exactly the ids python `tokenizers` gives (add_special_tokens, truncation to maxLen), [] included. */
  encodeExact(text: string, maxLen?: number): number[];
  decode(ids: readonly number[]): string;
  /** The standard tokenizer.json object. */
  toJSON(): Record<string, unknown>;
}

// ---- BERT normalisation and pre-tokenisation (same rules as HF BertNormalizer / BertPreTokenizer)

const PUNCT = '\\p{P}\\u0021-\\u002F\\u003A-\\u0040\\u005B-\\u0060\\u007B-\\u007E';
const PRE_TOKEN_RE = new RegExp(`[^\\p{White_Space}${PUNCT}]+|[${PUNCT}]`, 'gu');
/** Rust's char::is_other (Cc, Cf, Cs, Co, Cn): what BertNormalizer's clean_text drops (\t \n \r excepted). */
const CONTROL_RE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}]$/u;
/** Rust's char::is_whitespace is the Unicode White_Space property (JS \s differs: it has U+FEFF). */
const SPACE_RE = /^\p{White_Space}$/u;

function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/**
 * BertNormalizer: drop control characters and map whitespace to ' ' (cleanText), space out CJK
 * characters (handleChineseChars), strip accents (NFD, then drop non-spacing marks) when
 * stripAccents (default: as lowercase), and lowercase code point by code point, in HF's order.
 * @example normalizeBert('Café\tau lait', true) === 'cafe au lait'
 */
export function normalizeBert(
  text: string,
  lowercase: boolean,
  stripAccents: boolean | null = null,
  opts: { cleanText?: boolean; handleChineseChars?: boolean } = {},
): string {
  const clean = opts.cleanText ?? true;
  const cjk = opts.handleChineseChars ?? true;
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (clean) {
      if (cp === 0 || cp === 0xfffd || (ch !== '\t' && ch !== '\n' && ch !== '\r' && CONTROL_RE.test(ch))) continue;
      if (SPACE_RE.test(ch)) {
        out += ' ';
        continue;
      }
    }
    out += cjk && isChineseChar(cp) ? ` ${ch} ` : ch;
  }
  if (stripAccents ?? lowercase) out = out.normalize('NFD').replace(/\p{Mn}/gu, '');
  if (lowercase) {
    let lower = '';
    for (const ch of out) lower += ch.toLowerCase(); // one code point at a time: no final-sigma context
    out = lower;
  }
  return out;
}

/** BertPreTokenizer: split on whitespace, each punctuation character its own word. @example preTokenize("don't stop") -> ['don', "'", 't', 'stop'] */
export function preTokenize(normalized: string): string[] {
  return normalized.match(PRE_TOKEN_RE) ?? [];
}

// ---- added tokens matched in the raw text (HF AddedVocabulary, for tokens with normalized: false)

const isWordChar = (ch: string | undefined) => ch !== undefined && /[\p{L}\p{N}_]/u.test(ch);

/**
 * Split a text into plain pieces and added tokens: the leftmost, then longest, occurrence first
 * (HF's MatchKind::LeftmostLongest); lstrip / rstrip swallow the whitespace beside the token;
 * single_word requires no word character on either side. Only for tokens with normalized: false
 * (matched in the raw text); a file with a normalized added token goes through
 * @huggingface/tokenizers instead (see isBertWordPiece).
 * @example splitAddedTokens('a [MASK] b', [{ id: 4, content: '[MASK]' }]) -> ['a ', 4, ' b']
 */
export function splitAddedTokens(text: string, tokens: readonly AddedToken[]): (string | number)[] {
  if (!tokens.length || !text) return text ? [text] : [];
  const out: (string | number)[] = [];
  let pos = 0;
  let plainStart = 0;
  while (pos < text.length) {
    let best: AddedToken | undefined;
    let bestAt = -1;
    for (const t of tokens) {
      let at = text.indexOf(t.content, pos);
      while (at >= 0 && t.single_word && (isWordChar(text[at - 1]) || isWordChar(text[at + t.content.length])))
        at = text.indexOf(t.content, at + 1);
      if (at < 0) continue;
      if (bestAt < 0 || at < bestAt || (at === bestAt && t.content.length > best!.content.length)) {
        best = t;
        bestAt = at;
      }
    }
    if (!best) break;
    let start = bestAt;
    let end = bestAt + best.content.length;
    if (best.lstrip) while (start > plainStart && /\s/u.test(text[start - 1]!)) start--;
    if (best.rstrip) while (end < text.length && /\s/u.test(text[end]!)) end++;
    if (start > plainStart) out.push(text.slice(plainStart, start));
    out.push(best.id);
    pos = end;
    plainStart = end;
  }
  if (plainStart < text.length) out.push(text.slice(plainStart));
  return out;
}

/** Greedy longest-match-first split of one pre-tokenised word (HF WordPiece model); [unk] when it fails. */
function wordPieceIds(word: string, ids: ReadonlyMap<string, number>, unkId: number, maxChars: number): number[] {
  const chars = [...word];
  if (chars.length > maxChars) return [unkId];
  const out: number[] = [];
  let start = 0;
  while (start < chars.length) {
    let end = chars.length;
    let found = -1;
    while (start < end) {
      const id = ids.get((start > 0 ? '##' : '') + chars.slice(start, end).join(''));
      if (id !== undefined) {
        found = id;
        break;
      }
      end--;
    }
    if (found < 0) return [unkId];
    out.push(found);
    start = end;
  }
  return out;
}

// ---- our WordPiece

export interface WordPieceOptions {
  lowercase: boolean;
  /** Words longer than this (in characters) become [UNK]. */
  maxInputCharsPerWord?: number;
}

/**
 * A WordPiece tokenizer over a vocabulary whose first five entries are SPECIAL_TOKENS.
 * @example const tok = new WordPieceTokenizer(['[PAD]','[UNK]','[CLS]','[SEP]','[MASK]','un','##able'], { lowercase: true }); tok.encode('Unable') // [5, 6]
 */
export class WordPieceTokenizer implements TextTokenizer {
  readonly kind = 'wordpiece' as const;
  readonly padId = 0;
  readonly unkId = 1;
  readonly maskId = 4;
  readonly specialIds = [0, 1, 2, 3, 4];
  readonly vocabSize: number;
  private readonly ids = new Map<string, number>();
  private readonly wordCache = new Map<string, number[]>();
  private readonly maxChars: number;
  /** Our special tokens, matched when written literally in a text (as HF does with the exported file). */
  private readonly added: AddedToken[] = SPECIAL_TOKENS.map((content, id) => ({ id, content }));

  constructor(
    readonly vocab: readonly string[],
    readonly options: WordPieceOptions,
  ) {
    SPECIAL_TOKENS.forEach((t, i) => {
      if (vocab[i] !== t)
        throw new GeckoError(
          `WordPiece vocabulary: entry ${i} must be ${t}, got ${JSON.stringify(vocab[i])}`,
          'train the vocabulary with trainWordPiece, or load a foreign tokenizer.json with loadTokenizer',
        );
    });
    vocab.forEach((t, i) => {
      if (this.ids.has(t))
        throw new GeckoError(
          `WordPiece vocabulary: token ${JSON.stringify(t)} appears twice (ids ${this.ids.get(t)} and ${i})`,
        );
      this.ids.set(t, i);
    });
    this.vocabSize = vocab.length;
    this.maxChars = options.maxInputCharsPerWord ?? 100;
  }

  private encodeWord(word: string): number[] {
    const cached = this.wordCache.get(word);
    if (cached) return cached;
    const out = wordPieceIds(word, this.ids, this.unkId, this.maxChars);
    if (this.wordCache.size < 200_000) this.wordCache.set(word, out);
    return out;
  }

  /** Ids as HF gives them for the exported tokenizer.json (no post-processor): [] for a blank text. */
  encodeExact(text: string, maxLen = Infinity): number[] {
    const out: number[] = [];
    for (const piece of splitAddedTokens(text, this.added)) {
      if (typeof piece === 'number') {
        if (out.length >= maxLen) return out;
        out.push(piece);
        continue;
      }
      for (const word of preTokenize(normalizeBert(piece, this.options.lowercase))) {
        for (const id of this.encodeWord(word)) {
          if (out.length >= maxLen) return out;
          out.push(id);
        }
      }
    }
    return out;
  }

  encode(text: string, maxLen = Infinity): number[] {
    const out = this.encodeExact(text, maxLen);
    return out.length ? out : [this.unkId];
  }

  decode(ids: readonly number[]): string {
    let s = '';
    ids.forEach((id, i) => {
      const t = this.vocab[id] ?? '[UNK]';
      s += t.startsWith('##') ? t.slice(2) : (i > 0 ? ' ' : '') + t;
    });
    return s;
  }

  toJSON(): Record<string, unknown> {
    const vocab: Record<string, number> = {};
    this.vocab.forEach((t, i) => {
      vocab[t] = i;
    });
    return {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: SPECIAL_TOKENS.map(specialAddedToken),
      normalizer: {
        type: 'BertNormalizer',
        clean_text: true,
        handle_chinese_chars: true,
        strip_accents: null,
        lowercase: this.options.lowercase,
      },
      pre_tokenizer: { type: 'BertPreTokenizer' },
      post_processor: null,
      decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
      model: {
        type: 'WordPiece',
        unk_token: '[UNK]',
        continuing_subword_prefix: '##',
        max_input_chars_per_word: this.maxChars,
        vocab,
      },
    };
  }
}

// ---- any tokenizer.json through @huggingface/tokenizers

type HfTokenizerClass = new (
  json: object,
  config: object,
) => {
  encode(text: string, opts?: { add_special_tokens?: boolean }): { ids: number[] };
  decode(ids: number[], opts?: { skip_special_tokens?: boolean }): string;
  token_to_id(t: string): number | undefined;
  get_vocab?(): Map<string, number> | Record<string, number>;
};

function hfTokenizerClass(): HfTokenizerClass {
  // CommonJS build through require: works under tsx, vitest and the tslab kernel alike.
  const req = createRequire(join(projectRoot(), 'package.json'));
  return (req('@huggingface/tokenizers') as { Tokenizer: HfTokenizerClass }).Tokenizer;
}

/** The tokens a single-sequence post-processor puts before and after the content ids. */
export interface SpecialTemplate {
  prefix: number[];
  suffix: number[];
}

/**
 * The single-sequence template of a tokenizer.json post_processor: TemplateProcessing, BertProcessing,
 * RobertaProcessing, or a Sequence holding one of them; null when there is no post-processor, or
 * one that adds no token (ByteLevel); undefined for a kind we do not know.
 * @example postProcessorTemplate({ type: 'BertProcessing', cls: ['[CLS]', 101], sep: ['[SEP]', 102] }) -> { prefix: [101], suffix: [102] }
 */
export function postProcessorTemplate(pp: unknown): SpecialTemplate | null | undefined {
  if (pp === null || pp === undefined) return null;
  const p = pp as Record<string, unknown>;
  if (p.type === 'BertProcessing' || p.type === 'RobertaProcessing') {
    const cls = p.cls as [string, number];
    const sep = p.sep as [string, number];
    return { prefix: [cls[1]], suffix: [sep[1]] };
  }
  if (p.type === 'TemplateProcessing') {
    const specials = (p.special_tokens ?? {}) as Record<string, { ids: number[] }>;
    const out: SpecialTemplate = { prefix: [], suffix: [] };
    let seenSeq = false;
    for (const item of p.single as Record<string, { id: string }>[]) {
      if (item.Sequence) {
        seenSeq = true;
        continue;
      }
      const ids = specials[item.SpecialToken!.id]?.ids;
      if (!ids) return undefined;
      (seenSeq ? out.suffix : out.prefix).push(...ids);
    }
    return out;
  }
  if (p.type === 'ByteLevel') return null;
  if (p.type === 'Sequence') {
    let found: SpecialTemplate | null = null;
    for (const sub of (p.processors ?? []) as unknown[]) {
      const t = postProcessorTemplate(sub);
      if (t === undefined) return undefined;
      if (t) found = t;
    }
    return found;
  }
  return undefined;
}

/** BertNormalizer + BertPreTokenizer + WordPiece model: the pipeline we run ourselves (see the header). */
function isBertWordPiece(json: Record<string, unknown>): boolean {
  const model = json.model as Record<string, unknown> | undefined;
  const norm = json.normalizer as Record<string, unknown> | null | undefined;
  const pre = json.pre_tokenizer as Record<string, unknown> | null | undefined;
  return (
    model?.type === 'WordPiece' &&
    (model.continuing_subword_prefix ?? '##') === '##' &&
    norm?.type === 'BertNormalizer' &&
    pre?.type === 'BertPreTokenizer' &&
    !((json.added_tokens ?? []) as AddedToken[]).some((a) => a.normalized)
  );
}

/**
 * A standard HF tokenizer (BPE, WordPiece, Unigram...) with its own normaliser and
 * post-processor (so [CLS]/[SEP] or <s>/</s> are added if the file says so). The content ids
 * come from our BERT pipeline for a BERT WordPiece file, else from @huggingface/tokenizers;
 * the post-processor's tokens are added by us, after truncation.
 */
export class HfTokenizer implements TextTokenizer {
  readonly kind = 'hf' as const;
  readonly vocabSize: number;
  readonly padId: number;
  readonly unkId: number;
  readonly maskId: number;
  readonly specialIds: readonly number[];
  /** The post-processor's tokens; undefined for a post-processor kind we cannot read (then cut after it). */
  readonly template: SpecialTemplate | null | undefined;
  private readonly tok: InstanceType<HfTokenizerClass>;
  private readonly content: (text: string) => number[];

  constructor(
    private readonly json: Record<string, unknown>,
    config: Record<string, unknown> = {},
  ) {
    const Tokenizer = hfTokenizerClass();
    this.tok = new Tokenizer(json, config);
    const model = (json.model ?? {}) as { vocab?: unknown };
    const added = (json.added_tokens ?? []) as AddedToken[];
    let maxId = -1;
    if (Array.isArray(model.vocab))
      maxId = model.vocab.length - 1; // Unigram: [[piece, score], ...]
    else if (model.vocab && typeof model.vocab === 'object')
      for (const id of Object.values(model.vocab as Record<string, number>)) maxId = Math.max(maxId, id);
    for (const a of added) maxId = Math.max(maxId, a.id);
    this.vocabSize = maxId + 1;
    const idOf = (...names: string[]) => {
      for (const n of names) {
        const id = this.tok.token_to_id(n);
        if (id !== undefined) return id;
      }
      return -1;
    };
    this.padId = Math.max(0, idOf('[PAD]', '<pad>', '<|padding|>'));
    this.unkId = Math.max(0, idOf('[UNK]', '<unk>'));
    this.maskId = idOf('[MASK]', '<mask>');
    this.specialIds = added.filter((a) => a.special).map((a) => a.id);
    this.template = postProcessorTemplate(json.post_processor);
    this.content = isBertWordPiece(json)
      ? bertWordPiece(json, added)
      : (text) => this.tok.encode(text, { add_special_tokens: false }).ids;
  }

  encodeExact(text: string, maxLen = Infinity): number[] {
    const t = this.template;
    if (t === undefined) {
      const ids = this.tok.encode(text, { add_special_tokens: true }).ids;
      return ids.length > maxLen ? ids.slice(0, maxLen) : ids;
    }
    const ids = this.content(text);
    if (!t) return ids.length > maxLen ? ids.slice(0, maxLen) : ids;
    const budget = Math.max(0, maxLen - t.prefix.length - t.suffix.length);
    return [...t.prefix, ...(ids.length > budget ? ids.slice(0, budget) : ids), ...t.suffix];
  }

  encode(text: string, maxLen = Infinity): number[] {
    const out = this.encodeExact(text, maxLen);
    return out.length ? out : [this.unkId];
  }

  decode(ids: readonly number[]): string {
    return this.tok.decode([...ids], { skip_special_tokens: true });
  }

  toJSON(): Record<string, unknown> {
    return this.json;
  }
}

/** The content ids (no post-processor) of a BERT WordPiece tokenizer.json, by our code. */
function bertWordPiece(json: Record<string, unknown>, added: readonly AddedToken[]): (text: string) => number[] {
  const model = json.model as { vocab: Record<string, number>; unk_token?: string; max_input_chars_per_word?: number };
  const norm = json.normalizer as {
    lowercase?: boolean;
    strip_accents?: boolean | null;
    clean_text?: boolean;
    handle_chinese_chars?: boolean;
  };
  const normOpts = { cleanText: norm.clean_text ?? true, handleChineseChars: norm.handle_chinese_chars ?? true };
  const ids = new Map(Object.entries(model.vocab));
  const unkId = ids.get(model.unk_token ?? '[UNK]') ?? 0;
  const maxChars = model.max_input_chars_per_word ?? 100;
  const lowercase = norm.lowercase ?? true;
  const strip = norm.strip_accents ?? null;
  const cache = new Map<string, number[]>();
  return (text) => {
    const out: number[] = [];
    for (const piece of splitAddedTokens(text, added)) {
      if (typeof piece === 'number') {
        out.push(piece);
        continue;
      }
      for (const word of preTokenize(normalizeBert(piece, lowercase, strip, normOpts))) {
        let w = cache.get(word);
        if (!w) {
          w = wordPieceIds(word, ids, unkId, maxChars);
          if (cache.size < 200_000) cache.set(word, w);
        }
        out.push(...w);
      }
    }
    return out;
  };
}

/** Is this tokenizer.json exactly the shape our WordPieceTokenizer implements? */
function isOurWordPiece(json: Record<string, unknown>): boolean {
  const model = json.model as Record<string, unknown> | undefined;
  const norm = json.normalizer as Record<string, unknown> | null | undefined;
  const pre = json.pre_tokenizer as Record<string, unknown> | null | undefined;
  if (!model || model.type !== 'WordPiece' || model.continuing_subword_prefix !== '##' || model.unk_token !== '[UNK]')
    return false;
  if (
    !norm ||
    norm.type !== 'BertNormalizer' ||
    norm.clean_text !== true ||
    norm.handle_chinese_chars !== true ||
    norm.strip_accents !== null
  )
    return false;
  if (!pre || pre.type !== 'BertPreTokenizer' || json.post_processor !== null) return false;
  const vocab = model.vocab as Record<string, number>;
  return SPECIAL_TOKENS.every((t, i) => vocab[t] === i);
}

/**
 * Build a tokenizer from a tokenizer.json object: our fast WordPiece when the file is one
 * of ours, else the general @huggingface/tokenizers implementation.
 */
export function tokenizerFromJson(json: Record<string, unknown>, config: Record<string, unknown> = {}): TextTokenizer {
  if (isOurWordPiece(json)) {
    const model = json.model as { vocab: Record<string, number>; max_input_chars_per_word?: number };
    const vocab: string[] = [];
    for (const [t, id] of Object.entries(model.vocab)) vocab[id] = t;
    const norm = json.normalizer as { lowercase: boolean };
    return new WordPieceTokenizer(vocab, {
      lowercase: !!norm.lowercase,
      maxInputCharsPerWord: model.max_input_chars_per_word,
    });
  }
  if (isSentencePieceJson(json))
    return new SentencePieceTextTokenizer((json.model as { vocab: [string, number][] }).vocab);
  return new HfTokenizer(json, config);
}

/**
 * Load a tokenizer.json file (ours or any HF one). A tokenizer_config.json beside it is used when present.
 * @example const tok = loadTokenizer('runs/x/ckpt/tokenizer.json');
 */
export function loadTokenizer(path: string): TextTokenizer {
  // vocabulary keys are data: 'constructor' may be a token
  const json = readJsonFile<Record<string, unknown>>(path, {
    dataKeys: true,
    hint: 'pass a standard HF tokenizer.json file',
  });
  if (!json || typeof json !== 'object' || !json.model)
    throw new GeckoError(
      `${path} is not a tokenizer.json (no "model" field)`,
      'pass a standard HF tokenizer.json file',
    );
  const configPath = path.replace(/tokenizer\.json$/, 'tokenizer_config.json');
  const config: Record<string, unknown> =
    configPath !== path && existsSync(configPath) ? readJsonFile(configPath, { dataKeys: true }) : {};
  return tokenizerFromJson(json, config);
}

/** Save as a standard tokenizer.json (stable key order, so equal vocabularies give equal bytes). */
export function saveTokenizer(path: string, tok: TextTokenizer): void {
  writeFileAtomic(path, stableStringify(tok.toJSON()) + '\n');
}
