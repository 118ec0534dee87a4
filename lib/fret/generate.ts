// FRet step 1 (paper §3.2, query generation): the teacher writes a task description and a query
// for each seed passage, from one fixed few-shot prompt. The raw output and the prompt
// id/version are kept. Malformed outputs are skipped and counted, never a crash.
import { deriveSeed } from '../core/rng';
import type { Teacher } from '../llm/types';
import type { RecordOrSkip } from './resume';
import type { QueryRecord, SeedRecord } from './types';

/**
 * Step 1 for one seed passage. The teacher's sampling seed is derived from the root seed
 * and the seed index, so the query does not depend on processing order.
 * @example const r = await generateQuery(seed, teacher, 1234); if ('record' in r) console.log(r.record.query);
 */
export async function generateQuery(
  seed: SeedRecord,
  teacher: Teacher,
  rootSeed: number,
): Promise<RecordOrSkip<QueryRecord>> {
  const sampleSeed = deriveSeed(rootSeed, 'querygen', seed.seedIndex);
  const out = await teacher.generateTaskQuery(seed.passage, { seed: sampleSeed });
  const task = (out.task ?? '').trim();
  const query = (out.query ?? '').trim();
  if (!task) return { skip: 'empty-task', message: `teacher wrote no task for passage ${seed.passage.id}` };
  if (!query) return { skip: 'empty-query', message: `teacher wrote no query for passage ${seed.passage.id}` };
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
    },
  };
}
