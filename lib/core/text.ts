// Reading text files strictly: UTF-8 only. A byte-order mark is dropped (it is not content);
// bytes that are not UTF-8 are refused with the file, line and column, never silently replaced
// by U+FFFD (which would then travel into training data).
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { DataError } from './errors';
import { missingHint, whyMissing } from './missing';

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A failure to stat or open `path` as a DataError naming it (a DataError passes through). */
function openError(path: string, e: unknown): DataError {
  if (e instanceof DataError) return e;
  const code = (e as { code?: string }).code;
  if (code === 'ENOENT' || code === 'ELOOP' || code === 'ENOTDIR' || code === 'EACCES') {
    const why = whyMissing(path);
    if (why !== 'exists') return new DataError(path, why, undefined, missingHint(why));
  }
  return new DataError(path, `cannot read (${(e as Error).message.split('\n')[0]})`, undefined, undefined);
}

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
    throw openError(path, e);
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

/** The longest line readLinesUtf8 reads (8 MiB): a longer one is a binary or mis-split file, refused as "too long". */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;

/** One line of a file read by readLinesUtf8: its text (no '\n'), 1-based number, and whether a '\n' ended it. */
export interface FileLine {
  text: string;
  lineNo: number;
  terminated: boolean;
}

/**
 * The lines of a UTF-8 file, read in chunks of `chunkBytes` (so a file over the 512 MiB V8 string
 * limit can be read), with readUtf8's rules: a leading byte-order mark is dropped, bytes that are not
 * UTF-8 are a DataError with line and column. Lines are cut on the byte 0x0a (never inside a UTF-8
 * sequence) and decoded whole, so a character split across chunks is read intact. A trailing '\r'
 * stays on the line (callers trim).
 * @example for (const { text, lineNo } of readLinesUtf8('corpus.jsonl')) ...
 */
export function* readLinesUtf8(path: string, chunkBytes = 1 << 20): Generator<FileLine> {
  let fd: number;
  try {
    if (statSync(path).isDirectory())
      throw new DataError(path, 'is a folder, not a file', undefined, 'give the path of a file inside it');
    fd = openSync(path, 'r');
  } catch (e) {
    throw openError(path, e);
  }
  const decode = (bytes: Buffer, lineNo: number): string => {
    try {
      return strict.decode(bytes);
    } catch {
      throw new DataError(
        path,
        `byte ${firstInvalid(bytes).column} of this line is not UTF-8 (is the file in another encoding, or binary?)`,
        lineNo,
        'convert the file to UTF-8, e.g. iconv -f latin1 -t utf-8 IN > OUT',
      );
    }
  };
  try {
    const chunk = Buffer.alloc(Math.max(4, chunkBytes));
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let lineNo = 1;
    const tooLong = (bytes: number) =>
      new DataError(
        path,
        `line too long: more than ${bytes.toLocaleString('en-US')} bytes without a line break (the limit is ${MAX_LINE_BYTES / 1024 / 1024} MiB)`,
        lineNo,
        'one record or text per line: split the file into lines (is it a single-line JSON array, or a binary file?)',
      );
    let first = true;
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      let data = chunk.subarray(0, n);
      if (first) {
        first = false;
        // a BOM split over the first reads is not worth handling: chunkBytes >= 4
        if (data.length >= 3 && data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) data = data.subarray(3);
      }
      let start = 0;
      for (let nl = data.indexOf(0x0a); nl !== -1; nl = data.indexOf(0x0a, start)) {
        if (pendingBytes + nl - start > MAX_LINE_BYTES) throw tooLong(pendingBytes + nl - start);
        pending.push(data.subarray(start, nl));
        pendingBytes = 0;
        const text = decode(Buffer.concat(pending), lineNo);
        pending = [];
        yield { text, lineNo, terminated: true };
        lineNo++;
        start = nl + 1;
      }
      if (start < data.length) {
        pending.push(Buffer.from(data.subarray(start))); // copy: chunk is reused
        pendingBytes += data.length - start;
        if (pendingBytes > MAX_LINE_BYTES) throw tooLong(pendingBytes);
      }
    }
    if (pending.length > 0) yield { text: decode(Buffer.concat(pending), lineNo), lineNo, terminated: false };
  } finally {
    closeSync(fd);
  }
}

/**
 * The form two texts are compared in by the leak guard and the hold-out splits: Unicode NFKC,
 * lower case, every run of characters that are not letters or digits as one space, trimmed.
 * So "A man, is  playing." and "a man is playing" are the same text.
 * @example normalizeText('  The Cat -- sat.') // 'the cat sat'
 */
export function normalizeText(s: string): string {
  return s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Paragraphs shorter than this (normalised) do not tie two documents together: headlines, datelines. */
export const MIN_SHARED_PARAGRAPH = 40;

/**
 * A text as the leak guard and the hold-out splits compare it: its normalised whole, plus the
 * normalised paragraphs (blank-line separated) of at least MIN_SHARED_PARAGRAPH characters.
 * @example normalizedParts('Headline\n\nA body paragraph long enough to count on its own here.')
 */
export function normalizedParts(text: string): string[] {
  const whole = normalizeText(text);
  const paragraphs = text
    .split(/\r?\n\s*\r?\n/)
    .map(normalizeText)
    .filter((p) => p.length >= MIN_SHARED_PARAGRAPH && p !== whole);
  return whole === '' ? paragraphs : [whole, ...paragraphs];
}
