// JSONL: one JSON record per line. Errors name the file and the 1-based line.
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataError } from './errors';
import { annotateWriteError, writeFileAtomic } from './fs';
import { parseJson } from './json';
import { missingHint, whyMissing } from './missing';
import { readLinesUtf8 } from './text';

/**
 * Read every record of a JSONL file. Blank lines are skipped. A line that is not JSON,
 * or that `validate` rejects (by throwing or returning a message), is a DataError
 * naming file and line.
 * @example const rows = readJsonl<{id: string}>('corpus.jsonl', r => typeof r.id === 'string' || 'needs a string id');
 */
export function readJsonl<T = unknown>(
  path: string,
  validate?: (row: any) => true | string,
  /** The fix for a row `validate` rejects. */
  hint?: string,
): T[] {
  if (!existsSync(path)) {
    const why = whyMissing(path);
    throw new DataError(path, why, undefined, missingHint(why));
  }
  const out: T[] = [];
  // streamed line by line: UTF-8 only, a byte-order mark is dropped
  for (const { text: line, lineNo } of readLinesUtf8(path)) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    const row: unknown = parseJson(trimmed, path, {
      line: lineNo,
      hint: 'each line must be one complete JSON object; fix or delete this line',
    });
    if (validate) {
      const verdict = validate(row);
      if (verdict !== true) throw new DataError(path, verdict, lineNo, hint);
    }
    out.push(row as T);
  }
  return out;
}

/**
 * Read a JSONL file that a killed process may have been appending to: a torn last line
 * (no trailing newline, not parseable) is ignored, so a resumed stage redoes only that record.
 */
export function readJsonlTolerant<T = unknown>(path: string): T[] {
  if (!existsSync(path)) return [];
  const out: T[] = [];
  for (const { text: line, lineNo, terminated } of readLinesUtf8(path)) {
    if (!terminated || line.trim() === '') continue; // the unterminated last line may be torn
    out.push(parseJson<T>(line, path, { line: lineNo }));
  }
  return out;
}

/** Write records as JSONL, atomically. */
export function writeJsonl(path: string, rows: readonly unknown[]): void {
  writeFileAtomic(path, rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''));
}

/** Append records, one line each (each line is written whole with its newline). */
export function appendJsonl(path: string, rows: readonly unknown[]): void {
  if (rows.length === 0) return;
  mkdirSync(dirname(path), { recursive: true });
  const text = rows.map((r) => JSON.stringify(r) + '\n').join('');
  try {
    appendFileSync(path, text);
  } catch (e) {
    throw annotateWriteError(e, path, Buffer.byteLength(text));
  }
}
