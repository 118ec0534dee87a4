// `npm run demo` / `npx gecko demo`: the whole recipe in one resumable run.
import type { Command } from '../command';
import { overridesOf, presetOf } from '../config';
import { runDemo } from '../../pipeline/demo';
import { readEnv } from '../../core/env';

export const command: Command = {
  name: 'demo',
  summary:
    'run the whole recipe (seeding, FRet, pretraining, pre-finetuning, fine-tuning, evaluation, plots) and log it in experiments.md',
  usage: 'npx gecko demo [--preset demo] [--out runs/<id>] [--no-log] [--set key=value ...]',
  flags: {
    out: { type: 'string', help: 'run folder to create or resume (default: a new folder under runs/)' },
    'no-log': { type: 'boolean', help: 'do not append the results to experiments.md' },
  },
  async run(args) {
    const preset = presetOf(args);
    const sets = (args.flags.set as string[] | undefined) ?? [];
    const cmd = [
      'npm run demo',
      ...(args.flags.preset ? [`--preset ${preset}`] : []),
      ...sets.map((s) => `--set ${s}`),
    ].join(' ');
    await runDemo({
      preset,
      overrides: overridesOf(args),
      dir: args.flags.out as string | undefined,
      command: readEnv('GECKO_PRESET') && !args.flags.preset ? `GECKO_PRESET=${preset} ${cmd}` : cmd,
      experimentsPath: args.flags['no-log'] ? null : undefined,
    });
  },
};
