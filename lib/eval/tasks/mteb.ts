// Our tasks as mteb knows them: for each of the 11 that are MTEB tasks, the splits and subsets
// mteb evaluates, which of them we score and why not the rest; for the 6 that are not, why.
// Read by eval/results.ts, which writes this into every result file (`mteb_coverage`) and puts
// the non-MTEB tasks where mteb's loaders do not look.
//
// Source: the task metadata of embeddings-benchmark/mteb at tag 2.20.0 (commit
// a7110dff55ed6ca9cbde6219422c6a53a265f182), mteb/tasks/<type>/<lang>/*.py (`eval_splits`,
// `eval_langs`, `dataset`); the 1.14.17 column is tag 1.14.17 (commit 18662380f0f4), whose
// loader (mteb/load_results/mteb_results.py: validate_and_filter_scores) refuses a file that
// lacks one of these splits or subsets, where 2.20.0 fills the gap with NaN and warns.

/** One MTEB task: what mteb evaluates and what we score of it. */
export interface MtebTask {
  inMteb: true;
  /** mteb's dataset on the Hugging Face hub at the revision mteb 2.20.0 pins (we read our own copy: see dataset_revision). */
  hfDataset: { path: string; revision: string };
  /** mteb 2.20.0 `eval_splits`. */
  evalSplits: readonly string[];
  /** mteb 1.14.17 `eval_splits`, where they differ. */
  evalSplits1_14?: readonly string[];
  /** mteb `eval_langs` by subset ('default' when the task has none). */
  subsets: Readonly<Record<string, readonly string[]>>;
  /** What we score: the split and the subset our data is. */
  scored: { split: 'test'; subset: string };
  /** Why the other splits and subsets are not scored, or how our split differs from mteb's (absent: none). */
  why?: string;
}

/** One of our tasks that mteb does not have. */
export interface NotMtebTask {
  inMteb: false;
  why: string;
}

const ENG = { default: ['eng-Latn'] } as const;
const tested = { split: 'test', subset: 'default' } as const;

/** mteb's view of each task of tasks/registry.ts (a test checks that every task has an entry). */
export const MTEB_TASKS: Readonly<Record<string, MtebTask | NotMtebTask>> = {
  SciFact: {
    inMteb: true,
    hfDataset: { path: 'mteb/scifact', revision: 'd56462d0e63a25450459c4f213e49ffdb866f7f9' },
    evalSplits: ['test'],
    evalSplits1_14: ['train', 'test'],
    subsets: ENG,
    scored: tested,
    why: "mteb 1.x also scored the 'train' split; here it is a training split (lib/data/registry.ts), so only 'test' is scored, as mteb 2.x does",
  },
  STSBenchmark: {
    inMteb: true,
    hfDataset: { path: 'mteb/stsbenchmark-sts', revision: 'b0fddb56ed78048fa8b90373c8a3cfc37b684831' },
    evalSplits: ['test'],
    subsets: ENG,
    scored: tested,
  },
  'SICK-R': {
    inMteb: true,
    hfDataset: { path: 'mteb/sickr-sts', revision: '20a6d6f312dd54037fe07a32d58e5e168867909d' },
    evalSplits: ['test'],
    subsets: ENG,
    scored: tested,
    why: "our 'test' is the SemEval-2014 test file only (4,927 pairs); mteb's 'test' is all three SICK files (9,927 pairs), whose train and trial files are training data here",
  },
  STS12: sts('mteb/sts12-sts', 'a0d554a64d88156834ff5ae9920b964011b16384'),
  STS13: sts('mteb/sts13-sts', '7e90230a92c190f1bf69ae9002b8cea547a64cca'),
  STS14: sts('mteb/sts14-sts', '6031580fec1f6af667f0bd2da0a551cf4f0b2375'),
  STS15: sts('mteb/sts15-sts', 'ae752c7c21bf194d8b67fd573edf7ae58183cbe3'),
  STS16: sts('mteb/sts16-sts', '4d8694f8f0e0100860b497b999b3dbed754a0513'),
  BIOSSES: sts('mteb/biosses-sts', 'd3fb88f8f02e40887cd149695127462bbcf29b4a'),
  Banking77Classification: {
    inMteb: true,
    hfDataset: { path: 'mteb/banking77', revision: '0fd18e25b25c072e09e0d92ab615fda904d66300' },
    evalSplits: ['test'],
    subsets: ENG,
    scored: tested,
  },
  AmazonCounterfactualClassification: {
    inMteb: true,
    hfDataset: { path: 'mteb/amazon_counterfactual', revision: '1f7e6a9d6fa6e64c53d146e428565640410c0df1' },
    evalSplits: ['validation', 'test'],
    subsets: { 'en-ext': ['eng-Latn'], en: ['eng-Latn'], de: ['deu-Latn'], ja: ['jpn-Jpan'] },
    scored: { split: 'test', subset: 'en' },
    why: "the workbench registers the English subset only (EN_*.tsv) and holds its 'valid' split out for validation; the en-ext, de and ja subsets and mteb's 'validation' split are not run",
  },
  Cranfield: notMteb('Cranfield 1400, a classic IR test collection'),
  CISI: notMteb('CISI, a classic IR test collection'),
  MRPC: notMteb(
    'the Microsoft Research Paraphrase Corpus (MTEB English has TwitterURLCorpus and SprintDuplicateQuestions instead)',
  ),
  AGNewsClustering: notMteb('AG News clustered on a 20% hold-out of its test file'),
  BBCNewsClustering: notMteb('BBC News clustered on a 20% hold-out'),
  SciFactReranking: notMteb(
    'a reranking task built here from SciFact (judged abstracts + BM25 top 20); mteb has SciFact as retrieval only',
  ),
};

function sts(path: string, revision: string): MtebTask {
  return { inMteb: true, hfDataset: { path, revision }, evalSplits: ['test'], subsets: ENG, scored: tested };
}

function notMteb(what: string): NotMtebTask {
  return { inMteb: false, why: `not an MTEB task: ${what}` };
}

/**
 * mteb's view of one of our tasks; throws for a task without an entry (a new task needs one).
 * @example mtebTask('AmazonCounterfactualClassification').inMteb === true
 */
export function mtebTask(name: string): MtebTask | NotMtebTask {
  const t = MTEB_TASKS[name];
  if (!t) throw new Error(`lib/eval/tasks/mteb.ts has no entry for task '${name}': add one (in mteb or not, and why)`);
  return t;
}
