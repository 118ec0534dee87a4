// The paper's unified input format (Gecko appendix B):
//   queries (and symmetric targets): "task: {task} | query: {text}"
//   passages (asymmetric targets):   "title: {title} | text: {text}"
// and the ablation's 'plain' format (Table 2 "naive concatenation", Table 7 row 1):
//   queries: "{task} {text}"; passages: "{title} {text}" (no title: the text alone).
// Mean pooling runs over the whole formatted input, task prefix included.

/** Encoder input formats: Gecko's unified format, or plain concatenation (the ablation). */
export const TEXT_FORMATS = ['unified', 'plain'] as const;
export type TextFormat = (typeof TEXT_FORMATS)[number];

/** @example formatQuery('question answering', 'who wrote hamlet') === 'task: question answering | query: who wrote hamlet' */
export function formatQuery(task: string, text: string, format: TextFormat = 'unified'): string {
  return format === 'plain' ? `${task} ${text}` : `task: ${task} | query: ${text}`;
}

/** @example formatPassage(undefined, 'Hamlet is a tragedy...') === 'title: none | text: Hamlet is a tragedy...' */
export function formatPassage(title: string | undefined, text: string, format: TextFormat = 'unified'): string {
  const t = title && title.trim() ? title.trim() : undefined;
  if (format === 'plain') return t ? `${t} ${text}` : text;
  return `title: ${t ?? 'none'} | text: ${text}`;
}

/**
 * The text inside a formatted input, for models not trained with the Gecko format (USE-lite):
 * the query of `task: … | query: …`, and `title text` of `title: … | text: …` (no 'none' title).
 * Unformatted text comes back as is.
 * @example plainText(formatQuery('fact checking', 'Gecko is small')) === 'Gecko is small'
 * @example plainText(formatPassage('Hamlet', 'A tragedy.')) === 'Hamlet. A tragedy.'
 */
export function plainText(formatted: string): string {
  const q = /^task: [^|]*\| query: ([\s\S]*)$/.exec(formatted);
  if (q) return q[1]!;
  const p = /^title: ([\s\S]*?) \| text: ([\s\S]*)$/.exec(formatted);
  if (!p) return formatted;
  const title = p[1]!;
  if (title === 'none') return p[2]!;
  return /[.!?:]$/.test(title) ? `${title} ${p[2]}` : `${title}. ${p[2]}`;
}
