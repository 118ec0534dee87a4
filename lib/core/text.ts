// Reading text files strictly: UTF-8 only. A byte-order mark is dropped (it is not content);
// bytes that are not UTF-8 are refused with the file, line and column, never silently replaced
// by U+FFFD (which would then travel into training data).
import { readFileSync, statSync } from 'node:fs';
import { DataError } from './errors';

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Where the first byte that is not UTF-8 sits: 1-based line and byte column. */
function firstInvalid(buf: Uint8Array): { line: number; column: number } {
  let lineStart = 0;
  let line = 1;
  for (let i = 0; i <= buf.length; i++) {
    if (i === buf.length || buf[i] === 0x0a) {
      try {
        strict.decode(buf.subarray(lineStart, i));
      } catch {
        // narrow down to the byte within the line
        for (let j = lineStart + 1; j <= i; j++) {
          try {
            strict.decode(buf.subarray(lineStart, j), { stream: true });
          } catch {
            return { line, column: j - lineStart };
          }
        }
        return { line, column: i - lineStart };
      }
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: 0 };
}

/**
 * The text of a UTF-8 file, without a leading byte-order mark. A folder, or bytes that are not
 * UTF-8, are a DataError naming the file (and line:column for bad bytes).
 * @example const text = readUtf8('corpus.txt');
 */
export function readUtf8(path: string): string {
  let buf: Buffer;
  try {
    if (statSync(path).isDirectory())
      throw new DataError(path, 'is a folder, not a file', undefined, 'give the path of a file inside it');
    buf = readFileSync(path);
  } catch (e) {
    if (e instanceof DataError) throw e;
    const code = (e as { code?: string }).code;
    throw new DataError(
      path,
      code === 'ENOENT' ? 'file not found' : `cannot read (${(e as Error).message.split('\n')[0]})`,
      undefined,
      code === 'ENOENT' ? 'check the path' : undefined,
    );
  }
  const bom = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  const body = buf.subarray(bom);
  try {
    return strict.decode(body);
  } catch {
    const at = firstInvalid(body);
    throw new DataError(
      path,
      `byte ${at.column} of this line is not UTF-8 (is the file in another encoding, or binary?)`,
      at.line,
      'convert the file to UTF-8, e.g. iconv -f latin1 -t utf-8 IN > OUT',
    );
  }
}
