// Errors a user can act on: each names the file, line or key at fault and says how to fix it.
import { existsSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';

/** Base class: `hint` says what to do about it. */
export class GeckoError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(hint ? `${message}\n  fix: ${hint}` : message);
    this.name = 'GeckoError';
  }
}

/** A config key is unknown, missing or of the wrong type. `key` is the dotted path. */
export class ConfigError extends GeckoError {
  constructor(
    readonly key: string,
    problem: string,
    hint?: string,
  ) {
    super(`config key '${key}': ${problem}`, hint);
    this.name = 'ConfigError';
  }
}

/** A config key the command line (or a spec) got wrong: unknown, forbidden, or not a run name. Exit code 2. */
export class ConfigUsageError extends ConfigError {
  readonly exitCode = 2;
  constructor(key: string, problem: string, hint?: string) {
    super(key, problem, hint);
    this.name = 'ConfigUsageError';
  }
}

/** A data file is missing or malformed. `line` is 1-based when known. */
export class DataError extends GeckoError {
  constructor(
    readonly file: string,
    problem: string,
    readonly line?: number,
    hint?: string,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${problem}`, hint);
    this.name = 'DataError';
  }
}

/** A data set is not in the data directory. */
export class MissingDatasetError extends GeckoError {
  constructor(
    readonly dataset: string,
    readonly path: string,
    dataDir: string,
  ) {
    super(
      `data set '${dataset}' is missing: ${path} not found (data directory: ${dataDir})`,
      `run \`npx gecko data fetch ${dataset}\`, or set GECKO_DATA_DIR to a folder that holds '${dataset}/'`,
    );
    this.name = 'MissingDatasetError';
  }
}

/** The command line itself is wrong (unknown flag, missing value, stray argument): exit code 2. */
export class UsageError extends GeckoError {
  readonly exitCode = 2;
  constructor(message: string, hint?: string) {
    super(message, hint);
    this.name = 'UsageError';
  }
}

/** The run was interrupted (SIGINT/SIGTERM) after saving what it could: exit code 130. */
export class InterruptedError extends GeckoError {
  readonly exitCode = 130;
  constructor(message: string, hint?: string) {
    super(message, hint);
    this.name = 'InterruptedError';
  }
}

/** What to tell the user about an error of any kind: one line, a fix, and the exit code. */
export interface ErrorReport {
  message: string;
  hint?: string;
  /** 1 failed run, 2 usage error, 130 interrupted. */
  exitCode: number;
  /** True when the error is not one of ours: the stack may help, so say how to see it. */
  unexpected: boolean;
}

/** Fixes for the file-system errors Node raises, by errno code. */
const FS_FIXES: Record<string, [string, string]> = {
  ENOENT: ['no such file or folder', 'check the path (relative paths start from the current folder)'],
  EISDIR: ['is a folder, but a file was expected', 'give the path of a file inside it'],
  ENOTDIR: ['a part of this path is a file, not a folder', 'choose a path whose parent folders are folders'],
  EEXIST: ['already exists', 'choose another path, or remove the existing one'],
  EACCES: ['permission denied', 'choose a location you can write to, or fix its permissions'],
  EPERM: ['operation not permitted', 'choose a location you can write to, or fix its permissions'],
  EROFS: ['the file system is read-only', 'choose a writable location'],
  ENOSPC: ['no space left on the device', 'free some disk space (or choose another disk), then rerun to resume'],
  EDQUOT: ['disk quota exceeded', 'free some space, then rerun to resume'],
  EMFILE: ['too many open files', 'raise the limit (ulimit -n) or lower the concurrency'],
  ENAMETOOLONG: ['the path is too long', 'choose a shorter path'],
  ELOOP: ['too many symbolic links in the path', 'check the symbolic links in the path'],
  EBUSY: ['the file is busy', 'close what holds it, then rerun'],
};

/** `1.5 MB`: a byte count for messages. */
export function humanBytes(n: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) ((n /= 1024), i++);
  return i === 0 ? `${n} bytes` : `${n.toFixed(1)} ${units[i]}`;
}

/** '; writing it needed 3.0 MB, 12 KB are free on that disk' (what is known of it). */
function spaceNote(path: string, bytes: unknown): string {
  const parts: string[] = [];
  if (typeof bytes === 'number') parts.push(`writing it needed ${humanBytes(bytes)}`);
  try {
    let dir = dirname(path);
    while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
    const st = statfsSync(dir);
    parts.push(`${humanBytes(Number(st.bavail) * Number(st.bsize))} are free on that disk (${dir})`);
  } catch {
    /* no statfs here: say what we know */
  }
  return parts.length ? `; ${parts.join(', ')}` : '';
}

/** The chain of `cause`s below an error, as short messages (the DNS failure under a fetch failure). */
function causes(e: unknown): string[] {
  const out: string[] = [];
  let c = (e as { cause?: unknown })?.cause;
  for (let i = 0; c !== undefined && c !== null && i < 5; i++) {
    const msg = c instanceof Error ? c.message : String(c);
    const first = msg.split('\n')[0]!.trim();
    if (first && !out.includes(first)) out.push(first);
    c = (c as { cause?: unknown }).cause;
  }
  return out;
}

/**
 * Turn any thrown value into one message, a fix and an exit code: GeckoErrors as they are,
 * Node file-system errors with the path and a fix by errno code, network errors with their
 * innermost cause, anything else as an unexpected error (rerun with GECKO_DEBUG=1 for the stack).
 * @example const r = describeError(err); process.stderr.write(`gecko: ${r.message}\n`);
 */
export function describeError(e: unknown): ErrorReport {
  if (e instanceof GeckoError) {
    const own = e.hint ? e.message.slice(0, e.message.length - `\n  fix: ${e.hint}`.length) : e.message;
    const exitCode = (e as { exitCode?: number }).exitCode ?? 1;
    return { message: own.replace(/^gecko [a-z-]+( [a-z-]+)?: /, ''), hint: e.hint, exitCode, unexpected: false };
  }
  const err = e as {
    code?: unknown;
    path?: unknown;
    dest?: unknown;
    syscall?: unknown;
    message?: unknown;
    name?: unknown;
  };
  const code = typeof err?.code === 'string' ? err.code : undefined;
  const fsFix = code ? FS_FIXES[code] : undefined;
  if (fsFix && typeof err.path === 'string') {
    const [what, fix] = fsFix;
    const dest = typeof err.dest === 'string' ? ` -> ${err.dest}` : '';
    const space = code === 'ENOSPC' || code === 'EDQUOT' ? spaceNote(err.path, (e as { bytes?: unknown }).bytes) : '';
    return {
      message: `${err.path}${dest}: ${what} (${code}${err.syscall ? `, ${err.syscall}` : ''})${space}`,
      hint: fix,
      exitCode: 1,
      unexpected: false,
    };
  }
  // Some libraries' error classes keep name 'Error' (openai's APIConnectionError): use the class name then.
  const ctor = e instanceof Error ? e.constructor.name : '';
  const name = typeof err?.name === 'string' && err.name !== 'Error' ? err.name : ctor || 'Error';
  const first = String(err?.message ?? e)
    .split('\n')[0]!
    .trim()
    .slice(0, 500);
  const below = causes(e);
  if (
    /^API(Connection|ConnectionTimeout)Error$/.test(name) ||
    (code && /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET)$/.test(code))
  ) {
    return {
      message: `cannot reach the server: ${first}${below.length ? ` (${below.join(': ')})` : ''}`,
      hint: 'check the URL (OPENAI_BASE_URL or the teacher spec), the network and any proxy; cached calls are kept, so rerun to resume',
      exitCode: 1,
      unexpected: false,
    };
  }
  if (/^(AuthenticationError|PermissionDeniedError)$/.test(name)) {
    return {
      message: `the server refused the API key: ${first}`,
      hint: 'check OPENAI_API_KEY (it is never logged)',
      exitCode: 1,
      unexpected: false,
    };
  }
  const status = (e as { status?: unknown })?.status;
  if (typeof status === 'number' && /Error$/.test(name) && status >= 400) {
    // an HTTP client's error (openai's APIError family) that no caller put a URL on
    return {
      message: `the server answered HTTP ${status}${status === 429 ? ' (rate limit or quota)' : ''}: ${first}`,
      hint:
        status === 429
          ? 'wait and rerun (finished calls are cached), or lower the concurrency; check the account quota'
          : 'check the URL (OPENAI_BASE_URL), the model name and the API key (OPENAI_API_KEY)',
      exitCode: 1,
      unexpected: false,
    };
  }
  if (fsFix) {
    const [what, fix] = fsFix;
    return { message: `${first} (${what})`, hint: fix, exitCode: 1, unexpected: false };
  }
  return {
    message: `unexpected ${name}: ${first}${below.length ? ` (${below.join(': ')})` : ''}`,
    hint: 'this is probably a bug; rerun with GECKO_DEBUG=1 to see the stack trace, and report it with the command line',
    exitCode: 1,
    unexpected: true,
  };
}
