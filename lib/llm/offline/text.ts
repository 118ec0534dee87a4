// Text statistics for the offline stand-in teacher: an analyzer, sentence splitting,
// background term statistics, a Dirichlet-smoothed query likelihood and BM25.
// Pure functions; kept here (not in retrieval/) so the stand-in has no moving dependency.

const STOPWORDS = new Set(
  (
    'a about above after again against all also am an and any are as at be because been before being below between both but by can ' +
    'could did do does doing down during each few for from further had has have having he her here hers herself him himself his how ' +
    'i if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours ourselves out over ' +
    'own same she should so some such than that the their theirs them themselves then there these they this those through to too under ' +
    'until up very was we were what when where which while who whom why will with would you your yours yourself yourselves said says ' +
    'mr mrs ms one two may might must shall us than s t don also however much many'
  ).split(/\s+/),
);

/** Lowercased word tokens with stopwords and 1-character tokens removed. @example analyze('The Cat sat.') // ['cat', 'sat'] */
export function analyze(text: string): string[] {
  const out: string[] = [];
  for (const m of text.toLowerCase().matchAll(/[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu)) {
    const w = m[0].replace(/['’]s$/, '');
    if (w.length > 1 && !STOPWORDS.has(w)) out.push(w);
  }
  return out;
}

export function isStopword(word: string): boolean {
  return STOPWORDS.has(word.toLowerCase());
}

/** Split into sentences at . ! ? or line breaks followed by space/end; keeps sentences of >= 3 words. */
export function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?]["'”’)]?)\s+(?=["'“‘(\[]?[\p{Lu}\p{N}])|\n+/u)
    .map((s) => s.trim())
    .filter((s) => s.split(/\s+/).length >= 3);
}

/** Term counts of a token list. */
export function termCounts(tokens: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of tokens) m.set(t, (m.get(t) ?? 0) + 1);
  return m;
}

/** Background statistics of a collection: collection and document frequencies. */
export interface TermStats {
  numDocs: number;
  /** Total number of tokens in the collection. */
  numTokens: number;
  /** Collection frequency per term. */
  cf: Map<string, number>;
  /** Document frequency per term. */
  df: Map<string, number>;
  avgDocLen: number;
}

/** Build TermStats from texts. @example const stats = buildTermStats(passages.map(p => p.text)); */
export function buildTermStats(texts: Iterable<string>): TermStats {
  const cf = new Map<string, number>();
  const df = new Map<string, number>();
  let numDocs = 0,
    numTokens = 0;
  for (const text of texts) {
    const tokens = analyze(text);
    numDocs++;
    numTokens += tokens.length;
    for (const [t, c] of termCounts(tokens)) {
      cf.set(t, (cf.get(t) ?? 0) + c);
      df.set(t, (df.get(t) ?? 0) + 1);
    }
  }
  return { numDocs, numTokens, cf, df, avgDocLen: numDocs > 0 ? numTokens / numDocs : 0 };
}

/** Vocabulary size assumed for the uniform background when no collection is given. */
export const UNIFORM_VOCAB = 100_000;

/**
 * Background probability p(w | C), add-one smoothed so unseen words keep a small mass;
 * without stats, a uniform 1 / UNIFORM_VOCAB.
 */
export function backgroundProb(term: string, stats: TermStats | undefined): number {
  if (!stats || stats.numTokens === 0) return 1 / UNIFORM_VOCAB;
  return ((stats.cf.get(term) ?? 0) + 1) / (stats.numTokens + stats.cf.size + 1);
}

/**
 * Query likelihood with Dirichlet smoothing (Zhai & Lafferty 2001):
 * log p(q | d) = sum over query tokens w of log((tf(w, d) + mu p(w | C)) / (|d| + mu)).
 * @example dirichletQueryLogLikelihood(['cat'], ['cat', 'sat'], undefined, 2) // log((1 + 2/1e5) / 4)
 */
export function dirichletQueryLogLikelihood(
  queryTokens: readonly string[],
  docTokens: readonly string[],
  stats: TermStats | undefined,
  mu: number,
): number {
  const tf = termCounts(docTokens);
  let ll = 0;
  for (const w of queryTokens)
    ll += Math.log(((tf.get(w) ?? 0) + mu * backgroundProb(w, stats)) / (docTokens.length + mu));
  return ll;
}

/** BM25 idf (Lucene's non-negative variant); without stats every term gets idf 1. */
export function idf(term: string, stats: TermStats | undefined): number {
  if (!stats || stats.numDocs === 0) return 1;
  const n = stats.df.get(term) ?? 0;
  return Math.log(1 + (stats.numDocs - n + 0.5) / (n + 0.5));
}

/**
 * BM25 of a document for a query, and the score's upper bound (every query term with
 * saturated tf), so that `score / max` lies in [0, 1] whatever the query length.
 */
export function bm25(
  queryTokens: readonly string[],
  docTokens: readonly string[],
  stats: TermStats | undefined,
  k1 = 1.2,
  b = 0.75,
): { score: number; max: number } {
  const tf = termCounts(docTokens);
  const avg = stats && stats.avgDocLen > 0 ? stats.avgDocLen : Math.max(docTokens.length, 1);
  const norm = k1 * (1 - b + (b * docTokens.length) / avg);
  let score = 0,
    max = 0;
  for (const w of new Set(queryTokens)) {
    const weight = idf(w, stats);
    const f = tf.get(w) ?? 0;
    score += (weight * f * (k1 + 1)) / (f + norm);
    max += weight * (k1 + 1);
  }
  return { score, max };
}
