// The OpenAI-compatible embedder against a loopback server: request shape (float encoding,
// dimensions), batching, ordering by `index`, and the key never in the id or JSON.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAiEmbedder } from '../../lib/eval/openai-embedder';
import { resolveModel } from '../../lib/eval/models';

const requests: { body: any; auth: string | undefined }[] = [];
let server: Server;
let baseURL = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = JSON.parse(raw);
      requests.push({ body, auth: req.headers.authorization });
      const dim = body.dimensions ?? 4;
      // reply in reverse order: the client must place vectors by `index`
      const data = (body.input as string[])
        .map((t, index) => ({
          object: 'embedding',
          index,
          embedding: Array.from({ length: dim }, (_, j) => (j === 0 ? t.length : 0) + 1),
        }))
        .reverse();
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({ object: 'list', data, model: body.model, usage: { prompt_tokens: 1, total_tokens: 1 } }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('OpenAiEmbedder', () => {
  it('batches, sends float encoding and dimensions, orders by index, normalises', async () => {
    requests.length = 0;
    const e = new OpenAiEmbedder({
      model: 'emb-small',
      dimensions: 3,
      baseURL,
      apiKey: 'sk-secret-123',
      batchSize: 2,
      concurrency: 2,
    });
    const out = await e.embed(['a', 'bbb', 'cc', 'd', 'eeeee']);
    expect(requests).toHaveLength(3);
    for (const r of requests) {
      expect(r.body).toMatchObject({ model: 'emb-small', encoding_format: 'float', dimensions: 3 });
      expect(r.auth).toBe('Bearer sk-secret-123');
    }
    expect(
      requests
        .map((r) => r.body.input)
        .flat()
        .sort(),
    ).toEqual(['a', 'bbb', 'cc', 'd', 'eeeee']);
    // vector = (len + 1, 1, 1) normalised: the first coordinate identifies the text
    const first = out.map((v) => v[0]! / v[1]!);
    expect(first.map((x) => Math.round(x))).toEqual([2, 4, 3, 2, 6]);
    expect(Math.hypot(...out[0]!)).toBeCloseTo(1, 6);
    expect(e.dim).toBe(3);
  });

  it('omits dimensions when not asked, and never shows the key', async () => {
    requests.length = 0;
    const model = await resolveModel('openai:emb-large', { openai: { baseURL, apiKey: 'sk-secret-123' } });
    expect(model.kind).toBe('dense');
    if (model.kind !== 'dense') return;
    await model.embedder.embed(['x']);
    expect(requests[0]!.body.dimensions).toBeUndefined();
    expect(model.id).toMatch(/^openai:emb-large~[0-9a-f]{8}$/);
    const shown = JSON.stringify(model) + inspect(model, { depth: 5 });
    expect(shown).not.toContain('sk-secret-123');
  });

  it('explains a missing key for the default endpoint', async () => {
    const saved = { key: process.env.OPENAI_API_KEY, url: process.env.OPENAI_BASE_URL };
    delete process.env.OPENAI_API_KEY;
    delete process.env.OPENAI_BASE_URL;
    try {
      await expect(resolveModel('openai:text-embedding-3-small')).rejects.toThrow(
        /needs an API key[\s\S]*OPENAI_API_KEY/,
      );
    } finally {
      if (saved.key !== undefined) process.env.OPENAI_API_KEY = saved.key;
      if (saved.url !== undefined) process.env.OPENAI_BASE_URL = saved.url;
    }
  });
});
