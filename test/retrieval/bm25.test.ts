import { describe, expect, it } from 'vitest';
import { analyze, Bm25Index } from '../../lib/retrieval/bm25';
import { porterStem } from '../../lib/retrieval/porter';
import { exactTopK } from '../../lib/retrieval/search';

describe('porterStem', () => {
  it('matches the published Porter examples', () => {
    const cases: [string, string][] = [
      ['caresses', 'caress'],
      ['ponies', 'poni'],
      ['agreed', 'agre'],
      ['motoring', 'motor'],
      ['hopping', 'hop'],
      ['filing', 'file'],
      ['happy', 'happi'],
      ['relational', 'relat'],
      ['digitizer', 'digit'],
      ['decisiveness', 'decis'],
      ['triplicate', 'triplic'],
      ['adjustment', 'adjust'],
      ['adoption', 'adopt'],
      ['effective', 'effect'],
      ['probate', 'probat'],
      ['controll', 'control'],
      ['generalizations', 'gener'],
    ];
    for (const [w, s] of cases) expect(porterStem(w)).toBe(s);
  });
});

describe('analyze', () => {
  it('lowercases, drops stop words and possessives, stems', () => {
    expect(analyze("The Cat's whiskers are twitching, and it's 2024!")).toEqual(['cat', 'whisker', 'twitch', '2024']);
  });
});

describe('Bm25Index', () => {
  const docs = [
    { id: 'a', text: 'gecko lizard gecko' },
    { id: 'b', text: 'the lizard sleeps in the sun all day long' },
    { id: 'c', text: 'embedding models' },
  ];
  it('matches a hand-computed BM25 score (flat, k1=1.2, b=0.75)', () => {
    const index = new Bm25Index(docs, { fields: 'flat' });
    // N=3; 'gecko': df=1 -> idf = ln(1 + 2.5/1.5); doc a: tf=2, |a|=3 terms, avg = (3+5+2)/3
    // ('the', 'in' are stop words: b = [lizard, sleep, sun, all, day, long] = 6 terms) -> avg = (3+6+2)/3
    const avg = (3 + 6 + 2) / 3;
    const idf = Math.log(1 + 2.5 / 1.5);
    const expected = (idf * 2 * 2.2) / (2 + 1.2 * (1 - 0.75 + (0.75 * 3) / avg));
    expect(index.score('gecko', 'a')).toBeCloseTo(expected, 10);
    expect(index.search('gecko', 5)).toEqual([{ id: 'a', score: expect.closeTo(expected, 10) }]);
  });
  it('ranks by score with ties broken by id, and leaves out non-matching documents', () => {
    const index = new Bm25Index(
      [
        { id: 'z', text: 'x y' },
        { id: 'm', text: 'x y' },
        { id: 'q', text: 'nothing' },
      ],
      { fields: 'flat' },
    );
    expect(index.search('x', 10).map((h) => h.id)).toEqual(['m', 'z']);
  });
  it('multifield mode sums the fields by default and adds half the weaker one with tieBreaker 0.5', () => {
    const d = [
      { id: 'a', title: 'gecko', text: 'gecko facts' },
      { id: 'b', title: 'other', text: 'unrelated words' },
    ];
    const multi = new Bm25Index(d, { tieBreaker: 0.5 });
    const title = new Bm25Index(
      d.map((x) => ({ id: x.id, text: x.title })),
      { fields: 'flat' },
    );
    const text = new Bm25Index(
      d.map((x) => ({ id: x.id, text: x.text })),
      { fields: 'flat' },
    );
    const t = title.score('gecko', 'a');
    const x = text.score('gecko', 'a');
    expect(multi.score('gecko', 'a')).toBeCloseTo(Math.max(t, x) + 0.5 * Math.min(t, x), 10);
    expect(new Bm25Index(d).score('gecko', 'a')).toBeCloseTo(t + x, 10);
  });
});

describe('exactTopK', () => {
  it('equals a full sort of dot products', async () => {
    const corpus = [
      [1, 0],
      [0.6, 0.8],
      [0, 1],
      [-1, 0],
    ].map((v) => Float32Array.from(v));
    const [hit] = await exactTopK([Float32Array.from([0.8, 0.6])], corpus, 3);
    expect(Array.from(hit!.index)).toEqual([1, 0, 2]);
    expect(hit!.score[0]).toBeCloseTo(0.96, 6);
  });
});
