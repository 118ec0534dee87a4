// Shared test helpers: where the shared data and models are, and how to skip honestly.
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
