// File helpers that never leave a half-written file behind.
import { mkdirSync, renameSync, writeFileSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stableStringify } from './hash';
import { readJsonFile, type JsonReadOptions } from './json';
import { pidAlive } from './lock';

let counter = 0;

/**
 * Give a file-system error the path it was writing and the bytes it needed, when Node left
 * them out (a write on a file descriptor names no path: ENOSPC said nothing of where).
 * @example try { appendFileSync(p, s) } catch (e) { throw annotateWriteError(e, p, Buffer.byteLength(s)) }
 */
export function annotateWriteError(e: unknown, path: string, bytes?: number): unknown {
  if (e && typeof e === 'object') {
    const err = e as { path?: unknown; bytes?: unknown };
    if (typeof err.path !== 'string') err.path = path;
    if (typeof err.bytes !== 'number' && bytes !== undefined) err.bytes = bytes;
  }
  return e;
}

/** Write a file atomically: write a temp file beside it, then rename over the target (no temp file is left on failure). */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${counter++}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw annotateWriteError(e, path, typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength);
  }
}

/** Write pretty JSON atomically. */
export function writeJson(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/** Write canonical (sorted-key) JSON atomically: equal values give equal bytes. */
export function writeJsonStable(path: string, value: unknown): void {
  writeFileAtomic(path, stableStringify(value) + '\n');
}

/** Read a JSON file through the one safe reader (core/json.ts): a damaged file names itself. */
export function readJson<T = unknown>(path: string, opts?: JsonReadOptions): T {
  return readJsonFile<T>(path, opts);
}

export function ensureDir(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}

export { existsSync };

/** `<name>.tmp-<pid>[-n]` / `<name>.old-<pid>`: the side files of atomic writes and checkpoint swaps. */
export const SIDE_FILE = /\.(tmp|old)-(\d+)(?:-\d+)?$/;

/**
 * Remove `*.tmp-<pid>*` files and folders in `dir` and its sub-folders (symbolic links are not
 * followed) left by processes that are gone (a crash or a kill during an atomic write). Returns
 * the paths removed, relative to `dir`. `.old-*` folders, and a complete checkpoint saved as
 * `<name>.tmp-<pid>` while `<name>` is missing (a swap cut between its renames), are left to
 * recoverCheckpoint, which may need them.
 * @example cleanStaleTemps(runDir);
 */
export function cleanStaleTemps(dir: string, depth = 6): string[] {
  if (!existsSync(dir)) return [];
  const removed: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const name = e.name;
    const m = SIDE_FILE.exec(name);
    const p = join(dir, name);
    if (!m) {
      if (e.isDirectory() && depth > 0) removed.push(...cleanStaleTemps(p, depth - 1).map((r) => join(name, r)));
      continue;
    }
    if (m[1] !== 'tmp' || pidAlive(Number(m[2]))) continue;
    const target = join(dir, name.slice(0, m.index));
    if (e.isDirectory() && !existsSync(target) && existsSync(join(p, 'encoder.json'))) continue;
    rmSync(p, { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
