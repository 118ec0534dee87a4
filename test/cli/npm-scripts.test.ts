// The README's commands go through npm scripts: they must reach the CLI (a script that
// only imports main.ts would exit 0 and do nothing).
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const npm = (...args: string[]) =>
  execFileSync('npm', ['run', '--silent', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });

describe('npm scripts', () => {
  it('npm run gecko reaches the CLI and lists every command', () => {
    const out = npm('gecko', '--', 'help');
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
  it('npm run demo reaches the demo command', () => {
    expect(npm('demo', '--', '--help')).toMatch(/^gecko demo: run the whole recipe/m);
  });
  it('bin/gecko.js works from another working directory', () => {
    const env = { ...process.env };
    delete env.GECKO_PROJECT_ROOT;
    delete env.GECKO_RUNS_DIR;
    const out = execFileSync('node', [join(ROOT, 'bin', 'gecko.js'), 'env', '--json'], {
      cwd: tmpdir(),
      encoding: 'utf8',
      env,
      timeout: 60_000,
    });
    expect(JSON.parse(out).runsDir).toBe(join(ROOT, 'runs'));
  });
  it('unknown flags are refused with the flag name', () => {
    expect(() => npm('gecko', '--', 'demo', '--bogus')).toThrowError(/unknown flag --bogus/);
  });
});
