// The one wiring of the recipe: every stage is content-addressed by the slice of the config it
// depends on, the hashes of its upstream stages, and its seed. A stage's output lives in
//   <cache>/stages/<stage>-<hash12>/
// so any run, notebook, demo or ablation arm that needs the same stage with the same inputs
// reads it back instead of recomputing it. An ablation whose arms differ only in fine-tuning
// keys shares seeding, FRet, pretraining and pre-finetuning across all its arms and seeds.
//
//   stage        config keys it reads                       upstream           seed
//   seeding      seeding.*, fret.poolSize                    -                  fret seed
//   fret         llm.teacher, fret.*, format, data.*         seeding            fret seed
//   pretrain     tokenizer.*, encoder.*, pretrain.*,         -                  base seed
//                data.leakGuard
//   prefinetune  prefinetune.*, format, data.leakGuard       pretrain           base seed
//   mixture      finetune.mixture, data.*, format            fret (if weight>0) mixture seed
//   finetune     finetune.*, format (mixture via upstream)   prefinetune, mixture finetune seed
//   eval         eval.*, format                              the model's stage  base seed (same items for every arm and seed)
//
// Seeds: `StageSeeds` gives a stage its own seed; by default every stage uses config.seed. An
// ablation seed varies fine-tuning and the mixture's sampling, and (for specs whose arms change
// FRet) seeding + FRet as well; pretraining, pre-finetuning and evaluation's sub-sampling keep the
// base seed so every arm and seed shares them and is scored on the same items. With
// `gecko ablate --seed-scope all` a seed varies pretraining and pre-finetuning too (every stage
// but evaluation, whose items must stay paired).
// Seeding and FRet share one seed because the FRet pipeline samples seeds with FRet's seed.
// Keys that cannot change a result (concurrency, timeouts, batch size of evaluation, ...) are in
// OPERATIONAL_KEYS; a test checks that every config key is claimed by a stage or listed there.
//
// Damage (issue 21): when a stage completes, its stage.json records every file of its folder
// (size, sha256, and the row count of each .jsonl). Reading a finished stage back verifies them
// first (runStage, and every path a pipeline context resolves into a finished stage), so a
// truncated, zeroed or edited file is refused before any number comes out of it, with one fix:
// delete that stage's folder (named in full) and rerun. A stage finished before stage.json had
// the file list is adopted: its list is recorded at the first read.
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { ExperimentConfig } from '../config/schema';
import { GeckoError } from '../core/errors';
import { cleanStaleTemps, ensureDir, readJson, SIDE_FILE, writeJson } from '../core/fs';
import { hashOf, sha256 } from '../core/hash';
import { LOCK_FILE } from '../core/lock';
import { cacheDir } from '../core/paths';
import { parseJson } from '../core/json';
import { backboneFingerprint, isPretrained } from '../encoder/backbone';

export const STAGE_NAMES = ['seeding', 'fret', 'pretrain', 'prefinetune', 'mixture', 'finetune', 'eval'] as const;
export type StageName = (typeof STAGE_NAMES)[number];
/** Run-folder names that map to a stage: finetune-plain is the fine-tuning stage of the no-Matryoshka config. */
export type StageFolder = StageName | 'finetune-plain';

/** Bump to invalidate every cached stage of one kind (e.g. after a change in what it computes). */
// 2: the text-level leak guard, and the BBC / AG News corpus splits held by text (lib/data/split.ts).
const STAGE_VERSION: Record<StageName, number> = {
  seeding: 2,
  fret: 1,
  pretrain: 2,
  prefinetune: 2,
  mixture: 2,
  finetune: 1,
  eval: 1,
};

/** Config key paths (a section or a leaf) each stage reads. */
// A key that this version of the config lacks hashes as absent, so keys may be listed before they land.
export const STAGE_KEYS: Record<StageName, readonly string[]> = {
  seeding: ['seeding', 'fret.poolSize'],
  fret: ['llm.teacher', 'fret', 'format', 'data'],
  pretrain: ['tokenizer', 'encoder', 'pretrain', 'data.leakGuard'],
  prefinetune: ['prefinetune', 'format', 'data.leakGuard'],
  mixture: ['finetune.mixture', 'data', 'format'],
  finetune: ['finetune', 'format'],
  eval: ['eval', 'format'],
};

/** Keys that change how fast or how a stage runs, never what it computes (left out of every hash). */
export const OPERATIONAL_KEYS: readonly string[] = [
  'name',
  'seed', // enters each stage's hash as that stage's seed
  'llm.cacheMode',
  'llm.concurrency',
  'llm.timeoutMs',
  'llm.maxRetries',
  'llm.budgetTokens',
  'pretrain.checkpointEvery',
  'prefinetune.checkpointEvery',
  'finetune.checkpointEvery',
  'eval.batchSize',
];

const UPSTREAM: Record<StageName, readonly StageName[]> = {
  seeding: [],
  fret: ['seeding'],
  pretrain: [],
  prefinetune: ['pretrain'],
  mixture: ['fret'],
  finetune: ['prefinetune', 'mixture'],
  eval: ['finetune'],
};

/** A seed per stage; a missing stage uses config.seed. Seeding always takes FRet's seed; evaluation always config.seed. */
export type StageSeeds = Partial<Record<'pretrain' | 'prefinetune' | 'fret' | 'mixture' | 'finetune', number>>;

export interface StageKey {
  stage: StageName;
  hash: string;
  seed: number;
  dir: string;
  /** The config values the hash covers, for stage.json. */
  slice: Record<string, unknown>;
  upstream: Record<string, string>;
}

export type StagePlan = Record<StageFolder, StageKey>;

function getPath(obj: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}

function without(value: unknown, path: string, drop: readonly string[]): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const p = `${path}.${k}`;
    if (drop.includes(p)) continue;
    out[k] = without(v, p, drop);
  }
  return out;
}

/**
 * The keys the pretrain stage reads: all of its section for MLM from scratch; for a pretrained
 * backbone only which one and the encoder section (its maxLen cuts the inputs, dropout trains).
 */
function pretrainKeys(cfg: Readonly<ExperimentConfig>): readonly string[] {
  return isPretrained(cfg.pretrain.backbone) ? ['pretrain.backbone', 'encoder'] : STAGE_KEYS.pretrain;
}

/** The config values a stage reads (operational keys removed; finetune's mixture belongs to the mixture stage). */
export function configSlice(cfg: Readonly<ExperimentConfig>, stage: StageName): Record<string, unknown> {
  const drop = [...OPERATIONAL_KEYS, ...(stage === 'finetune' ? ['finetune.mixture'] : [])];
  // FRet's 'initial' retriever starts from the pre-finetuned model: its config is part of FRet's inputs.
  const keys =
    stage === 'fret' && cfg.fret.retriever === 'initial'
      ? [...STAGE_KEYS.fret, ...pretrainKeys(cfg), ...STAGE_KEYS.prefinetune.filter((k) => k !== 'format')]
      : stage === 'pretrain'
        ? pretrainKeys(cfg)
        : STAGE_KEYS[stage];
  return Object.fromEntries(keys.map((k) => [k, without(getPath(cfg, k), k, drop)]));
}

/** The seed a stage uses. */
export function stageSeed(cfg: Readonly<ExperimentConfig>, stage: StageName, seeds: StageSeeds = {}): number {
  if (stage === 'seeding' || stage === 'fret') return seeds.fret ?? cfg.seed;
  if (stage === 'mixture') return seeds.mixture ?? cfg.seed;
  if (stage === 'finetune') return seeds.finetune ?? cfg.seed;
  if (stage === 'pretrain') return seeds.pretrain ?? cfg.seed;
  if (stage === 'prefinetune') return seeds.prefinetune ?? cfg.seed;
  return cfg.seed;
}

/** Where content-addressed stage folders live: <GECKO_CACHE_DIR>/stages. */
export function stagesRoot(): string {
  return join(cacheDir(), 'stages');
}

/**
 * The hash and folder of every stage for a config (and per-stage seeds).
 * @example const plan = stagePlan(resolveConfig('smoke').config, { finetune: 2 }); plan.pretrain.dir
 */
export function stagePlan(cfg: Readonly<ExperimentConfig>, seeds: StageSeeds = {}, root = stagesRoot()): StagePlan {
  const keys = {} as Record<StageName, StageKey>;
  const key = (c: Readonly<ExperimentConfig>, stage: StageName, up: Record<StageName, StageKey>): StageKey => {
    const upstream: Record<string, string> = {};
    for (const u of UPSTREAM[stage]) {
      if (stage === 'mixture' && u === 'fret' && !((c.finetune.mixture.fret ?? 0) > 0)) continue; // no FRet in the mixture
      upstream[u] = up[u].hash;
    }
    const slice = configSlice(c, stage);
    const seed = stageSeed(c, stage, seeds);
    // FRet's 'initial' retriever starts from the pre-finetuned model: that model's seeds are FRet inputs
    // too (only when not the base seed, so that the hashes of runs that never set them stay as they were)
    const modelSeeds = { pretrain: stageSeed(c, 'pretrain', seeds), prefinetune: stageSeed(c, 'prefinetune', seeds) };
    const model =
      stage === 'fret' &&
      c.fret.retriever === 'initial' &&
      (modelSeeds.pretrain !== c.seed || modelSeeds.prefinetune !== c.seed)
        ? { model: modelSeeds }
        : {};
    // a backbone folder's files (size, time) are inputs of the pretrain stage (and of FRet's 'initial' retriever)
    const source =
      (stage === 'pretrain' || (stage === 'fret' && c.fret.retriever === 'initial')) &&
      isPretrained(c.pretrain.backbone) &&
      c.pretrain.backbone !== 'use-lite'
        ? { source: backboneFingerprint(c.pretrain.backbone) }
        : {};
    const hash = hashOf({ stage, v: STAGE_VERSION[stage], slice, seed, upstream, ...model, ...source });
    return { stage, hash, seed, slice, upstream, dir: join(root, `${stage}-${hash.slice(0, 12)}`) };
  };
  for (const s of STAGE_NAMES) keys[s] = key(cfg, s, keys);
  const plain = withoutMatryoshka(cfg);
  const ftPlain = key(plain, 'finetune', keys);
  return { ...keys, 'finetune-plain': ftPlain };
}

/** The config of the no-Matryoshka ablation: one loss term at the full encoder width. */
export function withoutMatryoshka(cfg: Readonly<ExperimentConfig>): ExperimentConfig {
  return { ...cfg, finetune: { ...cfg.finetune, matryoshkaDims: [cfg.encoder.dModel], matryoshkaWeights: [1] } };
}

// ---- execution records: which stages ran here and which were read back ----

export interface StageEvent {
  stage: StageFolder;
  hash: string;
  dir: string;
  /** 'ran': computed (or resumed) in this process; 'reused': found finished. */
  action: 'ran' | 'reused';
  seconds: number;
}

const listeners = new Set<(e: StageEvent) => void>();

/**
 * Listen to stage executions in this process (tests count them; `gecko ablate` reports them).
 * @example const off = onStage((e) => events.push(e)); ...; off();
 */
export function onStage(fn: (e: StageEvent) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

const DONE = 'stage.json';

/** Whether a stage folder holds a finished stage (its stage.json is written last). */
export function stageDone(dir: string): boolean {
  return existsSync(join(dir, DONE));
}

/** What stage.json records of one file of a finished stage. */
export interface StageFile {
  bytes: number;
  sha256: string;
  /** Lines, for .jsonl files. */
  rows?: number;
}

/**
 * Files that every read-back of a finished stage rewrites or extends: FRet's usage.jsonl (one
 * line per invocation) and env.json (the machine and versions of the latest invocation, written
 * by startRun when a command's --out is the stage folder). Not results, so not in the file list.
 */
const LOGS = new Set(['usage.jsonl', 'env.json']);

/** Every file under a stage folder (relative path -> size, sha256, rows), lock and temp files and LOGS left out. */
export function stageFiles(dir: string): Record<string, StageFile> {
  const out: Record<string, StageFile> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name === LOCK_FILE || SIDE_FILE.test(e.name) || LOGS.has(e.name)) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const rel = relative(dir, p);
        if (rel === DONE) continue;
        const b = readFileSync(p);
        const f: StageFile = { bytes: b.byteLength, sha256: sha256(b) };
        if (e.name.endsWith('.jsonl')) {
          let rows = 0;
          for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) rows++;
          if (b.byteLength > 0 && b[b.byteLength - 1] !== 10) rows++;
          f.rows = rows;
        }
        out[rel] = f;
      }
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

const verified = new Set<string>();

/** The one fix for a damaged stage folder. */
export function damagedStageFix(dir: string): string {
  return `delete the folder ${resolve(dir)} and rerun the same command (the stage is computed again)`;
}

/**
 * Check a finished stage folder against the file list its stage.json recorded (once per process
 * and folder); throw naming the folder and the first damaged file. A folder that is not finished
 * is left alone (its stage resumes), and so is one finished before file lists existed (adopted).
 * @example verifyStage(plan.mixture.dir);
 */
export function verifyStage(dir: string): void {
  const abs = resolve(dir);
  if (verified.has(abs) || !stageDone(abs)) return;
  const fix = damagedStageFix(abs);
  const recPath = join(abs, DONE);
  let rec: { files?: Record<string, StageFile> } & Record<string, unknown>;
  try {
    rec = parseJson(readFileSync(recPath, 'utf8'), recPath);
  } catch (e) {
    throw new GeckoError(`${recPath}: not valid JSON (${(e as Error).message}): the stage folder is damaged`, fix);
  }
  if (!rec || typeof rec !== 'object' || Array.isArray(rec))
    throw new GeckoError(`${recPath}: not a JSON object: the stage folder is damaged`, fix);
  const now = stageFiles(abs);
  if (!rec.files || typeof rec.files !== 'object') {
    writeJson(recPath, { ...rec, files: now }); // finished before file lists: adopt it as it is
    verified.add(abs);
    return;
  }
  for (const [rel, want] of Object.entries(rec.files)) {
    const got = now[rel];
    const p = join(abs, rel);
    if (!got) throw new GeckoError(`${p} is missing: the stage folder ${abs} is damaged`, fix);
    const count = (f: StageFile) => (f.rows !== undefined ? `${f.rows} rows, ` : '') + `${f.bytes} bytes`;
    if (got.bytes !== want.bytes || got.rows !== want.rows)
      throw new GeckoError(
        `${p}: ${count(got)}, but the stage recorded ${count(want)} when it finished: the stage folder ${abs} is damaged`,
        fix,
      );
    if (got.sha256 !== want.sha256)
      throw new GeckoError(
        `${p}: its sha256 differs from the one the stage recorded when it finished (same size): the stage folder ${abs} is damaged`,
        fix,
      );
  }
  verified.add(abs);
}

/** For tests: verify every folder again. */
export function forgetVerifiedStages(): void {
  verified.clear();
}

/**
 * Run `fn` for a stage unless its folder already holds a finished result; either way return
 * what `fn` returns (a finished stage's `fn` reads its outputs back, after verifyStage) and report the event.
 * @example const pre = await runStage(plan.pretrain, 'pretrain', () => pretrainForRun(ctx));
 */
export async function runStage<T>(key: StageKey, folder: StageFolder, fn: () => Promise<T> | T): Promise<T> {
  const was = stageDone(key.dir);
  if (was) verifyStage(key.dir);
  const t0 = Date.now();
  ensureDir(key.dir);
  if (!was) cleanStaleTemps(key.dir); // temp files a killed run left anywhere in the folder
  const out = await fn();
  finishStage(key, folder, was, t0);
  return out;
}

function finishStage(key: StageKey, folder: StageFolder, was: boolean, t0: number): void {
  const seconds = (Date.now() - t0) / 1000;
  if (!was) {
    writeJson(join(key.dir, DONE), {
      stage: folder,
      hash: key.hash,
      seed: key.seed,
      slice: key.slice,
      upstream: key.upstream,
      seconds,
      finishedAt: new Date().toISOString(),
      files: stageFiles(key.dir),
    });
    verified.add(resolve(key.dir));
  }
  const e: StageEvent = { stage: folder, hash: key.hash, dir: key.dir, action: was ? 'reused' : 'ran', seconds };
  for (const l of listeners) l(e);
}

/** The stage.json of a finished stage (undefined while it is not finished). */
export function stageRecord(dir: string): { seconds: number; stage: string; hash: string } | undefined {
  if (!stageDone(dir)) return undefined;
  verifyStage(dir);
  return readJson(join(dir, DONE));
}

/**
 * Make <runDir>/<stage> a link to the stage's cache folder, so tools that read a run folder
 * (plots, run comparisons) see the stage's outputs. A real folder already there is left alone.
 */
export function linkStage(runDir: string, folder: string, target: string): void {
  const link = join(runDir, folder);
  ensureDir(target);
  try {
    const st = lstatSync(link);
    if (!st.isSymbolicLink()) return;
    if (resolve(runDir, readlinkSync(link)) === resolve(target)) return;
    rmSync(link);
  } catch {
    /* no link yet */
  }
  symlinkSync(resolve(target), link, 'dir');
}
