// Loaders for the registered data sets: each reads the files of one split (see registry.ts)
// from the data directory and returns plain records. Files are parsed strictly: a missing
// file is a MissingDatasetError, a malformed row a DataError with file and 1-based line.
// Nothing is cached: parsing every file takes well under a second, and callers get fresh,
// freely mutable arrays.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, GeckoError } from '../core/errors';
import { readJsonl } from '../core/jsonl';
import { dataDir } from '../core/paths';
import type { Passage, Qrels, Query } from '../core/types';
import { expectFields, numberField, parseCsv, parseDelimited, readText, datasetPath, tsvRows, splitLines } from './parse';
import { getDataset, getSplit } from './registry';
import { holdoutSplitOf, holdoutSplitsByText } from './split';
import { parseJson, readJsonFile } from '../core/json';

/** Options shared by the loaders. */
export interface LoadOptions {
  /** Data directory; default dataDir() (GECKO_DATA_DIR, else ./data). */
  dataDir?: string;
}

export interface BeirData {
  corpus: Passage[];
  /** Only the queries that have qrels in the split, in file order. */
  queries: Query[];
  qrels: Qrels;
}

export interface StsPair { text1: string; text2: string; score: number }

export type NliLabel = 'ENTAILMENT' | 'NEUTRAL' | 'CONTRADICTION';
export interface NliPair { premise: string; hypothesis: string; label: NliLabel }

/** A labelled text; `id` is stable (file row number or source id). */
export interface LabeledText { id: string; text: string; label: string }

/** A labelled pair; label 1 = paraphrase / positive, 0 = not. */
export interface LabeledPair { id: string; text1: string; text2: string; label: 0 | 1 }

export interface SquadQuestion {
  id: string;
  question: string;
  context: string;
  /** Wikipedia article title, underscores as spaces. */
  title: string;
  answers: { text: string; answerStart: number }[];
}

const BEIR = ['scifact', 'cranfield', 'cisi'] as const;
const NLI_LABELS: readonly string[] = ['ENTAILMENT', 'NEUTRAL', 'CONTRADICTION'];

function checkName(name: string, allowed: readonly string[], loader: string): void {
  getDataset(name);
  if (!allowed.includes(name)) {
    throw new GeckoError(`${loader} cannot load '${name}' (task: ${getDataset(name).task})`, `${loader} loads: ${allowed.join(', ')}`);
  }
}

/**
 * A BEIR-layout retrieval collection: the whole corpus, the queries judged in `split`, and
 * that split's qrels. Corpus documents may have empty text (Cranfield 471 and 995).
 * @example const { corpus, queries, qrels } = loadBeir('scifact', 'test'); // 5,183 / 300 / 339 pairs
 */
export function loadBeir(name: string, split: string, opts: LoadOptions = {}): BeirData {
  checkName(name, BEIR, 'loadBeir');
  getSplit(name, split);
  const root = opts.dataDir ?? dataDir();
  const corpusPath = datasetPath(name, 'corpus.jsonl', root);
  const queriesPath = datasetPath(name, 'queries.jsonl', root);
  const qrelsPath = datasetPath(name, `qrels/${split}.tsv`, root);

  const corpus = readJsonl<{ _id: string | number; title?: string; text: string }>(corpusPath, (r) =>
    beirIdOk(r) && typeof r.text === 'string' && (r.title === undefined || typeof r.title === 'string') ||
    "expected {\"_id\": string, \"text\": string, \"title\"?: string}",
  ).map((r): Passage => ({ id: String(r._id), ...(r.title ? { title: r.title } : {}), text: r.text, source: name }));
  const allQueries = readJsonl<{ _id: string | number; text: string }>(queriesPath, (r) =>
    beirIdOk(r) && typeof r.text === 'string' || 'expected {"_id": string, "text": string}',
  ).map((r): Query => ({ id: String(r._id), text: r.text }));

  const docIds = new Set(corpus.map((p) => p.id));
  const queryIds = new Set(allQueries.map((q) => q.id));
  const qrels: Qrels = {};
  for (const row of tsvRows(readText(qrelsPath), qrelsPath, ['query-id', 'corpus-id', 'score'])) {
    expectFields(row, qrelsPath, 3, 'query-id, corpus-id, score');
    const [qid, did, s] = row.fields as [string, string, string];
    const score = numberField(s, qrelsPath, row.line, 'score');
    if (!queryIds.has(qid)) throw new DataError(qrelsPath, `query-id '${qid}' is not in queries.jsonl`, row.line);
    if (!docIds.has(did)) throw new DataError(qrelsPath, `corpus-id '${did}' is not in corpus.jsonl`, row.line);
    (qrels[qid] ??= {})[did] = score;
  }
  const queries = allQueries.filter((q) => qrels[q.id] !== undefined);
  return { corpus, queries, qrels };
}

function beirIdOk(r: any): boolean {
  return r !== null && typeof r === 'object' && (typeof r._id === 'string' || typeof r._id === 'number');
}

/** The SemEval STS 2012-2016 test sets (MTEB STS12-STS16), one layout. */
export const SEMEVAL_STS: readonly string[] = ['sts12', 'sts13', 'sts14', 'sts15', 'sts16'];
const STS_NAMES: readonly string[] = ['stsbenchmark', 'sick', ...SEMEVAL_STS, 'biosses'];
const BIOSSES_HEADER = ['id', 'sentence1', 'sentence2', 'score', 'annotator_a', 'annotator_b', 'annotator_c', 'annotator_d', 'annotator_e'];

/**
 * Scored sentence pairs. stsbenchmark: scores 0-5 from `sts-<split>.csv` (tab-separated,
 * 7 or 9 fields, never quote-parsed); sick: relatedness 1-5 from the SemEval-2014 file of
 * the split (train | trial | test); sts12-sts16: scores 0-5 from `test.tsv` (tab-separated with
 * Python csv quoting, header `sentence1 sentence2 score subset`); biosses: the mean expert score
 * 0-4 from `biosses.tsv` (unquoted).
 * @example loadSts('stsbenchmark', 'test').length === 1379
 * @example loadSts('sts12', 'test').length === 3108
 */
export function loadSts(name: string, split: string, opts: LoadOptions = {}): StsPair[] {
  checkName(name, STS_NAMES, 'loadSts');
  getSplit(name, split);
  if (name === 'sick') return readSick(split, opts).map(({ text1, text2, score }) => ({ text1, text2, score }));
  const root = opts.dataDir ?? dataDir();
  if (SEMEVAL_STS.includes(name)) {
    const path = datasetPath(name, `${split}.tsv`, root);
    const rows = parseDelimited(readText(path), path, '\t');
    if (rows[0]?.fields.join('\t') !== 'sentence1\tsentence2\tscore\tsubset') {
      throw new DataError(path, "expected the header line 'sentence1\\tsentence2\\tscore\\tsubset'", rows[0]?.line ?? 1);
    }
    return rows.slice(1).map((row) => {
      expectFields(row, path, 4, 'sentence1, sentence2, score, subset');
      const f = row.fields;
      return { text1: f[0]!, text2: f[1]!, score: numberField(f[2]!, path, row.line, 'score', [0, 5]) };
    });
  }
  if (name === 'biosses') {
    const path = datasetPath(name, 'biosses.tsv', root);
    return tsvRows(readText(path), path, BIOSSES_HEADER).map((row) => {
      expectFields(row, path, BIOSSES_HEADER.length, BIOSSES_HEADER.join(', '));
      const f = row.fields;
      return { text1: f[1]!, text2: f[2]!, score: numberField(f[3]!, path, row.line, 'score', [0, 4]) };
    });
  }
  const path = datasetPath(name, `sts-${split}.csv`, root);
  return tsvRows(readText(path), path).map((row) => {
    expectFields(row, path, [7, 9], 'genre, filename, year, id, score, sentence1, sentence2 [, source, source]');
    const f = row.fields;
    return { text1: f[5]!, text2: f[6]!, score: numberField(f[4]!, path, row.line, 'score', [0, 5]) };
  });
}

/**
 * SICK entailment pairs from the SemEval-2014 file of the split (train | trial | test).
 * @example loadSickNli('train')[0].label // 'NEUTRAL'
 */
export function loadSickNli(split: string, opts: LoadOptions = {}): NliPair[] {
  getSplit('sick', split);
  return readSick(split, opts).map(({ text1, text2, label }) => ({ premise: text1, hypothesis: text2, label }));
}

const NLI_JSONL: Record<string, Record<string, string>> = {
  multinli: { dev_matched: 'multinli_1.0_dev_matched.jsonl' },
  snli: { dev: 'snli_1.0_dev.jsonl', dev_nosick: 'snli_1.0_dev.noSICK.jsonl' },
};

/**
 * Premise / hypothesis / label pairs of an NLI data set: sick (train | trial | test, the
 * SemEval-2014 files), multinli (dev_matched) or snli (dev | dev_nosick; the tokenised test
 * copy is not loaded). Labels are upper-cased to NliLabel.
 * @example loadNli('multinli', 'dev_matched').length === 9815
 * @example loadNli('snli', 'dev_nosick').length === 9748
 */
export function loadNli(name: string, split: string, opts: LoadOptions = {}): NliPair[] {
  checkName(name, ['sick', ...Object.keys(NLI_JSONL)], 'loadNli');
  getSplit(name, split);
  if (name === 'sick') return loadSickNli(split, opts);
  const file = NLI_JSONL[name]![split];
  if (!file) {
    throw new GeckoError(`loadNli: '${name}' split '${split}' has no loader`, `loadable splits of ${name}: ${Object.keys(NLI_JSONL[name]!).join(', ')}`);
  }
  const path = datasetPath(name, file, opts.dataDir ?? dataDir());
  return readJsonl<{ premise: string; hypothesis: string; label: string }>(path, (r) =>
    (r !== null && typeof r === 'object' && typeof r.premise === 'string' && r.premise.trim() !== '' &&
      typeof r.hypothesis === 'string' && r.hypothesis.trim() !== '' &&
      typeof r.label === 'string' && NLI_LABELS.includes(r.label.toUpperCase())) ||
    'expected {"premise": non-empty string, "hypothesis": non-empty string, "label": "entailment" | "neutral" | "contradiction"}',
  ).map((r) => ({ premise: r.premise, hypothesis: r.hypothesis, label: r.label.toUpperCase() as NliLabel }));
}

const SICK_FILES: Record<string, string> = {
  train: 'semeval2014/SICK_train.txt',
  trial: 'semeval2014/SICK_trial.txt',
  test: 'semeval2014/SICK_test_annotated.txt',
};

function readSick(split: string, opts: LoadOptions) {
  const path = datasetPath('sick', SICK_FILES[split]!, opts.dataDir ?? dataDir());
  return tsvRows(readText(path), path).map((row) => {
    expectFields(row, path, 5, 'pair_ID, sentence_A, sentence_B, relatedness_score, entailment_judgment');
    const f = row.fields;
    const label = f[4]!;
    if (!NLI_LABELS.includes(label)) {
      throw new DataError(path, `entailment_judgment must be one of ${NLI_LABELS.join(', ')}, got '${label}'`, row.line);
    }
    return { text1: f[1]!, text2: f[2]!, score: numberField(f[3]!, path, row.line, 'relatedness_score', [1, 5]), label: label as NliLabel };
  });
}

/**
 * Labelled texts for classification (and clustering). banking77 (train | test; labels =
 * intent names), amazon_counterfactual EN (train | valid | test; labels '0' / '1'),
 * ag_news and bbc_news (cluster | corpus; labels = class names). AG News text is
 * "<title>. <description>" with the file's escape residue decoded; BBC text is the article.
 * @example loadClassification('banking77', 'test').length === 3080
 */
export function loadClassification(name: string, split: string, opts: LoadOptions = {}): LabeledText[] {
  checkName(name, ['banking77', 'amazon_counterfactual', 'ag_news', 'bbc_news'], 'loadClassification');
  getSplit(name, split);
  const root = opts.dataDir ?? dataDir();
  if (name === 'banking77') return readBanking(split, root);
  if (name === 'amazon_counterfactual') {
    const path = datasetPath(name, `EN_${split}.tsv`, root);
    return tsvRows(readText(path), path, ['sentence', 'is_counterfactual']).map((row, i) => {
      expectFields(row, path, 2, 'sentence, is_counterfactual');
      const [text, label] = row.fields as [string, string];
      if (label !== '0' && label !== '1') throw new DataError(path, `is_counterfactual must be 0 or 1, got '${label}'`, row.line);
      return { id: `${split}-${i + 1}`, text, label };
    });
  }
  if (name === 'ag_news') {
    return readAgNews(root).filter((r) => r.split === split)
      .map((r) => ({ id: r.id, text: joinTitle(r.title, r.description), label: r.label }));
  }
  const articles = readBbc(root);
  const splits = holdoutSplitsByText('bbc_news', articles, newsClusterTexts('ag_news', root));
  return articles.filter((r) => splits.get(r.id) === split)
    .map((r) => ({ id: r.id, text: r.text, label: r.category }));
}

function readBanking(split: string, root: string): LabeledText[] {
  const catPath = datasetPath('banking77', 'categories.json', root);
  let categories: Set<string>;
  try {
    categories = new Set(parseJson(readText(catPath), catPath) as string[]);
  } catch (e) {
    throw new DataError(catPath, `not a JSON array of intent names (${(e as Error).message})`);
  }
  const path = datasetPath('banking77', `${split}.csv`, root);
  const rows = parseCsv(readText(path), path);
  if (rows[0]?.fields.join(',') !== 'text,category') {
    throw new DataError(path, `expected the header line 'text,category'`, rows[0]?.line ?? 1);
  }
  return rows.slice(1).map((row, i) => {
    expectFields(row, path, 2, 'text, category');
    const [text, label] = row.fields as [string, string];
    if (!categories.has(label)) throw new DataError(path, `category '${label}' is not in categories.json`, row.line);
    return { id: `${split}-${i + 1}`, text, label };
  });
}

/** One AG News row with its stable id ('ag_news/<row number>') and hold-out split ('excluded': a corpus row whose text is a cluster row's). */
export interface AgNewsRow { id: string; title: string; description: string; label: string; split: 'cluster' | 'corpus' | 'excluded' }

/** AG News rows (all 7,600), decoded, without their split. */
function parseAgNews(root: string): Omit<AgNewsRow, 'split'>[] {
  const classesPath = datasetPath('ag_news', 'classes.txt', root);
  const classes = splitLines(readText(classesPath)).map((s) => s.trim()).filter(Boolean);
  const path = datasetPath('ag_news', 'test.csv', root);
  return parseCsv(readText(path), path).map((row, i) => {
    expectFields(row, path, 3, 'class, title, description');
    const [cls, title, description] = row.fields as [string, string, string];
    const k = numberField(cls, path, row.line, 'class', [1, classes.length]);
    return { id: `ag_news/${i + 1}`, title: decodeAgNewsText(title), description: decodeAgNewsText(description), label: classes[k - 1]! };
  });
}

/** @internal AG News rows (all 7,600), decoded, with their split. */
export function readAgNews(root: string): AgNewsRow[] {
  const rows = parseAgNews(root);
  const splits = holdoutSplitsByText(
    'ag_news',
    rows.map((r) => ({ id: r.id, text: `${r.title}\n\n${r.description}` })), // the description is a passage of its own
    newsClusterTexts('bbc_news', root),
  );
  return rows.map((r) => ({ ...r, split: splits.get(r.id)! }));
}

function joinTitle(title: string, body: string): string {
  if (!title) return body;
  return /[.!?:]$/.test(title) ? `${title} ${body}` : `${title}. ${body}`;
}

// Windows-1252 characters for codes 0x80-0x9F (the five undefined codes map to themselves): the AG News entities
// use them, e.g. #151; for an em dash and #146; for a right single quote.
const CP1252_80_9F = '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';
const charFromCode = (code: number) =>
  code >= 0x80 && code < 0xa0 ? CP1252_80_9F[code - 0x80]! : code > 0x10ffff ? '' : String.fromCodePoint(code);

/**
 * Undo AG News escape residue: `\$` is a dollar sign; other backslashes mark the original
 * line breaks (-> space); `#36;`-style and `&#36;` / `&lt;` / `&gt;` / `&amp;` / `&quot;`
 * entities are decoded (codes 128-159 as Windows-1252, e.g. `#151;` is an em dash);
 * whitespace runs collapse to one space.
 * @example decodeAgNewsText('the  #36;10 million\\prize') === 'the $10 million prize'
 */
export function decodeAgNewsText(s: string): string {
  return s
    .replace(/\\\$/g, '$')
    .replace(/\\+/g, ' ')
    .replace(/&?#(\d{1,6});/g, (_, d: string) => charFromCode(Number(d)))
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The clustering hold-out texts of one news corpus (by id alone, so the two corpora do not depend
 * on each other), or none when it is not in the data directory. The other corpus's 'corpus' split
 * leaves these out too: AG News and BBC News carry some of the same wire stories.
 */
export function newsClusterTexts(name: 'ag_news' | 'bbc_news', root: string): string[] {
  const present = name === 'ag_news' ? ['test.csv', 'classes.txt'] : ['bbc_fulltext.jsonl'];
  if (!present.every((f) => existsSync(join(root, name, f)))) return [];
  if (name === 'bbc_news') return readBbc(root).filter((a) => holdoutSplitOf('bbc_news', a.id) === 'cluster').map((a) => a.text);
  return parseAgNews(root).filter((r) => holdoutSplitOf('ag_news', r.id) === 'cluster').map((r) => joinTitle(r.title, r.description));
}

/** One BBC article: id '<category>/<nnn>', the category, and the full text (headline first). */
export interface BbcArticle { id: string; category: string; text: string }

/** @internal All 2,225 BBC articles. */
export function readBbc(root: string): BbcArticle[] {
  const path = datasetPath('bbc_news', 'bbc_fulltext.jsonl', root);
  return readJsonl<BbcArticle>(path, (r) =>
    r && typeof r.id === 'string' && typeof r.category === 'string' && typeof r.text === 'string' && r.text.trim() !== '' ||
    'expected {"id": string, "category": string, "text": non-empty string}',
  ).map((r) => ({ id: r.id, category: r.category, text: r.text }));
}

/**
 * MRPC sentence pairs (train | test): label 1 = paraphrase. The files have a BOM and no header.
 * @example loadPairClassification('mrpc', 'test').length === 1725
 */
export function loadPairClassification(name: string, split: string, opts: LoadOptions = {}): LabeledPair[] {
  checkName(name, ['mrpc'], 'loadPairClassification');
  getSplit(name, split);
  const path = datasetPath(name, `msr_paraphrase_${split}.txt`, opts.dataDir ?? dataDir());
  return tsvRows(readText(path), path).map((row) => {
    expectFields(row, path, 5, 'Quality, #1 ID, #2 ID, #1 String, #2 String');
    const [q, id1, id2, text1, text2] = row.fields as [string, string, string, string, string];
    if (q !== '0' && q !== '1') throw new DataError(path, `Quality must be 0 or 1, got '${q}'`, row.line);
    return { id: `${id1}-${id2}`, text1, text2, label: q === '1' ? 1 : 0 };
  });
}

/**
 * Every SQuAD v1.1 dev question with its paragraph and article title (training data here).
 * @example loadSquad().length === 10570
 */
export function loadSquad(opts: LoadOptions = {}): SquadQuestion[] {
  const out: SquadQuestion[] = [];
  forEachSquadParagraph(opts, (title, context, qas, where, path) => {
    qas.forEach((qa: any, k: number) => {
      const at = `${where}.qas[${k}]`;
      if (!qa || typeof qa.id !== 'string' || typeof qa.question !== 'string' || !Array.isArray(qa.answers)) {
        throw new DataError(path, `${at}: expected {id: string, question: string, answers: [...]}`);
      }
      const answers = qa.answers.map((a: any, j: number) => {
        if (!a || typeof a.text !== 'string' || typeof a.answer_start !== 'number') {
          throw new DataError(path, `${at}.answers[${j}]: expected {text: string, answer_start: number}`);
        }
        return { text: a.text, answerStart: a.answer_start };
      });
      out.push({ id: qa.id, question: qa.question, context, title, answers });
    });
  });
  return out;
}

/** @internal Walks data[i].paragraphs[j] of dev-v1.1.json, checking the structure. */
export function forEachSquadParagraph(
  opts: LoadOptions,
  visit: (title: string, context: string, qas: unknown[], where: string, path: string, article: number, paragraph: number) => void,
): void {
  const path = datasetPath('squad_v1.1_dev', 'dev-v1.1.json', opts.dataDir ?? dataDir());
  let doc: any;
  doc = readJsonFile(path, { dataKeys: true, hint: 'fetch it again: npx gecko data fetch squad_v1.1_dev --force' });
  if (!doc || !Array.isArray(doc.data)) throw new DataError(path, 'expected {"version", "data": [...]} at the top level');
  doc.data.forEach((article: any, i: number) => {
    if (!article || typeof article.title !== 'string' || !Array.isArray(article.paragraphs)) {
      throw new DataError(path, `data[${i}]: expected {title: string, paragraphs: [...]}`);
    }
    const title = article.title.replace(/_/g, ' ');
    article.paragraphs.forEach((p: any, j: number) => {
      const where = `data[${i}].paragraphs[${j}]`;
      if (!p || typeof p.context !== 'string' || !Array.isArray(p.qas)) {
        throw new DataError(path, `${where}: expected {context: string, qas: [...]}`);
      }
      visit(title, p.context, p.qas, where, path, i, j);
    });
  });
}
