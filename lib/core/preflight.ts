// Checks that run before the first unit of work: is an output location usable, is an input a
// readable file of a supported kind. They create nothing, so a failed start leaves nothing
// behind that could block the corrected rerun. Commands and the orchestration layer share them.
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { DataError, GeckoError } from './errors';
import { readEnv, startDir, type EnvVar } from './env';
import { cleanStaleTemps } from './fs';
import { acquireLock } from './lock';
import { missingHint, whyMissing } from './missing';

/** Pseudo file systems where a run folder can never live (recursive mkdir even loops in /proc). */
const VIRTUAL_ROOTS = ['/proc', '/sys', '/dev'];

/**
 * Refuse an output folder that cannot be created or written, before any work: a path under
 * /proc, /sys or /dev; an existing file; a path below a file; a read-only location.
 * `what` names the setting in messages (e.g. '--out', 'GECKO_RUNS_DIR').
 * @example checkOutputDir(flags.out, '--out');
 */
export function checkOutputDir(path: string, what = '--out'): string {
  const abs = resolve(path);
  const virtual = VIRTUAL_ROOTS.find((r) => abs === r || abs.startsWith(r + '/'));
  if (virtual)
    throw new GeckoError(
      `${what} ${path}: ${virtual} is a virtual file system, not a place for output`,
      `choose a folder on disk for ${what}`,
    );
  let probe = abs;
  for (;;) {
    if (existsSync(probe)) break;
    const up = dirname(probe);
    if (up === probe) break;
    probe = up;
  }
  let st;
  try {
    st = statSync(probe);
  } catch (e) {
    throw new GeckoError(
      `${what} ${path}: cannot inspect ${probe} (${(e as Error).message.split('\n')[0]})`,
      `choose another folder for ${what}`,
    );
  }
  if (!st.isDirectory()) {
    throw new GeckoError(
      probe === abs
        ? `${what} ${path}: is a file, but a folder is needed`
        : `${what} ${path}: ${probe} is a file, so a folder cannot be created below it`,
      `choose a folder path for ${what} (an existing folder or a new one), not a file`,
    );
  }
  try {
    accessSync(probe, constants.W_OK | constants.X_OK);
  } catch {
    throw new GeckoError(
      `${what} ${path}: ${probe === abs ? 'the folder' : probe} is not writable`,
      `choose a folder you can write to for ${what}, or fix its permissions`,
    );
  }
  return abs;
}

/**
 * Refuse an input that is missing, a folder (unless a file of `inFolder` is inside: then say so),
 * unreadable, or of an extension not in `exts` (e.g. ['.jsonl']).
 * @example checkInputFile(flags.fret, '--fret', { exts: ['.jsonl'], inFolder: 'fret-examples.jsonl' });
 */
export function checkInputFile(path: string, what: string, opts: { exts?: string[]; inFolder?: string } = {}): string {
  if (!existsSync(path)) {
    const why = whyMissing(path);
    throw new DataError(path, `${what}: ${why}`, undefined, missingHint(why));
  }
  if (statSync(path).isDirectory()) {
    const inside = opts.inFolder ? resolve(path, opts.inFolder) : undefined;
    throw new DataError(
      path,
      `${what}: is a folder, but a file is needed`,
      undefined,
      inside && existsSync(inside) ? `pass ${inside}` : 'give the path of a file',
    );
  }
  try {
    accessSync(path, constants.R_OK);
  } catch {
    throw new DataError(path, `${what}: not readable`, undefined, 'fix its permissions');
  }
  if (opts.exts && !opts.exts.includes(extname(path).toLowerCase()))
    throw new DataError(
      path,
      `${what}: '${extname(path) || '(no extension)'}' is not a supported format`,
      undefined,
      `give a ${opts.exts.join(' or ')} file`,
    );
  return path;
}

/** GECKO_RUNS_DIR / GECKO_CACHE_DIR (when set) must be usable folders: checked before any work. */
export function checkEnvDirs(names: EnvVar[] = ['GECKO_RUNS_DIR', 'GECKO_CACHE_DIR']): void {
  for (const n of names) {
    const v = readEnv(n);
    if (v) checkOutputDir(resolve(startDir(), v), n); // relative: against the folder the user started in, as paths.ts
  }
}

/**
 * A result that cannot mean anything is an error, not a silent 0: refuse when `count` is 0.
 * @example requireSome(examples.length, 'the FRet file holds no examples', 'run gecko fret first');
 */
export function requireSome(count: number, problem: string, hint?: string): void {
  if (count === 0) throw new GeckoError(problem, hint);
}

/**
 * checkOutputDir, then take the folder's lock (a second run on it is refused) and remove
 * temp files that dead processes left there. Call it once the inputs have been checked.
 * @example const out = claimOutputDir(flags.out, '--out', 'gecko fret');
 */
export function claimOutputDir(path: string, what: string, command: string): string {
  const abs = checkOutputDir(path, what);
  acquireLock(abs, command);
  cleanStaleTemps(abs);
  return abs;
}
