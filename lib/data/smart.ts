// The SMART-format Cranfield and CISI files (original/) converted to the BEIR layout that the
// loaders read, following the conversion notes of each SOURCE.md: `.I` -> _id, `.T` -> title,
// `.W` -> text, `.A` / `.B` -> metadata, whitespace runs collapsed; Cranfield queries renumbered
// 1..225 in file order (cranqrel's numbering) with score = 5 - code (code -1 -> 0); CISI
// judgments all score 1. `gecko data fetch` uses this after fetching the originals.
import { DataError } from '../core/errors';
import { splitLines } from './parse';

/** One `.I` record: its id and the text of each field (e.g. {T: '...', W: '...'}). */
export interface SmartRecord { id: string; line: number; fields: Record<string, string> }

/**
 * Parse a SMART file into records; field text is whitespace-collapsed. Lines before the first
 * `.I` are a DataError.
 * @example parseSmart('.I 1\n.T\na  title\n.W\ntext\n', 'x')[0] // {id: '1', line: 1, fields: {T: 'a title', W: 'text'}}
 */
export function parseSmart(text: string, file: string): SmartRecord[] {
  const out: SmartRecord[] = [];
  let cur: SmartRecord | undefined;
  let field: string | undefined;
  const parts: Record<string, string[]> = {};
  const flush = () => {
    if (!cur) return;
    for (const [k, v] of Object.entries(parts)) cur.fields[k] = v.join(' ').replace(/\s+/g, ' ').trim();
    out.push(cur);
    for (const k of Object.keys(parts)) delete parts[k];
  };
  splitLines(text).forEach((line, i) => {
    const m = /^\.([A-Z])(?:\s+(.*?))?\s*$/.exec(line);
    if (m && m[1] === 'I') {
      flush();
      if (!m[2]) throw new DataError(file, "'.I' needs an id", i + 1);
      cur = { id: m[2], line: i + 1, fields: {} };
      field = undefined;
    } else if (m && (m[2] === undefined || m[2] === '')) {
      if (!cur) throw new DataError(file, `field '.${m[1]}' before the first '.I' record`, i + 1);
      field = m[1]!;
      parts[field] ??= [];
    } else {
      if (!cur || !field) {
        if (line.trim() === '') return;
        throw new DataError(file, "text outside a field (expected a '.I' record and a field marker such as '.W')", i + 1);
      }
      parts[field]!.push(line);
    }
  });
  flush();
  return out;
}

/** JSON object text in the shared files' style (Python json.dumps: ", " and ": " separators). */
function pyJson(value: Record<string, unknown>): string {
  const parts = Object.entries(value).map(([k, v]) =>
    `${JSON.stringify(k)}: ${v !== null && typeof v === 'object' ? pyJson(v as Record<string, unknown>) : JSON.stringify(v)}`);
  return `{${parts.join(', ')}}`;
}

export interface BeirFiles { corpus: string; queries: string; qrels: string }

const lines = (rows: string[]) => rows.join('\n') + '\n';
const QRELS_HEADER = 'query-id\tcorpus-id\tscore';

/** Cranfield BEIR files from cran.all.1400, cran.qry and cranqrel. */
export function cranfieldToBeir(all: string, qry: string, rel: string): BeirFiles {
  const corpus = parseSmart(all, 'cran.all.1400').map((r) => pyJson({
    _id: r.id, title: r.fields.T ?? '', text: r.fields.W ?? '', metadata: { author: r.fields.A ?? '', bib: r.fields.B ?? '' },
  }));
  const queries = parseSmart(qry, 'cran.qry').map((r, i) => pyJson({ _id: String(i + 1), text: r.fields.W ?? '', metadata: { qry_I: r.id } }));
  const qrels = splitLines(rel).filter((l) => l.trim() !== '').map((l, i) => {
    const [q, d, code] = l.trim().split(/\s+/);
    const c = Number(code);
    if (!q || !d || !Number.isInteger(c) || !(c === -1 || (c >= 1 && c <= 4))) {
      throw new DataError('cranqrel', `expected 'query doc code' with code 1..4 or -1, got '${l.trim()}'`, i + 1);
    }
    return `${q}\t${d}\t${c === -1 ? 0 : 5 - c}`;
  });
  return { corpus: lines(corpus), queries: lines(queries), qrels: lines([QRELS_HEADER, ...qrels]) };
}

/** CISI BEIR files from CISI.ALL, CISI.QRY and CISI.REL. */
export function cisiToBeir(all: string, qry: string, rel: string): BeirFiles {
  const corpus = parseSmart(all, 'CISI.ALL').map((r) => pyJson({
    _id: r.id, title: r.fields.T ?? '', text: r.fields.W ?? '', metadata: { author: r.fields.A ?? '' },
  }));
  const queries = parseSmart(qry, 'CISI.QRY').map((r) => {
    const meta: Record<string, string> = {};
    if (r.fields.T !== undefined) meta.title = r.fields.T;
    if (r.fields.A !== undefined) meta.author = r.fields.A;
    if (r.fields.B !== undefined) meta.bib = r.fields.B;
    return pyJson({ _id: r.id, text: r.fields.W ?? '', metadata: meta });
  });
  const seen = new Set<string>();
  const qrels: string[] = [];
  splitLines(rel).forEach((l, i) => {
    if (l.trim() === '') return;
    const [q, d] = l.trim().split(/\s+/);
    if (!q || !d) throw new DataError('CISI.REL', `expected 'query doc 0 0.000000', got '${l.trim()}'`, i + 1);
    if (seen.has(`${q}\t${d}`)) return;
    seen.add(`${q}\t${d}`);
    qrels.push(`${q}\t${d}\t1`);
  });
  return { corpus: lines(corpus), queries: lines(queries), qrels: lines([QRELS_HEADER, ...qrels]) };
}
