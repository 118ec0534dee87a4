// Executes every notebooks/*.ipynb headless (Debian Jupyter + the project's tslab kernel) on
// the smoke preset, in order, with fresh run and cache folders, and fails on any cell error.
// Skips with a message where Jupyter is absent; on CI it must run (test/helpers.ts `have`).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../lib/core/paths';
import { have, SHARED_DATA, tmpDir } from '../helpers';

const ROOT = projectRoot();
const NOTEBOOKS = readdirSync(join(ROOT, 'notebooks')).filter((f) => f.endsWith('.ipynb')).sort();
const JUPYTER_HINT = 'Jupyter (Debian: apt-get install -y jupyter-notebook python3-nbconvert python3-nbclient jupyter-client jupyter-nbconvert)';

function jupyterOnPath(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    if (existsSync(join(dir, 'jupyter'))) return join(dir, 'jupyter');
  }
  return '(jupyter on PATH)';
}

const runsDir = tmpDir('gecko-nb-runs-');
const cacheDir = tmpDir('gecko-nb-cache-');
const outDir = tmpDir('gecko-nb-out-');

// One notebook may run this long (08 runs a two-seed ablation when none is finished: 59-71 s alone on
// a quiet machine, several times that under load); the child is killed then, and each test allows a
// minute more, so that a slow notebook fails with its output rather than with vitest's bare timeout.
const KILL_MS = 840_000;
const TEST_MS = KILL_MS + 60_000;

/** Run scripts/run-notebooks.sh asynchronously (a blocking spawnSync would starve vitest's worker RPC). */
function runNotebooks(paths: string[]): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(ROOT, 'scripts', 'run-notebooks.sh'), '--out', outDir, ...paths], {
      cwd: ROOT,
      env: { ...process.env, GECKO_PRESET: 'smoke', GECKO_RUNS_DIR: runsDir, GECKO_CACHE_DIR: cacheDir, GECKO_DATA_DIR: SHARED_DATA, GECKO_PROGRESS: 'off' },
    });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    const timer = setTimeout(() => {
      output += `\n(killed after ${KILL_MS / 1000} s)`;
      child.kill('SIGTERM');
    }, KILL_MS);
    child.on('error', reject);
    child.on('close', (status) => { clearTimeout(timer); resolve({ status, output }); });
  });
}

describe('notebooks (smoke preset)', () => {
  it('has notebooks, each with the tslab kernelspec and no committed outputs', () => {
    expect(NOTEBOOKS.length).toBeGreaterThan(0);
    for (const name of NOTEBOOKS) {
      const nb = JSON.parse(readFileSync(join(ROOT, 'notebooks', name), 'utf8'));
      expect(nb.metadata.kernelspec.name, name).toBe('tslab');
      const withOutputs = nb.cells.filter((c: { outputs?: unknown[] }) => (c.outputs ?? []).length > 0).length;
      expect(withOutputs, `${name} has committed outputs: clear them before committing`).toBe(0);
    }
  });

  for (const name of NOTEBOOKS) {
    it.skipIf(!have(jupyterOnPath(), JUPYTER_HINT) || !have(SHARED_DATA, 'shared data sets'))(`executes ${name} without a cell error`, async () => {
      const r = await runNotebooks([join('notebooks', name)]);
      if (r.status !== 0) throw new Error(`notebook ${name} failed (exit ${r.status}):\n${r.output}`);
      expect(r.output).toContain(`ok     ${name}`);
    }, TEST_MS);
  }

  it.skipIf(!have(jupyterOnPath(), JUPYTER_HINT))('fails on a cell error and prints the cell source and its stderr', async () => {
    const r = await runNotebooks([join('test', 'notebooks', 'fixtures', 'fails.ipynb')]);
    expect(r.status).toBe(1);
    expect(r.output).toContain('FAILED fails.ipynb  cell #2');
    expect(r.output).toContain("const broken: number = 'not a number';");
    expect(r.output).toMatch(/---- cell stderr ----\n.*Type 'string' is not assignable to type 'number'/);
  }, TEST_MS);
});
