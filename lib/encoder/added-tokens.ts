// tokenizer.json's added_tokens entries, in one place for the three writers of a tokenizer.json
// (WordPiece's toJSON in tokenizer.ts, SentencePiece's in sentencepiece.ts, and hf-import.ts for a
// folder with vocab.txt only). A file of its own: tokenizer.ts imports sentencepiece.ts, so neither
// can hold it for the other without an import cycle.

/** An entry of tokenizer.json's added_tokens. */
export interface AddedToken {
  id: number;
  content: string;
  single_word?: boolean;
  lstrip?: boolean;
  rstrip?: boolean;
  normalized?: boolean;
  special?: boolean;
}

/**
 * A special token as tokenizer.json lists it in added_tokens, as Hugging Face writes [CLS] or <s>:
 * matched whole in the raw text (not normalised), never stripped, special. Its (content, id)
 * arguments let a list of tokens ordered by id be mapped directly.
 * @example ['[PAD]', '[UNK]'].map(specialAddedToken)[1] // { id: 1, content: '[UNK]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }
 */
export function specialAddedToken(content: string, id: number): AddedToken {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}
