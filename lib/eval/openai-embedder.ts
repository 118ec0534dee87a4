// An OpenAI-compatible embeddings endpoint behind the Embedder interface, so a hosted model can
// be evaluated beside ours. Batched, concurrency-limited, retried by the openai client; results
// are cached by the harness's EmbeddingCache (keyed by this embedder's id). The API key is read
// through core/env, kept non-enumerable and never appears in the id, logs or errors.
import type OpenAI from 'openai';
import { readEnv } from '../core/env';
import { ConfigError, GeckoError } from '../core/errors';
import { sha256 } from '../core/hash';
import type { Embedder } from '../core/types';
import { createLimiter, type Limiter } from '../llm/limit';

const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

export interface OpenAiEmbedderOptions {
  model: string;
  /** Sent as `dimensions` (text-embedding-3-* and some servers support it); omitted when unset. */
  dimensions?: number;
  /** Texts per request. Default 128. */
  batchSize?: number;
  /** Requests in flight. Default 4. */
  concurrency?: number;
  baseURL?: string;
  apiKey?: string;
  timeoutMs?: number;
  maxRetries?: number;
}

/**
 * @example const e = new OpenAiEmbedder({ model: 'text-embedding-3-small', dimensions: 256 }); await e.embed(['task: ... | query: ...']);
 */
export class OpenAiEmbedder implements Embedder {
  readonly id: string;
  /** Known after the first call (0 before). */
  dim = 0;
  private client?: Promise<OpenAI>;
  private readonly clientOptions!: { apiKey: string; baseURL: string; timeout: number; maxRetries: number };
  private readonly limiter: Limiter;
  private readonly batchSize: number;

  constructor(private readonly opts: OpenAiEmbedderOptions) {
    const baseURL = (opts.baseURL ?? readEnv('OPENAI_BASE_URL') ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
    let apiKey = opts.apiKey ?? readEnv('OPENAI_API_KEY');
    if (!apiKey) {
      if (baseURL === DEFAULT_BASE_URL) {
        throw new ConfigError(
          '--model',
          `'openai:${opts.model}' needs an API key`,
          'set OPENAI_API_KEY, or OPENAI_BASE_URL to an OpenAI-compatible embeddings server',
        );
      }
      apiKey = 'none';
    }
    // the id names the server only by a hash of its URL, and never the key
    this.id = `openai:${opts.model}${opts.dimensions ? `@${opts.dimensions}` : ''}${baseURL === DEFAULT_BASE_URL ? '' : `~${sha256(baseURL).slice(0, 8)}`}`;
    this.batchSize = opts.batchSize ?? 128;
    this.limiter = createLimiter(opts.concurrency ?? 4);
    Object.defineProperty(this, 'clientOptions', {
      value: { apiKey, baseURL, timeout: opts.timeoutMs ?? 60_000, maxRetries: opts.maxRetries ?? 4 },
      enumerable: false,
    });
  }

  /** The openai client, imported lazily (the package is only needed for this model). */
  private getClient(): Promise<OpenAI> {
    if (!this.client) {
      const p = import('openai').then(({ default: Client }) => new Client(this.clientOptions));
      Object.defineProperty(this, 'client', { value: p, enumerable: false, writable: true });
    }
    return this.client!;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `OpenAiEmbedder ${this.id}`;
  }

  toJSON(): Record<string, unknown> {
    return { id: this.id, model: this.opts.model, dimensions: this.opts.dimensions };
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const batches: string[][] = [];
    for (let i = 0; i < texts.length; i += this.batchSize) batches.push(texts.slice(i, i + this.batchSize));
    const client = await this.getClient();
    const results = await Promise.all(
      batches.map((batch) =>
        this.limiter.run(async () => {
          let res;
          try {
            res = await client.embeddings.create({
              model: this.opts.model,
              input: batch,
              encoding_format: 'float',
              ...(this.opts.dimensions ? { dimensions: this.opts.dimensions } : {}),
            });
          } catch (e) {
            throw new GeckoError(
              `embeddings request to ${this.clientOptions.baseURL} (${this.id}) failed: ${(e as Error).message.split('\n')[0]}`,
              'check OPENAI_BASE_URL, the model name and whether the server supports `dimensions`',
            );
          }
          if (!Array.isArray((res as { data?: unknown } | undefined)?.data))
            throw new GeckoError(
              `the server at ${this.clientOptions.baseURL} does not answer as an OpenAI-compatible embeddings API: ${typeof res === 'string' ? `'${String(res).trim().slice(0, 60)}'` : 'no data list'}`,
              'check OPENAI_BASE_URL (the API URL, usually ending in /v1) and the model name',
            );
          if (res.data.length !== batch.length)
            throw new GeckoError(`${this.id} returned ${res.data.length} embeddings for ${batch.length} inputs`);
          const out: Float32Array[] = new Array(batch.length);
          for (const d of res.data) out[d.index] = l2(Float32Array.from(d.embedding as number[]));
          return out;
        }),
      ),
    );
    const flat = results.flat();
    if (flat[0]) this.dim = flat[0].length;
    return flat;
  }
}

function l2(v: Float32Array): Float32Array {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i]! * v[i]!;
  n = Math.sqrt(n);
  if (n > 0) for (let i = 0; i < v.length; i++) v[i] = v[i]! / n;
  return v;
}
