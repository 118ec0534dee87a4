// The only place lib/ reads process.env. Every variable the workbench reads is listed here.
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { GeckoError } from './errors';

export const ENV_VARS = {
  GECKO_DATA_DIR: 'folder holding the data sets (default: ./data)',
  GECKO_PROJECT_ROOT: 'the project folder (set by bin/gecko.js, so that `npx gecko` works from any folder)',
  GECKO_PRESET: 'config preset: smoke | demo | full | scratch (default: smoke for tests, demo for the demo)',
  GECKO_BACKEND: 'force a TF.js backend: tensorflow-gpu | tensorflow | webgpu | wasm | cpu',
  GECKO_ENGINE:
    'training path: onnx (onnxruntime training graphs, native CPU kernels) | packed (hand-written backward on TF.js) | device (weights as tf.Variables, batched attention) | auto (default: onnx on wasm when onnxruntime-node loads, else packed; packed on cpu; device elsewhere)',
  GECKO_RUNS_DIR: 'where run folders go (default: ./runs)',
  GECKO_CACHE_DIR: 'where the LLM and embedding caches go (default: ./cache)',
  GECKO_MODELS_DIR: 'folder holding GGUF models for tests (default: ../shared/models)',
  GECKO_CHROMIUM:
    'Chromium binary for PNG/SVG plot export (default: chromium, chromium-browser or google-chrome on PATH)',
  GECKO_PROGRESS:
    'progress display: bar | lines | off (default: bar on a terminal, one updating line in a notebook, lines otherwise)',
  GECKO_ONNX: 'encoding and exact search on onnxruntime-node: auto (default: when it loads) | off (TF.js only)',
  GECKO_WORKERS:
    'threads: onnxruntime intra-op threads (default one per core); TF.js replicas on the packed path (default one per core, at most 2, on wasm; 1 on tfjs-node(-gpu)); 1 to 4 per core',
  OPENAI_API_KEY: 'API key for an OpenAI-compatible server (never logged)',
  OPENAI_BASE_URL: 'base URL of an OpenAI-compatible server',
  GECKO_DEBUG: '1 (or true) prints stack traces with errors (default: one line and a fix)',
  CI: 'set by CI: tests that need data, models or Jupyter must run instead of skipping',
  INIT_CWD: 'set by npm: the folder npm was started in (relative folder variables above resolve against it)',
} as const;

export type EnvVar = keyof typeof ENV_VARS;

/** Read one variable; empty strings count as unset. */
export function readEnv(name: EnvVar): string | undefined {
  const v = process.env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/** The variables that name folders: a relative value is made absolute once, at startup (resolvePathVars). */
export const PATH_VARS = [
  'GECKO_DATA_DIR',
  'GECKO_MODELS_DIR',
  'GECKO_RUNS_DIR',
  'GECKO_CACHE_DIR',
  'GECKO_PROJECT_ROOT',
] as const satisfies readonly EnvVar[];
export type PathVar = (typeof PATH_VARS)[number];

/**
 * The folder the user started in. npm runs a script (`npm test`, `npm run gecko`) in the package's
 * folder and says in INIT_CWD where it was started, which is where a relative path was typed; so
 * INIT_CWD when this process runs in a folder with a package.json, else the working directory (a
 * child started elsewhere, e.g. by a test in a temporary folder, may inherit a stale INIT_CWD).
 */
export function startDir(): string {
  const cwd = process.cwd();
  const init = readEnv('INIT_CWD');
  return init !== undefined && existsSync(join(cwd, 'package.json')) ? resolve(init) : cwd;
}

/**
 * Make every folder variable (PATH_VARS) absolute, resolved against `base` (the folder the user started
 * in), in process.env. Called once at startup (bin/gecko.js, vitest.config.ts), so that child processes
 * inherit absolute paths: `GECKO_DATA_DIR=../shared/data npm test` then means the same folder in a test's
 * child started in a temporary folder. Returns the variables it changed.
 * @example resolvePathVars('/home/me/gecko'); // GECKO_DATA_DIR=../shared/data -> /home/me/shared/data
 */
export function resolvePathVars(base = startDir()): Partial<Record<PathVar, string>> {
  const changed: Partial<Record<PathVar, string>> = {};
  for (const name of PATH_VARS) {
    const v = readEnv(name);
    if (v === undefined || isAbsolute(v)) continue;
    process.env[name] = changed[name] = resolve(base, v);
  }
  return changed;
}

/** The most threads GECKO_WORKERS may ask for: 4 per core (more only adds memory and switching). */
export function maxWorkers(cores = availableParallelism()): number {
  return Math.max(1, cores) * 4;
}

/**
 * GECKO_WORKERS as an integer between 1 and maxWorkers() (4 per core), or undefined when unset;
 * anything else is an error that names it and gives the range.
 */
export function workersSetting(): number | undefined {
  const env = readEnv('GECKO_WORKERS');
  if (env === undefined) return undefined;
  const n = /^\d+$/.test(env) ? Number(env) : NaN;
  const cores = availableParallelism();
  const max = maxWorkers(cores);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new GeckoError(
      `GECKO_WORKERS='${env.slice(0, 40)}' is not a whole number between 1 and ${max} (4 per core; this machine has ${cores})`,
      `set GECKO_WORKERS to 1..${max}, e.g. GECKO_WORKERS=${Math.min(2, max)}, or unset it (one per core)`,
    );
  return n;
}

/** The values a variable may take, for the variables that take a word (empty = unset = the default). */
export const ENV_CHOICES: Partial<Record<EnvVar, readonly string[]>> = {
  GECKO_PRESET: ['smoke', 'demo', 'full', 'scratch'],
  GECKO_BACKEND: ['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'],
  GECKO_ENGINE: ['auto', 'onnx', 'packed', 'device'],
  GECKO_PROGRESS: ['bar', 'lines', 'off'],
  GECKO_ONNX: ['auto', 'off', 'on', '0', '1', 'false', 'true'],
  GECKO_DEBUG: ['0', '1', 'false', 'true'],
};

/**
 * A variable that takes one of a few words, checked: undefined when unset, else the value
 * (lower case), and anything else is an error that names the variable and its values.
 * @example readChoice('GECKO_PROGRESS') // 'lines' | 'bar' | 'off' | undefined
 */
export function readChoice(name: keyof typeof ENV_CHOICES): string | undefined {
  const v = readEnv(name);
  if (v === undefined) return undefined;
  const choices = ENV_CHOICES[name]!;
  const lower = v.toLowerCase();
  if (!choices.includes(lower))
    throw new GeckoError(
      `${name}='${v.slice(0, 40)}' is not one of ${choices.join(', ')}`,
      `set ${name} to one of ${choices.join(' | ')}, or unset it (${ENV_VARS[name].replace(/^[^:]*: /, '')})`,
    );
  return lower;
}

/** GECKO_ONNX: 'off' (TF.js only) or 'auto' (onnxruntime when it loads); a bad value names itself. */
export function onnxSetting(): 'auto' | 'off' {
  const v = readChoice('GECKO_ONNX');
  return v === 'off' || v === '0' || v === 'false' ? 'off' : 'auto';
}

/** True when GECKO_DEBUG is 1 or true; any other value asks for no stack (checkEnvironment names a bad one). */
export function debugSetting(): boolean {
  const v = readEnv('GECKO_DEBUG')?.toLowerCase();
  return v === '1' || v === 'true';
}

/**
 * Check every variable the workbench reads that takes a word or a number, before any work:
 * the CLI calls it first, so a typo in GECKO_PROGRESS or GECKO_WORKERS is refused at once.
 */
export function checkEnvironment(): void {
  for (const name of Object.keys(ENV_CHOICES) as (keyof typeof ENV_CHOICES)[]) readChoice(name);
  workersSetting();
  const base = readEnv('OPENAI_BASE_URL');
  if (base !== undefined && !/^https?:\/\/[^\s/]+/i.test(base))
    throw new GeckoError(
      `OPENAI_BASE_URL='${base.slice(0, 80)}' is not an http(s) URL`,
      'set it to the server base URL, e.g. OPENAI_BASE_URL=http://localhost:8080/v1, or unset it',
    );
}

/** Set a variable read by a native library (e.g. TF_FORCE_GPU_ALLOW_GROWTH) unless the user set it. */
export function setEnvDefault(name: string, value: string): void {
  if (process.env[name] === undefined || process.env[name]!.trim() === '') process.env[name] = value;
}

/** True when running under CI (tests must not skip there). */
export function isCI(): boolean {
  const v = readEnv('CI');
  return v !== undefined && v !== '0' && v.toLowerCase() !== 'false';
}
