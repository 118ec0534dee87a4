// Small, strict text parsers for the data files: locate a file (MissingDatasetError), split
// lines, tab-separated rows (never quote-aware) and RFC-4180 CSV (quote-aware, quoted newlines).
// Every record carries its 1-based line number so that errors can point at it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, MissingDatasetError } from '../core/errors';
import { dataDir } from '../core/paths';

/** One parsed row and the 1-based line it starts on. */
export interface Row {
  fields: string[];
  line: number;
}

/**
 * Absolute path of a data set file; MissingDatasetError (with the fix) when it is not there.
 * @example datasetPath('banking77', 'train.csv') // '<GECKO_DATA_DIR>/banking77/train.csv'
 */
export function datasetPath(dataset: string, file: string, root = dataDir()): string {
  const path = join(root, dataset, file);
  if (!existsSync(path)) throw new MissingDatasetError(dataset, path, root);
  return path;
}

/** File text as UTF-8 without a byte-order mark. */
export function readText(path: string): string {
  const text = readFileSync(path, 'utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Lines without their terminators (LF or CRLF); a missing final newline is fine, and a
 * trailing empty line is dropped. @example splitLines('a\r\nb') // ['a', 'b']
 */
export function splitLines(text: string): string[] {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Tab-separated rows, split on every tab (no quote handling: STS, SICK, MRPC and AMCD texts
 * contain bare double quotes). Blank lines are skipped. When `header` is given, line 1 must
 * be exactly that header and is not returned.
 * @example tsvRows('a\tb\n1\t2\n', 'f.tsv', ['a', 'b']) // [{fields: ['1', '2'], line: 2}]
 */
export function tsvRows(text: string, file: string, header?: readonly string[]): Row[] {
  const lines = splitLines(text);
  const rows: Row[] = [];
  let start = 0;
  if (header) {
    if (lines[0] !== header.join('\t')) {
      throw new DataError(file, `expected the header line '${header.join('\\t')}', got '${(lines[0] ?? '').slice(0, 80)}'`, 1);
    }
    start = 1;
  }
  for (let i = start; i < lines.length; i++) {
    if (lines[i]!.trim() === '') continue;
    rows.push({ fields: lines[i]!.split('\t'), line: i + 1 });
  }
  return rows;
}

/**
 * RFC-4180 CSV: fields separated by commas, optionally double-quoted; inside quotes `""` is
 * a quote and commas and newlines are literal. Blank lines are skipped. An unterminated
 * quote or text after a closing quote is a DataError with the line number.
 * @example parseCsv('a,"b,""c""\nd"\n', 'x.csv') // [{fields: ['a', 'b,"c"\nd'], line: 1}]
 */
export function parseCsv(text: string, file: string): Row[] {
  return parseDelimited(text, file, ',');
}

/**
 * Python `csv` / RFC-4180 quoting with any one-character delimiter (`'\t'`: the quoted TSV that
 * Python's csv.writer writes, as in the STS12-16 files). A quote only opens a field at its start;
 * elsewhere it is literal.
 * @example parseDelimited('"a ""b"""\tc\n', 'x.tsv', '\t') // [{fields: ['a "b"', 'c'], line: 1}]
 */
export function parseDelimited(text: string, file: string, delimiter: string): Row[] {
  const rows: Row[] = [];
  const n = text.length;
  let fields: string[] = [];
  let line = 1; // line of the cursor
  let rowLine = 1; // line the current row started on
  let i = 0;
  const endRow = () => {
    if (!(fields.length === 1 && fields[0] === '')) rows.push({ fields, line: rowLine });
    fields = [];
  };
  while (i <= n) {
    if (text[i] === '"') {
      // Quoted field: slices between quotes, "" is a literal quote.
      const quoteLine = line;
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) throw new DataError(file, 'unterminated quoted field (a " opened here is never closed)', quoteLine, 'close the quote, and double any " inside the field ("")');
        const part = text.slice(j, q);
        value += part;
        for (let k = part.indexOf('\n'); k >= 0; k = part.indexOf('\n', k + 1)) line++;
        if (text[q + 1] === '"') { value += '"'; j = q + 2; continue; }
        i = q + 1;
        break;
      }
      fields.push(value);
      const next = text[i];
      if (next === delimiter) { i++; continue; }
      if (next === '\r' && text[i + 1] === '\n') i++;
      if (next === undefined || text[i] === '\n') { endRow(); line++; rowLine = line; i++; continue; }
      throw new DataError(file, `expected '${delimiter === '\t' ? '\\t' : delimiter}' or end of line after a closing quote, got '${next}'`, line);
    }
    // Unquoted field: up to the next delimiter or end of line.
    let j = i;
    while (j < n && text[j] !== delimiter && text[j] !== '\n') j++;
    let value = text.slice(i, j);
    if (text[j] !== delimiter && value.endsWith('\r')) value = value.slice(0, -1);
    fields.push(value);
    if (text[j] === delimiter) { i = j + 1; continue; }
    endRow();
    line++;
    rowLine = line;
    i = j + 1;
  }
  return rows;
}

/** Require exactly `n` (or one of `n`) fields; DataError naming file, line and what was expected. */
export function expectFields(row: Row, file: string, n: number | readonly number[], what: string): void {
  const ok = typeof n === 'number' ? row.fields.length === n : n.includes(row.fields.length);
  if (!ok) {
    const want = typeof n === 'number' ? `${n}` : n.join(' or ');
    throw new DataError(file, `expected ${want} fields (${what}), got ${row.fields.length}`, row.line);
  }
}

/** Parse a finite number field; DataError naming file, line and field otherwise. */
export function numberField(value: string, file: string, line: number, field: string, range?: [number, number]): number {
  const x = value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(x)) throw new DataError(file, `field '${field}' must be a number, got '${value.slice(0, 40)}'`, line);
  if (range && (x < range[0] || x > range[1])) {
    throw new DataError(file, `field '${field}' must be in [${range[0]}, ${range[1]}], got ${x}`, line);
  }
  return x;
}
