// File helpers that never leave a half-written file behind.
import { mkdirSync, renameSync, writeFileSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stableStringify } from './hash';
import { readJsonFile, type JsonReadOptions } from './json';
import { pidAlive } from './lock';

let counter = 0;

/** Write a file atomically: write a temp file beside it, then rename over the target. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${counter++}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
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
 * Remove `*.tmp-<pid>*` files and folders in `dir` left by processes that are gone (a crash or
 * a kill during an atomic write). Returns the names removed. `.old-*` folders are left to
 * recoverCheckpoint, which may need them.
 * @example cleanStaleTemps(runDir);
 */
export function cleanStaleTemps(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    const m = SIDE_FILE.exec(name);
    if (!m || m[1] !== 'tmp' || pidAlive(Number(m[2]))) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
