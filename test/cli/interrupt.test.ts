// Interrupts and crashes (issue 14, class 5): Ctrl-C during training saves the current step and
// exits 130 saying how to resume; a second run on a locked --out is refused; a crash between
// the two renames of a checkpoint swap is recovered; stale temp files are removed. Signals and
// output events drive the test, never sleeps.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../lib/config/presets';
import { cleanStaleTemps } from '../../lib/core/fs';
import { acquireLock, LOCK_FILE } from '../../lib/core/lock';
import { isCheckpoint, loadCheckpoint, recoverCheckpoint, saveCheckpoint } from '../../lib/encoder/checkpoint';
import { encoderConfigFrom } from '../../lib/encoder/config';
import { initParams } from '../../lib/encoder/params';
import { trainWordPiece } from '../../lib/encoder/wordpiece-train';
import { have, runAsync, SHARED_DATA, tmpDir } from '../helpers';

const ROOT = join(__dirname, '..', '..');
/** A pid that no process has now (a child that has exited; awaited, never a blocking spawnSync). */
async function deadPid(): Promise<number> {
  const child = spawn('true', { stdio: 'ignore' });
  await once(child, 'exit');
  return child.pid!;
}

function smallCheckpoint(dir: string, step: number): void {
  const tok = trainWordPiece(['a cat', 'a dog'], { vocabSize: 60, lowercase: true });
  const cfg = encoderConfigFrom(PRESETS.smoke.encoder, tok.vocabSize);
  saveCheckpoint(dir, { config: cfg, params: initParams(cfg, step), tokenizer: tok, meta: { stage: 'x', step } });
}

describe('locks on an output folder', () => {
  it('refuse a second writer while the first lives, and take over a dead one', async () => {
    const dir = tmpDir();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: process.ppid, command: 'gecko fret', since: 'now' }));
    expect(() => acquireLock(dir, 'gecko mixture')).toThrowError(/in use by another run \(pid \d+: gecko fret/);
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: await deadPid(), command: 'gecko fret' }));
    const release = acquireLock(dir, 'gecko mixture');
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });
  it('a second gecko on a locked --out exits 1 naming the holder', async () => {
    const dir = tmpDir();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: process.pid, command: 'gecko pretrain', since: 'now' }));
    const r = await runAsync('node', [join(ROOT, 'bin', 'gecko.js'), 'pretrain', '--preset', 'smoke', '--out', dir], {
      timeoutMs: 170_000,
    });
    expect(r.status, r.stderr.slice(-2000)).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`in use by another run \\(pid ${process.pid}: gecko pretrain`));
    expect(existsSync(join(dir, 'config.json'))).toBe(false);
  }, 200_000);
});

describe('crash recovery of checkpoints and temp files', () => {
  it('a crash between the two renames of a swap recovers the newest complete checkpoint', async () => {
    const parent = tmpDir();
    const ckpt = join(parent, 'ckpt');
    smallCheckpoint(ckpt, 100);
    const pid = await deadPid();
    renameSync(ckpt, `${ckpt}.old-${pid}`); // first rename done, the crash came before the second
    smallCheckpoint(join(parent, 'newer'), 200);
    renameSync(join(parent, 'newer'), `${ckpt}.tmp-${pid}`);
    expect(isCheckpoint(ckpt)).toBe(false);
    expect(recoverCheckpoint(ckpt)).toMatch(/recovered the checkpoint of step 200/);
    expect(loadCheckpoint(ckpt).meta.step).toBe(200);
    expect(existsSync(`${ckpt}.old-${pid}`)).toBe(false);
    expect(existsSync(`${ckpt}.tmp-${pid}`)).toBe(false);
  });
  it('temp files of dead processes are removed, those of live ones kept', async () => {
    const dir = tmpDir();
    const dead = join(dir, `metrics.jsonl.tmp-${await deadPid()}-0`);
    const live = join(dir, `metrics.jsonl.tmp-${process.pid}-0`);
    writeFileSync(dead, 'x');
    writeFileSync(live, 'x');
    mkdirSync(join(dir, `ckpt.tmp-${await deadPid()}`));
    expect(cleanStaleTemps(dir)).toHaveLength(2);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
  });
});

describe.skipIf(!have(join(SHARED_DATA, 'ag_news'), 'AG News'))('Ctrl-C during training', () => {
  it('SIGINT after a step saves that step, says how to resume, and exits 130', async () => {
    const out = tmpDir();
    const child = spawn(
      'node',
      [
        join(ROOT, 'bin', 'gecko.js'),
        'pretrain',
        '--preset',
        'smoke',
        '--out',
        out,
        '--set',
        'pretrain.steps=100000',
        '--set',
        'pretrain.checkpointEvery=2',
      ],
      {
        env: { ...process.env, GECKO_DATA_DIR: SHARED_DATA, GECKO_PROGRESS: 'off' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    let sent = false;
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (d) => {
        stderr += d;
        if (!sent && /saved checkpoint at step 2\b/.test(stderr)) {
          sent = true;
          child.kill('SIGINT');
        }
      });
      child.on('close', (c) => resolve(c));
    });
    expect(sent, stderr.slice(-2000)).toBe(true);
    expect(code).toBe(130);
    const m = /stopped by SIGINT after step (\d+) of 100000; checkpoint saved at (\S+)/.exec(stderr);
    expect(m, stderr.slice(-2000)).not.toBeNull();
    expect(stderr).toMatch(/fix: rerun the same command/);
    expect(stderr).not.toMatch(/\n\s+at /);
    const step = Number(m![1]);
    expect(step).toBeGreaterThanOrEqual(2);
    expect(loadCheckpoint(m![2]!).meta.step).toBe(step);
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
  }, 600_000);
});
