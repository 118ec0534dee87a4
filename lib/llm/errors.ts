// Errors of the LLM layer. A stage catches these by type: LlmOutputError is counted and
// skipped, BudgetExceededError stops the stage cleanly, the rest are fatal with a fix.
import { GeckoError } from '../core/errors';

/** Why an LLM answer could not be used. */
export type LlmOutputReason =
  | 'malformed-json' // the model's text is not the JSON the prompt asked for
  | 'missing-field' // JSON without a required non-empty field
  | 'truncated' // the answer hit max_tokens (finish_reason 'length')
  | 'malformed-response' // the server's HTTP body is not the API's JSON shape
  | 'no-label' // none of the relevance labels is among the returned top logprobs
  | 'no-logprobs'; // the server returned no logprobs where they were asked for

/**
 * An LLM answer that cannot be used. Not fatal: the stage counts it by `reason` and skips the item.
 * @example try { await teacher.generateTaskQuery(p, {seed}) } catch (e) { if (e instanceof LlmOutputError) skipped[e.reason]++; else throw e }
 */
export class LlmOutputError extends GeckoError {
  constructor(
    readonly reason: LlmOutputReason,
    detail: string,
    readonly raw?: string,
  ) {
    super(
      `LLM output unusable (${reason}): ${detail}`,
      reason === 'malformed-response'
        ? "check OPENAI_BASE_URL (the server's API URL, usually ending in /v1) and that the server is OpenAI-compatible"
        : undefined,
    );
    this.name = 'LlmOutputError';
  }
}

/** The per-run token (or money) budget is spent. The stage stops cleanly and keeps what it finished. */
export class BudgetExceededError extends GeckoError {
  constructor(
    readonly spentTokens: number,
    readonly budgetTokens: number,
    what = 'tokens',
  ) {
    super(
      `LLM budget exhausted: ${spentTokens} of ${budgetTokens} ${what} spent (or reserved by calls in flight)`,
      'raise llm.budgetTokens (0 = no budget), or rerun: finished calls are cached and cost nothing again',
    );
    this.name = 'BudgetExceededError';
  }
}

/** Replay mode met a request that is not in the cache. */
export class CacheMissError extends GeckoError {
  constructor(
    readonly key: string,
    readonly describe: string,
  ) {
    super(
      `LLM cache miss in replay mode: ${describe} (key ${key.slice(0, 16)}...)`,
      "set llm.cacheMode to 'read-write' to call the LLM, or point GECKO_CACHE_DIR at the cache of the run you replay",
    );
    this.name = 'CacheMissError';
  }
}

/** The provider cannot do what a stage needs (e.g. a server without prompt logprobs). */
export class CapabilityError extends GeckoError {
  constructor(
    readonly teacher: string,
    readonly capability: string,
    why: string,
    hint?: string,
  ) {
    super(`teacher '${teacher}' cannot provide ${capability}: ${why}`, hint);
    this.name = 'CapabilityError';
  }
}

/** Replace every occurrence of each secret by '***' (secrets shorter than 4 chars are ignored). */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('***');
  return out;
}

/** Rewrite an error's message and stack so that no secret survives in it; returns the same error. */
export function redactError<E>(err: E, secrets: readonly (string | undefined)[]): E {
  if (err instanceof Error) {
    err.message = redact(err.message, secrets);
    if (err.stack) err.stack = redact(err.stack, secrets);
    const anyErr = err as unknown as Record<string, unknown>;
    for (const k of ['error', 'headers', 'body']) if (k in anyErr) delete anyErr[k];
  }
  return err;
}
