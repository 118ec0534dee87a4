// `gecko score` parsers and scorers, with error messages naming file and line.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseQrels, parseTrecRun, scoreRetrievalFiles, scoreStsFile } from '../../lib/eval/score-files';
import { tmpDir } from '../helpers';

const dir = tmpDir('gecko-score-');
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('gecko score retrieval', () => {
  it('scores a TREC run against BEIR qrels with MTEB keys', () => {
    const qrels = file('qrels.tsv', 'query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\td2\t1\nq2\td3\t0\n');
    const run = file('run.txt', 'q1 Q0 d2 1 0.9 sys\nq1 Q0 d1 2 0.5 sys\nq2 Q0 d3 1 0.4 sys\n');
    const s = scoreRetrievalFiles(qrels, run);
    const idcg = 2 + 1 / Math.log2(3);
    expect(s.ndcg_at_10).toBeCloseTo((1 + 2 / Math.log2(3)) / idcg, 12);
    expect(s.main_score).toBe(s.ndcg_at_10);
    expect(s.recall_at_100).toBe(1);
    expect(s.evaluated_queries).toBe(1);
    expect(s.skipped_queries).toBe(1);
  });
  it('accepts TREC 4-column qrels and reads scores, not ranks', () => {
    expect(parseQrels(file('trec.qrels', 'q1 0 d1 1\n'))).toEqual({ q1: { d1: 1 } });
    expect(parseTrecRun(file('r.txt', 'q1 Q0 d1 9 0.1 x\n'))).toEqual({ q1: { d1: 0.1 } });
  });
  it('names file and line of a malformed row', () => {
    const bad = file('bad.run', 'q1 Q0 d1 1 0.5 x\nq1 Q0 d2 2 high x\n');
    expect(() => parseTrecRun(bad)).toThrow(`${bad}:2: score must be a number, got 'high'`);
    const dup = file('dup.run', 'q1 Q0 d1 1 0.5 x\nq1 Q0 d1 2 0.4 x\n');
    expect(() => parseTrecRun(dup)).toThrow(/dup.run:2: document 'd1' appears twice/);
    const badq = file('bad.tsv', 'query-id\tcorpus-id\tscore\nq1\td1\n');
    expect(() => parseQrels(badq)).toThrow(/bad.tsv:2: expected 'query-id<TAB>corpus-id<TAB>score'/);
    expect(() => parseQrels(join(dir, 'missing.tsv'))).toThrow(/missing.tsv: file not found/);
  });
});

describe('gecko score sts', () => {
  it('prints Spearman (main) and Pearson', () => {
    // scipy: spearmanr([1,2,3,4],[1,3,2,4]) = 0.8
    const s = scoreStsFile(file('sts.tsv', 'id\tgold\tpredicted\na\t1\t1\nb\t2\t3\nc\t3\t2\nd\t4\t4\n'));
    expect(s.main_score).toBeCloseTo(0.8, 12);
    expect(s.spearman).toBeCloseTo(0.8, 12);
    expect(s.pearson).toBeCloseTo(0.8, 12);
    expect(s.pairs).toBe(4);
  });
  it('explains a missing column or a bad number', () => {
    expect(() => scoreStsFile(file('h.tsv', 'gold\tpred\n1\t2\n'))).toThrow(
      /h.tsv:1: the header line must name columns 'gold' and 'predicted'/,
    );
    expect(() => scoreStsFile(file('n.tsv', 'gold\tpredicted\n1\t2\n2\tx\n'))).toThrow(
      /n.tsv:3: 'predicted' must be a number, got 'x'/,
    );
  });
});
