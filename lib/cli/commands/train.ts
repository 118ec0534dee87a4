// `gecko train --stage prefinetune|finetune`: contrastive training from a checkpoint.
// prefinetune: in-batch negatives only; data defaults to the news title-body pairs.
// finetune: + own hard negatives, same-tower negatives and Matryoshka, as configured;
// data is a mixture file (gecko mixture) or any JSONL of TrainingExample / pairs.
// A low-level primitive (--init + a data file), so it calls trainContrastive itself rather than
// a pipeline stage: prefinetuneForRun / finetuneForRun (lib/pipeline) are the recipe's stages.
import type { Command } from '../command';
import { configFromArgs } from '../config';
import { UsageError } from '../../core/errors';
import { startRun } from '../../runs/run';
import { prefinetunePairs } from '../../pairs/title-body';
import { trainContrastive, type ContrastiveStage } from '../../train/contrastive-stage';
import { readTrainingData } from '../../train/data';
import { squadPairsSplit } from '../../train/heldout';
import { checkInputFile } from '../../core/preflight';
import { checkInitCheckpoint, checkTrains } from '../../pipeline/checks';
import { guardExamples, leakMode } from '../../pipeline/leak';
import { writeJson } from '../../core/fs';

export const command: Command = {
  name: 'train',
  summary: 'contrastive training: pre-finetuning on pairs, or fine-tuning on the mixture with hard negatives',
  usage:
    'npx gecko train --stage prefinetune|finetune --init <ckpt> [--data <examples.jsonl>] [--out <run dir>] [--set finetune.steps=50]',
  flags: {
    stage: { type: 'string', help: "'prefinetune' (Eq. 2, in-batch negatives) or 'finetune' (Eq. 3 + Matryoshka)" },
    init: { type: 'string', help: 'checkpoint folder to start from (e.g. <pretrain run>/ckpt)' },
    data: {
      type: 'string',
      help: "JSONL of TrainingExample or {query, positive, task?} pairs; 'squad-pairs' = SQuAD question->paragraph pairs of the training articles (held-out articles excluded); prefinetune default: news title-body pairs",
    },
    out: { type: 'string', help: 'run folder (default: a new folder under runs/); the checkpoint goes to <out>/ckpt' },
  },
  async run(args) {
    const f = args.flags;
    const stage = f.stage as string | undefined;
    if (stage !== 'prefinetune' && stage !== 'finetune')
      throw new UsageError(
        `--stage must be prefinetune or finetune, got ${JSON.stringify(stage)}`,
        'e.g. --stage prefinetune',
      );
    if (!f.init)
      throw new UsageError(
        '--init is required',
        'pass the checkpoint folder to start from, e.g. runs/<pretrain run>/ckpt',
      );
    const resolved = configFromArgs(args);
    // Everything is checked before the run folder is made: a failed start leaves nothing behind.
    checkInitCheckpoint(f.init as string, resolved.config.encoder);
    checkTrains(stage, stage === 'prefinetune' ? resolved.config.prefinetune : resolved.config.finetune);
    if (f.data && f.data !== 'squad-pairs') checkInputFile(f.data as string, '--data', { exts: ['.jsonl'] });
    if (!f.data && stage === 'finetune')
      throw new UsageError(
        '--data is required for --stage finetune',
        'build the mixture first: npx gecko mixture --fret <fret-examples.jsonl> --out <dir>, then pass <dir>/mixture.jsonl',
      );
    const early = f.data && f.data !== 'squad-pairs' ? readTrainingData(f.data as string) : undefined;
    if (early && early.length === 0)
      throw new UsageError(
        `--data ${String(f.data)} holds no training examples`,
        'give a JSONL file with one example per line',
      );
    const seed = resolved.config.seed;
    const data = f.data === 'squad-pairs' ? squadPairsSplit({ seed }).train : (early ?? prefinetunePairs({ seed })); // --data is required for finetune (checked above)
    // The text-level leak guard, before the run folder exists: refuses (or drops) training items found in a test set.
    const guarded = guardExamples(
      `--data ${String(f.data ?? 'news title-body pairs')}`,
      data,
      leakMode(resolved.config),
    );
    const examples = guarded.kept;
    const ctx = await startRun(resolved, {
      command: `gecko train --stage ${stage}`,
      ...(f.out ? { dir: f.out as string } : {}),
    });
    writeJson(ctx.path('leak.json'), guarded.report);
    const sec = stage === 'prefinetune' ? ctx.config.prefinetune : ctx.config.finetune;
    // Periodic check on held-out SQuAD articles (a monitor: the mixture's SQuAD source may overlap it).
    const heldOut =
      sec.evalEvery > 0
        ? squadPairsSplit({ seed: ctx.config.seed, maxQueries: 200, format: ctx.config.format }).heldOut
        : undefined;
    ctx.log.info(`${stage}: ${examples.length} examples from ${f.data ?? 'news title-body pairs'}`);
    const r = await trainContrastive({
      stage: stage as ContrastiveStage,
      config: ctx.config,
      examples,
      init: f.init as string,
      dir: ctx.dir,
      log: ctx.log,
      heldOut,
    });
    ctx.log.info(
      `${stage}: ${r.steps} steps${r.losses.length ? `, loss ${r.losses[0]!.toFixed(3)} -> ${r.losses[r.losses.length - 1]!.toFixed(3)}` : ''}; checkpoint ${r.checkpointId} at ${r.checkpoint}`,
    );
    process.stdout.write(r.checkpoint + '\n');
  },
};
