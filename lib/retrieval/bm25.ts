// BM25 (Robertson et al.) with an Elasticsearch-like `english` analyzer, the lexical
// baseline of BEIR and our default FRet retriever when no encoder is given.
// Multi-field mode scores title and text as separate fields and combines them as
// max + tieBreaker * (the others). The default tieBreaker 1 sums the fields, as a Lucene
// query over both fields does (Pyserini's BEIR "multifield" index, SciFact nDCG@10 0.665);
// 0.5 is Elasticsearch's best_fields with BEIR's tie_breaker. Flat mode scores title+text
// as one field (Pyserini's "flat" index, SciFact 0.679).
import { porterStem } from './porter';

/** Lucene's English stop words (the `english` analyzer's default set). */
export const ENGLISH_STOP_WORDS = new Set([
  'a',
  'an',
  'and',
  'are',
  'as',
  'at',
  'be',
  'but',
  'by',
  'for',
  'if',
  'in',
  'into',
  'is',
  'it',
  'no',
  'not',
  'of',
  'on',
  'or',
  'such',
  'that',
  'the',
  'their',
  'then',
  'there',
  'these',
  'they',
  'this',
  'to',
  'was',
  'will',
  'with',
]);

const TOKEN = /[\p{L}\p{N}]+(?:['\u2019][\p{L}\p{N}]+)*/gu;

/**
 * Analyze text like Elasticsearch's `english` analyzer: tokenize on letters/digits,
 * lowercase, drop possessive 's, drop stop words, Porter-stem.
 * @example analyze("The Cat's whiskers") // ['cat', 'whisker']
 */
export function analyze(text: string): string[] {
  const out: string[] = [];
  for (const m of text.toLowerCase().matchAll(TOKEN)) {
    let t = m[0];
    if (t.endsWith("'s") || t.endsWith('\u2019s')) t = t.slice(0, -2);
    t = t.replace(/['\u2019]/g, '');
    if (!t || ENGLISH_STOP_WORDS.has(t)) continue;
    out.push(porterStem(t));
  }
  return out;
}

export interface Bm25Doc {
  id: string;
  title?: string;
  text: string;
}

export interface Bm25Options {
  k1?: number;
  b?: number;
  /** 'multifield' (BEIR/Elasticsearch best_fields over title and text) or 'flat' (one field). */
  fields?: 'multifield' | 'flat';
  /** Weight of the non-best fields: 1 = sum (Lucene/Pyserini multifield, default), 0.5 = ES best_fields as in BEIR. */
  tieBreaker?: number;
}

interface FieldIndex {
  postings: Map<string, { doc: Int32Array; tf: Float32Array }>;
  lengths: Float32Array;
  avgLength: number;
}

function buildField(texts: readonly string[]): FieldIndex {
  const lists = new Map<string, { doc: number[]; tf: number[] }>();
  const lengths = new Float32Array(texts.length);
  texts.forEach((text, d) => {
    const terms = analyze(text);
    lengths[d] = terms.length;
    const counts = new Map<string, number>();
    for (const t of terms) counts.set(t, (counts.get(t) ?? 0) + 1);
    for (const [t, c] of counts) {
      let l = lists.get(t);
      if (!l) lists.set(t, (l = { doc: [], tf: [] }));
      l.doc.push(d);
      l.tf.push(c);
    }
  });
  const postings = new Map<string, { doc: Int32Array; tf: Float32Array }>();
  for (const [t, l] of lists) postings.set(t, { doc: Int32Array.from(l.doc), tf: Float32Array.from(l.tf) });
  const total = lengths.reduce((a, b) => a + b, 0);
  return { postings, lengths, avgLength: texts.length ? total / texts.length : 0 };
}

/**
 * An in-memory BM25 index.
 * @example
 * const index = new Bm25Index([{ id: 'd1', text: 'gecko embeddings' }, { id: 'd2', text: 'cats' }]);
 * index.search('gecko', 10) // [{ id: 'd1', score: ... }]
 */
export class Bm25Index {
  readonly ids: readonly string[];
  private readonly k1: number;
  private readonly b: number;
  private readonly tieBreaker: number;
  private readonly fields: FieldIndex[];
  private readonly position = new Map<string, number>();

  constructor(docs: readonly Bm25Doc[], opts: Bm25Options = {}) {
    this.k1 = opts.k1 ?? 1.2;
    this.b = opts.b ?? 0.75;
    this.tieBreaker = opts.tieBreaker ?? 1;
    this.ids = docs.map((d) => d.id);
    this.ids.forEach((id, i) => this.position.set(id, i));
    const mode = opts.fields ?? 'multifield';
    this.fields =
      mode === 'flat'
        ? [buildField(docs.map((d) => (d.title ? d.title + ' ' : '') + d.text))]
        : [buildField(docs.map((d) => d.title ?? '')), buildField(docs.map((d) => d.text))];
  }

  get size(): number {
    return this.ids.length;
  }

  /** BM25 scores of every document for a query (0 where no term matches). */
  scores(query: string): Float64Array {
    const terms = analyze(query);
    const n = this.ids.length;
    const perField = this.fields.map((f) => {
      const s = new Float64Array(n);
      for (const t of terms) {
        const p = f.postings.get(t);
        if (!p) continue;
        // Lucene's idf: ln(1 + (N - df + 0.5) / (df + 0.5))
        const idf = Math.log(1 + (n - p.doc.length + 0.5) / (p.doc.length + 0.5));
        for (let j = 0; j < p.doc.length; j++) {
          const d = p.doc[j]!;
          const tf = p.tf[j]!;
          const norm = this.k1 * (1 - this.b + (this.b * f.lengths[d]!) / (f.avgLength || 1));
          s[d] += (idf * tf * (this.k1 + 1)) / (tf + norm);
        }
      }
      return s;
    });
    if (perField.length === 1) return perField[0]!;
    const out = new Float64Array(n);
    for (let d = 0; d < n; d++) {
      let best = 0;
      let sum = 0;
      for (const s of perField) {
        const v = s[d]!;
        sum += v;
        if (v > best) best = v;
      }
      out[d] = best + this.tieBreaker * (sum - best);
    }
    return out;
  }

  /** Top-k documents by score (ties broken by id ascending); documents scoring 0 are left out. */
  search(query: string, k: number): { id: string; score: number }[] {
    const s = this.scores(query);
    const hits: { id: string; score: number }[] = [];
    for (let d = 0; d < s.length; d++) if (s[d]! > 0) hits.push({ id: this.ids[d]!, score: s[d]! });
    hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return hits.slice(0, k);
  }

  /** The BM25 score of one document for a query. */
  score(query: string, docId: string): number {
    const d = this.position.get(docId);
    if (d === undefined) throw new RangeError(`Bm25Index.score: unknown document id '${docId}'`);
    return this.scores(query)[d]!;
  }
}
