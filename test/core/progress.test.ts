// Progress: the ETA line of every long job, nested bars sharing one line, and the notebook
// renderer (one updating line: the last call carries the final summary).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fmtTime, progress, progressText, setProgressRenderer } from '../../lib/core/progress';

afterEach(() => {
  vi.unstubAllEnvs();
  setProgressRenderer(undefined);
});

describe('progress', () => {
  it('formats count, rate and ETA like the training stages', () => {
    expect(progressText('eval', 3, 12, 'tasks', 30)).toBe(
      'eval [######..................] 3/12 tasks  0.10 tasks/s  ETA 1m30s',
    );
    expect(fmtTime(187)).toBe('3m07s');
    expect([fmtTime(119.6), fmtTime(59.7), fmtTime(3599.8)]).toEqual(['2m00s', '1m00s', '1h00m']);
    expect(fmtTime(NaN)).toBe('?');
  });

  it('bar mode: an inner bar is drawn beside the outer one on the same line', () => {
    vi.stubEnv('GECKO_PROGRESS', 'bar');
    const out: string[] = [];
    const write = (s: string) => out.push(s);
    const outer = progress('eval m', 2, 'tasks', write);
    outer.tick(0, 'STS12');
    const inner = progress('STS12 texts', 10, 'texts', write);
    inner.tick(10);
    expect(out.at(-1)).toMatch(/^\reval m \[\.+\] 0\/2 tasks .*STS12 \| STS12 texts \[#+\] 10\/10 texts/);
    inner.done();
    expect(out.at(-2)).toMatch(/^STS12 texts: done 10 texts in \d+s/);
    expect(out.at(-1)).toMatch(/^\reval m \[/); // the outer bar is redrawn after the inner one's summary
    outer.done();
    expect(out.at(-1)).toMatch(/^eval m: done 0 tasks/);
  });

  it('notebook mode: every update goes to the renderer; the last call is the final summary', () => {
    vi.stubEnv('GECKO_PROGRESS', ''); // unset (vitest.config sets off)
    const calls: [string, boolean][] = [];
    setProgressRenderer((line, final) => calls.push([line, final]));
    const outer = progress('eval m', 1, 'tasks');
    const inner = progress('SciFact texts', 4, 'texts');
    inner.tick(4);
    inner.done();
    outer.tick(1);
    outer.done('7 texts encoded');
    expect(calls[0]).toEqual([expect.stringMatching(/^eval m \[/), false]);
    expect(calls.some(([l, f]) => !f && /^eval m .* \| SciFact texts \[#+\] 4\/4 texts/.test(l))).toBe(true);
    expect(calls.at(-1)).toEqual([expect.stringMatching(/^eval m: done 1 tasks in \d+s .*7 texts encoded$/), true]);
    expect(calls.filter(([, f]) => f)).toHaveLength(1); // the inner bar's end does not close the line
  });

  it('GECKO_PROGRESS=off wins over a notebook renderer', () => {
    vi.stubEnv('GECKO_PROGRESS', 'off');
    const calls: string[] = [];
    setProgressRenderer((line) => calls.push(line));
    const p = progress('x', 2);
    p.tick(2);
    p.done();
    expect(calls).toEqual([]);
  });
});
