// Small pure pieces of the LLM layer, with hand-computed numbers.
import { describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { resolveConfig } from '../../lib/config/resolve';
import { LlmOutputError, BudgetExceededError, redact } from '../../lib/llm/errors';
import { judgementFromLabels, parseTaskQuery } from '../../lib/llm/llm-teacher';
import { createLimiter } from '../../lib/llm/limit';
import { diffUsage, UsageMeter } from '../../lib/llm/usage';
import { describeTeacher, parseTeacherSpec, teacherFromConfig } from '../../lib/llm/factory';
import { queryLikelihoodPrompt } from '../../lib/llm/prompts/query-likelihood';
import * as QG from '../../lib/llm/prompts/query-generation';
import * as RC from '../../lib/llm/prompts/relevance';
import { startFakeOpenAiServer } from './fake-openai-server';
import { tmpDir } from '../helpers';

describe('parsing LLM answers', () => {
  it('reads {task, query} JSON, also inside a fence or followed by text', () => {
    expect(parseTaskQuery('{"task": " Given a question ", "query": "who"}', false)).toEqual({
      task: 'Given a question',
      query: 'who',
    });
    expect(parseTaskQuery('```json\n{"task": "t", "query": "q"}\n```\nHope this helps', false)).toEqual({
      task: 't',
      query: 'q',
    });
  });
  it('names the reason when the answer is unusable', () => {
    const reason = (text: string, truncated = false) => {
      try {
        parseTaskQuery(text, truncated);
        return 'ok';
      } catch (e) {
        return (e as LlmOutputError).reason;
      }
    };
    expect(reason('{"task": "t", "query": "q"}', true)).toBe('truncated');
    expect(reason('Sure, here is a query')).toBe('malformed-json');
    expect(reason('{"task": "t", "query": ')).toBe('malformed-json');
    expect(reason('{"task": "t"}')).toBe('missing-field');
    expect(reason('{"task": "t", "query": "  "}')).toBe('missing-field');
    expect(reason('{"task": 3, "query": "q"}')).toBe('missing-field');
  });
  it('turns label logprobs into a renormalised P(yes)', () => {
    // P(yes) = 0.6, P(no) = 0.2: score = 0.6 / 0.8 = 0.75
    const j = judgementFromLabels({ yes: Math.log(0.6), no: Math.log(0.2) }, null, 'yes');
    expect(j.score).toBeCloseTo(0.75, 12);
    // 'no' absent from the top logprobs: it gets the floor (the smallest returned logprob), an upper bound.
    const k = judgementFromLabels({ yes: Math.log(0.5), no: null }, Math.log(0.01), 'yes');
    expect(k.labelLogprobs.no).toBeCloseTo(Math.log(0.01), 12);
    expect(k.score).toBeCloseTo(0.5 / 0.51, 12);
    expect(() => judgementFromLabels({ yes: null, no: null }, -3, 'yes')).toThrow(LlmOutputError);
  });
});

describe('usage meter and budget', () => {
  it('prices tokens and enforces the token budget including calls in flight', () => {
    const m = new UsageMeter({ budgetTokens: 1000, price: { input: 2, output: 10 } });
    const a = m.reserve(400);
    const b = m.reserve(500);
    expect(() => m.reserve(200)).toThrow(BudgetExceededError); // 400 + 500 reserved + 200 > 1000
    m.settle(a, { promptTokens: 300, completionTokens: 50 });
    m.settle(b, { promptTokens: 100, completionTokens: 0 }, 0.5);
    // cost = (300*2 + 50*10)/1e6 + 0.5 * (100*2)/1e6
    expect(m.usage()).toEqual({
      calls: 2,
      cachedCalls: 0,
      promptTokens: 400,
      completionTokens: 50,
      costUsd: (600 + 500) / 1e6 + 100 / 1e6,
    });
    m.release(m.reserve(500)); // 450 + 500 <= 1000
    expect(() => m.reserve(551)).toThrow(/LLM budget exhausted: 450 of 1000 tokens.*fix: raise llm.budgetTokens/s);
    m.cacheHit();
    expect(
      diffUsage({ calls: 1, cachedCalls: 0, promptTokens: 10, completionTokens: 1, costUsd: 0 }, m.usage()),
    ).toMatchObject({ calls: 1, cachedCalls: 1, promptTokens: 390 });
  });
  it('a dollar budget stops once spent', () => {
    const m = new UsageMeter({ budgetUsd: 0.001, price: { input: 1, output: 1 } });
    m.settle(m.reserve(1), { promptTokens: 1000, completionTokens: 0 });
    expect(() => m.reserve(1)).toThrow(BudgetExceededError);
  });
});

describe('limiter', () => {
  it('runs at most n at once, in FIFO order', async () => {
    const limit = createLimiter(2);
    let active = 0,
      max = 0;
    const order: number[] = [];
    await Promise.all(
      [0, 1, 2, 3, 4].map((i) =>
        limit.run(async () => {
          active++;
          max = Math.max(max, active);
          order.push(i);
          await new Promise((r) => setTimeout(r, 5));
          active--;
        }),
      ),
    );
    expect(max).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(() => createLimiter(0)).toThrow(/concurrency must be an integer >= 1/);
  });
});

describe('prompts and specs', () => {
  it('prompts are versioned and the exemplars are not evaluation data', () => {
    for (const m of [QG, RC]) {
      expect(m.PROMPT_ID).toMatch(/\w/);
      expect(m.PROMPT_VERSION).toMatch(/\d/);
    }
    expect(new Set(QG.EXEMPLARS.map((e) => e.task)).size).toBe(4);
    const msgs = QG.queryGenerationMessages({ text: 'Water boils at 100 C.' });
    expect(msgs.at(-1)!.content).toMatch(/Passage: Water boils at 100 C\.\nJSON:$/);
    const { prompt, continuation } = queryLikelihoodPrompt(' who boils ', { title: 'T', text: 'Water boils.' });
    expect(prompt.endsWith('Passage: T\nWater boils.\nWrite a query that this passage answers.\nQuery:')).toBe(true);
    expect(continuation).toBe(' who boils');
  });
  it('parses teacher specs', () => {
    expect(parseTeacherSpec(' offline ')).toEqual({ kind: 'offline' });
    expect(parseTeacherSpec('openai:gpt-4o-mini')).toEqual({ kind: 'openai', model: 'gpt-4o-mini' });
    expect(parseTeacherSpec('gguf:models/a b.gguf')).toEqual({ kind: 'gguf', path: 'models/a b.gguf' });
    expect(() => parseTeacherSpec('hf:x')).toThrow(/config key 'llm.teacher': unknown teacher 'hf:x'/);
  });
  it('builds the teacher of a config section; the offline one is named a stand-in', () => {
    const cfg = resolveConfig('smoke').config;
    const t = teacherFromConfig(cfg.llm, { cacheDir: tmpDir() });
    expect(cfg.llm.teacher).toBe('offline');
    expect(describeTeacher(t)).toBe('offline (stand-in, not an LLM)');
  });
  it('redacts secrets', () => {
    expect(redact('key sk-abc123 and sk-abc123', ['sk-abc123', undefined, 'ab'])).toBe('key *** and ***');
  });
});

describe('fake server embeddings (what the FRet/eval code may call)', () => {
  it('answers float and base64 embeddings identically', async () => {
    const s = await startFakeOpenAiServer();
    try {
      const c = new OpenAI({ apiKey: 'k', baseURL: s.baseURL });
      const b64 = await c.embeddings.create({ model: 'e', input: ['a', 'b'], dimensions: 4 }); // the client asks for base64 and decodes
      const flt = await c.embeddings.create({ model: 'e', input: ['a', 'b'], dimensions: 4, encoding_format: 'float' });
      expect(s.calls.at(-2)!.body.encoding_format).toBe('base64');
      expect(b64.data).toHaveLength(2);
      for (let i = 0; i < 2; i++) {
        expect(b64.data[i]!.embedding).toHaveLength(4);
        b64.data[i]!.embedding.forEach((v, j) => expect(v).toBeCloseTo(flt.data[i]!.embedding[j]!, 6));
        expect(Math.hypot(...flt.data[i]!.embedding)).toBeCloseTo(1, 5);
      }
    } finally {
      await s.close();
    }
  });
});
