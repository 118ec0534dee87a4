// The only place lib/ reads process.env. Every variable the workbench reads is listed here.
import { GeckoError } from './errors';

export const ENV_VARS = {
  GECKO_DATA_DIR: 'folder holding the data sets (default: ./data)',
  GECKO_PROJECT_ROOT: 'the project folder (set by bin/gecko.js, so that `npx gecko` works from any folder)',
  GECKO_PRESET: 'config preset: smoke | demo | full (default: smoke for tests, demo for the demo)',
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
    'threads: onnxruntime intra-op threads (default one per core); TF.js replicas on the packed path (default one per core, at most 2, on wasm; 1 on tfjs-node(-gpu))',
  OPENAI_API_KEY: 'API key for an OpenAI-compatible server (never logged)',
  OPENAI_BASE_URL: 'base URL of an OpenAI-compatible server',
  GECKO_DEBUG: 'set to 1 to print stack traces with errors (default: one line and a fix)',
  CI: 'set by CI: tests that need data, models or Jupyter must run instead of skipping',
} as const;

export type EnvVar = keyof typeof ENV_VARS;

/** Read one variable; empty strings count as unset. */
export function readEnv(name: EnvVar): string | undefined {
  const v = process.env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/** GECKO_WORKERS as a positive integer, or undefined when unset; anything else is an error that names it. */
export function workersSetting(): number | undefined {
  const env = readEnv('GECKO_WORKERS');
  if (env === undefined) return undefined;
  const n = Number(env);
  if (!Number.isInteger(n) || n < 1)
    throw new GeckoError(`GECKO_WORKERS='${env}' is not a positive integer`, 'set GECKO_WORKERS=1 (one thread) or 2');
  return n;
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
