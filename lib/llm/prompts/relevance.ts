// P_RC (paper §3.2, positive and negative mining): relevance classification. The score is the log-probability of
// a relevance label given (task, query, passage), following Zhuang et al. 2023 ("Beyond Yes
// and No"); this version uses the binary labels Yes / No and ranks by P(yes) renormalised
// over the two labels. Few-shot exemplars were written for this project.
import type { Passage } from '../../core/types';
import { showPassage, type ChatMessage } from './messages';

export const PROMPT_ID = 'relevance';
export const PROMPT_VERSION = '1';

/** Labels as the model writes them; their lowercase forms are the keys of labelLogprobs. */
export const LABELS = ['Yes', 'No'] as const;
/** The label that means relevant. */
export const POSITIVE_LABEL = 'yes';

const EXEMPLARS = [
  {
    task: 'Given a question, retrieve a passage that answers the question',
    query: 'when was the marrow point lighthouse automated',
    passage: 'The lighthouse on Marrow Point was automated in 1987, ending more than a century of resident keepers.',
    label: 'Yes',
  },
  {
    task: 'Given a question, retrieve a passage that answers the question',
    query: 'when was the marrow point lighthouse automated',
    passage:
      'Marrow Point is popular with walkers; a coastal path leads from the car park to the cliffs in about an hour.',
    label: 'No',
  },
];

const INSTRUCTION =
  'Judge whether a passage is relevant to a query for the given task. Answer with one word: Yes or No.';

const show = (task: string, query: string, passage: string) =>
  `Task: ${task}\nQuery: ${query}\nPassage: ${passage}\nRelevant:`;

/**
 * The messages of P_RC; the answer is one label from LABELS.
 * @example relevanceMessages('Given a question, ...', 'who built it', { text: 'It was built by ...' })
 */
export function relevanceMessages(
  task: string,
  query: string,
  passage: Pick<Passage, 'title' | 'text'>,
): ChatMessage[] {
  const shots = EXEMPLARS.map((e) => `${show(e.task, e.query, e.passage)} ${e.label}`).join('\n\n');
  return [
    { role: 'system', content: INSTRUCTION },
    { role: 'user', content: `${shots}\n\n${show(task, query, showPassage(passage))}` },
  ];
}
