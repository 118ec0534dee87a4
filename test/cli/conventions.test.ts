// The CLI's conventions (issue 12 section 3): util.parseArgs flags, -h/--help on every command
// (printing help, never running it), --version, `--` ending the flags, stray positionals refused,
// exit codes 0 / 1 / 2, and one clean line for any error (no stack trace unless GECKO_DEBUG=1).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseArgs } from '../../lib/cli/args';
import { main, reportError } from '../../lib/cli/main';
import { describeError, GeckoError, UsageError } from '../../lib/core/errors';
import { runAsync } from '../helpers';

const ROOT = join(__dirname, '..', '..');
const COMMANDS = readdirSync(join(ROOT, 'lib', 'cli', 'commands'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3));
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** Run main() in-process, capturing what it writes. */
async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    const code = await main(argv);
    return { code, out, err };
  } finally {
    vi.restoreAllMocks();
  }
}
afterEach(() => vi.restoreAllMocks());

describe('parseArgs (util.parseArgs underneath)', () => {
  const flags = {
    n: { type: 'number' as const, help: 'count' },
    tasks: { type: 'list' as const, help: 'tasks' },
    json: { type: 'boolean' as const, help: 'json' },
  };
  it('reads numbers, switches, and lists given with commas or repeated', () => {
    const a = parseArgs(['--n', '7', '--json', '--tasks', 'a,b', '--tasks=c', '--set', 'x=1,2'], flags, 't');
    expect(a.flags).toMatchObject({ n: 7, json: true, tasks: ['a', 'b', 'c'], set: ['x=1,2'] });
  });
  it('-- ends the flags: later words are positionals even if they look like flags', () => {
    const a = parseArgs(['--n', '1', '--', '--json', '-h'], flags, 't', { usage: 'X...' });
    expect(a.positional).toEqual(['--json', '-h']);
    expect(a.flags.json).toBeUndefined();
    expect(a.flags.help).toBeUndefined();
  });
  it('refuses stray positionals unless the command declares them', () => {
    expect(() => parseArgs(['file.csv'], flags, 'fret')).toThrowError(/unexpected argument 'file.csv'.*no positional/);
    expect(() => parseArgs(['a', 'b'], flags, 'score', { usage: 'KIND', max: 1 })).toThrowError(/'b'.*at most 1/);
    expect(parseArgs(['a'], flags, 'score', { usage: 'KIND', max: 1 }).positional).toEqual(['a']);
  });
  it('usage errors name the flag: unknown, missing value, not a number, switch with a value', () => {
    const cases: [string[], RegExp][] = [
      [['--bogus'], /unknown flag --bogus/],
      [['--n'], /--n needs a value/],
      [['--n', '--json'], /--n needs a value/],
      [['--n', 'ten'], /--n expects a number, got 'ten'/],
      [['--n', ''], /--n expects a number/],
      [['--json=yes'], /--json is a switch/],
      [['--n', '1', '--n', '2'], /--n was given 2 times/],
    ];
    for (const [argv, re] of cases) {
      let caught: unknown;
      try {
        parseArgs(argv, flags, 't');
      } catch (e) {
        caught = e;
      }
      expect(caught, argv.join(' ')).toBeInstanceOf(UsageError);
      expect((caught as Error).message).toMatch(re);
    }
  });
});

describe('main: help, version, exit codes', () => {
  it.each(COMMANDS)('gecko %s -h and --help print its help and exit 0 without running it', async (name) => {
    for (const h of ['-h', '--help']) {
      const r = await capture([name, h]);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(new RegExp(`^gecko ${name}: `));
      expect(r.out).toMatch(/--help/);
      expect(r.err).toBe('');
    }
    // help wins over stray words and other flags
    expect((await capture([name, 'stray', '--help'])).code).toBe(0);
  });
  it('--version prints the package version, at top level and per command', async () => {
    expect(await capture(['--version'])).toMatchObject({ code: 0, out: `gecko-workbench ${VERSION}\n` });
    expect(await capture(['score', '--version'])).toMatchObject({ code: 0, out: `gecko-workbench ${VERSION}\n` });
  });
  it('usage errors exit 2 with one line and a fix; failed runs exit 1', async () => {
    for (const argv of [
      ['nope'],
      ['fret', 'corpus.csv'],
      ['eval', '--bogus'],
      ['score', 'kind', 'extra'],
      [],
      ['--x'],
    ]) {
      const r = await capture(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
    const r = await capture(['score', 'sts', '--file', join(ROOT, 'no-such-file.tsv')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^gecko score: .*no-such-file\.tsv/);
  });
});

describe('reportError: any error becomes one line and a fix', () => {
  const quiet = async (e: unknown) => {
    let err = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
    const code = reportError(e, 'x');
    vi.restoreAllMocks();
    return { code, err };
  };
  it('file-system errors name the path and the fix', async () => {
    const e = Object.assign(new Error('EISDIR: illegal operation on a directory, read'), {
      code: 'EISDIR',
      syscall: 'read',
      path: '/tmp/somefolder',
    });
    const r = await quiet(e);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^gecko x: \/tmp\/somefolder: is a folder/);
    expect(r.err).toMatch(/fix: /);
  });
  it('a connection error shows its innermost cause (the DNS failure)', () => {
    class APIConnectionError extends Error {}
    const e = new APIConnectionError('Connection error.', {
      cause: new TypeError('fetch failed', { cause: new Error('getaddrinfo ENOTFOUND api.example.invalid') }),
    });
    Object.defineProperty(e, 'name', { value: 'APIConnectionError' });
    const d = describeError(e);
    expect(d.message).toMatch(/cannot reach the server: Connection error\. \(fetch failed: getaddrinfo ENOTFOUND/);
    expect(d.unexpected).toBe(false);
  });
  it('a foreign error prints no stack unless GECKO_DEBUG=1', async () => {
    const r = await quiet(new RangeError('Invalid array length'));
    expect(r.err).toMatch(/unexpected RangeError: Invalid array length/);
    expect(r.err).toMatch(/GECKO_DEBUG=1/);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(describeError(new GeckoError('m', 'h'))).toMatchObject({ message: 'm', hint: 'h', exitCode: 1 });
  });
  it('GECKO_DEBUG=1 adds the stack trace', async () => {
    process.env.GECKO_DEBUG = '1';
    try {
      const r = await quiet(new RangeError('Invalid array length'));
      expect(r.err).toMatch(/\n\s+at /);
    } finally {
      delete process.env.GECKO_DEBUG;
    }
  });
});

describe('bin/gecko.js in a fresh process', () => {
  // asynchronous: a blocking spawnSync would starve the worker's RPC on a loaded machine
  const gecko = (...args: string[]) =>
    runAsync('node', [join(ROOT, 'bin', 'gecko.js'), ...args], { cwd: ROOT, timeoutMs: 100_000 });
  it('demo -h prints help and exits 0 (does not start the demo); a stray positional exits 2', async () => {
    const h = await gecko('demo', '-h');
    expect(h.status).toBe(0);
    expect(h.stdout).toMatch(/^gecko demo: /);
    const s = await gecko('mixture', 'fret-examples.jsonl');
    expect(s.status).toBe(2);
    expect(s.stderr).toMatch(/unexpected argument 'fret-examples.jsonl'/);
    expect(s.stderr.length).toBeLessThan(2000);
  }, 220_000);
});
