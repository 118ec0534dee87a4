// experiments.md is a log, newest first. An entry goes right below the header (before the
// first "## " heading), so earlier entries are never rewritten.
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../core/fs';

const HEADER = '# Experiments\n\nA log of what was run and what it showed, newest first.\n\n';

/**
 * Insert a markdown entry (starting with "## ") above the newest entry of the log.
 * @example prependEntry('experiments.md', '## 2026-11-27: demo ...\n...')
 */
export function prependEntry(path: string, entry: string): void {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : HEADER;
  const at = text.search(/^## /m);
  const body = entry.trimEnd() + '\n\n';
  writeFileAtomic(path, at < 0 ? text.trimEnd() + '\n\n' + body : text.slice(0, at) + body + text.slice(at));
}

/** A markdown table from rows of cells. */
export function markdownTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const line = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
