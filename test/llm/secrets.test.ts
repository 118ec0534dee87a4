// The API key never appears in logs, cache files, run folders, printed objects or error messages.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { captureLogs } from '../../lib/core/log';
import { createTeacher } from '../../lib/llm/factory';
import { startFakeOpenAiServer, type FakeOpenAiServer } from './fake-openai-server';
import { tmpDir } from '../helpers';

const KEY = 'sk-test-DO-NOT-LEAK-7f3a9c2e51';
const P = { id: 'p1', text: 'The harbour lighthouse was automated in 1987.', source: 'test' };

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

let server: FakeOpenAiServer;
beforeAll(async () => {
  server = await startFakeOpenAiServer();
});
afterAll(async () => {
  await server.close();
});

describe('the API key stays secret', () => {
  it('never reaches logs, cache files, a run folder, printed objects or errors', async () => {
    vi.stubEnv('OPENAI_API_KEY', KEY);
    vi.stubEnv('OPENAI_BASE_URL', server.baseURL);
    const cache = tmpDir(),
      run = tmpDir();
    const log = captureLogs();
    const seen: string[] = [];
    try {
      // Calls that must succeed get a generous timeout; only the 'timeout' failure uses the short one
      // (the server never answers it, so the client's timer fires whatever the load).
      const t = createTeacher('openai:fake-model', { cacheDir: cache, log, maxRetries: 0, timeoutMs: 60_000 });
      const impatient = createTeacher('openai:fake-model', { cacheDir: cache, log, maxRetries: 0, timeoutMs: 300 });
      await t.generateTaskQuery(P, { seed: 1 });
      await t.queryLikelihood('lighthouse automated', P);
      await t.relevance('task', 'lighthouse automated', P);
      for (const f of ['echo-auth', '429', '500', 'malformed-json', 'timeout', 'truncated'] as const) {
        server.failNext(f);
        const e = await (f === 'timeout' ? impatient : t).generateTaskQuery(P, { seed: 10 + seen.length }).then(
          () => null,
          (err) => err,
        );
        expect(e, `failure ${f} must surface`).toBeInstanceOf(Error);
        seen.push(String(e), e.message, e.stack ?? '', inspect(e, { depth: 10 }), JSON.stringify(e));
      }
      // The key really was used: the server received it.
      expect(server.calls.some((c) => c.headers.authorization === `Bearer ${KEY}`)).toBe(true);
      // The 401 body repeated the key, and the error still does not show it.
      expect(seen.join('\n')).toMatch(/Incorrect API key provided: Bearer \*\*\*/);
      // What a stage would write into its run folder, and what a notebook would print.
      writeFileSync(join(run, 'teacher.json'), JSON.stringify({ teacher: t, usage: t.usage() }));
      writeFileSync(join(run, 'teacher.txt'), inspect(t, { depth: 20, showHidden: false }));
      seen.push(...log.lines, String(t), String(impatient), inspect(impatient, { depth: 20 }));
    } finally {
      vi.unstubAllEnvs();
    }
    const cacheFiles = filesUnder(cache);
    expect(cacheFiles.length).toBeGreaterThanOrEqual(4);
    for (const f of [...cacheFiles, ...filesUnder(run)]) seen.push(readFileSync(f, 'utf8'));
    const all = seen.join('\n');
    expect(all.length).toBeGreaterThan(1000);
    expect(all).not.toContain(KEY);
    expect(all).not.toContain(KEY.slice(8)); // nor a recognisable part of it
  });
});
