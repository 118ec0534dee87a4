// `gecko data fetch` over a bad network, against local servers on 127.0.0.1: a server that
// resets the first connection (or answers 503 once) must still give a verified download, and
// HTTP_PROXY must route the requests through a (local, recording) proxy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fetchDataset } from '../../lib/data/fetch';
import { proxyFor } from '../../lib/data/http';
import { have, SHARED_DATA, tmpDir } from '../helpers';

const HAVE = have(join(SHARED_DATA, 'banking77'), 'shared data sets');

let origin: Server;
let proxy: Server;
let originUrl = '';
let proxyUrl = '';
/** Per path prefix: how many first requests fail, and how ('reset' or 'http503'). */
const faults = new Map<string, { left: number; how: 'reset' | 'http503' }>();
const proxied: string[] = [];

const listen = (s: Server) => new Promise<string>((ok) => s.listen(0, '127.0.0.1', () => ok(`http://127.0.0.1:${(s.address() as AddressInfo).port}`)));

beforeAll(async () => {
  // /<fault>/<dataset>/<file>: shared data, after the fault registered for <fault> is used up.
  origin = createServer((req, res) => {
    const [, fault, ...rest] = new URL(req.url ?? '/', 'http://x').pathname.split('/');
    const f = faults.get(fault ?? '');
    if (f && f.left > 0) {
      f.left--;
      if (f.how === 'reset') req.socket.destroy();
      else { res.statusCode = 503; res.end('busy'); }
      return;
    }
    const path = join(SHARED_DATA, ...rest);
    if (rest.includes('..') || !existsSync(path)) { res.statusCode = 404; res.end(); return; }
    res.end(readFileSync(path));
  });
  // A forward proxy for plain http: records each absolute-URI request, then relays it.
  proxy = createServer((req, res) => {
    proxied.push(req.url ?? '');
    const up = request(req.url ?? '', { headers: req.headers }, (r) => { res.writeHead(r.statusCode ?? 502, r.headers); r.pipe(res); });
    up.on('error', () => { res.statusCode = 502; res.end(); });
    up.end();
  });
  originUrl = await listen(origin);
  proxyUrl = await listen(proxy);
});
afterAll(async () => {
  await new Promise<void>((ok) => origin.close(() => ok()));
  await new Promise<void>((ok) => proxy.close(() => ok()));
});

describe.skipIf(!HAVE)('data fetch retries and proxy', () => {
  it('a connection reset on the first request is retried and the download verifies', async () => {
    faults.set('reset', { left: 1, how: 'reset' });
    const retried: string[] = [];
    const r = await fetchDataset('banking77', {
      dataDir: tmpDir('gecko-fetch-'),
      from: `${originUrl}/reset/banking77`,
      retry: { baseMs: 1, onRetry: (e) => retried.push((e as Error & { code?: string }).code ?? e.message) },
    });
    expect(r.files.map((f) => f.status)).toEqual(r.files.map(() => 'downloaded'));
    expect(r.ok).toBe(true);
    expect(retried).toEqual(['ECONNRESET']);
  });

  it('HTTP 503 is retried; a fault that outlasts the tries is a clear error', async () => {
    faults.set('busy', { left: 1, how: 'http503' });
    const ok = await fetchDataset('banking77', { dataDir: tmpDir('gecko-fetch-'), from: `${originUrl}/busy/banking77`, retry: { baseMs: 1 } });
    expect(ok.ok).toBe(true);
    faults.set('down', { left: 100, how: 'reset' });
    const bad = await fetchDataset('banking77', { dataDir: tmpDir('gecko-fetch-'), from: `${originUrl}/down/banking77`, retry: { baseMs: 1, attempts: 2 } });
    expect(bad.ok).toBe(false);
    expect(bad.files[0]!.note).toMatch(/cannot download http:\/\/127\.0\.0\.1:\d+\/down\/banking77\/.*: ECONNRESET/);
  });

  it('HTTP_PROXY routes the requests through the proxy', async () => {
    const saved = { HTTP_PROXY: process.env.HTTP_PROXY, NO_PROXY: process.env.NO_PROXY };
    process.env.HTTP_PROXY = proxyUrl;
    process.env.NO_PROXY = '';
    proxied.length = 0;
    try {
      const r = await fetchDataset('banking77', { dataDir: tmpDir('gecko-fetch-'), from: `${originUrl}/plain/banking77` });
      expect(r.ok).toBe(true);
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
    expect(proxied.length).toBeGreaterThan(0);
    expect(proxied.every((u) => u.startsWith(`${originUrl}/plain/banking77/`))).toBe(true);
  });
});

describe('proxyFor', () => {
  it('picks HTTPS_PROXY or HTTP_PROXY by scheme and respects NO_PROXY', () => {
    const env = { HTTPS_PROXY: 'http://p:3128', HTTP_PROXY: 'p2:8080', NO_PROXY: 'localhost,.internal' };
    expect(proxyFor(new URL('https://github.com/x'), env)?.href).toBe('http://p:3128/');
    expect(proxyFor(new URL('http://example.org/x'), env)?.href).toBe('http://p2:8080/');
    expect(proxyFor(new URL('http://a.internal/x'), env)).toBeUndefined();
    expect(proxyFor(new URL('http://localhost/x'), env)).toBeUndefined();
    expect(proxyFor(new URL('http://example.org/x'), {})).toBeUndefined();
  });
});
