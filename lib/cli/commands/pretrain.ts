// `gecko pretrain`: train the WordPiece vocabulary and MLM-pretrain the encoder on the
// configured seed corpora. Resumes when --out already holds a run of the same config.
// A thin wrapper over the pipeline's stage (pipeline/pretrain-stages.ts: pretrainForRun, the
// call the notebooks, the demo and `gecko ablate` make) on a context whose pretrain folder is
// the run folder: it writes <out>/leak.json, <out>/ckpt and <out>/stage.json. The command adds
// the run folder (config.json, env.json, the lock), the checks before it, and the summary.
import type { Command } from '../command';
import { configFromArgs } from '../config';
import { startRun } from '../../runs/run';
import { guardPretrainText, leakMode } from '../../pipeline/leak';
import { checkTrains } from '../../pipeline/checks';
import { pipelineContext } from '../../pipeline/context';
import { pretrainForRun } from '../../pipeline/pretrain-stages';

export const command: Command = {
  name: 'pretrain',
  summary: 'train the tokenizer and MLM-pretrain the encoder (our stand-in for a pretrained LM)',
  usage: 'npx gecko pretrain [--out <run dir>] [--preset smoke|demo|full] [--set pretrain.steps=500]',
  flags: {
    out: { type: 'string', help: 'run folder (default: a new folder under runs/); the checkpoint goes to <out>/ckpt' },
  },
  async run(args) {
    const f = args.flags;
    const resolved = configFromArgs(args);
    checkTrains('pretrain', resolved.config.pretrain);
    // A leaking config is refused before the run folder exists (pretrainForRun guards again and
    // writes the report; the index of test texts is memoised, so the second pass is cheap).
    guardPretrainText(resolved.config, leakMode(resolved.config));
    const run = await startRun(resolved, { command: 'gecko pretrain', ...(f.out ? { dir: f.out as string } : {}) });
    const ctx = pipelineContext(run.config, { dirs: { pretrain: run.dir }, log: run.log });
    const r = await pretrainForRun(ctx, { log: run.log });
    run.log.info(
      `pretrain: ${r.steps} steps${r.losses.length ? `, loss ${r.losses[0]!.toFixed(3)} -> ${r.losses[r.losses.length - 1]!.toFixed(3)}` : ''}; checkpoint ${r.checkpointId} at ${r.checkpoint}`,
    );
    process.stdout.write(r.checkpoint + '\n');
  },
};
