// The one JSON reader of the workbench (issue 21 §2). Every JSON text lib/ reads (config files,
// run files, meta.json, stage records, caches, server replies) goes through parseJson, which
// refuses what plain JSON.parse lets through:
// - keys that reach JavaScript's object machinery (`__proto__`, `constructor`, `prototype`):
//   merged into an object they would change every object in the process;
// - nesting deeper than MAX_JSON_DEPTH (5,000 levels overflow the recursive code that walks it);
// - text that is not JSON, named by file (and line) with a fix instead of an "unexpected" error.
import { readFileSync, statSync } from 'node:fs';
import { DataError } from './errors';
import { missingHint, whyMissing } from './missing';

/** Keys that are never data: assigned to an object they replace its prototype or reach Object's. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** True for a key no setting or record may have. */
export function isForbiddenKey(key: string): boolean {
  return FORBIDDEN_KEYS.has(key);
}

/** No file the workbench reads nests deeper than this (configs nest 3 deep, tokenizers 5). */
export const MAX_JSON_DEPTH = 200;

export interface JsonReadOptions {
  /** 1-based line, for a JSONL record. */
  line?: number;
  /** What to do about a broken file (default: restore or delete it). */
  hint?: string;
  /**
   * The file's object keys are data (a vocabulary, tensor names): `constructor` and `prototype`
   * are then allowed as keys, `__proto__` still is not.
   */
  dataKeys?: boolean;
  maxDepth?: number;
}

const DEFAULT_HINT =
  'the file is damaged or is not the file expected here: restore it, or delete it and rerun the command that writes it';

/** How deep `text` nests `[` and `{` (outside strings); stops counting past `limit`. */
export function jsonDepth(text: string, limit = Infinity): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 125 || c === 93) depth--;
  }
  return max;
}

/**
 * The first forbidden key in a parsed value, as a dotted path (`a.b.__proto__`), or undefined.
 * Walks iteratively, so depth cannot overflow the stack.
 */
export function forbiddenKeyPath(value: unknown, dataKeys = false): string | undefined {
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length) {
    const [v, path] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) if (typeof v[i] === 'object') stack.push([v[i], `${path}[${i}]`]);
      continue;
    }
    for (const k of Object.keys(v)) {
      const p = path ? `${path}.${k}` : k;
      if (k === '__proto__' || (!dataKeys && isForbiddenKey(k))) return p;
      const x = (v as Record<string, unknown>)[k];
      if (typeof x === 'object' && x !== null) stack.push([x, p]);
    }
  }
  return undefined;
}

/**
 * Check a value that came from JSON.parse (or any untrusted source) for forbidden keys and depth;
 * throws a DataError naming `source`.
 */
export function checkJsonValue(value: unknown, source: string, opts: JsonReadOptions = {}): void {
  const bad = forbiddenKeyPath(value, opts.dataKeys);
  if (bad !== undefined)
    throw new DataError(
      source,
      `key '${bad}' is not allowed ('__proto__', 'constructor' and 'prototype' would reach JavaScript's object prototype)`,
      opts.line,
      'remove that key: no setting or record of the workbench has this name',
    );
}

/**
 * Parse JSON text read from `source` (a path, a URL or a flag): refuses forbidden keys, nesting
 * deeper than MAX_JSON_DEPTH and invalid text, each as a DataError naming the source and a fix.
 * @example const meta = parseJson<{ step: number }>(text, '/runs/x/meta.json');
 */
export function parseJson<T = unknown>(text: string, source: string, opts: JsonReadOptions = {}): T {
  const maxDepth = opts.maxDepth ?? MAX_JSON_DEPTH;
  const hint = opts.hint ?? DEFAULT_HINT;
  // Cheap pre-checks: only text with enough brackets can nest too deep.
  if (text.length > 2 * maxDepth && jsonDepth(text, maxDepth) > maxDepth)
    throw new DataError(source, `JSON nested deeper than ${maxDepth} levels`, opts.line, hint);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const msg = String((e as Error).message ?? e).split('\n')[0]!;
    const ends = /end of (JSON )?(input|data)|Unterminated/i.test(msg) || text.trim() === '';
    const problem =
      text.trim() === ''
        ? 'is empty, not JSON'
        : ends
          ? `not valid JSON: it ends early (truncated?) (${msg})`
          : /^\s*</.test(text)
            ? 'is HTML or XML, not JSON'
            : `not valid JSON (${msg})`;
    throw new DataError(source, problem, opts.line, hint);
  }
  // Only text that names a forbidden key (or hides one behind a \u escape) needs the walk.
  if (/__proto__|constructor|prototype|\\u/.test(text)) checkJsonValue(value, source, opts);
  return value as T;
}

/**
 * Read and parse a JSON file (UTF-8, a byte-order mark dropped) with parseJson's checks; a
 * missing file or a folder is a DataError naming it.
 * @example const cfg = readJsonFile<{ hash: string }>(join(runDir, 'config.json'));
 */
export function readJsonFile<T = unknown>(path: string, opts: JsonReadOptions = {}): T {
  let text: string;
  try {
    if (statSync(path).isDirectory())
      throw new DataError(path, 'is a folder, not a JSON file', undefined, 'give the path of a JSON file');
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof DataError) throw e;
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT' || code === 'ELOOP') {
      const why = whyMissing(path);
      throw new DataError(path, why, undefined, why === 'file not found' && opts.hint ? opts.hint : missingHint(why));
    }
    throw e;
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return parseJson<T>(text, path, opts);
}
