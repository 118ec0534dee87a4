// Checks a notebook states and verifies in one line: the claim in words, what was found, and a
// failed cell (CheckError) when it does not hold. The notebooks test executes every notebook, so
// a failed check fails the suite; a learner reads the claim and the number beside it.
import type { RunFretResult } from '../fret/pipeline';
import { showMarkdown } from './show';

/** A notebook check that did not hold. */
export class CheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckError';
  }
}

const shown = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/**
 * State a claim, show it with what was found, and fail the cell when it does not hold.
 * @example check('60 seed passages were drawn (seeding.n)', seeds.length === 60, seeds.length)
 */
export function check(claim: string, ok: boolean, found: unknown): void {
  if (!ok) throw new CheckError(`check failed: ${claim} (found: ${shown(found)})`);
  showMarkdown(`✓ ${claim} (found: ${shown(found)})`);
}

/**
 * The mean loss over the first and over the last `share` of the steps that logged a loss (at
 * least one step each): a few steps are noisy, so their means are compared rather than the first
 * and last step.
 * @example lossEnds([{ loss: 4 }, { loss: 3 }, { loss: 2 }, { loss: 1 }], 0.5) // { first: 3.5, last: 1.5, steps: 4 }
 */
export function lossEnds(
  rows: readonly { loss?: number }[],
  share = 0.3,
): { first: number; last: number; steps: number } {
  const losses = rows.map((r) => r.loss).filter((l): l is number => typeof l === 'number');
  if (losses.length === 0) throw new CheckError('lossEnds: no metrics rows with a loss (did training log any step?)');
  const k = Math.max(1, Math.round(losses.length * share));
  const mean = (xs: readonly number[]) => xs.reduce((a, l) => a + l, 0) / xs.length;
  return { first: mean(losses.slice(0, k)), last: mean(losses.slice(-k)), steps: losses.length };
}

/** Where every seed passage of a FRet run went (notebook 03). */
export interface FretCounts {
  seeds: number;
  queriesGenerated: number;
  /** Seeds whose query generation failed, with a named reason (querygen/...). */
  querygenSkipped: number;
  /** Queries of the configured task types. */
  queriesKept: number;
  records: number;
  /** Kept queries that gave no record, with a named reason (relabel/...). */
  relabelSkipped: number;
  examples: number;
}

/**
 * The FRet counts, from the run's own records and report.
 * @example const n = fretCounts(await fretForRun(ctx)); check('...', n.records + n.relabelSkipped === n.queriesKept, n)
 */
export function fretCounts(fret: Pick<RunFretResult, 'seeds' | 'records' | 'examples' | 'report'>): FretCounts {
  const skipped = (prefix: string) =>
    Object.entries(fret.report.skipped)
      .filter(([reason]) => reason.startsWith(prefix))
      .reduce((a, [, n]) => a + n, 0);
  return {
    seeds: fret.seeds.length,
    queriesGenerated: fret.report.queriesGenerated,
    querygenSkipped: skipped('querygen/'),
    queriesKept: fret.report.queriesKept,
    records: fret.records.length,
    relabelSkipped: skipped('relabel/'),
    examples: fret.examples.length,
  };
}
