// The text-level leak guard (lib/data/leak.ts, lib/pipeline/leak.ts) and the hold-out splits held
// by text (lib/data/split.ts): unit behaviour on hand-made indexes, then the overlaps the issue
// names on the shared data (SICK train/trial vs SICK-R, BBC's twice-filed articles, STS Benchmark
// train vs STS12-16), each of which the guard must catch.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { normalizeText } from '../../lib/core/text';
import { evalTextIndex, findOverlaps, guardTraining, LeakError, type EvalTextIndex } from '../../lib/data/leak';
import { loadClassification, readBbc } from '../../lib/data/loaders';
import { loadPassages } from '../../lib/data/passages';
import { holdoutSplitOf, holdoutSplitsByText } from '../../lib/data/split';
import { getTask, TASKS } from '../../lib/eval/tasks/registry';
import { loadSourceExamples } from '../../lib/mixture/build';
import { exampleView, leakPreflight } from '../../lib/pipeline/leak';
import { resolveConfig } from '../../lib/config/resolve';
import { have, SHARED_DATA } from '../helpers';

const index = (entries: Record<string, string[]>): EvalTextIndex => ({
  texts: new Map(Object.entries(entries).map(([t, tasks]) => [normalizeText(t), tasks])),
  checked: { A: 10, B: 4 },
  notChecked: [],
});
const items = [
  { source: 's1', texts: ['A man is playing a GUITAR!'] },
  { source: 's1', texts: ['nothing in common'] },
  { source: 's2', texts: ['x', 'The cat sat.'] },
];

describe('normalizeText', () => {
  it('folds case, Unicode forms, punctuation and spacing, and nothing else', () => {
    expect(normalizeText('  The Cat -- sat.')).toBe('the cat sat');
    expect(normalizeText('ﬁne\u00a0day')).toBe('fine day'); // NFKC ligature, no-break space
    expect(normalizeText('a man is playing')).not.toBe(normalizeText('a man is praying'));
  });
});

describe('guardTraining', () => {
  const idx = index({ 'a man is playing a guitar': ['A'], 'the cat sat': ['A', 'B'] });
  it('finds the items that share a normalised text with a test set, per task and source', () => {
    const { leaking, overlaps } = findOverlaps(items, (x) => x, idx);
    expect([...leaking]).toEqual([0, 2]);
    expect(overlaps).toEqual([
      {
        task: 'A',
        testTexts: 10,
        overlapping: 2,
        items: 2,
        bySource: { s1: 1, s2: 1 },
        examples: ['a man is playing a guitar', 'the cat sat'],
      },
      { task: 'B', testTexts: 4, overlapping: 1, items: 1, bySource: { s2: 1 }, examples: ['the cat sat'] },
    ]);
  });
  it("refuses by default with the overlap per task and the fix; 'drop' trains without those items", () => {
    expect(() => guardTraining('the mixture', items, (x) => x, 'refuse', idx)).toThrow(LeakError);
    try {
      guardTraining('the mixture', items, (x) => x, 'refuse', idx);
    } catch (e) {
      expect((e as LeakError).message).toMatch(/the mixture share texts[\s\S]*A: 2 of 10 test texts in 2 training items/);
      expect((e as LeakError).hint).toMatch(/data\.leakGuard=drop/);
    }
    const { kept, report } = guardTraining('the mixture', items, (x) => x, 'drop', idx);
    expect(kept).toEqual([items[1]]);
    expect(report).toMatchObject({ items: 3, dropped: 2, mode: 'drop' });
  });
  it('passes clean data through untouched', () => {
    const { kept, report } = guardTraining('t', [items[1]!], (x) => x, 'refuse', idx);
    expect(kept).toEqual([items[1]]);
    expect(report.overlaps).toEqual([]);
  });
});

describe('holdoutSplitsByText', () => {
  it("keeps the id split, and moves a corpus row whose text is a cluster row's out of the corpus", () => {
    const rows = Array.from({ length: 40 }, (_, i) => ({ id: `r${i}`, text: `text of r${i}` }));
    const c = rows.find((r) => holdoutSplitOf('d', r.id) === 'cluster')!.id;
    const k = rows.find((r) => holdoutSplitOf('d', r.id) === 'corpus')!.id;
    expect(holdoutSplitsByText('d', rows).get(k)).toBe('corpus');
    const filedTwice = rows.map((r) => (r.id === k ? { id: k, text: `TEXT  of ${c}.` } : r));
    const splits = holdoutSplitsByText('d', filedTwice);
    expect([splits.get(c), splits.get(k)]).toEqual(['cluster', 'excluded']);
    for (const r of rows.filter((r) => r.id !== k)) expect(splits.get(r.id)).toBe(holdoutSplitOf('d', r.id));
  });
});

const shared = have(join(SHARED_DATA, 'sick'), 'shared data sets (sick, bbc_news, stsbenchmark, sts12 ...)');

describe.skipIf(!shared)('the overlaps on the shared data', () => {
  const o = { dataDir: SHARED_DATA };
  it('BBC News: no clustering article is in the corpus split by text any more (28 were, by id alone)', () => {
    const articles = readBbc(SHARED_DATA);
    const byId = articles.filter((a) => holdoutSplitOf('bbc_news', a.id) === 'cluster');
    const clusterTexts = new Set(byId.map((a) => normalizeText(a.text)));
    const idCorpus = articles.filter((a) => holdoutSplitOf('bbc_news', a.id) === 'corpus');
    expect(idCorpus.filter((a) => clusterTexts.has(normalizeText(a.text))).length).toBe(28);
    const cluster = loadClassification('bbc_news', 'cluster', o);
    const corpus = loadClassification('bbc_news', 'corpus', o);
    expect(cluster.length).toBe(byId.length); // the evaluation set is unchanged
    expect(corpus.filter((a) => clusterTexts.has(normalizeText(a.text)))).toEqual([]);
    const paragraphs = new Set(loadPassages('bbc_news', o).map((p) => p.id.split('#')[0]));
    expect(idCorpus.filter((a) => clusterTexts.has(normalizeText(a.text))).some((a) => paragraphs.has(a.id))).toBe(false);
  });

  it('SICK train/trial (mixture source nli) against SICK-R: the guard refuses, naming SICK-R', () => {
    const idx = evalTextIndex([getTask('SICK-R')], SHARED_DATA);
    const nli = loadSourceExamples('nli', { seed: 1, dataDir: SHARED_DATA });
    const { leaking, overlaps } = findOverlaps(nli, exampleView, idx);
    expect(overlaps[0]!.task).toBe('SICK-R');
    expect(overlaps[0]!.overlapping).toBeGreaterThan(1500); // of SICK-R's 5,007 distinct test sentences
    expect(leaking.size).toBeGreaterThan(0.9 * nli.length);
    expect(() => guardTraining('nli', nli, exampleView, 'refuse', idx)).toThrow(/SICK-R: [\d,]+ of [\d,]+ test texts/);
  });

  it("the demo preset's training data is clean against every registered task", () => {
    const reports = leakPreflight(resolveConfig('demo').config);
    expect(reports.map((r) => r.what)).toEqual(
      expect.arrayContaining(['the pretraining text', 'the pre-finetuning pairs', 'the FRet seed corpus']),
    );
    for (const r of reports) expect([r.what, r.overlaps]).toEqual([r.what, []]);
    expect(Object.keys(reports[0]!.checked).sort()).toEqual(TASKS.map((t) => t.name).sort());
  });
});
