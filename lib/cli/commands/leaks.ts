// `gecko leaks`: the text-level leak guard's report for a config, without training anything:
// every training text the config would use that exists before a run (pretraining text,
// pre-finetuning pairs, the FRet seed corpus, the mixture's academic sources) against the test
// texts of every evaluation task in the data directory. Exit 1 when anything overlaps and the
// config refuses (data.leakGuard=refuse), so a script can check a config before a long run.
import type { Command } from '../command';
import { configFromArgs } from '../config';
import { describeOverlaps } from '../../data/leak';
import { leakPreflight } from '../../pipeline/leak';
import { GeckoError } from '../../core/errors';

export const command: Command = {
  name: 'leaks',
  summary: 'report training texts found in evaluation test sets (the text-level leak guard), per source and task',
  usage: 'npx gecko leaks [--preset demo] [--set finetune.mixture.sts=0.1] [--json]',
  flags: { json: { type: 'boolean', help: 'print the reports as JSON' } },
  async run(args) {
    const resolved = configFromArgs(args);
    const cfg = resolved.config;
    const mode = cfg.data.leakGuard;
    // report everything: run the checks in 'drop' mode (nothing is written), then apply the config's mode
    const reports = leakPreflight({ ...cfg, data: { ...cfg.data, leakGuard: 'drop' } });
    if (args.flags.json) process.stdout.write(JSON.stringify(reports, null, 2) + '\n');
    else {
      const r0 = reports[0];
      if (r0) {
        const checked = Object.entries(r0.checked).map(([t, n]) => `${t} ${n.toLocaleString('en-US')}`);
        process.stdout.write(`test texts checked (distinct, normalised): ${checked.join(', ')}\n`);
        if (r0.notChecked.length)
          process.stdout.write(`not in the data directory, not checked: ${r0.notChecked.join(', ')}\n`);
      }
      for (const r of reports)
        process.stdout.write(
          `\n${r.what}: ${r.items.toLocaleString('en-US')} items, ${r.dropped.toLocaleString('en-US')} share a test text\n${describeOverlaps(r)}\n`,
        );
    }
    const leaking = reports.filter((r) => r.dropped > 0);
    if (leaking.length && mode === 'refuse')
      throw new GeckoError(
        `${leaking.map((r) => r.what).join(', ')} share texts with evaluation test sets; a run of this config would be refused`,
        'leave those sources out, or --set data.leakGuard=drop to train without the overlapping items',
      );
  },
};
