// Checks of a stage's settings that run before its first unit of work (and before anything is
// written), shared by the CLI commands and the orchestration: the FRet retriever spec, an
// initial checkpoint's width against the config, Matryoshka dimensions against a model's width,
// a learning rate that would train nothing, a task list that selects nothing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, UsageError } from '../core/errors';
import { isCheckpoint } from '../encoder/checkpoint';
import { readJsonFile } from '../core/json';

/**
 * fret.retriever must be 'bm25', 'hash[:DIM]', 'initial' or an encoder checkpoint folder: checked before
 * query generation (the paid step with an LLM teacher).
 * @example checkRetrieverSpec(cfg.fret.retriever);
 */
export function checkRetrieverSpec(spec: string): void {
  if (
    spec === 'bm25' ||
    spec === 'use-lite' ||
    spec === 'initial' ||
    /^hash(?::[1-9]\d*)?$/.test(spec) ||
    isCheckpoint(spec)
  )
    return;
  throw new ConfigError(
    'fret.retriever',
    `'${spec}' is neither 'bm25', 'hash[:DIM]', 'use-lite', 'initial' nor an encoder checkpoint folder`,
    'pass --retriever bm25, initial (with --init), or the ckpt folder of a pre-finetuned model (gecko train --stage prefinetune writes <out>/ckpt)',
  );
}

/** The architecture recorded in a checkpoint's encoder.json (no weights are read). */
function checkpointShape(dir: string): Record<string, unknown> {
  try {
    return readJsonFile<{ config?: Record<string, unknown> }>(join(dir, 'encoder.json')).config ?? {};
  } catch {
    return {};
  }
}

/**
 * --init must be a checkpoint whose architecture is the one the config describes; otherwise
 * the run's config.json would record a width the weights do not have.
 * @example checkInitCheckpoint(flags.init, cfg.encoder);
 */
export function checkInitCheckpoint(dir: string, encoder: Readonly<Record<string, unknown>>, flag = '--init'): void {
  if (!isCheckpoint(dir))
    throw new UsageError(
      `${flag} ${dir}: not an encoder checkpoint (encoder.json and weights.bin missing)`,
      'pass the ckpt folder written by gecko pretrain / gecko train, e.g. runs/<run>/ckpt',
    );
  const shape = checkpointShape(dir);
  const diffs = ['layers', 'dModel', 'heads', 'ffn']
    .filter((k) => shape[k] !== undefined && encoder[k] !== undefined && shape[k] !== encoder[k])
    .map((k) => `encoder.${k}: checkpoint ${String(shape[k])}, config ${String(encoder[k])}`);
  if (diffs.length)
    throw new ConfigError(
      diffs[0]!.split(':')[0]!,
      `${flag} ${dir} does not match the config (${diffs.join('; ')})`,
      `use the preset the checkpoint was trained with (--preset), or --set ${diffs
        .map((d) => `${d.split(':')[0]}=${d.split('checkpoint ')[1]!.split(',')[0]}`)
        .join(' --set ')}`,
    );
}

/**
 * Matryoshka dimensions must lie in 1..width of the model.
 * @example checkDims([1000], 32, '--dims') // throws: 1000 > 32
 */
export function checkDims(dims: readonly number[], width: number, flag: string, opts: { one?: boolean } = {}): void {
  const bad = dims.filter((d) => !Number.isInteger(d) || d < 1 || d > width);
  // a flag that takes one number (embed --dim) gets a one-number example, never a list it would refuse
  const example = opts.one
    ? `${flag} ${Math.max(1, width >> 2)}`
    : `${flag} ${[width, Math.max(1, width >> 2)].join(',')}`;
  if (bad.length)
    throw new UsageError(
      `${flag} ${bad.join(',')}: the model has ${width} dimensions`,
      opts.one
        ? `give one dimension between 1 and ${width}, e.g. ${example}`
        : `give dimensions between 1 and ${width}${width >= 8 ? `, e.g. ${example}` : ''}`,
    );
}

/**
 * A training stage with lr = 0 (and steps > 0) would write a checkpoint identical to its start.
 * @example checkTrains('finetune', cfg.finetune);
 */
export function checkTrains(section: string, s: { lr: number; steps: number }): void {
  if (s.steps > 0 && !(s.lr > 0))
    throw new ConfigError(
      `${section}.lr`,
      `is ${s.lr}: ${s.steps} steps would leave the weights unchanged`,
      `set a positive learning rate, e.g. --set ${section}.lr=1e-4 (or ${section}.steps=0 to skip the stage)`,
    );
}

/** A task selection that selects nothing evaluates nothing: refuse it. */
export function checkSomeTasks(count: number, given: readonly string[]): void {
  if (count === 0)
    throw new UsageError(
      `--tasks ${JSON.stringify(given.join(','))} selects no task`,
      "name tasks or task types (e.g. --tasks SciFact,STS), or 'all'",
    );
}
