// Checkpoints: one folder holding everything needed to embed with, or resume training of,
// an encoder:
//   encoder.json    architecture (EncoderConfig), parameter list, format version, id
//   weights.bin     all parameters, float32 little-endian, in paramSpecs order
//   tokenizer.json  a standard HF tokenizer.json
//   meta.json       stage, step, run id, loss... (free-form record), and `checksums`: the size
//                   and sha256 of weights.bin, tokenizer.json and optimizer.bin as saved
//   optimizer.bin   AdamW moments m then v (optional: only for resuming training)
// A folder is written beside the target and renamed into place, so a crash never leaves a
// half-written checkpoint under the final name.
// Loading refuses a damaged checkpoint before any number comes out of it (issue 21): a file
// whose size or sha256 differs from meta.json's checksums, weights whose content hash differs
// from encoder.json's id, or weights (and AdamW moments) holding NaN or Infinity. The fix it
// gives is always the same: delete the checkpoint folder (named in full) and train it again.
// Checkpoints saved before the checksums existed load without a note: their weights are still
// checked against encoder.json's id (a content hash) and for finite values.
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { GeckoError } from '../core/errors';
import { cleanStaleTemps, ensureDir, SIDE_FILE, writeFileAtomic, writeJson } from '../core/fs';
import { pidAlive } from '../core/lock';
import { sha256, stableStringify } from '../core/hash';
import { checkEncoderConfig, type EncoderConfig } from './config';
import { paramCount, paramSpecs, type ParamSpec } from './params';
import { loadTokenizer, saveTokenizer, type TextTokenizer } from './tokenizer';
import { readJsonFile } from '../core/json';

/** Version 2: fused query/key/value projection (l<i>.wqkv, l<i>.bqkv). */
export const CHECKPOINT_FORMAT = 'gecko-encoder/2';

export interface Checkpoint {
  config: EncoderConfig;
  params: Float32Array;
  tokenizer: TextTokenizer;
  meta: Record<string, unknown>;
  /** AdamW state, when saved for resuming. */
  optimizer?: { m: Float32Array; v: Float32Array; t: number };
  /** 'ckpt:' + 12 hex of sha256(weights, config, tokenizer). */
  id: string;
  /** Whether meta.json carried checksums that were verified (false: a checkpoint saved before them). */
  checksummed?: boolean;
}

/** The files meta.json's checksums cover. */
const CHECKSUMMED = ['weights.bin', 'tokenizer.json', 'optimizer.bin'] as const;

/** The size and sha256 of a file as saved. */
export interface FileChecksum {
  bytes: number;
  sha256: string;
}

/** The one fix for any damaged checkpoint. */
export function damagedCheckpointFix(dir: string): string {
  return `delete the folder ${resolve(dir)} and rerun the command that trained it (it trains again from the start)`;
}

/**
 * Throw when `a` holds NaN or Infinity, naming the parameter it falls in.
 * @example checkFinite(ck.params, paramSpecs(ck.config), 'runs/x/ckpt/weights.bin', 'runs/x/ckpt');
 */
export function checkFinite(a: Float32Array, specs: readonly ParamSpec[], path: string, dir: string): void {
  let bad = 0;
  let first = -1;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]!)) {
      bad++;
      if (first < 0) first = i;
    }
  }
  if (bad === 0) return;
  const n = specs.length ? specs[specs.length - 1]!.offset + specs[specs.length - 1]!.size : a.length;
  const spec = specs.find((s) => first % n >= s.offset && first % n < s.offset + s.size);
  throw new GeckoError(
    `${path}: ${bad} of ${a.length} values are NaN or infinite (the first in ${spec?.name ?? `value ${first}`}): the checkpoint is damaged or its training diverged`,
    damagedCheckpointFix(dir),
  );
}

/** The checkpoint id: a content hash of weights, architecture and tokenizer. */
export function checkpointId(config: EncoderConfig, params: Float32Array, tokenizer: TextTokenizer): string {
  const h = sha256(
    Buffer.concat([
      Buffer.from(stableStringify(config)),
      Buffer.from(stableStringify(tokenizer.toJSON())),
      Buffer.from(params.buffer, params.byteOffset, params.byteLength),
    ]),
  );
  return `ckpt:${h.slice(0, 12)}`;
}

function bytesOf(a: Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function floatsOf(buf: Buffer, path: string, expected: number, fix: string): Float32Array {
  if (buf.byteLength !== expected * 4)
    throw new GeckoError(
      `${path}: ${buf.byteLength} bytes, expected ${expected * 4} (${expected} float32 values): the checkpoint is truncated or belongs to another architecture`,
      fix,
    );
  const out = new Float32Array(expected);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

/**
 * Save a checkpoint folder (replacing any previous one at `dir`).
 * @example saveCheckpoint('runs/x/finetune/ckpt', { config, params, tokenizer, meta: { step: 100 } });
 */
export function saveCheckpoint(dir: string, ck: Omit<Checkpoint, 'id'>): string {
  const n = paramCount(paramSpecs(ck.config));
  if (ck.params.length !== n)
    throw new GeckoError(`saveCheckpoint: ${ck.params.length} parameters for an encoder with ${n}`);
  const id = checkpointId(ck.config, ck.params, ck.tokenizer);
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  ensureDir(tmp);
  writeFileAtomic(join(tmp, 'weights.bin'), bytesOf(ck.params));
  saveTokenizer(join(tmp, 'tokenizer.json'), ck.tokenizer);
  if (ck.optimizer) {
    writeFileAtomic(join(tmp, 'optimizer.bin'), Buffer.concat([bytesOf(ck.optimizer.m), bytesOf(ck.optimizer.v)]));
  }
  const checksums: Record<string, FileChecksum> = {};
  for (const f of CHECKSUMMED) {
    const p = join(tmp, f);
    if (!existsSync(p)) continue;
    const b = readFileSync(p);
    checksums[f] = { bytes: b.byteLength, sha256: sha256(b) };
  }
  const meta = { ...ck.meta };
  delete meta.checksums; // the ones of the files saved now
  writeJson(join(tmp, 'meta.json'), {
    ...meta,
    ...(ck.optimizer ? { optimizerSteps: ck.optimizer.t } : {}),
    checksums,
  });
  writeJson(join(tmp, 'encoder.json'), {
    format: CHECKPOINT_FORMAT,
    id,
    config: ck.config,
    paramCount: n,
    params: paramSpecs(ck.config).map((s) => ({ name: s.name, shape: s.shape })),
  });
  const old = `${dir}.old-${process.pid}`;
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(tmp, dir);
  rmSync(old, { recursive: true, force: true });
  return id;
}

/**
 * After a crash during a checkpoint swap (between its two renames) `dir` is missing while
 * `<dir>.old-<pid>` (the previous one) and maybe `<dir>.tmp-<pid>` (the new one, complete once
 * encoder.json exists) are beside it. Put the complete one with the highest step back at `dir`,
 * then remove the stale side folders. Returns a note of what was done, or undefined.
 * @example const note = recoverCheckpoint(ckptDir); if (note) log.warn(note);
 */
export function recoverCheckpoint(dir: string): string | undefined {
  const parent = dirname(dir);
  if (!existsSync(parent)) return undefined;
  const base = basename(dir);
  let note: string | undefined;
  if (!isCheckpoint(dir)) {
    const candidates = readdirSync(parent)
      .filter((n) => n.startsWith(base + '.') && SIDE_FILE.test(n.slice(base.length)))
      .filter((n) => !pidAlive(Number(SIDE_FILE.exec(n)![2])) && isCheckpoint(join(parent, n)))
      .map((n) => {
        let step = -1;
        try {
          step = Number(readJsonFile<{ step?: number }>(join(parent, n, 'meta.json')).step ?? -1);
        } catch {
          /* no meta: least preferred */
        }
        return { n, step };
      })
      .sort((a, b) => b.step - a.step);
    const best = candidates[0];
    if (best) {
      rmSync(dir, { recursive: true, force: true });
      renameSync(join(parent, best.n), dir);
      note = `recovered the checkpoint of step ${best.step} from ${join(parent, best.n)} (a previous run stopped while saving)`;
    }
  }
  cleanStaleTemps(parent);
  for (const n of readdirSync(parent)) {
    const m = SIDE_FILE.exec(n);
    if (n.startsWith(base + '.old-') && m && !pidAlive(Number(m[2])) && isCheckpoint(dir))
      rmSync(join(parent, n), { recursive: true, force: true });
  }
  return note;
}

/** True when `dir` holds a checkpoint. */
export function isCheckpoint(dir: string): boolean {
  return existsSync(join(dir, 'encoder.json')) && existsSync(join(dir, 'weights.bin'));
}

/** A checkpoint's JSON file through the one JSON reader; a broken one is a damaged checkpoint (named, with the fix). */
function readCheckpointJson<T>(path: string, fix: string): T {
  try {
    return readJsonFile<T>(path);
  } catch (e) {
    if (!(e instanceof GeckoError)) throw e;
    throw new GeckoError(`${e.message.split('\n')[0]}: the checkpoint is damaged`, fix);
  }
}

/**
 * Load a checkpoint folder. Errors say which file is missing or malformed.
 * @example const ck = loadCheckpoint('runs/x/pretrain/ckpt'); ck.meta.step
 */
export function loadCheckpoint(dir: string, opts: { optimizer?: boolean } = {}): Checkpoint {
  const encPath = join(dir, 'encoder.json');
  if (!existsSync(encPath))
    throw new GeckoError(
      `no encoder checkpoint at ${dir} (encoder.json missing)`,
      'pass the folder written by gecko pretrain / gecko train (it holds encoder.json, weights.bin, tokenizer.json)',
    );
  const fix = damagedCheckpointFix(dir);
  let enc: {
    format?: string;
    id?: string;
    config?: EncoderConfig;
    paramCount?: number;
    params?: { name: string; shape: number[] }[];
  };
  enc = readCheckpointJson(encPath, fix);
  if (!enc || typeof enc !== 'object')
    throw new GeckoError(`${encPath}: not a JSON object: the checkpoint is damaged`, fix);
  if (enc.format !== CHECKPOINT_FORMAT || !enc.config)
    throw new GeckoError(
      `${encPath}: format '${enc.format}' is not ${CHECKPOINT_FORMAT}`,
      'this checkpoint was written by an older version of the encoder (separate q/k/v weights); train it again',
    );
  const config = enc.config;
  checkEncoderConfig(config);
  const specs = paramSpecs(config);
  const names = specs.map((s) => s.name).join(',');
  if (enc.params && enc.params.map((p) => p.name).join(',') !== names)
    throw new GeckoError(
      `${encPath}: its parameter list does not match this encoder's`,
      'train the checkpoint again with this version',
    );
  const n = paramCount(specs);
  const metaPath = join(dir, 'meta.json');
  let meta: Record<string, unknown> = {};
  if (existsSync(metaPath)) {
    meta = readCheckpointJson(metaPath, fix);
    if (!meta || typeof meta !== 'object' || Array.isArray(meta))
      throw new GeckoError(`${metaPath}: not a JSON object: the checkpoint is damaged`, fix);
  }
  const { checksums, ...rest } = meta as { checksums?: Record<string, FileChecksum> };
  const wPath = join(dir, 'weights.bin');
  if (!existsSync(wPath)) throw new GeckoError(`${wPath} is missing: the checkpoint is incomplete`, fix);
  const files = new Map<string, Buffer>();
  const read = (f: string): Buffer => {
    if (!files.has(f)) files.set(f, readFileSync(join(dir, f)));
    return files.get(f)!;
  };
  const checksummed = !!checksums && typeof checksums === 'object';
  if (checksummed) {
    for (const f of CHECKSUMMED) {
      const want = checksums[f];
      if (!want) continue;
      if (f === 'optimizer.bin' && !opts.optimizer) continue; // read (and checked) only to resume training
      const p = join(dir, f);
      if (!existsSync(p)) throw new GeckoError(`${p} is missing: the checkpoint is incomplete`, fix);
      const b = read(f);
      if (b.byteLength !== want.bytes)
        throw new GeckoError(
          `${p}: ${b.byteLength} bytes, expected ${want.bytes} (meta.json's checksums): the checkpoint is truncated or damaged`,
          fix,
        );
      const got = sha256(b);
      if (got !== want.sha256)
        throw new GeckoError(
          `${p}: sha256 ${got.slice(0, 12)}, but meta.json records ${String(want.sha256).slice(0, 12)} (same size): the checkpoint is damaged`,
          fix,
        );
    }
  }
  const params = floatsOf(read('weights.bin'), wPath, n, fix);
  checkFinite(params, specs, wPath, dir);
  let tokenizer: TextTokenizer;
  try {
    tokenizer = loadTokenizer(join(dir, 'tokenizer.json'));
  } catch (e) {
    if (!(e instanceof GeckoError)) throw e;
    throw new GeckoError(`${e.message.split('\n')[0]}: the checkpoint is damaged`, fix);
  }
  if (tokenizer.vocabSize !== config.vocabSize)
    throw new GeckoError(
      `${dir}: tokenizer has ${tokenizer.vocabSize} tokens but the encoder expects ${config.vocabSize}: the checkpoint is damaged`,
      fix,
    );
  const id = checkpointId(config, params, tokenizer);
  // The content hash saved in encoder.json: catches damage in checkpoints saved before meta.json had checksums.
  if (typeof enc.id === 'string' && enc.id !== id)
    throw new GeckoError(
      `${dir}: its weights and tokenizer hash to ${id}, but encoder.json was saved with ${enc.id}: the checkpoint is damaged`,
      fix,
    );
  const ck: Checkpoint = { config, params, tokenizer, meta: rest, id, checksummed };
  const oPath = join(dir, 'optimizer.bin');
  if (opts.optimizer && existsSync(oPath)) {
    const both = floatsOf(read('optimizer.bin'), oPath, 2 * n, fix);
    checkFinite(both, specs, oPath, dir);
    ck.optimizer = { m: both.slice(0, n), v: both.slice(n), t: Number(meta.optimizerSteps ?? 0) };
  }
  return ck;
}
