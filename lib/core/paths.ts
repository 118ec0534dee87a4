// Where things live. No import.meta here: this file must load in the tslab kernel.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UsageError } from './errors';
import { readEnv, startDir, type PathVar } from './env';
import { readJsonFile } from './json';

/**
 * A folder variable's value as an absolute path. bin/gecko.js and vitest.config.ts make them absolute
 * at startup (resolvePathVars); a relative one met here (a notebook kernel, a library user) resolves
 * the same way, against the folder the user started in, not this process's working directory.
 */
function envDir(name: PathVar): string | undefined {
  const env = readEnv(name);
  return env === undefined ? undefined : resolve(startDir(), env);
}

/**
 * The project root: GECKO_PROJECT_ROOT (set by bin/gecko.js), else the nearest folder upwards
 * from cwd whose package.json is this project.
 */
export function projectRoot(start = process.cwd()): string {
  const env = envDir('GECKO_PROJECT_ROOT');
  if (env) return env;
  let dir = resolve(start);
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if (readJsonFile<{ name?: string }>(pkg, { dataKeys: true }).name === 'gecko-workbench') return dir;
      } catch {
        /* not ours */
      }
    }
    const up = dirname(dir);
    if (up === dir) return resolve(start);
    dir = up;
  }
}

/** The data directory: GECKO_DATA_DIR, else <root>/data. */
export function dataDir(): string {
  return envDir('GECKO_DATA_DIR') ?? join(projectRoot(), 'data');
}

export function runsDir(): string {
  return envDir('GECKO_RUNS_DIR') ?? join(projectRoot(), 'runs');
}

export function cacheDir(): string {
  return envDir('GECKO_CACHE_DIR') ?? join(projectRoot(), 'cache');
}

/** GGUF models for the local-LLM tests: GECKO_MODELS_DIR, else ../shared/models beside the project. */
export function modelsDir(): string {
  return envDir('GECKO_MODELS_DIR') ?? resolve(projectRoot(), '..', 'shared', 'models');
}

/**
 * `root` joined with `parts` (names that came from user input: a run name, a spec name), refused
 * unless the result stays strictly inside `root` (no '..', no absolute part, no '/' nesting a name).
 * @example insideRoot(runsDir(), `${stamp}-${name}-${hash}`)
 */
export function insideRoot(root: string, ...parts: string[]): string {
  const base = resolve(root);
  const path = resolve(base, ...parts);
  const rel = relative(base, path);
  if (
    rel === '' ||
    rel === '..' ||
    rel.startsWith(`..${sep}`) ||
    isAbsolute(rel) ||
    parts.some((p) => p.includes('/') || p.includes('\\'))
  )
    throw new UsageError(
      `${JSON.stringify(parts.join('/'))} would leave ${base} (it must be one folder name inside it)`,
      "use a name of letters, digits, '.', '_' and '-' only",
    );
  return path;
}
