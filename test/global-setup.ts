// The test run's temporary folder (vitest.config.ts names it and points TMPDIR, GECKO_CACHE_DIR and
// GECKO_RUNS_DIR of every worker into it): made before the first test file, removed after the last,
// so that a run leaves nothing behind in the system's temporary folder.
import { chmodSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { TestProject } from 'vitest/node';

/** Remove `dir`; where a read-only folder inside stops that (not as root), make folders writable and retry. */
export function removeRunFolder(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    const writable = (d: string): void => {
      chmodSync(d, 0o700);
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) writable(join(d, e.name));
    };
    writable(dir);
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  }
}

export default function setup(project: TestProject): () => void {
  const dir = project.config.env.TMPDIR;
  if (!dir || !basename(dir).startsWith('gecko-vitest-'))
    throw new Error(`vitest.config.ts: TMPDIR '${dir}' is not a run folder`);
  mkdirSync(dir, { recursive: true });
  return () => {
    try {
      removeRunFolder(dir);
    } catch (e) {
      console.warn(`could not remove the test run's temporary folder ${dir}: ${(e as Error).message}`);
    }
  };
}
