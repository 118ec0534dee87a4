// FRet step 1 (paper §3.2, query generation): the teacher writes a task description and a query
// for each seed passage, from one fixed few-shot prompt. The raw output and the prompt
// id/version are kept. An unusable answer (malformed, truncated, empty) is asked again with
// a fresh sampling seed, up to `maxAttempts` times; only then is the seed skipped and counted.
import { deriveSeed } from '../core/rng';
import type { Teacher } from '../llm/types';
import { skipReasonOf, type RecordOrSkip } from './resume';
import type { QueryRecord, SeedRecord } from './types';

/** Thrown inside the retry loop for an answer without task or query (a retryable, unusable answer). */
class EmptyAnswer extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'EmptyAnswer';
  }
}

/** The sampling seed of attempt `attempt` (attempt 0 keeps the seed runs have always used). */
export function querygenSeed(rootSeed: number, seedIndex: number, attempt = 0): number {
  return attempt === 0
    ? deriveSeed(rootSeed, 'querygen', seedIndex)
    : deriveSeed(rootSeed, 'querygen', seedIndex, 'retry', attempt);
}

/**
 * Step 1 for one seed passage. The teacher's sampling seed is derived from the root seed
 * and the seed index, so the query does not depend on processing order.
 * @example const r = await generateQuery(seed, teacher, 1234); if ('record' in r) console.log(r.record.query);
 */
export async function generateQuery(
  seed: SeedRecord,
  teacher: Teacher,
  rootSeed: number,
  opts: { maxAttempts?: number } = {},
): Promise<RecordOrSkip<QueryRecord>> {
  const maxAttempts = Math.max(1, opts.maxAttempts ?? 3);
  let last = { reason: '', message: '' };
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const sampleSeed = querygenSeed(rootSeed, seed.seedIndex, attempt);
    try {
      const out = await teacher.generateTaskQuery(seed.passage, { seed: sampleSeed });
      const task = (out.task ?? '').trim();
      const query = (out.query ?? '').trim();
      if (!task) throw new EmptyAnswer('empty-task', `teacher wrote no task for passage ${seed.passage.id}`);
      if (!query) throw new EmptyAnswer('empty-query', `teacher wrote no query for passage ${seed.passage.id}`);
      return {
        record: {
          seedIndex: seed.seedIndex,
          queryId: `q${seed.seedIndex}`,
          seedPassageId: seed.passage.id,
          task,
          query,
          raw: out.raw,
          promptId: out.promptId,
          promptVersion: out.promptVersion,
          teacher: teacher.id,
          sampleSeed,
          attempts: attempt + 1,
        },
      };
    } catch (e) {
      const reason = skipReasonOf(e);
      if (reason === undefined) throw e;
      last = { reason, message: `${(e as Error).message} (after ${attempt + 1} attempt(s))` };
    }
  }
  return { skip: last.reason, message: last.message };
}
