// What is actually in the data directory: for each registered file, present or not, and its
// rows counted from the file itself (by its declared format), next to the SOURCE.md count.
// Used by `gecko datasets` and `gecko data fetch`.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { dataDir } from '../core/paths';
import { parseCsv, parseDelimited, readText, splitLines } from './parse';
import { DATASET_NAMES, getDataset, type DatasetFile, type FileFormat } from './registry';
import { parseJson } from '../core/json';

/**
 * Rows of a file by format (header lines excluded); null for free text. Counting is exact
 * for CSV and quoted TSV (quote-aware) and SQuAD (questions); others count non-blank lines or `.I` records.
 * @example countRows('a\n\nb\n', 'lines') === 2
 */
export function countRows(text: string, format: FileFormat, file = '(text)'): number | null {
  const nonBlank = () => splitLines(text).filter((l) => l.trim() !== '').length;
  switch (format) {
    case 'jsonl': case 'tsv': case 'lines': return nonBlank();
    case 'qrels-tsv': case 'tsv-header': return Math.max(0, nonBlank() - 1);
    case 'csv': return parseCsv(text, file).length;
    case 'csv-header': return Math.max(0, parseCsv(text, file).length - 1);
    case 'tsv-quoted-header': return Math.max(0, parseDelimited(text, file, '\t').length - 1);
    case 'smart': return splitLines(text).filter((l) => /^\.I\s/.test(l)).length;
    case 'json-array': { const a = parseJson(text, file); return Array.isArray(a) ? a.length : 0; }
    case 'squad': {
      const doc = parseJson(text, file) as { data?: { paragraphs?: { qas?: unknown[] }[] }[] };
      return (doc.data ?? []).reduce((n, a) => n + (a.paragraphs ?? []).reduce((m, p) => m + (p.qas?.length ?? 0), 0), 0);
    }
    case 'text': return null;
  }
}

export interface FileStatus {
  path: string;
  present: boolean;
  /** Not read by any loader (absence is fine). */
  optional: boolean;
  /** SOURCE.md count (null: none given). */
  expectedRows: number | null;
  /** Counted from the file (null: missing, free text, or unparseable). */
  rows: number | null;
  /** Why counting failed, when it did. */
  error?: string;
}

export type DatasetState = 'available' | 'missing' | 'incomplete' | 'mismatch';

export interface DatasetStatus {
  name: string;
  task: string;
  license: string;
  dir: string;
  state: DatasetState;
  files: FileStatus[];
}

/** Row counts already taken, by path, format and the file's identity (size, mtime, inode): a changed file is counted again. */
const counted = new Map<string, { id: string; rows: number | null; error?: string }>();

/** Status of one registered file in a folder (its rows are counted once per process while the file is unchanged). */
export function fileStatus(dir: string, f: DatasetFile): FileStatus {
  const path = join(dir, f.path);
  const base = { path: f.path, optional: f.optional === true, expectedRows: f.rows };
  if (!existsSync(path)) return { ...base, present: false, rows: null };
  const st = statSync(path, { throwIfNoEntry: false });
  const id = st ? `${st.size}:${st.mtimeMs}:${st.ino}` : '';
  const key = `${f.format}\u0000${path}`;
  const hit = counted.get(key);
  if (hit && st && hit.id === id)
    return { ...base, present: true, rows: hit.rows, ...(hit.error !== undefined ? { error: hit.error } : {}) };
  let r: { rows: number | null; error?: string };
  try {
    const text = f.format === 'squad' || f.format === 'json-array' ? readFileSync(path, 'utf8') : readText(path);
    r = { rows: countRows(text, f.format, path) };
  } catch (e) {
    r = { rows: null, error: (e as Error).message.split('\n')[0] };
  }
  if (st) counted.set(key, { id, ...r });
  return { ...base, present: true, ...r };
}

/**
 * Presence and row counts of every file of a data set. 'incomplete' = a file a loader needs
 * is missing (optional files may be absent); 'mismatch' = the files are there but a
 * count differs from SOURCE.md (or a file could not be parsed).
 * @example datasetStatus('banking77').state // 'available' when the three files are there with 10,003 / 3,080 / 77 rows
 */
export function datasetStatus(name: string, root = dataDir()): DatasetStatus {
  const info = getDataset(name);
  const dir = join(root, name);
  const files = info.files.map((f) => fileStatus(dir, f));
  const present = files.filter((f) => f.present).length;
  const requiredMissing = files.some((f) => !f.present && !f.optional);
  const bad = files.some((f) => f.present && (f.error !== undefined || (f.expectedRows !== null && f.rows !== f.expectedRows)));
  const state: DatasetState = present === 0 ? 'missing' : requiredMissing ? 'incomplete' : bad ? 'mismatch' : 'available';
  return { name, task: info.task, license: info.license, dir, state, files };
}

/** Status of every registered data set. */
export function allDatasetStatus(root = dataDir()): DatasetStatus[] {
  return DATASET_NAMES.map((n) => datasetStatus(n, root));
}
