// FRet statistics (fret.report.json): how often the LLM relabels (positive != seed
// passage; the paper reports about 15%), rank histograms, agreement between the two
// LLM signals, calls and cost per example, skips per reason. Pure: records in, report out.
import { spearman } from '../eval/metrics/correlation';
import type { Usage } from '../llm/types';
import type { FretRecord, SkipRecord } from './types';

export interface FretReport {
  stage: 'fret';
  teacher: string;
  /** True for the offline teacher: its numbers describe a stand-in, not an LLM. */
  standIn: boolean;
  note?: string;
  retriever: string;
  /** What the retriever was given: 'bare' (the query alone; lexical) or the task + query format (dense). */
  searchFormat: string;
  rrfK: number;
  signals: string;
  positive: string;
  negativeStrategy: string;
  examples: number;
  skipped: Record<string, number>;
  /** Fraction of examples whose positive is not the seed passage. */
  relabelRate: number;
  relabelled: number;
  /** How often the retriever missed the seed passage (it was then added as a candidate). */
  seedAddedRate: number;
  /** counts[rank] of the seed passage's fused rank (index 0 unused). */
  seedFusedRankHistogram: number[];
  /** counts[rank] of the positive's QL rank and RC rank. */
  positiveQlRankHistogram: number[];
  positiveRcRankHistogram: number[];
  agreement: {
    /** Mean over queries of Spearman's rho between QL and RC ranks of the candidates. */
    spearman: number;
    /** Mean over queries of Kendall's tau between QL and RC ranks. */
    kendall: number;
    /** Fraction of queries where QL and RC put the same passage first. */
    top1: number;
  };
  /**
   * Fused-rank ties (broken by zSum, then a hash key; see select.ts): queries whose top /
   * bottom fused score is shared by two or more candidates, and the largest such groups.
   * A tie at the top means the positive (rule 'fused') was chosen by the tie-break, not by
   * the teacher; a tie at the bottom, the same for the 'lowest' negative.
   */
  ties: { top: number; bottom: number; topRate: number; bottomRate: number; maxTop: number; maxBottom: number };
  /** Teacher answers still unusable after the retries (those candidates were ranked last), and retries spent. */
  failures: { ql: number; rc: number; retries: number; queriesWithFailures: number };
  usage?: Usage & { perExample: { calls: number; tokens: number; costUsd: number } };
}

/** Kendall's tau-a of two rankings of the same items. @example kendall([1,2,3],[1,3,2]) // 1/3 */
export function kendall(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  if (n !== b.length) throw new RangeError('kendall: lengths differ');
  if (n < 2) return NaN;
  let s = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) s += Math.sign(a[i]! - a[j]!) * Math.sign(b[i]! - b[j]!);
  return s / ((n * (n - 1)) / 2);
}

function histogram(values: readonly number[], size: number): number[] {
  const h = new Array(size + 1).fill(0) as number[];
  for (const v of values) {
    while (h.length <= v) h.push(0);
    h[v]!++;
  }
  return h;
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : NaN);

/**
 * Summarise FRet records.
 * @example const report = fretReport(records, { teacher: 'offline', standIn: true, skips, usage });
 */
export function fretReport(
  records: readonly FretRecord[],
  opts: { teacher: string; standIn: boolean; skips?: readonly SkipRecord[]; usage?: Usage },
): FretReport {
  const size = Math.max(0, ...records.map((r) => r.candidates.length));
  const skipped: Record<string, number> = {};
  for (const s of opts.skips ?? []) skipped[s.reason] = (skipped[s.reason] ?? 0) + 1;
  const relabelled = records.filter((r) => !r.positiveIsSeed).length;
  const pos = records.map((r) => r.candidates.find((c) => c.passageId === r.positiveId)!);
  const sp: number[] = [],
    kt: number[] = [];
  let top1 = 0;
  for (const r of records) {
    const ql = r.candidates.map((c) => c.qlRank),
      rc = r.candidates.map((c) => c.rcRank);
    sp.push(spearman(ql, rc));
    kt.push(kendall(ql, rc));
    if (r.candidates.find((c) => c.qlRank === 1)?.passageId === r.candidates.find((c) => c.rcRank === 1)?.passageId)
      top1++;
  }
  const n = records.length;
  const first = records[0];
  const report: FretReport = {
    stage: 'fret',
    teacher: opts.teacher,
    standIn: opts.standIn,
    ...(opts.standIn
      ? { note: 'teacher is the offline stand-in, not an LLM: these statistics describe lexical heuristics' }
      : {}),
    retriever: first?.retriever ?? '',
    searchFormat: first?.searchFormat ?? '',
    rrfK: first?.rrfK ?? NaN,
    signals: first?.signals ?? '',
    positive: first?.positive ?? '',
    negativeStrategy: first?.negativeStrategy ?? '',
    examples: n,
    skipped,
    relabelRate: n ? relabelled / n : NaN,
    relabelled,
    seedAddedRate: n ? records.filter((r) => !r.seedRetrieved).length / n : NaN,
    seedFusedRankHistogram: histogram(
      records.map((r) => r.seedFusedRank),
      size,
    ),
    positiveQlRankHistogram: histogram(
      pos.map((c) => c.qlRank),
      size,
    ),
    positiveRcRankHistogram: histogram(
      pos.map((c) => c.rcRank),
      size,
    ),
    agreement: {
      spearman: mean(sp.filter(Number.isFinite)),
      kendall: mean(kt.filter(Number.isFinite)),
      top1: n ? top1 / n : NaN,
    },
    ties: {
      top: records.filter((r) => (r.ties?.top ?? 1) > 1).length,
      bottom: records.filter((r) => (r.ties?.bottom ?? 1) > 1).length,
      topRate: n ? records.filter((r) => (r.ties?.top ?? 1) > 1).length / n : NaN,
      bottomRate: n ? records.filter((r) => (r.ties?.bottom ?? 1) > 1).length / n : NaN,
      maxTop: Math.max(0, ...records.map((r) => r.ties?.top ?? 0)),
      maxBottom: Math.max(0, ...records.map((r) => r.ties?.bottom ?? 0)),
    },
    failures: {
      ql: records.reduce((s, r) => s + (r.failures?.ql ?? 0), 0),
      rc: records.reduce((s, r) => s + (r.failures?.rc ?? 0), 0),
      retries: records.reduce((s, r) => s + (r.failures?.retries ?? 0), 0),
      queriesWithFailures: records.filter((r) => (r.failures?.ql ?? 0) + (r.failures?.rc ?? 0) > 0).length,
    },
  };
  if (opts.usage) {
    const u = opts.usage;
    const tokens = u.promptTokens + u.completionTokens;
    report.usage = {
      ...u,
      perExample: { calls: n ? u.calls / n : NaN, tokens: n ? tokens / n : NaN, costUsd: n ? u.costUsd / n : NaN },
    };
  }
  return report;
}
