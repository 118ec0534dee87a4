// Resumable record stages: each finished record is appended to a JSONL file as soon as
// it exists, a restarted stage skips every index already there (or already skipped),
// and at the end the file is rewritten ordered by index, so an interrupted-and-resumed
// run ends byte-identical to an uninterrupted one. Records must be deterministic per
// index (seed every random choice from the index, never from arrival order).
import { existsSync, readFileSync, truncateSync } from 'node:fs';
import { appendJsonl, readJsonlTolerant, writeJsonl } from '../core/jsonl';
import type { SkipRecord } from './types';

/** What a stage function returns for one item: a record, or a reason to skip it. */
export type RecordOrSkip<R> = { record: R } | { skip: string; message: string };

/**
 * A killed writer may leave a torn last line. Cut the file back to its last newline so
 * that the next append starts on a fresh line (readJsonlTolerant already ignores it).
 */
export function repairJsonlTail(path: string): void {
  if (!existsSync(path)) return;
  const buf = readFileSync(path);
  if (buf.length === 0 || buf[buf.length - 1] === 0x0a) return;
  const lastNl = buf.lastIndexOf(0x0a);
  truncateSync(path, lastNl + 1);
}

/**
 * If `e` is a malformed-output error of the teacher (it carries a string `reason`, or its
 * name says parse/malformed/output), its reason; else undefined (the caller rethrows).
 */
export function skipReasonOf(e: unknown): string | undefined {
  if (!(e instanceof Error)) return undefined;
  const reason = (e as { reason?: unknown }).reason;
  if (typeof reason === 'string' && reason) return reason;
  if (/parse|malformed|output/i.test(e.name)) return e.name;
  return undefined;
}

export interface ResumableOptions<I, R extends { seedIndex: number }> {
  /** Output JSONL; skips go to the same path with `.skipped.jsonl`. */
  out: string;
  items: readonly I[];
  indexOf: (item: I) => number;
  step: (item: I) => Promise<RecordOrSkip<R>>;
  /** Items in flight at once (records are appended in completion order, sorted at the end). */
  concurrency: number;
  /** Called after each finished or skipped item (progress). */
  onDone?: (index: number, skipped: boolean) => void;
}

export function skippedPath(out: string): string {
  return out.replace(/\.jsonl$/, '') + '.skipped.jsonl';
}

/**
 * Run `step` over every item not yet in `out`, appending records one by one; return all
 * records (old and new) ordered by seedIndex, and the skips.
 * @example const { records } = await runResumable({ out: 'queries.jsonl', items: seeds, indexOf: s => s.seedIndex, step, concurrency: 4 });
 */
export async function runResumable<I, R extends { seedIndex: number }>(
  opts: ResumableOptions<I, R>,
): Promise<{ records: R[]; skips: SkipRecord[]; resumed: number }> {
  const skipOut = skippedPath(opts.out);
  repairJsonlTail(opts.out);
  repairJsonlTail(skipOut);
  const done = new Set<number>();
  for (const r of readJsonlTolerant<R>(opts.out)) done.add(r.seedIndex);
  for (const s of readJsonlTolerant<SkipRecord>(skipOut)) done.add(s.seedIndex);
  const resumed = done.size;
  const todo = opts.items.filter((it) => !done.has(opts.indexOf(it)));
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && next < todo.length) {
      const item = todo[next++]!;
      const index = opts.indexOf(item);
      let result: RecordOrSkip<R>;
      try {
        result = await opts.step(item);
      } catch (e) {
        const reason = skipReasonOf(e);
        if (reason === undefined) {
          failure ??= e;
          return;
        }
        result = { skip: reason, message: (e as Error).message };
      }
      if ('record' in result) appendJsonl(opts.out, [result.record]);
      else
        appendJsonl(skipOut, [{ seedIndex: index, reason: result.skip, message: result.message } satisfies SkipRecord]);
      opts.onDone?.(index, !('record' in result));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, todo.length)) }, worker));
  if (failure !== undefined) throw failure;
  // Final form: one record per index, ordered by index (byte-identical to an uninterrupted run).
  const byIndex = new Map<number, R>();
  for (const r of readJsonlTolerant<R>(opts.out)) byIndex.set(r.seedIndex, r);
  const records = [...byIndex.values()].sort((a, b) => a.seedIndex - b.seedIndex);
  writeJsonl(opts.out, records);
  const skipMap = new Map<number, SkipRecord>();
  for (const s of readJsonlTolerant<SkipRecord>(skipOut)) skipMap.set(s.seedIndex, s);
  const skips = [...skipMap.values()].sort((a, b) => a.seedIndex - b.seedIndex);
  if (skips.length || existsSync(skipOut)) writeJsonl(skipOut, skips);
  return { records, skips, resumed };
}
