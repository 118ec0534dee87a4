// The SentencePiece (unigram) tokenizer of Universal Sentence Encoder Lite: NFKC, spaces as
// U+2581, then the highest-scoring segmentation of the text into vocabulary pieces (Viterbi
// over a trie of the pieces). A port of tfjs-models/universal-sentence-encoder's tokenizer
// (Apache-2.0), kept step for step so that ids match what the model was exported with.
import { specialAddedToken } from './added-tokens';

/** [piece, log-probability score]; the index is the token id. */
export type SentencePieceVocab = ReadonlyArray<readonly [string, number]>;

/** The first ids are unk, control and user-defined symbols: never matched in text. */
const RESERVED = 6;
const SPACE = '\u2581';

/** Code points, so that a surrogate pair is one symbol. */
const chars = (s: string): string[] => Array.from(s);

interface Node {
  end: boolean;
  children: Map<string, Node>;
  /** The symbols from the root, the score and id of the piece ending here. */
  word: [string[], number, number];
}

const node = (prefix: string[]): Node => ({ end: false, children: new Map(), word: [prefix, 0, 0] });

/**
 * @example new SentencePieceTokenizer(vocab).encode('Hello world') // e.g. [ids of '▁Hello', '▁world']
 */
export class SentencePieceTokenizer {
  private readonly root = node([]);

  constructor(private readonly vocab: SentencePieceVocab) {
    for (let i = RESERVED; i < vocab.length; i++) {
      const [piece, score] = vocab[i]!;
      let n = this.root;
      const symbols = chars(piece);
      symbols.forEach((c, k) => {
        let child = n.children.get(c);
        if (!child) {
          child = node([...n.word[0], c]);
          n.children.set(c, child);
        }
        n = child;
        if (k === symbols.length - 1) {
          n.end = true;
          n.word[1] = score;
          n.word[2] = i;
        }
      });
    }
  }

  /** Pieces of the vocabulary that start `symbols` (an unknown one-symbol piece, id 0, when none). */
  private prefixes(symbols: readonly string[], from: number): [string[], number, number][] {
    const out: [string[], number, number][] = [];
    let n = this.root.children.get(symbols[from]!);
    for (let i = from; i < symbols.length && n; i++) {
      if (n.end) out.push(n.word);
      n = i + 1 < symbols.length ? n.children.get(symbols[i + 1]!) : undefined;
    }
    if (out.length === 0) out.push([[symbols[from]!], 0, 0]);
    return out;
  }

  /** Token ids of `text` (consecutive unknowns merged into one id 0). */
  encode(text: string): number[] {
    const normalized = text.normalize('NFKC');
    const input = normalized.length > 0 ? SPACE + normalized.replace(/ /g, SPACE) : normalized;
    const symbols = chars(input);
    const n = symbols.length;
    // lattice: ends[end] = pieces [start, score, id, length] ending at `end`
    const ends: [number, number, number, number][][] = Array.from({ length: n + 1 }, () => []);
    for (let i = 0; i < n; i++) {
      for (const [key, score, id] of this.prefixes(symbols, i)) ends[i + key.length]!.push([i, score, id, key.length]);
    }
    const best = new Array<number>(n + 1).fill(0);
    const words = new Array<number>(n + 1).fill(0);
    for (let end = 0; end <= n; end++) {
      // the original visits start positions in ascending order (numeric object keys)
      const pieces = ends[end]!.slice().sort((a, b) => a[0] - b[0]);
      for (const [, score, id, len] of pieces) {
        const s = score + best[end - len]!;
        if (best[end] === 0 || s >= best[end]!) {
          best[end] = s;
          words[end] = id;
        }
      }
    }
    const ids: number[] = [];
    for (let at = n; at > 0; at -= this.vocab[words[at]!]![0].length) ids.push(words[at]!);
    const merged: number[] = [];
    let prevUnk = false;
    for (const id of ids) {
      if (!(prevUnk && id === 0)) merged.push(id);
      prevUnk = id === 0;
    }
    return merged.reverse();
  }
}

/**
 * The SentencePiece tokenizer as a checkpoint's tokenizer (gecko import use-lite): saved as a
 * standard Hugging Face tokenizer.json (Unigram model, NFKC normaliser, Metaspace pre-tokenizer,
 * no post-processor), loaded back by tokenizerFromJson (tokenizer.ts) into this class, so that
 * the ids are always those of the port above (the ones USE-lite's graph was exported with).
 * An empty text gives [0] (the unknown piece), as the `--model use-lite` embedder does.
 * It is a TextTokenizer (tokenizer.ts) by shape: declaring it would make the two files import each other.
 */
export class SentencePieceTextTokenizer {
  readonly kind = 'sentencepiece' as const;
  readonly vocabSize: number;
  readonly padId = 0;
  readonly unkId = 0;
  readonly maskId = -1;
  readonly specialIds: readonly number[];
  private readonly sp: SentencePieceTokenizer;

  constructor(private readonly vocab: SentencePieceVocab) {
    this.vocabSize = vocab.length;
    this.specialIds = Array.from({ length: Math.min(RESERVED, vocab.length) }, (_, i) => i);
    this.sp = new SentencePieceTokenizer(vocab);
  }

  encodeExact(text: string, maxLen = Infinity): number[] {
    const ids = this.sp.encode(text);
    return ids.length > maxLen ? ids.slice(0, maxLen) : ids;
  }

  encode(text: string, maxLen = Infinity): number[] {
    const ids = this.encodeExact(text, maxLen);
    return ids.length ? ids : [this.unkId];
  }

  decode(ids: readonly number[]): string {
    return ids
      .filter((i) => i >= RESERVED)
      .map((i) => this.vocab[i]![0])
      .join('')
      .replace(/\u2581/g, ' ')
      .trim();
  }

  toJSON(): Record<string, unknown> {
    const metaspace = { type: 'Metaspace', replacement: SPACE, prepend_scheme: 'always', split: false };
    return {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: this.vocab.slice(0, RESERVED).map(([content], id) => specialAddedToken(content, id)),
      normalizer: { type: 'NFKC' },
      pre_tokenizer: metaspace,
      post_processor: null,
      decoder: metaspace,
      model: { type: 'Unigram', unk_id: 0, vocab: this.vocab.map(([p, s]) => [p, s]), byte_fallback: false },
    };
  }
}

/** Is this tokenizer.json one that SentencePieceTextTokenizer wrote (Unigram + NFKC + Metaspace, no post-processor)? */
export function isSentencePieceJson(json: Record<string, unknown>): boolean {
  const model = json.model as { type?: string; vocab?: unknown; unk_id?: number } | undefined;
  return (
    model?.type === 'Unigram' &&
    Array.isArray(model.vocab) &&
    model.unk_id === 0 &&
    (json.normalizer as { type?: string } | null)?.type === 'NFKC' &&
    (json.pre_tokenizer as { type?: string } | null)?.type === 'Metaspace' &&
    json.post_processor == null
  );
}
