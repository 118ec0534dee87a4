// Issue 21 §1, through bin/gecko.js in fresh processes: Ctrl-C (and SIGTERM) during an
// evaluation served from cache stops it with exit 130 before the remaining tasks (it used to be
// held back until every task was done, then lost: exit 0); and the resume advice of a run
// started without --out names the run folder it wrote to (without it a rerun starts from step 0).
// Output events drive the signals, never sleeps. Async child processes only.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { have, runAsync, SHARED_DATA, tmpDir } from '../helpers';

const ROOT = join(__dirname, '..', '..');
const GECKO = join(ROOT, 'bin', 'gecko.js');

/** Run gecko, send `signal` once `when` matches the output so far; the exit code and output. */
function runAndSignal(
  args: string[],
  env: NodeJS.ProcessEnv,
  when: RegExp,
  signal: NodeJS.Signals,
): Promise<{ code: number | null; out: string; sent: boolean }> {
  return new Promise((resolve) => {
    const child = spawn('node', [GECKO, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let sent = false;
    const on = (d: Buffer) => {
      out += d;
      if (!sent && when.test(out)) {
        sent = true;
        child.kill(signal);
      }
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
    child.on('close', (code) => resolve({ code, out, sent }));
  });
}

const haveData = have(join(SHARED_DATA, 'stsbenchmark'), 'STSBenchmark') && have(SHARED_DATA, 'shared data sets');

describe.skipIf(!haveData)('a signal during an evaluation served from cache', () => {
  const dir = tmpDir('gecko-sigeval-');
  const env = {
    ...process.env,
    GECKO_DATA_DIR: SHARED_DATA,
    GECKO_CACHE_DIR: join(dir, 'cache'),
    GECKO_RUNS_DIR: join(dir, 'runs'),
    GECKO_PROGRESS: 'off',
  };
  // a fast task first, then slower ones: the signal comes after the first task's line
  const tasks = 'STSBenchmark,SICK-R,Banking77Classification,STS12,SciFactReranking';
  const args = (out: string) => ['eval', '--preset', 'smoke', '--model', 'hash:64', '--tasks', tasks, '--out', out];
  beforeAll(async () => {
    const r = await runAsync('node', [GECKO, ...args(join(dir, 'e'))], { env });
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
  }, 600_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const [signal, flags] of [
    ['SIGINT', ['--force']],
    ['SIGTERM', ['--force']],
    ['SIGINT', []],
  ] as const)
    it(`${signal} after the first task${flags.length ? ' (scores recomputed from cached embeddings)' : ' (results reused)'} exits 130 before the last task`, async () => {
      const r = await runAndSignal(
        [...args(join(dir, 'e')), ...flags],
        env,
        /STSBenchmark: (d64 cosine_spearman|results exist)/,
        signal,
      );
      expect(r.sent, r.out.slice(-2000)).toBe(true);
      expect(r.code, r.out.slice(-2000)).toBe(130);
      expect(r.out).toMatch(new RegExp(`stopped by ${signal}`));
      expect(r.out).not.toMatch(/SciFactReranking: (d64|results exist)/);
      expect(r.out).toMatch(/fix: to resume: npx gecko eval --preset smoke/);
    }, 300_000);
});

describe.skipIf(!have(join(SHARED_DATA, 'ag_news'), 'AG News'))('resume advice without --out', () => {
  it('Ctrl-C in a run started without --out prints the command with --out <its run folder>', async () => {
    const dir = tmpDir('gecko-resume-');
    const runs = join(dir, 'runs');
    const r = await runAndSignal(
      ['pretrain', '--preset', 'smoke', '--set', 'pretrain.steps=100000', '--set', 'pretrain.checkpointEvery=2'],
      {
        ...process.env,
        GECKO_DATA_DIR: SHARED_DATA,
        GECKO_RUNS_DIR: runs,
        GECKO_CACHE_DIR: join(dir, 'cache'),
        GECKO_PROGRESS: 'off',
      },
      /saved checkpoint at step 2\b/,
      'SIGINT',
    );
    try {
      expect(r.sent, r.out.slice(-2000)).toBe(true);
      expect(r.code).toBe(130);
      const folders = readdirSync(runs);
      expect(folders).toHaveLength(1);
      const runDir = join(runs, folders[0]!);
      expect(r.out).toContain(
        `to resume: npx gecko pretrain --preset smoke --set pretrain.steps=100000 --set pretrain.checkpointEvery=2 --out ${runDir}`,
      );
      expect(existsSync(join(runDir, 'config.json'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
