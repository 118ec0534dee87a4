// What an ablation shows: a markdown table (per arm: mean and 95% interval over seeds, per
// task and averaged; the paired difference to the reference with its two-way seed x item t
// interval, and whether it exceeds the noise), two figures with error bars, and the
// experiments.md entry (which says what a seed varied and how the intervals were computed).
import { relative } from 'node:path';
import { projectRoot } from '../core/paths';
import { colorAt, layout, type Figure, type Trace } from '../plots/figure';
import { markdownTable } from '../pipeline/experiments-log';
import type { AblationResult } from './run';
import { seedSharedOf } from './spec';
import { t975, tQuantile, type Interval, type PairedResult } from './intervals';

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '–');
const sgn = (x: number) => (x >= 0 ? '+' : '') + f3(x);
const ci = (i: Interval) => `${f3(i.mean)} [${f3(i.lo)}, ${f3(i.hi)}]`;
const dci = (i: Interval) => `${sgn(i.mean)} [${sgn(i.lo)}, ${sgn(i.hi)}]`;

/** Whether an interval excludes zero. */
export const excludesZero = (i: Interval) => i.lo > 0 || i.hi < 0;

/**
 * Seeds needed for the seed-only 95% t interval of the mean difference to exclude zero with 80%
 * power, from the measured per-seed sd and effect: the least n >= 2 with
 *   (t(0.975, n-1) + t(0.80, n-1)) * sd / sqrt(n) <= |effect|
 * (the usual sample-size formula with t quantiles in place of the normal's 1.96 and 0.84). No
 * floor: an effect the current seeds did not resolve always needs more seeds than it had.
 * @example seedsNeeded(0.015, 0.00886) // 5 (the mixture entry's fret+classification, rounded figures)
 */
export function seedsNeeded(effect: number, sd: number): number {
  if (!(Math.abs(effect) > 0) || !(sd >= 0)) return Infinity;
  for (let n = 2; n <= 100_000; n++)
    if (((t975(n - 1) + tQuantile(0.8, n - 1)) * sd) / Math.sqrt(n) <= Math.abs(effect)) return n;
  return Infinity;
}

/** Per-seed sd of a seed-only interval (inverts the t half-width). */
function sdOf(i: Interval, t: number): number {
  return i.n > 1 ? ((i.hi - i.mean) * Math.sqrt(i.n)) / t : NaN;
}

/** A task's column header: '(in-domain)' when its training split is in an arm's mixture. */
const taskHeader = (r: AblationResult, t: string) => ((r.inDomain ?? []).includes(t) ? `${t} (in-domain)` : t);

/** Tasks scored on one item (clustering): their difference interval is the seed-only t. */
export function oneItemTasks(r: AblationResult): string[] {
  const v = r.arms.find((a) => a.vsReference)?.vsReference;
  return v ? r.tasks.filter((t) => v.perTask[t]?.items === 1) : [];
}

/** How a difference interval was computed, in a few words (for tables and entries). */
export function methodOf(i: PairedResult): string {
  if (i.method === 'bootstrap') return `crossed percentile bootstrap, ${i.replicates} draws`;
  if (i.method === 'seeds') return `seed-only t, ${i.df} df`;
  return `two-way seed x item t, Satterthwaite ${i.df!.toFixed(1)} df`;
}

/** Markdown: one row per arm (average, then each task), mean [95% interval]. */
export function armsTable(r: AblationResult): string {
  return markdownTable(
    ['arm', 'average', ...r.tasks.map((t) => taskHeader(r, t))],
    r.arms.map((a) => [
      a.arm + (a.arm === r.reference ? ' (reference)' : ''),
      ci(a.average),
      ...r.tasks.map((t) => ci(a.perTask[t]!)),
    ]),
  );
}

/** Markdown: one row per non-reference arm, the paired difference per task and averaged. */
export function differencesTable(r: AblationResult): string {
  const mark = (i: Interval) => dci(i) + (excludesZero(i) ? ' *' : '');
  const one = oneItemTasks(r);
  return markdownTable(
    [
      'arm - reference',
      'average (two-way t)',
      'average (seeds only, t)',
      ...r.tasks.map((t) => taskHeader(r, t) + (one.includes(t) ? ' (one item: seeds-only t)' : '')),
    ],
    r.arms
      .filter((a) => a.vsReference)
      .map((a) => [
        a.arm,
        mark(a.vsReference!.average),
        mark(a.vsReference!.average.seedsOnly),
        ...r.tasks.map((t) => mark(a.vsReference!.perTask[t]!)),
      ]),
  );
}

/** Plain sentences: which differences exceed the noise, and how many seeds the others would need. */
export function verdicts(r: AblationResult, t: (df: number) => number): string[] {
  const out: string[] = [];
  for (const a of r.arms.filter((x) => x.vsReference)) {
    const v = a.vsReference!;
    const both = excludesZero(v.average) && excludesZero(v.average.seedsOnly);
    const tasks = r.tasks.filter((k) => excludesZero(v.perTask[k]!));
    if (both)
      out.push(
        `${a.arm} vs ${r.reference}: the average difference ${sgn(v.average.mean)} exceeds the noise (both intervals exclude 0; ${methodOf(v.average)}).`,
      );
    else {
      const sd = sdOf(v.average.seedsOnly, t(v.average.seedsOnly.n - 1));
      const n = seedsNeeded(v.average.mean, sd);
      const which = excludesZero(v.average)
        ? ' of the seeds (the two-way interval excludes 0, the seed-only interval does not)'
        : excludesZero(v.average.seedsOnly)
          ? ' (the seed-only interval excludes 0, the two-way interval, which adds item sampling, does not)'
          : '';
      out.push(
        `${a.arm} vs ${r.reference}: the average difference ${sgn(v.average.mean)} is within the noise${which}; ` +
          `with the measured per-seed sd ${f3(sd)}, about ${Number.isFinite(n) ? n : 'unboundedly many'} seeds would resolve an effect of this size ` +
          `(80% power for the seed-only 95% t interval).`,
      );
    }
    if (tasks.length)
      out.push(
        `  per task, the interval excludes 0 on: ${tasks.map((k) => `${k} (${sgn(v.perTask[k]!.mean)})`).join(', ')}.`,
      );
  }
  return out;
}

function errorBars(i: Interval) {
  return { plus: i.hi - i.mean, minus: i.mean - i.lo };
}

/**
 * Two figures: scores per arm and task with 95% intervals over seeds; differences to the
 * reference with two-way seed x item t intervals (seed-only t for a one-item task).
 * @example const figs = ablationFigures(result); await savePlots(figs, 'runs/ablate-x/plots');
 */
export function ablationFigures(r: AblationResult): Record<string, Figure> {
  const cols = ['average', ...r.tasks];
  const scores: Trace[] = r.arms.map((a, k) => {
    const iv = cols.map((c) => (c === 'average' ? a.average : a.perTask[c]!));
    return {
      type: 'bar',
      name: a.arm,
      x: cols,
      y: iv.map((i) => i.mean),
      error_y: {
        type: 'data',
        symmetric: false,
        array: iv.map((i) => errorBars(i).plus),
        arrayminus: iv.map((i) => errorBars(i).minus),
      },
      marker: { color: colorAt(k) },
    };
  });
  const diffs: Trace[] = r.arms
    .filter((a) => a.vsReference)
    .map((a) => {
      const iv = cols.map((c) => (c === 'average' ? a.vsReference!.average : a.vsReference!.perTask[c]!));
      return {
        type: 'bar',
        name: `${a.arm} - ${r.reference}`,
        x: cols,
        y: iv.map((i) => i.mean),
        error_y: {
          type: 'data',
          symmetric: false,
          array: iv.map((i) => errorBars(i).plus),
          arrayminus: iv.map((i) => errorBars(i).minus),
        },
        marker: { color: colorAt(r.arms.findIndex((x) => x.arm === a.arm)) },
      };
    });
  const n = r.seeds.length;
  return {
    'ablation-scores': {
      data: scores,
      layout: layout(
        `${r.spec} (${r.mirrors}): main score per arm, mean of ${n} seeds, 95% t interval`,
        'task',
        'main score',
        { barmode: 'group' },
      ),
    },
    'ablation-differences': {
      data: diffs,
      layout: layout(
        `${r.spec}: arm - ${r.reference}, two-way seed x item t 95% interval (${n} seeds, seed scope ${r.seedScope ?? 'finetune'})`,
        'task',
        'difference in main score',
        {
          barmode: 'group',
        },
      ),
    },
  };
}

/** The experiments.md entry of an ablation. */
export function ablationEntry(
  r: AblationResult,
  o: { command: string; seconds: number; plots: readonly string[]; machine: string; t: (df: number) => number },
): string {
  const rel = (p: string) => relative(projectRoot(), p);
  const perArm = markdownTable(
    ['arm', 'note', ...r.seeds.map((s) => `seed ${s} (s)`)],
    r.arms.map((a) => [
      a.arm,
      a.note,
      ...r.seeds.map((s) => (a.seconds[String(s)] !== undefined ? a.seconds[String(s)]!.toFixed(0) : 'reused')),
    ]),
  );
  const date = new Date().toISOString().slice(0, 10);
  const scope = r.seedScope ?? 'finetune';
  return `## ${date}: ablation ${r.spec} (${r.mirrors}), ${r.preset} preset, ${r.seeds.length} seeds${scope === 'all' ? ', seed scope all' : ''}

Command: \`${o.command}\` (${o.machine}${r.backend ? `; backend ${r.backend}` : ''}); wall time of this invocation ${(o.seconds / 60).toFixed(1)} min. Output: \`${rel(r.out)}\` (items.jsonl has one row per scored item: task, item, arm, seed, score).
Question: ${r.question}
Seed scope: ${scope}${scope === 'finetune' ? ' (the default)' : ''}. A seed varies ${r.seedVaries.join(', ')}; ${seedSharedOf(scope)}.
Method: ${r.method}
Teacher: ${r.standIn}

Main score per arm, mean over seeds [95% t interval]${
    r.inDomain?.length
      ? `. The average includes ${r.inDomain.join(', ')}, in-domain: ${r.inDomain.length === 1 ? 'its' : 'their'} training split is in the mixture`
      : ''
  }:

${armsTable(r)}

Arm minus reference, paired [95% interval] (* = the interval excludes 0):

${differencesTable(r)}

${verdicts(r, o.t).join('\n')}

Wall time per arm and seed (s; jobs finished by an earlier invocation, or fully shared, show as reused; stage times are in jobs.jsonl):

${perArm}

Plots: ${
    o.plots
      .filter((p) => p.endsWith('.png'))
      .map((p) => `\`${rel(p)}\``)
      .join(', ') || '(none)'
  }.
`;
}

/** A spec as table rows (one per arm), for a notebook. */
export function specRows(
  spec: import('./spec').AblationSpec,
): { arm: string; reference: boolean; overrides: string; note: string }[] {
  return spec.arms.map((a) => ({
    arm: a.name,
    reference: a.name === spec.reference,
    overrides:
      typeof a.overrides === 'function'
        ? `computed from the preset: ${a.overrides.toString().replace(/\s+/g, ' ').slice(0, 120)}`
        : JSON.stringify(a.overrides),
    note: a.note,
  }));
}
