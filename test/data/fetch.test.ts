// `gecko data fetch` and `gecko datasets` end to end, against a local HTTP server that serves
// the shared files (and zips built here), downloading into temp data directories.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { deflateRawSync } from 'node:zlib';
import { sha256 } from '../../lib/core/hash';
import { fetchDataset } from '../../lib/data/fetch';
import { loadBeir, loadSts } from '../../lib/data/loaders';
import { datasetStatus } from '../../lib/data/status';
import { getDataset } from '../../lib/data/registry';
import { crc32, readZip } from '../../lib/data/zip';
import { have, SHARED_DATA, tmpDir } from '../helpers';

const run = promisify(execFile);
const HAVE = have(join(SHARED_DATA, 'scifact'), 'shared data sets');

/** A ZIP archive (deflate) of the given members; `stored` names are kept uncompressed. */
function makeZip(members: [string, Buffer][], stored: ReadonlySet<string> = new Set()): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of members) {
    const method = stored.has(name) ? 0 : 8;
    const body = method === 0 ? data : deflateRawSync(data);
    const nameBuf = Buffer.from(name, 'utf8');
    const head = Buffer.alloc(30);
    head.writeUInt32LE(0x04034b50, 0); head.writeUInt16LE(20, 4); head.writeUInt16LE(method, 8);
    head.writeUInt32LE(crc32(data), 14); head.writeUInt32LE(body.length, 18); head.writeUInt32LE(data.length, 22);
    head.writeUInt16LE(nameBuf.length, 26);
    const cen = Buffer.alloc(46);
    cen.writeUInt32LE(0x02014b50, 0); cen.writeUInt16LE(20, 4); cen.writeUInt16LE(20, 6); cen.writeUInt16LE(method, 10);
    cen.writeUInt32LE(crc32(data), 16); cen.writeUInt32LE(body.length, 20); cen.writeUInt32LE(data.length, 24);
    cen.writeUInt16LE(nameBuf.length, 28); cen.writeUInt32LE(offset, 42);
    locals.push(head, nameBuf, body);
    centrals.push(cen, nameBuf);
    offset += 30 + nameBuf.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(members.length, 8); end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(cd.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** Routes: /data/<path> = shared data; /corrupt/<path> = shared bytes with one byte changed; /zips/<name> = built zips. */
let server: Server;
let base = '';
const zips = new Map<string, Buffer>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const [, kind, ...rest] = path.split('/');
    const rel = rest.join('/');
    let body: Buffer | undefined;
    if (kind === 'zips') body = zips.get(rel);
    else if ((kind === 'data' || kind === 'corrupt') && existsSync(join(SHARED_DATA, rel)) && !rel.includes('..')) {
      body = readFileSync(join(SHARED_DATA, rel));
      if (kind === 'corrupt') { body = Buffer.from(body); body[100] = body[100]! ^ 0x20; }
    }
    if (!body) { res.statusCode = 404; res.end('not found'); return; }
    res.end(body);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

const gecko = async (args: string[], env: Record<string, string>) => {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/gecko.js', ...args], { env: { ...process.env, ...env }, cwd: join(__dirname, '..', '..') });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
};

describe.runIf(HAVE)('gecko data fetch (local server)', () => {
  it('fetches a data set from a mirror with --from, verifies every sha256, and the loaders read it', async () => {
    const root = tmpDir('gecko-fetch-');
    const r = await gecko(['data', 'fetch', 'stsbenchmark', '--from', `${base}/data/stsbenchmark`], { GECKO_DATA_DIR: root });
    expect(r.stderr).not.toMatch(/gecko data:/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/stsbenchmark -> .*: ok/);
    expect(r.stdout).toMatch(/sts-train\.csv\s+downloaded \(verified by sha256\)/);
    for (const f of getDataset('stsbenchmark').files) expect(sha256(readFileSync(join(root, 'stsbenchmark', f.path)))).toBe(f.sha256);
    expect(readdirSync(join(root, 'stsbenchmark')).filter((n) => n.includes('.download-'))).toEqual([]);
    expect(loadSts('stsbenchmark', 'train', { dataDir: root })).toHaveLength(5749);
    const again = await gecko(['data', 'fetch', 'stsbenchmark', '--from', `${base}/data/stsbenchmark`], { GECKO_DATA_DIR: root });
    expect(again.stdout).toMatch(/sts-train\.csv\s+present \(verified by sha256\)\s+already there/);
  });

  it('rejects a corrupted download, leaves no file behind, and exits 1', async () => {
    const root = tmpDir('gecko-fetch-');
    const r = await gecko(['data', 'fetch', 'mrpc', '--from', `${base}/corrupt/mrpc`], { GECKO_DATA_DIR: root });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/mrpc -> .*: NOT COMPLETE/);
    expect(r.stderr).toMatch(/sha256 mismatch for msr_paraphrase_train\.txt: expected 2b70c531/);
    expect(existsSync(join(root, 'mrpc', 'msr_paraphrase_train.txt'))).toBe(false);
    expect(existsSync(join(root, 'mrpc')) ? readdirSync(join(root, 'mrpc')) : []).toEqual([]);
  });

  it('a 404 and an unknown data set are clear errors', async () => {
    const root = tmpDir('gecko-fetch-');
    const r = await fetchDataset('banking77', { dataDir: root, rewriteUrl: () => `${base}/data/nope.csv` });
    expect(r.ok).toBe(false);
    expect(r.files[0]!.note).toMatch(/cannot download http:\/\/127\.0\.0\.1:\d+\/data\/nope\.csv: HTTP 404/);
    const u = await gecko(['data', 'fetch', 'msmarco'], { GECKO_DATA_DIR: root });
    expect(u.code).toBe(1);
    expect(u.stderr).toMatch(/unknown data set 'msmarco'[\s\S]*known data sets: scifact/);
  });

  it('an existing file that differs is kept and reported unless --force replaces it', async () => {
    const root = tmpDir('gecko-fetch-');
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(join(root, 'banking77'), { recursive: true });
    writeFileSync(join(root, 'banking77', 'test.csv'), 'text,category\nedited,card_arrival\n');
    const opts = { dataDir: root, from: `${base}/data/banking77` };
    const r = await fetchDataset('banking77', opts);
    expect(r.ok).toBe(false);
    expect(r.files[1]).toMatchObject({ path: 'test.csv', status: 'failed', note: expect.stringMatching(/differs from the registered sha256; use --force/) });
    expect(readFileSync(join(root, 'banking77', 'test.csv'), 'utf8')).toContain('edited');
    const forced = await fetchDataset('banking77', { ...opts, force: true });
    expect(forced.ok).toBe(true);
    expect(sha256(readFileSync(join(root, 'banking77', 'test.csv')))).toBe(getDataset('banking77').files[1]!.sha256);
  });

  it('canonical raw sources: each URL is fetched and checked (rewritten to the local server)', async () => {
    const root = tmpDir('gecko-fetch-');
    const rewriteUrl = (u: string) => `${base}/data/sick/${u.endsWith('SICK.txt') ? 'SICK.txt' : 'semeval2014/' + u.split('/').pop()}`;
    const r = await fetchDataset('sick', { dataDir: root, rewriteUrl });
    expect(r.files.map((f) => [f.path, f.status, f.verified])).toEqual(getDataset('sick').files.map((f) => [f.path, 'downloaded', 'sha256']));
    expect(r.ok).toBe(true);
  });

  it('Cranfield: SMART originals fetched (sha256), BEIR files rebuilt from them and verified by sha256', async () => {
    const root = tmpDir('gecko-fetch-');
    const r = await fetchDataset('cranfield', { dataDir: root, rewriteUrl: (u) => `${base}/data/cranfield/original/${u.split('/').pop()}` });
    expect(r.files.map((f) => [f.path, f.status, f.verified])).toEqual(getDataset('cranfield').files.map((f) => [f.path, 'downloaded', 'sha256']));
    expect(r.ok).toBe(true);
    expect(loadBeir('cranfield', 'test', { dataDir: root }).queries).toHaveLength(225);
    expect(datasetStatus('cranfield', root).state).toBe('available');
  });

  it('SciFact from the BEIR zip: identical members verify by sha256, reformatted ones by row count, wrong counts fail', async () => {
    const member = (p: string) => readFileSync(join(SHARED_DATA, 'scifact', p));
    const queries = member('queries.jsonl').toString('utf8').replace(/": "/g, '":"'); // same rows, other bytes
    zips.set('scifact.zip', makeZip([
      ['scifact/corpus.jsonl', member('corpus.jsonl')], ['scifact/queries.jsonl', Buffer.from(queries)],
      ['scifact/qrels/test.tsv', member('qrels/test.tsv')], ['scifact/qrels/train.tsv', Buffer.from('query-id\tcorpus-id\tscore\n1\t2\t1\n')],
    ], new Set(['scifact/qrels/test.tsv'])));
    const root = tmpDir('gecko-fetch-');
    const r = await fetchDataset('scifact', { dataDir: root, rewriteUrl: (u) => `${base}/zips/${u.split('/').pop()}` });
    const by = Object.fromEntries(r.files.map((f) => [f.path, f]));
    expect(by['corpus.jsonl']).toMatchObject({ status: 'downloaded', verified: 'sha256', rows: 5183 });
    expect(by['queries.jsonl']).toMatchObject({ status: 'downloaded', verified: 'rows', rows: 1109 });
    expect(by['qrels/test.tsv']).toMatchObject({ status: 'downloaded', verified: 'sha256' });
    expect(by['qrels/train.tsv']!.status).toBe('failed');
    expect(by['qrels/train.tsv']!.note).toMatch(/qrels\/train\.tsv has 1 rows, SOURCE\.md says 919/);
    expect(existsSync(join(root, 'scifact', 'qrels', 'train.tsv'))).toBe(false);
    expect(by['claims_dev.jsonl']!.status).toBe('unavailable');
    expect(r.ok).toBe(false);
    expect(datasetStatus('scifact', root).state).toBe('incomplete');
  });

  it('optional files (SciFact claims) may be missing: the data set is still available', async () => {
    const root = tmpDir('gecko-fetch-');
    const r = await fetchDataset('scifact', { dataDir: root, rewriteUrl: (u) => `${base}/zips/${u.split('/').pop()}` });
    expect(r.files.filter((f) => f.status === 'unavailable').map((f) => f.path)).toEqual(['claims_train.jsonl', 'claims_dev.jsonl', 'claims_test.jsonl']);
    // train.tsv in the test zip is short; put the real one in place to see the optional files alone.
    const { copyFileSync } = await import('node:fs');
    copyFileSync(join(SHARED_DATA, 'scifact', 'qrels', 'train.tsv'), join(root, 'scifact', 'qrels', 'train.tsv'));
    expect(datasetStatus('scifact', root).state).toBe('available');
  });

  it('BBC News from bbc-fulltext.zip: the conversion reproduces the shared JSONL byte for byte', async () => {
    const articles = readFileSync(join(SHARED_DATA, 'bbc_news', 'bbc_fulltext.jsonl'), 'utf8').trim().split('\n')
      .map((l) => JSON.parse(l) as { id: string; text: string });
    // Shuffled member order, and sport/199 in Latin-1 as in the original archive.
    const members = articles.map((a): [string, Buffer] =>
      [`bbc/${a.id}.txt`, Buffer.from(a.text, a.id === 'sport/199' ? 'latin1' : 'utf8')]).reverse();
    zips.set('bbc-fulltext.zip', makeZip([['bbc/README.TXT', Buffer.from('readme')], ...members]));
    const root = tmpDir('gecko-fetch-');
    const r = await fetchDataset('bbc_news', { dataDir: root, rewriteUrl: (u) => `${base}/zips/${u.split('/').pop()}` });
    expect(r.files).toEqual([expect.objectContaining({ path: 'bbc_fulltext.jsonl', status: 'downloaded', verified: 'sha256', rows: 2225 })]);
    expect(r.ok).toBe(true);
  });
});

describe.runIf(HAVE)('gecko datasets', () => {
  it('lists all nineteen as available on the shared data', async () => {
    const r = await gecko(['datasets'], { GECKO_DATA_DIR: SHARED_DATA });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/banking77\s+available\s+3\/3\s+13,160\/13,160\s+classification\s+CC BY 4\.0/);
    expect(r.stdout.match(/ available /g)).toHaveLength(19);
    expect(r.stdout).not.toMatch(/fix:/);
    const j = JSON.parse((await gecko(['datasets', '--json'], { GECKO_DATA_DIR: SHARED_DATA })).stdout);
    expect(j.datasets.find((d: any) => d.name === 'sick').files.find((f: any) => f.path === 'semeval2014/SICK_test_annotated.txt'))
      .toEqual({ path: 'semeval2014/SICK_test_annotated.txt', optional: false, present: true, expectedRows: 4927, rows: 4927 });
  });

  it('with an empty data directory: every data set missing, exit 0, and a fix line', async () => {
    const root = tmpDir('gecko-empty-');
    const r = await gecko(['datasets'], { GECKO_DATA_DIR: root });
    expect(r.code).toBe(0);
    expect(r.stdout.match(/ missing /g)).toHaveLength(19);
    expect(r.stdout).toContain(`scifact: folder ${join(root, 'scifact')} not found or empty`);
    expect(r.stdout).toMatch(/fix: run `npx gecko data fetch NAME`[\s\S]*or set GECKO_DATA_DIR to a folder that holds them/);
  });
});

describe('zip reader', () => {
  it('crc32 check value and round trip of stored and deflated members', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    const zip = makeZip([['a.txt', Buffer.from('hello hello hello')], ['d/b.txt', Buffer.from('')]], new Set(['a.txt']));
    const entries = readZip(zip);
    expect([...entries.keys()]).toEqual(['a.txt', 'd/b.txt']);
    expect(entries.get('a.txt')!.read().toString()).toBe('hello hello hello');
  });

  it('a damaged member or a non-zip is a DataError', () => {
    const zip = makeZip([['a.txt', Buffer.from('hello')]], new Set(['a.txt']));
    zip[31 + 'a.txt'.length - 1] ^= 1; // flip a data byte of the stored member
    expect(() => readZip(zip, 'x.zip').get('a.txt')!.read()).toThrow(/x\.zip: a\.txt: CRC-32 or size check failed/);
    expect(() => readZip(Buffer.from('not a zip at all, clearly not'), 'y.zip')).toThrow(/y\.zip: not a ZIP archive/);
  });
});
