// The OpenAI-compatible provider (OpenAI, vLLM, Ollama, llama.cpp server, LM Studio) on the
// `openai` package. Relevance labels: chat completions with logprobs + top_logprobs.
// Query likelihood: the legacy completions endpoint with echo + logprobs; servers differ
// there (vLLM returns null for the first token, llama.cpp silently returns only generated
// tokens), so a known-answer probe must pass before such scores are trusted (LlmTeacher runs it).
// Retries with backoff (honouring Retry-After / retry-after-ms on 408/409/429/5xx) and the
// timeout are the client's own, configured here. The API key is passed to the client only.
import OpenAI from 'openai';
import { ConfigError, GeckoError } from '../core/errors';
import { readEnv } from '../core/env';
import type { Logger } from '../core/log';
import { silentLogger } from '../core/log';
import { LlmOutputError, redact } from './errors';
import { runOpenAiBatch, type BatchLine } from './openai-batch';
import type {
  BatchOp,
  BatchSupport,
  ContinuationRequest,
  ContinuationResult,
  GenerateRequest,
  GenerateResult,
  LabelRequest,
  LabelResult,
  LlmProvider,
  ProbeResult,
  ProviderCapabilities,
  TokenCounts,
} from './provider';

export const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

export interface OpenAiProviderOptions {
  model: string;
  /** Default: OPENAI_API_KEY. Local servers accept any key; 'none' is sent when a base URL is set and no key is. */
  apiKey?: string;
  /** Default: OPENAI_BASE_URL, else the OpenAI API. */
  baseURL?: string;
  /** Per-request timeout (default 60 s). */
  timeoutMs?: number;
  /** Retries on 408/409/429/5xx/connection errors, honouring Retry-After (default 4). */
  maxRetries?: number;
  /** How many top logprobs to ask for in relevance classification (OpenAI allows up to 20). */
  topLogprobs?: number;
  /** How the JSON answer is requested: a json_schema response_format, json_object, or the prompt alone. */
  jsonMode?: 'schema' | 'object' | 'none';
  log?: Logger;
}

type Body = Record<string, unknown>;

/**
 * fetch that says what it is waiting for: a line every 10 s while a request is open, and one
 * per failed attempt (the client then retries, up to maxRetries). No URL query or key is logged.
 */
function watchedFetch(log: Logger, timeoutMs: number, maxRetries: number): typeof fetch {
  return async (input, init) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const where = `${url.host}${url.pathname}`;
    const t0 = Date.now();
    const timer = setInterval(
      () =>
        log.info(
          `teacher: waiting for ${where} (${Math.round((Date.now() - t0) / 1000)}s of the ${Math.round(timeoutMs / 1000)}s timeout; up to ${maxRetries} retries)`,
        ),
      10_000,
    );
    timer.unref();
    try {
      return await fetch(input, init);
    } catch (e) {
      const cause = (e as { cause?: { message?: string } }).cause?.message ?? (e as Error).message;
      if ((e as Error).name !== 'AbortError')
        log.warn(`teacher: request to ${where} failed after ${Date.now() - t0} ms (${cause})`);
      else log.warn(`teacher: no answer from ${where} within ${Math.round(timeoutMs / 1000)}s`);
      throw e;
    } finally {
      clearInterval(timer);
    }
  };
}

/**
 * @example const p = new OpenAiProvider({ model: 'gpt-4o-mini' }); // key and base URL from the environment
 */
export class OpenAiProvider implements LlmProvider {
  readonly kind = 'openai';
  readonly model: string;
  readonly identity: Record<string, string>;
  readonly capabilities: ProviderCapabilities = {
    generate: true,
    jsonSchema: true,
    continuationLogprobs: true,
    labelLogprobs: true,
  };
  /** The SDK client (non-enumerable: it holds the key, so it must not be printed or serialised). */
  declare readonly client: OpenAI;
  readonly baseURL: string;
  private readonly topLogprobs: number;
  private readonly jsonMode: 'schema' | 'object' | 'none';
  /** Kept only to scrub it from errors; never logged, never in identity. */
  declare private readonly secret: string | undefined;

  constructor(opts: OpenAiProviderOptions) {
    this.model = opts.model;
    this.baseURL = (opts.baseURL ?? readEnv('OPENAI_BASE_URL') ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
    let apiKey = opts.apiKey ?? readEnv('OPENAI_API_KEY');
    if (!apiKey) {
      if (this.baseURL === DEFAULT_BASE_URL) {
        throw new ConfigError(
          'llm.teacher',
          `'openai:${opts.model}' needs an API key`,
          'set OPENAI_API_KEY, or OPENAI_BASE_URL to a local OpenAI-compatible server (vLLM, Ollama, llama.cpp, LM Studio)',
        );
      }
      apiKey = 'none';
    }
    Object.defineProperty(this, 'secret', { value: apiKey === 'none' ? undefined : apiKey, enumerable: false });
    const log = opts.log ?? silentLogger;
    const scrub = (args: unknown[]) =>
      redact(args.map((a) => (typeof a === 'string' ? a : safeJson(a))).join(' '), [this.secret]);
    const timeoutMs = opts.timeoutMs ?? 60_000;
    const maxRetries = opts.maxRetries ?? 4;
    const client = new OpenAI({
      apiKey,
      baseURL: this.baseURL,
      timeout: timeoutMs,
      maxRetries,
      fetch: watchedFetch(log, timeoutMs, maxRetries),
      logLevel: 'warn',
      logger: {
        error: (...a) => log.warn(scrub(a)),
        warn: (...a) => log.warn(scrub(a)),
        info: () => {},
        debug: () => {},
      },
    });
    Object.defineProperty(this, 'client', { value: client, enumerable: false });
    this.topLogprobs = opts.topLogprobs ?? 20;
    this.jsonMode = opts.jsonMode ?? 'schema';
    // Everything that shapes the request body beyond the teacher's request is part of the identity.
    this.identity = {
      kind: 'openai',
      model: this.model,
      baseURL: this.baseURL,
      jsonMode: this.jsonMode,
      topLogprobs: String(this.topLogprobs),
    };
  }

  /** The Batch API path: same bodies and parsers as the direct calls (half price on OpenAI). */
  readonly batch: BatchSupport = {
    request: (op: BatchOp, req: unknown) =>
      op === 'continuation'
        ? { url: '/v1/completions' as const, body: this.continuationBody(req as ContinuationRequest) }
        : {
            url: '/v1/chat/completions' as const,
            body: op === 'generate' ? this.generateBody(req as GenerateRequest) : this.labelsBody(req as LabelRequest),
          },
    parse: (op: BatchOp, req: unknown, body: unknown) =>
      op === 'generate'
        ? this.parseGenerate(body)
        : op === 'labels'
          ? this.parseLabels(req as LabelRequest, body)
          : this.parseContinuation(req as ContinuationRequest, body),
    run: (lines, opts) => runOpenAiBatch(this.client, lines as BatchLine[], opts),
  };

  /** What printing or serialising the provider shows: never the key. */
  toJSON(): Record<string, string> {
    return this.identity;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `OpenAiProvider ${JSON.stringify(this.identity)}`;
  }

  // ---- request bodies (also the lines of a Batch API file) and their parsers ----

  generateBody(req: GenerateRequest): Body {
    const body: Body = {
      model: this.model,
      messages: req.messages,
      temperature: req.temperature,
      seed: req.seed,
      max_tokens: req.maxTokens,
    };
    if (req.jsonSchema && this.jsonMode === 'schema')
      body.response_format = {
        type: 'json_schema',
        json_schema: { name: 'answer', schema: req.jsonSchema, strict: true },
      };
    else if (req.jsonSchema && this.jsonMode === 'object') body.response_format = { type: 'json_object' };
    return body;
  }

  parseGenerate(resp: unknown): GenerateResult {
    const choice = firstChoice(resp);
    const text = choice.message?.content;
    if (typeof text !== 'string')
      throw new LlmOutputError('malformed-response', 'chat completion without message content');
    return { text, truncated: choice.finish_reason === 'length', usage: usageOf(resp) };
  }

  labelsBody(req: LabelRequest): Body {
    return {
      model: this.model,
      messages: req.messages,
      max_tokens: 1,
      temperature: 0,
      seed: 0,
      logprobs: true,
      top_logprobs: this.topLogprobs,
    };
  }

  parseLabels(req: LabelRequest, resp: unknown): LabelResult {
    const first = firstChoice(resp).logprobs?.content?.[0];
    if (!first)
      throw new LlmOutputError(
        'no-logprobs',
        'chat completion without logprobs.content (does the server support logprobs?)',
      );
    const top: { token: string; logprob: number }[] = first.top_logprobs?.length ? first.top_logprobs : [first];
    const labelLogprobs: Record<string, number | null> = {};
    for (const label of req.labels) {
      const key = label.toLowerCase();
      // Tokens ' Yes', 'Yes', 'yes' all count for label 'yes' (log-sum-exp of their probabilities).
      const hits = top.filter((t) => t.token.trim().toLowerCase() === key).map((t) => t.logprob);
      labelLogprobs[key] = hits.length ? logSumExp(hits) : null;
    }
    return { labelLogprobs, floor: Math.min(...top.map((t) => t.logprob)), usage: usageOf(resp) };
  }

  continuationBody(req: ContinuationRequest): Body {
    // max_tokens 1 (not 0): more servers accept it; the generated token is cut off by its offset.
    return {
      model: this.model,
      prompt: req.prompt + req.continuation,
      echo: true,
      logprobs: 1,
      max_tokens: 1,
      temperature: 0,
    };
  }

  parseContinuation(req: ContinuationRequest, resp: unknown): ContinuationResult {
    const lp = firstChoice(resp).logprobs;
    const spans = tokenSpans(lp, req.prompt.length + req.continuation.length);
    if (!spans)
      throw new LlmOutputError(
        'no-logprobs',
        'completion without logprobs.tokens / token_logprobs (echo not supported?)',
      );
    const start = req.prompt.length,
      end = start + req.continuation.length;
    let logprob = 0,
      tokens = 0;
    for (const s of spans) {
      if (s.end <= start || s.start >= end) continue; // prompt token, or a generated token after the text
      if (s.logprob === null || !Number.isFinite(s.logprob))
        throw new LlmOutputError('no-logprobs', `no logprob for continuation token '${s.token}'`);
      logprob += s.logprob;
      tokens++;
    }
    return { logprob, tokens, usage: usageOf(resp) };
  }

  // ---- calls ----

  async generate(req: GenerateRequest): Promise<GenerateResult> {
    return this.parseGenerate(
      await this.send(() => this.client.chat.completions.create(this.generateBody(req) as never)),
    );
  }

  async labelLogprobs(req: LabelRequest): Promise<LabelResult> {
    return this.parseLabels(
      req,
      await this.send(() => this.client.chat.completions.create(this.labelsBody(req) as never)),
    );
  }

  async continuationLogprob(req: ContinuationRequest): Promise<ContinuationResult> {
    return this.parseContinuation(
      req,
      await this.send(() => this.client.completions.create(this.continuationBody(req) as never)),
    );
  }

  /**
   * Known-answer probe: echo a fixed prompt and check that the logprobs cover the prompt's own
   * tokens (reproducing its text, with finite logprobs <= 0 after the first token). A server that
   * returns only generated-token logprobs (llama.cpp) or none fails.
   */
  async probeContinuationLogprobs(): Promise<ProbeResult> {
    const prompt = 'one two three four five six seven eight nine ten';
    let resp: unknown;
    try {
      resp = await this.send(
        () =>
          this.client.completions.create({
            model: this.model,
            prompt,
            echo: true,
            logprobs: 1,
            max_tokens: 1,
            temperature: 0,
          }),
        true, // a probe: its statuses are judged here; a reply that is not the API's JSON stops the run
      );
    } catch (e) {
      // The endpoint or its options are not supported (404 chat-only model, 400 echo/logprobs refused, ...).
      if (e instanceof OpenAI.APIError && e.status !== undefined && [400, 404, 405, 422, 501].includes(e.status)) {
        return {
          ok: false,
          detail: `the completions endpoint with echo+logprobs failed at ${this.baseURL}: ${redact(e.message, [this.secret])}`,
        };
      }
      throw e;
    }
    const spans = tokenSpans(firstChoice(resp).logprobs, Infinity);
    if (!spans) return { ok: false, detail: `${this.baseURL} returned no token logprobs for an echoed prompt` };
    const inPrompt = spans.filter((s) => s.start < prompt.length);
    const echoed = inPrompt.map((s) => s.token).join('');
    if (
      inPrompt.length < 2 ||
      !echoed.startsWith(prompt.slice(0, Math.min(prompt.length, echoed.length))) ||
      echoed.length < prompt.length
    ) {
      return {
        ok: false,
        detail: `${this.baseURL} returned logprobs for ${inPrompt.length} prompt token(s) ('${echoed.slice(0, 40)}'): only generated tokens are scored, not the echoed prompt`,
      };
    }
    const bad = inPrompt.slice(1).filter((s) => s.logprob === null || !Number.isFinite(s.logprob) || s.logprob > 1e-6);
    if (bad.length > 0)
      return { ok: false, detail: `${this.baseURL} returned ${bad.length} prompt token(s) without a valid logprob` };
    return { ok: true, detail: `${inPrompt.length} prompt tokens scored` };
  }

  /** Replies so far: usable ones, and ones that were not the API's JSON. */
  private readonly replies = { ok: 0, bad: 0 };

  /**
   * Run a client call. An HTTP error status becomes a GeckoError naming the URL and a fix. A 200
   * whose body is not the API's JSON (invalid JSON, no or empty `choices`) is
   * LlmOutputError('malformed-response') naming the URL, counted and skipped by the stage, unless
   * the server has never answered usably: an HTML page, or a second such reply, then stops the run
   * with a GeckoError (the URL is wrong, not the model's answer).
   */
  private async send<T>(fn: () => Promise<T>, probe = false): Promise<T> {
    let resp: T;
    try {
      resp = await fn();
    } catch (e) {
      if (e instanceof SyntaxError)
        throw this.malformed(`its answer is not valid JSON (${redact(e.message, [this.secret])})`, probe);
      const status = (e as { status?: unknown }).status;
      // the probe judges the statuses of an endpoint that is not supported itself
      if (typeof status === 'number' && !(probe && [400, 404, 405, 422, 501].includes(status)))
        throw httpError(this.baseURL, this.model, status, e, this.secret);
      throw e;
    }
    const choices = (resp as { choices?: unknown } | undefined)?.choices;
    if (typeof resp === 'string')
      throw this.malformed(
        /^\s*</.test(resp)
          ? `its answer is an HTML page, not the API's JSON ('${resp.trim().slice(0, 60)}')`
          : `its answer is plain text, not the API's JSON ('${resp.trim().slice(0, 60)}')`,
        probe || /^\s*</.test(resp),
      );
    if (Array.isArray(choices) && choices.length === 0)
      throw this.malformed('its answer has an empty choices list', probe);
    if (!Array.isArray(choices))
      throw this.malformed(`its answer has no choices: ${safeJson(resp).slice(0, 120)}`, probe);
    this.replies.ok++;
    return resp;
  }

  /** A reply that is not the API's JSON: skipped as LlmOutputError, or fatal when the server never answered usably. */
  private malformed(what: string, fatalNow = false): Error {
    this.replies.bad++;
    if (this.replies.ok === 0 && (fatalNow || this.replies.bad >= 2))
      return new GeckoError(
        `the LLM server at ${this.baseURL} does not answer as an OpenAI-compatible API: ${what}`,
        `check OPENAI_BASE_URL (a server's API URL usually ends in /v1, e.g. http://localhost:8000/v1) and that it serves model '${this.model}' on /chat/completions`,
      );
    return new LlmOutputError('malformed-response', `${this.baseURL}: ${what}`);
  }
}

interface Span {
  token: string;
  start: number;
  end: number;
  logprob: number | null;
}

/** Token spans from completions logprobs: offsets from text_offset, else accumulated token lengths. */
function tokenSpans(lp: any, textLength: number): Span[] | null {
  if (
    !lp ||
    !Array.isArray(lp.tokens) ||
    !Array.isArray(lp.token_logprobs) ||
    lp.tokens.length !== lp.token_logprobs.length
  )
    return null;
  const tokens: string[] = lp.tokens;
  const offsets: number[] =
    Array.isArray(lp.text_offset) && lp.text_offset.length === tokens.length
      ? lp.text_offset
      : tokens.reduce<number[]>((acc, t, i) => {
          acc.push(i === 0 ? 0 : acc[i - 1]! + tokens[i - 1]!.length);
          return acc;
        }, []);
  return tokens.map((token, i) => ({
    token,
    start: offsets[i]!,
    end:
      i + 1 < tokens.length
        ? Math.max(offsets[i + 1]!, offsets[i]! + 1)
        : Math.min(offsets[i]! + Math.max(token.length, 1), Math.max(textLength, offsets[i]! + 1)),
    logprob: lp.token_logprobs[i] ?? null,
  }));
}

function firstChoice(resp: unknown): any {
  const c = (resp as any)?.choices?.[0];
  if (!c || typeof c !== 'object')
    throw new LlmOutputError('malformed-response', `response without choices: ${safeJson(resp).slice(0, 120)}`);
  return c;
}

function usageOf(resp: unknown): TokenCounts {
  const u = (resp as any)?.usage;
  return { promptTokens: Number(u?.prompt_tokens ?? 0) || 0, completionTokens: Number(u?.completion_tokens ?? 0) || 0 };
}

function logSumExp(xs: number[]): number {
  const m = Math.max(...xs);
  return m + Math.log(xs.reduce((a, x) => a + Math.exp(x - m), 0));
}

function safeJson(v: unknown): string {
  try {
    return typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
  } catch {
    return String(v);
  }
}

/**
 * An HTTP error status from the server (after the client's retries), as a GeckoError that names
 * the URL, the status and what to do: 429 rate limit, 401/403 the key, 404 model or path, 5xx.
 */
export function httpError(baseURL: string, model: string, status: number, e: unknown, secret?: string): GeckoError {
  const msg = redact(
    String((e as Error)?.message ?? e)
      .split('\n')[0]!
      .slice(0, 200),
    [secret],
  );
  const at = `the LLM server at ${baseURL} answered HTTP ${status}`;
  if (status === 429)
    return new GeckoError(
      `${at} (rate limit or quota) after the client's retries: ${msg}`,
      'wait and rerun (finished calls are cached), or lower llm.concurrency (--concurrency) and raise llm.maxRetries; on a paid API check the account quota',
    );
  if (status === 401 || status === 403)
    return new GeckoError(`${at}: it refused the API key (${msg})`, 'check OPENAI_API_KEY (it is never logged)');
  if (status === 404)
    return new GeckoError(
      `${at} (not found): ${msg}`,
      `check the model name ('${model}') and that OPENAI_BASE_URL is the API's base URL (usually ending in /v1)`,
    );
  if (status >= 500)
    return new GeckoError(
      `${at} (server error): ${msg}`,
      'the server failed: check its logs, then rerun (finished calls are cached)',
    );
  return new GeckoError(
    `${at}: ${msg}`,
    `the server rejected the request: check the model name ('${model}') and that the server supports chat completions`,
  );
}
