import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LlmCache } from '../../lib/llm/cache';
import { CacheMissError } from '../../lib/llm/errors';
import { hashOf } from '../../lib/core/hash';
import { captureLogs } from '../../lib/core/log';
import { tmpDir } from '../helpers';

const material = {
  provider: { kind: 'openai', model: 'm', baseURL: 'http://x/v1' },
  op: 'generate',
  prompt: { id: 'qg', version: '1' },
  request: { messages: [{ role: 'user', content: 'hi' }], seed: 1, temperature: 1 },
};

describe('LLM cache', () => {
  it('keys are the sha256 of the canonical key material; files live under <2 chars>/<key>.json', async () => {
    const c = new LlmCache(tmpDir(), 'read-write');
    const key = LlmCache.keyOf(material);
    expect(key).toBe(hashOf(material));
    expect(LlmCache.keyOf({ ...material, request: { ...material.request, seed: 2 } })).not.toBe(key);
    expect(
      LlmCache.keyOf({
        request: material.request,
        op: material.op,
        prompt: material.prompt,
        provider: material.provider,
      }),
    ).toBe(key); // key order does not matter
    let n = 0;
    const r1 = await c.getOrCompute(material, async () => ({ text: 'a', n: ++n }));
    expect(r1).toMatchObject({ hit: false, value: { text: 'a', n: 1 } });
    expect(existsSync(join(c.dir, key.slice(0, 2), `${key}.json`))).toBe(true);
    const r2 = await c.getOrCompute(material, async () => ({ text: 'b', n: ++n }));
    expect(r2).toMatchObject({ hit: true, value: { text: 'a', n: 1 } });
    expect(n).toBe(1);
    expect(c.stats).toEqual({ hits: 1, misses: 1, writes: 1 });
  });

  it('a second cache on the same folder sees the entries; replay serves hits and fails on a miss', async () => {
    const dir = tmpDir();
    await new LlmCache(dir).getOrCompute(material, async () => 'v');
    const replay = new LlmCache(dir, 'replay');
    expect((await replay.getOrCompute(material, async () => 'other')).value).toBe('v');
    const miss = replay.getOrCompute({ ...material, op: 'labels' }, async () => 'never', 'openai:m labels');
    await expect(miss).rejects.toBeInstanceOf(CacheMissError);
    await expect(miss).rejects.toThrow(
      /cache miss in replay mode: openai:m labels.*fix: set llm.cacheMode to 'read-write'/s,
    );
    expect(readdirSync(dir)).toHaveLength(1); // replay wrote nothing
  });

  it('off mode neither reads nor writes', async () => {
    const dir = tmpDir();
    await new LlmCache(dir).getOrCompute(material, async () => 'v');
    const off = new LlmCache(dir, 'off');
    expect(await off.getOrCompute(material, async () => 'fresh')).toMatchObject({ value: 'fresh', hit: false });
    expect(await off.getOrCompute({ x: 1 }, async () => 1)).toMatchObject({ hit: false });
    expect(off.stats.writes).toBe(0);
  });

  it('ignores a temp file left by a killed writer, and recomputes an unreadable entry', async () => {
    const dir = tmpDir();
    const c = new LlmCache(dir, 'read-write', captureLogs());
    const key = LlmCache.keyOf(material);
    mkdirSync(join(dir, key.slice(0, 2)), { recursive: true });
    // A killed process leaves only its temp file: never read as an entry.
    writeFileSync(join(dir, key.slice(0, 2), `${key}.json.tmp-999-0`), '{"key": "' + key + '", "value": "torn');
    expect(c.get(key)).toBeUndefined();
    expect(await c.getOrCompute(material, async () => 'ok')).toMatchObject({ value: 'ok', hit: false });
    // A corrupt entry (e.g. edited by hand) is a miss with a warning, then rewritten.
    const log = captureLogs();
    const c2 = new LlmCache(dir, 'read-write', log);
    writeFileSync(c2.pathOf(key), 'not json');
    expect(await c2.getOrCompute(material, async () => 'again')).toMatchObject({ value: 'again', hit: false });
    expect(log.lines.join('\n')).toMatch(/unreadable; it will be recomputed/);
    expect(c2.get(key)?.value).toBe('again');
  });

  it('identical requests in flight share one computation', async () => {
    const c = new LlmCache(tmpDir());
    let n = 0;
    const slow = async () => {
      n++;
      await new Promise((r) => setTimeout(r, 20));
      return n;
    };
    const rs = await Promise.all([
      c.getOrCompute(material, slow),
      c.getOrCompute(material, slow),
      c.getOrCompute(material, slow),
    ]);
    expect(n).toBe(1);
    expect(rs.map((r) => r.value)).toEqual([1, 1, 1]);
  });

  it('a failed computation is not cached', async () => {
    const c = new LlmCache(tmpDir());
    await expect(
      c.getOrCompute(material, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await c.getOrCompute(material, async () => 'ok')).toMatchObject({ value: 'ok', hit: false });
  });
});
