// The Batch API path against the fake server: same answers as direct calls, resumable, never paid twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createTeacher } from '../../lib/llm/factory';
import { LlmTeacher, type TeacherItem } from '../../lib/llm/llm-teacher';
import { readJson } from '../../lib/core/fs';
import { startFakeOpenAiServer, type FakeOpenAiServer } from './fake-openai-server';
import { tmpDir } from '../helpers';

const passages = [
  'The harbour lighthouse was automated in 1987.',
  'Sourdough starters need regular feeding.',
  'The council approved a new cycle lane.',
].map((text, i) => ({ id: `p${i}`, text, source: 'test' }));
const items: TeacherItem[] = [
  ...passages.map((passage, i) => ({ op: 'generate' as const, passage, seed: i })),
  { op: 'ql', query: 'lighthouse automated', passage: passages[0]! },
  { op: 'ql', query: 'lighthouse automated', passage: passages[1]! },
  { op: 'rc', task: 'Given a question, ...', query: 'sourdough feeding', passage: passages[1]! },
  { op: 'rc', task: 'Given a question, ...', query: 'sourdough feeding', passage: passages[2]! },
];

async function ask(t: LlmTeacher) {
  const out: unknown[] = [];
  for (const it of items) {
    out.push(
      it.op === 'generate'
        ? await t.generateTaskQuery(it.passage, { seed: it.seed })
        : it.op === 'ql'
          ? await t.queryLikelihood(it.query, it.passage)
          : await t.relevance(it.task, it.query, it.passage),
    );
  }
  return out;
}

let server: FakeOpenAiServer;
beforeAll(async () => {
  server = await startFakeOpenAiServer({ batchPolls: 1 });
});
afterAll(async () => {
  await server.close();
});
const make = (cacheDir: string) =>
  createTeacher('openai:m', {
    apiKey: 'k',
    baseURL: server.baseURL,
    cacheDir,
    price: { input: 1, output: 1 },
  }) as LlmTeacher;
const count = (method: string, path: RegExp) =>
  server.calls.filter((c) => c.method === method && path.test(c.path)).length;

describe('Batch API prefetch', () => {
  it('fills the cache with the same answers direct calls give, at half price, one batch per endpoint', async () => {
    const direct = await ask(make(tmpDir()));
    const t = make(tmpDir());
    const stateDir = tmpDir();
    const batchesBefore = count('POST', /^\/v1\/batches$/);
    const report = await t.prefetchViaBatch(items, { stateDir, pollMs: 5 });
    expect(report).toEqual({ items: 7, cached: 0, submitted: 7, answered: 7, failed: {} });
    expect(count('POST', /^\/v1\/batches$/) - batchesBefore).toBe(2); // chat + completions
    const u = t.usage();
    expect(u.costUsd).toBeCloseTo((0.5 * (u.promptTokens + u.completionTokens)) / 1e6, 15);
    const n = server.modelCalls().length;
    expect(await ask(t)).toEqual(direct);
    expect(server.modelCalls().length).toBe(n); // all cache hits
    // A second prefetch submits nothing.
    expect(await t.prefetchViaBatch(items, { stateDir, pollMs: 5 })).toMatchObject({ cached: 7, submitted: 0 });
    expect(readdirSync(stateDir).filter((f) => f.endsWith('.json'))).toHaveLength(2);
  });

  it('resumes a batch after an interrupted run without resubmitting', async () => {
    const cacheDir = tmpDir(),
      stateDir = tmpDir();
    server.options.batchPolls = 3;
    const gen = items.filter((i) => i.op === 'generate');
    const uploads = count('POST', /^\/v1\/files$/),
      creates = count('POST', /^\/v1\/batches$/);
    await expect(make(cacheDir).prefetchViaBatch(gen, { stateDir, pollMs: 5, maxWaitMs: 0 })).rejects.toThrow(
      /still 'in_progress'.*rerun later: progress is kept/s,
    );
    const [stateFile] = readdirSync(stateDir);
    expect(readJson<{ batchId: string }>(join(stateDir, stateFile!)).batchId).toMatch(/^batch-/);
    const report = await make(cacheDir).prefetchViaBatch(gen, { stateDir, pollMs: 5 });
    expect(report.answered).toBe(3);
    expect(count('POST', /^\/v1\/files$/) - uploads).toBe(1);
    expect(count('POST', /^\/v1\/batches$/) - creates).toBe(1);
    expect(existsSync(join(stateDir, stateFile!))).toBe(true);
    server.options.batchPolls = 1;
  });
});
