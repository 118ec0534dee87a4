import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rngFor } from '../../lib/core/rng';
import type { Passage } from '../../lib/core/types';
import { readCorpusFile } from '../../lib/seeding/read-corpus';
import { candidatePool, eligiblePassages, sampleSeedPassages } from '../../lib/seeding/sample';
import { tmpDir } from '../helpers';

const P = (id: string, text: string): Passage => ({ id, text, source: 't' });

describe('eligiblePassages', () => {
  it('drops duplicates (case and whitespace insensitive) and out-of-length passages', () => {
    const r = eligiblePassages(
      [
        P('a', 'Hello   world text'),
        P('b', 'hello world TEXT'),
        P('c', 'tiny'),
        P('d', 'x'.repeat(50)),
        P('e', 'a fine passage'),
      ],
      { minChars: 5, maxChars: 40 },
    );
    expect(r.passages.map((p) => p.id)).toEqual(['a', 'e']);
    expect(r.dropped).toEqual({ duplicate: 1, tooShort: 1, tooLong: 1 });
  });
});

describe('sampleSeedPassages / candidatePool', () => {
  const corpus = Array.from({ length: 50 }, (_, i) => P(`p${i}`, `passage number ${i}`));
  it('is seeded: same seed, same sample; another seed, another sample; no repeats', () => {
    const a = sampleSeedPassages(corpus, 10, rngFor(1, 'seeding'));
    expect(sampleSeedPassages(corpus, 10, rngFor(1, 'seeding'))).toEqual(a);
    expect(sampleSeedPassages(corpus, 10, rngFor(2, 'seeding'))).not.toEqual(a);
    expect(new Set(a.map((s) => s.passage.id)).size).toBe(10);
    expect(a.map((s) => s.seedIndex)).toEqual([...Array(10).keys()]);
    expect(sampleSeedPassages(corpus, 500, rngFor(1, 'seeding'))).toHaveLength(50);
  });
  it('the pool holds every seed, and is the whole corpus when poolSize is 0', () => {
    const seeds = sampleSeedPassages(corpus, 10, rngFor(1, 'seeding'));
    expect(candidatePool(corpus, seeds, 0, rngFor(1, 'pool'))).toHaveLength(50);
    const pool = candidatePool(corpus, seeds, 20, rngFor(1, 'pool'));
    expect(pool).toHaveLength(20);
    for (const s of seeds) expect(pool.map((p) => p.id)).toContain(s.passage.id);
  });
});

describe('readCorpusFile', () => {
  const dir = tmpDir();
  it('reads JSONL with and without ids, BEIR corpus folders and plain text', () => {
    writeFileSync(join(dir, 'c.jsonl'), '{"id": "x", "title": "T", "text": "one  two"}\n{"text": "three"}\n');
    expect(readCorpusFile(join(dir, 'c.jsonl'))).toEqual([
      { id: 'x', title: 'T', text: 'one two', source: 'c.jsonl' },
      { id: 'c.jsonl#2', text: 'three', source: 'c.jsonl' },
    ]);
    mkdirSync(join(dir, 'beir'));
    writeFileSync(join(dir, 'beir', 'corpus.jsonl'), '{"_id": "d1", "title": "", "text": "body"}\n');
    expect(readCorpusFile(join(dir, 'beir'))).toEqual([{ id: 'd1', text: 'body', source: 'corpus.jsonl' }]);
    writeFileSync(join(dir, 'notes.txt'), 'First para\nstill first.\n\n\nSecond para.\n');
    expect(readCorpusFile(join(dir, 'notes.txt')).map((p) => [p.id, p.text])).toEqual([
      ['notes.txt#1', 'First para still first.'],
      ['notes.txt#2', 'Second para.'],
    ]);
  });
  it('names the file, line and field of bad input', () => {
    writeFileSync(join(dir, 'bad.jsonl'), '{"text": "ok"}\n{"title": "no text"}\n');
    expect(() => readCorpusFile(join(dir, 'bad.jsonl'))).toThrow(/bad\.jsonl:2: field 'text' must be a string/);
    writeFileSync(join(dir, 'empty.jsonl'), '{"text": "  "}\n');
    expect(() => readCorpusFile(join(dir, 'empty.jsonl'))).toThrow(/empty\.jsonl:1: field 'text' is empty/);
    writeFileSync(join(dir, 'broken.jsonl'), '{"text": "ok"}\n{oops\n');
    expect(() => readCorpusFile(join(dir, 'broken.jsonl'))).toThrow(/broken\.jsonl:2: not valid JSON/);
    expect(() => readCorpusFile(join(dir, 'missing.jsonl'))).toThrow(/corpus file not found/);
  });
});
