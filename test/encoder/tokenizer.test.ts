import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  HfTokenizer,
  loadTokenizer,
  normalizeBert,
  preTokenize,
  saveTokenizer,
  WordPieceTokenizer,
} from '../../lib/encoder/tokenizer';
import { trainWordPiece } from '../../lib/encoder/wordpiece-train';
import { bertTokenizerJsonFromVocab } from '../../lib/encoder/hf-import';
import { SentencePieceTextTokenizer } from '../../lib/encoder/sentencepiece';
import { tmpDir } from '../helpers';

const CORPUS = [
  'The quick brown fox jumps over the lazy dog.',
  'Quick brown foxes are quicker than lazy dogs!',
  "Café owners don't like the lazier dogs; the foxes jump quickly.",
  'Über 100 dogs (and 3 foxes) jumped over 2 fences in 2024.',
];

describe('trainWordPiece', () => {
  it('merges the most frequent pair first (hand-computed)', () => {
    // words: ab x3, ac x1 -> alphabet '##b', '##c', 'a'; the pair (a, ##b) has count 3 -> 'ab'
    const tok = trainWordPiece(['ab ab ab ac'], { vocabSize: 9, lowercase: true });
    expect(tok.vocab).toEqual(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', '##b', '##c', 'a', 'ab']);
    expect(tok.encode('ab ac')).toEqual([8, 7, 6]);
    expect(tok.encode('zz')).toEqual([1]); // unknown character -> [UNK]
    expect(tok.encode('')).toEqual([1]);
  });

  it('is deterministic and respects vocabSize and maxLen', () => {
    const a = trainWordPiece(CORPUS, { vocabSize: 80, lowercase: true });
    const b = trainWordPiece([...CORPUS], { vocabSize: 80, lowercase: true });
    expect(a.vocab).toEqual(b.vocab);
    expect(a.vocabSize).toBeLessThanOrEqual(80);
    expect(a.encode('the quick brown fox', 3)).toHaveLength(3);
    expect(a.decode(a.encode('the lazy dogs'))).toBe('the lazy dogs');
  });

  it('lowercases and strips accents only when configured', () => {
    expect(normalizeBert('Café\tAU\u0000 lait', true)).toBe('cafe au lait');
    expect(normalizeBert('Café', false)).toBe('Café');
    expect(preTokenize("don't stop-now")).toEqual(['don', "'", 't', 'stop', '-', 'now']);
    const cased = trainWordPiece(CORPUS, { vocabSize: 120, lowercase: false });
    expect(cased.vocab).toContain('Q');
  });
});

describe('tokenizer.json', () => {
  it('our WordPiece gives the same ids as @huggingface/tokenizers on the exported file', () => {
    const tok = trainWordPiece(CORPUS, { vocabSize: 90, lowercase: true });
    const hf = new HfTokenizer(tok.toJSON());
    const texts = [
      ...CORPUS,
      'ÜBER-lazy   foxes…  「東京」 ok?',
      'unseen ŵords ✓ and emoji 🦊 here',
      'task: search result | query: quick fox',
    ];
    for (const t of texts) expect(tok.encode(t)).toEqual(hf.encode(t));
    expect(hf.vocabSize).toBe(tok.vocabSize);
    expect(hf.maskId).toBe(4);
  });

  it('saves and loads (ours comes back as the fast WordPiece)', () => {
    const dir = tmpDir();
    const tok = trainWordPiece(CORPUS, { vocabSize: 70, lowercase: true });
    saveTokenizer(join(dir, 'tokenizer.json'), tok);
    const back = loadTokenizer(join(dir, 'tokenizer.json'));
    expect(back).toBeInstanceOf(WordPieceTokenizer);
    expect(back.encode(CORPUS[2]!)).toEqual(tok.encode(CORPUS[2]!));
  });

  it('gives clear errors for a bad file or vocabulary', () => {
    const dir = tmpDir();
    writeFileSync(join(dir, 'bad.json'), '{"nope": 1}');
    expect(() => loadTokenizer(join(dir, 'bad.json'))).toThrow(/not a tokenizer.json/);
    expect(() => loadTokenizer(join(dir, 'missing.json'))).toThrow(/missing\.json: file not found/);
    expect(() => new WordPieceTokenizer(['a'], { lowercase: true })).toThrow(/entry 0 must be \[PAD\]/);
  });
});

describe("tokenizer.json's added_tokens (encoder/added-tokens.ts, one helper for the three writers)", () => {
  const special = (id: number, content: string) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  const added = (json: Record<string, unknown>) => json.added_tokens;

  it("lists the special tokens by id as Hugging Face writes them: WordPiece, vocab.txt's import, SentencePiece", () => {
    const bert = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map((t, i) => special(i, t));
    expect(added(trainWordPiece(CORPUS, { vocabSize: 80, lowercase: true }).toJSON())).toEqual(bert);
    const vocab = ['[UNK]', '[PAD]', 'a', '[CLS]', '[SEP]', '[MASK]', 'b'];
    expect(added(bertTokenizerJsonFromVocab(vocab, {}, 'vocab.txt'))).toEqual([
      special(0, '[UNK]'),
      special(1, '[PAD]'),
      special(3, '[CLS]'),
      special(4, '[SEP]'),
      special(5, '[MASK]'),
    ]);
    const pieces = ['<unk>', '<s>', '</s>', '<c1>', '<c2>', '<c3>', '\u2581a', 'b'].map((p) => [p, -1] as const);
    expect(added(new SentencePieceTextTokenizer(pieces).toJSON())).toEqual(
      pieces.slice(0, 6).map(([p], i) => special(i, p)),
    );
  });
});
