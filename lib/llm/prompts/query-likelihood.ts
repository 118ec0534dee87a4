// P_QL (paper §3.2, positive and negative mining): query likelihood QL(q, p) = log LLM(q | p, P_QL), following
// UPR (Sachan et al. 2022) with a PaRaDe-style instruction and few-shot (passage, query)
// pairs. It is a (prompt, continuation) pair: the score is the summed log-probability of
// the continuation tokens, so it needs a provider with prompt (echo) logprobs. Exemplars
// were written for this project.
import type { Passage } from '../../core/types';
import { showPassage } from './messages';

export const PROMPT_ID = 'query-likelihood';
export const PROMPT_VERSION = '1';

const EXEMPLARS = [
  {
    passage: 'Sourdough starters need regular feeding: discard half, then add equal weights of flour and water.',
    query: 'how do you feed a sourdough starter',
  },
  {
    passage: 'The council approved the new cycle lane on Harbour Road by seven votes to four.',
    query: 'harbour road cycle lane vote result',
  },
];

const INSTRUCTION = 'Write a query that this passage answers.';

/**
 * The prompt and the continuation whose log-probability is the QL score.
 * The continuation starts with a space so that it tokenizes as it would after "Query:".
 * @example const { prompt, continuation } = queryLikelihoodPrompt('who won', { text: 'X won.' });
 */
export function queryLikelihoodPrompt(
  query: string,
  passage: Pick<Passage, 'title' | 'text'>,
): { prompt: string; continuation: string } {
  const shot = (p: string, q?: string) => `Passage: ${p}\n${INSTRUCTION}\nQuery:${q === undefined ? '' : ` ${q}`}`;
  const shots = EXEMPLARS.map((e) => shot(e.passage, e.query)).join('\n\n');
  return { prompt: `${shots}\n\n${shot(showPassage(passage))}`, continuation: ` ${query.trim()}` };
}
