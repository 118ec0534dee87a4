// The evaluation tasks, declared once. Names match lib/config/presets.ts ALL_TASKS.
// Prompts: paper App. C (Table 9) where the data set is in MTEB; our documented choice otherwise.
import { GeckoError } from '../../core/errors';
import type { TaskMeta, TaskType } from './types';

const PAPER = 'Gecko App. C, Table 9';

export const TASKS: readonly TaskMeta[] = [
  {
    name: 'SciFact',
    type: 'Retrieval',
    dataset: 'scifact',
    evalSplit: 'test',
    mainScore: 'ndcg_at_10',
    description:
      'Scientific claims (queries) against paper abstracts (BEIR/MTEB SciFact, 300 test claims, 5,183 abstracts).',
    prompt: 'fact checking',
    symmetric: false,
    promptSource: PAPER,
  },
  {
    name: 'Cranfield',
    type: 'Retrieval',
    dataset: 'cranfield',
    evalSplit: 'test',
    mainScore: 'ndcg_at_10',
    description: 'Cranfield 1400: aeronautics questions against abstracts, graded relevance (not in MTEB).',
    prompt: 'question answering',
    symmetric: false,
    promptSource: 'our choice: the queries are questions',
  },
  {
    name: 'CISI',
    type: 'Retrieval',
    dataset: 'cisi',
    evalSplit: 'test',
    mainScore: 'ndcg_at_10',
    description: 'CISI: library-science information needs against abstracts (not in MTEB).',
    prompt: 'search result',
    symmetric: false,
    promptSource: 'our choice: the queries are descriptive information needs',
  },
  {
    name: 'STSBenchmark',
    type: 'STS',
    dataset: 'stsbenchmark',
    evalSplit: 'test',
    mainScore: 'cosine_spearman',
    description: 'STS Benchmark test pairs, gold similarity 0-5.',
    prompt: 'semantic similarity',
    symmetric: true,
    promptSource: PAPER,
  },
  {
    name: 'SICK-R',
    type: 'STS',
    dataset: 'sick',
    evalSplit: 'test',
    mainScore: 'cosine_spearman',
    description:
      'SICK relatedness 1-5, SemEval-2014 test file only (MTEB uses all three files; see lib/data/registry.ts).',
    prompt: 'semantic similarity',
    symmetric: true,
    promptSource: PAPER,
  },
  {
    name: 'STS12',
    type: 'STS',
    dataset: 'sts12',
    evalSplit: 'test',
    mainScore: 'cosine_spearman',
    description:
      'SemEval STS 2012 English test (3,108 pairs: MSRpar, MSRvid, SMTeuroparl, OnWN, SMTnews), gold 0-5, original-case text.',
    prompt: 'semantic similarity',
    symmetric: true,
    promptSource: PAPER,
  },
  {
    name: 'STS13',
    type: 'STS',
    dataset: 'sts13',
    evalSplit: 'test',
    mainScore: 'cosine_spearman',
    description: 'SemEval STS 2013 English test (1,500 pairs: FNWN, headlines, OnWN), gold 0-5, original-case text.',
    prompt: 'semantic similarity',
    symmetric: true,
    promptSource: PAPER,
  },
  {
    name: 'STS14',
    type: 'STS',
    dataset: 'sts14',
    evalSplit: 'test',
    mainScore: 'cosine_spearman',
    description:
      'SemEval STS 2014 English test (3,750 pairs: deft-forum, deft-news, headlines, images, OnWN, tweet-news), gold 0-5, original-case text.',
    prompt: 'semantic similarity',
    symmetric: true,
    promptSource: PAPER,
  },
  {
    name: 'STS15',
    type: 'STS',
    dataset: 'sts15',
    evalSplit: 'test',
    mainScore: 'cosine_spearman',
    description:
      'SemEval STS 2015 English test (3,000 pairs: answers-forums, answers-students, belief, headlines, images), gold 0-5, original-case text.',
    prompt: 'semantic similarity',
    symmetric: true,
    promptSource: PAPER,
  },
  {
    name: 'STS16',
    type: 'STS',
    dataset: 'sts16',
    evalSplit: 'test',
    mainScore: 'cosine_spearman',
    description:
      'SemEval STS 2016 English test (1,186 pairs: answer-answer, headlines, plagiarism, postediting, question-question), gold 0-5, original-case text. The plagiarism subset is CC BY-NC-SA (non-commercial).',
    prompt: 'semantic similarity',
    symmetric: true,
    promptSource: PAPER,
  },
  {
    name: 'BIOSSES',
    type: 'STS',
    dataset: 'biosses',
    evalSplit: 'test',
    mainScore: 'cosine_spearman',
    description: 'BIOSSES: 100 biomedical sentence pairs, gold = mean of 5 expert scores (0-4). GPL-3.0 data.',
    prompt: 'semantic similarity',
    symmetric: true,
    promptSource: PAPER,
  },
  {
    name: 'Banking77Classification',
    type: 'Classification',
    dataset: 'banking77',
    evalSplit: 'test',
    trainSplit: 'train',
    mainScore: 'accuracy',
    description: 'Banking77 intents (77 classes); logistic regression on undersampled train embeddings.',
    prompt: 'classification',
    symmetric: true,
    promptSource: PAPER,
    nExperiments: 10,
    samplesPerLabel: 8,
  },
  {
    name: 'AmazonCounterfactualClassification',
    type: 'Classification',
    dataset: 'amazon_counterfactual',
    evalSplit: 'test',
    trainSplit: 'train',
    mainScore: 'accuracy',
    description: 'Amazon counterfactual statements, English subset (2 classes).',
    prompt: 'classification',
    symmetric: true,
    promptSource: PAPER,
    nExperiments: 10,
    samplesPerLabel: 32,
  },
  {
    name: 'MRPC',
    type: 'PairClassification',
    dataset: 'mrpc',
    evalSplit: 'test',
    mainScore: 'cosine_ap',
    description: 'Microsoft Research Paraphrase Corpus test pairs (not in MTEB English; scored like TwitterURLCorpus).',
    prompt: 'semantic similarity',
    symmetric: true,
    promptSource: PAPER + ' (pair classification)',
  },
  {
    name: 'AGNewsClustering',
    type: 'Clustering',
    dataset: 'ag_news',
    evalSplit: 'cluster',
    mainScore: 'v_measure',
    description: "AG News titles + descriptions, 4 topics; the 'cluster' hold-out (20%) of the test file.",
    prompt: 'search result',
    symmetric: true,
    promptSource: PAPER + ' (clustering)',
  },
  {
    name: 'BBCNewsClustering',
    type: 'Clustering',
    dataset: 'bbc_news',
    evalSplit: 'cluster',
    mainScore: 'v_measure',
    description: "BBC News full articles, 5 topics; the 'cluster' hold-out (20%).",
    prompt: 'search result',
    symmetric: true,
    promptSource: PAPER + ' (clustering)',
  },
  {
    name: 'SciFactReranking',
    type: 'Reranking',
    dataset: 'scifact',
    evalSplit: 'test',
    mainScore: 'map',
    description:
      'SciFact test claims; candidates = judged-relevant abstracts + BM25 top 20 of the full corpus; MAP as MTEB reranking.',
    prompt: 'fact checking',
    symmetric: false,
    promptSource: PAPER + ' (SciFact)',
    bm25TopK: 20,
  },
];

export const TASK_NAMES: readonly string[] = TASKS.map((t) => t.name);

/**
 * A task by name (case-insensitive); a GeckoError listing the names otherwise.
 * @example getTask('scifact').mainScore === 'ndcg_at_10'
 */
export function getTask(name: string): TaskMeta {
  const t = TASKS.find((x) => x.name.toLowerCase() === name.toLowerCase());
  if (!t) throw new GeckoError(`unknown evaluation task '${name}'`, `known tasks: ${TASK_NAMES.join(', ')} (or 'all')`);
  return t;
}

/**
 * Expand a --tasks list: names, 'all', or a task type (e.g. 'Retrieval').
 * @example selectTasks(['all']).length === 11; selectTasks(['STS']).map(t => t.name) // ['STSBenchmark', 'SICK-R']
 */
export function selectTasks(names: readonly string[]): TaskMeta[] {
  const out: TaskMeta[] = [];
  for (const n of names) {
    const byType = TASKS.filter((t) => t.type.toLowerCase() === n.toLowerCase());
    const picked = n.toLowerCase() === 'all' ? [...TASKS] : byType.length ? byType : [getTask(n)];
    for (const t of picked) if (!out.includes(t)) out.push(t);
  }
  return out;
}

/** Tasks of one type. */
export function tasksOfType(type: TaskType): TaskMeta[] {
  return TASKS.filter((t) => t.type === type);
}
