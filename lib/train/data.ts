// Reading training data for `gecko train`: JSONL of TrainingExample records (as written by
// gecko fret / gecko mixture), or of plain pairs {query, positive, task?} where positive is
// a string or {text, title?}. Every line is checked; errors name the file, line and field.
import { readJsonl } from '../core/jsonl';
import type { ExampleText, TrainingExample } from '../core/types';

/** Task string given to pairs that do not name one. */
export const DEFAULT_PAIR_TASK = 'search result';

function text(v: unknown, field: string): ExampleText | string {
  if (typeof v === 'string') return v.trim() ? { text: v } : `'${field}' is an empty string`;
  if (v && typeof v === 'object' && typeof (v as ExampleText).text === 'string') {
    const t = v as ExampleText;
    if (!t.text.trim()) return `'${field}.text' is empty`;
    if (t.title !== undefined && typeof t.title !== 'string') return `'${field}.title' must be a string`;
    return t;
  }
  return `'${field}' must be a string or {text, title?}`;
}

/**
 * Read TrainingExamples (or pairs) from a JSONL file.
 * @example const examples = readTrainingData('runs/mix/mixture.jsonl');
 */
export function readTrainingData(path: string): TrainingExample[] {
  const out: TrainingExample[] = [];
  readJsonl<Record<string, unknown>>(path, (row) => {
    if (!row || typeof row !== 'object' || Array.isArray(row)) return 'expected a JSON object {query, positive, ...}';
    if (typeof row.query !== 'string' || !row.query.trim()) return "'query' must be a non-empty string";
    const pos = text(row.positive, 'positive');
    if (typeof pos === 'string') return pos;
    const negatives: ExampleText[] = [];
    if (row.negatives !== undefined) {
      if (!Array.isArray(row.negatives)) return "'negatives' must be an array";
      for (let i = 0; i < row.negatives.length; i++) {
        const n = text(row.negatives[i], `negatives[${i}]`);
        if (typeof n === 'string') return n;
        negatives.push(n);
      }
    }
    if (row.task !== undefined && (typeof row.task !== 'string' || !row.task.trim()))
      return "'task' must be a non-empty string";
    if (row.symmetric !== undefined && typeof row.symmetric !== 'boolean') return "'symmetric' must be true or false";
    out.push({
      id: typeof row.id === 'string' ? row.id : `${path}:${out.length + 1}`,
      source: typeof row.source === 'string' ? row.source : 'pairs',
      task: (row.task as string | undefined) ?? DEFAULT_PAIR_TASK,
      query: row.query,
      positive: pos,
      negatives,
      symmetric: row.symmetric === true,
      ...(row.meta && typeof row.meta === 'object' ? { meta: row.meta as Record<string, unknown> } : {}),
    });
    return true;
  });
  return out;
}
