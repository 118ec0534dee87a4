// `gecko data fetch`: download a data set's files into the data directory and verify them.
// Each file streams to a temp file beside its target and is renamed into place only after
// it passes its check, so a damaged download never replaces anything.
// - 'raw' sources: byte-identical public copies, checked against the registry's sha256.
// - 'zip' sources (SciFact): the BEIR zip, unpacked; checked by row count (bytes may differ).
// - 'converted' (BBC News): the original bbc-fulltext.zip, converted to one JSON line per
//   article as SOURCE.md describes; checked by row count, and sha256 when the bytes match.
// - 'derived' (Cranfield, CISI BEIR files): rebuilt from the fetched SMART originals
//   (smart.ts), checked against sha256 (the conversion reproduces the shared bytes).
// - 'none': no public copy of that exact file; only a mirror (`from`) can supply it.
// With `from`, every file is fetched from `<from>/<path>` (a mirror laid out like
// `<dataDir>/<dataset>/`) and must match its sha256.
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { DataError, GeckoError } from '../core/errors';
import { sha256 } from '../core/hash';
import { annotateWriteError, writeFileAtomic } from '../core/fs';
import { silentLogger, type Logger } from '../core/log';
import { progress } from '../core/progress';
import { dataDir } from '../core/paths';
import { httpGet, HttpStatusError, withRetries, type RetryOptions } from './http';
import { getDataset, type DatasetFile } from './registry';
import { countRows } from './status';
import { cisiToBeir, cranfieldToBeir, type BeirFiles } from './smart';
import { readZip, type ZipEntry } from './zip';

export interface FetchOptions {
  /** Data directory to fetch into; default dataDir(). */
  dataDir?: string;
  /** Base URL of a mirror laid out like the data directory's `<dataset>/` folder; replaces the canonical sources. */
  from?: string;
  /** Replace files that are already there (otherwise they are only verified). */
  force?: boolean;
  /** Rewrites each canonical URL before it is requested (tests point it at a local server). */
  rewriteUrl?: (url: string) => string;
  /** Retries of connection errors and 5xx (default 5 tries, backoff from 500 ms, capped at 8 s). */
  retry?: RetryOptions;
  log?: Logger;
}

export type FetchedStatus = 'downloaded' | 'present' | 'unavailable' | 'failed';

export interface FetchedFile {
  path: string;
  status: FetchedStatus;
  /** URL (or 'archive!entry') it came from. */
  from?: string;
  /** How the file was checked: sha256, row count, or not at all. */
  verified: 'sha256' | 'rows' | 'none';
  rows?: number | null;
  note?: string;
}

export interface FetchReport {
  dataset: string;
  dir: string;
  files: FetchedFile[];
  /** True when every file a loader needs is in place and verified (optional files may be missing). */
  ok: boolean;
}

/**
 * Download and verify the files of one data set.
 * @example const report = await fetchDataset('banking77'); // 3 files, each checked against its sha256
 * @example await fetchDataset('banking77', { from: 'http://mirror.example/gecko-data/banking77' })
 */
export async function fetchDataset(name: string, opts: FetchOptions = {}): Promise<FetchReport> {
  const info = getDataset(name);
  const dir = join(opts.dataDir ?? dataDir(), name);
  const log = opts.log ?? silentLogger;
  const rewrite = opts.rewriteUrl ?? ((u: string) => u);
  const archives = new Map<string, Map<string, ZipEntry>>();
  const files: FetchedFile[] = [];
  const retryOpts: RetryOptions = {
    ...opts.retry,
    onRetry: (e, attempt, ms) => {
      log.warn(`${name}: ${(e as Error & { code?: string }).code ?? e.message}; retry ${attempt} in ${ms} ms`);
      opts.retry?.onRetry?.(e, attempt, ms);
    },
  };

  const archive = async (key: string): Promise<Map<string, ZipEntry>> => {
    const cached = archives.get(key);
    if (cached) return cached;
    const url = info.archives?.[key];
    if (!url) throw new GeckoError(`registry: ${name} has no archive '${key}'`);
    const tmp = join(tmpdir(), `gecko-${name}-${key}-${process.pid}-${Date.now()}.zip`);
    log.info(`${name}: downloading ${rewrite(url)}`);
    await download(rewrite(url), tmp, retryOpts);
    try {
      const entries = readZip(readFileSync(tmp), url);
      archives.set(key, entries);
      return entries;
    } finally {
      rmSync(tmp, { force: true });
    }
  };

  // Derived files last: they are built from files fetched in the same call.
  const ordered = [...info.files.filter((f) => f.source.kind !== 'derived'), ...info.files.filter((f) => f.source.kind === 'derived')];
  for (const f of ordered) {
    const target = join(dir, f.path);
    if (existsSync(target) && !opts.force) {
      const same = sha256(readFileSync(target)) === f.sha256;
      files.push(same
        ? { path: f.path, status: 'present', verified: 'sha256', note: 'already there' }
        : { path: f.path, status: 'failed', verified: 'none', note: 'already there but differs from the registered sha256; use --force to replace it' });
      continue;
    }
    try {
      if (opts.from) {
        const url = `${opts.from.replace(/\/+$/, '')}/${f.path}`;
        log.info(`${name}: ${url}`);
        await downloadVerified(url, target, f, retryOpts);
        files.push({ path: f.path, status: 'downloaded', from: url, verified: 'sha256', rows: f.rows });
        continue;
      }
      const src = f.source;
      if (src.kind === 'raw') {
        const url = rewrite(src.url);
        log.info(`${name}: ${url}`);
        await downloadVerified(url, target, f, retryOpts);
        files.push({ path: f.path, status: 'downloaded', from: url, verified: 'sha256', rows: f.rows });
      } else if (src.kind === 'zip' || src.kind === 'converted') {
        const entries = await archive(src.archive);
        const bytes = src.kind === 'zip' ? zipMember(entries, src.entry, info.archives![src.archive]!) : convertBbcFulltext(entries, info.archives![src.archive]!);
        const from = `${info.archives![src.archive]}${src.kind === 'zip' ? `!${src.entry}` : ' (converted)'}`;
        files.push({ path: f.path, status: 'downloaded', from, ...writeChecked(target, bytes, f, from) });
      } else if (src.kind === 'derived') {
        const built = deriveBeir(src.converter, dir)[src.output];
        const from = `${src.converter} conversion of original/`;
        files.push({ path: f.path, status: 'downloaded', from, ...writeChecked(target, Buffer.from(built, 'utf8'), f, from) });
      } else {
        files.push({ path: f.path, status: 'unavailable', verified: 'none', note: `${src.why}; fetch it with --from <mirror of a gecko data directory>/${name}` });
      }
    } catch (e) {
      if (!(e instanceof GeckoError)) throw e;
      files.push({ path: f.path, status: 'failed', verified: 'none', note: e.message.split('\n')[0] });
    }
  }
  const optional = new Set(info.files.filter((f) => f.optional).map((f) => f.path));
  const ok = files.every((f) => optional.has(f.path) || f.status === 'downloaded' || f.status === 'present');
  return { dataset: name, dir, files: info.files.map((f) => files.find((x) => x.path === f.path)!), ok };
}

/** The BEIR files rebuilt from the SMART originals already in `dir`/original/. */
function deriveBeir(converter: 'cranfield-beir' | 'cisi-beir', dir: string): BeirFiles {
  const read = (p: string) => {
    const path = join(dir, 'original', p);
    if (!existsSync(path)) throw new DataError(path, 'needed to build the BEIR files but not fetched (see the error for it above)');
    return readFileSync(path, 'utf8');
  };
  return converter === 'cranfield-beir'
    ? cranfieldToBeir(read('cran.all.1400'), read('cran.qry'), read('cranqrel'))
    : cisiToBeir(read('CISI.ALL'), read('CISI.QRY'), read('CISI.REL'));
}

/**
 * Stream a URL into `path` (a temp path: callers rename it into place); returns the sha256 of the
 * bytes. Connection errors and 5xx are retried (http.ts), each try rewriting `path` from the start;
 * HTTPS_PROXY/HTTP_PROXY are honoured; progress (KiB, rate, ETA) goes through core/progress.
 */
async function download(url: string, path: string, retry: RetryOptions = {}): Promise<string> {
  try {
    return await withRetries(async () => {
      const res = await httpGet(url);
      mkdirSync(dirname(path), { recursive: true });
      const hash = createHash('sha256');
      const total = Number(res.headers['content-length'] ?? 0);
      const bar = progress(`fetch ${url.split('/').pop() ?? url}`, Math.ceil(total / 1024), 'KiB');
      let bytes = 0;
      let shownKiB = 0;
      const tap = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          hash.update(chunk);
          bytes += chunk.length;
          const kib = Math.floor(bytes / 1024);
          if (kib > shownKiB) bar.tick(kib - shownKiB);
          shownKiB = kib;
          cb(null, chunk);
        },
      });
      await pipeline(res, tap, createWriteStream(path));
      bar.done();
      return hash.digest('hex');
    }, retry);
  } catch (e) {
    if (e instanceof GeckoError) throw e;
    const err = e as Error & { code?: string };
    if (err.code === 'ENOSPC' || err.code === 'EDQUOT') throw annotateWriteError(e, path); // a full disk, not the network
    const why = e instanceof HttpStatusError ? err.message : `${err.code ? err.code + ' ' : ''}${err.message}`;
    throw new GeckoError(`cannot download ${url}: ${why}`,
      e instanceof HttpStatusError && e.status < 500 ? 'check the URL, or use --from <mirror URL>' : 'check the network (and HTTPS_PROXY), or use --from <mirror URL>');
  }
}

/** Download to a temp path, check sha256, and only then move it onto `target`. */
async function downloadVerified(url: string, target: string, f: DatasetFile, retry: RetryOptions): Promise<void> {
  const tmp = `${target}.download-${process.pid}`;
  try {
    const got = await download(url, tmp, retry);
    if (got !== f.sha256) {
      throw new DataError(url, `sha256 mismatch for ${f.path}: expected ${f.sha256}, got ${got}`, undefined,
        'the download is damaged or a different version; the existing file (if any) was left untouched');
    }
    renameSync(tmp, target);
  } finally {
    rmSync(tmp, { force: true });
  }
}

function zipMember(entries: Map<string, ZipEntry>, entry: string, url: string): Buffer {
  const e = entries.get(entry);
  if (!e) throw new DataError(url, `the archive has no member '${entry}'`);
  return e.read();
}

/** Check by sha256 if the bytes match, else by row count; write atomically. */
function writeChecked(target: string, bytes: Buffer, f: DatasetFile, from: string): Pick<FetchedFile, 'verified' | 'rows' | 'note'> {
  const exact = sha256(bytes) === f.sha256;
  const rows = countRows(bytes.toString('utf8'), f.format, from);
  if (!exact && f.rows !== null && rows !== f.rows) {
    throw new DataError(from, `${f.path} has ${rows} rows, SOURCE.md says ${f.rows}`, undefined, 'the archive is a different version or damaged; nothing was written');
  }
  mkdirSync(dirname(target), { recursive: true });
  writeFileAtomic(target, bytes); // on a full disk: names the path and the bytes, leaves no temp file
  return exact ? { verified: 'sha256', rows } : { verified: 'rows', rows, note: 'row count matches SOURCE.md; bytes differ from the shared copy' };
}

const BBC_MEMBER = /(?:^|\/)bbc\/(business|entertainment|politics|sport|tech)\/(\d+)\.txt$/;

/**
 * The BBC conversion of SOURCE.md: one `{"id", "category", "text"}` line per article file,
 * ordered by category then file name; text is the whole file, UTF-8 or else Latin-1.
 * Keys and separators follow the shared copy (Python json.dumps, ensure_ascii off).
 */
export function convertBbcFulltext(entries: Map<string, ZipEntry>, url = '(zip)'): Buffer {
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const rows = [...entries.values()]
    .map((e) => ({ e, m: BBC_MEMBER.exec(e.name) }))
    .filter((x): x is { e: ZipEntry; m: RegExpExecArray } => x.m !== null)
    .map(({ e, m }) => ({ category: m[1]!, file: m[2]!, e }))
    .sort((a, b) => (a.category < b.category ? -1 : a.category > b.category ? 1 : a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  if (rows.length === 0) throw new DataError(url, 'no bbc/<category>/<nnn>.txt members in the archive');
  const lines = rows.map(({ category, file, e }) => {
    const bytes = e.read();
    let text: string;
    try { text = utf8.decode(bytes); } catch { text = bytes.toString('latin1'); }
    return `{"id": ${JSON.stringify(`${category}/${file}`)}, "category": ${JSON.stringify(category)}, "text": ${JSON.stringify(text)}}`;
  });
  return Buffer.from(lines.join('\n') + '\n', 'utf8');
}
