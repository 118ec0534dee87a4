// Token and cost accounting, and the per-run budget. One UsageMeter per teacher; a stage
// takes usage() before and after and reports the difference (diffUsage).
import type { Usage } from './types';
import { BudgetExceededError } from './errors';

/** USD per 1M tokens. Published list prices (2025); check your provider's page, or pass `prices`. */
export const KNOWN_PRICES: Record<string, { input: number; output: number }> = {
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'davinci-002': { input: 2, output: 2 },
  'babbage-002': { input: 0.4, output: 0.4 },
};

export function emptyUsage(): Usage {
  return { calls: 0, cachedCalls: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 };
}

/** b - a, field by field: the usage of a stage that ran between two snapshots. */
export function diffUsage(a: Usage, b: Usage): Usage {
  return {
    calls: b.calls - a.calls,
    cachedCalls: b.cachedCalls - a.cachedCalls,
    promptTokens: b.promptTokens - a.promptTokens,
    completionTokens: b.completionTokens - a.completionTokens,
    costUsd: b.costUsd - a.costUsd,
  };
}

export interface MeterOptions {
  /** Stop before a call that would take the run past this many tokens (0 = no budget). */
  budgetTokens?: number;
  /** Stop before a call once this many dollars are spent (0 = no budget). */
  budgetUsd?: number;
  /** USD per 1M tokens for this model; unknown price = cost 0, reported as unknown. */
  price?: { input: number; output: number };
  /** Price multiplier, e.g. 0.5 for the Batch API. */
  priceFactor?: number;
}

/**
 * Counts calls and tokens, prices them, and enforces the budget. Calls reserve an estimate
 * before they start (so concurrent calls cannot all slip under the budget) and settle after.
 * `calls` counts real provider calls only; cache hits go to `cachedCalls` and cost nothing.
 * @example const m = new UsageMeter({budgetTokens: 1000}); const r = m.reserve(120); m.settle(r, {promptTokens: 100, completionTokens: 15});
 */
export class UsageMeter {
  private u = emptyUsage();
  private reserved = 0;
  constructor(private readonly opts: MeterOptions = {}) {}

  get priceKnown(): boolean {
    return this.opts.price !== undefined;
  }

  /** Reserve `estimate` tokens for a call about to start; throws BudgetExceededError when over budget. */
  reserve(estimate: number): number {
    const budget = this.opts.budgetTokens ?? 0;
    const spent = this.u.promptTokens + this.u.completionTokens;
    if (budget > 0 && spent + this.reserved + estimate > budget)
      throw new BudgetExceededError(spent + this.reserved, budget);
    const usd = this.opts.budgetUsd ?? 0;
    if (usd > 0 && this.u.costUsd >= usd)
      throw new BudgetExceededError(Math.round(this.u.costUsd * 1e4) / 1e4, usd, 'USD');
    this.reserved += estimate;
    return estimate;
  }

  /** Settle a reservation with the real token counts of the finished (or failed: zeros) call; priceFactor 0.5 for batch calls. */
  settle(reservation: number, tokens: { promptTokens: number; completionTokens: number }, priceFactor = 1): void {
    this.reserved -= reservation;
    this.u.calls++;
    this.u.promptTokens += tokens.promptTokens;
    this.u.completionTokens += tokens.completionTokens;
    const p = this.opts.price;
    if (p)
      this.u.costUsd +=
        (priceFactor *
          (this.opts.priceFactor ?? 1) *
          (tokens.promptTokens * p.input + tokens.completionTokens * p.output)) /
        1e6;
  }

  /** Release a reservation of a call that never reached the provider. */
  release(reservation: number): void {
    this.reserved -= reservation;
  }

  cacheHit(): void {
    this.u.cachedCalls++;
  }

  usage(): Usage {
    return { ...this.u };
  }
}

/** A rough token estimate (about 4 characters per token), for budget reservations only. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
