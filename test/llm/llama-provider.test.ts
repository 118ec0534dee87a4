// The node-llama-cpp provider against the shared GGUF models (skipped with a message when absent).
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { LlamaProvider } from '../../lib/llm/llama-provider';
import { loadNodeLlamaCpp } from '../../lib/llm/load-llama';
import { createTeacher } from '../../lib/llm/factory';
import { LlmOutputError } from '../../lib/llm/errors';
import { LlmTeacher } from '../../lib/llm/llm-teacher';
import { QUERY_GENERATION_SCHEMA } from '../../lib/llm/prompts/query-generation';
import { have, SHARED_MODELS, tmpDir } from '../helpers';

const MODELS = [
  // writesQuery: under the JSON grammar, with seed 2 and 200 tokens, stories260K closes the JSON
  // (a task and a query); the random-weight model does not reliably, so it may end truncated.
  { name: 'stories260K', path: join(SHARED_MODELS, 'stories260K', 'stories260K.gguf'), vocab: 512, writesQuery: true },
  {
    name: 'llama-2-tiny-random',
    path: join(SHARED_MODELS, 'llama-2-tiny-random', 'llama-2-tiny-random.gguf'),
    vocab: 32000,
    writesQuery: false,
  },
];

/** Reference: log-softmax over the full next-token distribution, one fresh evaluation per prefix. */
async function referenceLogprob(
  p: LlamaProvider,
  prompt: string,
  continuation: string,
  vocab: number,
): Promise<number> {
  const { model, sequence } = await p.load();
  const ids = [
    model.tokens.bos as number,
    ...model.tokenize(prompt, false),
    ...model.tokenize(continuation, false),
  ] as number[];
  const start = 1 + model.tokenize(prompt, false).length;
  let total = 0;
  for (let i = start; i < ids.length; i++) {
    await sequence.clearHistory();
    const input = ids
      .slice(0, i)
      .map((t, j) => (j === i - 1 ? [t, { generateNext: { probabilities: true } }] : t)) as never;
    const out = await sequence.controlledEvaluate(input);
    const probs = out[i - 1]!.next.probabilities!;
    expect(probs.size).toBe(vocab); // the whole vocabulary: no top-k / top-p truncation
    let z = 0;
    for (const v of probs.values()) z += v;
    expect(z).toBeCloseTo(1, 4);
    total += Math.log(probs.get(ids[i]! as never)!) - Math.log(z);
  }
  await sequence.clearHistory();
  return total;
}

describe('loading node-llama-cpp (ESM with top-level await)', () => {
  it('works through the CommonJS helper, as in the tslab kernel where import() becomes require()', async () => {
    const req = createRequire(join(__dirname, '..', '..', 'lib', 'llm', 'load-llama.ts'));
    expect(() => req('node-llama-cpp')).toThrow(/ERR_REQUIRE_ASYNC_MODULE|top-level await/);
    const esmImport = req('./esm-import.cjs') as (s: string) => Promise<{ getLlama: unknown }>;
    expect(typeof (await esmImport('node-llama-cpp')).getLlama).toBe('function');
  });
});

for (const m of MODELS) {
  describe.runIf(have(m.path, `GGUF model ${m.name}`))(`node-llama-cpp provider: ${m.name}`, () => {
    const p = new LlamaProvider({ modelPath: m.path, threads: 1, contextSize: 512 });
    afterAll(() => p.close());

    it('loads node-llama-cpp through the loader', async () => {
      expect(typeof (await loadNodeLlamaCpp()).getLlama).toBe('function');
    });

    it('scores given text exactly (against a full-vocabulary log-softmax)', async () => {
      const prompt = 'Once upon a time, there was a little girl.';
      const cont = ' She liked to play in the park.';
      const r = await p.continuationLogprob({ prompt, continuation: cont });
      const ref = await referenceLogprob(p, prompt, cont, m.vocab);
      expect(r.tokens).toBe((await p.load()).model.tokenize(cont, false).length);
      expect(r.logprob).toBeLessThan(0);
      expect(r.logprob).toBeCloseTo(ref, 4);
    });

    it('completes text, deterministically under the seed', async () => {
      const req = {
        messages: [{ role: 'user' as const, content: 'Once upon a time' }],
        temperature: 0.8,
        seed: 3,
        maxTokens: 12,
      };
      const a = await p.generate(req);
      const b = await p.generate(req);
      expect(a.text.length).toBeGreaterThan(0);
      expect(a.text).toBe(b.text);
      expect(a.usage.completionTokens).toBeGreaterThan(0);
    });

    it('refuses a prompt longer than the context, with a fix', async () => {
      const long = {
        messages: [{ role: 'user' as const, content: 'the cat sat on the mat. '.repeat(200) }],
        temperature: 0,
        seed: 1,
        maxTokens: 8,
      };
      await expect(p.generate(long)).rejects.toThrow(
        /the prompt has \d+ tokens, the context only 512.*fix: raise gguf.contextSize/s,
      );
    });

    it(
      m.writesQuery
        ? 'writes JSON that follows the schema (a task and a query)'
        : 'writes JSON that follows the schema, or reports a truncation exactly when the token budget ran out',
      async () => {
        const r = await p.generate({
          messages: [{ role: 'user', content: 'A story as JSON:' }],
          jsonSchema: QUERY_GENERATION_SCHEMA as never,
          temperature: 0.7,
          seed: 1,
          maxTokens: 200,
        });
        expect(r.text.startsWith('{')).toBe(true); // the grammar holds from the first token
        // a model that writes queries must close the JSON; the random-weight one may run out of tokens
        if (m.writesQuery) expect(r.truncated, `${m.name}: ${r.text}`).toBe(false);
        if (r.truncated) {
          expect(r.usage.completionTokens).toBeGreaterThanOrEqual(200); // counted by re-tokenising the text: 220 here
          expect(() => JSON.parse(r.text)).toThrow();
        } else {
          expect(r.usage.completionTokens).toBeLessThan(200);
          const obj = JSON.parse(r.text);
          expect(Object.keys(obj).sort()).toEqual(['query', 'task']);
          expect(typeof obj.task).toBe('string');
          expect(typeof obj.query).toBe('string');
        }
      },
    );

    it('works as a teacher: QL, RC labels, generation; a cached rerun makes zero calls', async () => {
      const dir = tmpDir();
      const passage = {
        id: 'p',
        text: 'Lily had a red ball. She played with it in the garden every day.',
        source: 'test',
      };
      const run = async () => {
        const t = createTeacher(`gguf:${m.path}`, {
          cacheDir: dir,
          gguf: { threads: 1, contextSize: 2048 },
          generation: { maxTokens: 200 },
        }) as LlmTeacher;
        const ql = await t.queryLikelihood('what did lily play with', passage);
        const rc = await t.relevance(
          'Given a question, retrieve a passage that answers the question',
          'what did lily play with',
          passage,
        );
        const g = await t.generateTaskQuery(passage, { seed: 2 }).then(
          (x) => x.query,
          (e) => {
            if (e instanceof LlmOutputError) return `error:${e.reason}`;
            throw e;
          },
        );
        await t.close();
        return { ql, rc, g, usage: t.usage() };
      };
      const a = await run();
      expect(a.ql).toBeLessThan(0);
      expect(Object.keys(a.rc.labelLogprobs).sort()).toEqual(['no', 'yes']);
      expect(a.rc.score).toBeGreaterThan(0);
      expect(a.rc.score).toBeLessThan(1);
      expect(a.usage.calls).toBe(4); // three calls and the one-time prompt-logprob probe
      // A failed generation is turned into 'error:<reason>' above only so that the cached rerun can be
      // compared; it must not pass for a query.
      if (m.writesQuery) expect(a.g).not.toMatch(/^error:/);
      else expect(a.g === 'error:truncated' || !a.g.startsWith('error:')).toBe(true);
      if (!a.g.startsWith('error:')) expect(a.g.trim().length).toBeGreaterThan(0);
      const b = await run();
      expect(b).toMatchObject({ ql: a.ql, rc: a.rc, g: a.g });
      expect(b.usage).toMatchObject({ calls: 0, cachedCalls: 3 });
    });
  });
}
