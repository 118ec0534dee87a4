// The two training stages before fine-tuning, each one call, each resumable from its folder
// (re-exported by pipeline/train.ts, where fine-tuning lives):
//   pretrainForRun     <run>/pretrain/     WordPiece + MLM (our stand-in for a pretrained LM)
//   prefinetuneForRun  <run>/prefinetune/  title-body pairs, in-batch negatives (paper Eq. 2)
// Apart from fine-tuning so that FRet (whose 'initial' retriever starts from the pre-finetuned
// model) can call them without importing the mixture (which imports FRet: a cycle).
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { ensureDir, readJson, writeJson } from '../core/fs';
import { readJsonlTolerant } from '../core/jsonl';
import { silentLogger, type Logger } from '../core/log';
import type { RunContext } from '../runs/run';
import { prefinetunePairs } from '../pairs/title-body';
import { pretrain } from '../train/pretrain';
import { trainContrastive } from '../train/contrastive-stage';
import type { LoopResult, MetricsRow } from '../train/loop';
import { asStage, stageView } from './context';
import { backboneLabel, checkBackboneShape, isPretrained, loadBackbone } from '../encoder/backbone';
import { isCheckpoint, loadCheckpoint, saveCheckpoint } from '../encoder/checkpoint';
import { guardExamples, guardPretrainText, leakMode } from './leak';

/** A finished (or resumed) stage: the loop's result plus every metrics row logged so far. */
export interface StageRun extends LoopResult {
  stage: string;
  dir: string;
  metrics: MetricsRow[];
}

export type Ctx = Pick<RunContext, 'config' | 'path' | 'log'>;

/** Rows of <stage dir>/metrics.jsonl with a training loss (eval-only rows left out). */
export function readLossRows(dir: string): MetricsRow[] {
  return readJsonlTolerant<MetricsRow>(join(dir, 'metrics.jsonl')).filter((r) => typeof r.loss === 'number');
}

/** <run>/<stage>/, created. */
export function stageDir(ctx: Ctx, stage: string): string {
  return ensureDir(ctx.path(stage));
}

export function done(stage: string, dir: string, r: LoopResult): StageRun {
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
 * The backbone for the run: tokenizer + MLM pretraining ('scratch'), or a pretrained backbone
 * imported into <run>/pretrain/ckpt (pretrain.backbone: 'use-lite' or a folder), inputs cut to encoder.maxLen.
 * @example const pre = await pretrainForRun(ctx); show(lossCurve(pre.metrics))
 */
export async function pretrainForRun(ctx: Ctx, opts: { log?: Logger } = {}): Promise<StageRun> {
  return asStage(ctx, 'pretrain', async () => {
    const c = stageView(ctx, 'pretrain');
    const dir = stageDir(c, 'pretrain');
    const backbone = c.config.pretrain.backbone;
    if (isPretrained(backbone)) {
      checkBackboneShape(backbone, c.config.encoder);
      const ckpt = join(dir, 'ckpt');
      const id = isCheckpoint(ckpt)
        ? loadCheckpoint(ckpt).id
        : saveCheckpoint(ckpt, loadBackbone(backbone, c.config.encoder.maxLen));
      (opts.log ?? silentLogger).info(
        `backbone: ${backboneLabel(backbone)} imported as ${id} (inputs cut to ${c.config.encoder.maxLen} tokens), no MLM stage`,
      );
      return {
        stage: 'pretrain',
        dir,
        checkpoint: ckpt,
        checkpointId: id,
        steps: 0,
        resumedFrom: 0,
        losses: [],
        tensorCounts: [],
        metrics: [],
      };
    }
    const finished = finishedStage('pretrain', dir, c.config.pretrain.steps);
    if (finished) return finished;
    const texts = guardPretrainText(c.config, leakMode(c.config));
    writeJson(join(dir, 'leak.json'), texts.report);
    return done(
      'pretrain',
      dir,
      await pretrain({ config: c.config, dir, texts: texts.kept, log: opts.log ?? silentLogger }),
    );
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
    const pairs = guardExamples(
      'the pre-finetuning pairs',
      prefinetunePairs({ seed: c.config.seed }),
      leakMode(c.config),
    );
    writeJson(join(dir, 'leak.json'), pairs.report);
    const examples = pairs.kept;
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
