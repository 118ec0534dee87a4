// The three training stages for a run, each one call, each resumable from its folder:
//   pretrainForRun     <run>/pretrain/     WordPiece + MLM (our stand-in for a pretrained LM)
//   prefinetuneForRun  <run>/prefinetune/  title-body pairs, in-batch negatives (paper Eq. 2)
//   finetuneForRun     <run>/finetune/     FRet + mixture, hard + same-tower negatives, Matryoshka (Eq. 3)
// A finished stage is not recomputed: the call reads its checkpoint and metrics back (without
// starting the training engine).
// finetuneForRun(ctx, { matryoshka: false }) trains the ablation without Matryoshka
// (one loss at the full dimension) into <run>/finetune-plain/.
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { ensureDir, readJson } from '../core/fs';
import { readJsonlTolerant } from '../core/jsonl';
import { silentLogger, type Logger } from '../core/log';
import type { RunContext } from '../runs/run';
import { prefinetunePairs } from '../pairs/title-body';
import { pretrain } from '../train/pretrain';
import { trainContrastive } from '../train/contrastive-stage';
import type { LoopResult, MetricsRow } from '../train/loop';
import { mixtureForRun } from './mixture';
import { asStage, stageView } from './context';
import { withoutMatryoshka } from './stages';

export { withoutMatryoshka };

/** A finished (or resumed) stage: the loop's result plus every metrics row logged so far. */
export interface StageRun extends LoopResult {
  stage: string;
  dir: string;
  metrics: MetricsRow[];
}

type Ctx = Pick<RunContext, 'config' | 'path' | 'log'>;

/** Rows of <stage dir>/metrics.jsonl with a training loss (eval-only rows left out). */
export function readLossRows(dir: string): MetricsRow[] {
  return readJsonlTolerant<MetricsRow>(join(dir, 'metrics.jsonl')).filter((r) => typeof r.loss === 'number');
}

/** <run>/<stage>/, created. */
function stageDir(ctx: Ctx, stage: string): string {
  return ensureDir(ctx.path(stage));
}

function done(stage: string, dir: string, r: LoopResult): StageRun {
  return { ...r, stage, dir, metrics: readLossRows(dir) };
}

/**
 * A stage whose checkpoint already holds all `steps` steps, read from disk without starting
 * the training engine (its worker threads take seconds to start); undefined otherwise.
 */
export function finishedStage(stage: string, dir: string, steps: number): StageRun | undefined {
  const meta = join(dir, 'ckpt', 'meta.json');
  const enc = join(dir, 'ckpt', 'encoder.json');
  if (!existsSync(meta) || !existsSync(enc)) return undefined;
  try {
    const m = readJson<{ step?: number; totalSteps?: number }>(meta);
    const id = readJson<{ id?: string }>(enc).id;
    if (m.step !== steps || (m.totalSteps !== undefined && m.totalSteps !== steps) || !id) return undefined;
    return {
      stage,
      dir,
      checkpoint: join(dir, 'ckpt'),
      checkpointId: id,
      steps,
      resumedFrom: steps,
      losses: [],
      tensorCounts: [],
      metrics: readLossRows(dir),
    };
  } catch {
    return undefined; // unreadable: let the loop resume (and report) properly
  }
}

/**
 * Tokenizer + MLM pretraining for the run.
 * @example const pre = await pretrainForRun(ctx); show(lossCurve(pre.metrics))
 */
export async function pretrainForRun(ctx: Ctx, opts: { log?: Logger } = {}): Promise<StageRun> {
  return asStage(ctx, 'pretrain', async () => {
    const c = stageView(ctx, 'pretrain');
    const dir = stageDir(c, 'pretrain');
    const finished = finishedStage('pretrain', dir, c.config.pretrain.steps);
    if (finished) return finished;
    return done('pretrain', dir, await pretrain({ config: c.config, dir, log: opts.log ?? silentLogger }));
  });
}

/**
 * Pre-finetuning from the pretrained checkpoint (runs pretraining first if needed).
 * @example const pft = await prefinetuneForRun(ctx); show(lossCurve(pft.metrics))
 */
export async function prefinetuneForRun(ctx: Ctx, opts: { log?: Logger } = {}): Promise<StageRun> {
  const init = (await pretrainForRun(ctx, opts)).checkpoint;
  return asStage(ctx, 'prefinetune', async () => {
    const c = stageView(ctx, 'prefinetune');
    const dir = stageDir(c, 'prefinetune');
    const finished = finishedStage('prefinetune', dir, c.config.prefinetune.steps);
    if (finished) return finished;
    const examples = prefinetunePairs({ seed: c.config.seed });
    return done(
      'prefinetune',
      dir,
      await trainContrastive({
        stage: 'prefinetune',
        config: c.config,
        examples,
        init,
        dir,
        log: opts.log ?? silentLogger,
      }),
    );
  });
}

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
