// The failure sweep (issue 14): runs every case of test/cli/failure-cases.ts through
// bin/gecko.js in fresh processes and prints each verdict and the counts of bad and unclear.
// usage: npx tsx scripts/sweep-failures.ts [--bin PATH/TO/gecko.js] [--only SUBSTRING]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CASES, makeFixtures, runCases } from '../test/cli/failure-cases';

const argv = process.argv.slice(2);
const opt = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const bin = opt('--bin');
const only = opt('--only');
const f = await makeFixtures(mkdtempSync(join(tmpdir(), 'gecko-sweep-')));
const cases = CASES.filter((c) => !only || c.id.includes(only));
for (const c of cases) if (c.skip?.()) process.stdout.write(`skipped  [class ${c.cls}] ${c.id}: ${c.skip()}\n`);
const results = await runCases(cases, f, 2, bin);
await f.close();
for (const r of results) {
  process.stdout.write(
    `${r.verdict.padEnd(8)} [class ${r.c.cls}] ${r.c.id}  (exit ${r.code}, ${r.seconds.toFixed(1)}s, stderr ${r.stderr.length} B)${r.why.length ? '  -- ' + r.why.join('; ') : ''}\n`,
  );
  if (r.verdict !== 'ok' && process.env.SWEEP_SHOW)
    process.stdout.write(r.stderr.slice(-600).replace(/^/gm, '    | ') + '\n');
}
const count = (v: string) => results.filter((r) => r.verdict === v).length;
process.stdout.write(
  `\n${results.length} cases: ${count('ok')} ok, ${count('bad')} bad, ${count('unclear')} unclear\n`,
);
