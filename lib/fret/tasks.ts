// Task diversity (paper Table 2): the teacher writes free-form task descriptions; for the
// "FRet restricted to one task type" ablation each description is mapped to one of the four
// most frequent types by keywords, and queries of other types are left out. The offline
// stand-in is told the types directly (its `kinds`), so it writes only those.
import { FRET_TASK_TYPES, type FretTaskType } from '../config/choices';
import type { OfflineTaskKind } from '../llm/offline-teacher';

const RULES: readonly [FretTaskType, RegExp][] = [
  ['fact checking', /\b(fact|claim|true or not|true or false|verify|verif|check whether|refute|support)/i],
  ['sentence similarity', /\b(similar|paraphrase|same meaning|semantically|equivalent|duplicate)/i],
  ['search result', /\b(search|web query|search result|show up)/i],
  ['question answering', /\b(question|answer)/i],
];

/**
 * The task type of a task description, or 'other'. Checked in the order fact checking,
 * sentence similarity, search result, question answering (the first rule that matches).
 * @example taskTypeOf('Given a claim, find a passage that allows you to check whether the claim is true or not') // 'fact checking'
 */
export function taskTypeOf(task: string): FretTaskType | 'other' {
  for (const [type, re] of RULES) if (re.test(task)) return type;
  return 'other';
}

/** The offline teacher's kind that writes each task type. */
export const OFFLINE_KIND_OF: Record<FretTaskType, OfflineTaskKind> = {
  'question answering': 'question',
  'search result': 'search',
  'fact checking': 'claim',
  'sentence similarity': 'similar',
};

/** The offline teacher's kinds for fret.taskTypes ([] = all: undefined). */
export function offlineKinds(types: readonly FretTaskType[]): OfflineTaskKind[] | undefined {
  return types.length ? types.map((t) => OFFLINE_KIND_OF[t]) : undefined;
}

/**
 * Keep the queries whose task is one of `types` ([] keeps all).
 * @example filterByTaskType(queries, ['question answering'])
 */
export function filterByTaskType<Q extends { task: string }>(
  queries: readonly Q[],
  types: readonly FretTaskType[],
): Q[] {
  if (types.length === 0) return queries.slice();
  const keep = new Set<string>(types);
  return queries.filter((q) => keep.has(taskTypeOf(q.task)));
}

export { FRET_TASK_TYPES };
