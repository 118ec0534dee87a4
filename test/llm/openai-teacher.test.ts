// The OpenAI-compatible provider and the LLM teacher against the fake server on 127.0.0.1.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import OpenAI from 'openai';
import type { Passage } from '../../lib/core/types';
import { createTeacher, type ClosableTeacher, type TeacherOptions } from '../../lib/llm/factory';
import { BudgetExceededError, CacheMissError, CapabilityError, LlmOutputError } from '../../lib/llm/errors';
import { LlmTeacher } from '../../lib/llm/llm-teacher';
import { queryLikelihoodPrompt } from '../../lib/llm/prompts/query-likelihood';
import {
  fakeQuery,
  fakeTokenize,
  fakeTokenLogprob,
  fakeYesProbability,
  startFakeOpenAiServer,
  type FakeOpenAiServer,
} from './fake-openai-server';
import { tmpDir } from '../helpers';

const P: Passage = {
  id: 'p1',
  text: 'The harbour lighthouse was automated in 1987 after a century of keepers.',
  source: 'test',
};
const Q: Passage = { id: 'p2', text: 'Sourdough starters need regular feeding with flour and water.', source: 'test' };

let server: FakeOpenAiServer;
beforeAll(async () => {
  server = await startFakeOpenAiServer();
});
afterAll(async () => {
  await server.close();
});

function teacher(opts: TeacherOptions = {}): LlmTeacher {
  return createTeacher('openai:fake-model', {
    apiKey: 'test-key',
    baseURL: server.baseURL,
    cacheDir: tmpDir(),
    maxRetries: 2,
    timeoutMs: 5000,
    ...opts,
  }) as LlmTeacher;
}
const calls = () => server.modelCalls().length;
const dirOf = (t: unknown) => (t as LlmTeacher).cache.dir.replace(/\/llm$/, '');

describe('OpenAI-compatible teacher (fake server)', () => {
  it('writes a task and a query, caches it, and the seed is part of the key', async () => {
    const t = teacher();
    const before = calls();
    const g = await t.generateTaskQuery(P, { seed: 4 });
    expect(g.query).toBe(fakeQuery(P.text, 4));
    expect(g.task).toMatch(/^Given a question/);
    expect(g.promptId).toBe('query-generation');
    const body = server.modelCalls().at(-1)!.body;
    expect(body.seed).toBe(4);
    expect(body.response_format.type).toBe('json_schema');
    await t.generateTaskQuery(P, { seed: 4 });
    expect(calls()).toBe(before + 1); // second time from the cache
    const g5 = await t.generateTaskQuery(P, { seed: 5 });
    expect(calls()).toBe(before + 2);
    expect(g5.query).toBe(fakeQuery(P.text, 5));
    expect(t.usage()).toMatchObject({ calls: 2, cachedCalls: 1 });
    expect(t.usage().promptTokens).toBeGreaterThan(0);
  });

  it('query likelihood = summed echo logprobs of the query tokens (vLLM null first token), after the probe', async () => {
    const t = teacher();
    const q = 'when was the lighthouse automated';
    const ql = await t.queryLikelihood(q, P);
    const expected = fakeTokenize(` ${q}`).reduce((a, tok) => a + fakeTokenLogprob(tok), 0);
    expect(ql).toBeCloseTo(expected, 12);
    const { prompt } = queryLikelihoodPrompt(q, P);
    expect(server.modelCalls().at(-1)!.body).toMatchObject({ prompt: prompt + ` ${q}`, echo: true, logprobs: 1 });
    expect(server.modelCalls().at(-2)!.body.prompt).toBe('one two three four five six seven eight nine ten'); // the probe
  });

  it('relevance: label logprobs from top_logprobs; score = P(yes) renormalised', async () => {
    const t = teacher();
    const r = await t.relevance(
      'Given a question, retrieve a passage that answers the question',
      'lighthouse automated',
      P,
    );
    const p = fakeYesProbability('lighthouse automated', P.text); // both words occur: 0.95
    expect(p).toBeCloseTo(0.95, 12);
    expect(r.labelLogprobs.yes).toBeCloseTo(Math.log(p), 6);
    expect(r.labelLogprobs.no).toBeCloseTo(Math.log(1 - p), 6);
    expect(r.score).toBeCloseTo(p, 6);
    const r2 = await t.relevance('Given a question, ...', 'lighthouse automated', Q);
    expect(r2.score).toBeCloseTo(0.05, 6);
    expect(server.modelCalls().at(-1)!.body).toMatchObject({ logprobs: true, top_logprobs: 20, max_tokens: 1 });
  });

  it('retries 429 honouring Retry-After, and 500s', async () => {
    // The client's retry wait is a setTimeout: record every delay asked for, and let the one the
    // server asks for (an odd 37 s, never a default backoff, which is at most 8 s) fire at once.
    const realSetTimeout = globalThis.setTimeout;
    const asked: number[] = [];
    const spy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((
      fn: unknown,
      ms?: number,
      ...rest: unknown[]
    ) => {
      asked.push(ms ?? 0);
      return Reflect.apply(realSetTimeout, globalThis, [fn, ms === 37_000 || ms === 37 ? 0 : ms, ...rest]);
    }) as typeof setTimeout);
    try {
      server.options.retryAfterSeconds = 37;
      server.failNext('429');
      const before = server.modelCalls().length;
      const t = teacher();
      await t.generateTaskQuery(P, { seed: 100 });
      const attempts = server.modelCalls().slice(before);
      expect(attempts).toHaveLength(2);
      expect(attempts[1]!.headers['x-stainless-retry-count']).toBe('1');
      expect(asked).toContain(37_000);
      server.options.retryAfterSeconds = 0.037;
      server.failNext('500', 2);
      asked.length = 0;
      await t.generateTaskQuery(P, { seed: 101 });
      expect(server.modelCalls().length - before).toBe(2 + 3);
      expect(asked.filter((ms) => ms === 37)).toHaveLength(2);
    } finally {
      spy.mockRestore();
      server.options.retryAfterSeconds = 0.05;
    }
  });

  it('times out a request that gets no answer', async () => {
    server.failNext('timeout', 2);
    const t = teacher({ timeoutMs: 200, maxRetries: 1 });
    await expect(t.generateTaskQuery(P, { seed: 200 })).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(t.usage().calls).toBe(1);
  });

  it('malformed JSON body, truncated answer and non-JSON content become typed LlmOutputErrors', async () => {
    const t = teacher();
    server.failNext('malformed-json');
    const e1 = await t.generateTaskQuery(P, { seed: 300 }).catch((e) => e);
    expect(e1).toBeInstanceOf(LlmOutputError);
    expect(e1.reason).toBe('malformed-response');
    // Not cached: the same request is asked again and now succeeds.
    expect((await t.generateTaskQuery(P, { seed: 300 })).query).toBe(fakeQuery(P.text, 300));

    server.failNext('truncated');
    const e2 = await t.generateTaskQuery(P, { seed: 301 }).catch((e) => e);
    expect(e2).toBeInstanceOf(LlmOutputError);
    expect(e2.reason).toBe('truncated');
    expect(e2.raw).toMatch(/^\{"task"/);
    // A truncated answer is a real answer: cached, so the rerun is free and fails the same way.
    const n = calls();
    await expect(t.generateTaskQuery(P, { seed: 301 })).rejects.toMatchObject({ reason: 'truncated' });
    expect(calls()).toBe(n);

    server.failNext('bad-content');
    await expect(t.generateTaskQuery(P, { seed: 302 })).rejects.toMatchObject({ reason: 'malformed-json' });
  });

  it('a budget in tokens stops cleanly with BudgetExceededError; cached answers stay free', async () => {
    const t = teacher({ budgetTokens: 1200 });
    await t.relevance('task', 'lighthouse', P);
    let stopped: unknown;
    for (let i = 0; i < 20 && !stopped; i++)
      await t.relevance('task', `lighthouse ${i}`, P).catch((e) => {
        stopped = e;
      });
    expect(stopped).toBeInstanceOf(BudgetExceededError);
    const u = t.usage();
    expect(u.promptTokens + u.completionTokens).toBeLessThanOrEqual(1200);
    const n = calls();
    await t.relevance('task', 'lighthouse', P); // cached: allowed
    expect(calls()).toBe(n);
  });

  it('replay mode fails on a miss and makes zero calls on a warm cache', async () => {
    const dir = tmpDir();
    const warm = teacher({ cacheDir: dir });
    await warm.generateTaskQuery(P, { seed: 1 });
    await warm.queryLikelihood('lighthouse keepers', P);
    await warm.relevance('task', 'lighthouse keepers', P);
    const n = calls();
    const replay = teacher({ cacheDir: dir, cacheMode: 'replay' });
    expect((await replay.generateTaskQuery(P, { seed: 1 })).query).toBe(fakeQuery(P.text, 1));
    await replay.queryLikelihood('lighthouse keepers', P);
    await replay.relevance('task', 'lighthouse keepers', P);
    expect(calls()).toBe(n);
    expect(replay.usage()).toMatchObject({ calls: 0, cachedCalls: 3 });
    await expect(replay.generateTaskQuery(P, { seed: 2 })).rejects.toBeInstanceOf(CacheMissError);
    // cache off: always calls
    const off = teacher({ cacheDir: dir, cacheMode: 'off' });
    await off.generateTaskQuery(P, { seed: 1 });
    expect(calls()).toBe(n + 1);
  });

  it('keeps at most `concurrency` calls in flight', async () => {
    // The server holds every request; one is released only after `concurrency` are waiting there,
    // so 3 in flight is reached by events, not by latency, and a 4th would show up in maxInFlight.
    const s = await startFakeOpenAiServer({ hold: true });
    try {
      const t = createTeacher('openai:m', { apiKey: 'k', baseURL: s.baseURL, cacheDir: tmpDir(), concurrency: 3 });
      const all = Promise.all(Array.from({ length: 12 }, (_, i) => t.relevance('task', `q${i}`, P)));
      // Cache misses reach the limiter synchronously: the client has started exactly 3 requests and
      // queued 9, so once 3 have arrived no further one can be on its way.
      const limiter = (t as unknown as { limiter: { active: number; pending: number } }).limiter;
      expect([limiter.active, limiter.pending]).toEqual([3, 9]);
      for (let k = 0; k < 12; k++) {
        await s.waitForModelCalls(Math.min(k + 3, 12));
        s.release();
      }
      await all;
      expect(s.modelCalls()).toHaveLength(12);
      expect(s.maxInFlight()).toBe(3);
    } finally {
      await s.close();
    }
  });
});

describe('the prompt-logprob probe refuses servers without real prompt logprobs', () => {
  for (const mode of ['generated-only', 'none', 'no-endpoint'] as const) {
    it(`refuses a '${mode}' server before scoring anything`, async () => {
      const s = await startFakeOpenAiServer({ promptLogprobs: mode });
      try {
        const t = createTeacher('openai:m', { apiKey: 'k', baseURL: s.baseURL, cacheDir: tmpDir() }) as ClosableTeacher;
        await expect(t.preflight!(['continuationLogprobs'])).rejects.toThrow(CapabilityError);
        await expect(t.queryLikelihood('q', P)).rejects.toThrow(
          /cannot provide query likelihood.*(only generated tokens|no token logprobs|chat model)/s,
        );
        // only probe requests reached the server, never a scoring request, and the refusal is remembered
        await expect(t.queryLikelihood('q2', P)).rejects.toThrow(CapabilityError);
        expect(s.modelCalls()).toHaveLength(1);
        expect(s.modelCalls()[0]!.body.prompt).toBe('one two three four five six seven eight nine ten');
        // a refusal is not cached: a new teacher on the same cache probes again
        const t2 = createTeacher('openai:m', { apiKey: 'k', baseURL: s.baseURL, cacheDir: dirOf(t) });
        await expect(t2.queryLikelihood('q', P)).rejects.toThrow(CapabilityError);
        expect(s.modelCalls()).toHaveLength(2);
      } finally {
        await s.close();
      }
    });
  }
  it("accepts a 'full' server (no null first token)", async () => {
    const s = await startFakeOpenAiServer({ promptLogprobs: 'full' });
    try {
      const t = createTeacher('openai:m', { apiKey: 'k', baseURL: s.baseURL, cacheDir: tmpDir() }) as ClosableTeacher;
      await t.preflight!(['generate', 'continuationLogprobs', 'labelLogprobs']);
      expect(await t.queryLikelihood('a bb', P)).toBeCloseTo(fakeTokenLogprob(' a') + fakeTokenLogprob(' bb'), 12);
    } finally {
      await s.close();
    }
  });
});

describe('teacher specs', () => {
  it('parses and rejects specs with a fix', () => {
    expect(() => createTeacher('gpt4')).toThrow(/unknown teacher 'gpt4'.*openai:MODEL/s);
    expect(() => createTeacher('openai:')).toThrow(/names no model/);
    expect(() => createTeacher('gguf:/nope/x.gguf')).toThrow(/GGUF file not found: \/nope\/x.gguf/);
  });
  it('asks for OPENAI_API_KEY when the OpenAI API is meant and no key is set', () => {
    vi.stubEnv('OPENAI_API_KEY', '');
    vi.stubEnv('OPENAI_BASE_URL', '');
    try {
      expect(() => createTeacher('openai:gpt-4o-mini')).toThrow(/needs an API key.*set OPENAI_API_KEY/s);
      // a local server needs no key
      expect(createTeacher('openai:llama3', { baseURL: server.baseURL }).id).toBe('openai:llama3');
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
