// The text-level leak guard. The split-level guard (assertTrainingSplit) keeps training code
// away from evaluation splits, but a text can sit in both a training split and a test set:
// SICK train/trial share 79% of SICK-R's test sentences, STS Benchmark's train pairs come from
// the STS12-16 test sets, BBC News files some articles twice. So every training text (queries,
// positives, negatives, pretraining text) is normalised (normalizeText) and looked up among the
// test texts of every evaluation task whose data is in the data directory:
//   retrieval, reranking  queries and every judged passage (any grade)
//   STS, pair             both sentences of every pair
//   classification       the test split's texts (the train split is the classifier's own data)
//   clustering            every item
// and every paragraph of a multi-paragraph test text (training passages are paragraphs; core/text.ts normalizedParts).
// Checking all registered tasks, not only the configured eval.tasks, keeps a trained model
// clean for any later `gecko eval`, and keeps stage hashes independent of eval.tasks.
// Mode 'refuse' (default) throws a LeakError that lists the overlap per task; 'drop' trains
// without the overlapping items and reports how many it dropped.
import type { LeakGuardMode } from '../config/choices';
import { GeckoError, MissingDatasetError } from '../core/errors';
import { dataDir } from '../core/paths';
import { normalizedParts, normalizeText } from '../core/text';
import { loadBeir, loadClassification, loadPairClassification, loadSts } from './loaders';
import { datasetStatus } from './status';

/** What the guard needs of an evaluation task (lib/eval's TaskMeta has these fields). */
export interface EvalTaskRef {
  name: string;
  type: 'Retrieval' | 'STS' | 'Classification' | 'PairClassification' | 'Clustering' | 'Reranking';
  dataset: string;
  evalSplit: string;
}

/** Normalised test text -> the tasks it is a test text of, plus what was and was not checked. */
export interface EvalTextIndex {
  texts: Map<string, string[]>;
  /** Distinct normalised test texts per checked task. */
  checked: Record<string, number>;
  /** Tasks whose data set is not in the data directory (not checked; they cannot be evaluated either). */
  notChecked: string[];
}

/** The test texts of one task, as they are embedded (a passage with a title also as "title text"). */
export function testTextsOf(task: EvalTaskRef, root: string): string[] {
  const o = { dataDir: root };
  switch (task.type) {
    case 'Retrieval':
    case 'Reranking': {
      const d = loadBeir(task.dataset, task.evalSplit, o);
      const judged = new Set(Object.values(d.qrels).flatMap((r) => Object.keys(r)));
      const passages = d.corpus
        .filter((p) => judged.has(p.id))
        .flatMap((p) => (p.title ? [p.text, `${p.title} ${p.text}`] : [p.text]));
      return [...d.queries.map((q) => q.text), ...passages];
    }
    case 'STS':
      return loadSts(task.dataset, task.evalSplit, o).flatMap((p) => [p.text1, p.text2]);
    case 'PairClassification':
      return loadPairClassification(task.dataset, task.evalSplit, o).flatMap((p) => [p.text1, p.text2]);
    case 'Classification':
    case 'Clustering':
      return loadClassification(task.dataset, task.evalSplit, o).map((r) => r.text);
  }
}

const indexCache = new Map<string, EvalTextIndex>();

/**
 * The index of every test text of the given tasks (memoised per data directory and task list).
 * @example const index = evalTextIndex(TASKS); index.texts.get(normalizeText('A man is playing a guitar.'))
 */
export function evalTextIndex(tasks: readonly EvalTaskRef[], root = dataDir()): EvalTextIndex {
  const key = `${root}\u0000${tasks.map((t) => t.name).join(',')}`;
  const hit = indexCache.get(key);
  if (hit) return hit;
  const texts = new Map<string, string[]>();
  const checked: Record<string, number> = {};
  const notChecked: string[] = [];
  for (const task of tasks) {
    if (datasetStatus(task.dataset, root).state !== 'available') {
      notChecked.push(task.name);
      continue;
    }
    let raw: string[];
    try {
      raw = testTextsOf(task, root);
    } catch (e) {
      if (e instanceof MissingDatasetError) {
        notChecked.push(task.name);
        continue;
      }
      throw e;
    }
    const distinct = new Set(raw.flatMap(normalizedParts));
    checked[task.name] = distinct.size;
    for (const t of distinct) {
      const list = texts.get(t);
      if (list) list.push(task.name);
      else texts.set(t, [task.name]);
    }
  }
  const index = { texts, checked, notChecked };
  indexCache.set(key, index);
  return index;
}

/** A training item as the guard sees it: where it came from and every text it trains on. */
export interface LeakView {
  source: string;
  texts: readonly string[];
}

/** The overlap of one evaluation task with the training items. */
export interface TaskOverlap {
  task: string;
  /** Distinct test texts of the task. */
  testTexts: number;
  /** Of those, how many occur in some training item. */
  overlapping: number;
  /** Training items holding at least one of them, in all and per source. */
  items: number;
  bySource: Record<string, number>;
  /** Up to three of the overlapping texts (normalised), to see what matched. */
  examples: string[];
}

/** What the guard found and did, for a stage's report. */
export interface LeakReport {
  what: string;
  mode: LeakGuardMode;
  items: number;
  /** Items left out ('drop'); 0 when nothing overlapped. */
  dropped: number;
  /** Tasks with any overlap, largest first. */
  overlaps: TaskOverlap[];
  checked: Record<string, number>;
  notChecked: string[];
}

/** Training overlaps evaluation and the guard is set to refuse. */
export class LeakError extends GeckoError {
  constructor(
    readonly report: LeakReport,
    fix: string,
  ) {
    super(`leak guard: ${report.what} share texts with evaluation test sets:\n${describeOverlaps(report)}`, fix);
    this.name = 'LeakError';
  }
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** One line per task with overlap: "SICK-R: 3,975 of 5,007 test texts in 4,853 training items (nli 4,853)". */
export function describeOverlaps(r: LeakReport): string {
  if (r.overlaps.length === 0) return `  none (${Object.keys(r.checked).length} tasks checked)`;
  return r.overlaps
    .map(
      (o) =>
        `  ${o.task}: ${fmt(o.overlapping)} of ${fmt(o.testTexts)} test texts in ${fmt(o.items)} training items (${Object.entries(
          o.bySource,
        )
          .map(([s, n]) => `${s} ${fmt(n)}`)
          .join(', ')}); e.g. "${o.examples[0] ?? ''}"`,
    )
    .join('\n');
}

/**
 * Which items share a normalised text with a test set, and the per-task report.
 * @example findOverlaps(examples, (e) => ({ source: e.source, texts: [e.query, e.positive.text] }), index)
 */
export function findOverlaps<T>(
  items: readonly T[],
  view: (item: T) => LeakView,
  index: EvalTextIndex,
): { leaking: Set<number>; overlaps: TaskOverlap[] } {
  const leaking = new Set<number>();
  const perTask = new Map<string, { texts: Set<string>; items: number; bySource: Record<string, number> }>();
  items.forEach((item, i) => {
    const v = view(item);
    const hitTasks = new Set<string>();
    for (const text of v.texts) {
      const n = normalizeText(text);
      const tasks = n === '' ? undefined : index.texts.get(n);
      if (!tasks) continue;
      for (const task of tasks) {
        let t = perTask.get(task);
        if (!t) perTask.set(task, (t = { texts: new Set(), items: 0, bySource: {} }));
        t.texts.add(n);
        hitTasks.add(task);
      }
    }
    if (hitTasks.size === 0) return;
    leaking.add(i);
    for (const task of hitTasks) {
      const t = perTask.get(task)!;
      t.items++;
      t.bySource[v.source] = (t.bySource[v.source] ?? 0) + 1;
    }
  });
  const overlaps = [...perTask.entries()]
    .map(([task, t]) => ({
      task,
      testTexts: index.checked[task] ?? 0,
      overlapping: t.texts.size,
      items: t.items,
      bySource: t.bySource,
      examples: [...t.texts].slice(0, 3),
    }))
    .sort((a, b) => b.items - a.items || a.task.localeCompare(b.task));
  return { leaking, overlaps };
}

/**
 * The guard: check `items` against the index; 'refuse' throws a LeakError naming every
 * overlapping task (and the fix), 'drop' returns the items without the overlapping ones.
 * @example const { kept, report } = guardTraining('the fine-tuning mixture', examples, exampleView, 'drop', index)
 */
export function guardTraining<T>(
  what: string,
  items: readonly T[],
  view: (item: T) => LeakView,
  mode: LeakGuardMode,
  index: EvalTextIndex,
): { kept: T[]; report: LeakReport } {
  const { leaking, overlaps } = findOverlaps(items, view, index);
  const report: LeakReport = {
    what,
    mode,
    items: items.length,
    dropped: mode === 'drop' ? leaking.size : 0,
    overlaps,
    checked: index.checked,
    notChecked: index.notChecked,
  };
  if (leaking.size > 0 && mode === 'refuse') {
    const sources = [...new Set(overlaps.flatMap((o) => Object.keys(o.bySource)))].join(', ');
    throw new LeakError(
      report,
      `train without the ${fmt(leaking.size)} overlapping items (of ${fmt(items.length)}): --set data.leakGuard=drop; or leave out the source (${sources})`,
    );
  }
  return { kept: leaking.size > 0 ? items.filter((_, i) => !leaking.has(i)) : items.slice(), report };
}
