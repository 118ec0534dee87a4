// The notebooks' check helpers (lib/display/check.ts): a claim that holds is shown with what was
// found, one that does not fails the cell naming both; loss ends and FRet counts on known input.
import { describe, expect, it, vi } from 'vitest';
import { check, CheckError, fretCounts, lossEnds } from '../../lib/display/check';

describe('notebook checks', () => {
  it('shows a claim that holds, and throws one that does not with the claim and what was found', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    check('two is even', 2 % 2 === 0, 2);
    expect(log).toHaveBeenCalledWith('✓ two is even (found: 2)');
    log.mockRestore();
    expect(() => check('three is even', 3 % 2 === 0, { n: 3 })).toThrow(CheckError);
    expect(() => check('three is even', 3 % 2 === 0, { n: 3 })).toThrow('check failed: three is even (found: {"n":3})');
  });

  it('lossEnds: means of the first and last 30% of the steps', () => {
    const rows = [5, 4, 6, 3, 2, 2, 1, 3, 1, 2].map((loss) => ({ loss }));
    expect(lossEnds(rows)).toEqual({ first: 5, last: 2, steps: 10 });
    expect(lossEnds([{ loss: 1 }, { loss: 2 }])).toEqual({ first: 1, last: 2, steps: 2 });
    expect(() => lossEnds([])).toThrow(/no metrics rows with a loss/);
  });

  it('fretCounts: records, examples and skips by stage from the run', () => {
    const fret = {
      seeds: new Array(10),
      records: new Array(7),
      examples: new Array(7),
      report: { skipped: { 'querygen/bad json': 2, 'relabel/no candidates': 1 }, queriesGenerated: 8, queriesKept: 8 },
    };
    expect(fretCounts(fret as never)).toEqual({
      seeds: 10,
      queriesGenerated: 8,
      querygenSkipped: 2,
      queriesKept: 8,
      records: 7,
      relabelSkipped: 1,
      examples: 7,
    });
  });
});
