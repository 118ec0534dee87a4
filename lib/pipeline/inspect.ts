// Views of FRet records for reading: plain rows for showTable and a short explanation of
// why a query's positive won. Pure functions of the records (no teacher, no files).
import type { Passage } from '../core/types';
import type { FretReport } from '../fret/report';
import { rankCandidates } from '../fret/select';
import type { FretRecord, QueryRecord, SeedRecord } from '../fret/types';

/**
 * Seed passage beside the task and query the teacher wrote for it (FRet step 1).
 * @example showTable(seedQueryRows(fret.seeds, fret.queries, 5))
 */
export function seedQueryRows(
  seeds: readonly SeedRecord[],
  queries: readonly QueryRecord[],
  limit = 5,
): { seed: number; passage: string; task: string; query: string }[] {
  const bySeed = new Map(seeds.map((s) => [s.seedIndex, s.passage]));
  return queries.slice(0, limit).map((q) => {
    const p = bySeed.get(q.seedIndex);
    if (!p)
      throw new Error(`seedQueryRows: query ${q.queryId} has seedIndex ${q.seedIndex}, which is not among the seeds`);
    return { seed: q.seedIndex, passage: (p.title ? `${p.title}. ` : '') + p.text, task: q.task, query: q.query };
  });
}

/**
 * A record worth reading: by default the first query whose positive is NOT its seed passage
 * (the LLM relabelled it), else the first record. `which` can also be a query id.
 * @example const example = pickExample(fret.records)
 */
export function pickExample(
  records: readonly FretRecord[],
  which: 'relabelled' | 'seed-kept' | string = 'relabelled',
): FretRecord {
  if (records.length === 0)
    throw new Error('pickExample: no FRet records (did FRet skip every query? see fret.report.json)');
  if (which === 'relabelled') return records.find((r) => !r.positiveIsSeed) ?? records[0]!;
  if (which === 'seed-kept') return records.find((r) => r.positiveIsSeed) ?? records[0]!;
  const r = records.find((x) => x.queryId === which);
  if (!r) throw new Error(`pickExample: no record with query id '${which}'`);
  return r;
}

/** One candidate row of a FRet record, for a table. */
export interface CandidateRow {
  fusedRank: number;
  role: string;
  rrf: number;
  qlRank: number;
  ql: number;
  rcRank: number;
  rc: number;
  retrievalRank: number | string;
  passage: string;
}

/**
 * A query's candidates, best fused rank first, with every score and rank and the passage text.
 * role: 'positive', 'negative', 'seed passage' (or combinations), '' otherwise.
 * @example showTable(candidateRows(example, fret.poolById), { limit: 20, maxChars: 160 })
 */
export function candidateRows(record: FretRecord, pool: ReadonlyMap<string, Passage>): CandidateRow[] {
  return record.candidates
    .slice()
    .sort((a, b) => a.fusedRank - b.fusedRank)
    .map((c) => {
      const p = pool.get(c.passageId);
      if (!p) throw new Error(`candidateRows: passage ${c.passageId} of query ${record.queryId} is not in the pool`);
      const role = [
        c.passageId === record.positiveId ? 'positive' : '',
        c.passageId === record.negativeId ? 'negative' : '',
        c.isSeed ? 'seed passage' : '',
      ]
        .filter(Boolean)
        .join(', ');
      return {
        fusedRank: c.fusedRank,
        role,
        rrf: c.fused,
        qlRank: c.qlRank,
        ql: c.ql,
        rcRank: c.rcRank,
        rc: c.rc,
        retrievalRank: c.retrievalRank ?? 'not retrieved',
        passage: (p.title ? `${p.title}. ` : '') + p.text,
      };
    });
}

function texts(
  pool: ReadonlyMap<string, Passage>,
  items: readonly (readonly [string, { passageId: string }])[],
): string[] {
  return items.map(([label, c]) => {
    const p = pool.get(c.passageId);
    const text = p ? (p.title ? `${p.title}. ` : '') + p.text : '(not in the pool)';
    return `> **${label}** \`${c.passageId}\`: ${text.length > 600 ? text.slice(0, 599) + '…' : text}\n`;
  });
}

const rrfTerm = (k: number, r: number | string) => (k === 0 ? `1/${r}` : `1/(${k}+${r})`);

/**
 * Why the positive won, in markdown: the RRF arithmetic for the positive, the runner-up,
 * the seed passage (when it lost) and the negative; with `pool`, also their texts.
 * @example showMarkdown(explainChoice(example, fret.poolById))
 */
export function explainChoice(record: FretRecord, pool?: ReadonlyMap<string, Passage>): string {
  const k = record.rrfK;
  const signals = record.signals ?? 'both';
  const byRank = record.candidates.slice().sort((a, b) => a.fusedRank - b.fusedRank);
  const terms = (c: FretRecord['candidates'][number]) =>
    signals === 'ql'
      ? rrfTerm(k, c.qlRank)
      : signals === 'rc'
        ? rrfTerm(k, c.rcRank)
        : `${rrfTerm(k, c.qlRank)} + ${rrfTerm(k, c.rcRank)}`;
  const line = (label: string, c: FretRecord['candidates'][number]) =>
    `| ${label} | \`${c.passageId}\` | ${c.qlRank} | ${c.rcRank} | ${terms(c)} = **${c.fused.toFixed(3)}** | ${c.fusedRank} |`;
  const pos = byRank.find((c) => c.passageId === record.positiveId)!;
  const seed = byRank.find((c) => c.isSeed)!;
  const neg = record.negativeId === null ? undefined : byRank.find((c) => c.passageId === record.negativeId);
  const runnerUp = byRank.find((c) => c.passageId !== record.positiveId);
  const rows = [line('positive', pos)];
  if (runnerUp && runnerUp !== seed && runnerUp !== neg) rows.push(line('runner-up', runnerUp));
  if (seed !== pos) rows.push(line('seed passage', seed));
  if (neg) rows.push(line(`negative (${record.negativeStrategy})`, neg));
  const topTie = (record.ties?.top ?? 1) > 1;
  const bottomTie = (record.ties?.bottom ?? 1) > 1;
  const rule = record.positive ?? 'fused';
  const tieNote = (n: number, where: string) =>
    ` **${n} candidates tie** on the fused score at the ${where}: the teacher's signals do not order them, and the documented tie-break (the sum of the signals' z-scores within the query, then a hash of query and passage id) chose.`;
  let verdict: string;
  if (rule === 'seed')
    verdict = `The positive rule is 'seed' (Fig. 4's control): the seed passage is the positive whatever its fused rank (here **${seed.fusedRank}**).`;
  else if (record.positiveIsSeed)
    verdict = topTie
      ? `The seed passage is the positive.${tieNote(record.ties.top, 'top')}`
      : `The seed passage (the one the query was written from) also ranks first after fusion, so it stays the positive.`;
  else if (topTie && seed.fused === pos.fused)
    verdict = `The seed passage ties with \`${pos.passageId}\` for first place; FRet **relabels** the positive, but by the tie-break, not by the teacher's judgement.${tieNote(record.ties.top, 'top')}`;
  else
    verdict =
      `The seed passage ranks **${seed.fusedRank}** after fusion: the teacher's ${signals === 'both' ? 'fused signals rank' : signals.toUpperCase() + ' ranks'} \`${pos.passageId}\` above the passage the query was generated from, so FRet **relabels** the positive (the paper reports this for about 15% of queries).` +
      (topTie ? tieNote(record.ties.top, 'top') : '');
  const negNote = neg
    ? bottomTie && record.negativeStrategy === 'lowest'
      ? ` The negative is the lowest-ranked other candidate;${tieNote(record.ties.bottom, 'bottom')}`
      : ''
    : ' No hard negative (strategy none).';
  const seedNote = record.seedRetrieved
    ? ''
    : ' The retriever missed the seed passage, so it was added to the candidates.';
  const ranking =
    signals === 'both'
      ? `Each of the ${record.candidates.length} candidates is ranked twice by the teacher: by query likelihood (QL: how likely the query is given the passage) and by relevance classification (RC: how relevant the teacher judges the passage). Reciprocal rank fusion adds ${rrfTerm(k, 'rank')} over the two rankings (k = ${k}); the highest sum is the positive.`
      : `The ${record.candidates.length} candidates are ranked by ${signals === 'ql' ? 'query likelihood (QL)' : 'relevance classification (RC)'} alone (score ${rrfTerm(k, 'rank')}).`;
  return [
    `**Query** (task: *${record.task}*): ${record.query}`,
    '',
    ranking,
    '',
    '| | passage | QL rank | RC rank | RRF score | fused rank |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    verdict + negNote + seedNote,
    ...(pool
      ? [
          '',
          ...texts(pool, [
            ['positive', pos],
            ...(seed !== pos ? [['seed passage', seed] as const] : []),
            ...(neg ? [['negative', neg] as const] : []),
          ]),
        ]
      : []),
  ].join('\n');
}

/**
 * The relabelling statistics of a FRet report in a few markdown lines.
 * @example showMarkdown(fretSummary(fret.report))
 */
export function fretSummary(report: FretReport): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const skipped = Object.entries(report.skipped);
  return [
    `- **${report.examples}** training examples from teacher \`${report.teacher}\`${report.standIn ? ' (a stand-in, not an LLM)' : ''}, retriever \`${report.retriever}\` (searched: ${report.searchFormat}), signals ${report.signals}, RRF k = ${report.rrfK}, positive = ${report.positive}, negative = ${report.negativeStrategy}`,
    `- positive is **not** the seed passage (relabelled): **${pct(report.relabelRate)}** (${report.relabelled} queries; the paper reports about 15%)`,
    `- the retriever missed the seed passage: ${pct(report.seedAddedRate)}`,
    `- QL and RC agree: mean Spearman ρ ${report.agreement.spearman.toFixed(3)}, Kendall τ ${report.agreement.kendall.toFixed(3)}, same top-1 passage ${pct(report.agreement.top1)}`,
    ...(report.ties
      ? [
          `- fused-rank ties (broken by the documented key, not by the teacher): at the top in ${report.ties.top} queries (${pct(report.ties.topRate)}), at the bottom in ${report.ties.bottom} (${pct(report.ties.bottomRate)})`,
        ]
      : []),
    ...(report.failures
      ? [
          `- teacher answers unusable after retries: QL ${report.failures.ql}, RC ${report.failures.rc} (ranked last; ${report.failures.retries} retries spent)`,
        ]
      : []),
    `- skipped: ${skipped.length ? skipped.map(([k, v]) => `${k} ${v}`).join(', ') : 'none'}`,
    ...(report.usage
      ? [
          `- teacher calls: ${report.usage.calls} (+${report.usage.cachedCalls} from cache), ${report.usage.promptTokens + report.usage.completionTokens} tokens, $${report.usage.costUsd.toFixed(4)}`,
        ]
      : []),
  ].join('\n');
}

/**
 * How many generated queries each task description got, most frequent first.
 * @example showTable(taskCounts(fret.queries), { limit: 10 })
 */
export function taskCounts(
  queries: readonly Pick<QueryRecord, 'task'>[],
): { task: string; queries: number; share: number }[] {
  const counts = new Map<string, number>();
  for (const q of queries) counts.set(q.task, (counts.get(q.task) ?? 0) + 1);
  return [...counts]
    .map(([task, n]) => ({ task, queries: n, share: n / queries.length }))
    .sort((a, b) => b.queries - a.queries || a.task.localeCompare(b.task));
}

/**
 * Chat messages (a prompt) as markdown: one fenced block per message, the role in bold.
 * @example showMarkdown(messagesMarkdown(queryGenerationMessages(seeds[0].passage)))
 */
export function messagesMarkdown(messages: readonly { role: string; content: string }[]): string {
  const fence = '```';
  return messages
    .map((m) => `**${m.role}**\n\n${fence}text\n${m.content.split(fence).join("'''")}\n${fence}`)
    .join('\n\n');
}

/** One candidate under the run's RRF k and under another k. */
export interface RerankRow {
  passageId: string;
  qlRank: number;
  rcRank: number;
  /** Fused rank with the run's k (fret.rrfK). */
  fusedRank: number;
  /** Fused rank with the other k. */
  fusedRankNewK: number;
  role: string;
}

/**
 * Re-run the mining rule's ranking (fret/select.ts rankCandidates) on a record's stored QL and RC
 * scores with another RRF k: the rows, best new rank first, and what changed, in markdown.
 * @example const r = rerankWithK(example, 60); showMarkdown(r.summary); showTable(r.rows)
 */
export function rerankWithK(record: FretRecord, k: number): { rows: RerankRow[]; summary: string } {
  const ranked = rankCandidates(record.candidates, { rrfK: k });
  const before = new Map(record.candidates.map((c) => [c.passageId, c.fusedRank]));
  const rows = ranked.map((c) => ({
    passageId: c.passageId,
    qlRank: c.qlRank,
    rcRank: c.rcRank,
    fusedRank: before.get(c.passageId) ?? NaN,
    fusedRankNewK: c.fusedRank,
    role: [c.passageId === record.positiveId ? 'positive (run)' : '', c.isSeed ? 'seed passage' : '']
      .filter(Boolean)
      .join(', '),
  }));
  const top = ranked[0];
  const last = ranked[ranked.length - 1];
  if (!top || !last) throw new Error(`rerankWithK: query ${record.queryId} has no candidates`);
  const moved = rows.filter((r) => r.fusedRank !== r.fusedRankNewK).length;
  const positive =
    top.passageId === record.positiveId
      ? `the positive stays \`${top.passageId}\``
      : `the positive changes from \`${record.positiveId}\` to \`${top.passageId}\``;
  const lowest =
    record.negativeStrategy !== 'lowest'
      ? ''
      : last.passageId === record.negativeId
        ? `; the lowest-ranked candidate (the hard negative) stays \`${last.passageId}\``
        : `; the lowest-ranked candidate (the hard negative) changes from \`${record.negativeId}\` to \`${last.passageId}\``;
  const summary =
    `RRF with k = ${k} instead of the run's k = ${record.rrfK}: ${positive}${lowest}. ` +
    `${moved} of ${rows.length} candidates change fused rank.`;
  return { rows, summary };
}
