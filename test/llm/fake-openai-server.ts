// A fake OpenAI-compatible server on 127.0.0.1 (random port) that speaks the real HTTP API:
// chat completions (with logprobs / top_logprobs), legacy completions (echo + logprobs),
// embeddings (float and base64), files (multipart upload, content) and batches.
// Its "model" is deterministic and simple (see below) so tests can compute answers by hand.
// Failure modes: 429 with Retry-After, 500s, timeouts (no answer), malformed JSON bodies,
// truncated answers (finish_reason 'length'), non-JSON model content, and servers whose
// completions logprobs lack the prompt (llama.cpp style) or are missing.
// Used by test/llm/*, the FRet tests and bench/llm.ts.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';

/** 'echo-auth' is a 401 whose message repeats the Authorization header (a worst case for leaks). */
export type Failure = '429' | '500' | 'timeout' | 'malformed-json' | 'truncated' | 'bad-content' | 'echo-auth';

export interface FakeServerOptions {
  /** Delay before every answer, in ms (default 0). */
  latencyMs?: number;
  /**
   * Completions echo logprobs: 'vllm' (first token null, default), 'full', 'generated-only' (llama.cpp),
   * 'none', or 'no-endpoint' (404 on /v1/completions, as OpenAI answers for chat-only models).
   */
  promptLogprobs?: 'vllm' | 'full' | 'generated-only' | 'none' | 'no-endpoint';
  /** Retry-After seconds sent with 429 and 500 (default 0.05). */
  retryAfterSeconds?: number;
  /** Batches report 'in_progress' this many times before 'completed' (default 1). */
  batchPolls?: number;
  /**
   * A fault plan: the n-th model request (0-based, counted in arrival order, after any queued
   * failNext failures) fails this way, or not (undefined). Deterministic for a client that
   * sends one request at a time. E.g. every 4th request: (n) => n % 4 === 3 ? '429' : undefined.
   */
  faults?: (n: number) => Failure | undefined;
  /** Hold every model request unanswered until `release()` lets it go (oldest first). */
  hold?: boolean;
}

export interface RecordedCall {
  method: string;
  path: string;
  body: any;
  headers: Record<string, string | string[] | undefined>;
  at: number;
}

export interface FakeOpenAiServer {
  /** e.g. http://127.0.0.1:PORT/v1 */
  baseURL: string;
  /** Every request received, in order (including failed attempts). */
  calls: RecordedCall[];
  /** Calls to model endpoints (chat, completions, embeddings) only. */
  modelCalls(): RecordedCall[];
  /** The next `count` model requests fail this way (queued after already queued failures). */
  failNext(failure: Failure, count?: number): void;
  /** Most model requests that were in flight at once (counted up on arrival, down just before the answer). */
  maxInFlight(): number;
  /** Resolves once at least `n` model requests have arrived (an event, not a poll). */
  waitForModelCalls(n: number): Promise<void>;
  /** With `hold`, let the oldest held model request be answered. */
  release(): void;
  options: FakeServerOptions;
  close(): Promise<void>;
}

/** The fake model's log-probability of an echoed prompt token: -0.25 * (1 + (visible length mod 4)). */
export function fakeTokenLogprob(token: string): number {
  return -0.25 * (1 + (token.trim().length % 4));
}

/** The fake tokenizer: each word with its leading whitespace. */
export function fakeTokenize(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

/** The fake relevance: P(yes) = 0.05 + 0.9 * (fraction of query words found in the passage). */
export function fakeYesProbability(query: string, passage: string): number {
  const words = (s: string) => s.toLowerCase().match(/[a-z0-9]+/g) ?? [];
  const p = new Set(words(passage));
  const q = words(query);
  return 0.05 + 0.9 * (q.length ? q.filter((w) => p.has(w)).length / q.length : 0);
}

/** The fake query writer: words seed%3 .. seed%3+6 of the passage, lowercased. */
export function fakeQuery(passage: string, seed: number): string {
  const w = passage.toLowerCase().match(/[a-z0-9]+/g) ?? ['empty'];
  const s = w.length > 6 ? seed % 3 : 0;
  return w.slice(s, s + 6).join(' ');
}

const lastSection = (text: string, label: string) => {
  const i = text.lastIndexOf(`${label}: `);
  return i < 0 ? '' : text.slice(i + label.length + 2).split('\n')[0]!;
};

function usage(promptText: string, completion: number) {
  const p = Math.ceil(promptText.length / 4);
  return { prompt_tokens: p, completion_tokens: completion, total_tokens: p + completion };
}

function chatAnswer(body: any, failure: Failure | undefined): any {
  const messages: { content: string }[] = body.messages ?? [];
  const promptText = messages.map((m) => m.content).join('\n');
  const user = messages[messages.length - 1]?.content ?? '';
  const base = { id: 'chatcmpl-fake', object: 'chat.completion', created: 0, model: body.model };
  if (body.logprobs) {
    const p = fakeYesProbability(lastSection(user, 'Query'), lastSection(user, 'Passage'));
    const top = [
      { token: 'Yes', logprob: Math.log(p) },
      { token: 'No', logprob: Math.log(1 - p) },
      { token: ' The', logprob: -9 },
      { token: 'Maybe', logprob: -10 },
    ]
      .sort((a, b) => b.logprob - a.logprob)
      .slice(0, Math.max(1, body.top_logprobs ?? 1))
      .map((t) => ({ ...t, bytes: null }));
    return {
      ...base,
      usage: usage(promptText, 1),
      choices: [
        {
          index: 0,
          finish_reason: 'length',
          message: { role: 'assistant', content: top[0]!.token },
          logprobs: {
            content: [{ token: top[0]!.token, logprob: top[0]!.logprob, bytes: null, top_logprobs: top }],
            refusal: null,
          },
        },
      ],
    };
  }
  const passage = lastSection(user, 'Passage');
  let content = JSON.stringify({
    task: 'Given a question, retrieve a passage that answers the question',
    query: fakeQuery(passage, body.seed ?? 0),
  });
  let finish = 'stop';
  if (failure === 'truncated') {
    content = content.slice(0, Math.floor(content.length / 2));
    finish = 'length';
  }
  if (failure === 'bad-content') content = 'Sure! Here is a query about the passage.';
  return {
    ...base,
    usage: usage(promptText, Math.ceil(content.length / 4)),
    choices: [{ index: 0, finish_reason: finish, message: { role: 'assistant', content }, logprobs: null }],
  };
}

function completionAnswer(body: any, mode: FakeServerOptions['promptLogprobs']): any {
  const prompt: string = Array.isArray(body.prompt) ? body.prompt[0] : body.prompt;
  const generated = (body.max_tokens ?? 16) > 0 ? [' end'] : [];
  const base = {
    id: 'cmpl-fake',
    object: 'text_completion',
    created: 0,
    model: body.model,
    usage: usage(prompt, generated.length),
  };
  const text = (body.echo ? prompt : '') + generated.join('');
  if (body.logprobs === undefined || body.logprobs === null || mode === 'none')
    return { ...base, choices: [{ index: 0, text, finish_reason: 'length', logprobs: null }] };
  if (mode === 'generated-only') {
    return {
      ...base,
      choices: [
        {
          index: 0,
          text,
          finish_reason: 'length',
          logprobs: {
            tokens: generated,
            token_logprobs: generated.map(() => -0.5),
            top_logprobs: generated.map(() => ({ ' end': -0.5 })),
          },
        },
      ],
    };
  }
  const tokens = [...(body.echo ? fakeTokenize(prompt) : []), ...generated];
  const offsets: number[] = [];
  let off = body.echo ? 0 : prompt.length;
  for (const t of tokens) {
    offsets.push(off);
    off += t.length;
  }
  const lps: (number | null)[] = tokens.map((t, i) =>
    i >= tokens.length - generated.length ? -0.5 : fakeTokenLogprob(t),
  );
  if (body.echo && mode === 'vllm' && lps.length) lps[0] = null;
  return {
    ...base,
    choices: [
      {
        index: 0,
        text,
        finish_reason: 'length',
        logprobs: {
          tokens,
          token_logprobs: lps,
          top_logprobs: tokens.map((t, i) => (lps[i] === null ? null : { [t]: lps[i] })),
          text_offset: offsets,
        },
      },
    ],
  };
}

function embeddingAnswer(body: any): any {
  const inputs: string[] = Array.isArray(body.input) ? body.input : [body.input];
  const dim = body.dimensions ?? 8;
  const data = inputs.map((text, index) => {
    const h = createHash('sha256').update(String(text)).digest();
    const v = new Float32Array(dim);
    for (let i = 0; i < dim; i++) v[i] = (h[i % 32]! - 127.5) / 127.5;
    const n = Math.hypot(...v);
    for (let i = 0; i < dim; i++) v[i]! /= n;
    const embedding = body.encoding_format === 'base64' ? Buffer.from(v.buffer).toString('base64') : Array.from(v);
    return { object: 'embedding', index, embedding };
  });
  return {
    object: 'list',
    model: body.model,
    data,
    usage: { prompt_tokens: inputs.join(' ').length, total_tokens: inputs.join(' ').length },
  };
}

/**
 * Start the fake server.
 * @example const server = await startFakeOpenAiServer({ latencyMs: 50 }); const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'k' });
 */
export async function startFakeOpenAiServer(options: FakeServerOptions = {}): Promise<FakeOpenAiServer> {
  const calls: RecordedCall[] = [];
  const failures: Failure[] = [];
  const files = new Map<string, { id: string; filename: string; purpose: string; content: string }>();
  const batches = new Map<string, any>();
  let nextId = 1;

  const modelPaths = ['/v1/chat/completions', '/v1/completions', '/v1/embeddings'];
  const answerModel = (path: string, body: any, failure?: Failure): any =>
    path === '/v1/chat/completions'
      ? chatAnswer(body, failure)
      : path === '/v1/completions'
        ? completionAnswer(body, options.promptLogprobs ?? 'vllm')
        : embeddingAnswer(body);

  let inFlight = 0,
    maxInFlight = 0,
    modelRequests = 0;
  const modelCalls = () => calls.filter((c) => modelPaths.includes(c.path));
  const waiters: { n: number; resolve: () => void }[] = [];
  const held: (() => void)[] = [];
  let releases = 0; // releases asked for before the request arrived
  const handle = async (req: IncomingMessage, res: ServerResponse, raw: Buffer) => {
    const isModel = req.method === 'POST' && modelPaths.includes(new URL(req.url ?? '/', 'http://x').pathname);
    let open = isModel;
    const settle = () => {
      if (open) inFlight--;
      open = false;
    };
    if (isModel) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      res.on('close', settle);
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    const isJson = (req.headers['content-type'] ?? '').includes('application/json');
    let body: any = null;
    if (isJson && raw.length) body = JSON.parse(raw.toString('utf8'));
    calls.push({ method: req.method ?? '', path, body, headers: { ...req.headers }, at: Date.now() });
    if (isModel) {
      const n = modelCalls().length;
      for (const w of waiters.filter((x) => x.n <= n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
    const send = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      settle(); // before the bytes leave, so the client cannot start its next request first
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(typeof value === 'string' ? value : JSON.stringify(value));
    };
    if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
    if (isModel && options.hold) {
      if (releases > 0) releases--;
      else await new Promise<void>((r) => held.push(r));
    }

    if (req.method === 'POST' && modelPaths.includes(path)) {
      const failure = failures.shift() ?? options.faults?.(modelRequests++);
      if (failure === 'echo-auth')
        return send(401, {
          error: { message: `Incorrect API key provided: ${req.headers.authorization}`, type: 'invalid_request_error' },
        });
      if (failure === '429')
        return send(
          429,
          { error: { message: 'Rate limit reached', type: 'rate_limit' } },
          { 'retry-after': String(options.retryAfterSeconds ?? 0.05) },
        );
      if (failure === '500')
        return send(
          500,
          { error: { message: 'internal error', type: 'server_error' } },
          { 'retry-after': String(options.retryAfterSeconds ?? 0.05) },
        );
      if (failure === 'timeout') return; // never answer; the client times out (the socket is closed on server close)
      if (path === '/v1/completions' && options.promptLogprobs === 'no-endpoint') {
        return send(404, {
          error: {
            message: 'This is a chat model and not supported in the v1/completions endpoint.',
            type: 'invalid_request_error',
          },
        });
      }
      if (failure === 'malformed-json') return send(200, '{"id": "chatcmpl-x", "choices": [{"index": 0, "mess');
      return send(200, answerModel(path, body, failure));
    }
    if (req.method === 'POST' && path === '/v1/files') {
      const form = await new Response(raw, {
        headers: { 'content-type': req.headers['content-type'] ?? '' },
      }).formData();
      const file = form.get('file') as File;
      const id = `file-${nextId++}`;
      const rec = { id, filename: file.name, purpose: String(form.get('purpose')), content: await file.text() };
      files.set(id, rec);
      return send(200, {
        id,
        object: 'file',
        bytes: rec.content.length,
        created_at: 0,
        filename: rec.filename,
        purpose: rec.purpose,
        status: 'processed',
      });
    }
    const fileMatch = /^\/v1\/files\/([^/]+)(\/content)?$/.exec(path);
    if (req.method === 'GET' && fileMatch) {
      const f = files.get(fileMatch[1]!);
      if (!f) return send(404, { error: { message: `no such file ${fileMatch[1]}` } });
      if (fileMatch[2]) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        return res.end(f.content);
      }
      return send(200, {
        id: f.id,
        object: 'file',
        bytes: f.content.length,
        created_at: 0,
        filename: f.filename,
        purpose: f.purpose,
      });
    }
    if (req.method === 'POST' && path === '/v1/batches') {
      const input = files.get(body.input_file_id);
      if (!input) return send(400, { error: { message: `unknown input_file_id ${body.input_file_id}` } });
      const id = `batch-${nextId++}`;
      batches.set(id, {
        id,
        object: 'batch',
        endpoint: body.endpoint,
        input_file_id: body.input_file_id,
        completion_window: body.completion_window,
        status: 'validating',
        created_at: 0,
        metadata: body.metadata ?? null,
        output_file_id: null,
        error_file_id: null,
        polls: 0,
        request_counts: { total: 0, completed: 0, failed: 0 },
      });
      const { polls, ...pub } = batches.get(id);
      return send(200, pub);
    }
    const batchMatch = /^\/v1\/batches\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && batchMatch) {
      const b = batches.get(batchMatch[1]!);
      if (!b) return send(404, { error: { message: 'no such batch' } });
      b.polls++;
      if (b.status !== 'completed' && b.polls > (options.batchPolls ?? 1)) {
        const lines = files
          .get(b.input_file_id)!
          .content.split('\n')
          .filter((l) => l.trim());
        const out = lines.map((l) => {
          const r = JSON.parse(l);
          return JSON.stringify({
            id: `resp-${r.custom_id}`,
            custom_id: r.custom_id,
            error: null,
            response: { status_code: 200, request_id: 'req', body: answerModel(r.url, r.body) },
          });
        });
        const outId = `file-${nextId++}`;
        files.set(outId, {
          id: outId,
          filename: 'output.jsonl',
          purpose: 'batch_output',
          content: out.join('\n') + '\n',
        });
        Object.assign(b, {
          status: 'completed',
          output_file_id: outId,
          request_counts: { total: lines.length, completed: lines.length, failed: 0 },
        });
      } else if (b.status === 'validating') b.status = 'in_progress';
      const { polls, ...pub } = b;
      return send(200, pub);
    }
    if (req.method === 'GET' && path === '/fake/stats')
      return send(200, { modelCalls: calls.filter((c) => modelPaths.includes(c.path)).length, maxInFlight });
    return send(404, { error: { message: `fake server: no route ${req.method} ${path}` } });
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks)).catch((e) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { message: String(e) } }));
        }
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    calls,
    options,
    modelCalls,
    maxInFlight: () => maxInFlight,
    waitForModelCalls: (n) =>
      modelCalls().length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve })),
    release() {
      const next = held.shift();
      if (next) next();
      else releases++;
    },
    failNext(failure, count = 1) {
      for (let i = 0; i < count; i++) failures.push(failure);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
