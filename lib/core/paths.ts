// Where things live. No import.meta here: this file must load in the tslab kernel.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UsageError } from './errors';
import { readEnv } from './env';
import { readJsonFile } from './json';

/**
 * The project root: GECKO_PROJECT_ROOT (set by bin/gecko.js), else the nearest folder upwards
 * from cwd whose package.json is this project.
 */
export function projectRoot(start = process.cwd()): string {
  const env = readEnv('GECKO_PROJECT_ROOT');
  if (env) return resolve(env);
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
  const env = readEnv('GECKO_DATA_DIR');
  return env ? resolve(env) : join(projectRoot(), 'data');
}

export function runsDir(): string {
  const env = readEnv('GECKO_RUNS_DIR');
  return env ? resolve(env) : join(projectRoot(), 'runs');
}

export function cacheDir(): string {
  const env = readEnv('GECKO_CACHE_DIR');
  return env ? resolve(env) : join(projectRoot(), 'cache');
}

/** GGUF models for the local-LLM tests: GECKO_MODELS_DIR, else ../shared/models beside the project. */
export function modelsDir(): string {
  const env = readEnv('GECKO_MODELS_DIR');
  return env ? resolve(env) : resolve(projectRoot(), '..', 'shared', 'models');
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
