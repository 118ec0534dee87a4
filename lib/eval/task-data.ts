// Load a task's evaluation data from lib/data and sub-sample it (seeded) per the config's
// eval section. Sub-sampling keeps the original order of what it keeps, so results depend only
// on (data, seed, caps). Retrieval keeps every passage judged for a kept query (any grade) and
// fills the rest of the corpus with a seeded sample of the other passages.
import { loadBeir, loadClassification, loadPairClassification, loadSts, type LoadOptions } from '../data/loaders';
import { Bm25Index } from '../retrieval/bm25';
import type { Passage, Qrels, Query } from '../core/types';
import { rngFor } from '../core/rng';
import type { TaskMeta } from './tasks/types';

/** The caps of the config's `eval` section (0 = no cap) and the root seed. */
export interface SubsampleOptions {
  /** Retrieval / reranking queries. */
  maxQueries: number;
  /** Retrieval corpus size (judged passages of kept queries are always kept). */
  maxCorpus: number;
  /** Classification train pool the undersampling draws from. */
  maxTrain: number;
  /** Test items of STS, classification, pair classification and clustering. */
  maxTest: number;
  seed: number;
}

export interface RetrievalData {
  kind: 'retrieval';
  corpus: Passage[];
  queries: Query[];
  qrels: Qrels;
}
export interface StsData {
  kind: 'sts';
  pairs: { text1: string; text2: string; score: number }[];
}
export interface PairData {
  kind: 'pair';
  pairs: { text1: string; text2: string; label: 0 | 1 }[];
}
export interface LabeledData {
  text: string;
  label: number;
}
export interface ClassificationData {
  kind: 'classification';
  labelNames: string[];
  train: LabeledData[];
  test: LabeledData[];
}
export interface ClusteringData {
  kind: 'clustering';
  labelNames: string[];
  items: LabeledData[];
}
/** One reranking query: its candidates and their relevance. */
export interface RerankingQuery {
  id: string;
  text: string;
  candidates: Passage[];
  relevant: boolean[];
}
/** `corpus` is the full collection the candidates came from (BM25 as a model scores against it). */
export interface RerankingData {
  kind: 'reranking';
  queries: RerankingQuery[];
  corpus: Passage[];
}

export type TaskData = RetrievalData | StsData | PairData | ClassificationData | ClusteringData | RerankingData;

/**
 * Up to `max` items (0 = all), a seeded sample in original order.
 * @example subsample([1, 2, 3, 4], 2, rngFor(1, 'x')) // e.g. [2, 4]
 */
export function subsample<T>(items: readonly T[], max: number, rng: { shuffle<U>(xs: readonly U[]): U[] }): T[] {
  if (max <= 0 || items.length <= max) return items.slice();
  const keep = new Set(rng.shuffle(items.map((_, i) => i)).slice(0, max));
  return items.filter((_, i) => keep.has(i));
}

/**
 * Retrieval data cut to the caps: a seeded sample of the judged queries, every passage judged
 * for them, then a seeded sample of the other passages up to maxCorpus.
 */
export function subsampleRetrieval(
  data: Omit<RetrievalData, 'kind'>,
  maxQueries: number,
  maxCorpus: number,
  seed: number,
  label: string,
): RetrievalData {
  const queries = subsample(data.queries, maxQueries, rngFor(seed, 'eval', label, 'queries'));
  const qrels: Qrels = {};
  for (const q of queries) if (data.qrels[q.id]) qrels[q.id] = data.qrels[q.id]!;
  if (maxCorpus <= 0 || data.corpus.length <= maxCorpus)
    return { kind: 'retrieval', corpus: data.corpus.slice(), queries, qrels };
  const judged = new Set(Object.values(qrels).flatMap((r) => Object.keys(r)));
  const others = data.corpus.filter((p) => !judged.has(p.id));
  const fill = new Set(
    subsample(others, Math.max(0, maxCorpus - judged.size), rngFor(seed, 'eval', label, 'corpus')).map((p) => p.id),
  );
  return { kind: 'retrieval', corpus: data.corpus.filter((p) => judged.has(p.id) || fill.has(p.id)), queries, qrels };
}

function labelled(rows: { text: string; label: string }[], names: string[]): LabeledData[] {
  const index = new Map(names.map((n, i) => [n, i]));
  return rows.map((r) => ({ text: r.text, label: index.get(r.label)! }));
}

/**
 * Reranking candidates per query: judged-relevant passages plus BM25's top k over the full
 * corpus (BM25 order, relevant passages missing from it appended by id). Candidate generation
 * always uses the default BM25 (multifield, k1 1.2, b 0.75): it is part of the task definition.
 */
export function buildRerankingQueries(data: Omit<RetrievalData, 'kind'>, topK: number): RerankingQuery[] {
  const index = new Bm25Index(data.corpus);
  const byId = new Map(data.corpus.map((p) => [p.id, p]));
  return data.queries.map((q) => {
    const rels = data.qrels[q.id] ?? {};
    const ids = index.search(q.text, topK).map((h) => h.id);
    const seen = new Set(ids);
    for (const id of Object.keys(rels)
      .filter((id) => rels[id]! > 0)
      .sort())
      if (!seen.has(id)) {
        ids.push(id);
        seen.add(id);
      }
    return {
      id: q.id,
      text: q.text,
      candidates: ids.map((id) => byId.get(id)!),
      relevant: ids.map((id) => (rels[id] ?? 0) > 0),
    };
  });
}

/**
 * The task's evaluation data, sub-sampled.
 * @example const data = loadTaskData(getTask('SciFact'), { maxQueries: 50, maxCorpus: 1000, maxTrain: 0, maxTest: 0, seed: 1 });
 */
export function loadTaskData(task: TaskMeta, opts: SubsampleOptions, load: LoadOptions = {}): TaskData {
  const rng = (what: string) => rngFor(opts.seed, 'eval', task.name, what);
  switch (task.type) {
    case 'Retrieval':
      return subsampleRetrieval(
        loadBeir(task.dataset, task.evalSplit, load),
        opts.maxQueries,
        opts.maxCorpus,
        opts.seed,
        task.name,
      );
    case 'Reranking': {
      const full = loadBeir(task.dataset, task.evalSplit, load);
      const queries = subsample(full.queries, opts.maxQueries, rng('queries'));
      return {
        kind: 'reranking',
        queries: buildRerankingQueries({ ...full, queries }, task.bm25TopK),
        corpus: full.corpus,
      };
    }
    case 'STS':
      return { kind: 'sts', pairs: subsample(loadSts(task.dataset, task.evalSplit, load), opts.maxTest, rng('test')) };
    case 'PairClassification':
      return {
        kind: 'pair',
        pairs: subsample(loadPairClassification(task.dataset, task.evalSplit, load), opts.maxTest, rng('test')),
      };
    case 'Classification': {
      const train = loadClassification(task.dataset, task.trainSplit, load);
      const test = loadClassification(task.dataset, task.evalSplit, load);
      const labelNames = [...new Set([...train, ...test].map((r) => r.label))].sort();
      return {
        kind: 'classification',
        labelNames,
        train: labelled(subsample(train, opts.maxTrain, rng('train')), labelNames),
        test: labelled(subsample(test, opts.maxTest, rng('test')), labelNames),
      };
    }
    case 'Clustering': {
      const rows = subsample(loadClassification(task.dataset, task.evalSplit, load), opts.maxTest, rng('test'));
      const labelNames = [...new Set(rows.map((r) => r.label))].sort();
      return { kind: 'clustering', labelNames, items: labelled(rows, labelNames) };
    }
  }
}
