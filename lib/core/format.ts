// The paper's unified input format (Gecko appendix B):
//   queries (and symmetric targets): "task: {task} | query: {text}"
//   passages (asymmetric targets):   "title: {title} | text: {text}"
// Mean pooling runs over the whole formatted input, task prefix included.

/** @example formatQuery('question answering', 'who wrote hamlet') === 'task: question answering | query: who wrote hamlet' */
export function formatQuery(task: string, text: string): string {
  return `task: ${task} | query: ${text}`;
}

/** @example formatPassage(undefined, 'Hamlet is a tragedy...') === 'title: none | text: Hamlet is a tragedy...' */
export function formatPassage(title: string | undefined, text: string): string {
  return `title: ${title && title.trim() ? title.trim() : 'none'} | text: ${text}`;
}
