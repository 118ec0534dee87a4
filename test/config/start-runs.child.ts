// Child process of fuzz-settings.test.ts: start one run folder (as `gecko pretrain` does) per run
// name given on the command line, under GECKO_RUNS_DIR; print one JSON line of the outcomes.
// Run as a child so that startRun's git calls never block a test worker.
import { parseOverrides, resolveConfig } from '../../lib/config/resolve';
import { startRun } from '../../lib/runs/run';
import { silentLogger } from '../../lib/core/log';

const out: { name: string; dir?: string; error?: string }[] = [];
for (const name of process.argv.slice(2)) {
  try {
    const run = await startRun(resolveConfig('smoke', parseOverrides([`name=${name}`])), {
      command: 'fuzz',
      log: silentLogger,
      quiet: true,
    });
    out.push({ name, dir: run.dir });
  } catch (e) {
    out.push({ name, error: (e as Error).message.split('\n')[0] });
  }
}
process.stdout.write(JSON.stringify(out) + '\n');
