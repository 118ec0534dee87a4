// Ranking maths for FRet step 2 (paper §3.2 and appendix A): turn each LLM signal
// into ranks, fuse the ranks by reciprocal rank fusion, R(q,p) = sum_s 1/(k + r_s(q,p)).
// Gecko's printed formula has no constant (k = 0); the usual RRF default is k = 60.
// k is always passed explicitly. Pure functions, no I/O.

/** A scored item: higher score = more relevant. `tie`: continuous tie-break keys, compared in order, higher first. */
export interface Scored {
  id: string;
  score: number;
  tie?: readonly number[];
}

/**
 * 1-based ranks by descending score. Equal scores (and NaN, ranked last) are ordered by
 * the `tie` keys, higher first, key by key; only items equal on every key fall back to
 * ascending id. Every item gets a distinct rank and the result never depends on input
 * order. Callers pass a continuous tie key (FRet: see select.ts): the id is not a neutral
 * key (BBC ids begin with their category).
 * @example rankByScore([{id: 'b', score: 1, tie: [0.9]}, {id: 'a', score: 1, tie: [0.1]}, {id: 'c', score: 2}]) // { c: 1, b: 2, a: 3 }
 */
export function rankByScore(items: readonly Scored[]): Record<string, number> {
  const ids = new Set<string>();
  for (const it of items) {
    if (ids.has(it.id)) throw new Error(`rankByScore: duplicate id '${it.id}'`);
    ids.add(it.id);
  }
  const key = (s: number) => (Number.isNaN(s) ? -Infinity : s);
  const byTie = (a: Scored, b: Scored) => {
    const n = Math.max(a.tie?.length ?? 0, b.tie?.length ?? 0);
    for (let i = 0; i < n; i++) {
      const d = key(b.tie?.[i] ?? NaN) - key(a.tie?.[i] ?? NaN);
      if (d !== 0 && !Number.isNaN(d)) return d;
    }
    return 0;
  };
  const sorted = items
    .slice()
    .sort((a, b) => key(b.score) - key(a.score) || byTie(a, b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const out: Record<string, number> = {};
  sorted.forEach((it, i) => {
    out[it.id] = i + 1;
  });
  return out;
}

/**
 * Reciprocal rank fusion: fused[id] = sum over rankings of 1 / (k + rank).
 * Every ranking must rank the same ids. `k` is required (Gecko: 0; Cormack et al.: 60).
 * @example reciprocalRankFusion([{a: 1, b: 2}, {a: 2, b: 1}], { k: 0 }) // { a: 1.5, b: 1.5 }
 */
export function reciprocalRankFusion(
  rankings: readonly Record<string, number>[],
  opts: { k: number },
): Record<string, number> {
  const { k } = opts;
  if (typeof k !== 'number' || !Number.isFinite(k) || k < 0)
    throw new RangeError(`reciprocalRankFusion: k must be a number >= 0, got ${String(k)}`);
  if (rankings.length === 0) return {};
  const ids = Object.keys(rankings[0]!);
  const out: Record<string, number> = {};
  for (const id of ids) {
    let sum = 0;
    for (const ranking of rankings) {
      const r = ranking[id];
      if (r === undefined) throw new Error(`reciprocalRankFusion: id '${id}' is missing from one ranking`);
      if (!(r >= 1)) throw new RangeError(`reciprocalRankFusion: rank of '${id}' must be >= 1, got ${r}`);
      sum += 1 / (k + r);
    }
    out[id] = sum;
  }
  for (const ranking of rankings) {
    if (Object.keys(ranking).length !== ids.length)
      throw new Error('reciprocalRankFusion: rankings cover different ids');
  }
  return out;
}
