// Checkpoints: one folder holding everything needed to embed with, or resume training of,
// an encoder:
//   encoder.json    architecture (EncoderConfig), parameter list, format version, id
//   weights.bin     all parameters, float32 little-endian, in paramSpecs order
//   tokenizer.json  a standard HF tokenizer.json
//   meta.json       stage, step, run id, loss... (free-form record)
//   optimizer.bin   AdamW moments m then v (optional: only for resuming training)
// A folder is written beside the target and renamed into place, so a crash never leaves a
// half-written checkpoint under the final name.
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { GeckoError } from '../core/errors';
import { cleanStaleTemps, ensureDir, SIDE_FILE, writeFileAtomic, writeJson } from '../core/fs';
import { pidAlive } from '../core/lock';
import { sha256, stableStringify } from '../core/hash';
import { checkEncoderConfig, type EncoderConfig } from './config';
import { paramCount, paramSpecs } from './params';
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

function floatsOf(buf: Buffer, path: string, expected: number): Float32Array {
  if (buf.byteLength !== expected * 4)
    throw new GeckoError(
      `${path}: ${buf.byteLength} bytes, expected ${expected * 4} (${expected} float32 values)`,
      'the checkpoint is truncated or belongs to another architecture; save it again',
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
  writeJson(join(tmp, 'meta.json'), { ...ck.meta, ...(ck.optimizer ? { optimizerSteps: ck.optimizer.t } : {}) });
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
  let enc: {
    format?: string;
    config?: EncoderConfig;
    paramCount?: number;
    params?: { name: string; shape: number[] }[];
  };
  enc = readJsonFile(encPath, {
    hint: `the checkpoint is damaged: delete the folder ${dir} and rerun the command that wrote it`,
  });
  if (enc.format !== CHECKPOINT_FORMAT || !enc.config)
    throw new GeckoError(
      `${encPath}: format '${enc.format}' is not ${CHECKPOINT_FORMAT}`,
      'this checkpoint was written by an older version of the encoder (separate q/k/v weights); train it again',
    );
  const config = enc.config;
  checkEncoderConfig(config);
  const names = paramSpecs(config)
    .map((s) => s.name)
    .join(',');
  if (enc.params && enc.params.map((p) => p.name).join(',') !== names)
    throw new GeckoError(
      `${encPath}: its parameter list does not match this encoder's`,
      'train the checkpoint again with this version',
    );
  const n = paramCount(paramSpecs(config));
  const wPath = join(dir, 'weights.bin');
  if (!existsSync(wPath)) throw new GeckoError(`${wPath} is missing`, 'the checkpoint is incomplete; save it again');
  const params = floatsOf(readFileSync(wPath), wPath, n);
  const tokenizer = loadTokenizer(join(dir, 'tokenizer.json'));
  if (tokenizer.vocabSize !== config.vocabSize)
    throw new GeckoError(
      `${dir}: tokenizer has ${tokenizer.vocabSize} tokens but the encoder expects ${config.vocabSize}`,
    );
  const metaPath = join(dir, 'meta.json');
  const meta: Record<string, unknown> = existsSync(metaPath)
    ? readJsonFile(metaPath, {
        hint: `the checkpoint is damaged: delete the folder ${dir} and rerun the command that wrote it`,
      })
    : {};
  const ck: Checkpoint = { config, params, tokenizer, meta, id: checkpointId(config, params, tokenizer) };
  const oPath = join(dir, 'optimizer.bin');
  if (opts.optimizer && existsSync(oPath)) {
    const both = floatsOf(readFileSync(oPath), oPath, 2 * n);
    ck.optimizer = { m: both.slice(0, n), v: both.slice(n), t: Number(meta.optimizerSteps ?? 0) };
  }
  return ck;
}
