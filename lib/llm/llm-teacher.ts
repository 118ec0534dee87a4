// The LLM teacher: Gecko's three questions (paper §3.2) asked of a provider
// through versioned prompts, with a call cache, bounded concurrency, a token budget and
// usage accounting. Unusable answers become LlmOutputError (counted and skipped by stages).
import type { Passage } from '../core/types';
import type { Logger } from '../core/log';
import { silentLogger } from '../core/log';
import type {
  GeneratedTaskQuery,
  RelevanceJudgement,
  RetryOptions,
  Teacher,
  TeacherCapabilities,
  Usage,
} from './types';
import { join } from 'node:path';
import { sha256 } from '../core/hash';
import { parseJson } from '../core/json';
import type { BatchOp, ContinuationRequest, GenerateRequest, LabelRequest, LlmProvider, TokenCounts } from './provider';
import { LlmCache } from './cache';
import { createLimiter, type Limiter } from './limit';
import { CapabilityError, LlmOutputError, redactError } from './errors';
import { estimateTokens, UsageMeter } from './usage';
import { renderPlain } from './prompts/messages';
import * as QG from './prompts/query-generation';
import * as QL from './prompts/query-likelihood';
import * as RC from './prompts/relevance';

export interface LlmTeacherOptions {
  /** The name this teacher goes by: 'openai:MODEL' or 'gguf:PATH'. */
  id: string;
  cache: LlmCache;
  /** Max provider calls in flight (default 4). */
  concurrency?: number;
  meter?: UsageMeter;
  log?: Logger;
  /** Sampling for query generation (default temperature 1, 256 tokens: diverse but reproducible via the seed). */
  generation?: { temperature?: number; maxTokens?: number };
  /** Strings that must never appear in errors (the API key). */
  secrets?: readonly string[];
}

/** Which operation a call is, for the cache key and for batching. */
export type LlmOp = 'generate' | 'continuation' | 'labels' | 'probe';

/** One teacher question, for batching: Step 1 generation, Step 2 QL or RC. */
export type TeacherItem =
  | { op: 'generate'; passage: Passage; seed: number }
  | { op: 'ql'; query: string; passage: Passage }
  | { op: 'rc'; task: string; query: string; passage: Passage };

/** What prefetchViaBatch did. `failed` counts unusable answers by reason. */
export interface BatchReport {
  items: number;
  cached: number;
  submitted: number;
  answered: number;
  failed: Record<string, number>;
}

/**
 * The prompt identity of a call; a retry (attempt > 0) gets its own cache key, so it is a
 * fresh call and not the cached unusable answer. Attempt 0 keeps the key it always had.
 */
function retryPrompt(p: { id: string; version: string }, attempt = 0): { id: string; version: string } {
  return attempt > 0 ? { ...p, version: `${p.version}#retry${attempt}` } : p;
}

interface Plan {
  op: LlmOp;
  prompt: { id: string; version: string };
  req: unknown;
  estimate: number;
}

/**
 * A Teacher backed by a real model.
 * @example const t = new LlmTeacher(provider, { id: 'openai:gpt-4o-mini', cache: new LlmCache(dir) });
 * const { task, query } = await t.generateTaskQuery(passage, { seed: 1 });
 */
export class LlmTeacher implements Teacher {
  readonly id: string;
  readonly standIn = false;
  readonly capabilities: TeacherCapabilities;
  readonly cache: LlmCache;
  private readonly limiter: Limiter;
  private readonly meter: UsageMeter;
  private readonly log: Logger;
  declare private readonly secrets: readonly string[];
  private readonly temperature: number;
  private readonly maxTokens: number;
  private probe?: Promise<void>;

  constructor(
    readonly provider: LlmProvider,
    opts: LlmTeacherOptions,
  ) {
    this.id = opts.id;
    this.cache = opts.cache;
    this.limiter = createLimiter(opts.concurrency ?? 4);
    this.meter = opts.meter ?? new UsageMeter();
    this.log = opts.log ?? silentLogger;
    Object.defineProperty(this, 'secrets', { value: opts.secrets ?? [], enumerable: false });
    this.temperature = opts.generation?.temperature ?? 1;
    this.maxTokens = opts.generation?.maxTokens ?? 256;
    const c = provider.capabilities;
    this.capabilities = {
      generate: c.generate,
      continuationLogprobs: c.continuationLogprobs,
      labelLogprobs: c.labelLogprobs,
    };
  }

  /**
   * Check, before anything is spent on items, that the teacher can do what a stage needs.
   * For query likelihood this runs the provider's known-answer probe once (cached like any call).
   * @example await teacher.preflight(['generate', 'continuationLogprobs', 'labelLogprobs']);
   */
  async preflight(needs: readonly (keyof TeacherCapabilities)[]): Promise<void> {
    for (const need of needs) {
      if (!this.capabilities[need])
        throw new CapabilityError(this.id, need, `the ${this.provider.kind} provider does not support it`);
    }
    if (needs.includes('continuationLogprobs')) await this.ensureProbe();
  }

  /** The cache key material of one operation: everything that determines the answer, no secret. */
  keyMaterial(op: LlmOp, prompt: { id: string; version: string } | null, request: unknown): Record<string, unknown> {
    return { provider: this.provider.identity, op, prompt, request };
  }

  /** One cached, limited, budgeted, redacted provider call. */
  private async call<T extends { usage: TokenCounts }>(
    op: LlmOp,
    prompt: { id: string; version: string } | null,
    request: unknown,
    estimate: number,
    run: () => Promise<T>,
  ): Promise<T> {
    const material = this.keyMaterial(op, prompt, request);
    const { value, hit } = await this.cache.getOrCompute(
      material,
      () =>
        this.limiter.run(async () => {
          const reservation = this.meter.reserve(estimate);
          let usage: TokenCounts = { promptTokens: 0, completionTokens: 0 };
          try {
            const result = await run();
            usage = result.usage;
            return result;
          } catch (e) {
            throw redactError(e, this.secrets);
          } finally {
            this.meter.settle(reservation, usage);
          }
        }),
      `${this.id} ${op} (${prompt ? `${prompt.id}@${prompt.version}` : 'no prompt'})`,
    );
    if (hit) this.meter.cacheHit();
    return value;
  }

  /**
   * The one-time known-answer probe of prompt logprobs. A passing probe is cached like any call
   * (a cached rerun makes zero calls); a refusal is not cached (the server may be fixed later)
   * but is remembered for this process, so items are not probed one by one.
   */
  private ensureProbe(): Promise<void> {
    this.probe ??= this.call('probe', null, { what: 'prompt-logprobs-known-answer', v: 1 }, 32, async () => {
      const r = await this.provider.probeContinuationLogprobs();
      if (!r.ok) {
        throw new CapabilityError(
          this.id,
          'query likelihood (prompt log-probabilities)',
          r.detail,
          'use a server that returns logprobs for echoed prompt tokens (vLLM, OpenAI davinci-002/babbage-002), a gguf:PATH teacher, or a stage setting without QL',
        );
      }
      return { ...r, usage: { promptTokens: 0, completionTokens: 0 } };
    }).then(() => undefined);
    this.probe.catch((e) => {
      if (!(e instanceof CapabilityError)) this.probe = undefined;
    });
    return this.probe;
  }

  // ---- plans: the request of each operation, built once, used by direct and batch calls ----

  private planGenerate(passage: Passage, seed: number): Plan {
    const messages = QG.queryGenerationMessages(passage);
    const req = {
      messages,
      jsonSchema: QG.QUERY_GENERATION_SCHEMA as unknown as Record<string, unknown>,
      temperature: this.temperature,
      seed,
      maxTokens: this.maxTokens,
    };
    return {
      op: 'generate',
      prompt: { id: QG.PROMPT_ID, version: QG.PROMPT_VERSION },
      req,
      estimate: estimateTokens(renderPlain(messages)) + this.maxTokens,
    };
  }

  private planQL(query: string, passage: Passage, attempt = 0): Plan {
    const req = QL.queryLikelihoodPrompt(query, passage);
    return {
      op: 'continuation',
      prompt: retryPrompt({ id: QL.PROMPT_ID, version: QL.PROMPT_VERSION }, attempt),
      req,
      estimate: estimateTokens(req.prompt + req.continuation) + 1,
    };
  }

  private planRC(task: string, query: string, passage: Passage, attempt = 0): Plan {
    const req = { messages: RC.relevanceMessages(task, query, passage), labels: RC.LABELS };
    return {
      op: 'labels',
      prompt: retryPrompt({ id: RC.PROMPT_ID, version: RC.PROMPT_VERSION }, attempt),
      req,
      estimate: estimateTokens(renderPlain(req.messages)) + 1,
    };
  }

  private planOf(item: TeacherItem): Plan {
    return item.op === 'generate'
      ? this.planGenerate(item.passage, item.seed)
      : item.op === 'ql'
        ? this.planQL(item.query, item.passage)
        : this.planRC(item.task, item.query, item.passage);
  }

  async generateTaskQuery(passage: Passage, opts: { seed: number }): Promise<GeneratedTaskQuery> {
    const plan = this.planGenerate(passage, opts.seed);
    const r = await this.call(plan.op, plan.prompt, plan.req, plan.estimate, () =>
      this.provider.generate(plan.req as GenerateRequest),
    );
    const parsed = parseTaskQuery(r.text, r.truncated);
    return { ...parsed, raw: r.text, promptId: QG.PROMPT_ID, promptVersion: QG.PROMPT_VERSION };
  }

  async queryLikelihood(query: string, passage: Passage, opts: RetryOptions = {}): Promise<number> {
    const plan = this.planQL(query, passage, opts.attempt);
    // The probe runs only when a real call is due: a fully cached rerun makes zero calls.
    if (!this.cache.get(LlmCache.keyOf(this.keyMaterial(plan.op, plan.prompt, plan.req)))) await this.ensureProbe();
    const r = await this.call(plan.op, plan.prompt, plan.req, plan.estimate, () =>
      this.provider.continuationLogprob(plan.req as ContinuationRequest),
    );
    if (!Number.isFinite(r.logprob) || r.tokens === 0)
      throw new LlmOutputError('no-logprobs', `query likelihood: no scored tokens for '${query.slice(0, 60)}'`);
    return r.logprob;
  }

  async relevance(task: string, query: string, passage: Passage, opts: RetryOptions = {}): Promise<RelevanceJudgement> {
    const plan = this.planRC(task, query, passage, opts.attempt);
    const r = await this.call(plan.op, plan.prompt, plan.req, plan.estimate, () =>
      this.provider.labelLogprobs(plan.req as LabelRequest),
    );
    return judgementFromLabels(r.labelLogprobs, r.floor, RC.POSITIVE_LABEL);
  }

  /**
   * Answer many items through the provider's Batch API and put the answers in the cache, so
   * the ordinary calls that follow are cache hits. Cached items are not resubmitted; one batch
   * per endpoint; resumable from the state files in `stateDir` (named by the requests' hash).
   * Batch tokens are priced at half the list price (OpenAI's batch discount).
   * @example await teacher.prefetchViaBatch(seeds.map(p => ({ op: 'generate', passage: p, seed: 1 })), { stateDir: ctx.path('batch') });
   * for (const p of seeds) await teacher.generateTaskQuery(p, { seed: 1 }); // cache hits
   */
  async prefetchViaBatch(
    items: readonly TeacherItem[],
    opts: { stateDir: string; pollMs?: number; maxWaitMs?: number },
  ): Promise<BatchReport> {
    const batch = this.provider.batch;
    if (!batch)
      throw new CapabilityError(
        this.id,
        'the Batch API',
        `the ${this.provider.kind} provider has no batch endpoint`,
        'call the teacher directly',
      );
    const report: BatchReport = { items: items.length, cached: 0, submitted: 0, answered: 0, failed: {} };
    if (items.some((i) => i.op === 'ql')) await this.ensureProbe();
    const todo = new Map<string, { plan: Plan; material: unknown; reservation: number }>();
    for (const item of items) {
      const plan = this.planOf(item);
      const material = this.keyMaterial(plan.op, plan.prompt, plan.req);
      const key = LlmCache.keyOf(material);
      if (this.cache.get(key)) {
        report.cached++;
        continue;
      }
      if (todo.has(key)) continue;
      todo.set(key, { plan, material, reservation: this.meter.reserve(plan.estimate) });
    }
    const fail = (why: string) => {
      report.failed[why] = (report.failed[why] ?? 0) + 1;
    };
    const byUrl = new Map<
      string,
      { custom_id: string; method: 'POST'; url: string; body: Record<string, unknown> }[]
    >();
    for (const [key, { plan }] of todo) {
      const { url, body } = batch.request(plan.op as BatchOp, plan.req);
      if (!byUrl.has(url)) byUrl.set(url, []);
      byUrl.get(url)!.push({ custom_id: key, method: 'POST', url, body });
    }
    try {
      for (const [url, lines] of byUrl) {
        report.submitted += lines.length;
        const name = `batch-${url.split('/').pop()}-${sha256(lines.map((l) => l.custom_id).join('\n')).slice(0, 12)}.json`;
        const results = await batch.run(lines, {
          stateFile: join(opts.stateDir, name),
          pollMs: opts.pollMs,
          maxWaitMs: opts.maxWaitMs,
        });
        for (const line of lines) {
          const t = todo.get(line.custom_id)!;
          const r = results.get(line.custom_id);
          let usage: TokenCounts = { promptTokens: 0, completionTokens: 0 };
          try {
            if (!r) {
              fail('missing');
              continue;
            }
            if (r.statusCode !== 200) {
              fail(`http-${r.statusCode ?? 'error'}`);
              continue;
            }
            const value = batch.parse(t.plan.op as BatchOp, t.plan.req, r.body);
            usage = value.usage;
            this.cache.put(line.custom_id, t.material, value);
            report.answered++;
          } catch (e) {
            if (e instanceof LlmOutputError) fail(e.reason);
            else throw redactError(e, this.secrets);
          } finally {
            this.meter.settle(t.reservation, usage, 0.5);
            t.reservation = 0;
          }
        }
      }
    } finally {
      for (const t of todo.values()) if (t.reservation) this.meter.release(t.reservation);
    }
    this.log.info(
      `${this.id} batch: ${report.answered} answered, ${report.cached} already cached, failed ${JSON.stringify(report.failed)}`,
    );
    return report;
  }

  usage(): Usage {
    return this.meter.usage();
  }

  /** Printing or serialising a teacher shows its id, provider identity and usage, never a secret. */
  toJSON(): Record<string, unknown> {
    return { id: this.id, standIn: false, provider: this.provider.identity, usage: this.usage() };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `LlmTeacher ${JSON.stringify(this.toJSON())}`;
  }

  async close(): Promise<void> {
    await this.provider.close?.();
  }
}

/**
 * Parse the model's answer to P_QG: JSON {task, query} with non-empty strings, possibly inside
 * a ```json fence or followed by text. Throws LlmOutputError with the reason.
 * @example parseTaskQuery('{"task": "Given a question, ...", "query": "who"}', false)
 */
export function parseTaskQuery(text: string, truncated: boolean): { task: string; query: string } {
  if (truncated) throw new LlmOutputError('truncated', 'the answer hit max_tokens', text);
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  let obj: unknown;
  try {
    obj = parseJson(start >= 0 && end > start ? text.slice(start, end + 1) : text, 'the answer');
  } catch (e) {
    throw new LlmOutputError(
      'malformed-json',
      `not JSON: ${(e as Error).message.split('\n')[0]}; answer starts '${text.slice(0, 80)}'`,
      text,
    );
  }
  const o = obj as Record<string, unknown>;
  for (const f of ['task', 'query']) {
    if (typeof o?.[f] !== 'string' || (o[f] as string).trim() === '')
      throw new LlmOutputError(
        'missing-field',
        `'${f}' is missing or empty in ${JSON.stringify(obj).slice(0, 120)}`,
        text,
      );
  }
  return { task: (o.task as string).trim(), query: (o.query as string).trim() };
}

/**
 * Turn label logprobs into a judgement: absent labels get the floor (an upper bound), and the
 * score is P(positive) renormalised over the labels. No label at all is an LlmOutputError.
 * @example judgementFromLabels({ yes: Math.log(0.6), no: Math.log(0.2) }, null, 'yes').score // 0.75
 */
export function judgementFromLabels(
  raw: Record<string, number | null>,
  floor: number | null,
  positive: string,
): RelevanceJudgement {
  const found = Object.entries(raw).filter(([, v]) => v !== null) as [string, number][];
  if (found.length === 0)
    throw new LlmOutputError('no-label', `none of the labels ${Object.keys(raw).join('/')} is among the top logprobs`);
  const labelLogprobs: Record<string, number> = {};
  for (const [k, v] of Object.entries(raw))
    labelLogprobs[k] = v ?? Math.min(floor ?? Math.min(...found.map(([, x]) => x)), ...found.map(([, x]) => x));
  const m = Math.max(...Object.values(labelLogprobs));
  const z = Object.values(labelLogprobs).reduce((a, v) => a + Math.exp(v - m), 0);
  return { labelLogprobs, score: Math.exp(labelLogprobs[positive]! - m) / z };
}
