// `gecko mixture`: the unified fine-tuning mixture (paper §3.3): FRet examples +
// SQuAD + SICK NLI + STS Benchmark + Banking77, weighted by finetune.mixture, seeded.
// A thin wrapper over the pipeline's mixture body (pipeline/mixture.ts: makeMixture, which
// mixtureForRun calls too) with a --fret file and --n instead of the run's FRet stage; the
// command adds the checks before any write and the summary line.
import { join } from 'node:path';
import type { Command } from '../command';
import { MAX_ITEMS } from '../../config/schema';
import { configFromArgs } from '../config';
import { consoleLogger } from '../../core/log';
import { runsDir } from '../../core/paths';
import { makeMixture } from '../../pipeline/mixture';
import { checkEnvDirs, checkInputFile, checkOutputDir, claimOutputDir, requireSome } from '../../core/preflight';
import { UsageError } from '../../core/errors';

export const command: Command = {
  name: 'mixture',
  summary: 'build the fine-tuning mixture: FRet + SQuAD + NLI + STS + Banking77 in the unified format',
  usage: 'npx gecko mixture --fret <fret-examples.jsonl> --out <dir> [--n count] [--set finetune.mixture.squad=0.3]',
  flags: {
    fret: { type: 'string', help: 'FRet training examples (fret-examples.jsonl written by gecko fret)' },
    out: {
      type: 'string',
      help: 'output folder for mixture.jsonl and mixture.report.json (default: runs/mixture-<config hash>)',
    },
    n: {
      type: 'number',
      integer: true,
      min: 1,
      max: MAX_ITEMS,
      help: 'number of examples (default: the most that no source has to repeat)',
    },
  },
  async run(args) {
    const f = args.flags;
    const resolved = configFromArgs(args);
    const cfg = resolved.config;
    const out = (f.out as string | undefined) ?? join(runsDir(), `mixture-${resolved.hash.slice(0, 8)}`);
    const log = consoleLogger;
    if (f.fret) checkInputFile(f.fret as string, '--fret', { exts: ['.jsonl'], inFolder: 'fret-examples.jsonl' });
    if (f.n !== undefined && !(Number.isInteger(f.n) && (f.n as number) > 0))
      throw new UsageError(`--n ${String(f.n)}: give a positive whole number of examples`);
    checkEnvDirs();
    checkOutputDir(out);
    log.info(`gecko mixture → ${out} (weights ${JSON.stringify(cfg.finetune.mixture)}, seed ${cfg.seed})`);
    const t0 = Date.now();
    const { report } = makeMixture(cfg, {
      ...(f.fret ? { fretPath: f.fret as string } : {}),
      ...(f.n !== undefined ? { n: f.n as number } : {}),
      // Refuse an empty mixture and claim --out only once it is built: a refusal writes nothing.
      check: ({ examples, report }) => {
        if (f.fret)
          requireSome(
            report.available.fret ?? 0,
            `--fret ${String(f.fret)} holds no FRet examples`,
            'run gecko fret first (it writes <out>/fret-examples.jsonl), or leave out --fret',
          );
        requireSome(
          examples.length,
          'the mixture is empty: every source has weight 0 or no examples',
          'check finetune.mixture',
        );
      },
      out: () => claimOutputDir(out, '--out', 'gecko mixture'),
    });
    log.info(
      `wrote ${report.n} examples in ${((Date.now() - t0) / 1000).toFixed(1)}s: ${Object.entries(report.taken)
        .map(([k, v]) => `${k} ${v}/${report.available[k]}`)
        .join(', ')}` +
        `; symmetric ${report.symmetric}, with a hard negative ${report.withNegatives} → ${join(out, 'mixture.jsonl')}`,
    );
  },
};
