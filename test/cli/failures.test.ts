// Issue 14's table: bad inputs and faults of every class through `bin/gecko.js`, each in a fresh
// process as a user would run it. Each must exit with the right code, name the file/line/field
// with a fix, print no stack trace, keep stderr under 4 KB, and leave nothing that blocks a rerun.
// (The cases live in failure-cases.ts; scripts/sweep-failures.ts runs the same table as a sweep.)
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { have, missing, SHARED_DATA, tmpDir } from '../helpers';
import { CASES, makeFixtures, runCases, type Fixtures, type Outcome } from './failure-cases';

const ok = have(join(SHARED_DATA, 'cisi'), 'shared data sets');
const runnable = CASES.filter((c) => !c.skip?.());
// A case that cannot be tried here is shown as skipped, and on CI fails the file (test/helpers.ts missing).
const skipped = CASES.flatMap((c) => (c.skip?.() ? [[`class ${c.cls}: ${c.id}`, c.skip()!]] : []));
for (const [label, why] of skipped) missing(`${label}: ${why}`);

describe.skipIf(!ok)('every failure a clear message (fresh processes)', () => {
  let f: Fixtures;
  const results = new Map<string, Outcome>();
  beforeAll(async () => {
    process.env.GECKO_DATA_DIR ??= SHARED_DATA;
    f = await makeFixtures(tmpDir('gecko-failures-'));
    for (const r of await runCases(runnable, f, 2)) results.set(r.c.id, r);
  }, 1_200_000);
  afterAll(async () => {
    await f?.close();
  });
  it.skip.each(skipped)('%s (%s)', () => {});
  it.each(runnable.map((c) => [`class ${c.cls}: ${c.id}`, c.id]))('%s', (_label, id) => {
    const r = results.get(id)!;
    expect(r.why, `exit ${r.code}; stderr:\n${r.stderr.slice(-1500)}`).toEqual([]);
    expect(r.verdict).toBe('ok');
  });
});
