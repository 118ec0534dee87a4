// The data sets added for issue 12 section 8 (MultiNLI, SNLI, STS12-16, BIOSSES): loaders on the
// shared copies against the SOURCE.md counts, the quoted-TSV parser they need, the evaluation
// tasks they back, and the NLI mixture sources that do not overlap SICK.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadNli, loadSts, SEMEVAL_STS } from '../../lib/data/loaders';
import { parseDelimited } from '../../lib/data/parse';
import { getDataset, isEvaluationSplit } from '../../lib/data/registry';
import { countRows } from '../../lib/data/status';
import { getTask, selectTasks } from '../../lib/eval/tasks/registry';
import { loadSourceExamples, MIXTURE_SOURCES } from '../../lib/mixture/build';
import { have, SHARED_DATA } from '../helpers';

const opts = { dataDir: SHARED_DATA };
const shared = have(join(SHARED_DATA, 'sts12'), 'shared data sets (sts12 ...)');
const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();

describe('quoted TSV (Python csv with a tab delimiter)', () => {
  it('unquotes "" inside a quoted field, keeps a mid-field quote literal, and counts rows quote-aware', () => {
    const text = 'a\tb\n"x ""y"" z"\tplain "q" here\n"multi\nline"\t2\n';
    expect(parseDelimited(text, 't.tsv', '\t').map((r) => r.fields)).toEqual([
      ['a', 'b'],
      ['x "y" z', 'plain "q" here'],
      ['multi\nline', '2'],
    ]);
    expect(countRows(text, 'tsv-quoted-header')).toBe(2);
    expect(() => parseDelimited('"x"y\t1\n', 'bad.tsv', '\t')).toThrow(/bad\.tsv:1.*expected '\\t' or end of line/);
  });
});

describe('registry entries', () => {
  it('records the licences, incl. the non-commercial STS16 part and GPL-3.0 BIOSSES', () => {
    expect(getDataset('sts16').license).toMatch(/NON-COMMERCIAL[\s\S]*plagiarism[\s\S]*CC BY-NC-SA 2\.0 UK/);
    expect(getDataset('biosses').license).toMatch(/^GPL-3\.0/);
    expect(getDataset('snli').license).toBe('CC BY-SA 4.0');
    expect(getDataset('multinli').license).toMatch(/OANC/);
    for (const n of [...SEMEVAL_STS, 'biosses']) expect(isEvaluationSplit(n, 'test')).toBe(true);
    expect(isEvaluationSplit('multinli', 'dev_matched')).toBe(false);
    expect(isEvaluationSplit('snli', 'dev_nosick')).toBe(false);
  });
  it('backs the MTEB STS tasks the paper averages over', () => {
    expect(selectTasks(['sts']).map((t) => t.name)).toEqual([
      'STSBenchmark', 'SICK-R', 'STS12', 'STS13', 'STS14', 'STS15', 'STS16', 'BIOSSES',
    ]);
    expect(getTask('STS16')).toMatchObject({ dataset: 'sts16', evalSplit: 'test', prompt: 'semantic similarity' });
    expect(getTask('biosses')).toMatchObject({ dataset: 'biosses', mainScore: 'cosine_spearman' });
  });
});

describe.skipIf(!shared)('loaders on the shared copies', () => {
  it('loadSts: STS12-16 3,108 / 1,500 / 3,750 / 3,000 / 1,186 pairs, scores 0-5, quotes decoded', () => {
    const sets = SEMEVAL_STS.map((n) => loadSts(n, 'test', opts));
    expect(sets.map((s) => s.length)).toEqual([3108, 1500, 3750, 3000, 1186]);
    for (const s of sets) {
      expect(Math.min(...s.map((p) => p.score))).toBe(0);
      expect(Math.max(...s.map((p) => p.score))).toBe(5);
    }
    // Row 3 of STS12 is quoted with doubled quotes (Python csv); these are its values as Python's csv reads them.
    expect(sets[0]![2]).toEqual({
      text1:
        '"It\'s a huge black eye," said publisher Arthur Ochs Sulzberger Jr., whose family has controlled the paper since 1896.',
      text2: '"It\'s a huge black eye," Arthur Sulzberger, the newspaper\'s publisher, said of the scandal.',
      score: 3.6,
    });
    // Sums of the scores as Python's csv module reads the same files (checks every row, not only the count).
    expect(sets.map((s) => s.reduce((a, p) => a + p.score, 0).toFixed(3))).toEqual([
      '10896.848', '3504.283', '10542.875', '7217.740', '2862.000',
    ]);
  });

  it('loadSts: BIOSSES 100 pairs, score = mean of the five experts (0-4)', () => {
    const b = loadSts('biosses', 'test', opts);
    expect(b.length).toBe(100);
    expect(b[0]).toMatchObject({ score: 4, text1: 'It has recently been shown that Craf is essential for Kras G12D-induced NSCLC.' });
    expect(b.reduce((a, p) => a + p.score, 0)).toBeCloseTo(219.8, 6);
  });

  it('loadNli: MultiNLI 9,815 (e 3,479 / c 3,213 / n 3,123); SNLI dev 9,842, dev_nosick 9,748', () => {
    const m = loadNli('multinli', 'dev_matched', opts);
    const count = (rows: typeof m, l: string) => rows.filter((r) => r.label === l).length;
    expect([m.length, count(m, 'ENTAILMENT'), count(m, 'CONTRADICTION'), count(m, 'NEUTRAL')]).toEqual([
      9815, 3479, 3213, 3123,
    ]);
    const s = loadNli('snli', 'dev', opts);
    const ns = loadNli('snli', 'dev_nosick', opts);
    expect([s.length, ns.length, count(ns, 'ENTAILMENT')]).toEqual([9842, 9748, 3283]);
    expect(s[0]).toEqual({
      premise: 'Two women are embracing while holding to go packages.',
      hypothesis: 'The sisters are hugging goodbye while holding to go packages after just eating lunch.',
      label: 'NEUTRAL',
    });
    expect(() => loadNli('snli', 'test', opts)).toThrow(/no loader[\s\S]*loadable splits of snli: dev, dev_nosick/);
    expect(() => loadNli('sts12', 'test', opts)).toThrow(/loadNli cannot load 'sts12'/);
  });

  it('the MultiNLI and SNLI mixture sources share no sentence with the SICK-R test file', () => {
    expect(MIXTURE_SOURCES.multinli.dataset).toBe('multinli');
    const sick = new Set(loadSts('sick', 'test', opts).flatMap((p) => [norm(p.text1), norm(p.text2)]));
    for (const name of ['multinli', 'snli'] as const) {
      const ex = loadSourceExamples(name, { seed: 1, dataDir: SHARED_DATA });
      expect(ex.length).toBe(name === 'multinli' ? 3479 : 3283); // one example per entailment pair
      expect(ex.every((e) => e.source === name && e.id.startsWith(`${name}-`) && e.symmetric)).toBe(true);
      const shared = ex.filter((e) => [e.query, e.positive.text, ...e.negatives.map((n) => n.text)].some((t) => sick.has(norm(t))));
      expect(shared.length, name).toBe(0);
    }
    // The full SNLI dev does overlap SICK (SOURCE.md: 94 pairs), which is why dev_nosick is the default.
    const full = loadNli('snli', 'dev', opts).filter((p) => sick.has(norm(p.premise)) || sick.has(norm(p.hypothesis)));
    expect(full.length).toBeGreaterThan(0);
  });
});
