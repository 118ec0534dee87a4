// Read a user's passage file as a seed corpus: JSONL ({id?, title?, text} per line), a
// BEIR corpus.jsonl ({_id, title, text}; a folder holding one works too), or plain text
// (one passage per blank-line-separated paragraph). Errors name the file and line.
import { existsSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { readLinesUtf8 } from '../core/text';
import { DataError } from '../core/errors';
import type { Passage } from '../core/types';
import { parseJson } from '../core/json';
import { whyMissing } from '../core/missing';

/** Extensions read as corpora: JSONL, and plain text ('' = no extension). */
const TEXT_EXTS = ['.jsonl', '.txt', '.text', '.md', ''];

const clean = (s: string) => s.replace(/\s+/g, ' ').trim();

/**
 * Passages of a corpus file (or of `<dir>/corpus.jsonl`). Whitespace is normalised.
 * Ids: the row's `id` or `_id`, else `<file>#<line>` (JSONL) or `<file>#<paragraph>` (text).
 * @example readCorpusFile('my-notes.txt') // [{ id: 'my-notes.txt#1', text: '...', source: 'my-notes.txt' }, ...]
 */
export function readCorpusFile(path: string): Passage[] {
  if (!existsSync(path))
    throw new DataError(
      path,
      whyMissing(path) === 'file not found' ? 'corpus file not found' : `corpus file ${whyMissing(path)}`,
      undefined,
      'give a data set name (bbc_news, ag_news, squad_v1.1_dev) or an existing .jsonl / corpus folder / .txt file',
    );
  if (statSync(path).isDirectory()) {
    const beir = join(path, 'corpus.jsonl');
    if (!existsSync(beir))
      throw new DataError(
        path,
        'is a folder without corpus.jsonl',
        undefined,
        'point --corpus at a .jsonl or .txt file, or at a BEIR folder holding corpus.jsonl',
      );
    return readCorpusFile(beir);
  }
  const source = basename(path);
  const ext = extname(path).toLowerCase();
  if (!TEXT_EXTS.includes(ext))
    throw new DataError(
      path,
      `'${ext}' is not a corpus format this reads (it would be taken as plain text)`,
      undefined,
      `convert it to JSONL ({id?, title?, text} per line) or plain text (${TEXT_EXTS.filter(Boolean).join(', ')}; paragraphs separated by blank lines)`,
    );
  // Streamed line by line (a corpus may exceed the 512 MiB V8 string limit).
  let firstLine = '';
  for (const { text } of readLinesUtf8(path)) {
    if (text.trim() === '') continue;
    firstLine = text.trim();
    break;
  }
  const isJsonl = /\.jsonl$/i.test(path) || firstLine.startsWith('{');
  const out: Passage[] = [];
  const seen = new Set<string>();
  if (isJsonl) {
    for (const { text: line, lineNo } of readLinesUtf8(path)) {
      const i = lineNo - 1;
      if (line.trim() === '') continue;
      const row: any = parseJson(line, path, {
        line: i + 1,
        hint: 'each line must be one JSON object {id?, title?, text}',
      });
      if (!row || typeof row !== 'object' || Array.isArray(row))
        throw new DataError(path, 'expected a JSON object {id?, title?, text}', i + 1);
      if (typeof row.text !== 'string')
        throw new DataError(
          path,
          `field 'text' must be a string, got ${JSON.stringify(row.text)}`,
          i + 1,
          'give every passage a text field',
        );
      const body = clean(row.text);
      if (body === '')
        throw new DataError(path, "field 'text' is empty", i + 1, 'remove the line or give the passage some text');
      const rawId = row.id ?? row._id;
      if (rawId !== undefined && typeof rawId !== 'string' && typeof rawId !== 'number')
        throw new DataError(path, `field 'id' must be a string or number`, i + 1);
      const id = rawId !== undefined ? String(rawId) : `${source}#${i + 1}`;
      if (seen.has(id))
        throw new DataError(path, `duplicate passage id '${id}'`, i + 1, 'ids must be unique within a corpus');
      seen.add(id);
      const title = typeof row.title === 'string' && clean(row.title) ? clean(row.title) : undefined;
      out.push({ id, ...(title ? { title } : {}), text: body, source });
    }
  } else {
    // paragraphs: separated by lines holding only whitespace
    let para: string[] = [];
    const flush = () => {
      const p = clean(para.join('\n'));
      para = [];
      if (p !== '') out.push({ id: `${source}#${out.length + 1}`, text: p, source });
    };
    for (const { text: line } of readLinesUtf8(path)) {
      if (line.trim() === '') flush();
      else para.push(line);
    }
    flush();
  }
  if (out.length === 0)
    throw new DataError(path, 'holds no passages', undefined, 'a corpus needs at least one non-empty passage');
  return out;
}
