// Issue 21 §1: damaged state never produces a number. Each file kind of a checkpoint, a stage
// folder, an embedding-cache shard and a run folder is truncated, zeroed and NaN-filled (0xFF
// bytes), and reading it back must be refused before anything is computed from it, with the
// one fix: delete the folder (named in full) and rerun. Also: ENOSPC names the path and the
// space, a failed write leaves no temp file, stale temp files in sub-folders are removed, and
// the resume advice carries --out.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { selectBackend } from '../../lib/backend/select';
import { resolveConfig } from '../../lib/config/resolve';
import { describeError, GeckoError } from '../../lib/core/errors';
import { cleanStaleTemps, writeFileAtomic } from '../../lib/core/fs';
import { appendJsonl } from '../../lib/core/jsonl';
import { noteOutputFolder, resetResume, resumeCommand, setCommandLine } from '../../lib/core/resume';
import { loadCheckpoint, saveCheckpoint } from '../../lib/encoder/checkpoint';
import { encoderConfigFrom } from '../../lib/encoder/config';
import { checkEmbeddings } from '../../lib/encoder/embedder';
import { initParams, paramSpecs } from '../../lib/encoder/params';
import { trainWordPiece } from '../../lib/encoder/wordpiece-train';
import { EmbeddingCache } from '../../lib/eval/embedding-cache';
import { hashEmbedder } from '../../lib/eval/hash-embedder';
import { pipelineContext } from '../../lib/pipeline/context';
import {
  forgetVerifiedStages,
  onStage,
  runStage,
  stagePlan,
  type StageEvent,
  type StageKey,
} from '../../lib/pipeline/stages';
import { startRun } from '../../lib/runs/run';
import { reportError } from '../../lib/cli/main';
import { tmpDir } from '../helpers';

const made: string[] = [];
/** A temp folder, removed after the tests. */
function tmp(): string {
  const d = tmpDir('gecko-damaged-');
  made.push(d);
  return d;
}
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** The three ways a file is damaged: cut in half, zeroed, filled with 0xFF (NaN as float32). */
const DAMAGE = {
  truncated: (b: Buffer) => b.subarray(0, Math.floor(b.length / 2)),
  zeroed: (b: Buffer) => Buffer.alloc(b.length, 0),
  'NaN-filled': (b: Buffer) => Buffer.alloc(b.length, 0xff),
} as const;
type Damage = keyof typeof DAMAGE;
const KINDS = Object.keys(DAMAGE) as Damage[];

function damage(path: string, how: Damage): void {
  writeFileSync(path, DAMAGE[how](readFileSync(path)));
}

/** The error `fn` throws: a GeckoError whose fix is to delete `dir` (named in full). */
function refusal(fn: () => unknown, dir: string): GeckoError {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a refusal').toBeInstanceOf(GeckoError);
  expect((err as GeckoError).hint).toContain(`delete the folder ${resolve(dir)}`);
  return err as GeckoError;
}

const texts = ['the cat sat on the mat', 'dogs chase cats in the park', 'stock prices fell sharply today'];
const tok = trainWordPiece(texts, { vocabSize: 80, lowercase: true });
const cfg = encoderConfigFrom({ layers: 1, dModel: 16, heads: 4, ffn: 32, maxLen: 16, dropout: 0.1 }, tok.vocabSize);

function checkpoint(dir: string, opts: { optimizer?: boolean; legacy?: boolean } = {}): string {
  const params = initParams(cfg, 7);
  saveCheckpoint(dir, {
    config: cfg,
    params,
    tokenizer: tok,
    meta: { stage: 'finetune', step: 3 },
    ...(opts.optimizer ? { optimizer: { m: params.map((x) => x / 2), v: params.map((x) => x * x), t: 3 } } : {}),
  });
  if (opts.legacy) {
    // as saved before meta.json carried checksums
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
    delete meta.checksums;
    writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta));
  }
  return dir;
}

describe('checkpoints: every file kind damaged three ways is refused on load', () => {
  it('a good checkpoint loads, its checksums verified and kept out of meta', () => {
    const dir = checkpoint(join(tmp(), 'ck'), { optimizer: true });
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
    expect(Object.keys(meta.checksums).sort()).toEqual(['optimizer.bin', 'tokenizer.json', 'weights.bin']);
    const ck = loadCheckpoint(dir, { optimizer: true });
    expect(ck.checksummed).toBe(true);
    expect(ck.meta).toEqual({ stage: 'finetune', step: 3, optimizerSteps: 3 });
    expect(ck.optimizer?.t).toBe(3);
  });

  const files = ['weights.bin', 'tokenizer.json', 'meta.json', 'encoder.json', 'optimizer.bin'];
  for (const file of files)
    for (const how of KINDS)
      it(`${file} ${how}`, () => {
        const dir = checkpoint(join(tmp(), 'ck'), { optimizer: true });
        damage(join(dir, file), how);
        const e = refusal(() => loadCheckpoint(dir, { optimizer: true }), dir);
        expect(e.message).toMatch(/damaged|truncated/);
        expect(e.message).toContain(dir);
      });

  it('an older checkpoint (no checksums) still loads, and is still checked: NaN, zeroed and truncated weights refused', () => {
    const dir = checkpoint(join(tmp(), 'ck'), { legacy: true });
    expect(loadCheckpoint(dir).checksummed).toBe(false);
    for (const how of KINDS) {
      const d = checkpoint(join(tmp(), 'ck'), { legacy: true });
      damage(join(d, 'weights.bin'), how);
      const e = refusal(() => loadCheckpoint(d), d);
      if (how === 'NaN-filled') expect(e.message).toMatch(/NaN or infinite \(the first in tok_emb\)/);
      if (how === 'zeroed') expect(e.message).toMatch(/encoder\.json was saved with ckpt:/);
      if (how === 'truncated') expect(e.message).toMatch(/bytes, expected/);
    }
  });

  it('NaN weights saved with matching checksums (training diverged) are refused as not finite', () => {
    const dir = join(tmp(), 'ck');
    const params = initParams(cfg, 7);
    params[paramSpecs(cfg).find((s) => s.name === 'l0.wqkv')!.offset + 2] = NaN;
    saveCheckpoint(dir, { config: cfg, params, tokenizer: tok, meta: {} });
    expect(refusal(() => loadCheckpoint(dir), dir).message).toMatch(/1 of \d+ values are NaN.*l0\.wqkv/);
  });
});

describe('embeddings that cannot mean anything are refused, naming the checkpoint', () => {
  const seqs = [[1, 2], [3], [4, 5, 6]];
  it('NaN embeddings', () => {
    const v = [new Float32Array([0.6, 0.8]), new Float32Array([NaN, 0]), new Float32Array([1, 0])];
    expect(() => checkEmbeddings(v, seqs, '/runs/x/ckpt')).toThrow(/\/runs\/x\/ckpt produced NaN.*1 of 3 texts/);
  });
  it('one embedding for different texts (all-zero weights give this)', () => {
    const v = seqs.map(() => new Float32Array([0.6, 0.8]));
    expect(() => checkEmbeddings(v, seqs, '/runs/x/ckpt')).toThrow(/same embedding for all 3 texts/);
  });
  it('equal embeddings of equal inputs, and different ones, pass', () => {
    const same = [new Float32Array([0.6, 0.8]), new Float32Array([0.6, 0.8])];
    expect(checkEmbeddings(same, [[1], [1]], 'x')).toBe(same);
    const diff = [new Float32Array([0.6, 0.8]), new Float32Array([0.8, 0.6])];
    expect(checkEmbeddings(diff, [[1], [2]], 'x')).toBe(diff);
  });
});

describe('stage folders: a damaged finished stage is refused before it is read back', () => {
  afterEach(() => forgetVerifiedStages());
  const rows = Array.from({ length: 120 }, (_, i) => ({ query: `q${i}`, positive: `p${i}` }));
  const keyIn = (root: string): StageKey => ({
    stage: 'mixture',
    hash: 'h',
    seed: 1,
    dir: join(root, 'mixture-abc'),
    slice: {},
    upstream: {},
  });
  async function finished(root: string): Promise<StageKey> {
    const key = keyIn(root);
    await runStage(key, 'mixture', () => {
      writeFileSync(join(key.dir, 'mixture.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
      writeFileSync(join(key.dir, 'mixture.report.json'), JSON.stringify({ n: 120 }));
      mkdirSync(join(key.dir, 'ckpt'));
      writeFileSync(join(key.dir, 'ckpt', 'weights.bin'), Buffer.from(new Float32Array([1, 2, 3, 4]).buffer));
    });
    forgetVerifiedStages(); // as a new process would
    return key;
  }

  it('stage.json records every file with its size, sha256 and (JSONL) row count', async () => {
    const key = await finished(tmp());
    const rec = JSON.parse(readFileSync(join(key.dir, 'stage.json'), 'utf8'));
    expect(Object.keys(rec.files).sort()).toEqual(['ckpt/weights.bin', 'mixture.jsonl', 'mixture.report.json']);
    expect(rec.files['mixture.jsonl'].rows).toBe(120);
    const events: StageEvent[] = [];
    const off = onStage((e) => events.push(e));
    const read = vi.fn(() => 'read back');
    await expect(runStage(key, 'mixture', read)).resolves.toBe('read back');
    off();
    expect(events.map((e) => e.action)).toEqual(['reused']);
  });

  for (const file of ['mixture.jsonl', 'mixture.report.json', 'ckpt/weights.bin', 'stage.json'])
    for (const how of KINDS)
      it(`${file} ${how}: refused naming the folder, nothing read back`, async () => {
        const key = await finished(tmp());
        damage(join(key.dir, file), how);
        const read = vi.fn();
        await expect(runStage(key, 'mixture', read)).rejects.toThrow(
          new RegExp(`damaged[^]*fix: delete the folder ${resolve(key.dir)} and rerun`),
        );
        expect(read).not.toHaveBeenCalled();
      });

  it('deleting a line as the old message told is refused too; deleting the folder as told recomputes it', async () => {
    const key = await finished(tmp());
    const p = join(key.dir, 'mixture.jsonl');
    const lines = readFileSync(p, 'utf8').split('\n');
    lines.splice(60, 1);
    writeFileSync(p, lines.join('\n'));
    await expect(runStage(key, 'mixture', vi.fn())).rejects.toThrow(/119 rows.*recorded 120 rows/);
    rmSync(key.dir, { recursive: true });
    const events: StageEvent[] = [];
    const off = onStage((e) => events.push(e));
    const compute = vi.fn(() => writeFileSync(p, 'x\n'));
    await runStage(key, 'mixture', compute);
    off();
    expect(compute).toHaveBeenCalledOnce();
    expect(events.map((e) => e.action)).toEqual(['ran']);
  });

  it('an append-only log (FRet usage.jsonl, one line per invocation) may grow after the stage finished', async () => {
    const key = keyIn(tmp());
    await runStage(key, 'mixture', () => writeFileSync(join(key.dir, 'usage.jsonl'), '{"calls":1}\n'));
    forgetVerifiedStages();
    appendJsonl(join(key.dir, 'usage.jsonl'), [{ calls: 0 }]);
    await expect(runStage(key, 'mixture', () => 'ok')).resolves.toBe('ok');
  });

  it('a stage finished before file lists is adopted at its first read, then damage to it is caught', async () => {
    const key = await finished(tmp());
    const recPath = join(key.dir, 'stage.json');
    const rec = JSON.parse(readFileSync(recPath, 'utf8'));
    delete rec.files;
    writeFileSync(recPath, JSON.stringify(rec));
    await runStage(key, 'mixture', () => undefined);
    expect(JSON.parse(readFileSync(recPath, 'utf8')).files['mixture.jsonl'].rows).toBe(120);
    forgetVerifiedStages();
    damage(join(key.dir, 'mixture.jsonl'), 'truncated');
    await expect(runStage(key, 'mixture', vi.fn())).rejects.toThrow(/is damaged/);
  });

  it('a pipeline context refuses a path into a damaged finished stage (reads that bypass runStage)', async () => {
    const root = tmp();
    const config = resolveConfig('smoke').config;
    const plan = stagePlan(config, {}, root);
    await runStage(plan.mixture, 'mixture', () => writeFileSync(join(plan.mixture.dir, 'mixture.jsonl'), '{"a":1}\n'));
    forgetVerifiedStages();
    damage(join(plan.mixture.dir, 'mixture.jsonl'), 'zeroed');
    const ctx = pipelineContext(config, { root });
    expect(() => ctx.path('mixture', 'mixture.jsonl')).toThrow(
      new RegExp(`sha256 differs[^]*delete the folder ${plan.mixture.dir}`),
    );
  });
});

describe('embedding-cache shards: damaged ones are refused, naming their folder', () => {
  for (const how of KINDS)
    it(`a ${how} shard`, async () => {
      const root = tmp();
      const e = hashEmbedder(16);
      await new EmbeddingCache(root).embed(e, 'STSBenchmark', 'text', texts);
      const dir = join(root, readdirSync(root)[0]!, 'STSBenchmark', 'text');
      const shard = readdirSync(dir).find((f) => f.endsWith('.bin'))!;
      damage(join(dir, shard), how);
      await expect(new EmbeddingCache(root).embed(e, 'STSBenchmark', 'text', texts)).rejects.toThrow(
        new RegExp(`cached embeddings are damaged[^]*delete the folder ${dir}`),
      );
    });
});

describe('embedding-cache shards: NaN vectors under an intact header', () => {
  it('are refused (a cache written by an encoder that diverged)', async () => {
    const root = tmp();
    const e = hashEmbedder(16);
    await new EmbeddingCache(root).embed(e, 'STSBenchmark', 'text', texts);
    const dir = join(root, readdirSync(root)[0]!, 'STSBenchmark', 'text');
    const p = join(
      dir,
      readdirSync(dir).find((f) => f.endsWith('.bin'))!,
    );
    const b = readFileSync(p);
    b.fill(0xff, b.length - 8); // the last two floats of the last vector
    writeFileSync(p, b);
    await expect(new EmbeddingCache(root).embed(e, 'STSBenchmark', 'text', texts)).rejects.toThrow(
      /vector 2 holds NaN or infinite values: the cached embeddings are damaged/,
    );
  });
});

describe('run folders', () => {
  beforeAll(async () => {
    await selectBackend({ override: 'wasm' });
  });
  for (const how of KINDS)
    it(`a ${how} config.json is refused, naming the run folder to delete`, async () => {
      const resolved = resolveConfig('smoke');
      const dir = join(tmp(), 'run');
      const run = await startRun(resolved, { dir, quiet: true });
      expect(run.dir).toBe(dir);
      damage(join(dir, 'config.json'), how);
      rmSync(join(dir, '.gecko.lock'), { force: true });
      await expect(startRun(resolved, { dir, quiet: true })).rejects.toThrow(
        new RegExp(`config\\.json.*run folder is damaged[^]*delete the folder ${dir} and rerun`),
      );
    });
});

describe('disk full, temp files and the resume advice', () => {
  afterEach(() => resetResume());
  it.skipIf(!existsSync('/dev/full'))('ENOSPC names the path and the space needed', () => {
    let err: unknown;
    try {
      appendJsonl('/dev/full', [{ text: 'x'.repeat(100) }]);
    } catch (e) {
      err = e;
    }
    const r = describeError(err);
    expect(r.message).toMatch(/^\/dev\/full: no space left on the device \(ENOSPC.*writing it needed 112 bytes/);
    expect(r.hint).toMatch(/rerun to resume/);
  });

  it('a failed atomic write leaves no temp file behind', () => {
    const dir = tmp();
    mkdirSync(join(dir, 'target', 'inside'), { recursive: true }); // rename over a non-empty folder fails
    expect(() => writeFileAtomic(join(dir, 'target'), 'data')).toThrow();
    expect(readdirSync(dir)).toEqual(['target']);
  });

  it('stale temp files in sub-folders are removed; live ones and a checkpoint mid-swap are kept', () => {
    const dir = tmp();
    const dead = 2 ** 22 + 12345; // above the default pid_max: no such process
    mkdirSync(join(dir, 'finetune', 'ckpt'), { recursive: true });
    writeFileSync(join(dir, 'finetune', `metrics.jsonl.tmp-${dead}-0`), 'x');
    writeFileSync(join(dir, 'finetune', `live.tmp-${process.pid}-0`), 'x');
    mkdirSync(join(dir, 'pretrain', `ckpt.tmp-${dead}`), { recursive: true });
    writeFileSync(join(dir, 'pretrain', `ckpt.tmp-${dead}`, 'encoder.json'), '{}');
    expect(cleanStaleTemps(dir)).toEqual([join('finetune', `metrics.jsonl.tmp-${dead}-0`)]);
    expect(existsSync(join(dir, 'finetune', `live.tmp-${process.pid}-0`))).toBe(true);
    expect(existsSync(join(dir, 'pretrain', `ckpt.tmp-${dead}`))).toBe(true);
  });

  it('the resume advice is the exact command, with --out filled in when the user gave none', () => {
    setCommandLine('pretrain', ['--preset', 'smoke', '--set', 'name=my run'], true);
    noteOutputFolder('/runs/20261206-my-run-abc');
    expect(resumeCommand()).toBe(
      "npx gecko pretrain --preset smoke --set 'name=my run' --out /runs/20261206-my-run-abc",
    );
    setCommandLine('pretrain', ['--preset', 'smoke', '--out', 'r1'], true);
    noteOutputFolder('r1');
    expect(resumeCommand()).toBe('npx gecko pretrain --preset smoke --out r1');
    // the fix line of a disk-full error carries it
    setCommandLine('train', ['--preset', 'smoke'], true);
    noteOutputFolder('/runs/x');
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const err = Object.assign(new Error('ENOSPC: no space left on device, write'), {
      code: 'ENOSPC',
      syscall: 'write',
      path: '/runs/x/metrics.jsonl',
      bytes: 2048,
    });
    try {
      expect(reportError(err, 'train')).toBe(1);
      const out = write.mock.calls.map((c) => String(c[0])).join('');
      expect(out).toMatch(/\/runs\/x\/metrics\.jsonl: no space left.*needed 2\.0 KB/);
      expect(out).toMatch(/fix: .*rerun to resume; to resume: npx gecko train --preset smoke --out \/runs\/x\n/);
    } finally {
      write.mockRestore();
    }
  });
});
