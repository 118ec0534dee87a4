// Prompt building blocks shared by the three prompts.

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/**
 * The plain-text rendering of a chat prompt, for completion-style models (GGUF files without
 * a chat template, the legacy completions endpoint): the contents, separated by blank lines.
 */
export function renderPlain(messages: readonly ChatMessage[]): string {
  return messages.map((m) => m.content).join('\n\n');
}

/** A passage as the prompts show it: optional title line, then the text. */
export function showPassage(p: { title?: string; text: string }): string {
  return p.title ? `${p.title}\n${p.text}` : p.text;
}
