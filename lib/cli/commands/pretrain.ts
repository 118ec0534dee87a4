// `gecko pretrain`: train the WordPiece vocabulary and MLM-pretrain the encoder on the
// configured seed corpora. Resumes when --out already holds a run of the same config.
import type { Command } from '../command';
import { configFromArgs } from '../config';
import { startRun } from '../../runs/run';
import { pretrain } from '../../train/pretrain';
import { writeJson } from '../../core/fs';
import { guardPretrainText, leakMode } from '../../pipeline/leak';
import { checkTrains } from '../../pipeline/checks';

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
    const cfg = resolved.config;
    const texts = guardPretrainText(cfg, leakMode(cfg));
    const ctx = await startRun(resolved, { command: 'gecko pretrain', ...(f.out ? { dir: f.out as string } : {}) });
    writeJson(ctx.path('leak.json'), texts.report);
    const r = await pretrain({ config: ctx.config, dir: ctx.dir, texts: texts.kept, log: ctx.log });
    ctx.log.info(
      `pretrain: ${r.steps} steps${r.losses.length ? `, loss ${r.losses[0]!.toFixed(3)} -> ${r.losses[r.losses.length - 1]!.toFixed(3)}` : ''}; checkpoint ${r.checkpointId} at ${r.checkpoint}`,
    );
    process.stdout.write(r.checkpoint + '\n');
  },
};
