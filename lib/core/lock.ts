// One writer per output folder: a lock file `<dir>/.gecko.lock` holding the owner's pid and
// command, created exclusively. A second run on the same folder is refused with who holds it;
// a lock whose process is gone (a crash, SIGKILL) is stale and taken over.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GeckoError } from './errors';
import { readJsonFile } from './json';

export const LOCK_FILE = '.gecko.lock';

/** True when a process with this pid exists (EPERM: exists, owned by someone else). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

const held = new Set<string>();
let exitHook = false;

/**
 * Take the lock on `dir` (created if needed) for this process; released at exit or by the
 * returned function. Re-entrant within one process.
 * @example const release = acquireLock(out, 'gecko fret');
 */
export function acquireLock(dir: string, command: string): () => void {
  const path = join(dir, LOCK_FILE);
  if (held.has(path)) return () => {};
  mkdirSync(dir, { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(path, JSON.stringify({ pid: process.pid, command, since: new Date().toISOString() }) + '\n', {
        flag: 'wx',
      });
      held.add(path);
      if (!exitHook) {
        exitHook = true;
        process.on('exit', () => {
          for (const p of held) rmSync(p, { force: true });
        });
      }
      return () => {
        if (held.delete(path)) rmSync(path, { force: true });
      };
    } catch (e) {
      if ((e as { code?: string }).code !== 'EEXIST') throw e;
      let owner: { pid?: number; command?: string; since?: string } = {};
      try {
        owner = readJsonFile(path);
      } catch {
        /* torn or empty: treat as stale */
      }
      if (owner.pid !== undefined && owner.pid !== process.pid && pidAlive(owner.pid)) {
        throw new GeckoError(
          `${dir} is in use by another run (pid ${owner.pid}: ${owner.command ?? '?'}, since ${owner.since ?? '?'})`,
          `wait for it to finish, or use another --out folder; if no such run exists, delete ${path}`,
        );
      }
      rmSync(path, { force: true }); // stale: its process is gone
    }
  }
  throw new GeckoError(`could not take the lock ${path}`, `delete ${path} and rerun`);
}
