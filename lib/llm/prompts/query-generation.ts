// P_QG (paper §3.2, query generation): one fixed few-shot prompt that asks the LLM for a task
// description and a query for a seed passage, as JSON {"task", "query"}. The exemplars
// show several task types (question answering, search result, fact checking, sentence
// similarity) so that the generated tasks are diverse. They were written for this project
// and are not taken from any evaluation data set.
import type { Passage } from '../../core/types';
import { showPassage, type ChatMessage } from './messages';

export const PROMPT_ID = 'query-generation';
export const PROMPT_VERSION = '1';

/** The JSON the model must return; also used for constrained decoding. */
export const QUERY_GENERATION_SCHEMA = {
  type: 'object',
  properties: { task: { type: 'string' }, query: { type: 'string' } },
  required: ['task', 'query'],
  additionalProperties: false,
} as const;

/** Few-shot exemplars, invented for this project (no evaluation data). */
export const EXEMPLARS: readonly { passage: string; task: string; query: string }[] = [
  {
    passage:
      'The lighthouse on Marrow Point was automated in 1987. Before that, three keepers lived on the rock in rotating shifts of six weeks, supplied by a boat from the harbour town.',
    task: 'Given a question, retrieve a passage that answers the question',
    query: 'how long did lighthouse keepers stay on marrow point before automation',
  },
  {
    passage:
      'Sourdough starters need regular feeding: discard half, then add equal weights of flour and water. Kept in the fridge, a starter can go a week between feedings.',
    task: 'Given a web search query, retrieve a passage that might show up as a search result',
    query: 'sourdough starter feeding fridge',
  },
  {
    passage:
      'The council approved the new cycle lane on Harbour Road by seven votes to four. Construction is due to begin in spring and last about five months.',
    task: 'Given a claim, find a passage that allows you to check whether the claim is true or not',
    query: 'The Harbour Road cycle lane was rejected by the council.',
  },
  {
    passage:
      'Volunteers counted 212 swifts nesting under the roof of the old grain mill this summer, the highest number since the survey began.',
    task: 'Given a sentence, retrieve a sentence that is semantically similar',
    query: 'A record number of swifts nested in the grain mill this year.',
  },
];

const INSTRUCTION =
  'You write training data for a text retrieval model. Given a passage, first invent a retrieval task, ' +
  'described in one sentence that starts with "Given a", then write one query for that task such that the passage ' +
  'is a good result for it. Vary the task type: questions, web search keywords, claims to verify, similar sentences, ' +
  'or another task that fits the passage. The query must be understandable without seeing the passage. ' +
  'Answer with JSON only: {"task": "...", "query": "..."}.';

/**
 * The messages of P_QG for one seed passage.
 * @example const messages = queryGenerationMessages({ id: 'p1', text: 'Water boils at 100 C at sea level.', source: 'x' });
 */
export function queryGenerationMessages(passage: Pick<Passage, 'title' | 'text'>): ChatMessage[] {
  const shots = EXEMPLARS.map(
    (e) => `Passage: ${e.passage}\nJSON: ${JSON.stringify({ task: e.task, query: e.query })}`,
  ).join('\n\n');
  return [
    { role: 'system', content: INSTRUCTION },
    { role: 'user', content: `${shots}\n\nPassage: ${showPassage(passage)}\nJSON:` },
  ];
}
