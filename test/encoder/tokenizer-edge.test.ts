// Our tokenizers against python `tokenizers` on the edge cases of issue 19 (Greek final sigma, CJK above
// U+FFFF, literal special tokens, empty and blank text, truncation keeping [SEP] / </s>). The reference
// ids are test/fixtures/hf/tokenizer-edge.json and the reference.json of each tiny model, written by
// test/fixtures/hf/make_tiny.py (python tokenizers / transformers; versions recorded in the files).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  HfTokenizer,
  loadTokenizer,
  postProcessorTemplate,
  splitAddedTokens,
  tokenizerFromJson,
  WordPieceTokenizer,
  type TextTokenizer,
} from '../../lib/encoder/tokenizer';

const FIX = join(__dirname, '..', 'fixtures', 'hf');
interface EdgeFixture {
  tokenizers: Record<string, Record<string, unknown>>;
  cases: Record<string, { text: string } & Record<string, number[]>>;
  truncated: Record<string, { max_length: number; text: string; ids: number[] }>;
}
const fx = JSON.parse(readFileSync(join(FIX, 'tokenizer-edge.json'), 'utf8')) as EdgeFixture;

const toks: Record<string, TextTokenizer> = {
  'bert-uncased': loadTokenizer(join(FIX, 'bert-cls', 'tokenizer.json')),
  xlmr: loadTokenizer(join(FIX, 'xlmr-mean', 'tokenizer.json')),
};
for (const [k, json] of Object.entries(fx.tokenizers)) toks[k] = tokenizerFromJson(json);

/** Every tokenizer variant's ids for one edge case equal python's. */
function agrees(name: string): void {
  const row = fx.cases[name]!;
  const variants = Object.keys(toks);
  expect(variants.length).toBe(8);
  for (const v of variants)
    expect(toks[v]!.encodeExact(row.text), `${v} on ${JSON.stringify(row.text)}`).toEqual(row[v]);
}

describe('tokenizer edge cases agree with python tokenizers', () => {
  it('loads each variant with the implementation we mean to test', () => {
    expect(toks['ours-layout']).toBeInstanceOf(WordPieceTokenizer);
    expect(toks['bert-uncased']).toBeInstanceOf(HfTokenizer);
    expect(toks.xlmr).toBeInstanceOf(HfTokenizer);
  });
  it('Greek final sigma (lower-casing is per code point: Σ -> σ, never ς)', () => agrees('greek_final_sigma'));
  it('Greek, mixed case and accents', () => agrees('greek_mixed'));
  it('CJK in the BMP', () => agrees('cjk_bmp'));
  it('CJK above U+FFFF (surrogate pairs spaced out as one character)', () => agrees('cjk_above_ffff'));
  it('literal [MASK] in the text', () => agrees('literal_mask'));
  it('literal [CLS], [PAD], [SEP] in the text', () => agrees('literal_pad_cls'));
  it('a literal special token glued to words', () => agrees('literal_glued'));
  it('a lower-case [mask] is not the special token', () => agrees('literal_lowercase'));
  it("XLM-R's literal <s>, <mask>, </s>, <pad>", () => agrees('xlmr_literals'));
  it('<mask> with lstrip swallows the spaces before it (real XLM-R files have it)', () => agrees('xlmr_mask_lstrip'));
  it('NFKC in a Unigram pipeline (full-width letters, ligatures)', () => agrees('nfkc'));
  it('empty text', () => agrees('empty'));
  it('whitespace-only text', () => agrees('whitespace_only'));
  it('accents: stripped or kept as configured', () => agrees('accents'));
  it('control and zero-width characters', () => agrees('control_chars'));
  it('emoji (unknown to the vocabularies)', () => agrees('emoji'));
  it('a long text, untruncated', () => agrees('long'));

  it('truncation keeps [SEP] / </s> last', () => {
    for (const [k, t] of Object.entries(fx.truncated)) {
      const got = toks[k]!.encode(t.text, t.max_length);
      expect(got, k).toEqual(t.ids);
      expect(got).toHaveLength(t.max_length);
    }
    expect(toks['bert-uncased']!.encode(fx.truncated['bert-uncased']!.text, 8).at(-1)).toBe(4); // [SEP]
    expect(toks.xlmr!.encode(fx.truncated.xlmr!.text, 8).at(-1)).toBe(2); // </s>
  });

  it("equals the tiny models' tokenizers as sentence-transformers ran them (max_seq_length 24)", () => {
    for (const model of ['bert-cls', 'xlmr-mean']) {
      const ref = JSON.parse(readFileSync(join(FIX, model, 'reference.json'), 'utf8')) as {
        max_seq_length: number;
        texts: string[];
        ids: number[][];
      };
      const tok = loadTokenizer(join(FIX, model, 'tokenizer.json'));
      ref.texts.forEach((t, i) => expect(tok.encode(t, ref.max_seq_length), `${model}: ${t}`).toEqual(ref.ids[i]));
    }
  });

  it('encode is never empty (the one intended difference): a blank text without post-processor gives [unk]', () => {
    const ours = toks['ours-layout']!;
    expect(ours.encodeExact('  ')).toEqual([]);
    expect(ours.encode('  ')).toEqual([ours.unkId]);
    expect(toks['bert-uncased']!.encode('')).toEqual([3, 4]);
  });
});

describe('tokenizer helpers', () => {
  it('splitAddedTokens: leftmost-longest, lstrip / rstrip, single_word', () => {
    const t = [
      { id: 1, content: '<m>' },
      { id: 2, content: '<m>x' },
    ];
    expect(splitAddedTokens('a<m>xb <m> c', t)).toEqual(['a', 2, 'b ', 1, ' c']);
    expect(splitAddedTokens('a <m> b', [{ id: 7, content: '<m>', lstrip: true, rstrip: true }])).toEqual(['a', 7, 'b']);
    expect(splitAddedTokens('x<m> <m>', [{ id: 7, content: '<m>', single_word: true }])).toEqual(['x<m> ', 7]);
    expect(splitAddedTokens('', t)).toEqual([]);
  });

  it('postProcessorTemplate reads Template, Bert, Roberta and Sequence processors', () => {
    expect(postProcessorTemplate(null)).toBeNull();
    expect(postProcessorTemplate({ type: 'BertProcessing', cls: ['[CLS]', 101], sep: ['[SEP]', 102] })).toEqual({
      prefix: [101],
      suffix: [102],
    });
    expect(
      postProcessorTemplate({
        type: 'Sequence',
        processors: [{ type: 'ByteLevel' }, { type: 'RobertaProcessing', cls: ['<s>', 0], sep: ['</s>', 2] }],
      }),
    ).toEqual({ prefix: [0], suffix: [2] });
    expect(postProcessorTemplate({ type: 'Mystery' })).toBeUndefined();
  });
});
