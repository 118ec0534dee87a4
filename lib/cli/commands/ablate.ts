// `gecko ablate <spec> --seeds N`: one paper ablation (lib/ablate/specs/), every arm with N seeds,
// on the shared content-addressed stages; per-arm intervals over seeds, paired intervals against
// the reference arm, per-item scores, plots and an experiments.md entry. Resumes after a kill.
import type { Command } from '../command';
import { overridesOf, presetOf } from '../config';
import { UsageError } from '../../core/errors';
import { SPECS, SPEC_NAMES } from '../../ablate/specs/index';
import { resolveArms, SEED_SCOPES, type SeedScope } from '../../ablate/spec';

export const command: Command = {
  name: 'ablate',
  summary: 'run a paper ablation (arms x seeds) with intervals over seeds and paired intervals vs the reference arm',
  usage: `npx gecko ablate <${SPEC_NAMES.join('|')}> --seeds 3 [--preset demo] [--seed-scope finetune|all] [--set key=value ...]   |   npx gecko ablate --all --seeds 2 --preset smoke`,
  positionals: { usage: 'SPEC (one of the names above)', max: 1 },
  flags: {
    seeds: {
      type: 'number',
      integer: true,
      min: 1,
      max: 100,
      help: 'seeds per arm (>= 3 for a real run; 2 is allowed for smoke tests); default 3',
    },
    'seed-scope': {
      type: 'string',
      help: "what a seed varies: 'finetune' (default: fine-tuning, the mixture's sampling, and FRet where the spec changes it; every arm and seed starts from the one pre-finetuned model) or 'all' (pretraining, pre-finetuning and FRet per seed too; only the evaluation sample is shared)",
    },
    all: { type: 'boolean', help: 'run every spec, one after the other' },
    list: { type: 'boolean', help: 'list the specs and exit' },
    out: { type: 'string', help: 'output folder (one spec only; default runs/ablate-<spec>-<preset>-<hash>)' },
    'no-log': { type: 'boolean', help: 'do not prepend the results to experiments.md' },
    'no-plots': { type: 'boolean', help: 'skip the PNG/SVG export (the figures JSON is still written)' },
  },
  async run(args) {
    const f = args.flags;
    if (f.list) {
      for (const s of Object.values(SPECS))
        process.stdout.write(
          `${s.name.padEnd(20)} ${s.mirrors.padEnd(24)} ${s.arms.map((a) => a.name).join(' | ')} (reference ${s.reference})\n`,
        );
      return;
    }
    const [name] = args.positional;
    if (!name && !f.all) throw new UsageError('name a spec or pass --all', `specs: ${SPEC_NAMES.join(', ')}`);
    if (name && f.all) throw new UsageError('pass either a spec name or --all, not both');
    if (name && !Object.hasOwn(SPECS, name))
      throw new UsageError(`unknown ablation spec '${name}'`, `specs: ${SPEC_NAMES.join(', ')}`);
    if (f.all && f.out) throw new UsageError('--out names the folder of one spec; leave it out with --all');
    const scope = ((f['seed-scope'] as string | undefined) ?? 'finetune') as SeedScope;
    if (!SEED_SCOPES.includes(scope))
      throw new UsageError(
        `--seed-scope must be one of ${SEED_SCOPES.join(', ')} (got '${scope}')`,
        'use --seed-scope finetune (the default) or --seed-scope all',
      );
    const preset = presetOf(args);
    const seeds = (f.seeds as number | undefined) ?? 3;
    const sets = (f.set as string[] | undefined) ?? [];
    const specs = f.all ? Object.values(SPECS) : [SPECS[name!]!];
    for (const spec of specs) resolveArms(spec, preset, overridesOf(args)); // every arm of every spec checked before any work
    const { ablate } = await import('../../ablate/command'); // loaded lazily: --help needs no TF.js
    for (const spec of specs) {
      await ablate(spec, {
        preset,
        overrides: overridesOf(args),
        seeds,
        seedScope: scope,
        out: f.out as string | undefined,
        command: [
          'npx gecko ablate',
          f.all ? '--all' : spec.name,
          `--seeds ${seeds}`,
          `--preset ${preset}`,
          ...(scope !== 'finetune' ? [`--seed-scope ${scope}`] : []),
          ...sets.map((s) => `--set ${s}`),
        ].join(' '),
        experimentsPath: f['no-log'] ? null : undefined,
        plots: !f['no-plots'],
      });
    }
  },
};
