// The three training stages for a run, each one call, each resumable from its folder:
//   pretrainForRun     <run>/pretrain/     WordPiece + MLM (our stand-in for a pretrained LM)
//   prefinetuneForRun  <run>/prefinetune/  title-body pairs, in-batch negatives (paper Eq. 2)
//   finetuneForRun     <run>/finetune/     FRet + mixture, hard + same-tower negatives, Matryoshka (Eq. 3)
// A finished stage is not recomputed: the call reads its checkpoint and metrics back (without
// starting the training engine).
// finetuneForRun(ctx, { matryoshka: false }) trains the ablation without Matryoshka
// (one loss at the full dimension) into <run>/finetune-plain/.
import { silentLogger, type Logger } from '../core/log';
import { trainContrastive } from '../train/contrastive-stage';
import { mixtureForRun } from './mixture';
import { done, finishedStage, prefinetuneForRun, stageDir, type Ctx, type StageRun } from './pretrain-stages';

export { finishedStage, prefinetuneForRun, pretrainForRun, readLossRows, type StageRun } from './pretrain-stages';
import { asStage, stageView } from './context';
import { withoutMatryoshka } from './stages';

export { withoutMatryoshka };

/**
 * Fine-tuning on the run's mixture (built from FRet, which runs first if needed) from the
 * pre-finetuned checkpoint (trained first if needed). `matryoshka: false` trains the ablation.
 * @example const ft = await finetuneForRun(ctx); const plain = await finetuneForRun(ctx, { matryoshka: false });
 */
export async function finetuneForRun(ctx: Ctx, opts: { matryoshka?: boolean; log?: Logger } = {}): Promise<StageRun> {
  const plain = opts.matryoshka === false;
  const stage = plain ? 'finetune-plain' : 'finetune';
  const init = (await prefinetuneForRun(ctx, opts)).checkpoint;
  const { examples } = await mixtureForRun(ctx); // runs FRet first when the mixture needs it
  return asStage(ctx, stage, async () => {
    const c = stageView(ctx, 'finetune');
    const dir = stageDir(c, stage);
    const finished = finishedStage(stage, dir, c.config.finetune.steps);
    if (finished) return finished;
    const config = plain ? withoutMatryoshka(c.config) : c.config;
    return done(
      stage,
      dir,
      await trainContrastive({ stage: 'finetune', config, examples, init, dir, log: opts.log ?? silentLogger }),
    );
  });
}
