// The prompts an imported checkpoint brings (sentence-transformers' `prompts`: e5's "query: " /
// "passage: ", bge's query instruction), kept in its EncoderConfig. sentence-transformers prepends a
// prompt as text, and only at inference when asked by name; here the query prompt is also prepended to
// every query and the passage prompt to every passage in training (train/contrastive-stage.ts:
// formatExample), so fine-tuning sees the inputs the model will be used with; evaluation puts them
// before eval texts the same way (eval/evaluate.ts: evalPrompt) and `gecko embed --role` too.
import type { EncoderConfig } from './config';

/** The prompt text of each role ('' when the checkpoint has none). */
export interface RolePrompts {
  query: string;
  passage: string;
}

export const NO_PROMPTS: RolePrompts = Object.freeze({ query: '', passage: '' });

/**
 * A checkpoint's prompts by role: query = prompts.query; passage = prompts.passage, else prompts.document.
 * @example rolePrompts({ ...cfg, prompts: { query: 'query: ', passage: 'passage: ' } }).passage === 'passage: '
 */
export function rolePrompts(cfg: Pick<EncoderConfig, 'prompts'>): RolePrompts {
  const p = cfg.prompts ?? {};
  return { query: p.query ?? '', passage: p.passage ?? p.document ?? '' };
}
