// Shared test helpers: where the shared data and models are, and how to skip honestly.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isCI } from '../lib/core/env';

/** The shared data folder: GECKO_DATA_DIR, else ../shared/data beside the project. */
export const SHARED_DATA = resolve(process.env.GECKO_DATA_DIR ?? join(__dirname, '..', '..', 'shared', 'data'));
export const SHARED_MODELS = resolve(process.env.GECKO_MODELS_DIR ?? join(__dirname, '..', '..', 'shared', 'models'));

/**
 * True when `path` exists. When it does not: on CI this throws (CI must run every test);
 * elsewhere it prints what is missing and the test skips.
 */
export function have(path: string, what: string): boolean {
  if (existsSync(path)) return true;
  const msg = `${what} not found at ${path}: set GECKO_DATA_DIR / GECKO_MODELS_DIR (see README)`;
  if (isCI()) throw new Error(`CI must run this test: ${msg}`);
  console.warn(`skipping: ${msg}`);
  return false;
}

export function tmpDir(prefix = 'gecko-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * A Python interpreter that can import `module` (GECKO_PYTHON, else python3 on PATH, else Debian's
 * /usr/bin/python3, which is where apt's python3-* packages live when PATH's python3 is a pyenv one).
 * When none can: on CI this throws (CI installs python3-torch, see .ci/run); elsewhere it warns and
 * returns undefined, so the test skips with describe.skipIf.
 */
export function pythonWith(module: string): string | undefined {
  const candidates = [process.env.GECKO_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  for (const py of candidates) {
    const r = spawnSync(py, ['-c', `import ${module}`], { stdio: 'ignore' });
    if (r.status === 0) return py;
  }
  const msg = `no Python with '${module}' (tried ${candidates.join(', ')}): Debian: apt-get install -y python3-${module}`;
  if (isCI()) throw new Error(`CI must run this test: ${msg}`);
  console.warn(`skipping: ${msg}`);
  return undefined;
}

/** Run a committed fixture script with Python `py` and parse the JSON it prints. */
export function runPythonJson(py: string, script: string): unknown {
  const r = spawnSync(py, [script], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${script} failed (exit ${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/**
 * Run a command without blocking the test worker (a blocking spawnSync starves vitest's worker RPC
 * on a loaded machine). Never rejects: the exit status is in `status`.
 * @example const r = await runAsync(process.execPath, ['bin/gecko.js', 'export', '-h']); r.status // 0
 */
export function runAsync(
  cmd: string,
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env });
    let stdout = '',
      stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) => done({ status: null, stdout, stderr: stderr + String(e) }));
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}
