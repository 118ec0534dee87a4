// `gecko fret` against real teacher back ends: the local fake OpenAI server (HTTP on
// 127.0.0.1) and the shared tiny GGUF model. Output quality aside: the command completes,
// writes valid records, counts unusable answers as skips, and a cached rerun calls nothing.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRET_FILES } from '../../lib/fret/pipeline';
import { startFakeOpenAiServer, type FakeOpenAiServer } from '../llm/fake-openai-server';
import { have, SHARED_MODELS, tmpDir } from '../helpers';

const ROOT = resolve(__dirname, '..', '..');
const TEXTS = [
  'The football match ended with a late goal by the striker in the rain.',
  'Stock markets rose as bank shares gained after strong profit reports.',
  'The minister called an election after the party lost a key vote.',
  'The film won an award for best actor at the cinema festival.',
  'Phone software updates reached millions of internet users this week.',
  'A striker scored twice and the match was won by the home team.',
];
const dir = tmpDir();
const corpus = join(dir, 'corpus.jsonl');
writeFileSync(corpus, TEXTS.map((text, i) => JSON.stringify({ id: `p${i}`, text })).join('\n') + '\n');

// Asynchronous spawn: the fake server lives in this process and must keep answering.
async function fret(teacher: string, out: string, n: number, extraEnv: Record<string, string> = {}, timeoutMs = 20000) {
  const child = spawn(
    'node',
    [
      'bin/gecko.js',
      'fret',
      '--corpus',
      corpus,
      '--teacher',
      teacher,
      '--n',
      String(n),
      '--out',
      out,
      '--set',
      'seeding.minChars=10',
      '--set',
      'fret.numCandidates=3',
      '--set',
      `llm.timeoutMs=${timeoutMs}`,
    ],
    {
      cwd: ROOT,
      env: { ...process.env, GECKO_PROGRESS: 'off', GECKO_CACHE_DIR: join(dir, 'cache'), ...extraEnv },
    },
  );
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const status = await new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  expect(status, stderr).toBe(0);
  return { stderr, report: JSON.parse(readFileSync(join(out, FRET_FILES.report), 'utf8')) };
}

describe('gecko fret with LLM teachers', () => {
  let server: FakeOpenAiServer;
  beforeAll(async () => {
    server = await startFakeOpenAiServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('completes against the fake OpenAI server, and a rerun is served from the cache', async () => {
    const env = { OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: 'sk-fret-test-secret' };
    const a = await fret('openai:fake-model', join(dir, 'openai-1'), 6, env);
    expect(a.report.teacher).toBe('openai:fake-model');
    expect(a.report.standIn).toBe(false);
    expect(a.report.examples).toBeGreaterThan(0);
    expect(a.report.usage.calls).toBeGreaterThan(0);
    const queries = readFileSync(join(dir, 'openai-1', FRET_FILES.queries), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(queries[0]).toMatchObject({
      teacher: 'openai:fake-model',
      promptId: expect.any(String),
      promptVersion: expect.any(String),
      raw: expect.any(String),
    });
    const b = await fret('openai:fake-model', join(dir, 'openai-2'), 6, env);
    expect(b.report.usage.calls).toBe(0);
    expect(b.report.usage.cachedCalls).toBe(a.report.usage.calls);
    expect(readFileSync(join(dir, 'openai-2', FRET_FILES.fret), 'utf8')).toBe(
      readFileSync(join(dir, 'openai-1', FRET_FILES.fret), 'utf8'),
    );
    for (const f of [FRET_FILES.fret, FRET_FILES.queries, FRET_FILES.report, FRET_FILES.usage]) {
      expect(readFileSync(join(dir, 'openai-1', f), 'utf8')).not.toContain('sk-fret-test-secret');
    }
    expect(a.stderr + b.stderr).not.toContain('sk-fret-test-secret');
  });

  const STORIES = join(SHARED_MODELS, 'stories260K', 'stories260K.gguf');
  it.skipIf(!have(STORIES, 'GGUF model stories260K'))(
    'completes against the shared stories260K GGUF model (unusable answers are counted, not fatal)',
    async () => {
      const model = STORIES;
      const out = join(dir, 'gguf');
      // A generous per-call timeout: on a loaded 2-core machine one 256-token generation can take 20 s.
      const { report } = await fret(`gguf:${model}`, out, 2, {}, 180_000);
      expect(report.teacher).toBe(`gguf:${model}`);
      expect(report.standIn).toBe(false);
      const skipped = Object.values(report.skipped as Record<string, number>).reduce((s, c) => s + c, 0);
      expect(report.examples + skipped).toBe(2); // every seed ends as a record or a counted skip
      expect(existsSync(join(out, FRET_FILES.examples))).toBe(true);
      // Not an empty success: the model was called and wrote at least one usable task and query
      // (stories260K closes the JSON grammar within the default 256 tokens).
      expect(report.usage.calls).toBeGreaterThan(0);
      const queries = readFileSync(join(out, FRET_FILES.queries), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { task: string; query: string });
      expect(queries.length).toBeGreaterThanOrEqual(1);
      for (const q of queries) expect(q.task.trim() && q.query.trim()).toBeTruthy();
    },
    600_000,
  );
});
