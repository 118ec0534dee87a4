// File helpers that never leave a half-written file behind.
import { mkdirSync, renameSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { stableStringify } from './hash';

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

export function readJson<T = unknown>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

export function ensureDir(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}

export { existsSync };
