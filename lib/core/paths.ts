// Where things live. No import.meta here: this file must load in the tslab kernel.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { readEnv } from './env';

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
        if (JSON.parse(readFileSync(pkg, 'utf8')).name === 'gecko-workbench') return dir;
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
