// HTTP(S) GET for `gecko data fetch`, on node:http/https (undici's ProxyAgent is not installed):
// - follows redirects (up to 10);
// - honours HTTPS_PROXY / HTTP_PROXY / NO_PROXY (lower-case too): plain http goes to the proxy
//   with an absolute URI, https through a CONNECT tunnel;
// - retries connection errors (ECONNRESET, ECONNREFUSED, ...) and HTTP 5xx with bounded
//   exponential backoff (withRetries), so a flaky server or network does not fail a fetch.
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import type { Socket } from 'node:net';
import { GeckoError } from '../core/errors';

/** Error codes worth another try: the connection failed or broke, not the request. */
const RETRYABLE = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** An HTTP status error; 5xx ones are retried. */
export class HttpStatusError extends Error {
  constructor(
    readonly url: string,
    readonly status: number,
    statusText: string,
  ) {
    super(`HTTP ${status} ${statusText}`);
  }
}

export interface RetryOptions {
  /** Tries in all (default 5). */
  attempts?: number;
  /** First delay in ms, doubled each try, capped at 8 s (default 500). */
  baseMs?: number;
  /** Called before each retry (logging). */
  onRetry?: (err: Error, attempt: number, delayMs: number) => void;
}

/** True for errors a retry may fix: connection errors and HTTP 5xx. */
export function isRetryable(e: unknown): boolean {
  if (e instanceof HttpStatusError) return e.status >= 500;
  const code = (e as { code?: string } | null)?.code;
  return typeof code === 'string' && RETRYABLE.has(code);
}

/**
 * Run `fn` until it succeeds, retrying retryable errors with bounded backoff.
 * @example await withRetries(() => download(url, tmp), { attempts: 3 })
 */
export async function withRetries<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const attempts = Math.max(1, opts.attempts ?? 5);
  const base = opts.baseMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (attempt >= attempts || !isRetryable(e)) throw e;
      const delay = Math.min(8000, base * 2 ** (attempt - 1));
      opts.onRetry?.(e as Error, attempt, delay);
      await new Promise((ok) => setTimeout(ok, delay));
    }
  }
}

/** The proxy for `url` from the environment, or undefined (none set, or the host is in NO_PROXY). */
export function proxyFor(url: URL, env: NodeJS.ProcessEnv = process.env): URL | undefined {
  const noProxy = (env.NO_PROXY ?? env.no_proxy ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const host = url.hostname.toLowerCase();
  if (noProxy.some((h) => h === '*' || host === h.replace(/^\./, '') || host.endsWith(h.startsWith('.') ? h : `.${h}`))) return undefined;
  const p = url.protocol === 'https:' ? (env.HTTPS_PROXY ?? env.https_proxy) : (env.HTTP_PROXY ?? env.http_proxy);
  if (!p) return undefined;
  try {
    return new URL(p.includes('://') ? p : `http://${p}`);
  } catch {
    throw new GeckoError(`the proxy setting '${p}' is not a URL`, 'set HTTPS_PROXY/HTTP_PROXY to e.g. http://proxy.example:3128');
  }
}

function proxyAuth(proxy: URL): Record<string, string> {
  if (!proxy.username) return {};
  const cred = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { 'proxy-authorization': `Basic ${Buffer.from(cred).toString('base64')}` };
}

/** A CONNECT tunnel to `url`'s host through `proxy`. */
function tunnel(proxy: URL, url: URL): Promise<Socket> {
  const port = url.port || '443';
  return new Promise((ok, fail) => {
    const req = http.request({
      host: proxy.hostname,
      port: proxy.port || 80,
      method: 'CONNECT',
      path: `${url.hostname}:${port}`,
      headers: { host: `${url.hostname}:${port}`, ...proxyAuth(proxy) },
    });
    req.once('connect', (res, socket) => {
      if (res.statusCode === 200) ok(socket);
      else {
        socket.destroy();
        fail(new HttpStatusError(proxy.href, res.statusCode ?? 0, `from the proxy for CONNECT ${url.host}`));
      }
    });
    req.once('error', fail);
    req.end();
  });
}

/** One GET, no redirects; resolves with the response (headers received). */
async function getOnce(url: URL): Promise<IncomingMessage> {
  const proxy = proxyFor(url);
  const headers = { 'user-agent': 'gecko-workbench' };
  let req: http.ClientRequest;
  if (!proxy) {
    req = (url.protocol === 'https:' ? https : http).request(url, { headers });
  } else if (url.protocol === 'http:') {
    req = http.request({ host: proxy.hostname, port: proxy.port || 80, path: url.href, headers: { ...headers, host: url.host, ...proxyAuth(proxy) } });
  } else {
    const socket = await tunnel(proxy, url);
    req = https.request(url, { headers, createConnection: () => tlsConnect({ socket, servername: url.hostname }) });
  }
  return new Promise((ok, fail) => {
    req.once('response', ok);
    req.once('error', fail);
    req.end();
  });
}

/**
 * GET `url`, following redirects; resolves with a 2xx response, else throws HttpStatusError.
 * Connection errors reject with the socket error (its `code` says which).
 */
export async function httpGet(url: string): Promise<IncomingMessage> {
  let current = new URL(url);
  for (let hop = 0; hop <= 10; hop++) {
    if (current.protocol !== 'http:' && current.protocol !== 'https:') throw new GeckoError(`cannot download ${current.href}: only http and https URLs`);
    const res = await getOnce(current);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      res.resume();
      current = new URL(res.headers.location, current);
      continue;
    }
    if (status < 200 || status >= 300) {
      res.resume();
      throw new HttpStatusError(current.href, status, res.statusMessage ?? '');
    }
    return res;
  }
  throw new GeckoError(`cannot download ${url}: more than 10 redirects`);
}
