// The training loop shared by every stage: resume from the stage's checkpoint, run steps,
// log one metrics line per step, checkpoint periodically (weights + AdamW state), evaluate
// periodically, and stop cleanly on NaN/Inf keeping the last good checkpoint.
//
// Everything random in a step derives from (run seed, stage, step), and data order from
// (run seed, stage, epoch): a resumed run replays exactly the steps an uninterrupted run
// would have taken, so its final weights are bit-identical on the same backend and
// replica count.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { appendJsonl, readJsonlTolerant, writeJsonl } from '../core/jsonl';
import type { Logger } from '../core/log';
import { progress as startProgress } from '../core/progress';
import { isCheckpoint, loadCheckpoint, recoverCheckpoint, saveCheckpoint } from '../encoder/checkpoint';
import { GeckoError, InterruptedError } from '../core/errors';
import { cooperate, interruptRequested } from '../core/interrupt';
import type { EncoderConfig } from '../encoder/config';
import type { TextTokenizer } from '../encoder/tokenizer';
import { createEngine } from './create-engine';
import type { EnginePath } from '../backend/engine-path';
import { selectBackend } from '../backend/select';
import { NonFiniteError, type Engine, type EngineStep } from './engine';
import { defaultReplicaCount } from '../encoder/worker-pool';
import * as tf from '@tensorflow/tfjs';
import { lrAt } from './schedule';

/** One line of metrics.jsonl. */
export interface MetricsRow {
  stage: string;
  /** Updates done after this row (1-based). */
  step: number;
  loss?: number;
  lr?: number;
  gradNorm?: number;
  tokens?: number;
  ms?: number;
  /** Evaluation scores (rows written by the eval hook). */
  eval?: Record<string, number>;
  error?: string;
}

export interface LoopOptions {
  stage: string;
  /** The stage folder: metrics.jsonl and ckpt/ go here. */
  dir: string;
  config: EncoderConfig;
  tokenizer: TextTokenizer;
  /** Initial weights when there is nothing to resume. */
  init: () => Float32Array;
  steps: number;
  lr: number;
  warmupSteps: number;
  clipNorm: number;
  weightDecay: number;
  checkpointEvery: number;
  /** Gradients of one step (0-based), from the engine. */
  step: (engine: Engine, step: number) => Promise<EngineStep>;
  evalEvery?: number;
  /** Periodic evaluation: receives the engine (engine.encode embeds with the current weights). */
  onEval?: (engine: Engine, step: number) => Promise<Record<string, number>>;
  /** Extra fields for meta.json. */
  meta?: Record<string, unknown>;
  /** Threads (TF.js engines); default GECKO_WORKERS or one per core on wasm. */
  replicas?: number;
  /** packed or device path; default: enginePath() of the active backend (GECKO_ENGINE). */
  engine?: EnginePath;
  log: Logger;
  /** Stop (as if killed) after this many steps in this call: for resume tests. */
  stopAfter?: number;
  showProgress?: boolean;
}

export interface LoopResult {
  /** The checkpoint folder (final weights, resumable). */
  checkpoint: string;
  checkpointId: string;
  steps: number;
  /** Step the run resumed from (0 for a fresh run). */
  resumedFrom: number;
  losses: number[];
  /** Engine's per-replica tensor counts after the last step (leak checks). */
  tensorCounts: number[];
}

/**
 * Run (or resume) a training stage.
 * @example const r = await runLoop({ stage: 'finetune', dir: ctx.path('finetune'), ... });
 */
export async function runLoop(o: LoopOptions): Promise<LoopResult> {
  // Ctrl-C / SIGTERM inside the loop: finish the step, save it, then stop (InterruptedError, exit 130).
  return cooperate(() => loop(o));
}

async function loop(o: LoopOptions): Promise<LoopResult> {
  const ckptDir = join(o.dir, 'ckpt');
  const recovered = recoverCheckpoint(ckptDir);
  if (recovered) o.log.warn(`${o.stage}: ${recovered}`);
  const metricsPath = join(o.dir, 'metrics.jsonl');
  let params: Float32Array;
  let optimizer;
  let start = 0;
  if (isCheckpoint(ckptDir)) {
    const ck = loadCheckpoint(ckptDir, { optimizer: true });
    if (ck.meta.stage !== o.stage)
      throw new Error(`${ckptDir} holds a '${String(ck.meta.stage)}' checkpoint, not '${o.stage}'`);
    checkFiniteWeights(ck.params, ckptDir);
    params = ck.params;
    optimizer = ck.optimizer;
    start = Number(ck.meta.step ?? 0);
    o.log.info(`${o.stage}: resuming from step ${start} (${ckptDir})`);
  } else {
    params = o.init();
  }
  // keep only metrics of the steps the checkpoint covers (a killed run may have logged more)
  const old = readJsonlTolerant<MetricsRow>(metricsPath).filter((r) => r.step <= start);
  if (existsSync(metricsPath) || old.length) writeJsonl(metricsPath, old);

  const save = async (engine: Engine, step: number, loss?: number) => {
    const { params, optimizer } = await engine.snapshot();
    return saveCheckpoint(ckptDir, {
      config: o.config,
      params,
      tokenizer: o.tokenizer,
      optimizer,
      meta: {
        ...o.meta,
        stage: o.stage,
        step,
        totalSteps: o.steps,
        ...(loss !== undefined ? { loss } : {}),
        engine: engine.path,
        backend: tf.getBackend(),
      },
    });
  };

  // The configured backend (GECKO_BACKEND, else the fastest that works), also when no run folder chose it
  // first (an ablation arm, a bare pipeline context): TF.js alone would default to its slow 'cpu' backend.
  await selectBackend();
  const engine = await createEngine(o.config, params, {
    replicas: o.replicas ?? defaultReplicaCount(tf.getBackend()),
    optimizer,
    ...(o.engine ? { path: o.engine } : {}),
  });
  o.log.info(`${o.stage}: ${engine.path} path on the ${tf.getBackend()} backend`);
  const losses: number[] = [];
  let id = '';
  try {
    if (start >= o.steps) {
      id = isCheckpoint(ckptDir) ? loadCheckpoint(ckptDir).id : await save(engine, start);
      return {
        checkpoint: ckptDir,
        checkpointId: id,
        steps: start,
        resumedFrom: start,
        losses,
        tensorCounts: await engine.tensorCounts(),
      };
    }
    if (o.onEval && o.evalEvery && o.evalEvery > 0 && start === 0) {
      // the starting point of the learning curve
      const scores = await o.onEval(engine, 0);
      appendJsonl(metricsPath, [{ stage: o.stage, step: 0, eval: scores } satisfies MetricsRow]);
      o.log.info(
        `${o.stage} step 0: ${Object.entries(scores)
          .map(([k, v]) => `${k} ${v.toFixed(4)}`)
          .join(', ')}`,
      );
    }
    const bar = o.showProgress === false ? undefined : startProgress(o.stage, o.steps - start, 'steps');
    let lastSaved = start;
    for (let s = start; s < o.steps; s++) {
      if (o.stopAfter !== undefined && s - start >= o.stopAfter) break;
      const t0 = Date.now();
      const r = await o.step(engine, s);
      const lr = lrAt(s, { lr: o.lr, warmupSteps: o.warmupSteps, totalSteps: o.steps });
      let gradNorm: number;
      try {
        gradNorm = await engine.update(s + 1, r, {
          lr,
          clipNorm: o.clipNorm,
          adamw: { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: o.weightDecay },
        });
      } catch (e) {
        if (e instanceof NonFiniteError) {
          appendJsonl(metricsPath, [
            { stage: o.stage, step: s + 1, loss: r.loss, error: e.message.split('\n')[0] } satisfies MetricsRow,
          ]);
          if (lastSaved === 0 && !isCheckpoint(ckptDir)) {
            o.log.warn(`${o.stage}: no checkpoint was saved before the failure`);
          } else {
            o.log.warn(`${o.stage}: the last good checkpoint (step ${lastSaved}) is kept at ${ckptDir}`);
          }
        }
        throw e;
      }
      losses.push(r.loss);
      appendJsonl(metricsPath, [
        {
          stage: o.stage,
          step: s + 1,
          loss: r.loss,
          lr,
          gradNorm,
          tokens: r.tokens,
          ms: Date.now() - t0,
        } satisfies MetricsRow,
      ]);
      bar?.tick(1, `loss ${r.loss.toFixed(4)}`);
      const done = s + 1;
      if (done === o.steps || (o.checkpointEvery > 0 && done % o.checkpointEvery === 0)) {
        id = await save(engine, done, r.loss);
        lastSaved = done;
        o.log.info(`${o.stage}: saved checkpoint at step ${done}`);
      }
      const signal = interruptRequested();
      if (signal && done < o.steps) {
        if (lastSaved !== done) {
          id = await save(engine, done, r.loss);
          lastSaved = done;
        }
        bar?.done(`stopped by ${signal}`);
        throw new InterruptedError(
          `${o.stage}: stopped by ${signal} after step ${done} of ${o.steps}; checkpoint saved at ${ckptDir}`,
          'rerun the same command (same --out) to resume from this step',
        );
      }
      if (o.onEval && o.evalEvery && o.evalEvery > 0 && (done % o.evalEvery === 0 || done === o.steps)) {
        const scores = await o.onEval(engine, done);
        appendJsonl(metricsPath, [{ stage: o.stage, step: done, eval: scores } satisfies MetricsRow]);
        o.log.info(
          `${o.stage} step ${done}: ${Object.entries(scores)
            .map(([k, v]) => `${k} ${v.toFixed(4)}`)
            .join(', ')}`,
        );
      }
    }
    bar?.done(losses.length ? `last loss ${losses[losses.length - 1]!.toFixed(4)}` : '');
    const finalStep = start + losses.length;
    return {
      checkpoint: ckptDir,
      checkpointId: id,
      steps: finalStep,
      resumedFrom: start,
      losses,
      tensorCounts: await engine.tensorCounts(),
    };
  } finally {
    await engine.close();
  }
}

/**
 * Weights to start from must be finite: a NaN there makes the first loss NaN, which would then be
 * blamed on the learning rate. Refused naming the checkpoint they came from (issue 21 §2).
 * @example checkFiniteWeights(ck.params, 'runs/x/pretrain/ckpt');
 */
export function checkFiniteWeights(params: Float32Array, source: string): void {
  let bad = 0;
  for (let i = 0; i < params.length; i++) if (!Number.isFinite(params[i]!)) bad++;
  if (bad > 0)
    throw new GeckoError(
      `the weights of ${source} hold ${bad} of ${params.length} values that are NaN or infinite: the checkpoint is damaged`,
      `delete ${source} and rerun the command that wrote it, or start from another checkpoint`,
    );
}
