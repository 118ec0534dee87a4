// Tokenizers: our own WordPiece (trained by trainWordPiece in wordpiece-train.ts) and any
// standard HF `tokenizer.json` through @huggingface/tokenizers. Both are saved and loaded
// as a standard tokenizer.json, so a checkpoint's tokenizer also opens in Python.
//
// Our WordPiece mirrors HF's BertNormalizer + BertPreTokenizer + WordPiece model exactly
// (a test checks our ids against @huggingface/tokenizers on the exported file); it is a
// separate implementation only because it is faster (a per-word cache) and has no
// post-processor: no [CLS]/[SEP] are added, since the encoder mean-pools.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { GeckoError } from '../core/errors';
import { writeFileAtomic } from '../core/fs';
import { stableStringify } from '../core/hash';
import { projectRoot } from '../core/paths';
import { readJsonFile } from '../core/json';

/** Special tokens of our WordPiece vocabularies, at ids 0..4 in this order. */
export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

/** What the encoder and trainers need from a tokenizer. */
export interface TextTokenizer {
  /** 'wordpiece' (ours) or 'hf' (any tokenizer.json via @huggingface/tokenizers). */
  readonly kind: 'wordpiece' | 'hf';
  readonly vocabSize: number;
  readonly padId: number;
  readonly unkId: number;
  /** Id of the mask token, or -1 when the vocabulary has none (MLM then refuses to run). */
  readonly maskId: number;
  /** Ids that MLM never masks or predicts. */
  readonly specialIds: readonly number[];
  /** Token ids of one text, truncated to at most maxLen ids. Never empty: an empty text gives [unkId]. */
  encode(text: string, maxLen?: number): number[];
  decode(ids: readonly number[]): string;
  /** The standard tokenizer.json object. */
  toJSON(): Record<string, unknown>;
}

// ---- BERT normalisation and pre-tokenisation (same rules as HF BertNormalizer / BertPreTokenizer)

const PUNCT = '\\p{P}\\u0021-\\u002F\\u003A-\\u0040\\u005B-\\u0060\\u007B-\\u007E';
const PRE_TOKEN_RE = new RegExp(`[^\\s${PUNCT}]+|[${PUNCT}]`, 'gu');
const CONTROL_RE = /^(\p{Cc}|\p{Cf}|\p{Co}|\p{Cs})$/u;
const SPACE_RE = /^\s$/;

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
 * BertNormalizer: drop control characters, map whitespace to ' ', space out CJK characters,
 * and (when lowercase) lowercase and strip accents.
 * @example normalizeBert('Café\tau lait', true) === 'cafe au lait'
 */
export function normalizeBert(text: string, lowercase: boolean): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.charCodeAt(0);
    if (cp === 0 || cp === 0xfffd || (ch !== '\t' && ch !== '\n' && ch !== '\r' && CONTROL_RE.test(ch))) continue;
    out += SPACE_RE.test(ch) ? ' ' : ch;
  }
  let spaced = '';
  for (let i = 0; i < out.length; i++) {
    const c = out[i]!;
    spaced += isChineseChar(c.charCodeAt(0)) ? ` ${c} ` : c;
  }
  if (lowercase)
    spaced = spaced
      .toLowerCase()
      .normalize('NFD')
      .replace(/\p{Mn}/gu, '');
  return spaced;
}

/** BertPreTokenizer: split on whitespace, each punctuation character its own word. @example preTokenize("don't stop") -> ['don', "'", 't', 'stop'] */
export function preTokenize(normalized: string): string[] {
  return normalized.trim().match(PRE_TOKEN_RE) ?? [];
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

  /** Greedy longest-match-first split of one pre-tokenised word (HF WordPiece model). */
  private encodeWord(word: string): number[] {
    const cached = this.wordCache.get(word);
    if (cached) return cached;
    const chars = [...word];
    let out: number[];
    if (chars.length > this.maxChars) {
      out = [this.unkId];
    } else {
      out = [];
      let start = 0;
      while (start < chars.length) {
        let end = chars.length;
        let found = -1;
        while (start < end) {
          const sub = (start > 0 ? '##' : '') + chars.slice(start, end).join('');
          const id = this.ids.get(sub);
          if (id !== undefined) {
            found = id;
            break;
          }
          end--;
        }
        if (found < 0) {
          out = [this.unkId];
          break;
        }
        out.push(found);
        start = end;
      }
    }
    if (this.wordCache.size < 200_000) this.wordCache.set(word, out);
    return out;
  }

  encode(text: string, maxLen = Infinity): number[] {
    const out: number[] = [];
    for (const word of preTokenize(normalizeBert(text, this.options.lowercase))) {
      for (const id of this.encodeWord(word)) {
        if (out.length >= maxLen) return out;
        out.push(id);
      }
    }
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
      added_tokens: SPECIAL_TOKENS.map((content, id) => ({
        id,
        content,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      })),
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

/**
 * A standard HF tokenizer (BPE, WordPiece, Unigram...) with its own normaliser and
 * post-processor (so [CLS]/[SEP] or <s>/</s> are added if the file says so).
 */
export class HfTokenizer implements TextTokenizer {
  readonly kind = 'hf' as const;
  readonly vocabSize: number;
  readonly padId: number;
  readonly unkId: number;
  readonly maskId: number;
  readonly specialIds: readonly number[];
  private readonly tok: InstanceType<HfTokenizerClass>;

  constructor(
    private readonly json: Record<string, unknown>,
    config: Record<string, unknown> = {},
  ) {
    const Tokenizer = hfTokenizerClass();
    this.tok = new Tokenizer(json, config);
    const model = (json.model ?? {}) as { vocab?: unknown };
    const added = (json.added_tokens ?? []) as { id: number; content: string; special?: boolean }[];
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
  }

  encode(text: string, maxLen = Infinity): number[] {
    const ids = this.tok.encode(text, { add_special_tokens: true }).ids;
    const out = ids.length > maxLen ? ids.slice(0, maxLen) : ids;
    return out.length ? out : [this.unkId];
  }

  decode(ids: readonly number[]): string {
    return this.tok.decode([...ids], { skip_special_tokens: true });
  }

  toJSON(): Record<string, unknown> {
    return this.json;
  }
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
