// Kill `gecko fret` mid-run (SIGKILL, as a crash or Ctrl-C would), restart it, and compare
// with an uninterrupted run: the records must be byte-identical, finished work not redone.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FRET_FILES } from '../../lib/fret/pipeline';
import { have, runAsync, SHARED_DATA, tmpDir } from '../helpers';

const ROOT = resolve(__dirname, '..', '..');
const env = { ...process.env, GECKO_DATA_DIR: SHARED_DATA, GECKO_PROGRESS: 'off' };
const args = (out: string) => [
  'bin/gecko.js',
  'fret',
  '--corpus',
  'bbc_news',
  '--teacher',
  'offline',
  '--n',
  '600',
  '--out',
  out,
  '--negative',
  'random',
];
const lines = (p: string) => (existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter(Boolean).length : 0);

/**
 * Run the command with test/fret/crash-after.cjs preloaded: the child SIGKILLs itself right after an
 * append brings `file` to at least `minLines` lines. Resolves true if it was killed mid-run.
 */
function runAndKill(out: string, file: string, minLines: number): Promise<boolean> {
  return new Promise((done) => {
    const child = spawn('node', ['--require', join(__dirname, 'crash-after.cjs'), ...args(out)], {
      cwd: ROOT,
      env: { ...env, GECKO_TEST_CRASH_FILE: file, GECKO_TEST_CRASH_LINES: String(minLines) },
      stdio: 'ignore',
    });
    child.on('exit', (code, signal) => done(signal === 'SIGKILL' && code === null));
  });
}

describe('gecko fret: kill and resume', () => {
  it.skipIf(!have(join(SHARED_DATA, 'bbc_news'), 'BBC News'))(
    'a run killed twice and restarted ends byte-identical to an uninterrupted run',
    async () => {
      const full = tmpDir();
      // asynchronous: a blocking spawnSync would starve the worker's RPC on a loaded machine
      const first = await runAsync('node', args(full), { cwd: ROOT, env });
      expect(first.status, first.stderr.slice(-2000)).toBe(0);

      const part = tmpDir();
      const killed1 = await runAndKill(part, FRET_FILES.queries, 1); // after step 1's first append
      const killed2 = await runAndKill(part, FRET_FILES.fret, 150); // during step 2, after 150 records
      expect([killed1, killed2]).toEqual([true, true]);
      const before = lines(join(part, FRET_FILES.fret));
      console.log(
        `killed during run: ${killed1}, ${killed2}; queries ${lines(join(part, FRET_FILES.queries))}, fret records ${before} before the last restart`,
      );
      expect(before).toBeLessThan(600);
      const last = await runAsync('node', args(part), { cwd: ROOT, env });
      expect(last.status, last.stderr).toBe(0);
      expect(last.stderr).toMatch(/already done/);
      for (const f of [FRET_FILES.seeds, FRET_FILES.queries, FRET_FILES.fret, FRET_FILES.examples]) {
        expect(readFileSync(join(part, f), 'utf8') === readFileSync(join(full, f), 'utf8'), `${f} differs`).toBe(true);
      }
      // The final invocation relabelled only what was missing (about 41 teacher calls per query).
      const usage = readFileSync(join(part, FRET_FILES.usage), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      const lastRelabel = usage.filter((u) => u.stage === 'relabel').at(-1);
      expect(lastRelabel.usage.calls).toBeLessThanOrEqual((600 - before) * 2 * 21);
    },
    600_000, // four CLI runs; a loaded machine must only make it slower, never failing
  );
});
