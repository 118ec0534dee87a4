// The README's commands go through npm scripts: they must reach the CLI (a script that
// only imports main.ts would exit 0 and do nothing).
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAsync } from '../helpers';

const ROOT = join(__dirname, '..', '..');
// Asynchronous: a blocking execFileSync would starve the worker's RPC on a loaded machine (test/helpers.ts runAsync).
const CALL = 100_000;
/** `npm run --silent ARGS`: its stdout, or a rejection with its exit status and stderr. */
async function npm(...args: string[]): Promise<string> {
  const r = await runAsync('npm', ['run', '--silent', ...args], { cwd: ROOT, timeoutMs: CALL });
  if (r.status !== 0) throw new Error(`npm run ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

describe('npm scripts', { timeout: CALL + 20_000 }, () => {
  it('npm run gecko reaches the CLI and lists every command', async () => {
    const out = await npm('gecko', '--', 'help');
    for (const cmd of [
      'demo',
      'datasets',
      'env',
      'eval',
      'fret',
      'mixture',
      'pretrain',
      'train',
      'embed',
      'score',
      'data',
    ]) {
      expect(out).toMatch(new RegExp(`^  ${cmd} `, 'm'));
    }
  });
  it('npm run demo reaches the demo command', async () => {
    expect(await npm('demo', '--', '--help')).toMatch(/^gecko demo: run the whole recipe/m);
  });
  it('bin/gecko.js works from another working directory', async () => {
    const env = { ...process.env };
    delete env.GECKO_PROJECT_ROOT;
    delete env.GECKO_RUNS_DIR;
    const r = await runAsync('node', [join(ROOT, 'bin', 'gecko.js'), 'env', '--json'], {
      cwd: tmpdir(),
      env,
      timeoutMs: CALL,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).runsDir).toBe(join(ROOT, 'runs'));
  });
  it('unknown flags are refused with the flag name', async () => {
    await expect(npm('gecko', '--', 'demo', '--bogus')).rejects.toThrowError(/unknown flag --bogus/);
  });
});
