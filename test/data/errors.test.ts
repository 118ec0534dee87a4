// Malformed and missing files: each loader names the file, the 1-based line and what it expected.
import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DataError, MissingDatasetError } from '../../lib/core/errors';
import {
  loadBeir, loadClassification, loadPairClassification, loadSickNli, loadSquad, loadSts,
} from '../../lib/data/loaders';
import { parseCsv, tsvRows } from '../../lib/data/parse';
import { tmpDir } from '../helpers';

/** A fresh data directory holding the given files. */
function dataDirWith(files: Record<string, string>): string {
  const root = tmpDir('gecko-data-');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

/** The DataError `fn` throws. */
function dataError(fn: () => unknown): DataError {
  try { fn(); } catch (e) { if (e instanceof DataError) return e; throw e; }
  throw new Error('expected a DataError');
}

const QRELS = 'query-id\tcorpus-id\tscore\n1\td1\t1\n';
const QUERIES = '{"_id": "1", "text": "q"}\n';

describe('malformed files', () => {
  it('BEIR corpus.jsonl with a broken line 3', () => {
    const root = dataDirWith({
      'scifact/corpus.jsonl': '{"_id": "d1", "title": "t", "text": "x"}\n{"_id": "d2", "text": "y"}\n{"_id": "d3", "text": \n',
      'scifact/queries.jsonl': QUERIES, 'scifact/qrels/test.tsv': QRELS,
    });
    const e = dataError(() => loadBeir('scifact', 'test', { dataDir: root }));
    expect(e.line).toBe(3);
    expect(e.message).toMatch(/scifact\/corpus\.jsonl:3: not valid JSON/);
  });

  it('BEIR corpus row without text, and qrels pointing at an unknown document', () => {
    const noText = dataDirWith({
      'cisi/corpus.jsonl': '{"_id": "d1", "text": "x"}\n{"_id": "d2", "title": "t"}\n',
      'cisi/queries.jsonl': QUERIES, 'cisi/qrels/test.tsv': QRELS,
    });
    expect(() => loadBeir('cisi', 'test', { dataDir: noText })).toThrow(/cisi\/corpus\.jsonl:2: expected \{"_id": string, "text": string/);
    const badQrels = dataDirWith({
      'cisi/corpus.jsonl': '{"_id": "d1", "text": "x"}\n', 'cisi/queries.jsonl': QUERIES,
      'cisi/qrels/test.tsv': 'query-id\tcorpus-id\tscore\n1\td1\t1\n1\td9\t1\n',
    });
    expect(() => loadBeir('cisi', 'test', { dataDir: badQrels })).toThrow(/qrels\/test\.tsv:3: corpus-id 'd9' is not in corpus\.jsonl/);
    const badScore = dataDirWith({
      'cisi/corpus.jsonl': '{"_id": "d1", "text": "x"}\n', 'cisi/queries.jsonl': QUERIES,
      'cisi/qrels/test.tsv': 'query-id\tcorpus-id\tscore\n1\td1\thigh\n',
    });
    expect(() => loadBeir('cisi', 'test', { dataDir: badScore })).toThrow(/test\.tsv:2: field 'score' must be a number, got 'high'/);
    const noHeader = dataDirWith({ 'cisi/corpus.jsonl': '{"_id": "d1", "text": "x"}\n', 'cisi/queries.jsonl': QUERIES, 'cisi/qrels/test.tsv': '1\td1\t1\n' });
    expect(() => loadBeir('cisi', 'test', { dataDir: noHeader })).toThrow(/test\.tsv:1: expected the header line 'query-id\\tcorpus-id\\tscore'/);
  });

  it('Banking77 CSV with an unterminated quote names the line where the quote opens', () => {
    const root = dataDirWith({
      'banking77/categories.json': '["card_arrival", "top_up_failed"]',
      'banking77/train.csv': 'text,category\nok text,card_arrival\n"two\nlines",card_arrival\n"never closed,top_up_failed\nmore\n',
    });
    const e = dataError(() => loadClassification('banking77', 'train', { dataDir: root }));
    expect(e.line).toBe(5);
    expect(e.message).toMatch(/banking77\/train\.csv:5: unterminated quoted field/);
    expect(e.message).toMatch(/fix: close the quote/);
  });

  it('Banking77 CSV: wrong field count and unknown category, with line numbers after a quoted newline', () => {
    const fields = dataDirWith({
      'banking77/categories.json': '["card_arrival"]',
      'banking77/train.csv': 'text,category\n"a\nb",card_arrival\nx,card_arrival,extra\n',
    });
    expect(() => loadClassification('banking77', 'train', { dataDir: fields })).toThrow(/train\.csv:4: expected 2 fields \(text, category\), got 3/);
    const cat = dataDirWith({ 'banking77/categories.json': '["card_arrival"]', 'banking77/test.csv': 'text,category\nx,lost_card\n' });
    expect(() => loadClassification('banking77', 'test', { dataDir: cat })).toThrow(/test\.csv:2: category 'lost_card' is not in categories\.json/);
  });

  it('STS Benchmark line with 5 fields; score out of range', () => {
    const ok = 'main-captions\tMSRvid\t2012test\t0001\t5.000\tA plane.\tAn air plane.\n';
    const root = dataDirWith({ 'stsbenchmark/sts-train.csv': ok + 'main-captions\tMSRvid\t2012test\t0004\t3.800\n' });
    const e = dataError(() => loadSts('stsbenchmark', 'train', { dataDir: root }));
    expect(e.line).toBe(2);
    expect(e.message).toMatch(/sts-train\.csv:2: expected 7 or 9 fields \(genre, filename, year, id, score, sentence1, sentence2/);
    const range = dataDirWith({ 'stsbenchmark/sts-test.csv': ok.replace('5.000', '7.5') });
    expect(() => loadSts('stsbenchmark', 'test', { dataDir: range })).toThrow(/sts-test\.csv:1: field 'score' must be in \[0, 5\], got 7\.5/);
  });

  it('STS sentences with double quotes are not quote-parsed', () => {
    const root = dataDirWith({ 'stsbenchmark/sts-dev.csv': 'g\tf\ty\t1\t2.5\t"Quoted\tplain "x\n' });
    expect(loadSts('stsbenchmark', 'dev', { dataDir: root })).toEqual([{ text1: '"Quoted', text2: 'plain "x', score: 2.5 }]);
  });

  it('SICK: unknown entailment label; SICK.txt-style missing final newline is fine', () => {
    const root = dataDirWith({ 'sick/semeval2014/SICK_trial.txt': '1\tA\tB\t4.5\tNEUTRAL\n2\tC\tD\t3\tMAYBE' });
    expect(() => loadSickNli('trial', { dataDir: root })).toThrow(/SICK_trial\.txt:2: entailment_judgment must be one of ENTAILMENT, NEUTRAL, CONTRADICTION, got 'MAYBE'/);
    const ok = dataDirWith({ 'sick/semeval2014/SICK_trial.txt': '1\tA\tB\t4.5\tNEUTRAL\r\n2\tC\tD\t3\tENTAILMENT' });
    expect(loadSts('sick', 'trial', { dataDir: ok })).toEqual([{ text1: 'A', text2: 'B', score: 4.5 }, { text1: 'C', text2: 'D', score: 3 }]);
  });

  it('MRPC: BOM on line 1 is stripped; a bad Quality names its line', () => {
    const root = dataDirWith({ 'mrpc/msr_paraphrase_train.txt': '\ufeff1\t1\t2\tA\tB\n2\t3\t4\tC\tD\n' });
    const e = dataError(() => loadPairClassification('mrpc', 'train', { dataDir: root }));
    expect(e.message).toMatch(/msr_paraphrase_train\.txt:2: Quality must be 0 or 1, got '2'/);
    const ok = dataDirWith({ 'mrpc/msr_paraphrase_test.txt': '\ufeff1\t1\t2\tA\tB\n' });
    expect(loadPairClassification('mrpc', 'test', { dataDir: ok })).toEqual([{ id: '1-2', text1: 'A', text2: 'B', label: 1 }]);
  });

  it('Amazon Counterfactual: wrong header and bad label', () => {
    const header = dataDirWith({ 'amazon_counterfactual/EN_train.tsv': 'text\tlabel\nx\t1\n' });
    expect(() => loadClassification('amazon_counterfactual', 'train', { dataDir: header })).toThrow(/EN_train\.tsv:1: expected the header line 'sentence\\tis_counterfactual'/);
    const label = dataDirWith({ 'amazon_counterfactual/EN_test.tsv': 'sentence\tis_counterfactual\nx\t1\ny\tyes\n' });
    expect(() => loadClassification('amazon_counterfactual', 'test', { dataDir: label })).toThrow(/EN_test\.tsv:3: is_counterfactual must be 0 or 1, got 'yes'/);
  });

  it('AG News: class out of range; SQuAD: bad structure names the JSON path', () => {
    const ag = dataDirWith({ 'ag_news/classes.txt': 'World\nSports\n', 'ag_news/test.csv': '"1","t","d"\n"5","t","d"\n' });
    expect(() => loadClassification('ag_news', 'corpus', { dataDir: ag })).toThrow(/test\.csv:2: field 'class' must be in \[1, 2\], got 5/);
    const squad = dataDirWith({ 'squad_v1.1_dev/dev-v1.1.json': JSON.stringify({ data: [{ title: 'T', paragraphs: [{ context: 'c', qas: [{ id: 'q', question: 'w?', answers: [{ text: 'c' }] }] }] }] }) });
    expect(() => loadSquad({ dataDir: squad })).toThrow(/data\[0\]\.paragraphs\[0\]\.qas\[0\]\.answers\[0\]: expected \{text: string, answer_start: number\}/);
  });
});

describe('missing data sets', () => {
  it('MissingDatasetError names the data set and path and says how to fix it', () => {
    const root = tmpDir('gecko-empty-');
    let err: unknown;
    try { loadSts('stsbenchmark', 'train', { dataDir: root }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(MissingDatasetError);
    const msg = (err as Error).message;
    expect(msg).toContain(`data set 'stsbenchmark' is missing: ${join(root, 'stsbenchmark', 'sts-train.csv')} not found`);
    expect(msg).toContain('npx gecko data fetch stsbenchmark');
    expect(msg).toContain('GECKO_DATA_DIR');
  });

  it('reads GECKO_DATA_DIR when no dataDir option is given', () => {
    const root = dataDirWith({ 'mrpc/msr_paraphrase_test.txt': '0\t1\t2\tA\tB\n' });
    const before = process.env.GECKO_DATA_DIR;
    process.env.GECKO_DATA_DIR = root;
    try {
      expect(loadPairClassification('mrpc', 'test')).toHaveLength(1);
    } finally {
      if (before === undefined) delete process.env.GECKO_DATA_DIR; else process.env.GECKO_DATA_DIR = before;
    }
  });

  it('wrong loader or split names say what is accepted', () => {
    expect(() => loadSts('banking77', 'train')).toThrow(/loadSts cannot load 'banking77'[\s\S]*loadSts loads: stsbenchmark, sick/);
    expect(() => loadBeir('scifact', 'dev')).toThrow(/no split 'dev'[\s\S]*splits of scifact: train, test/);
  });
});

describe('parsers', () => {
  it('parseCsv: RFC-4180 quoting, doubled quotes, CRLF, and the line each row starts on', () => {
    expect(parseCsv('a,"b,""c""\nd"\r\n\ne,\n', 'x.csv')).toEqual([
      { fields: ['a', 'b,"c"\nd'], line: 1 }, { fields: ['e', ''], line: 4 },
    ]);
    expect(() => parseCsv('"a"b,c\n', 'x.csv')).toThrow(/x\.csv:1: expected ',' or end of line after a closing quote, got 'b'/);
  });

  it('tsvRows keeps quotes and skips blank lines', () => {
    expect(tsvRows('"a\tb"\n\nc\td', 'x.tsv')).toEqual([{ fields: ['"a', 'b"'], line: 1 }, { fields: ['c', 'd'], line: 3 }]);
  });
});
