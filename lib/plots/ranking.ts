// FRet relabelling figures (paper §3.2, positive and negative mining): how the two LLM signals, query likelihood
// (QL) and relevance classification (RC), agree; where the chosen positive sat under each
// ranking; and, for one query, why its positive won. Input: fret.jsonl records (the
// structural types below are the subset of lib/fret/types.ts FretRecord these use).
import { colorAt, fmt, layout, type Figure, type Trace } from './figure';

/** The per-candidate fields the figures read (a subset of fret CandidateScores). */
export interface RankedCandidate {
  passageId: string;
  /** 1-based rank from the initial retriever; null when retrieval missed the seed passage. */
  retrievalRank: number | null;
  isSeed: boolean;
  ql: number;
  rc: number;
  qlRank: number;
  rcRank: number;
  fusedRank: number;
}

/** The per-query fields the figures read (a subset of fret FretRecord). */
export interface RankedQuery {
  queryId: string;
  query: string;
  candidates: readonly RankedCandidate[];
  positiveId: string;
  negativeId: string | null;
  seedFusedRank: number;
}

/** Spearman's rho between two rankings of the same items (Pearson correlation of the ranks). */
export function rankCorrelation(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`rankCorrelation: ${a.length} vs ${b.length} ranks`);
  const n = a.length;
  if (n < 2) return NaN;
  const ma = a.reduce((s, x) => s + x, 0) / n;
  const mb = b.reduce((s, x) => s + x, 0) / n;
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma,
      db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa === 0 || sbb === 0 ? NaN : sab / Math.sqrt(saa * sbb);
}

/** Mean per-query Spearman rho between QL and RC ranks, and the share of queries whose QL and RC top-1 coincide. */
export function qlRcAgreement(records: readonly RankedQuery[]): {
  meanSpearman: number;
  top1Agreement: number;
  queries: number;
} {
  const rhos = records
    .map((r) =>
      rankCorrelation(
        r.candidates.map((c) => c.qlRank),
        r.candidates.map((c) => c.rcRank),
      ),
    )
    .filter((x) => Number.isFinite(x));
  const top1 = records.filter((r) => {
    const q = r.candidates.find((c) => c.qlRank === 1),
      c = r.candidates.find((x) => x.rcRank === 1);
    return q !== undefined && q.passageId === c?.passageId;
  }).length;
  return {
    meanSpearman: rhos.length ? rhos.reduce((s, x) => s + x, 0) / rhos.length : NaN,
    top1Agreement: records.length ? top1 / records.length : NaN,
    queries: records.length,
  };
}

function maxRank(records: readonly RankedQuery[]): number {
  return Math.max(...records.map((r) => r.candidates.length));
}

/**
 * Heatmap of QL rank (x) against RC rank (y), counting candidates over all queries:
 * mass on the diagonal means the two teacher signals agree.
 * @example show(rankAgreement(fretRecords))
 */
export function rankAgreement(records: readonly RankedQuery[], opts: { title?: string } = {}): Figure {
  if (records.length === 0) throw new Error('rankAgreement: no FRet records');
  const n = maxRank(records);
  const counts = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (const r of records) for (const c of r.candidates) counts[c.rcRank - 1]![c.qlRank - 1]! += 1;
  const ranks = Array.from({ length: n }, (_, i) => i + 1);
  const a = qlRcAgreement(records);
  const title =
    opts.title ??
    `QL rank vs RC rank of ${n} candidates, ${a.queries} queries (mean Spearman ρ ${fmt(a.meanSpearman)}, same top-1 ${fmt(100 * a.top1Agreement)}%)`;
  return {
    data: [
      {
        type: 'heatmap',
        x: ranks,
        y: ranks,
        z: counts,
        colorscale: [
          [0, '#ffffff'],
          [0.001, '#eef4fb'],
          [1, '#08306b'],
        ],
        colorbar: { title: { text: 'candidates' } },
        hovertemplate: 'QL rank %{x}, RC rank %{y}: %{z}<extra></extra>',
      },
    ],
    layout: layout(title, 'query-likelihood (QL) rank', 'relevance-classification (RC) rank', {
      title: { text: title, font: { size: 14 } },
      xaxis: { dtick: n > 20 ? 5 : 1, constrain: 'domain' },
      yaxis: { dtick: n > 20 ? 5 : 1, scaleanchor: 'x', autorange: 'reversed' },
    }),
  };
}

/**
 * How often each rank held the chosen positive under retrieval, QL, RC, and where the seed
 * passage landed after fusion. Bars at rank 1 for 'seed passage, fused' = the positive is the seed.
 * @example show(positiveRankHistogram(fretRecords))
 */
export function positiveRankHistogram(records: readonly RankedQuery[], opts: { title?: string } = {}): Figure {
  if (records.length === 0) throw new Error('positiveRankHistogram: no FRet records');
  const n = maxRank(records);
  const positives = records.map((r) => {
    const p = r.candidates.find((c) => c.passageId === r.positiveId);
    if (!p)
      throw new Error(
        `positiveRankHistogram: query ${r.queryId}: positive ${r.positiveId} is not among its candidates`,
      );
    return p;
  });
  const series: [string, (number | null)[]][] = [
    ['positive: retrieval rank', positives.map((p) => p.retrievalRank)],
    ['positive: QL rank', positives.map((p) => p.qlRank)],
    ['positive: RC rank', positives.map((p) => p.rcRank)],
    ['seed passage: fused rank', records.map((r) => r.seedFusedRank)],
  ];
  // A 'not retrieved' bucket only when retrieval missed some chosen positive (it was the appended seed).
  const missed = positives.some((p) => p.retrievalRank === null);
  const cats = [...Array.from({ length: n }, (_, i) => String(i + 1)), ...(missed ? ['not retrieved'] : [])];
  const data: Trace[] = series.map(([name, ranks], i) => {
    const counts = new Array<number>(cats.length).fill(0);
    for (const r of ranks) counts[r === null ? n : r - 1]! += 1;
    return { type: 'bar', name, x: cats.slice(), y: counts, marker: { color: colorAt(i) } };
  });
  return {
    data,
    layout: layout(
      opts.title ??
        `Rank of the chosen positive under each signal, and of the seed passage after fusion (${records.length} queries)`,
      'rank among the candidates (1 = best)',
      'queries',
      {
        title: {
          text:
            opts.title ??
            `Rank of the chosen positive under each signal, and of the seed passage after fusion (${records.length} queries)`,
          font: { size: 14 },
        },
        barmode: 'group',
        xaxis: { type: 'category' },
      },
    ),
  };
}

/**
 * One query's candidates as points: QL score (x) against RC score (y), labelled by fused rank.
 * The positive (fused rank 1) is the point best on both signals combined; the negative and the
 * seed passage are marked.
 * @example show(candidateScores(fretRecords[0]))
 */
export function candidateScores(record: RankedQuery, opts: { title?: string } = {}): Figure {
  const cs = record.candidates;
  const kind = (c: RankedCandidate) =>
    c.passageId === record.positiveId ? 'positive' : c.passageId === record.negativeId ? 'negative' : 'other';
  const groups: [string, RankedCandidate[], Record<string, unknown>][] = [
    ['other candidates', cs.filter((c) => kind(c) === 'other'), { color: '#7f7f7f', size: 9, symbol: 'circle' }],
    ['chosen positive', cs.filter((c) => kind(c) === 'positive'), { color: '#2ca02c', size: 16, symbol: 'star' }],
    ['chosen negative', cs.filter((c) => kind(c) === 'negative'), { color: '#d62728', size: 13, symbol: 'x' }],
  ];
  const data: Trace[] = groups
    .filter(([, g]) => g.length > 0)
    .map(([name, g, marker]) => ({
      type: 'scatter',
      mode: 'markers+text',
      name,
      x: g.map((c) => c.ql),
      y: g.map((c) => c.rc),
      text: g.map((c) => String(c.fusedRank)),
      textposition: 'top center',
      marker: { ...marker, line: { width: g.map((c) => (c.isSeed ? 3 : 0)), color: '#000' } },
      customdata: g.map((c) => [
        c.passageId,
        c.qlRank,
        c.rcRank,
        c.fusedRank,
        c.retrievalRank ?? 'not retrieved',
        c.isSeed ? 'yes' : 'no',
      ]),
      hovertemplate:
        '%{customdata[0]}<br>QL rank %{customdata[1]}, RC rank %{customdata[2]}, fused rank %{customdata[3]}<br>retrieval rank %{customdata[4]}, seed: %{customdata[5]}<extra></extra>',
    }));
  const q = record.query.length > 60 ? record.query.slice(0, 57) + '...' : record.query;
  const title = opts.title ?? `Candidates of "${q}": QL vs RC score (labels: fused rank; black ring: seed passage)`;
  return {
    data,
    layout: layout(title, 'QL: log p(query | passage)', 'RC: relevance score', {
      title: { text: title, font: { size: 13 } },
    }),
  };
}
