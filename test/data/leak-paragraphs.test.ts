// The leak guard's paragraph rule (lib/data/leak.ts: every paragraph of a multi-paragraph test
// text is a test text too, since training passages are paragraphs): a training passage that is one
// paragraph of a BBC News clustering article must be caught, and the index must hold the
// paragraphs (BBC News: 2,594 distinct test texts with them, 440 without).
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { MIN_SHARED_PARAGRAPH, normalizeText } from '../../lib/core/text';
import { evalTextIndex, findOverlaps } from '../../lib/data/leak';
import { loadClassification } from '../../lib/data/loaders';
import { getTask } from '../../lib/eval/tasks/registry';
import { have, SHARED_DATA } from '../helpers';

const shared = have(join(SHARED_DATA, 'bbc_news'), 'shared data set bbc_news');

describe.skipIf(!shared)('the leak guard checks every paragraph of a test text', () => {
  const task = getTask('BBCNewsClustering');
  const articles = () => loadClassification(task.dataset, task.evalSplit, { dataDir: SHARED_DATA });
  const paragraphsOf = (t: string) =>
    t.split(/\r?\n\s*\r?\n/).filter((p) => normalizeText(p).length >= MIN_SHARED_PARAGRAPH);

  it('indexes the paragraphs of the clustering articles, not only the whole articles', () => {
    const idx = evalTextIndex([task], SHARED_DATA);
    const whole = new Set(articles().map((a) => normalizeText(a.text))).size;
    expect(whole).toBe(440);
    expect(idx.checked[task.name]).toBe(2594);
  });

  it('a training passage that is one paragraph of a test article is a leak; a paragraph of no test text is not', () => {
    const idx = evalTextIndex([task], SHARED_DATA);
    const article = articles().find((a) => paragraphsOf(a.text).length >= 3)!;
    const paragraph = paragraphsOf(article.text)[1]!;
    expect(normalizeText(paragraph)).not.toBe(normalizeText(article.text));
    const items = [
      { source: 'fret', texts: ['a query', paragraph] },
      { source: 'fret', texts: ['a query', 'A paragraph that is in no test set of any task, written for this test only.'] },
    ];
    const { leaking, overlaps } = findOverlaps(items, (x) => x, idx);
    expect([...leaking]).toEqual([0]);
    expect(overlaps).toMatchObject([{ task: task.name, overlapping: 1, items: 1, bySource: { fret: 1 } }]);
  });
});
