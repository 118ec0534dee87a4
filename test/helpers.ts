// Shared test helpers: where the shared data and models are, how to skip honestly, temporary
// folders that are removed after each test file, and child processes that never block the worker.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inferenceRuntime, type InferenceRuntime } from '../lib/backend/onnx';
import { isCI } from '../lib/core/env';

/** The shared data folder: GECKO_DATA_DIR, else ../shared/data beside the project. */
export const SHARED_DATA = resolve(process.env.GECKO_DATA_DIR ?? join(__dirname, '..', '..', 'shared', 'data'));
export const SHARED_MODELS = resolve(process.env.GECKO_MODELS_DIR ?? join(__dirname, '..', '..', 'shared', 'models'));

/** What a test lacks: on CI this throws (CI must run every test); elsewhere it warns, and the caller skips. */
export function missing(msg: string): false {
  if (isCI()) throw new Error(`CI must run this test: ${msg}`);
  console.warn(`skipping: ${msg}`);
  return false;
}

/**
 * True when `path` exists. When it does not: on CI this throws (CI must run every test);
 * elsewhere it prints what is missing and the test skips.
 */
export function have(path: string, what: string): boolean {
  if (existsSync(path)) return true;
  return missing(`${what} not found at ${path}: set GECKO_DATA_DIR / GECKO_MODELS_DIR (see README)`);
}

/**
 * True when onnxruntime-node runs encoding and search (lib/backend/onnx.ts). When it does not
 * (GECKO_ONNX=off, or the native module did not load): on CI this throws, since `npm ci` installs
 * it and its parity tests must run there; elsewhere it says why and the test skips.
 * @example describe.skipIf(!haveOnnxRuntime())('onnxruntime path', () => { ... });
 */
export function haveOnnxRuntime(rt: InferenceRuntime = inferenceRuntime()): boolean {
  if (rt.ort) return true;
  return missing(`onnxruntime-node is not in use (${rt.reason}): unset GECKO_ONNX, or reinstall it with npm ci`);
}

const made: string[] = [];

/** A new temporary folder, removed after the test file (test/setup.ts calls removeTmpDirs). */
export function tmpDir(prefix = 'gecko-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Remove every folder tmpDir made in this test file (test/setup.ts runs it after the file). */
export async function removeTmpDirs(): Promise<void> {
  const dirs = made.splice(0);
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true, maxRetries: 3 })));
}

/**
 * A Python interpreter that can import `module` (GECKO_PYTHON, else python3 on PATH, else Debian's
 * /usr/bin/python3, which is where apt's python3-* packages live when PATH's python3 is a pyenv one).
 * When none can: on CI this throws (CI installs python3-torch, see .ci/run); elsewhere it warns and
 * resolves to undefined, so the test skips with describe.skipIf. Asynchronous: importing torch on a
 * loaded machine takes long enough to starve the worker's RPC if it blocked.
 * @example const python = await pythonWith('torch'); describe.skipIf(!python)(...)
 */
export async function pythonWith(module: string): Promise<string | undefined> {
  const candidates = [process.env.GECKO_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  for (const py of candidates) {
    if ((await runAsync(py, ['-c', `import ${module}`])).status === 0) return py;
  }
  missing(`no Python with '${module}' (tried ${candidates.join(', ')}): Debian: apt-get install -y python3-${module}`);
  return undefined;
}

/** Run a committed fixture script with Python `py` and parse the JSON it prints. */
export async function runPythonJson(py: string, script: string): Promise<unknown> {
  const r = await runAsync(py, [script]);
  if (r.status !== 0) throw new Error(`${script} failed (exit ${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/**
 * Run a command without blocking the test worker. A blocking spawnSync stops the worker's event
 * loop: on a loaded machine vitest's worker RPC (a 60 s timer per call) then times out, and the run
 * fails with `[vitest-worker]: Timeout calling "onTaskUpdate"` though every test passed.
 * Never rejects: the exit status is in `status` (null when killed after `timeoutMs`, which stderr says).
 * @example const r = await runAsync(process.execPath, ['bin/gecko.js', 'export', '-h']); r.status // 0
 */
export function runAsync(
  cmd: string,
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '',
      stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            stderr += `\n(runAsync: killed after ${opts.timeoutMs! / 1000} s)`;
            child.kill('SIGKILL');
          }, opts.timeoutMs);
    child.on('error', (e) => (clearTimeout(timer), done({ status: null, stdout, stderr: stderr + String(e) })));
    child.on('close', (status) => (clearTimeout(timer), done({ status, stdout, stderr })));
  });
}
