import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BudgetExceededError, LlmOutputError } from '../../lib/llm/errors';
import { repairJsonlTail, runResumable, skipReasonOf } from '../../lib/fret/resume';
import { tmpDir } from '../helpers';

describe('skipReasonOf', () => {
  it('skips unusable LLM output by reason; budget and other errors stop the stage', () => {
    expect(skipReasonOf(new LlmOutputError('malformed-json', 'not JSON'))).toBe('malformed-json');
    expect(skipReasonOf(new LlmOutputError('truncated', 'hit max_tokens'))).toBe('truncated');
    expect(skipReasonOf(new BudgetExceededError(10, 5))).toBeUndefined();
    expect(skipReasonOf(new Error('ECONNREFUSED'))).toBeUndefined();
  });
});

describe('runResumable', () => {
  it('cuts a torn last line, skips finished indices, records skips, and sorts by index', async () => {
    const dir = tmpDir();
    const out = join(dir, 'x.jsonl');
    writeFileSync(out, '{"seedIndex":2,"v":4}\n');
    appendFileSync(out, '{"seedIndex":0,"v"'); // torn
    repairJsonlTail(out);
    expect(readFileSync(out, 'utf8')).toBe('{"seedIndex":2,"v":4}\n');
    const seen: number[] = [];
    const res = await runResumable<number, { seedIndex: number; v: number }>({
      out,
      items: [0, 1, 2, 3],
      indexOf: (i) => i,
      concurrency: 2,
      step: async (i) => {
        seen.push(i);
        if (i === 3) throw new LlmOutputError('missing-field', 'no query');
        return { record: { seedIndex: i, v: i * 2 } };
      },
    });
    expect(seen.sort()).toEqual([0, 1, 3]);
    expect(res.resumed).toBe(1);
    expect(readFileSync(out, 'utf8')).toBe('{"seedIndex":0,"v":0}\n{"seedIndex":1,"v":2}\n{"seedIndex":2,"v":4}\n');
    expect(res.skips).toEqual([
      { seedIndex: 3, reason: 'missing-field', message: 'LLM output unusable (missing-field): no query' },
    ]);
    const again = await runResumable({
      out,
      items: [0, 1, 2, 3],
      indexOf: (i) => i,
      concurrency: 2,
      step: async () => {
        throw new Error('must not run');
      },
    });
    expect(again.resumed).toBe(4);
  });
});
