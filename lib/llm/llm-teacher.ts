// The LLM teacher: Gecko's three questions (paper sections 1.3, 1.4) asked of a provider
// through versioned prompts, with a call cache, bounded concurrency, a token budget and
// usage accounting. Unusable answers become LlmOutputError (counted and skipped by stages).
import type { Passage } from '../core/types';
import type { Logger } from '../core/log';
import { silentLogger } from '../core/log';
import type { GeneratedTaskQuery, RelevanceJudgement, Teacher, TeacherCapabilities, Usage } from './types';
import type { LlmProvider, TokenCounts } from './provider';
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

  constructor(readonly provider: LlmProvider, opts: LlmTeacherOptions) {
    this.id = opts.id;
    this.cache = opts.cache;
    this.limiter = createLimiter(opts.concurrency ?? 4);
    this.meter = opts.meter ?? new UsageMeter();
    this.log = opts.log ?? silentLogger;
    Object.defineProperty(this, 'secrets', { value: opts.secrets ?? [], enumerable: false });
    this.temperature = opts.generation?.temperature ?? 1;
    this.maxTokens = opts.generation?.maxTokens ?? 256;
    const c = provider.capabilities;
    this.capabilities = { generate: c.generate, continuationLogprobs: c.continuationLogprobs, labelLogprobs: c.labelLogprobs };
  }

  /**
   * Check, before anything is spent on items, that the teacher can do what a stage needs.
   * For query likelihood this runs the provider's known-answer probe once (cached like any call).
   * @example await teacher.preflight(['generate', 'continuationLogprobs', 'labelLogprobs']);
   */
  async preflight(needs: readonly (keyof TeacherCapabilities)[]): Promise<void> {
    for (const need of needs) {
      if (!this.capabilities[need]) throw new CapabilityError(this.id, need, `the ${this.provider.kind} provider does not support it`);
    }
    if (needs.includes('continuationLogprobs')) await this.ensureProbe();
  }

  /** The cache key material of one operation: everything that determines the answer, no secret. */
  keyMaterial(op: LlmOp, prompt: { id: string; version: string } | null, request: unknown): Record<string, unknown> {
    return { provider: this.provider.identity, op, prompt, request };
  }

  /** One cached, limited, budgeted, redacted provider call. */
  private async call<T extends { usage: TokenCounts }>(op: LlmOp, prompt: { id: string; version: string } | null, request: unknown,
    estimate: number, run: () => Promise<T>): Promise<T> {
    const material = this.keyMaterial(op, prompt, request);
    const { value, hit } = await this.cache.getOrCompute(material, () => this.limiter.run(async () => {
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
    }), `${this.id} ${op} (${prompt ? `${prompt.id}@${prompt.version}` : 'no prompt'})`);
    if (hit) this.meter.cacheHit();
    return value;
  }

  private ensureProbe(): Promise<void> {
    this.probe ??= this.call('probe', null, { what: 'prompt-logprobs-known-answer', v: 1 }, 32,
      async () => ({ ...(await this.provider.probeContinuationLogprobs()), usage: { promptTokens: 0, completionTokens: 0 } }))
      .then((r) => {
        if (!r.ok) {
          throw new CapabilityError(this.id, 'query likelihood (prompt log-probabilities)', r.detail,
            'use a server that returns logprobs for echoed prompt tokens (vLLM, OpenAI davinci-002/babbage-002), a gguf:PATH teacher, or a stage setting without QL');
        }
      });
    this.probe.catch(() => { this.probe = undefined; });
    return this.probe;
  }

  async generateTaskQuery(passage: Passage, opts: { seed: number }): Promise<GeneratedTaskQuery> {
    const messages = QG.queryGenerationMessages(passage);
    const req = { messages, jsonSchema: QG.QUERY_GENERATION_SCHEMA as unknown as Record<string, unknown>, temperature: this.temperature, seed: opts.seed, maxTokens: this.maxTokens };
    const r = await this.call('generate', { id: QG.PROMPT_ID, version: QG.PROMPT_VERSION }, req,
      estimateTokens(renderPlain(messages)) + this.maxTokens, () => this.provider.generate(req));
    const parsed = parseTaskQuery(r.text, r.truncated);
    return { ...parsed, raw: r.text, promptId: QG.PROMPT_ID, promptVersion: QG.PROMPT_VERSION };
  }

  async queryLikelihood(query: string, passage: Passage): Promise<number> {
    const req = QL.queryLikelihoodPrompt(query, passage);
    const material = this.keyMaterial('continuation', { id: QL.PROMPT_ID, version: QL.PROMPT_VERSION }, req);
    // The probe runs only when a real call is due: a fully cached rerun makes zero calls.
    if (!this.cache.get(LlmCache.keyOf(material))) await this.ensureProbe();
    const r = await this.call('continuation', { id: QL.PROMPT_ID, version: QL.PROMPT_VERSION }, req,
      estimateTokens(req.prompt + req.continuation) + 1, () => this.provider.continuationLogprob(req));
    if (!Number.isFinite(r.logprob) || r.tokens === 0) throw new LlmOutputError('no-logprobs', `query likelihood: no scored tokens for '${query.slice(0, 60)}'`);
    return r.logprob;
  }

  async relevance(task: string, query: string, passage: Passage): Promise<RelevanceJudgement> {
    const req = { messages: RC.relevanceMessages(task, query, passage), labels: RC.LABELS };
    const r = await this.call('labels', { id: RC.PROMPT_ID, version: RC.PROMPT_VERSION }, req,
      estimateTokens(renderPlain(req.messages)) + 1, () => this.provider.labelLogprobs(req));
    return judgementFromLabels(r.labelLogprobs, r.floor, RC.POSITIVE_LABEL);
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
    obj = JSON.parse(start >= 0 && end > start ? text.slice(start, end + 1) : text);
  } catch (e) {
    throw new LlmOutputError('malformed-json', `not JSON: ${(e as Error).message}; answer starts '${text.slice(0, 80)}'`, text);
  }
  const o = obj as Record<string, unknown>;
  for (const f of ['task', 'query']) {
    if (typeof o?.[f] !== 'string' || (o[f] as string).trim() === '') throw new LlmOutputError('missing-field', `'${f}' is missing or empty in ${JSON.stringify(obj).slice(0, 120)}`, text);
  }
  return { task: (o.task as string).trim(), query: (o.query as string).trim() };
}

/**
 * Turn label logprobs into a judgement: absent labels get the floor (an upper bound), and the
 * score is P(positive) renormalised over the labels. No label at all is an LlmOutputError.
 * @example judgementFromLabels({ yes: Math.log(0.6), no: Math.log(0.2) }, null, 'yes').score // 0.75
 */
export function judgementFromLabels(raw: Record<string, number | null>, floor: number | null, positive: string): RelevanceJudgement {
  const found = Object.entries(raw).filter(([, v]) => v !== null) as [string, number][];
  if (found.length === 0) throw new LlmOutputError('no-label', `none of the labels ${Object.keys(raw).join('/')} is among the top logprobs`);
  const labelLogprobs: Record<string, number> = {};
  for (const [k, v] of Object.entries(raw)) labelLogprobs[k] = v ?? Math.min(floor ?? Math.min(...found.map(([, x]) => x)), ...found.map(([, x]) => x));
  const m = Math.max(...Object.values(labelLogprobs));
  const z = Object.values(labelLogprobs).reduce((a, v) => a + Math.exp(v - m), 0);
  return { labelLogprobs, score: Math.exp(labelLogprobs[positive]! - m) / z };
}
