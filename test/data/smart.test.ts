// SMART -> BEIR conversion (Cranfield, CISI): byte-identical to the shared conversion, and strict on bad input.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cisiToBeir, cranfieldToBeir, parseSmart } from '../../lib/data/smart';
import { have, SHARED_DATA } from '../helpers';

const read = (p: string) => readFileSync(join(SHARED_DATA, p), 'utf8');

describe('parseSmart', () => {
  it('reads records and fields, collapsing whitespace, with CRLF and marker lines with trailing spaces', () => {
    expect(parseSmart('.I 1\r\n.T \r\na  title\r\n.W\r\n  two\r\nlines .\r\n.I 2\r\n.W\r\n', 'x')).toEqual([
      { id: '1', line: 1, fields: { T: 'a title', W: 'two lines .' } },
      { id: '2', line: 7, fields: { W: '' } },
    ]);
  });
  it('text before the first record is a DataError with its line', () => {
    expect(() => parseSmart('\nstray text\n.I 1\n', 'cran.qry')).toThrow(/cran\.qry:2: text outside a field/);
    expect(() => cranfieldToBeir('.I 1\n.W\nx\n', '.I 001\n.W\nq\n', '1 1 2\n1 1 9\n')).toThrow(/cranqrel:2: expected 'query doc code' with code 1\.\.4 or -1, got '1 1 9'/);
  });
  it('Cranfield scores are 5 - code, code -1 gives 0; queries renumbered in file order', () => {
    const b = cranfieldToBeir('.I 1\n.T\nt\n.W\nw\n', '.I 004\n.W\nq\n', '1 1 1\n1 2 -1\n');
    expect(b.qrels).toBe('query-id\tcorpus-id\tscore\n1\t1\t4\n1\t2\t0\n');
    expect(b.queries).toBe('{"_id": "1", "text": "q", "metadata": {"qry_I": "004"}}\n');
  });
});

describe.runIf(have(join(SHARED_DATA, 'cranfield'), 'shared data sets'))('conversion of the real files', () => {
  it('Cranfield: corpus, queries and qrels equal the shared BEIR files byte for byte', () => {
    const b = cranfieldToBeir(read('cranfield/original/cran.all.1400'), read('cranfield/original/cran.qry'), read('cranfield/original/cranqrel'));
    expect(b.corpus === read('cranfield/corpus.jsonl')).toBe(true);
    expect(b.queries === read('cranfield/queries.jsonl')).toBe(true);
    expect(b.qrels === read('cranfield/qrels/test.tsv')).toBe(true);
  });
  it('CISI: corpus, queries and qrels equal the shared BEIR files byte for byte', () => {
    const b = cisiToBeir(read('cisi/original/CISI.ALL'), read('cisi/original/CISI.QRY'), read('cisi/original/CISI.REL'));
    expect(b.corpus === read('cisi/corpus.jsonl')).toBe(true);
    expect(b.queries === read('cisi/queries.jsonl')).toBe(true);
    expect(b.qrels === read('cisi/qrels/test.tsv')).toBe(true);
  });
});
